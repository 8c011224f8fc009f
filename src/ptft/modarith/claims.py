"""The paper's Transformer claims, tested on results/modarith/finetune.csv (paired within seed)."""

from ptft.deep.claims import knob_claims

# Smaller early layers are claimed for a sparse subset of PT features (the subset family, DLN regime IV); the
# absolute and readout scale claims pool the families, matched within seed and family.
_SUBSET = knob_claims("modarith", "modarith_finetune", "ft_train_frac", model="transformer", where={"family": "subset"})
_ALL = knob_claims("modarith", "modarith_finetune", "ft_train_frac", model="transformer", cells=("family",))
CLAIMS = (_SUBSET[0], *_ALL[1:])
