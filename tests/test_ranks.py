"""Rank inference (btstats.inference.ranks): closed forms, csranks, simulated coverage, properties.

Reference values and where they come from:

- critical values of the single-step sets with independent, equal-variance errors: the
  simultaneous one is the 95% point of the studentised range over sqrt(2) (Tukey's HSD,
  ``scipy.stats.studentized_range`` with infinite df); the marginal one solves
  ``E[(Phi(X + c sqrt2) - Phi(X - c sqrt2))^(n-1)] = 0.95``, X ~ N(0, 1), by quadrature;
- rank sets for the 2018 PISA mathematics scores (37 OECD countries) from the code of the R
  package csranks (danielwilhelm/R-CS-ranks, R/diffmeans.R and R/ranks.R, sourced into
  R 4.2.2 with MASS 7.3-58, since csranks is not packaged for Debian) with R = 100,000
  draws; see test_pisa_agrees_with_csranks.
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from scipy import integrate, optimize, stats

import btstats.inference.ranks as R
from btstats._kernels import ranks as K


# ---------------------------------------------------------------------------- helpers
def true_ranks(theta):
    """``1 + #{k : theta_k > theta_j}``, the naive way."""
    theta = np.asarray(theta)
    return 1 + (theta[None, :] > theta[:, None]).sum(axis=1)


