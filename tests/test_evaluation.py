"""Held-out evaluation: splits, metrics, ceilings comparison, calibration, baselines."""
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.special import expit

import btstats
from btstats.agreement.ceilings import ceilings
from btstats.evaluation import (AboveCeilingWarning, evaluate, order_consistency, split,
                                win_rate_scores)
from btstats.exceptions import DataError


def simulate(rng, s, m, *, eta=0.0, n_prompts=None):
    s = np.asarray(s, float)
    n = s.size
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    d = s[a] - s[b]
    pa, pb = expit(d - eta), expit(-d - eta)
    u = rng.random(m)
    out = np.where(u < pa, 1.0, np.where(u < 1 - pb, 0.5, 0.0))
    df = pd.DataFrame({"item_a": a, "item_b": b, "outcome": out,
                       "annotator": rng.integers(0, 7, m)})
    if n_prompts:
        df["prompt"] = rng.integers(0, n_prompts, m)
    return df


# --------------------------------------------------------------------------- split
def test_random_split_sizes_and_seed():
    df = simulate(np.random.default_rng(0), [0, 1, 2], 101)
    tr, te = split(df, test_size=0.2, rng=3)
    assert len(te) == 20 and len(tr) == 81
    assert set(tr.index).isdisjoint(te.index) and len(set(tr.index) | set(te.index)) == 101
    tr2, te2 = split(df, test_size=0.2, rng=3)
    assert te.index.equals(te2.index)


@pytest.mark.parametrize("by", ["prompt", "annotator"])
def test_grouped_split_holds_out_whole_groups(by):
    df = simulate(np.random.default_rng(1), [0, 1, 2], 300, n_prompts=20)
    tr, te = split(df, test_size=0.25, by=by, rng=0)
    assert set(tr[by]).isdisjoint(te[by])
    assert te[by].nunique() == round(0.25 * df[by].nunique())


def test_split_comparisons():
    df = simulate(np.random.default_rng(2), [0, 1, 2, 3], 200, n_prompts=10)
    comp = btstats.Comparisons.from_frame(df)
    tr, te = split(comp, test_size=0.3, by="prompt", rng=1)
    assert isinstance(tr, btstats.Comparisons) and tr.items.equals(comp.items)
    assert tr.n_rows + te.n_rows == 200
    assert set(tr.extra["cluster"]).isdisjoint(te.extra["cluster"])
    tr, te = split(comp, rng=1)
    assert te.n_rows == 40
    with pytest.raises(ValueError, match="by"):
        split(comp, by="nope")


def test_split_errors():
    df = simulate(np.random.default_rng(3), [0, 1], 10)
    with pytest.raises(ValueError, match="test_size"):
        split(df, test_size=1.5)
    with pytest.raises(DataError, match="not in the data"):
        split(df, by="prompt")
    with pytest.raises(DataError, match="two groups"):
        split(df.assign(g=1), by="g")


# --------------------------------------------------------------------------- metrics
def test_metrics_by_hand_with_ties():
    scores = pd.Series({"x": math.log(3), "y": 0.0, "z": 0.0})
    test = pd.DataFrame({"item_a": ["x", "x", "y", "x"], "item_b": ["y", "y", "z", "z"],
                         "outcome": ["a", "b", "a", "tie"]})
    ev = evaluate(scores, test)
    # decisive: (x,y) a: r=.75 correct; (x,y) b: wrong; (y,z) a: r=.5 equal scores -> 1/2
    assert ev.accuracy == pytest.approx((1 + 0 + 0.5) / 3)
    assert ev.log_loss == pytest.approx((-math.log(.75) - math.log(.25) - math.log(.5)) / 3)
    assert ev.brier == pytest.approx((.25 ** 2 + .75 ** 2 + .25) / 3)
    # all labels: a tie label is always wrong for a model without ties; log loss undefined
    assert ev.accuracy_all == pytest.approx((1 + 0 + 0.5 + 0) / 4)
    assert math.isnan(ev.log_loss_all)
    # sum_o (p_o - y_o)**2 per row: .25**2 * 2, .75**2 * 2, .5**2 * 2, .75**2 + .25**2 + 1
    assert ev.brier_all == pytest.approx((0.125 + 1.125 + 0.5 + 1.625) / 4)
    assert ev.n_labels == 4 and ev.n_decisive == 3
    assert list(ev.to_frame().index)[:3] == ["accuracy", "log_loss", "brier"]


def test_metrics_with_a_tie_model():
    fit = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    comp = fit.comparisons
    ev = evaluate(fit, comp)
    counts = comp.counts_frame()
    p = fit.probabilities(counts["item_a"], counts["item_b"])
    w = np.stack([counts["wins_a"], counts["wins_b"], counts["ties"]], 1)
    probs = np.stack([p.a_wins, p.b_wins, p.tie], 1)
    assert ev.log_loss_all == pytest.approx(-fit.loglik / comp.n_comparisons)
    brier = np.sum(w * (((probs[:, None, :] - np.eye(3)[None]) ** 2).sum(-1))) / w.sum()
    assert ev.brier_all == pytest.approx(brier)


def test_unknown_items_and_bad_scorer():
    with pytest.raises(DataError, match="no score"):
        evaluate(pd.Series({"x": 0.0, "y": 1.0}),
                 pd.DataFrame({"item_a": ["x"], "item_b": ["w"], "outcome": [1]}))
    with pytest.raises(TypeError, match="scorer"):
        evaluate([0.0, 1.0], pd.DataFrame({"item_a": [0], "item_b": [1], "outcome": [1]}))


