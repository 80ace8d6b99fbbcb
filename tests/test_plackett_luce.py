"""The Plackett-Luce model with ties (btstats.fit_rankings): the kernels against a brute-force
enumeration and finite differences, closed forms, the pairwise special case against
btstats.fit, solvers against each other, properties, bad input, the reference fits of
tests/data/plackett_luce/ (README: reference.py, an independent scipy maximisation of the
exact likelihood by enumeration), bootstrap, simulation and the clustering of rank-broken
comparisons."""
import itertools
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats import ConfidenceInterval, NoMLEError, Rankings, TiesError, fit_rankings
from btstats._kernels import plackett_luce as _pl
from btstats.estimation.plackett_luce import PlackettLuceFit, RankingBootstrap
from btstats.exceptions import DataError
from btstats.simulate.rankings import simulate_rankings

from pathlib import Path

REF = Path(__file__).parent / "data" / "plackett_luce"


# ---------------------------------------------------------------------------- helpers
def groups_of(r, k):
    """Tie groups (lists of codes, best first) and unranked codes of ranking ``k``."""
    e0, e1 = r.offsets[k], r.offsets[k + 1]
    u = r.unranked[k]
    items, levels = r.item[e0:e1 - u], r.level[e0:e1 - u]
    groups = [list(items[levels == v]) for v in np.unique(levels)]
    return groups, list(r.item[e1 - u:e1])


def naive_loglik(r, s, delta):
    """The likelihood by enumerating every candidate set (``delta``: {d: delta_d})."""
    D = max([1] + list(delta))
    f = {1: 1.0, **delta}
    w = r.weight_array
    total = 0.0
    for k in range(r.n_rankings):
        groups, unranked = groups_of(r, k)
        remaining = set(itertools.chain(*groups, unranked))
        for g in groups:
            if len(remaining) == 1:
                break
            num = f[len(g)] * math.exp(np.mean([s[i] for i in g]))
            den = sum(f.get(len(c), 0.0) * math.exp(np.mean([s[i] for i in c]))
                      for d in range(1, min(D, len(remaining)) + 1)
                      for c in itertools.combinations(sorted(remaining), d))
            total += w[k] * (math.log(num) - math.log(den))
            remaining -= set(g)
    return total


def random_rankings(rng, n_items=5, n_rankings=30, max_tie=3, weights=False):
    rows = []
    for k in range(n_rankings):
        m = int(rng.integers(2, n_items + 1))
        chosen = rng.choice(n_items, m, replace=False)
        # tie groups of 1 .. max_tie items (mostly single items), ranks 1, 2, ...
        ranks, level = [], 1
        while len(ranks) < m:
            size = min(int(rng.choice(np.arange(1, max_tie + 1),
                                      p=_size_probabilities(max_tie))), m - len(ranks))
            ranks += [level] * size
            level += 1
        for it, rk in zip(chosen, ranks):
            rows.append((k, f"i{it}", float(rk)))
    df = pd.DataFrame(rows, columns=["ranking", "item", "rank"])
    if weights:
        wk = rng.uniform(0.5, 2.0, n_rankings)
        df["weight"] = wk[df["ranking"]]
        return Rankings.from_long(df, weight="weight")
    return Rankings.from_long(df)


def _size_probabilities(max_tie):
    p = 0.5 ** np.arange(max_tie)
    p[0] *= 3
    return p / p.sum()


def kernel_args(r):
    return (r.item, r.level, r.offsets, r.unranked, r.weight_array)


def tie_loglik(r, s, log_delta, D):
    return _pl.tie_derivatives(r.n_items, D, *kernel_args(r), np.ascontiguousarray(s),
                               log_delta, 0, np.empty(0), np.empty((0, 0)))


def tie_grad_info(r, s, log_delta, D):
    size = r.n_items + D - 1
    g = np.empty(size)
    h = np.empty((size, size))
    ll = _pl.tie_derivatives(r.n_items, D, *kernel_args(r), np.ascontiguousarray(s),
                             log_delta, 2, g, h)
    return ll, g, h


