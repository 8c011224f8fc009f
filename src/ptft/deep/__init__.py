"""Shared machinery of the deep-network arms: initialisation knobs, one training loop, ENSD, device choice."""
