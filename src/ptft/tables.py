"""Tables as CSV + Markdown + LaTeX from one DataFrame, with a visible note where data is a synthetic stand-in."""

from pathlib import Path

import pandas as pd

from ptft import io


def write_table(df: pd.DataFrame, paths, *, caption: str = "", note: str = "", floatfmt: str = ".4g") -> None:
    """Write `df` to each path by suffix (.csv, .md, .tex). `note` (e.g. the data source) heads md/tex."""
    for path in map(Path, paths):
        if path.suffix == ".csv":
            io.write_csv(path, df)
        elif path.suffix == ".md":
            head = "".join(f"{line}\n\n" for line in (caption, note) if line)
            io.write_text(path, head + df.to_markdown(index=False, floatfmt=floatfmt) + "\n")
        elif path.suffix == ".tex":
            cap = " ".join(s for s in (caption, note) if s)
            tex = df.to_latex(index=False, float_format=lambda x: format(x, floatfmt), caption=cap or None)
            io.write_text(path, tex)
        else:
            raise ValueError(f"unknown table format {path.suffix!r} for {path} (expected .csv, .md or .tex)")


def html_page(title: str, body: str) -> str:
    """A standalone HTML page (the report shows it as a page of its own) with the house table style."""
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>" + title + "</title><style>"
            "body{font-family:sans-serif;max-width:1200px;margin:1em auto} table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}</style></head><body><h1>" + title + "</h1>"
            + body + "</body></html>")
