"""The paper's ResNet claims, tested on results/vision/finetune.csv (paired within seed and dataset)."""

from ptft.deep.claims import knob_claims
from ptft.vision.runs import AXES

CLAIMS = knob_claims("vision", "vision_finetune", AXES, model="resnet")
