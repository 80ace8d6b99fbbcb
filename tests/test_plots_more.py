"""The plots of :mod:`btstats.plotting`, each rendered to PNG with the Agg backend and checked
against the numbers it draws: the forest plots' points and bars against the fit, bootstrap and
quasi-variance intervals, the heatmaps' image data against the probabilities and counts, the
rank bars against the rank sets, the densities against the bootstrap draws, the calibration
line against the reliability table.
"""
import functools
import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import plotting

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@functools.lru_cache(maxsize=None)
def _fit(example="baseball", model="bradley-terry"):
    return btstats.fit(btstats.load_example(example), model)


@functools.lru_cache(maxsize=None)
def _boot():
    return _fit().bootstrap(n_resamples=200, rng=1)


def _png(ax):
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=60)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000
    return data


def _ytick_labels(ax):
    """Tick labels top to bottom."""
    ticks = sorted(ax.get_yticklabels(), key=lambda t: -t.get_position()[1])
    return [t.get_text() for t in ticks]


def _segments(collection):
    return np.array([seg for seg in collection.get_segments()])


# ---------------------------------------------------------------------------- forest plots
def test_wald_forest_draws_the_scores_and_their_intervals():
    fit = _fit()
    ax = fit.plot(confidence_level=0.9)
    _png(ax)
    frame = fit.to_frame(confidence_level=0.9)
    assert _ytick_labels(ax) == list(frame["item"])
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), frame["score"])
    bars = _segments(ax.collections[0])              # the error bars, one per item
    assert len(bars) == fit.n_items
    np.testing.assert_allclose(bars[:, 0, 0], frame["ci_low"])
    np.testing.assert_allclose(bars[:, 1, 0], frame["ci_high"])
    assert "90% Wald" in ax.get_title()
    assert plotting.plot_scores(fit, confidence_level=0.9).get_title() == ax.get_title()


def test_quasi_forest_draws_comparison_intervals_over_the_wald_ones():
    fit = _fit()
    ax = fit.plot(quasi=True)
    _png(ax)
    frame = fit.to_frame()
    ci = fit.quasi_variances().confidence_interval()
    wald, quasi = ax.collections[0], ax.collections[1]
    np.testing.assert_allclose(_segments(wald)[:, 0, 0], frame["ci_low"])
    np.testing.assert_allclose(_segments(quasi)[:, 0, 0], ci.low[frame["item"]].to_numpy())
    np.testing.assert_allclose(_segments(quasi)[:, 1, 0], ci.high[frame["item"]].to_numpy())
    assert "quasi-variance" in ax.get_title()


def test_quasi_variances_plot_themselves():
    qv = _fit().quasi_variances()
    ax = qv.plot(confidence_level=0.8)
    _png(ax)
    ci = qv.confidence_interval(0.8)
    order = qv.estimate.sort_values(ascending=False).index
    assert _ytick_labels(ax) == list(order)
    np.testing.assert_allclose(_segments(ax.collections[0])[:, 1, 0],
                               ci.high[order].to_numpy())


def test_bootstrap_forest_shows_the_distribution_of_each_score():
    boot = _boot()
    ax = boot.plot(interval="basic")
    _png(ax)
    frame = boot.to_frame(interval="basic")
    assert _ytick_labels(ax) == list(frame["item"])
    violins = [c for c in ax.collections if c.get_gid() == plotting.DENSITY_GID]
    assert len(violins) == boot.fit.n_items
    # each violin spans the bulk of its item's replicates
    draws = boot.score_distribution
    for violin, item in zip(violins, frame["item"]):
        xs = violin.get_paths()[0].vertices[:, 0]
        q = np.quantile(draws[item], [0.01, 0.99])
        assert xs.min() <= q[0] and xs.max() >= q[1]
    band = [c for c in ax.collections if c.get_gid() != plotting.DENSITY_GID][0]
    np.testing.assert_allclose(_segments(band)[:, 0, 0], frame["ci_low"])
    np.testing.assert_allclose(_segments(band)[:, 1, 0], frame["ci_high"])
    assert "basic bootstrap" in ax.get_title()


def test_bootstrap_forest_on_the_elo_scale():
    ax = _boot().plot(scale="elo")
    assert ax.get_xlabel() == "Elo"
    frame = _boot().to_frame(scale="elo")
    np.testing.assert_allclose(ax.lines[0].get_xdata(), frame["score"])


