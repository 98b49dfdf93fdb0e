"""The HTML report of the user's seed document, opened in headless Chromium (Debian's `chromium`):
the DOM holds every labelled sentence with its label's colour, and the screenshot shows them."""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "seeds" / "000_a25c22efd439cb62.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [pytest.mark.slow, pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium: apt install chromium")]


class Sentences(HTMLParser):
    """The (data-label, style) of every element with class "sentence", in document order."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "sentence" in (attrs.get("class") or "").split():
            self.found.append((attrs.get("data-label"), attrs.get("style")))


def chromium(*args: str) -> subprocess.CompletedProcess:
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def test_seed_report_in_a_browser(tmp_path):
    import matplotlib.image
    import numpy as np

    from model import classify_document
    from model.report import COLOURS, _tint, write_report

    results = classify_document(SEED.read_text(encoding="utf-8"))
    page = write_report([SEED], tmp_path / "report.html")
    dom = chromium("--dump-dom", page.as_uri()).stdout
    parser = Sentences()
    parser.feed(dom)
    assert [label for label, _ in parser.found] == [r.label for r in results]  # every segment, in order
    for label, style in parser.found:
        if label != "skipped":
            assert style == f"background:{_tint(COLOURS[label])}"

    shot = tmp_path / "report.png"
    chromium(f"--screenshot={shot}", "--window-size=1100,3000", page.as_uri())
    pixels = (matplotlib.image.imread(shot)[..., :3] * 255).round().astype(int).reshape(-1, 3)
    colours = {tuple(c) for c in np.unique(pixels, axis=0)}
    for label in {r.label for r in results} - {"skipped"}:
        rgb = tuple(int(_tint(COLOURS[label])[i:i + 2], 16) for i in (1, 3, 5))
        assert rgb in colours, f"no {label} background in the screenshot"
