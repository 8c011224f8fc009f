"""The paper's ResNet claims, tested on results/vision/finetune.csv (paired within seed and dataset), and the arm's
protocol control per dataset [ours]: fine-tuning beats the linear probe of the frozen PT model at the reference
knobs (ptft.deep.claims.beats_probe_claim)."""

from ptft.deep.claims import beats_probe_claim, knob_claims
from ptft.vision.data import N_CLASSES
from ptft.vision.runs import AXES

TABLE = "vision_finetune"
CONTROLS = tuple(beats_probe_claim(f"resnet_control_ft_beats_probe_{dataset}", "vision", TABLE, AXES, dataset,
                                   model="resnet") for dataset in N_CLASSES)
CLAIMS = (*knob_claims("vision", TABLE, AXES, model="resnet"), *CONTROLS)