def test_true_scores_reach_the_bayes_ceiling():
    """A scorer with the true scores scores the Bayes ceiling within noise, ~95% of runs."""
    rng = np.random.default_rng(20240613)
    within = 0
    reps = 40
    for rep in range(reps):
        s = pd.Series(rng.normal(size=10))
        test = simulate(rng, s.to_numpy(), 2000, eta=0.3)
        comp = btstats.Comparisons.from_frame(test)
        c = ceilings(s.to_numpy()[np.asarray(comp.items, dtype=int)], comp,
                     model="rao-kupper", theta=math.exp(0.3))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AboveCeilingWarning)   # expected ~2.5% of runs
            ev = evaluate(s, test, model="rao-kupper", theta=math.exp(0.3), ceilings=c)
        cmp = ev.compare()
        within += abs(cmp.loc["accuracy_all", "z"]) < 1.96
        # the expected log loss of the truth is the entropy
        assert abs(cmp.loc["log_loss_all", "z"]) < 5
    assert stats.binomtest(within, reps, 0.95, alternative="less").pvalue > 0.01


def test_warning_when_accuracy_beats_the_ceiling():
    rng = np.random.default_rng(5)
    df = simulate(rng, np.linspace(-2, 2, 6), 3000)
    fit = btstats.fit(df)
    # a reference that understates how predictable the labels are (scores shrunk x 0.3)
    shrunk = ceilings(fit.scores * 0.3, fit.comparisons)
    with pytest.warns(AboveCeilingWarning, match="beyond noise"):
        ev = evaluate(fit, df, ceilings=shrunk)
    assert ev.compare().loc["accuracy", "above_ceiling"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        evaluate(fit, df, reference=fit, rng=0)
    assert "Against the Bayes ceilings" in ev.summary()
    with pytest.raises(ValueError, match="reference"):
        evaluate(fit, df).compare()


# --------------------------------------------------------------------------- calibration
def test_calibration_table():
    rng = np.random.default_rng(6)
    df = simulate(rng, np.linspace(-2, 2, 8), 20000)
    ev = evaluate(btstats.fit(df), df)
    tab = ev.calibration(n_bins=5)
    assert tab["n"].sum() == ev.n_decisive
    assert (tab["mean_predicted"].between(tab["bin_low"], tab["bin_high"])).all()
    assert np.all(np.abs(tab["gap"]) < 4 * tab["se"] + 1e-9)
    assert 0 <= tab.attrs["ece"] < 0.02


def test_calibration_plot():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    rng = np.random.default_rng(7)
    df = simulate(rng, np.linspace(-1, 1, 4), 500)
    fit = btstats.fit(df)
    ax = evaluate(fit, df, reference=fit, rng=0).plot_calibration(n_bins=4)
    assert ax.get_xlabel().startswith("predicted")
    import matplotlib.pyplot as plt
    plt.close("all")


# --------------------------------------------------------------------------- baselines
def test_win_rate_scores_formula():
    df = pd.DataFrame({"item_a": ["x", "x", "y", "x"], "item_b": ["y", "z", "z", "y"],
                       "outcome": [1, 1, 0.5, 0]})
    sc = win_rate_scores(df, smoothing=0.5)
    # x: 2 wins, 1 loss; y: 1 win, 1 loss, 1 tie; z: 1 loss, 1 tie (a tie is half each way)
    raw = {"x": math.log((2 + .5) / (1 + .5)), "y": math.log((1.5 + .5) / (1.5 + .5)),
           "z": math.log((.5 + .5) / (1.5 + .5))}
    mean = sum(raw.values()) / 3
    for k, v in raw.items():
        assert sc[k] == pytest.approx(v - mean)
    with pytest.raises(DataError, match="smoothing"):
        win_rate_scores(df.assign(outcome=1), smoothing=0)


@given(st.lists(st.integers(-3, 3), min_size=2, max_size=9),
       st.lists(st.integers(-3, 3), min_size=2, max_size=9))
def test_order_consistency_matches_brute_force(x, y):
    n = min(len(x), len(y))
    x, y = np.array(x[:n], float), np.array(y[:n], float)
    if np.all(x == x[0]) or np.all(y == y[0]):
        # every pair tied: tau-b and the concordant share are 0 / 0, a clear error
        with pytest.raises(DataError, match="undefined"):
            order_consistency(x, y)
        return
    res = order_consistency(x, y)
    con = dis = tie = 0
    for i in range(n):
        for j in range(i + 1, n):
            p = (x[i] - x[j]) * (y[i] - y[j])
            con, dis, tie = con + (p > 0), dis + (p < 0), tie + (p == 0)
    assert (res.n_pairs, res.n_tied) == (n * (n - 1) // 2, tie)
    if con + dis:
        assert res.fraction_concordant == pytest.approx(con / (con + dis))
    assert con + dis > 0
    assert res.kendall_tau == stats.kendalltau(x, y).statistic


def test_order_consistency_aligns_series_and_baseline_orders_like_bt():
    rng = np.random.default_rng(8)
    s = pd.Series(np.linspace(-1.5, 1.5, 12), index=[f"i{k}" for k in range(12)])
    df = simulate(rng, s.to_numpy(), 20000)
    df["item_a"] = s.index[df["item_a"]]
    df["item_b"] = s.index[df["item_b"]]
    fit = btstats.fit(df)
    wr = win_rate_scores(df)
    oc_fit = order_consistency(fit.scores, s[::-1])
    oc_wr = order_consistency(wr, s)
    assert oc_fit.n_items == 12 and oc_fit.fraction_concordant > 0.9
    assert oc_wr.fraction_concordant > 0.9
    with pytest.raises(DataError, match="equally long"):
        order_consistency([1.0, 2.0], [1.0])