def centred_covariance(n, seed):
    """Covariance of centred scores from a weighted complete comparison graph: the
    Moore-Penrose inverse of its Laplacian (singular, correlated, as fit.covariance is)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(20.0, 120.0, size=(n, n))
    w = np.triu(w, 1)
    w = w + w.T
    lap = np.diag(w.sum(axis=1)) - w
    return np.linalg.pinv(lap * 0.25)          # p(1 - p) = 1/4 at equal strengths


def gaussian_factor(cov):
    lam, vec = np.linalg.eigh(cov)
    return vec * np.sqrt(np.maximum(lam, 0.0))


# ---------------------------------------------------------------------------- hand cases
@pytest.mark.parametrize("simultaneous", [False, True])
@pytest.mark.parametrize("stepdown", [False, True])
def test_well_separated_items_give_singletons(simultaneous, stepdown):
    est = pd.Series([2.0, -1.0, 0.5], index=["b", "c", "a"])
    sets = R.rank_confidence_sets(est, covariance=np.eye(3) * 1e-4, rng=0,
                                  simultaneous=simultaneous, stepdown=stepdown)
    assert sets.lower.to_dict() == {"b": 1, "c": 3, "a": 2}
    assert sets.upper.to_dict() == {"b": 1, "c": 3, "a": 2}
    assert (sets.size == 1).all()
    assert sets.estimate_rank.to_dict() == {"b": 1, "c": 3, "a": 2}
    frame = sets.to_frame()
    assert frame["item"].tolist() == ["b", "a", "c"]
    assert frame.columns.tolist() == ["rank", "item", "score", "lower", "upper"]


@pytest.mark.parametrize("simultaneous", [False, True])
def test_identical_items_give_full_sets(simultaneous):
    n = 5
    est = np.zeros(n)
    sets = R.rank_confidence_sets(est, covariance=np.eye(n), rng=1, n_draws=2000,
                                  simultaneous=simultaneous)
    assert sets.lower.tolist() == [1] * n
    assert sets.upper.tolist() == [n] * n
    assert sets.estimate_rank.tolist() == [1] * n


def test_identical_draws_known_differences():
    """Zero-variance differences are known exactly: decided by their sign, never NaN."""
    rng = np.random.default_rng(2)
    common = rng.standard_normal(500)
    est = np.array([1.0, 1.0, 0.5, 10.0])
    # items 0, 1, 2 move together in every draw: their differences have no error
    draws = est + np.column_stack([common, common, common, rng.standard_normal(500)])
    sets = R.rank_confidence_sets(est, draws=draws, confidence_level=0.9)
    # 0 and 1 tie exactly (known): never separated, both above 2 (known); 3 is far
    assert sets.lower.tolist() == [2, 2, 4, 1]
    assert sets.upper.tolist() == [3, 3, 4, 1]
    assert np.isfinite(sets.critical_value).all()


def test_singular_covariance_known_difference():
    # var(e0 - e1) = 0: perfectly correlated errors; item 2 independent
    cov = np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    sets = R.rank_confidence_sets([0.1, 0.0, 0.05], covariance=cov, rng=0,
                                  simultaneous=True)
    # 0 beats 1 for certain; 2 is within noise of both
    assert sets.lower.tolist() == [1, 2, 1]
    assert sets.upper.tolist() == [2, 3, 3]


def test_zero_covariance_gives_the_estimated_ranking():
    """No estimation error at all: every difference is known; ties stay unresolved."""
    sets = R.rank_confidence_sets([3.0, 1.0, 1.0, 2.0], covariance=np.zeros((4, 4)), rng=0,
                                  simultaneous=True)
    assert sets.lower.tolist() == [1, 3, 3, 2]
    assert sets.upper.tolist() == [1, 4, 4, 2]
    assert sets.n_steps == 1 and (sets.critical_value == 0).all()


def test_tied_estimates_cover_every_tied_rank():
    est = np.array([1.0, 1.0, 1.0, -5.0, 4.0])
    sets = R.rank_confidence_sets(est, covariance=np.eye(5) * 1e-6, rng=0)
    assert sets.estimate_rank.tolist() == [2, 2, 2, 5, 1]
    assert sets.lower.tolist() == [2, 2, 2, 5, 1]
    assert sets.upper.tolist() == [4, 4, 4, 5, 1]


def test_covers():
    sets = R.rank_confidence_sets([1.0, 0.9, -3.0], covariance=np.eye(3) * 0.01, rng=0,
                                  labels=["x", "y", "z"])
    assert sets.lower.tolist() == [1, 1, 3] and sets.upper.tolist() == [2, 2, 3]
    assert sets.covers([2, 1, 3]).all()
    assert sets.covers(pd.Series({"z": 3, "y": 2, "x": 1})).all()
    assert sets.covers([1, 3, 3]).tolist() == [True, False, True]


def test_rank_upper_and_lower_bound_hand_table():
    # intervals:   a [10, 12]   b [8, 11]   c [5, 9]   d [0, 4]   e [9, 9.5]   f [12, 13]
    ci = pd.DataFrame({"low": [10, 8, 5, 0, 9, 12], "high": [12, 11, 9, 4, 9.5, 13]},
                      index=list("abcdef"))
    # UB = 1 + #{k : low_k > high_j}
    #   a: f (12 > 12? no) -> 1;  b: low > 11: f -> 2;  c: low > 9: a, f -> 3
    #   d: all but d -> 6;  e: low > 9.5: a, f -> 3;  f: none -> 1
    ub = R.rank_upper_bound(ci)
    assert ub.to_dict() == {"a": 1, "b": 2, "c": 3, "d": 6, "e": 3, "f": 1}
    assert ub.name == "rank_ub"
    # LB = n - #{k : high_k < low_j}
    #   a: high < 10: c, d, e -> 3;  b: high < 8: d -> 5;  c: high < 5: d -> 5
    #   d: none -> 6;  e: high < 9: d -> 5;  f: high < 12: b, c, d, e -> 2
    lb = R.rank_lower_bound(ci)
    assert lb.to_dict() == {"a": 3, "b": 5, "c": 5, "d": 6, "e": 5, "f": 2}
    assert (ub <= lb).all()
    # same from arrays and from the to_frame() column names
    assert R.rank_upper_bound(ci["low"].to_numpy(), ci["high"].to_numpy()).tolist() == \
        ub.tolist()
    renamed = ci.rename(columns={"low": "ci_low", "high": "ci_high"})
    assert R.rank_lower_bound(renamed).tolist() == lb.tolist()


def test_rank_bounds_from_a_fit():
    import btstats
    fit = btstats.fit(btstats.load_example("baseball"))
    ci = fit.confidence_interval()
    ub = R.rank_upper_bound(ci)
    lb = R.rank_lower_bound(ci)
    rank = fit.to_frame().set_index("item")["rank"]
    assert ((ub <= rank.reindex(ub.index)) & (rank.reindex(ub.index) <= lb)).all()


# ---------------------------------------------------------------------------- closed forms
def test_simultaneous_critical_value_is_tukey():
    """Single step, independent equal variances: c = q_{0.95}(range of n normals) / sqrt 2."""
    for n in (3, 10):
        sets = R.rank_confidence_sets(np.arange(n, dtype=float), covariance=np.eye(n),
                                      simultaneous=True, stepdown=False, n_draws=200_000,
                                      rng=3)
        expected = stats.studentized_range.ppf(0.95, n, np.inf) / math.sqrt(2)
        assert sets.critical_value.iloc[0] == pytest.approx(expected, abs=0.015)


def _marginal_critical_value(n, level=0.95):
    def coverage(c):
        f = lambda x: (stats.norm.cdf(x + c * math.sqrt(2)) -  # noqa: E731
                       stats.norm.cdf(x - c * math.sqrt(2))) ** (n - 1) * stats.norm.pdf(x)
        return integrate.quad(f, -10, 10)[0] - level
    return optimize.brentq(coverage, 0.5, 6.0)


def test_marginal_critical_value_closed_form():
    n = 6
    sets = R.rank_confidence_sets(np.zeros(n), covariance=np.eye(n), simultaneous=False,
                                  stepdown=False, n_draws=200_000, rng=4)
    np.testing.assert_allclose(sets.critical_value, _marginal_critical_value(n), atol=0.015)
    # two items: the family is one |N(0, 1)|
    two = R.rank_confidence_sets([0.0, 0.0], covariance=np.eye(2), n_draws=200_000, rng=5)
    np.testing.assert_allclose(two.critical_value, stats.norm.ppf(0.975), atol=0.01)


# ---------------------------------------------------------------------------- csranks
PISA_MATH = pd.DataFrame({
    "score": [491.3600252, 498.9423138, 508.0703063, 512.0169429, 417.4065563, 390.9322732,
              499.4676508, 509.3983746, 523.4145802, 507.3013618, 495.4075794, 500.0437805,
              451.3703438, 481.0826364, 495.1873762, 499.632894, 463.0345488, 486.5898573,
              526.9732502, 525.933002, 496.1263306, 481.1911884, 483.421485, 408.8014734,
              519.2309824, 494.489676, 500.9637885, 515.6478747, 492.4874062, 486.1648542,
              508.8975441, 481.3926126, 502.3877022, 515.3147131, 453.5077774, 501.7698992,
              478.2447174],
    "se": [1.939833031, 2.970998694, 2.262662011, 2.357475749, 2.41588757, 2.989559274,
           2.460661531, 1.735002337, 1.743602224, 1.967920411, 2.320214487, 2.647083096,
           3.091228197, 2.319596741, 1.953082603, 2.198621128, 3.498563228, 2.780045867,
           2.471475318, 3.121394315, 1.962766789, 1.953282039, 1.097632409, 2.493225544,
           2.632277885, 1.705942856, 2.219044878, 2.602085176, 2.684570081, 2.555595707,
           1.363877596, 1.462417763, 2.654250935, 2.908003898, 2.260406789, 2.564428111,
           3.235444099]},
    index=["Australia", "Austria", "Belgium", "Canada", "Chile", "Colombia", "Czech Republic",
           "Denmark", "Estonia", "Finland", "France", "Germany", "Greece", "Hungary",
           "Iceland", "Ireland", "Israel", "Italy", "Japan", "Korea", "Latvia", "Lithuania",
           "Luxembourg", "Mexico", "Netherlands", "New Zealand", "Norway", "Poland",
           "Portugal", "Slovak Republic", "Slovenia", "Spain", "Sweden", "Switzerland",
           "Turkey", "United Kingdom", "United States"])

# csranks (R 4.2.2), the package's own code, on csranks's data-raw/pisa.csv (math columns):
#   x <- pisa$math_score; S <- diag(pisa$math_se^2)
#   csranks_simul(x, S, stepdown = sd, R = 100000, seed = 101)    # simul = TRUE
#   csranks_marg(x, S, stepdown = sd, R = 100000, seed = 101)     # simul = FALSE
# (csranks(x, S, simul = ..., stepdown = ..., R = 100000, seed = 101) calls these.)
PISA_CSRANKS = {
    (True, True): (
        [12, 7, 4, 3, 35, 37, 7, 4, 1, 4, 12, 7, 32, 23, 12, 8, 31, 15, 1, 1, 12, 23, 23, 35,
         1, 12, 7, 1, 12, 18, 4, 24, 5, 1, 32, 6, 23],
        [30, 26, 18, 17, 36, 37, 25, 18, 6, 18, 26, 25, 34, 31, 26, 25, 34, 31, 6, 7, 26, 31,
         31, 36, 11, 26, 24, 12, 31, 31, 18, 31, 24, 13, 34, 24, 32]),
    (True, False): (
        [12, 7, 4, 3, 35, 37, 7, 4, 1, 4, 12, 7, 32, 23, 12, 8, 31, 15, 1, 1, 12, 23, 23, 35,
         1, 12, 7, 1, 12, 16, 4, 24, 5, 1, 32, 5, 23],
        [30, 26, 18, 17, 36, 37, 26, 18, 6, 18, 26, 26, 34, 31, 26, 25, 34, 31, 6, 7, 26, 31,
         31, 36, 11, 26, 24, 13, 31, 31, 18, 31, 24, 13, 34, 24, 32]),
    (False, True): (
        [15, 10, 5, 4, 35, 37, 10, 5, 1, 5, 12, 10, 32, 25, 12, 10, 32, 19, 1, 1, 12, 25, 25,
         35, 1, 12, 10, 2, 12, 20, 5, 25, 7, 2, 32, 8, 25],
        [26, 24, 18, 12, 36, 37, 24, 14, 6, 18, 26, 24, 34, 31, 26, 24, 34, 31, 4, 6, 25, 31,
         31, 36, 7, 26, 23, 11, 26, 31, 14, 31, 23, 11, 34, 23, 31]),
    (False, False): (
        [15, 10, 5, 4, 35, 37, 10, 4, 1, 5, 12, 8, 32, 25, 12, 10, 32, 19, 1, 1, 12, 25, 24,
         35, 1, 12, 8, 2, 12, 20, 5, 25, 7, 2, 32, 7, 25],
        [26, 24, 18, 13, 36, 37, 24, 16, 6, 18, 26, 24, 34, 31, 26, 24, 34, 31, 4, 6, 26, 31,
         31, 36, 7, 26, 23, 11, 26, 31, 16, 31, 23, 11, 34, 23, 31]),
}


@pytest.mark.parametrize("simultaneous,stepdown", sorted(PISA_CSRANKS))
def test_pisa_agrees_with_csranks(simultaneous, stepdown):
    """The same procedure up to Monte Carlo error: both use finitely many Gaussian draws
    (csranks 100,000, here 20,000, different generators), so a bound whose pair sits on the
    edge of its critical value may differ by one.  Seeded, at most one of the 74 bounds does
    (csranks with R = 1,000 against R = 100,000 differs in up to four)."""
    lower, upper = PISA_CSRANKS[(simultaneous, stepdown)]
    sets = R.rank_confidence_sets(PISA_MATH["score"], covariance=np.diag(PISA_MATH["se"] ** 2),
                                  simultaneous=simultaneous, stepdown=stepdown,
                                  n_draws=20_000, rng=0)
    d = np.concatenate([sets.lower.to_numpy() - lower, sets.upper.to_numpy() - upper])
    assert np.abs(d).max() <= 1
    assert np.count_nonzero(d) <= 1
    assert sets.estimate_rank["Japan"] == 1 and sets.estimate_rank["Colombia"] == 37


# ---------------------------------------------------------------------------- coverage
# two clusters of near-ties (0.01 apart, a tenth of the standard error of a difference,
# about 0.1), a pair 0.01 apart at the top and one item far below; centred
THETA_MIXED = np.array([-0.5, -0.2, -0.19, -0.18, -0.17, 0.0, 0.01, 0.02, 0.5, 0.51]) - 0.003
N_REPS = 400


def _coverage(theta, cov, n_reps, seed):
    """Per repetition: whether the simultaneous set covers the whole ranking, and whether
    each marginal set covers its item's rank."""
    n = theta.size
    rng = np.random.default_rng(seed)
    factor = gaussian_factor(cov)
    r = true_ranks(theta)
    simul = np.empty(n_reps, bool)
    marg = np.empty((n_reps, n), bool)
    for i in range(n_reps):
        est = theta + factor @ rng.standard_normal(n)
        s = R.rank_confidence_sets(est, covariance=cov, simultaneous=True, n_draws=1000,
                                   rng=rng)
        m = R.rank_confidence_sets(est, covariance=cov, simultaneous=False, n_draws=1000,
                                   rng=rng)
        simul[i] = s.covers(r).all()
        marg[i] = m.covers(r).to_numpy()
    return simul, marg