def pl_probability(order_groups, alpha, delta, D):
    """Probability of one ranking (tie groups of codes) of all the items in ``alpha``."""
    f = {1: 1.0, **delta}
    remaining = set(range(len(alpha)))
    p = 1.0
    for g in order_groups:
        if len(remaining) == 1:
            break
        num = f[len(g)] * np.prod([alpha[i] for i in g]) ** (1 / len(g))
        den = sum(f.get(len(c), 0.0) * np.prod([alpha[i] for i in c]) ** (1 / len(c))
                  for d in range(1, min(D, len(remaining)) + 1)
                  for c in itertools.combinations(sorted(remaining), d))
        p *= num / den
        remaining -= set(g)
    return p


def ordered_partitions(items, max_size):
    """Every ordering of ``items`` into tie groups of at most ``max_size`` items."""
    items = list(items)
    if not items:
        yield []
        return
    for d in range(1, min(max_size, len(items)) + 1):
        for first in itertools.combinations(items, d):
            rest = [i for i in items if i not in first]
            for tail in ordered_partitions(rest, max_size):
                yield [list(first)] + tail


def rankings_from_groups(list_of_groups, weights, labels):
    rows, w = [], []
    for k, groups in enumerate(list_of_groups):
        for lv, g in enumerate(groups):
            for i in g:
                rows.append((k, labels[i], lv + 1))
    df = pd.DataFrame(rows, columns=["ranking", "item", "rank"])
    df["weight"] = np.asarray(weights)[df["ranking"]]
    return Rankings.from_long(df, weight="weight")


# ---------------------------------------------------------------------------- the kernels
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tie_kernel_matches_enumeration(seed):
    rng = np.random.default_rng(seed)
    r = random_rankings(rng, weights=True)
    D = r.max_tie
    s = rng.normal(0, 1, r.n_items)
    delta = {d: float(rng.uniform(0.2, 1.5)) for d in range(2, D + 1)}
    ld = np.full(D + 1, -np.inf)
    ld[:2] = 0
    for d, v in delta.items():
        ld[d] = math.log(v)
    assert tie_loglik(r, s, ld, D) == pytest.approx(naive_loglik(r, s, delta), abs=1e-10)


def test_free_kernel_matches_enumeration_with_top_k():
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"ranking": [0, 0, 0, 0, 1, 1, 1, 2, 2],
                       "item": ["a", "b", "c", "d", "d", "a", "b", "c", "a"],
                       "rank": [1, 2, np.nan, np.nan, 1, 2, 3, 1, np.nan]})
    r = Rankings.from_long(df)
    assert list(r.unranked) == [2, 0, 1]
    s = rng.normal(0, 1, 4)
    ll = _pl.free_loglik(r.item, r.offsets, r.unranked, r.weight_array, s)
    assert ll == pytest.approx(naive_loglik(r, s, {}), abs=1e-12)
    ld = np.zeros(2)
    assert tie_loglik(r, s, ld, 1) == pytest.approx(ll, abs=1e-12)


@pytest.mark.parametrize("seed", [3, 4])
def test_tie_kernel_derivatives_against_finite_differences(seed):
    rng = np.random.default_rng(seed)
    r = random_rankings(rng, n_items=5, n_rankings=25, weights=True)
    D = r.max_tie
    assert D == 3
    theta = np.concatenate([rng.normal(0, 1, r.n_items), rng.normal(-0.5, 0.3, D - 1)])

    def parts(th):
        ld = np.concatenate([[0.0, 0.0], th[r.n_items:]])
        return th[:r.n_items], ld

    ll, g, info = tie_grad_info(r, *parts(theta), D)
    h = 1e-6
    num_g = np.empty_like(theta)
    num_h = np.empty((theta.size, theta.size))
    for k in range(theta.size):
        e = np.zeros_like(theta)
        e[k] = h
        num_g[k] = (tie_loglik(r, *parts(theta + e), D) -
                    tie_loglik(r, *parts(theta - e), D)) / (2 * h)
        num_h[:, k] = -(tie_grad_info(r, *parts(theta + e), D)[1] -
                        tie_grad_info(r, *parts(theta - e), D)[1]) / (2 * h)
    np.testing.assert_allclose(g, num_g, atol=1e-6)
    np.testing.assert_allclose(info, num_h, atol=1e-6)
    np.testing.assert_allclose(info, info.T, atol=1e-12)


