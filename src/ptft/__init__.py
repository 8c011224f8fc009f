"""ptft: reproduce 'A Theory of How Pretraining Shapes Inductive Bias in Fine-Tuning' end to end."""

__version__ = "0.1.0"
