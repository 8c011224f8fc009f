"""Diagonal linear networks (REFERENCE §1–4): closed-form theory, tasks, batched GD, the Theorem 4.1 solver, simulations."""
