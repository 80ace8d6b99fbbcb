"""Model-implied ceilings and held-out evaluation for every outcome family of the general core.

Davidson ties (springall), graded outcomes with K = 5 (graded5, cumulative logit) and
Rao-Kupper with a home effect (home_ties): the ceilings and the metrics of ``evaluate`` against
brute-force numpy sums over the fit's ``category_probabilities``; the family kernel against a
naive implementation of the families (scipy's logistic / normal CDFs, Davidson's closed form);
the reductions to the pair-count ceilings (K = 3 cumulative logit = Rao-Kupper, K = 2 =
Bradley-Terry).
"""
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import expit, ndtr

import btstats
from btstats import agreement as ag
from btstats.estimation.core import fit_core
from btstats.evaluation import AboveCeilingWarning, evaluate, split
from btstats.exceptions import DataError
from btstats.models.model import get_model


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def springall(data_dir):
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    return btstats.Comparisons.from_counts(counts)


@pytest.fixture(scope="module")
def davidson(springall):
    return btstats.fit(springall, "davidson")


@pytest.fixture(scope="module")
def graded5(data_dir):
    return pd.read_csv(data_dir / "graded5.csv")


@pytest.fixture(scope="module")
def graded(graded5):
    return btstats.fit(graded5, "graded")


@pytest.fixture(scope="module")
def home_ties(data_dir):
    return pd.read_csv(data_dir / "home_ties.csv")


@pytest.fixture(scope="module")
def rk_home(home_ties):
    return btstats.fit(home_ties, "rao-kupper", order_effect=True)


def _rows(comp):
    """Labels, order indicators and weights of the stored rows of ``comp``."""
    a, b, _, weight = comp.rows()
    w = np.ones(len(a)) if weight is None else np.asarray(weight, dtype=float)
    extra = comp.extra
    o = np.zeros(len(a)) if extra is None or "order" not in extra.columns else \
        extra["order"].to_numpy(dtype=float)
    keep = w > 0
    items = comp.items
    return (items[np.asarray(a)[keep]], items[np.asarray(b)[keep]], o[keep], w[keep])


def _outcomes(p):
    """Categories (columns, K - 1: a best) collapsed to P(a), P(tie), P(b)."""
    k = p.shape[1]
    half = k // 2
    pa = p[:, k - half:].sum(1)
    pb = p[:, :half].sum(1)
    pt = p[:, half] if k % 2 else np.zeros(p.shape[0])
    return pa, pt, pb


def _entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(1)


def brute_ceilings(p, w):
    """The twelve quantities from the category probabilities ``p`` (rows: comparisons)."""
    pa, pt, pb = _outcomes(p)
    q = pa + pb
    r = pa / q
    o3 = np.stack([pa, pb, pt], 1)
    tot = w.sum()
    agree = np.sum(w * (o3 ** 2).sum(1)) / tot
    agree_k = np.sum(w * (p ** 2).sum(1)) / tot
    return {
        "agreement": agree,
        "agreement_no_ties": np.sum(w * (pa ** 2 + pb ** 2)) / np.sum(w * q ** 2),
        "accuracy": np.sum(w * o3.max(1)) / tot,
        "accuracy_no_ties": np.sum(w * np.maximum(pa, pb)) / np.sum(w * q),
        "log_loss": np.sum(w * _entropy(o3)) / tot,
        "log_loss_no_ties": np.sum(w * q * _entropy(np.stack([r, 1 - r], 1))) / np.sum(w * q),
        "brier": 1 - agree,
        "brier_no_ties": np.sum(w * q * r * (1 - r)) / np.sum(w * q),
        "agreement_grades": agree_k,
        "accuracy_grades": np.sum(w * p.max(1)) / tot,
        "log_loss_grades": np.sum(w * _entropy(p)) / tot,
        "brier_grades": 1 - agree_k,
    }


def fit_probabilities(fit, comp):
    a, b, o, w = _rows(comp)
    return fit.category_probabilities(a, b, o if fit.order_effect else 0.0), w