def test_coverage_mixed_configuration():
    """10 items, most within a fraction of a standard error of a neighbour; covariance of
    centred scores from a comparison graph (standard errors about 0.07).  Simultaneous sets
    cover the whole ranking at least 95% of the time (one-sided binomial test at 1%),
    marginal sets each item's rank (Bonferroni over the items).  Away from exact ties both
    are conservative: a set misses only if a difference is declared with the wrong sign."""
    cov = centred_covariance(THETA_MIXED.size, seed=10)
    simul, marg = _coverage(THETA_MIXED, cov, N_REPS, seed=11)
    k = int(simul.sum())
    assert stats.binomtest(k, N_REPS, 0.95, alternative="less").pvalue > 0.01
    assert k / N_REPS == 0.9925                 # seeded; reported in docs/ranks.md
    for j in range(THETA_MIXED.size):
        kj = int(marg[:, j].sum())
        assert stats.binomtest(kj, N_REPS, 0.95, alternative="less").pvalue > 0.01 / 10
    assert marg.mean() == pytest.approx(0.99575)


def test_coverage_least_favourable_is_nominal():
    """All scores equal (every true rank is 1): any declared difference is an error, so the
    simultaneous sets cover with probability equal to the level, not more; coverage is
    within a two-sided binomial test of 0.95 (the method is not needlessly conservative).
    A marginal set misses only when some item is declared better than its own (one side
    of a two-sided family), so its coverage is about 0.975 here."""
    n = 8
    cov = centred_covariance(n, seed=12)
    simul, marg = _coverage(np.zeros(n), cov, N_REPS, seed=13)
    k = int(simul.sum())
    assert stats.binomtest(k, N_REPS, 0.95).pvalue > 0.01
    assert k / N_REPS == 0.94
    for j in range(n):
        assert stats.binomtest(int(marg[:, j].sum()), N_REPS, 0.95,
                               alternative="less").pvalue > 0.01 / n
    assert marg.mean() == pytest.approx(0.976875)


