"""Open the benchmark report in headless Chromium and check that every figure loads."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from glassml.bench.run import run_benchmark
from glassml.data import propensity_dataset as make_dataset

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is absent (apt-get install chromium)")

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var pre = document.createElement('pre');
  pre.id = 'imgcheck';
  pre.textContent = 'IMGCHECK total=' + imgs.length + ' loaded=' + ok;
  document.body.appendChild(pre);
});
</script>"""


def _check_in_browser(html_path: Path, tmp: Path) -> tuple[int, int]:
    probe = html_path.with_name("probe_" + html_path.name)
    probe.write_text(html_path.read_text().replace("</body>", PROBE + "</body>"))
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp / 'profile'}",
           "--virtual-time-budget=5000", "--dump-dom", probe.resolve().as_uri()]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    m = re.search(r"IMGCHECK total=(\d+) loaded=(\d+)", dom)
    assert m, f"probe did not run; chromium printed: {dom[:300]!r}"
    return int(m.group(1)), int(m.group(2))


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    ds = make_dataset(root / "d", n_samples=6, n=100, seed=5)
    out = root / "out"
    run_benchmark(None, out, datasets=[ds.path], models=["boattini_ridge", "softness"], show_progress=False)
    return out / "report.html"


def test_every_figure_loads_in_chromium(report, tmp_path):
    total, loaded = _check_in_browser(report, tmp_path)
    assert total >= 3 and loaded == total


def test_a_broken_figure_is_detected(report, tmp_path):
    """The check can fail: corrupt one embedded PNG and Chromium reports it unloaded."""
    broken = tmp_path / "report.html"
    html = report.read_text()
    html = re.sub(r"data:image/png;base64,[A-Za-z0-9+/]{200}", "data:image/png;base64,AAAA", html, count=1)
    broken.write_text(html)
    shutil.copytree(report.parent / "figures", tmp_path / "figures")
    total, loaded = _check_in_browser(broken, tmp_path)
    assert loaded == total - 1