# --------------------------------------------------------------------------- ceilings
@pytest.mark.parametrize("name", ["davidson", "graded", "rk_home"])
def test_ceilings_match_brute_force(name, request):
    fit = request.getfixturevalue(name)
    res = ag.ceilings(fit, n_draws=200, rng=7)
    p, w = fit_probabilities(fit, fit.comparisons)
    ref = brute_ceilings(p, w)
    k = fit.n_categories
    assert res.n_categories == k
    assert res.n_comparisons == pytest.approx(w.sum())
    for q in ag.CEILING_STATISTICS:
        assert getattr(res, q) == pytest.approx(ref[q], rel=1e-12, abs=1e-14), q
    if k > 3:
        assert res.statistics == ag.CEILING_STATISTICS + ag.GRADE_STATISTICS
        for q in ag.GRADE_STATISTICS:
            assert getattr(res, q) == pytest.approx(ref[q], rel=1e-12), q
    else:
        assert res.statistics == ag.CEILING_STATISTICS
        assert all(math.isnan(getattr(res, q)) for q in ag.GRADE_STATISTICS)
    # the Bayes accuracy ceiling is at least the agreement; the grades are harder to guess
    assert res.accuracy >= res.agreement
    if k > 3:
        assert res.accuracy_grades < res.accuracy and res.agreement_grades < res.agreement
    # parametric draws: seeded, one column per quantity, intervals around the estimate
    n_q = len(res.statistics)
    assert res.draws.shape == (200, n_q) and np.all(np.isfinite(res.draws))
    again = ag.ceilings(fit, n_draws=200, rng=7)
    np.testing.assert_array_equal(res.draws, again.draws)
    ci = res.confidence_interval()
    assert (ci["low"] <= ci["high"]).all()
    assert ((ci["low"] < res.estimates) & (res.estimates < ci["high"])).all()
    assert res.to_frame().shape == (n_q, 4)
    assert res.standard_errors().gt(0).all()
    text = res.summary()
    assert "Bayes accuracy ceiling" in text and ("grades" in text) == (k > 3)


def test_accuracy_ceiling_is_the_weighted_max_category(graded):
    # the brief's check, spelled out: sum over cells of max_k P(k), weighted by the cells
    cells = graded._cells
    p = graded.category_probabilities(graded.items[cells.ci], graded.items[cells.cj])
    acc = np.sum(cells.cw * p.max(1)) / cells.cw.sum()
    assert ag.ceilings(graded, n_draws=0).accuracy_grades == pytest.approx(acc, rel=1e-12)


def test_order_effect_uses_each_comparisons_order(rk_home, home_ties):
    # the same pairs all played on neutral ground: the order effect drops out
    neutral = home_ties.assign(home=0)
    res = ag.ceilings(rk_home, neutral, n_draws=0)
    p, w = fit_probabilities(rk_home, btstats.Comparisons.from_frame(neutral))
    assert res.accuracy == pytest.approx(brute_ceilings(p, w)["accuracy"], rel=1e-12)
    assert res.accuracy != pytest.approx(ag.ceilings(rk_home, n_draws=0).accuracy, rel=1e-6)
    # an (m, 3) array of (a, b, order) codes is the same design
    comp = rk_home.comparisons
    a, b, _, _ = comp.rows()
    codes = np.column_stack([a, b, comp.extra["order"].to_numpy()])
    by_codes = ag.ceilings(rk_home, codes, n_draws=0)
    np.testing.assert_allclose(by_codes.estimates, ag.ceilings(rk_home, n_draws=0).estimates,
                               rtol=1e-13)
    with pytest.raises(DataError, match="order"):
        ag.ceilings(rk_home, codes[:, :2], n_draws=0)
    with pytest.raises(DataError, match="order"):
        ag.ceilings(rk_home, home_ties.drop(columns="home"), n_draws=0)


