"""Modular-arithmetic Transformers: pretraining and fine-tuning small Transformers across initialisation grids."""
