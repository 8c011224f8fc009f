"""The HTML report: captions render without docutils errors, and the scorecard and provenance pages are visible
in a real headless browser (Debian chromium, installed by tests/infra/browser_setup.sh or the test skips)."""

import io
import shutil
import subprocess
from pathlib import Path

import jinja2
import pytest
from docutils.core import publish_parts

from ptft import config

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("configfile", ["config/config.yaml", "tests/configs/tiny.yaml"])
def test_every_caption_renders_without_docutils_messages(configfile):
    cfg = config.load(ROOT / "config/config.yaml", ROOT / configfile)
    for rst in sorted((ROOT / "workflow/report").glob("*.rst")):
        text = jinja2.Template(rst.read_text()).render(snakemake={"config": cfg})
        warnings = io.StringIO()
        publish_parts(text, writer="html", settings_overrides={"warning_stream": warnings, "report_level": 1})
        assert warnings.getvalue() == "", (rst.name, warnings.getvalue())


def browser() -> str:
    setup = subprocess.run(["bash", str(ROOT / "tests/infra/browser_setup.sh")], capture_output=True, text=True)
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if setup.returncode != 0 or not found:
        pytest.skip(f"no headless browser: {setup.stderr.strip() or 'chromium not found'}")
    return found


def dom(chromium: str, page: Path) -> str:
    out = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.slow
def test_scorecard_and_provenance_pages_render_in_a_browser(tiny_run):
    chromium = browser()
    page = dom(chromium, tiny_run / "scorecard.html")
    assert 'id="verdicts"' in page and "<table" in page and "background-color" in page
    assert all(v in page for v in ("PASS", "NOT RUN")) and "dln_gd_reaches_theorem_4_1" in page
    assert 'id="provenance"' in dom(chromium, tiny_run / "provenance.html")