def test_free_kernels_against_finite_differences_and_tie_kernel():
    rng = np.random.default_rng(7)
    r = simulate_rankings(rng.normal(0, 1, 6), 40, n_ranked=4, rng=8)
    n = r.n_items
    s = rng.normal(0, 1, n)
    args = (r.item, r.offsets, r.unranked, r.weight_array)
    g, q, hd = np.empty(n), np.empty(n), np.empty(n)
    ll = _pl.free_pass(n, *args[:3], args[3], s, g, q, hd, True)
    info = np.zeros((n, n))
    _pl.free_hessian(n, *args[:3], args[3], s, info)
    ll2, g2, info2 = tie_grad_info(r, s, np.zeros(2), 1)
    assert ll == pytest.approx(ll2, abs=1e-10)
    np.testing.assert_allclose(g, g2, atol=1e-10)
    np.testing.assert_allclose(info, info2, atol=1e-10)
    np.testing.assert_allclose(hd, np.diag(info), atol=1e-10)
    h = 1e-6
    for k in range(n):
        e = np.zeros(n)
        e[k] = h
        up = _pl.free_loglik(*args, s + e)
        dn = _pl.free_loglik(*args, s - e)
        assert g[k] == pytest.approx((up - dn) / (2 * h), abs=1e-6)
    # MM's W_i = grad_i + Q_i is the weight of the stages that chose item i
    chosen = np.zeros(n)
    for k in range(r.n_rankings):
        e0, e1 = r.offsets[k], r.offsets[k + 1]
        np.add.at(chosen, r.item[e0:e1 - 1], 1.0)
    np.testing.assert_allclose(g + q, chosen, atol=1e-10)


# ---------------------------------------------------------------------------- closed forms
def test_two_items_closed_form():
    r = rankings_from_groups([[[0], [1]], [[1], [0]]], [7.0, 3.0], ["A", "B"])
    res = fit_rankings(r)
    assert res.scores["A"] == pytest.approx(0.5 * math.log(7 / 3), abs=1e-12)
    assert res.standard_errors["A"] == pytest.approx(
        1 / (2 * math.sqrt(7 * 3 / 10)), abs=1e-12)
    assert res.loglik == pytest.approx(7 * math.log(0.7) + 3 * math.log(0.3), abs=1e-12)


@pytest.mark.parametrize("method", ["newton", "mm"])
def test_recovers_worths_when_weights_are_the_probabilities(method):
    # with each ordering weighted by its probability under alpha the likelihood equations are
    # solved by alpha itself: the MLE is exactly log(alpha), centred
    alpha = np.array([4.0, 2.0, 1.0, 0.5])
    orders = [[[i] for i in p] for p in itertools.permutations(range(4))]
    w = [1000 * pl_probability(o, alpha, {}, 1) for o in orders]
    res = fit_rankings(rankings_from_groups(orders, w, list("abcd")), method=method)
    truth = np.log(alpha) - np.log(alpha).mean()
    np.testing.assert_allclose(res.scores.to_numpy(), truth, atol=1e-9)


def test_recovers_worths_and_ties_when_weights_are_the_probabilities():
    alpha = np.array([3.0, 1.5, 1.0, 0.4])
    delta = {2: 0.6, 3: 0.3}
    orders = list(ordered_partitions(range(4), 3))
    w = np.array([pl_probability(o, alpha, delta, 3) for o in orders])
    assert w.sum() == pytest.approx(1.0, abs=1e-12)          # a distribution over rankings
    res = fit_rankings(rankings_from_groups(orders, 500 * w, list("abcd")))
    truth = np.log(alpha) - np.log(alpha).mean()
    np.testing.assert_allclose(res.scores.to_numpy(), truth, atol=1e-9)
    np.testing.assert_allclose(res.delta.to_numpy(), [0.6, 0.3], atol=1e-9)
    assert list(res.coefficients.index) == ["tie2", "tie3"]
    assert res.n_params == 3 + 2