def test_reduces_to_the_pair_count_ceilings(springall):
    # K = 3 cumulative logit without an order effect is Rao-Kupper, K = 2 Bradley-Terry: the
    # core's fits of them give the pair-count fits' ceilings
    for name, kw in (("rao-kupper", {}), ("bradley-terry", {"ties": "half"})):
        mdl = get_model(name)
        core = fit_core(springall, mdl, method="newton", penalty=0.0, ties=kw.get("ties"),
                        tol=1e-12, max_iter=100, order_effect=False)
        classic = btstats.fit(springall, name, **kw)
        assert core.n_categories == (3 if mdl.has_ties else 2)
        a = ag.ceilings(core, n_draws=0)
        b = ag.ceilings(classic, n_draws=0)
        np.testing.assert_allclose(a.estimates, b.estimates, rtol=1e-9)
        assert a.n_comparisons == b.n_comparisons
        # parametric intervals of the same width (the same covariance up to the solver's
        # tolerance, different draws)
        wa = np.diff(ag.ceilings(core, rng=1).confidence_interval().to_frame().to_numpy(),
                     axis=1)
        wb = np.diff(ag.ceilings(classic, rng=1).confidence_interval().to_frame().to_numpy(),
                     axis=1)
        np.testing.assert_allclose(wa, wb, rtol=0.2)
    # and at the same scores the family kernel gives the pair-count kernel's numbers
    s = np.array([0.9, -0.2, 0.4, -1.1])
    pairs = np.array([[0, 1], [1, 2], [3, 0], [2, 3], [0, 2]])
    for model, theta, params in (("rao-kupper", 1.8, {"eta": math.log(1.8)}),
                                 ("glenn-david", 1.3, {"eta": math.log(1.3)}),
                                 ("bradley-terry", None, {}), ("thurstone", None, {})):
        old = ag.ceilings(s, pairs, model=model, theta=theta)
        new = ag.ceilings(s, pairs, model=model, params=params)
        np.testing.assert_allclose(new.estimates, old.estimates, rtol=1e-12)
        # an order effect over neutral comparisons changes nothing
        zero = np.column_stack([pairs, np.zeros(len(pairs))])
        home = ag.ceilings(s, zero, model=model, params=dict(params, h=0.7))
        np.testing.assert_allclose(home.estimates, old.estimates, rtol=1e-12)


def test_plain_scores_with_params_equal_the_fit(graded, davidson, rk_home):
    for fit in (graded, davidson, rk_home):
        a = ag.ceilings(fit, n_draws=0)
        b = ag.ceilings(fit.scores, fit.comparisons, model=fit.model, params=fit.params,
                        n_categories=fit.n_categories)
        np.testing.assert_array_equal(a.estimates, b.estimates)
    with pytest.raises(ValueError, match="nu"):
        ag.ceilings([0.0, 1.0], [[0, 1]], model="davidson")
    with pytest.raises(ValueError, match="n_categories"):
        ag.ceilings([0.0, 1.0], [[0, 1]], model="graded", params={"t1": 1.0}, n_categories=5)
    with pytest.raises(ValueError, match="non-decreasing"):
        ag.ceilings([0.0, 1.0], [[0, 1]], model="graded", params={"t1": 1.0, "t2": 0.5})
    with pytest.raises(ValueError, match="plain scores"):
        ag.ceilings(graded, params={"t1": 1.0, "t2": 2.0})


def test_bootstrap_draws_of_a_core_fit(rk_home, graded):
    n = rk_home.n_items
    est = np.concatenate([rk_home.scores, rk_home.params])
    same = np.tile(est, (20, 1))
    res = ag.ceilings(rk_home, bootstrap=same)
    assert res.source == "bootstrap" and res.draws.shape == (20, 8)
    np.testing.assert_allclose(res.draws, np.tile(res.estimates, (20, 1)), rtol=1e-12)
    # score columns only: the parameters stay at their estimates
    only = ag.ceilings(rk_home, bootstrap=same[:, :n])
    np.testing.assert_array_equal(only.draws, res.draws)

    # a result with named columns (theta for eta, in another order) is read by name
    class NamedBootstrap:
        estimate = pd.Series(np.concatenate([rk_home.scores, [math.exp(rk_home.params["eta"]),
                                                              rk_home.params["h"]]]),
                             index=list(rk_home.items) + ["theta", "h"])
        bootstrap_distribution = np.tile(estimate.to_numpy(), (5, 1))

    named = ag.ceilings(rk_home, bootstrap=NamedBootstrap())
    np.testing.assert_allclose(named.draws[0], res.estimates, rtol=1e-12)
    # varied draws spread the ceilings; the grade quantities have draws too
    rng = np.random.default_rng(4)
    est_g = np.concatenate([graded.scores, graded.params])
    noisy = est_g + rng.normal(0, 0.05, (30, est_g.size))
    gres = ag.ceilings(graded, bootstrap=noisy)
    assert gres.draws.shape == (30, 12) and gres.standard_errors().gt(0).all()
    with pytest.raises(DataError, match="shape"):
        ag.ceilings(rk_home, bootstrap=same[:, :-1])
    with pytest.raises(ValueError, match="theta_draws"):
        ag.ceilings(rk_home, bootstrap=same[:, :n], theta_draws=np.full(20, 2.0))


