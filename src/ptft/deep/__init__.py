"""Shared by the deep arms: the experiment design (sweeps, ids, jobs, tables, figure), knobs, training, probe, ENSD."""