# ---------------------------------------------------------------------------- K = 2 is BT
def test_rankings_of_two_are_bradley_terry():
    comps = btstats.load_example("baseball")
    bt = btstats.fit(comps)
    cf = comps.counts_frame()
    groups, w = [], []
    idx = {x: k for k, x in enumerate(comps.items)}
    for row in cf.itertuples():
        a, b = idx[row.item_a], idx[row.item_b]
        groups += [[[a], [b]], [[b], [a]]]
        w += [row.wins_a, row.wins_b]
    r = rankings_from_groups(groups, w, list(comps.items))
    for method in ("newton", "mm", "auto"):
        pl = fit_rankings(r, method=method, tol=1e-12)
        np.testing.assert_allclose(pl.scores.reindex(bt.items), bt.scores, atol=1e-10)
        np.testing.assert_allclose(pl.standard_errors.reindex(bt.items), bt.standard_errors,
                                   atol=1e-10)
        assert pl.loglik == pytest.approx(bt.loglik, abs=1e-10)
    np.testing.assert_allclose(pl.covariance.reindex(index=bt.items, columns=bt.items),
                               bt.covariance, atol=1e-10)
    # so are the quasi-variances, which on these data are R's qvcalc numbers
    qv_r = json.loads((Path(__file__).parent / "data" / "baseball.qv_bt.json").read_text())
    qv = pl.quasi_variances()
    np.testing.assert_allclose(qv.quasi_variance.reindex(bt.items),
                               bt.quasi_variances().quasi_variance, atol=1e-9)
    np.testing.assert_allclose(qv.quasi_variance[list(qv_r["quasi_var"])],
                               list(qv_r["quasi_var"].values()), atol=1e-6)


def test_pairs_with_ties_are_davidson():
    # rankings of two items with ties: D = 2 is Davidson's (1970) model
    davidson = json.loads((REF / "pudding.json").read_text())["davidson_check"]
    r = Rankings.from_long(pd.read_csv(REF / "pudding.rankings.csv"))
    res = fit_rankings(r)
    np.testing.assert_allclose(res.scores.to_numpy(), davidson["scores"], atol=1e-6)
    assert res.delta[2] == pytest.approx(davidson["delta"], abs=1e-6)


# ---------------------------------------------------------------------------- solvers
def test_mm_equals_newton():
    r = simulate_rankings(np.linspace(1, -1, 8), 300, n_ranked=5, rng=11)
    a = fit_rankings(r, method="mm", tol=1e-12)
    b = fit_rankings(r, method="newton", tol=1e-12)
    assert (a.method, b.method) == ("mm", "newton")
    assert a.converged and b.converged
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-10)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-9)
    np.testing.assert_allclose(a.standard_errors, b.standard_errors, atol=1e-9)
    auto = fit_rankings(r)
    assert auto.method in ("mm", "newton") and auto.converged


def test_result_fields_and_views():
    r = random_rankings(np.random.default_rng(2), n_rankings=60)
    res = fit_rankings(r)
    assert isinstance(res, PlackettLuceFit)
    assert res.converged and res.n_iter > 0 and res.method == "newton"
    assert abs(res.scores.sum()) < 1e-12
    ci = res.confidence_interval(0.9)
    assert isinstance(ci, ConfidenceInterval) and ci.interval == "wald"
    z = 1.6448536269514722
    np.testing.assert_allclose(ci.high - res.scores, z * res.standard_errors, atol=1e-12)
    assert res.cov.equals(res.covariance)
    np.testing.assert_allclose(res.covariance.sum(axis=1), 0, atol=1e-12)
    frame = res.to_frame()
    assert list(frame.columns) == ["rank", "item", "score", "se", "ci_low", "ci_high",
                                   "rankings", "first"]
    assert frame["score"].is_monotonic_decreasing
    coef = res.coefficients
    assert list(coef.columns) == ["estimate", "se", "z", "p", "ci_low", "ci_high"]
    assert np.all(coef["se"] > 0)
    text = res.summary()
    assert "Plackett-Luce" in text and "Tie parameters" in text
    assert "btstats-result" in res._repr_html_()
    assert res.worths.sum() == pytest.approx(1.0)
    assert res.aic == pytest.approx(-2 * res.loglik + 2 * res.n_params)
    with pytest.raises(ValueError, match="interval"):
        res.confidence_interval(interval="percentile")


# ---------------------------------------------------------------------------- properties
@st.composite
def ranking_data(draw):
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    r = random_rankings(rng, n_items=4, n_rankings=draw(st.integers(15, 30)), max_tie=2)
    return r


def _fit_or_none(r, **kw):
    try:
        return fit_rankings(r, **kw)
    except NoMLEError:
        return None


