"""How far two runs' scorecards differ, claim by claim: verdicts (own interval and after Holm), effect [95% CI] and
the change of the effect. For the same code run on two machines, or with other CPU kernels (bench/README.md):

    .venv/bin/python bench/scorecard_diff.py results/scorecard.csv runs/avx2/results/scorecard.csv

Claims NOT RUN in either scorecard are left out of the table and counted below it. Holm's p-values depend on every
claim of the family, so `verdict_holm` is only comparable between scorecards of the same arms.
"""

import argparse

import pandas as pd

from ptft.report import interval


def diff(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """One row per claim run in both scorecards (indexed by claim_id), and the claims left out."""
    a, b = a.set_index("claim_id"), b.set_index("claim_id")
    both = [c for c in a.index if c in b.index and "NOT RUN" not in (a.at[c, "verdict"], b.at[c, "verdict"])]
    left_out = sorted((set(a.index) | set(b.index)) - set(both))
    rows = [{"claim_id": c, "verdict A": a.at[c, "verdict"], "verdict B": b.at[c, "verdict"],
             "Holm A": a.at[c, "verdict_holm"], "Holm B": b.at[c, "verdict_holm"],
             "effect A": interval(a.loc[c], 4), "effect B": interval(b.loc[c], 4),
             "change": b.at[c, "effect"] - a.at[c, "effect"]} for c in both]
    return pd.DataFrame(rows).set_index("claim_id"), left_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", help="scorecard.csv of run A")
    parser.add_argument("b", help="scorecard.csv of run B")
    args = parser.parse_args()
    table, left_out = diff(pd.read_csv(args.a), pd.read_csv(args.b))
    print(table.to_markdown(floatfmt="+.4f"))
    moved = table[table["verdict A"] != table["verdict B"]].index.tolist()
    print(f"\n{len(table)} claims run in both; verdicts that moved: {', '.join(moved) or 'none'}; "
          f"largest change of an effect: {table['change'].abs().max():.4g}; left out (NOT RUN in either or missing "
          f"from one): {len(left_out)}")


if __name__ == "__main__":
    main()
