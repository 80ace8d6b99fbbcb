"""The one HTML view of every result (``ResultBase.to_html`` / ``_repr_html_``).

One seeded instance of each result class, then the contract of the renderer: a
self-contained page (CSS scoped by ``btstats-result``, no script, no external asset, balanced
tags), the header rows as a block of key numbers, the table with one inline SVG interval bar
per row placed on the table's common range, whole-number counts printed as integers, labels
escaped.
"""
import functools
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import _results
from btstats._results import HTML_CLASS, ResultBase


# ---------------------------------------------------------------------------- the instances
@functools.lru_cache(maxsize=None)
def _fit(example="baseball", model="bradley-terry", **kw):
    return btstats.fit(btstats.load_example(example), model, **kw)


@functools.lru_cache(maxsize=None)
def _boot():
    return _fit().bootstrap(n_resamples=200, rng=1)


@functools.lru_cache(maxsize=None)
def _labels():
    return btstats.simulate_annotation(30, 3, n_annotators=4, labels_per_pair=3, rng=0).data


def _compare():
    data = btstats.load_example("baseball_home")
    return btstats.compare(btstats.fit(data), btstats.fit(data, order_effect=True))


def _evaluation():
    return btstats.evaluate(_fit(), btstats.load_example("baseball"), reference=_fit(),
                            n_draws=50, rng=0)


# name: (build, does the main table carry interval bars)
CASES = {
    "fit": (_fit, True),
    "rao-kupper fit": (lambda: _fit("springall", "rao-kupper"), True),
    "core fit": (lambda: _fit("home_ties", "davidson", order_effect=True), True),
    "bootstrap": (_boot, True),
    "rank sets": (lambda: _fit().rank_sets(rng=0), True),
    "agreement": (lambda: btstats.agreement.agreement(_labels(), n_resamples=100, rng=0), True),
    "kappa": (lambda: btstats.cohen_kappa([[0, 4, 1], [0, 8, 0], [0, 1, 5]]), True),
    "ceilings": (lambda: btstats.ceilings(_fit(), n_draws=100, rng=0), False),
    "annotators": (lambda: btstats.fit_annotators(_labels(), penalty=0.1), True),
    "evaluation": (_evaluation, False),
    "model comparison": (_compare, False),
    "contrast": (lambda: _fit().contrast("Milwaukee", "Baltimore"), True),
    "quasi-variances": (lambda: _fit().quasi_variances(), True),
    "simulation": (lambda: btstats.simulate(np.array([1.0, 0.0, -1.0]),
                                            btstats.round_robin(3, 4), rng=2), False),
    "design": (lambda: btstats.random_pairs(5, 20, rng=3), False),
    "order consistency": (lambda: btstats.order_consistency([1.0, 2.0, 3.0, 4.0],
                                                            [1.0, 3.0, 2.0, 4.0]), False),
}


@functools.lru_cache(maxsize=None)
def result(name):
    return CASES[name][0]()