def test_coverage_bootstrap_draws():
    """Nonparametric bootstrap of means of skewed (exponential) data: sets from
    ``draws=`` cover the true ranking at the nominal level."""
    n_items, n_obs, n_boot, n_reps = 6, 80, 400, 300
    means = np.array([1.0, 1.05, 1.3, 1.35, 1.8, 2.5])
    r = true_ranks(means)
    rng = np.random.default_rng(14)
    simul = np.empty(n_reps, bool)
    marg = np.empty((n_reps, n_items), bool)
    for i in range(n_reps):
        data = rng.exponential(means, size=(n_obs, n_items))
        est = data.mean(axis=0)
        idx = rng.integers(0, n_obs, size=(n_boot, n_obs))
        draws = data[idx].mean(axis=1)          # (n_boot, n_items), rows resampled jointly
        simul[i] = R.rank_confidence_sets(est, draws=draws, simultaneous=True).covers(r).all()
        marg[i] = R.rank_confidence_sets(est, draws=draws).covers(r).to_numpy()
    k = int(simul.sum())
    assert stats.binomtest(k, n_reps, 0.95, alternative="less").pvalue > 0.01
    assert k / n_reps == 299 / 300
    assert stats.binomtest(int(marg.sum()), marg.size, 0.95,
                           alternative="less").pvalue > 0.01