def test_parametric_draws_stay_in_the_parameter_space(graded):
    # thresholds drawn far from their estimates are clipped to 0 <= t1 <= t2: every draw is
    # a model, its ceilings finite
    class Wide:
        bootstrap_distribution = np.column_stack([
            np.tile(graded.scores.to_numpy(), (4, 1)),
            np.array([[-0.5, 1.0], [1.5, 0.5], [0.0, 0.0], [0.3, 3.0]])])

    res = ag.ceilings(graded, bootstrap=Wide())
    assert np.all(np.isfinite(res.draws))
    # t1 = t2 = 0 and t1 = t2 = 1.5: a grade scale with empty categories
    p = graded.category_probabilities(*_rows(graded.comparisons)[:2])
    assert res.draws[2, 8] > brute_ceilings(p, np.ones(len(p)))["agreement_grades"]


# --------------------------------------------------------------------------- kernel vs naive
def _naive_probabilities(family, link, k, z, theta):
    """P(category) per z by the textbook formulas (not the btstats kernels)."""
    cdf = expit if link == "logit" else ndtr
    z = np.asarray(z, float)
    if family == "davidson":
        nu = theta[0]
        den = np.exp(z / 2) + np.exp(-z / 2) + nu
        return np.stack([np.exp(-z / 2) / den, np.full_like(z, nu) / den,
                         np.exp(z / 2) / den], 1)
    p = (k - 1) // 2
    t = list(theta[:p])
    cuts = [-x for x in t[::-1]] + ([0.0] if (k - 1) % 2 else []) + t
    cum = np.column_stack([np.zeros_like(z)] + [cdf(c - z) for c in cuts] +
                          [np.ones_like(z)])
    return np.diff(cum, axis=1)


@given(st.sampled_from([("cumulative", 2), ("cumulative", 3), ("cumulative", 4),
                        ("cumulative", 5), ("cumulative", 6), ("davidson", 3)]),
       st.sampled_from(["logit", "probit"]),
       st.lists(st.floats(-3, 3), min_size=3, max_size=6),
       st.lists(st.floats(0.05, 1.5), min_size=2, max_size=2),
       st.floats(-1, 1))
def test_family_kernel_matches_naive(fam_k, link, scores, steps, h):
    family, k = fam_k
    n = len(scores)
    s = np.array(scores) - np.mean(scores)
    rng = np.random.default_rng(len(scores))
    a = rng.integers(0, n, 12)
    b = (a + rng.integers(1, n, 12)) % n
    o = rng.choice([-1.0, 0.0, 1.0], 12)
    p_thr = (k - 1) // 2
    theta = list(np.cumsum(steps)[:p_thr]) if family == "cumulative" else [steps[0]]
    if family == "davidson":
        model, params = "davidson", {"nu": theta[0]}
    elif k == 2:
        model, params = ("bradley-terry" if link == "logit" else "thurstone"), {}
    elif k == 3:
        model, params = ("rao-kupper" if link == "logit" else "glenn-david"), {"eta": theta[0]}
    else:
        model = "graded" if link == "logit" else "graded-probit"
        params = {f"t{q + 1}": v for q, v in enumerate(theta)}
    params["h"] = h
    res = ag.ceilings(s, np.column_stack([a, b, o]), model=model, params=params,
                      n_categories=k if model.startswith("graded") else None)
    p = _naive_probabilities(family, link, k, s[a] - s[b] + h * o, theta)
    ref = brute_ceilings(p, np.ones(12))
    for q in res.statistics:
        assert getattr(res, q) == pytest.approx(ref[q], rel=1e-9, abs=1e-12), q