# ---------------------------------------------------------------------------- distributions
def test_distributions_have_one_density_per_item():
    boot = _boot()
    ax = boot.plot_distributions()
    _png(ax)
    frame = boot.to_frame()
    assert _ytick_labels(ax) == list(frame["item"])
    ridges = [c for c in ax.collections if c.get_gid() == plotting.DENSITY_GID]
    assert len(ridges) == boot.fit.n_items
    # the density peaks near the centre of the replicates
    for k, (ridge, item) in enumerate(zip(ridges, frame["item"])):
        v = ridge.get_paths()[0].vertices
        top = v[np.argmax(v[:, 1]), 0]
        assert abs(top - np.median(boot.score_distribution[item])) < \
            boot.standard_error[item]


def test_distribution_histograms_are_the_histograms_of_the_draws():
    boot = _boot()
    ax = plotting.plot_distributions(boot, parameters=["Boston", "Milwaukee"], kind="hist",
                                     bins=12)
    _png(ax)
    stairs = [p for p in ax.patches if p.get_gid() == plotting.DENSITY_GID]
    assert len(stairs) == 2
    for k, (patch, item) in enumerate(zip(stairs, ["Boston", "Milwaukee"])):
        heights, edges = np.histogram(boot.score_distribution[item], bins=12)
        values, got_edges, base = patch.get_data()
        np.testing.assert_allclose(got_edges, edges)
        np.testing.assert_allclose(values - base, 0.85 * heights / heights.max())
    assert _ytick_labels(ax) == ["Boston", "Milwaukee"]
    with pytest.raises(KeyError, match="unknown parameter"):
        boot.plot_distributions(parameters=["nobody"])
    with pytest.raises(ValueError, match="`kind` must be one of"):
        boot.plot_distributions(kind="violin")


def test_distributions_of_the_parameters_beyond_the_scores():
    boot = _fit("springall", "rao-kupper").bootstrap(n_resamples=100, rng=2)
    extra = [p for p in boot.estimate.index if p not in set(boot.items)]
    ax = boot.plot_distributions(parameters=extra)
    _png(ax)
    assert ax.get_xlabel() == "value" and _ytick_labels(ax) == [str(p) for p in extra]


# ---------------------------------------------------------------------------- ranks
def test_rank_sets_plot_one_bar_per_item():
    sets = _fit().rank_sets(rng=0)
    ax = sets.plot()
    _png(ax)
    frame = sets.to_frame()
    assert len(ax.patches) == len(frame) == 7
    assert _ytick_labels(ax) == list(frame["item"])
    bars = sorted(ax.patches, key=lambda p: -p.get_y())      # top to bottom
    np.testing.assert_allclose([p.get_x() for p in bars], frame["lower"] - 0.5)
    np.testing.assert_allclose([p.get_width() for p in bars],
                               frame["upper"] - frame["lower"] + 1)
    np.testing.assert_allclose(ax.lines[0].get_xdata(), frame["rank"])
    assert ax.get_title() == "95% marginal rank confidence sets"


# ---------------------------------------------------------------------------- heatmaps
def _image(ax):
    data = ax.images[0].get_array()
    return np.ma.filled(data.astype(float), np.nan)


def test_win_probability_heatmap_is_the_probability_matrix():
    fit = _fit()
    ax = fit.plot_win_probabilities()
    _png(ax)
    order = list(fit.to_frame()["item"])
    expected = np.array([[fit.probabilities(a, b).a_wins if a != b else np.nan
                          for b in order] for a in order])
    np.testing.assert_allclose(_image(ax), expected, rtol=1e-12)
    # Bradley-Terry: P(a beats b) + P(b beats a) = 1
    off = ~np.eye(len(order), dtype=bool)
    np.testing.assert_allclose((_image(ax) + _image(ax).T)[off], 1.0, rtol=1e-12)
    assert [t.get_text() for t in ax.get_xticklabels()] == order
    assert len(ax.texts) == len(order) * (len(order) - 1)    # annotated (7 items)
    assert not plotting.plot_win_probabilities(fit, annotate=False).texts


def test_win_probabilities_of_a_tie_model_exclude_the_ties():
    fit = _fit("springall", "rao-kupper")
    ax = plotting.plot_win_probabilities(fit)
    order = list(fit.to_frame()["item"])
    p = fit.probabilities(order[0], order[1])
    assert _image(ax)[0, 1] == pytest.approx(p.a_wins, rel=1e-12)
    assert _image(ax)[0, 1] + _image(ax)[1, 0] == pytest.approx(1 - p.tie, rel=1e-12)


