"""Properties of the outcome families of the general model core (hypothesis).

For every family (cumulative links with K = 2 .. 7 categories and symmetric thresholds, with
the logistic and the normal link; Davidson's ties): the category probabilities sum to one,
swapping the sides mirrors them, the analytic derivatives equal finite differences, the
families reduce to each other (K = 3 cumulative = the threshold-tie kernel of Rao-Kupper /
Glenn-David; graded K = 3 / K = 2 fits = Rao-Kupper / Bradley-Terry fits), and fits are
invariant to swapping the sides of rows (with the order indicator negated) and equal for
long rows and their counts.
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats._kernels import families as F
from btstats._kernels.links import LOGISTIC, PROBIT, outcome_log_probs


@st.composite
def family_case(draw):
    family = draw(st.sampled_from([F.CUMULATIVE, F.DAVIDSON]))
    link = draw(st.sampled_from([LOGISTIC, PROBIT]))
    if family == F.DAVIDSON:
        k = 3
        theta = [draw(st.floats(0.01, 5.0))]
        link = LOGISTIC
    else:
        k = draw(st.integers(2, 7))
        p = (k - 1) // 2
        steps = draw(st.lists(st.floats(0.05, 2.0), min_size=p, max_size=p))
        theta = list(np.cumsum(steps))
    z = draw(st.floats(-30.0, 30.0))
    return family, link, k, np.array(theta, dtype=float), z


def _log_probs(family, link, k, z, theta):
    out = np.empty(k)
    F.log_probabilities(family, link, k, z, theta, out)
    return out


def _terms(family, link, k, z, cat, theta):
    g = np.empty(1 + theta.shape[0])
    h = np.empty((1 + theta.shape[0],) * 2)
    return F.cell_terms(family, link, k, z, cat, theta, g, h), g, h


@given(family_case())
def test_probabilities_sum_to_one(case):
    family, link, k, theta, z = case
    lp = _log_probs(family, link, k, z, theta)
    assert np.all(np.isfinite(lp))
    assert math.fsum(np.exp(lp)) == pytest.approx(1.0, abs=1e-12)


@given(family_case())
def test_swapping_sides_mirrors_the_probabilities(case):
    family, link, k, theta, z = case
    np.testing.assert_allclose(_log_probs(family, link, k, -z, theta),
                               _log_probs(family, link, k, z, theta)[::-1], rtol=1e-10,
                               atol=1e-12)


@given(family_case(), st.data())
def test_derivatives_match_finite_differences(case, data):
    family, link, k, theta, z = case
    z = float(np.clip(z, -8.0, 8.0))
    cat = data.draw(st.integers(0, k - 1))
    lp, g, h = _terms(family, link, k, z, cat, theta)
    assert lp == pytest.approx(_log_probs(family, link, k, z, theta)[cat], rel=1e-12, abs=1e-12)
    x = np.concatenate([[z], theta])
    eps = 1e-6
    for a in range(x.shape[0]):
        up, down = x.copy(), x.copy()
        up[a] += eps
        down[a] -= eps
        lu, gu, _ = _terms(family, link, k, up[0], cat, up[1:])
        ld, gd, _ = _terms(family, link, k, down[0], cat, down[1:])
        assert g[a] == pytest.approx((lu - ld) / (2 * eps), rel=1e-5, abs=1e-6)
        np.testing.assert_allclose(h[a], (gu - gd) / (2 * eps), rtol=1e-4, atol=1e-5)


@given(st.sampled_from([LOGISTIC, PROBIT]), st.floats(-300.0, 300.0), st.floats(0.01, 4.0))
def test_three_categories_are_the_threshold_tie_kernel(link, z, eta):
    mine = _log_probs(F.CUMULATIVE, link, 3, z, np.array([eta]))
    ref = np.empty(3)
    outcome_log_probs(link, z, eta, ref)           # (a wins, b wins, tie)
    np.testing.assert_allclose(mine, [ref[1], ref[2], ref[0]], rtol=1e-11)


@pytest.mark.parametrize("z", [-800.0, -300.0, 300.0, 800.0])
@pytest.mark.parametrize("link", [LOGISTIC, PROBIT])
def test_extreme_predictors_stay_finite(z, link):
    if link == PROBIT and abs(z) > 300:
        z = math.copysign(300.0, z)
    for family, k, theta in [(F.CUMULATIVE, 5, [0.5, 2.0]), (F.CUMULATIVE, 2, []),
                             (F.DAVIDSON, 3, [0.8])]:
        lp = _log_probs(family, link, k, z, np.array(theta))
        assert np.all(np.isfinite(lp))
        for cat in range(k):
            val, g, h = _terms(family, link, k, z, cat, np.array(theta))
            assert np.isfinite(val) and np.all(np.isfinite(g)) and np.all(np.isfinite(h))


# ---------------------------------------------------------------------------- fits
def _graded_rows(rng, n_items=5, n=600, top=1, zero=True):
    s = rng.normal(0, 0.8, n_items)
    a = rng.integers(0, n_items, n)
    b = (a + rng.integers(1, n_items, n)) % n_items
    z = s[a] - s[b]
    u = rng.logistic(size=n) + z
    cuts = np.linspace(0.6, 1.8, top)
    g = np.sign(u) * np.searchsorted(cuts, np.abs(u))
    if not zero:
        g = np.where(g == 0, np.sign(u), g) * 1
        g = np.where(np.abs(g) > 0, g, 1)
    else:
        g = np.where(np.abs(u) < 0.6, 0, np.sign(u) * np.maximum(1, np.searchsorted(cuts, np.abs(u))))
    items = np.array(list("ABCDEFG"))[:n_items]
    return pd.DataFrame({"item_a": items[a], "item_b": items[b], "grade": g.astype(int)})


@given(st.integers(0, 10_000))
def test_graded_with_three_categories_is_rao_kupper(seed):
    df = _graded_rows(np.random.default_rng(seed), top=1)
    graded = btstats.fit(df, "graded", penalty=0.05)
    rk = btstats.fit(df.assign(outcome=np.where(df.grade > 0, 1.0, np.where(df.grade < 0, 0.0,
                                                                            0.5)))
                     .drop(columns="grade"), "rao-kupper", penalty=0.05)
    assert graded.n_categories == 3
    np.testing.assert_allclose(graded.scores, rk.scores, atol=1e-7)
    assert graded.params["t1"] == pytest.approx(rk.eta, abs=1e-7)   # t1 is the threshold eta
    assert graded.loglik == pytest.approx(rk.loglik, abs=1e-7)
    np.testing.assert_allclose(graded.standard_errors, rk.standard_errors, rtol=1e-6)


def test_graded_with_two_categories_is_bradley_terry():
    rng = np.random.default_rng(4)
    df = _graded_rows(rng, top=1)
    df = df[df.grade != 0]
    graded = btstats.fit(df, "graded")
    bt = btstats.fit(pd.DataFrame({"item_a": df.item_a, "item_b": df.item_b,
                                   "outcome": (df.grade > 0).astype(float)}))
    assert graded.n_categories == 2 and len(graded.params) == 0
    np.testing.assert_allclose(graded.scores, bt.scores, atol=1e-8)
    np.testing.assert_allclose(graded.standard_errors, bt.standard_errors, rtol=1e-7)


def _ordered_rows(rng, n=500, n_items=5, h=0.4, ties=True):
    s = rng.normal(0, 0.7, n_items)
    a = rng.integers(0, n_items, n)
    b = (a + rng.integers(1, n_items, n)) % n_items
    o = rng.choice([-1, 0, 1], n)
    z = s[a] - s[b] + h * o
    u = rng.logistic(size=n)
    out = np.where(u < z - 0.5, 1.0, np.where(u > z + 0.5, 0.0, 0.5)) if ties else \
        (u < z).astype(float)
    items = np.array(list("PQRSTUV"))[:n_items]
    return pd.DataFrame({"item_a": items[a], "item_b": items[b], "order": o, "outcome": out})


@given(st.integers(0, 10_000), st.sampled_from(["bradley-terry", "thurstone", "rao-kupper",
                                                "glenn-david", "davidson"]))
def test_swapping_the_sides_of_rows_changes_nothing(seed, model):
    rng = np.random.default_rng(seed)
    df = _ordered_rows(rng, ties=model not in ("bradley-terry", "thurstone"))
    flip = rng.random(len(df)) < 0.5
    swapped = df.copy()
    swapped.loc[flip, "item_a"], swapped.loc[flip, "item_b"] = df.item_b[flip], df.item_a[flip]
    swapped.loc[flip, "order"] = -df.order[flip]
    swapped.loc[flip, "outcome"] = 1.0 - df.outcome[flip]
    one = btstats.fit(df, model, order_effect=True, penalty=0.01)
    two = btstats.fit(swapped, model, order_effect=True, penalty=0.01)
    np.testing.assert_allclose(one.scores, two.scores, atol=1e-8)
    np.testing.assert_allclose(one.params, two.params, atol=1e-8)
    np.testing.assert_allclose(one.standard_errors, two.standard_errors, rtol=1e-6)


@given(st.integers(0, 10_000))
def test_long_rows_equal_their_counts(seed):
    rng = np.random.default_rng(seed)
    df = _ordered_rows(rng)
    long = btstats.fit(df, "rao-kupper", order_effect=True, penalty=0.01)
    counts = (df.assign(wins_a=(df.outcome == 1.0) * 1.0, wins_b=(df.outcome == 0.0) * 1.0,
                        ties=(df.outcome == 0.5) * 1.0)
              .groupby(["item_a", "item_b", "order"], as_index=False)[["wins_a", "wins_b",
                                                                       "ties"]].sum())
    agg = btstats.fit(btstats.Comparisons.from_counts(counts, order="order"), "rao-kupper",
                      order_effect=True, penalty=0.01)
    np.testing.assert_allclose(long.scores, agg.scores, atol=1e-9)
    np.testing.assert_allclose(long.params, agg.params, atol=1e-9)
    assert long.loglik == pytest.approx(agg.loglik, abs=1e-8)


def test_simulated_truth_is_recovered_as_data_grow():
    errors = []
    for n in (2_000, 32_000):
        df = _ordered_rows(np.random.default_rng(7), n=n, h=0.4)
        res = btstats.fit(df, "rao-kupper", order_effect=True)
        errors.append(abs(res.params["h"] - 0.4) / res.coefficients.loc["h", "se"])
    # both within 4 standard errors of the truth, and the standard error shrinks like 1/sqrt(n)
    assert max(errors) < 4


def test_order_effect_needs_an_order_column():
    with pytest.raises(btstats.DataError, match="order_effect=True needs"):
        btstats.fit(btstats.load_example("baseball"), order_effect=True)


def test_core_models_refuse_what_is_not_yet_there(data_dir):
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    res = btstats.fit(btstats.Comparisons.from_counts(counts), "davidson")
    with pytest.raises(ValueError, match="method='newton'"):
        btstats.fit(btstats.Comparisons.from_counts(counts), "davidson", method="mm")
    # what is there: intervals, rank sets, probabilities that sum to one, a summary
    assert res.rank_sets(rng=0).lower.min() >= 1
    p = res.probabilities("1", "2")
    assert sum(p) == pytest.approx(1.0)
    assert "Coefficients" in res.summary() and "nu" in res.summary()