class _Tags(HTMLParser):
    """Checks that every element that is opened is closed, in order."""

    VOID = {"br", "hr", "img", "meta", "link", "input", "col", "source"}
    SVG_VOID = {"line", "rect", "circle", "path"}

    def __init__(self):
        super().__init__()
        self.stack, self.errors, self.tags = [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def _parse(page):
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _bars(page):
    """``(cx, rect_x, rect_width)`` of each interval bar of the main table, in row order."""
    main = page.split('<div class="bt-section">')[0]
    out = []
    for svg in re.findall(r"<svg .*?</svg>", main):
        cx = re.search(r'class="bt-estimate" cx="([-\d.]+)"', svg)
        rect = re.search(r'class="bt-interval" x="([-\d.]+)" y="[-\d.]+" width="([-\d.]+)"',
                         svg)
        out.append((float(cx.group(1)) if cx else np.nan,
                    float(rect.group(1)) if rect else np.nan,
                    float(rect.group(2)) if rect else np.nan))
    return out


def _cells(page):
    """The text of the ``<td>`` cells of the main table, row by row."""
    main = page.split('<div class="bt-section">')[0]
    body = main.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body)
    return [[re.sub(r"<.*?>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r)]
            for r in rows]


# ---------------------------------------------------------------------------- the contract
@pytest.mark.parametrize("name", list(CASES))
def test_every_result_renders_one_self_contained_page(name):
    res = result(name)
    page = res._repr_html_()
    assert page == res.to_html()
    assert page.startswith(f'<div class="{HTML_CLASS}"><style>') and page.endswith("</div>")
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []
    assert "<table" in page and "<script" not in page.lower()
    # nothing fetched: the only URL is the SVG namespace, no src / href / url() / @import
    assert set(re.findall(r"https?://[^\"' )]+", page)) <= {"http://www.w3.org/2000/svg"}
    assert not re.search(r"\b(src|href)=|url\(|@import", page)
    # every CSS rule is scoped by the class of the outer div
    css = page.split("<style>")[1].split("</style>")[0]
    selectors = re.findall(r"(?:^|})([^{}]+)\{", css)
    assert selectors and all(s.strip().startswith(f".{HTML_CLASS}") for s in selectors)
    assert _results._esc(res._summary_title) in page


@pytest.mark.parametrize("name", list(CASES))
def test_the_header_rows_are_the_key_number_block(name):
    res = result(name)
    page = res._repr_html_()
    rows = res._header_rows()
    if not rows:
        assert 'class="bt-head"' not in page
        return
    block = page.split('<div class="bt-head">')[1].split("</div></div>")[0]
    keys = re.findall(r'<span class="bt-k">(.*?)</span>', block)
    values = re.findall(r'<span class="bt-v">(.*?)</span>', block)
    assert keys == [_results._esc(k) for k, _ in rows]
    assert values == [_results._esc(v) for _, v in rows]


@pytest.mark.parametrize("name", list(CASES))
def test_one_bar_per_row_where_the_table_has_intervals(name):
    res = result(name)
    page = res._repr_html_()
    frame = res._summary_frame()
    bars = _bars(page)
    if CASES[name][1]:
        assert len(bars) == len(frame)
    else:
        assert bars == []


# ---------------------------------------------------------------------------- the fit
def test_fit_header_and_bars_follow_the_leaderboard():
    fit = result("fit")
    page = fit._repr_html_()
    for key, value in (("model", "bradley-terry"), ("items", "7"), ("comparisons", "273"),
                       ("log-likelihood", f"{fit.loglik:.4f}"),
                       ("converged", f"True ({fit.n_iter} iterations)")):
        assert (f'<span class="bt-k">{key}</span><span class="bt-v">{value}</span>'
                in page)
    frame = fit.to_frame()
    bars = np.array(_bars(page))
    # the dots and bands are placed linearly on the common range of the table
    lo = min(frame["ci_low"].min(), frame["score"].min())
    hi = max(frame["ci_high"].max(), frame["score"].max())
    w, pad = _results._BAR_WIDTH, _results._BAR_PAD

    def x(v):
        return pad + (v - lo) / (hi - lo) * (w - 2 * pad)

    np.testing.assert_allclose(bars[:, 0], x(frame["score"]), atol=0.06)
    np.testing.assert_allclose(bars[:, 1], x(frame["ci_low"]), atol=0.06)
    np.testing.assert_allclose(bars[:, 2], x(frame["ci_high"]) - x(frame["ci_low"]),
                               atol=0.12)
    assert np.all(np.diff(bars[:, 0]) < 0)                  # best first, so dots move left
    # the axis of the bars is named in the head of their column
    assert f"{lo:.4g} … {hi:.4g}" in page
    # a dashed line at 0 (the mean score) in each bar
    assert page.count('stroke-dasharray="2,2"') == len(frame)


def test_counts_print_as_integers_and_scores_rounded():
    fit = result("fit")
    cells = _cells(fit._repr_html_())
    frame = fit.to_frame()
    columns = list(frame.columns)
    # no index column; the bar cell follows ci_high
    first = cells[0]
    assert len(first) == len(columns) + 1
    assert first[columns.index("item")] == "Milwaukee"
    assert first[columns.index("score")] == f"{frame['score'][0]:.4f}"
    wins = [row[columns.index("wins") + 1] for row in cells]
    assert wins == [str(int(v)) for v in frame["wins"]]
    assert all("." not in row[-1] for row in cells)          # ties: "0", not "0.0"
    # counts that are not whole keep their decimals (ties counted as half a win)
    half = btstats.fit(btstats.load_example("springall"), ties="half")
    wins = [row[list(half.to_frame().columns).index("wins") + 1]
            for row in _cells(half._repr_html_())]
    assert any("." in w for w in wins)


def test_elo_scale_rounds_to_about_five_digits():
    page = result("fit").to_html(scale="elo")
    frame = result("fit").to_frame(scale="elo")
    cells = _cells(page)
    assert cells[0][list(frame.columns).index("score")] == f"{frame['score'][0]:.1f}"
    assert cells[0][list(frame.columns).index("se")] == f"{frame['se'][0]:.3f}"


def test_sections_keep_their_titles():
    page = result("rao-kupper fit")._repr_html_()
    assert "<b>Coefficients</b>" in page and page.count("<svg") == 9
    assert "theta" in page


def test_labels_are_escaped():
    df = pd.DataFrame({"winner": ["<b>a&b</b>", "c", "<b>a&b</b>", "c'd"],
                       "loser": ["c", "c'd", "c'd", "<b>a&b</b>"]})
    page = btstats.fit(df)._repr_html_()
    assert "<b>a&b</b>" not in page and "&lt;b&gt;a&amp;b&lt;/b&gt;" in page
    assert "c&#x27;d" in page
    assert _parse(page).errors == []


def test_long_tables_are_cut_in_the_middle():
    fit = result("fit")
    with pd.option_context("display.max_rows", 4):
        page = fit._repr_html_()
    rows = _cells(page)
    assert len(rows) == 5 and rows[2] == ["⋮"]
    assert rows[0][1] == "Milwaukee" and rows[-1][1] == "Baltimore"
    assert "7 rows × 9 columns" in page
    assert len(_bars(page)) == 4


# ---------------------------------------------------------------------------- the others
def test_bootstrap_header_names_replicates_kind_and_level():
    boot = result("bootstrap")
    page = boot._repr_html_()
    for key, value in (("replicates", "200 (200 kept)"), ("kind", "nonparametric"),
                       ("intervals", "95% percentile")):
        assert (f'<span class="bt-k">{key}</span><span class="bt-v">{value}</span>'
                in page)
    other = boot.to_html(confidence_level=0.9, interval="basic")
    assert '<span class="bt-v">90% basic</span>' in other
    ci = boot.confidence_interval(0.9, interval="basic")
    assert f"{ci.low.iloc[0]:.4f}" in other or f"{ci.high.iloc[0]:.4f}" in other
    text = boot.summary(confidence_level=0.9, interval="basic")
    assert "intervals       90% basic" in text and "replicates      200 (200 kept)" in text
    assert "intervals       95% percentile" in boot.summary()


def test_rank_set_bars_are_on_the_rank_scale():
    sets = result("rank sets")
    frame = sets.to_frame()
    bars = np.array(_bars(sets._repr_html_()))
    lo, hi = frame[["rank", "lower", "upper"]].to_numpy().min(), frame["upper"].max()
    x = (lambda v: _results._BAR_PAD + (v - lo) / (hi - lo)
         * (_results._BAR_WIDTH - 2 * _results._BAR_PAD))
    np.testing.assert_allclose(bars[:, 0], x(frame["rank"].to_numpy()), atol=0.06)
    np.testing.assert_allclose(bars[:, 1], x(frame["lower"].to_numpy()), atol=0.06)
    assert "stroke-dasharray" not in sets._repr_html_()      # 0 is not a rank


def test_quasi_variances_show_their_comparison_intervals():
    qv = result("quasi-variances")
    ci = qv.confidence_interval()
    frame = qv._summary_frame()
    np.testing.assert_array_equal(frame["ci_low"], ci.low)
    assert "ci_high" in qv.summary() and f"{ci.high.iloc[0]:.4f}" in qv.summary()
    assert len(_bars(qv._repr_html_())) == qv.estimate.size


def test_p_values_keep_four_significant_digits():
    page = result("model comparison")._repr_html_()
    assert ">0.02001<" in page and ">5.4106<" in page
    # the empty tests of the first row print as a muted dash, not NaN
    assert "NaN" not in page and 'class="bt-na">—<' in page
    page = result("contrast")._repr_html_()
    assert f">{result('contrast').pvalue:.4g}<" in page


def test_the_hooks_of_a_new_result():
    class Means(ResultBase):
        _summary_title = "Means <x>"
        _header_takes_options = True

        def _header(self, confidence_level=0.95):
            return [("level", f"{confidence_level:g}")]

        def to_frame(self, confidence_level=0.95):
            z = btstats.inference.intervals.normal_quantile(confidence_level)
            est = pd.Series([1.0, 2.0, np.nan], index=pd.Index(["a", "b", "c"], name="g"))
            return pd.DataFrame({"estimate": est, "low": est - z, "high": est + z,
                                 "n_obs": [3.0, 4.0, 5.0]})

    res = Means()
    page = res.to_html(confidence_level=0.8)
    assert '<span class="bt-v">0.8</span>' in page
    assert f"{'level':<16}0.8" in res.summary(confidence_level=0.8)
    assert "Means &lt;x&gt;" in page
    rows = _cells(page)
    assert [r[0] for r in rows] == ["a", "b", "c"]            # a named index is shown
    assert [r[-1] for r in rows] == ["3", "4", "5"]           # n_... columns are counts
    assert rows[2][1] == "—"                                  # NaN estimate
    bars = _bars(page)
    assert len(bars) == 3 and np.isnan(bars[2][0]) and np.isnan(bars[2][1])

    class NoBars(Means):
        _interval_columns = ()

    assert "<svg" not in NoBars()._repr_html_()

    class Plain(ResultBase):
        def to_frame(self):
            return pd.DataFrame({"value": [1.5, 2.0]})

    page = Plain()._repr_html_()
    assert 'class="bt-head"' not in page and "<svg" not in page
    assert _cells(page) == [["1.5000"], ["2.0000"]]           # a plain RangeIndex is hidden