# ---------------------------------------------------------------------------- properties
@st.composite
def problems(draw):
    """Estimates on a coarse grid (ties likely) and bootstrap draws on a dyadic grid, so that
    shifts by integers and scalings by powers of two are exact in floating point."""
    n = draw(st.integers(2, 7))
    est = np.array(draw(st.lists(st.integers(-16, 16), min_size=n, max_size=n))) / 8.0
    seed = draw(st.integers(0, 2 ** 16))
    scale = draw(st.sampled_from([0.125, 0.5, 1.0, 2.0]))
    rng = np.random.default_rng(seed)
    err = np.round(rng.standard_normal((200, n)) * scale * 256) / 256
    if draw(st.booleans()):                      # a pair of items that always move together
        err[:, 1] = err[:, 0]
    return est, est + err


@given(problems(), st.data())
def test_relabelling_permutes_the_sets(problem, data):
    est, draws = problem
    n = est.size
    perm = np.array(data.draw(st.permutations(range(n))))
    for simultaneous in (False, True):
        a = R.rank_confidence_sets(est, draws=draws, simultaneous=simultaneous)
        b = R.rank_confidence_sets(est[perm], draws=draws[:, perm], simultaneous=simultaneous)
        assert b.lower.tolist() == a.lower.to_numpy()[perm].tolist()
        assert b.upper.tolist() == a.upper.to_numpy()[perm].tolist()
        # with labels, the same sets by label
        c = R.rank_confidence_sets(pd.Series(est[perm], index=perm),
                                   draws=pd.DataFrame(draws[:, perm], columns=perm),
                                   simultaneous=simultaneous)
        assert c.lower.sort_index().tolist() == a.lower.tolist()


