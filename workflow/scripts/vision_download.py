"""Obtain a dataset's original archives (checksum-verified) or decide on the synthetic stand-in."""

import logging

from ptft import io
from ptft.provenance import SYNTHETIC, tracked
from ptft.vision import data

with tracked(snakemake) as prov:
    name, p = snakemake.wildcards.dataset, snakemake.params
    info = data.obtain(name, source=p.source, root=p.root, allow_synthetic=p.allow_synthetic, timeout_s=p.timeout_s)
    prov["data_source"] = info["data_source"]
    # The checked archives are this job's real inputs: recorded, so `ptft audit` re-hashes them.
    prov["extra_inputs"] = [f"{info['root']}/{a['file']}" for a in info["archives"]]
    if info["data_source"] == SYNTHETIC:
        files = ", ".join(a["file"] for a in data.ARCHIVES[name])
        logging.warning("%s: using the SYNTHETIC STAND-IN; for the real data %s", name,
                        data.REAL_DATA_HELP.format(files=files, root=p.root, name=name))
    else:  # say what was found and checked, so the log is never empty
        logging.info("%s: real data from %s (source %s): %s", name, info["root"], p.source,
                     "; ".join(f"{a.get('file')} verified ({', '.join(k for k in a if k not in ('file', 'path'))})"
                               for a in info["archives"]) or "no archive listed")
    io.write_json(snakemake.output[0], info)