# --------------------------------------------------------------------------- evaluate
def _brute_metrics(p, outcome, w, grade=None):
    """The metrics of evaluate from category probabilities and the labels (numpy)."""
    pa, pt, pb = _outcomes(p)
    dec = outcome != 2
    y = outcome == 0
    r = pa / (pa + pb)
    o3 = np.stack([pa, pb, pt], 1)
    lab = np.where(outcome == 0, 0, np.where(outcome == 1, 1, 2))
    rows = np.arange(len(lab))
    wd = w * dec
    out = {"log_loss": np.sum(wd * -np.log(np.where(y, r, 1 - r))) / wd.sum(),
           "brier": np.sum(wd * (r - y) ** 2) / wd.sum(),
           "accuracy": np.sum(wd * np.where(r == 0.5, 0.5, (r > 0.5) == y)) / wd.sum(),
           "log_loss_all": np.sum(w * -np.log(o3[rows, lab])) / w.sum()}
    onehot = np.eye(3)[lab]
    out["brier_all"] = np.sum(w * ((o3 - onehot) ** 2).sum(1)) / w.sum()
    if grade is not None:
        k = p.shape[1]
        cat = grade + k // 2
        out["log_loss_grades"] = np.sum(w * -np.log(p[rows, cat])) / w.sum()
        out["accuracy_grades"] = np.sum(w * (p.argmax(1) == cat)) / w.sum()
        out["brier_grades"] = np.sum(w * ((p - np.eye(k)[cat]) ** 2).sum(1)) / w.sum()
    return out


@pytest.mark.parametrize("name", ["davidson", "graded", "rk_home"])
def test_evaluate_matches_numpy(name, request):
    fit = request.getfixturevalue(name)
    comp = fit.comparisons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AboveCeilingWarning)
        ev = evaluate(fit, comp, reference=fit, n_draws=100, rng=2)
    a, b, outcome, weight = comp.rows()
    w = np.ones(len(a)) if weight is None else np.asarray(weight, float)
    keep = w > 0
    p, _ = fit_probabilities(fit, comp)
    grade = comp.extra["grade"].to_numpy()[keep] if fit.n_categories > 3 else None
    ref = _brute_metrics(p, np.asarray(outcome)[keep], w[keep], grade)
    for m, v in ref.items():
        assert np.isfinite(getattr(ev, m)), m
        assert getattr(ev, m) == pytest.approx(v, rel=1e-10), m
    assert ev.n_categories == fit.n_categories
    assert list(ev.to_frame().index) == list(ev.metrics)
    cmp = ev.compare()
    assert set(cmp.index) == set(ev.metrics)
    # in-sample with the fit as reference: the log loss sits at its floor within noise
    assert abs(cmp.loc["log_loss_all", "z"]) < 3
    if fit.n_categories > 3:
        assert cmp.loc["accuracy_grades", "ceiling"] == ev.ceilings.accuracy_grades
        assert "accuracy_grades" in ev.summary()


def test_evaluate_held_out_graded_and_home(graded5, home_ties):
    train, test = split(graded5, rng=0)
    fit = btstats.fit(train, "graded")
    ev = evaluate(fit, test)
    comp = btstats.Comparisons.from_frame(test)
    p = fit.category_probabilities(*_rows(comp)[:2])
    ref = _brute_metrics(p, np.asarray(comp.rows()[2]), np.ones(len(test)),
                         comp.extra["grade"].to_numpy())
    assert ev.log_loss_grades == pytest.approx(ref["log_loss_grades"], rel=1e-10)
    assert ev.log_loss_all == pytest.approx(ref["log_loss_all"], rel=1e-10)
    # grades the scorer's scale does not have are refused
    with pytest.raises(DataError, match="grade 3"):
        evaluate(fit, test.assign(grade=np.where(test["grade"] == 2, 3, test["grade"])))
    # outcome labels only: the outcome metrics, no grade metrics
    plain = test.assign(outcome=np.sign(test["grade"]).map({1: 1, 0: 0.5, -1: 0}))
    ev2 = evaluate(fit, plain.drop(columns="grade"))
    assert ev2.log_loss_all == pytest.approx(ev.log_loss_all, rel=1e-12)
    assert math.isnan(ev2.accuracy_grades) and "accuracy_grades" not in ev2.metrics

    train, test = split(home_ties, rng=1)
    fit = btstats.fit(train, "rao-kupper", order_effect=True)
    ev = evaluate(fit, test)
    comp = btstats.Comparisons.from_frame(test)
    a, b, o, w = _rows(comp)
    ref = _brute_metrics(fit.category_probabilities(a, b, o), np.asarray(comp.rows()[2]), w)
    for m, v in ref.items():
        assert getattr(ev, m) == pytest.approx(v, rel=1e-10), m
    with pytest.raises(DataError, match="order"):
        evaluate(fit, test.drop(columns="home"))
    # plain scores with the fit's parameters score the same
    same = evaluate(fit.scores, test, model="rao-kupper", params=fit.params)
    assert same.log_loss_all == pytest.approx(ev.log_loss_all, rel=1e-13)