@given(problems(), st.integers(-1000, 1000), st.sampled_from([0.25, 4.0]))
def test_shift_and_scale_leave_the_sets_unchanged(problem, shift, scale):
    est, draws = problem
    a = R.rank_confidence_sets(est, draws=draws)
    b = R.rank_confidence_sets(est + shift, draws=draws + shift)
    c = R.rank_confidence_sets(est * scale, draws=draws * scale)
    for other in (b, c):
        assert other.lower.tolist() == a.lower.tolist()
        assert other.upper.tolist() == a.upper.tolist()
    # with a covariance and the same seed, the Gaussian draws do not depend on the estimate
    cov = np.cov(draws, rowvar=False)
    d = R.rank_confidence_sets(est, covariance=cov, rng=7, n_draws=500)
    e = R.rank_confidence_sets(est + shift, covariance=cov, rng=7, n_draws=500)
    assert d.lower.tolist() == e.lower.tolist() and d.upper.tolist() == e.upper.tolist()


@given(problems(), st.sampled_from([0.5, 0.8, 0.95, 0.99]))
def test_set_relations(problem, level):
    est, draws = problem
    n = est.size
    sets = {(sim, sd): R.rank_confidence_sets(est, draws=draws, simultaneous=sim,
                                              stepdown=sd, confidence_level=level)
            for sim in (False, True) for sd in (False, True)}
    max_rank = (est[None, :] >= est[:, None]).sum(axis=1)
    for s in sets.values():
        lo, up = s.lower.to_numpy(), s.upper.to_numpy()
        assert (1 <= lo).all() and (lo <= up).all() and (up <= n).all()
        # the estimate's rank, and every rank its ties could take, lie in the set
        assert (lo <= s.estimate_rank.to_numpy()).all() and (max_rank <= up).all()
        assert np.isfinite(s.critical_value).all()
    for sd in (False, True):       # simultaneous sets contain the marginal ones
        m, s = sets[(False, sd)], sets[(True, sd)]
        assert (s.lower <= m.lower).all() and (m.upper <= s.upper).all()
    for sim in (False, True):      # step-down sets are inside the single-step ones
        one, down = sets[(sim, False)], sets[(sim, True)]
        assert (one.lower <= down.lower).all() and (down.upper <= one.upper).all()


