"""Command line: `ptft audit <output>...`, `ptft plan [--configfile F...]`,
`ptft check-config [F...] [--results-of OUTPUT]`, `ptft config-doc` (also `python -m ptft`). Run from a checkout:
config/, workflow/schemas/ and bench/ are read from the working directory."""

import argparse
import sys

from pathlib import Path

from ptft import arms, audit, config, config_doc, plan, provenance


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ptft", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("audit", help="walk outputs back to every run and dataset; exit 1 on any problem")
    cmd.add_argument("outputs", nargs="+", help="figures, tables or run files with a .prov.json beside them")
    cmd.add_argument("--root", help="folder the pipeline ran in (default: inferred from each output's record)")
    cmd.add_argument("--json", action="store_true", help="machine-readable report")
    cmd = sub.add_parser("check-config", help="check configs merged over config/config.yaml (YAML, schema, cross-field "
                         "rules); exit 2 naming the file:line or key")
    cmd.add_argument("configfile", nargs="*", help="configs merged over config/config.yaml, as `--configfile` is")
    cmd.add_argument("--results-of", metavar="OUTPUT", help="also exit 2 unless OUTPUT's provenance record names this "
                     "config's hash (`make report`: captions describe the config given, not the one the run used)")
    sub.add_parser("config-doc", help="print config/README.md (every key of config/config.yaml and of the schemas)")
    cmd = sub.add_parser("plan", help="jobs, CPU/GPU-hours, memory, disk and the longest job of a config, before a run")
    cmd.add_argument("--configfile", nargs="*", default=[], help="configs merged over config/config.yaml")
    cmd.add_argument("--cores", type=int, default=2, help="cores of the machine the wall-time bound is quoted for")
    args = parser.parse_args(argv)
    root = Path.cwd()
    if args.command in ("plan", "check-config"):
        try:
            cfg = arms.validate(config.load(root / "config/config.yaml", *args.configfile), root)
        except config.ConfigError as err:
            print(f"ptft {args.command}: {err}", file=sys.stderr)
            return 2
    if args.command == "check-config" and args.results_of:
        made = provenance.made_with(args.results_of)
        if made not in (None, provenance.config_hash(cfg)):
            print(f"ptft check-config: {mismatch(root, args.results_of, made, args.configfile)}", file=sys.stderr)
            return 2
    if args.command == "check-config":
        print(f"config OK: {' + '.join(map(str, ['config/config.yaml', *args.configfile]))}")
        return 0
    if args.command == "plan":
        costs = plan.load_costs(root / plan.COSTS)
        print(plan.to_markdown(plan.plan(cfg, costs, arms.PLAN_ROWS), costs, cores=args.cores), end="")
        return 0
    if args.command == "config-doc":
        print(config_doc.describe(root / "config/config.yaml", root / config.SCHEMA), end="")
        return 0

    ok = True
    for out in args.outputs:
        lineage = audit.audit(out, root=args.root)
        print(audit.as_json(lineage) if args.json else audit.summary(out, lineage))
        ok &= lineage.ok
    return 0 if ok else 1


def mismatch(root: Path, output, made: str, given: list) -> str:
    """Why `output` cannot be reported with the `given` configs, naming the shipped config that made it, if one did."""
    shipped = [None, *(p for p in sorted((root / "config").glob("*.yaml")) if p.name != "config.yaml"),
               *sorted((root / "tests/configs").glob("*.yaml"))]
    found = [f"make report CONFIG={p.relative_to(root)}" if p else "make report" for p in shipped
             if _hash(root, p) == made]
    hint = (f"run `{found[0]}` (the config it was made with)" if found else
            "it matches none of the shipped configs; pass the config files the run used: `make report CONFIG=...`")
    given = " + ".join(["config/config.yaml", *given])
    return (f"{output} was made with another config (hash {made[:12]}) than {given}, so the report's captions would "
            f"describe another run; {hint}")


def _hash(root: Path, extra: Path | None) -> str | None:
    """The config hash of the default config with `extra` merged over it (None: not a valid config)."""
    try:
        return provenance.config_hash(arms.validate(config.load(root / "config/config.yaml", *filter(None, [extra])), root))
    except config.ConfigError:
        return None


if __name__ == "__main__":
    sys.exit(main())
