"""Render the images of docs/output.md into docs/images/.

Run from the root of the source tree::

    python docs/make_screenshots.py

Each plot of :mod:`btstats.plotting` is saved as a PNG with matplotlib's Agg backend
(``pip install 'btstats[plot]'``), and the HTML views of a fit and of a bootstrap (what a
notebook shows) are rendered to PNG with headless Chromium (Debian: ``apt-get install -y
chromium``), then cropped to their content.  Without Chromium the HTML pages are written next
to the images and their PNGs are skipped.  The data are the bundled examples
(``btstats.load_example``) and every random draw is seeded, so the images only change when
btstats does.
"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"
DPI = 90
#: Size of the headless browser window (pixels); the screenshot is cropped to the content.
WINDOW = (1000, 700)
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _results():
    """The results drawn, from the bundled examples, seeded."""
    import btstats
    from btstats.evaluation import split

    baseball = btstats.fit(btstats.load_example("baseball"))
    springall = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    boot = baseball.bootstrap(n_resamples=1000, rng=1)
    train, test = split(btstats.load_example("graded5"), rng=0)
    graded = btstats.fit(train, "graded")
    evaluation = btstats.evaluate(graded, test, reference=graded, n_draws=200, rng=0)
    return {"fit": baseball, "springall": springall, "boot": boot,
            "rank_sets": baseball.rank_sets(rng=0), "evaluation": evaluation}


def _plots(res):
    """``(file name, function drawing on new axes)`` of each plot."""
    fit, boot = res["fit"], res["boot"]
    return [
        ("forest_wald.png", lambda: fit.plot()),
        ("forest_quasi.png", lambda: fit.plot(quasi=True)),
        ("forest_bootstrap.png", lambda: boot.plot()),
        ("bootstrap_distributions.png", lambda: boot.plot_distributions()),
        ("rank_sets.png", lambda: res["rank_sets"].plot()),
        ("win_probabilities.png", lambda: fit.plot_win_probabilities()),
        ("win_fractions.png", lambda: res["springall"].plot_win_fractions()),
        ("battle_counts.png", lambda: res["springall"].plot_battle_counts()),
        ("calibration.png", lambda: res["evaluation"].plot_calibration(n_bins=8)),
    ]


def _browser():
    for name in _BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def _page(result):
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>btstats</title></head>"
            "<body style='margin:16px;background:#ffffff;color:#111111'>"
            f"{result._repr_html_()}</body></html>")


def _crop(path, margin=12):
    """Cut the white border of a screenshot down to ``margin`` pixels."""
    from PIL import Image, ImageChops

    with Image.open(path) as im:
        rgb = im.convert("RGB")
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, (255, 255, 255)))
    box = diff.getbbox()
    if box is None:
        return
    left, top, right, bottom = box
    box = (max(0, left - margin), max(0, top - margin), min(rgb.width, right + margin),
           min(rgb.height, bottom + margin))
    rgb.crop(box).quantize(colors=128).save(path, optimize=True)


def _screenshot(browser, html_text, out):
    with tempfile.TemporaryDirectory(prefix="btstats-shot-") as tmp:
        page = Path(tmp) / "page.html"
        page.write_text(html_text, encoding="utf-8")
        cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--force-device-scale-factor=1", f"--window-size={WINDOW[0]},{WINDOW[1]}",
               f"--user-data-dir={tmp}/profile", f"--screenshot={out}", page.as_uri()]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=120)
    _crop(out)


def main():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    IMAGES.mkdir(parents=True, exist_ok=True)
    res = _results()
    written = []
    for name, draw in _plots(res):
        ax = draw()
        out = IMAGES / name
        ax.figure.savefig(out, dpi=DPI, bbox_inches="tight")
        plt.close("all")
        written.append(out)
    browser = _browser()
    for name, key in (("html_fit.png", "fit"), ("html_bootstrap.png", "boot")):
        html_text = _page(res[key])
        if browser is None:
            page = IMAGES / name.replace(".png", ".html")
            page.write_text(html_text, encoding="utf-8")
            print(f"no Chromium found ({', '.join(_BROWSERS)}): wrote {page} instead of "
                  f"{name}", file=sys.stderr)
            continue
        out = IMAGES / name
        _screenshot(browser, html_text, out)
        written.append(out)
    for out in written:
        print(f"{out.relative_to(IMAGES.parent.parent)}  {os.path.getsize(out) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