@given(problems())
def test_higher_level_gives_wider_sets(problem):
    est, draws = problem
    narrow = R.rank_confidence_sets(est, draws=draws, confidence_level=0.8, stepdown=False)
    wide = R.rank_confidence_sets(est, draws=draws, confidence_level=0.99, stepdown=False)
    assert (wide.lower <= narrow.lower).all() and (narrow.upper <= wide.upper).all()


# ---------------------------------------------------------------------------- kernels
def test_family_max_against_naive():
    rng = np.random.default_rng(20)
    n, b = 6, 600                                 # b not a multiple of the block
    zt = rng.standard_normal((n, b))
    first = rng.integers(0, n, 40)
    second = (first + rng.integers(1, n, 40)) % n
    weight = rng.uniform(0.5, 2.0, 40)
    ptr = np.array([0, 7, 7, 30, 40])             # an empty family
    out = np.empty((b, 4))
    K.family_max(zt, first, second, weight, ptr, out)
    vals = (zt[first] - zt[second]) * weight[:, None]          # (pairs, draws)
    for f in range(4):
        expected = vals[ptr[f]:ptr[f + 1]].max(axis=0) if ptr[f + 1] > ptr[f] else \
            np.full(b, -np.inf)
        np.testing.assert_array_equal(out[:, f], expected)


def test_difference_variance_against_naive():
    rng = np.random.default_rng(21)
    zt = rng.standard_normal((5, 700)) + 1e6      # a large common offset
    v = K.difference_variance(zt)
    expected = np.var(zt[:, None, :] - zt[None, :, :], axis=2, ddof=1)
    np.testing.assert_allclose(v, expected, rtol=1e-9, atol=1e-12)
    assert (v == v.T).all() and (np.diag(v) == 0).all()


def test_rank_counts_and_superiority_against_naive():
    rng = np.random.default_rng(22)
    x = rng.integers(0, 4, size=(300, 7)).astype(float)         # many ties
    greater, greater_equal = K.rank_counts(x)
    np.testing.assert_array_equal(greater + 1, stats.rankdata(-x, axis=1, method="min"))
    np.testing.assert_array_equal(greater_equal, stats.rankdata(-x, axis=1, method="max"))
    c = K.superiority_counts(x)
    gt = (x[:, :, None] > x[:, None, :]).sum(axis=0)
    eq = (x[:, :, None] == x[:, None, :]).sum(axis=0)
    np.testing.assert_array_equal(c, gt + 0.5 * eq)


# ---------------------------------------------------------------------------- draw summaries
def test_distribution_summaries():
    draws = pd.DataFrame([[3.0, 1.0, 2.0], [1.0, 2.0, 2.0], [0.0, 0.0, 0.0], [5.0, 1.0, 4.0]],
                         columns=["a", "b", "c"])
    ranks = R.rank_distribution(draws)
    assert ranks.columns.tolist() == ["a", "b", "c"]
    assert ranks.to_numpy().tolist() == [[1, 3, 2], [3, 1, 1], [1, 1, 1], [1, 3, 2]]
    assert R.rank_distribution(draws, ties="max").to_numpy()[1].tolist() == [3, 2, 2]
    assert R.rank_distribution(draws, ties="average").to_numpy()[2].tolist() == [2.0] * 3
    p1 = R.probability_first(draws)
    # a: 1 + 0 + 1/3 + 1;  b: 1/2 + 1/3;  c: 1/2 + 1/3
    np.testing.assert_allclose(p1.to_numpy(), np.array([7 / 3, 5 / 6, 5 / 6]) / 4)
    assert p1.sum() == pytest.approx(1.0)
    sup = R.pairwise_superiority(draws)
    np.testing.assert_allclose(sup + sup.T, 1.0)
    assert sup.loc["a", "b"] == pytest.approx((1 + 0 + 0.5 + 1) / 4)
    assert (np.diag(sup) == 0.5).all()