@given(ranking_data(), st.permutations(range(4)))
def test_relabelling_items_relabels_scores(r, perm):
    res = _fit_or_none(r)
    if res is None:
        return
    df = r.to_frame()
    new_labels = {f"i{k}": f"j{perm[k]}" for k in range(4)}
    df["item"] = df["item"].map(new_labels)
    res2 = fit_rankings(Rankings.from_long(df))
    for old, new in new_labels.items():
        if old in res.scores.index:
            assert res2.scores[new] == pytest.approx(res.scores[old], abs=1e-8)
            assert res2.standard_errors[new] == pytest.approx(res.standard_errors[old],
                                                              abs=1e-8)
    assert res2.loglik == pytest.approx(res.loglik, abs=1e-8)


@given(ranking_data())
def test_long_form_equals_wide_form(r):
    df = r.to_frame()
    wide = df.pivot(index="ranking", columns="item", values="rank")
    r2 = Rankings.from_wide(wide)
    assert np.array_equal(r2.item, r.item) or r2.n_rankings == r.n_rankings
    res, res2 = _fit_or_none(r), _fit_or_none(r2)
    if res is None:
        assert res2 is None
        return
    np.testing.assert_allclose(res2.scores.reindex(res.items), res.scores, atol=1e-10)
    assert res2.loglik == pytest.approx(res.loglik, abs=1e-10)


@given(ranking_data(), st.floats(-50, 50))
def test_likelihood_is_shift_invariant(r, c):
    rng = np.random.default_rng(0)
    D = r.max_tie
    s = rng.normal(0, 1, r.n_items)
    ld = np.concatenate([[0.0, 0.0], np.full(D - 1, -0.4)])
    assert tie_loglik(r, s + c, ld, D) == pytest.approx(tie_loglik(r, s, ld, D), abs=1e-9)


@given(ranking_data(), st.integers(0, 100))
def test_duplicated_ranking_is_weight_two(r, pick):
    k = pick % r.n_rankings
    doubled = r.subset(np.r_[np.arange(r.n_rankings), k])
    w = np.ones(r.n_rankings)
    w[k] = 2.0
    weighted = Rankings(r.items, r.item, r.level, r.offsets, w, r.ids)
    a, b = _fit_or_none(doubled), _fit_or_none(weighted)
    if a is None:
        assert b is None
        return
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-10)
    np.testing.assert_allclose(a.standard_errors, b.standard_errors, atol=1e-10)
    assert a.loglik == pytest.approx(b.loglik, abs=1e-10)


# ---------------------------------------------------------------------------- existence
def test_no_mle_names_the_items_and_prior_or_penalty_fix_it():
    df = pd.DataFrame({"ranking": [1, 1, 1, 2, 2, 2, 3, 3],
                       "item": ["a", "b", "c", "b", "a", "c", "a", "b"],
                       "rank": [1, 2, 3, 1, 2, 3, 1, 2]})
    with pytest.raises(NoMLEError, match="'c'") as exc:
        fit_rankings(df)
    assert exc.value.never_win == ["c"]
    assert "prior=" in str(exc.value)
    for res in (fit_rankings(df, prior=0.5), fit_rankings(df, penalty=0.1)):
        assert res.converged and np.all(np.isfinite(res.standard_errors))
        assert res.scores["c"] < res.scores["b"]
    mm = fit_rankings(df, prior=0.5, method="mm", tol=1e-12)
    np.testing.assert_allclose(mm.scores, fit_rankings(df, prior=0.5).scores, atol=1e-9)


def test_tie_parameter_without_an_estimate():
    # every choice among two or more items was a tie of two: delta_2 -> infinity
    df = pd.DataFrame({"ranking": [1, 1, 2, 2], "item": ["a", "b", "a", "b"],
                       "rank": [1, 1, 1, 1]})
    with pytest.raises(NoMLEError, match="ties of 2 items"):
        fit_rankings(df)


def test_unobserved_tie_order_is_held_at_zero():
    # ties of 3 but none of 2: delta_2 = 0, only tie3 estimated
    df = pd.DataFrame({"ranking": [1] * 4 + [2] * 4 + [3] * 4,
                       "item": list("abcd") * 3,
                       "rank": [1, 1, 1, 2, 1, 2, 3, 4, 4, 3, 2, 1]})
    res = fit_rankings(df)
    assert list(res.coefficients.index) == ["tie3"]
    r = Rankings.from_long(df)
    s = res.scores.to_numpy()
    assert res.loglik == pytest.approx(naive_loglik(r, s, {3: float(res.delta[3])}),
                                       abs=1e-10)


