"""p is set only in the config: no integer literal equal to a configured p in the arm's code, and the code
follows whatever p the config gives (exact checks)."""

import io
import tokenize
from pathlib import Path

import pytest

from ptft import config
from ptft.modarith import runs, tasks, train

ROOT = Path(__file__).resolve().parents[2]
CODE = [*sorted((ROOT / "src/ptft/modarith").glob("*.py")), *sorted((ROOT / "workflow/scripts").glob("modarith_*.py")),
        ROOT / "workflow/rules/modarith.smk", ROOT / "bench/modarith_step.py"]
CONFIGURED_P = {config.load(ROOT / "config/config.yaml", *extra)["modarith"]["p"]
                for extra in [(), (ROOT / "config/paper.yaml",), (ROOT / "tests/configs/tiny.yaml",)]}
PRIMES_OF_THE_LITERATURE = {97, 113}


def _int_literals(path: Path) -> set[int]:
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text()).readline)
    return {int(t.string) for t in tokens if t.type == tokenize.NUMBER and t.string.isdigit()}


@pytest.mark.parametrize("path", CODE, ids=lambda p: p.name)
def test_no_configured_p_literal_in_code(path):
    assert not _int_literals(path) & (CONFIGURED_P | PRIMES_OF_THE_LITERATURE)


@pytest.mark.parametrize("p", [5, 13])
def test_sizes_follow_the_configured_p(p):
    model = train.build(p, {"d_model": 8, "n_heads": 2, "d_mlp": 8, "n_layers": 1}, seed=0)
    assert model.unembed.out_features == p
    assert model.embed.num_embeddings == tasks.vocab_size(p) == p + len(tasks.OPERATIONS) + 1
    section = config.load(ROOT / "config/config.yaml")["modarith"] | {"p": p}
    pt, ft = runs.pt_table(section), runs.ft_table(section)
    assert set(pt["p"]) == set(ft["p"]) == {p}