def test_evaluate_binary_core_fit_with_ties_in_the_test():
    # Bradley-Terry with an order effect (K = 2): a tie label has probability 0, so the
    # all-label log loss is undefined (NaN) as for the pair-count models
    rng = np.random.default_rng(3)
    s = np.array([0.6, 0.0, -0.6])
    a = rng.integers(0, 3, 600)
    b = (a + rng.integers(1, 3, 600)) % 3
    o = rng.choice([-1, 1], 600)
    y = rng.random(600) < expit(s[a] - s[b] + 0.4 * o)
    df = pd.DataFrame({"item_a": a, "item_b": b, "outcome": y * 1.0, "order": o})
    fit = btstats.fit(df, order_effect=True)
    test = df.iloc[:50].assign(outcome=[0.5] + list(df["outcome"].iloc[1:50]))
    ev = evaluate(fit, test)
    assert math.isnan(ev.log_loss_all) and np.isfinite(ev.log_loss)
    assert ev.n_decisive == 49


def test_ceilings_from_the_bootstrap_of_a_core_fit(rk_home):
    try:
        boot = rk_home.bootstrap(n_resamples=40, rng=5)
    except ValueError as exc:       # the bootstrap of the general core not there yet
        if "not yet available" not in str(exc):
            raise
        pytest.skip("no bootstrap for fits of the general core yet")
    res = ag.ceilings(rk_home, bootstrap=boot)
    d = boot.bootstrap_distribution
    assert res.source == "bootstrap" and res.draws.shape == (d.shape[0], 8)
    # replicate t's ceilings are those of its scores and parameters (scores, then params)
    n = rk_home.n_items
    one = ag.ceilings(pd.Series(d[0, :n], index=rk_home.items), rk_home.comparisons,
                      model="rao-kupper", params=dict(zip(rk_home.params.index, d[0, n:])))
    np.testing.assert_allclose(res.draws[0], one.estimates, rtol=1e-12)
    ci = res.confidence_interval()
    assert (ci["low"] < ci["high"]).all()


def test_an_even_grade_scale(graded5):
    # grades -2, -1, 1, 2 (no tie): K = 4, no tie outcome
    decisive = graded5[graded5["grade"] != 0]
    fit = btstats.fit(decisive, "graded")
    assert fit.n_categories == 4
    res = ag.ceilings(fit, n_draws=50, rng=0)
    p, w = fit_probabilities(fit, fit.comparisons)
    ref = brute_ceilings(p, w)
    for q in res.statistics:
        assert getattr(res, q) == pytest.approx(ref[q], rel=1e-12), q
    assert res.agreement == pytest.approx(res.agreement_no_ties, rel=1e-12)
    assert "agreement_grades" in res.statistics
    # tie grades in the test have probability 0: the all-label and grade log losses are
    # undefined, the accuracies count them wrong
    ev = evaluate(fit, graded5.iloc[:400])
    assert math.isnan(ev.log_loss_all) and math.isnan(ev.log_loss_grades)
    ties = (graded5["grade"].iloc[:400] == 0).to_numpy()
    dec = evaluate(fit, graded5.iloc[:400][~ties])
    n = 400
    assert ev.accuracy_grades == pytest.approx(dec.accuracy_grades * (n - ties.sum()) / n,
                                               rel=1e-12)
    assert np.isfinite(dec.log_loss_grades)