# ---------------------------------------------------------------------------- bad input
def test_bad_arguments_say_what_to_do():
    r = random_rankings(np.random.default_rng(1), n_rankings=40)
    with pytest.raises(ValueError, match="`method`"):
        fit_rankings(r, method="lsr")
    with pytest.raises(ValueError, match="method='mm' fits the Plackett-Luce model without"):
        fit_rankings(r, method="mm")
    with pytest.raises(TiesError, match="ties='error'"):
        fit_rankings(r, ties="error")
    with pytest.raises(ValueError, match="`prior`"):
        fit_rankings(r, prior=-1)
    with pytest.raises(ValueError, match="`tol`"):
        fit_rankings(r, tol=0)
    with pytest.raises(TypeError, match="Rankings"):
        fit_rankings([[1, 2]])
    free = simulate_rankings([0.0, 1.0, 2.0], 20, rng=1)
    with pytest.raises(ValueError, match="no penalty"):
        fit_rankings(free, method="mm", penalty=1.0)
    with pytest.raises(DataError, match="columns"):
        fit_rankings(pd.DataFrame({"x": [1]}))


def test_nonconvergence_is_a_flag_and_a_warning():
    r = simulate_rankings(np.linspace(2, -2, 6), 100, rng=3)
    with pytest.warns(btstats.ConvergenceWarning, match="max_iter"):
        res = fit_rankings(r, method="mm", max_iter=2)
    assert not res.converged and res.n_iter == 2


# ---------------------------------------------------------------------------- references
_REF_NAMES = sorted(p.name[:-5] for p in REF.glob("*.json")) if REF.exists() else []


@pytest.mark.parametrize("name", _REF_NAMES)
def test_reference_fits(name):
    ref = json.loads((REF / f"{name}.json").read_text())
    r = Rankings.from_long(pd.read_csv(REF / f"{name}.rankings.csv"))
    methods = ["auto", "newton"] + (["mm"] if not ref["ties"] else [])
    for method in methods:
        res = fit_rankings(r, prior=float(ref["npseudo"] or 0.0), method=method)
        assert res.converged
        np.testing.assert_allclose(res.scores.reindex(ref["items"]), ref["scores"],
                                   atol=1e-6, err_msg=f"{name} {method} scores")
        np.testing.assert_allclose(res.standard_errors.reindex(ref["items"]), ref["se"],
                                   atol=1e-6, err_msg=f"{name} {method} se")
        assert res.loglik == pytest.approx(ref["loglik"], abs=1e-6)
        if ref["ties"]:
            coef = res.coefficients
            np.testing.assert_allclose(coef["estimate"], [t["log_delta"] for t in ref["ties"]],
                                       atol=1e-6)
            np.testing.assert_allclose(coef["se"], [t["se_log_delta"] for t in ref["ties"]],
                                       atol=1e-6)
            np.testing.assert_allclose(res.delta, [t["delta"] for t in ref["ties"]],
                                       atol=1e-6)
    table = pd.read_csv(REF / f"{name}.csv")
    np.testing.assert_allclose(res.scores.reindex(table["item"]), table["score"], atol=1e-6)


def test_published_plackett_luce_numbers():
    # PlackettLuce vignette (Turner et al. 2020): coef(summary(PlackettLuce(R)))[84:87, ]
    # for the 2002 NASCAR season with the default npseudo = 0.5, against Austin Cameron
    ref = json.loads((REF / "nascar87_pseudo.json").read_text())["published"]
    r = Rankings.from_long(pd.read_csv(REF / "nascar87_pseudo.rankings.csv"))
    res = fit_rankings(r, prior=0.5)
    base = ref["reference_item"]
    cov = res.covariance
    for item, v in ref["estimate_se_84_87"].items():
        est = res.scores[item] - res.scores[base]
        se = math.sqrt(cov.loc[item, item] + cov.loc[base, base] - 2 * cov.loc[item, base])
        assert est == pytest.approx(v["estimate"], abs=5e-6)
        assert se == pytest.approx(v["se"], abs=5e-6)


