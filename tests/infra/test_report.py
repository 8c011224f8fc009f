"""The HTML report: captions render without docutils errors; the report opens on every claim's verdict; the
scorecard and provenance pages, and the Snakemake report that embeds them, are visible in a real headless browser
(Debian chromium, installed by tests/infra/browser_setup.sh or the test skips); `make report` refuses results made
with another config."""

import base64
import io
import re
import shutil
import subprocess
import sys
from pathlib import Path

from urllib.parse import unquote

import jinja2
import pandas as pd
import pytest
from docutils.core import publish_parts

from ptft import config, scorecard

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("configfile", ["config/config.yaml", "tests/configs/tiny.yaml"])
def test_every_caption_renders_without_docutils_messages(configfile, tmp_path, monkeypatch):
    cfg = config.load(ROOT / "config/config.yaml", ROOT / configfile)
    # The landing text includes the verdict table the scorecard rule writes; the report renders in the run's folder.
    (tmp_path / "results").mkdir()
    (tmp_path / "results/report_landing.html").write_text("<div id='landing'></div>")
    monkeypatch.chdir(tmp_path)
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


def dom(chromium: str, page: Path, *flags) -> str:
    out = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", *flags, "--dump-dom", page.as_uri()],
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


def rendered_app(chromium: str, page: Path) -> str:
    """The report app as the browser renders it (not the report's data scripts)."""
    shown = dom(chromium, page, "--virtual-time-budget=30000")
    app = shown[shown.index('<div id="app">'):]
    return app[:app.index("<script")]


@pytest.mark.slow
def test_report_opens_on_every_verdict(tiny_report):
    """Without a click, the report's first page shows the verdict table: every claim of the scorecard with its Holm
    verdict in its colour and its effect, and links to report items that exist in the report."""
    chromium = browser()
    app = rendered_app(chromium, tiny_report / "results/report.html")
    assert 'id="landing"' in app, app[:3000]
    card = pd.read_csv(tiny_report / "results/scorecard.csv")
    for claim_id, verdict in zip(card["claim_id"], card["verdict_holm"]):
        row = re.search(f'<tr id="landing-{claim_id}">(.*?)</tr>', app)
        assert row, claim_id
        assert f'style="background-color:{scorecard.COLOURS[verdict]}"><b>{verdict}</b>' in row.group(1), row.group(1)
    html = (tiny_report / "results/report.html").read_text()
    for target in set(re.findall(r"app\.showResultInfo\(&#x27;([^&]+)&#x27;\)|app\.showResultInfo\('([^']+)'\)", app)):
        path = unquote(next(t for t in target if t))
        assert path.split("/")[-1] in html, path  # a linked item is in the report


# What a reader does in the report: open the Scorecard category, then the eye button of results/scorecard.html
# (the report then shows that page in an iframe whose src is the page as a base64 data URI).
OPEN_SCORECARD = """<script>
setTimeout(() => {
  [...document.querySelectorAll('#app a')].find(a => a.textContent.trim() === 'Scorecard').click();
  setTimeout(() => {
    const row = [...document.querySelectorAll('#app tr')].find(r => r.textContent.trim() === 'results/scorecard.html');
    row.querySelector('a[iconname="eye"]').click();
  }, 1000);
}, 2000);
</script>"""


@pytest.mark.slow
def test_report_shows_the_verdict_table_in_a_browser(tiny_report, tmp_path):
    """The real report (`snakemake --report` of the tiny run) in the browser: its app lists the Scorecard and
    Provenance categories; opening the scorecard shows a page with every claim's verdict, coloured, in the table."""
    chromium = browser()
    html = (tiny_report / "results/report.html").read_text()
    clicked = tmp_path / "report.html"
    end = html.rindex("</body>")  # the page's own (the embedded libraries hold the string too)
    clicked.write_text(html[:end] + OPEN_SCORECARD + html[end:])
    shown = dom(chromium, clicked, "--virtual-time-budget=30000")
    app = shown[shown.index('<div id="app">'):]
    app = app[:app.index("<script")]  # the rendered app, not the report's data scripts
    assert "<span>Scorecard</span>" in app or ">Scorecard</a>" in app, app[:3000]
    frames = re.findall(r'<iframe src="data:text/html;[^"]*;base64,([^"]+)"', app)
    assert len(frames) == 1, app[-3000:]
    page = tmp_path / "scorecard.html"
    page.write_bytes(base64.b64decode(frames[0]))
    shown = dom(chromium, page)
    assert 'id="verdicts"' in shown and "<table" in shown
    card = pd.read_csv(tiny_report / "results/scorecard.csv")
    assert set(card["verdict"]) >= {scorecard.PASS, scorecard.NOT_RUN}
    for claim_id, verdict in zip(card["claim_id"], card["verdict_holm"]):
        assert f'id="{claim_id}" style="background-color:{scorecard.COLOURS[verdict]}"' in shown, claim_id
        assert f">{claim_id}</td>" in shown, claim_id
    assert all(f"background-color: {scorecard.COLOURS[v]}" in shown for v in set(card["verdict"]))


@pytest.mark.slow
def test_report_config_check_on_the_tiny_run(tiny_workdir, repo_root):
    """The check `make report` runs first: the tiny run's results pass with the tiny config, and without it are
    refused naming it (the config hash of every provenance record is that of the config Snakemake ran with)."""

    def check(*configs):  # from the checkout, as `make report` runs it (the CLI reads config/ and schemas there)
        return subprocess.run([sys.executable, "-m", "ptft", "check-config", "--results-of",
                               str(tiny_workdir / "results/scorecard.md"), *configs], cwd=repo_root,
                              capture_output=True, text=True)

    assert check(str(repo_root / "tests/configs/tiny.yaml")).returncode == 0
    refused = check()
    assert refused.returncode == 2 and "`make report CONFIG=tests/configs/tiny.yaml`" in refused.stderr, refused.stderr