def test_rank_intervals():
    rng = np.random.default_rng(23)
    # item 0 is first in 60% of draws, second otherwise; item 2 always last
    first = rng.random(1000) < 0.6
    draws = np.column_stack([np.where(first, 2.0, 0.0), np.ones(1000), -np.ones(1000)])
    iv = R.rank_intervals(draws, confidence_level=0.9)
    assert iv.to_numpy().tolist() == [[1, 2], [1, 2], [3, 3]]
    iv = R.rank_intervals(draws, confidence_level=0.5)     # 25% / 75% points
    assert iv.loc[0].tolist() == [1, 2] and iv.loc[2].tolist() == [3, 3]
    # at most alpha/2 of the draws below / above
    r = R.rank_distribution(draws).to_numpy()
    iv = R.rank_intervals(draws, confidence_level=0.8)
    assert ((r < iv["lower"].to_numpy()).mean(axis=0) <= 0.1).all()
    assert ((r > iv["upper"].to_numpy()).mean(axis=0) <= 0.1).all()


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,match", [
    (dict(), "exactly one of `draws`"),
    (dict(covariance=np.eye(3), draws=np.zeros((5, 3))), "exactly one of `draws`"),
    (dict(covariance=np.eye(2)), "`covariance` must be 3 x 3"),
    (dict(covariance=np.eye(3), confidence_level=95), "`confidence_level` must be"),
    (dict(covariance=np.eye(3), n_draws=1), "`n_draws` must be an integer"),
    (dict(covariance=np.diag([1.0, -1.0, 1.0])), "positive semi-definite"),
    (dict(covariance=np.triu(np.ones((3, 3)))), "symmetric"),
    (dict(covariance=np.eye(3), rng="seed"), "`rng` must be"),
    (dict(covariance=np.eye(3), simultaneous="yes"), "`simultaneous` must be True or False"),
    (dict(draws=np.zeros((5, 3)), n_draws=100), "`n_draws` is for `covariance=` only"),
    (dict(draws=np.zeros((1, 3))), "at least 2 rows"),
    (dict(draws=np.zeros((5, 4))), "one column per item"),
    (dict(draws=np.full((5, 3), np.nan)), "`draws` must be finite"),
    (dict(covariance=np.eye(3), labels=["a", "a", "b"]), "`labels` must be unique"),
])
def test_bad_input_names_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        R.rank_confidence_sets([0.0, 1.0, 2.0], **kwargs)


def test_bad_input_other_functions():
    with pytest.raises(ValueError, match="`estimate` must hold at least 2 items"):
        R.rank_confidence_sets([1.0], covariance=np.eye(1))
    with pytest.raises(ValueError, match="`low` <= `high`"):
        R.rank_upper_bound([1.0, 2.0], [0.0, 3.0])
    with pytest.raises(ValueError, match="columns 'low' and 'high'"):
        R.rank_upper_bound(pd.DataFrame({"a": [1.0]}))
    with pytest.raises(ValueError, match="`ties` must be one of"):
        R.rank_distribution(np.zeros((2, 2)), ties="dense")
    with pytest.raises(ValueError, match="`draws` must be two-dimensional"):
        R.probability_first(np.zeros(3))
    with pytest.raises(ValueError, match="`covariance` labels"):
        R.rank_confidence_sets(pd.Series([0.0, 1.0], index=["a", "b"]),
                               covariance=pd.DataFrame(np.eye(2), index=["a", "c"],
                                                       columns=["a", "c"]))