# ---------------------------------------------------------------------------- simulation
def test_simulated_first_choices_follow_the_model():
    from scipy import stats

    s = np.array([1.0, 0.3, 0.0, -0.8])
    r = simulate_rankings(s, 4000, rng=2026)
    first = r.item[r.offsets[:-1]]
    p = np.exp(s) / np.exp(s).sum()
    obs = np.bincount(first, minlength=4)
    assert stats.chisquare(obs, 4000 * p).pvalue > 0.01
    again = simulate_rankings(s, 4000, rng=2026)
    assert np.array_equal(again.item, r.item)
    sub = simulate_rankings(pd.Series(s, index=list("wxyz")), 50, n_ranked=2, rng=1)
    assert list(sub.items) == list("wxyz") and set(sub.sizes) == {2}
    with pytest.raises(ValueError, match="n_ranked"):
        simulate_rankings(s, 5, n_ranked=9)


def test_bootstrap_over_rankings():
    r = simulate_rankings(np.linspace(0.6, -0.6, 5), 400, n_ranked=3, rng=4)
    res = fit_rankings(r)
    boot = res.bootstrap(n_resamples=300, rng=5)
    assert isinstance(boot, RankingBootstrap)
    assert boot.n_resamples == 300 and boot.n_degenerate == 0
    ratio = boot.standard_error.to_numpy() / res.standard_errors.to_numpy()
    assert np.all((ratio > 0.8) & (ratio < 1.25))
    ci = boot.confidence_interval(0.9, interval="percentile")
    assert ci.interval == "percentile" and np.all(ci.low < res.scores)
    q = np.percentile(boot.bootstrap_distribution, [5, 95], axis=0)
    np.testing.assert_allclose(ci.low, q[0])
    again = res.bootstrap(n_resamples=300, rng=5)
    assert np.array_equal(again.bootstrap_distribution, boot.bootstrap_distribution)
    assert "bootstrap" in boot.summary()


def test_bootstrap_with_ties():
    rng = np.random.default_rng(3)
    r = random_rankings(rng, n_items=4, n_rankings=150, max_tie=2)
    boot = fit_rankings(r).bootstrap(n_resamples=40, rng=1)
    assert boot.bootstrap_distribution.shape[1] == 4 + 1
    assert list(boot.to_frame().index)[-1] == "tie2"


# ---------------------------------------------------------------------------- clustering
def test_full_breaking_needs_clustered_standard_errors():
    """Rank-broken comparisons of one ranking are dependent: the model-based Bradley-Terry
    standard errors of full breaking are too small, the ones clustered by ranking about
    right (against the spread of the estimates over seeded replicates)."""
    # 200 replicates of 150 full rankings of K = 6 items: the spread of the estimates is
    # known to about 5%; the model-based SEs come out 0.63-0.74 of it, the clustered
    # 0.97-1.09, and the Plackett-Luce SEs 0.96-1.10 of the spread of the PL estimates
    truth = np.linspace(0.75, -0.75, 6)
    est, naive, clustered, pl_est, pl_se = [], [], [], [], []
    for seed in range(200):
        r = simulate_rankings(truth, 150, rng=seed)
        bt = btstats.fit(r.to_comparisons("full"), covariance_type="cluster")
        est.append(bt.scores.to_numpy())
        clustered.append(bt.standard_errors.to_numpy())
        naive.append(bt.with_covariance("observed").standard_errors.to_numpy())
        pl = fit_rankings(r)
        pl_est.append(pl.scores.to_numpy())
        pl_se.append(pl.standard_errors.to_numpy())
    spread = np.std(est, axis=0, ddof=1)
    naive_ratio = np.mean(naive, axis=0) / spread
    cluster_ratio = np.mean(clustered, axis=0) / spread
    pl_ratio = np.mean(pl_se, axis=0) / np.std(pl_est, axis=0, ddof=1)
    assert np.all(naive_ratio < 0.8)
    assert np.all((cluster_ratio > 0.85) & (cluster_ratio < 1.2))
    assert np.all((pl_ratio > 0.85) & (pl_ratio < 1.2))
    # the clustered BT standard errors are a little above the Plackett-Luce ones (2-10%:
    # the pairs lose some information of the rankings)
    excess = np.mean(clustered, axis=0) / np.mean(pl_se, axis=0)
    assert np.all((excess > 1.0) & (excess < 1.15))
