"""The paper's ResNet claims, tested on results/vision/finetune.csv (paired within seed and dataset)."""

from ptft.deep.claims import knob_claims

CLAIMS = knob_claims("vision", "vision_finetune", "n", model="resnet", cells=("dataset",))