def _observed(example):
    """Share won and comparisons per ordered pair, from the counts frame."""
    counts = btstats.load_example(example).counts_frame()
    won, total = {}, {}
    for r in counts.itertuples():
        n = r.wins_a + r.wins_b + r.ties
        won[(r.item_a, r.item_b)] = r.wins_a + 0.5 * r.ties
        won[(r.item_b, r.item_a)] = r.wins_b + 0.5 * r.ties
        total[(r.item_a, r.item_b)] = total[(r.item_b, r.item_a)] = n
    return won, total


def test_win_fraction_heatmap_is_the_observed_share():
    fit = _fit("springall", "rao-kupper")
    ax = fit.plot_win_fractions()
    _png(ax)
    order = list(fit.to_frame()["item"])
    won, total = _observed("springall")
    expected = np.array([[won[(a, b)] / total[(a, b)] if a != b else np.nan for b in order]
                         for a in order])
    np.testing.assert_allclose(_image(ax), expected, rtol=1e-12)
    assert [t.get_text() for t in ax.get_yticklabels()] == order


def test_battle_count_heatmap_is_the_comparisons_per_pair():
    fit = _fit("springall", "rao-kupper")
    ax = fit.plot_battle_counts()
    _png(ax)
    image = _image(ax)
    order = list(fit.to_frame()["item"])
    _, total = _observed("springall")
    expected = np.array([[total[(a, b)] if a != b else np.nan for b in order] for a in order])
    np.testing.assert_array_equal(image, expected)
    assert np.nansum(np.triu(image, 1)) == fit.comparisons.n_comparisons
    assert all("." not in t.get_text() for t in ax.texts)    # counts as integers


def test_heatmaps_of_data_and_of_pairs_never_compared():
    df = pd.DataFrame({"winner": ["a", "b", "c", "a"], "loser": ["b", "c", "a", "c"]})
    data = btstats.Comparisons.from_frame(df)
    ax = plotting.plot_win_fractions(data)
    _png(ax)
    # items by their share won: a 2 of 3, b 1 of 2, c 1 of 3; a beat b once, c once of twice
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    np.testing.assert_allclose(_image(ax)[0], [np.nan, 1.0, 0.5])
    counts = _image(plotting.plot_battle_counts(data))
    np.testing.assert_array_equal(counts, [[np.nan, 1, 2], [1, np.nan, 1], [2, 1, np.nan]])
    sparse = btstats.Comparisons.from_frame(pd.DataFrame({"winner": ["a", "c"],
                                                          "loser": ["b", "d"]}))
    image = _image(plotting.plot_win_fractions(sparse))
    assert np.isnan(image).sum() == 16 - 4               # only a-b and c-d were compared
    with pytest.raises(TypeError, match="expected a fit or Comparisons"):
        plotting.plot_battle_counts(pd.DataFrame())


def test_heatmaps_of_the_general_core():
    fit = _fit("graded5", "graded")
    ax = fit.plot_win_probabilities()
    _png(ax)
    order = list(fit.to_frame()["item"])
    p = fit.probabilities(order[0], order[-1]).a_wins
    assert _image(ax)[0, -1] == pytest.approx(p, rel=1e-12)
    assert np.nansum(np.triu(_image(fit.plot_battle_counts()), 1)) == \
        fit.comparisons.n_comparisons


# ---------------------------------------------------------------------------- calibration
def test_calibration_plot_runs_through_the_reliability_table():
    fit = _fit()
    ev = btstats.evaluate(fit, btstats.load_example("baseball"), reference=fit, n_draws=50,
                          rng=0)
    ax = ev.plot_calibration(n_bins=5)
    _png(ax)
    tab = ev.calibration(5)
    scorer = [c for c in ax.containers if str(c.get_label()).startswith("scorer")]
    assert len(scorer) == 1
    line = scorer[0].lines[0]
    np.testing.assert_allclose(np.asarray(line.get_xdata(), dtype=float),
                               tab["mean_predicted"])
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), tab["observed"])
    assert ax.get_xlabel().startswith("predicted")
    assert plotting.plot_calibration(ev, 5).get_title() == ax.get_title()


# ---------------------------------------------------------------------------- the extra
def test_drawing_on_given_axes():
    fig, axes = plt.subplots(1, 3)
    fit = _fit()
    assert fit.plot(ax=axes[0]) is axes[0]
    assert fit.plot_win_probabilities(ax=axes[1]) is axes[1]
    assert _fit().rank_sets(rng=0).plot(ax=axes[2]) is axes[2]


def test_importing_btstats_does_not_import_matplotlib():
    code = "import sys, btstats; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "False"
