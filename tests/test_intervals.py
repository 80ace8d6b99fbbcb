"""The intervals module (btstats.inference.intervals) and the result base (btstats._results).

Wald against the closed form (R's ``qnorm``), percentile and basic against ``np.percentile``
and ``scipy.stats.bootstrap``, BCa against ``scipy.stats.bootstrap`` given scipy's own
bootstrap distribution and the jackknife computed here, NaN handling, the error messages, the
ConfidenceInterval result and a toy ResultBase subclass; hypothesis properties under the
deterministic profile of conftest.py.
"""
import dataclasses
import inspect
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from btstats._results import ConfidenceInterval, ResultBase
from btstats.inference import intervals as iv
from btstats.inference.intervals import (INTERVALS, basic, bca, compute, jackknife_acceleration,
                                         normal_quantile, percentile, wald)

BAD_LEVELS = [0, 1, 1.5, -0.1, "0.95", True, math.nan, None]
LEVEL_MESSAGE = r"`confidence_level` must be a number in \(0, 1\)"


# ---------------------------------------------------------------------------- helpers
def _scipy_bootstrap(data, statistic, **kwargs):
    """``scipy.stats.bootstrap`` with the seed keyword of the installed scipy (``rng`` from
    1.15, ``random_state`` before)."""
    params = inspect.signature(stats.bootstrap).parameters
    seed = kwargs.pop("seed")
    key = "rng" if "rng" in params else "random_state"
    return stats.bootstrap(data, statistic, **kwargs, **{key: np.random.default_rng(seed)})


needs_distribution = pytest.mark.skipif(
    not hasattr(stats._resampling, "BootstrapResult") or
    "bootstrap_distribution" not in stats._resampling.BootstrapResult.__dataclass_fields__,
    reason="scipy.stats.bootstrap returns its distribution from scipy 1.11")


def _naive_percentile(draws, level):
    """The NaN-safe loop of the agreement module's former ``_percentile_interval`` (np.quantile on
    the finite entries of each column)."""
    alpha = (1 - level) / 2
    low = np.full(draws.shape[1], np.nan)
    high = np.full(draws.shape[1], np.nan)
    for c in range(draws.shape[1]):
        col = draws[:, c][np.isfinite(draws[:, c])]
        if col.size:
            low[c], high[c] = np.quantile(col, [alpha, 1 - alpha])
    return low, high


def _naive_acceleration(values):
    """``sum U^3 / (6 (sum U^2)^(3/2))``, ``U = mean - values``, written out."""
    u = values.mean(axis=0) - values
    return (u ** 3).sum(axis=0) / (6 * ((u ** 2).sum(axis=0)) ** 1.5)


# ---------------------------------------------------------------------------- normal, Wald
@pytest.mark.parametrize("level, z", [
    # R: sprintf("%.17g", qnorm(c(0.95, 0.975, 0.995)))
    (0.90, 1.6448536269514722), (0.95, 1.959963984540054), (0.99, 2.5758293035489004)])
def test_normal_quantile_against_r(level, z):
    assert normal_quantile(level) == pytest.approx(z, rel=1e-15)
    # what the six call sites computed before (statistics.NormalDist)
    assert normal_quantile(level) == pytest.approx(NormalDist().inv_cdf(0.5 + level / 2),
                                                   rel=1e-14)


def test_normal_quantile_keeps_its_accuracy_near_one():
    # mpmath, 40 digits: level = 1 - 1e-12 (as a double), alpha = (1 - level) / 2 (exact),
    #   mp.dps = 40; -sqrt(2) * erfinv(2 * alpha - 1)
    level = 1 - 1e-12
    assert normal_quantile(level) == pytest.approx(7.130509892879272447, rel=1e-14)
    # 0.5 + level / 2 rounds: the old NormalDist form is off in the sixth digit here
    assert abs(NormalDist().inv_cdf(0.5 + level / 2) / 7.130509892879272447 - 1) > 1e-7


def test_wald_closed_form():
    est = np.array([0.5, -1.2, 3.0, 0.0])
    se = np.array([0.1, 0.3, 0.0, np.nan])
    low, high = wald(est, se, 0.9)
    z = 1.6448536269514722
    np.testing.assert_allclose(low[:3], est[:3] - z * se[:3], rtol=1e-15)
    np.testing.assert_allclose(high[:3], est[:3] + z * se[:3], rtol=1e-15)
    assert low[2] == high[2] == 3.0            # a zero standard error: a point
    assert np.isnan(low[3]) and np.isnan(high[3])


def test_wald_broadcasts_and_returns_scalars_for_scalars():
    low, high = wald(np.array([1.0, 2.0]), 0.5)
    np.testing.assert_allclose(high - low, 2 * 1.959963984540054 * 0.5, rtol=1e-15)
    low, high = wald(1.0, 0.5)
    assert isinstance(low, np.floating) and np.ndim(low) == 0
    assert low == pytest.approx(1.0 - 1.959963984540054 * 0.5, rel=1e-15)


def test_wald_refuses_a_negative_standard_error():
    with pytest.raises(ValueError, match=r"`standard_error` must be non-negative.*"
                                         r"positions \[1\]"):
        wald([0.0, 1.0], [0.1, -0.1])


def test_wald_coverage_by_simulation():
    """Means of normal samples with known sigma: the Wald interval covers exactly 95%."""
    rng = np.random.default_rng(20240611)
    reps, n, mu = 4000, 25, 1.5
    x = rng.normal(mu, 2.0, size=(reps, n))
    low, high = wald(x.mean(axis=1), 2.0 / math.sqrt(n), 0.95)
    inside = int(np.sum((low <= mu) & (mu <= high)))
    assert stats.binomtest(inside, reps, 0.95).pvalue > 0.001


# ---------------------------------------------------------------------------- percentile, basic
@pytest.mark.parametrize("level", [0.5, 0.8, 0.95, 0.999])
def test_percentile_and_basic_against_np_percentile(level):
    draws = np.random.default_rng(3).gamma(2.0, size=(301, 5))
    est = np.median(draws, axis=0) * 0.9
    alpha = (1 - level) / 2
    q = np.percentile(draws, [100 * alpha, 100 * (1 - alpha)], axis=0)
    low, high = percentile(draws, level)
    np.testing.assert_array_equal(low, q[0])
    np.testing.assert_array_equal(high, q[1])
    low, high = basic(draws, est, level)
    np.testing.assert_array_equal(low, 2 * est - q[1])
    np.testing.assert_array_equal(high, 2 * est - q[0])


def test_one_statistic_gives_scalars():
    draws = np.random.default_rng(4).normal(size=400)
    low, high = percentile(draws, 0.9)
    assert np.ndim(low) == 0 and low == np.percentile(draws, 5.0)
    assert high == np.percentile(draws, 95.0)
    low, high = basic(draws, 0.1, 0.9)
    assert low == pytest.approx(0.2 - np.percentile(draws, 95.0), rel=1e-15)


@needs_distribution
@pytest.mark.parametrize("kind", ["percentile", "basic"])
def test_percentile_and_basic_equal_scipy_on_its_distribution(kind):
    x = np.random.default_rng(5).lognormal(size=60)
    res = _scipy_bootstrap((x,), np.median, n_resamples=999, method=kind, seed=6)
    for level in (0.95, 0.8):
        ref = _scipy_bootstrap((x,), np.median, n_resamples=0, method=kind, seed=6,
                               confidence_level=level, bootstrap_result=res)
        low, high = compute(kind, estimate=np.median(x), draws=res.bootstrap_distribution,
                            confidence_level=level)
        assert low == pytest.approx(ref.confidence_interval.low, abs=1e-12)
        assert high == pytest.approx(ref.confidence_interval.high, abs=1e-12)


# ---------------------------------------------------------------------------- BCa
@needs_distribution
@pytest.mark.parametrize("level", [0.95, 0.9])
def test_bca_equals_scipy_for_the_mean(level):
    """Given scipy's bootstrap distribution and the jackknife of the mean, BCa is scipy's."""
    x = np.random.default_rng(7).exponential(size=40)
    res = _scipy_bootstrap((x,), np.mean, n_resamples=1999, method="BCa", seed=8,
                           confidence_level=level)
    jack = (x.sum() - x) / (x.size - 1)
    low, high = bca(res.bootstrap_distribution, x.mean(), jackknife_acceleration(jack), level)
    assert low == pytest.approx(res.confidence_interval.low, abs=1e-7)
    assert high == pytest.approx(res.confidence_interval.high, abs=1e-7)
    via = compute("bca", estimate=x.mean(), draws=res.bootstrap_distribution,
                  acceleration=jackknife_acceleration(jack), confidence_level=level)
    assert via == (low, high)


@needs_distribution
def test_bca_equals_scipy_for_a_vector_statistic():
    """Two parameters at once (the mean and the log variance), jackknife by deletion."""
    x = np.random.default_rng(9).gamma(1.5, size=35)

    def statistic(sample):
        return np.array([np.mean(sample), np.log(np.var(sample, ddof=1))])

    res = _scipy_bootstrap((x,), statistic, vectorized=False, n_resamples=999, method="BCa",
                           seed=10)
    jack = np.array([statistic(np.delete(x, i)) for i in range(x.size)])
    draws = res.bootstrap_distribution.T                 # replicates x parameters
    low, high = bca(draws, statistic(x), jackknife_acceleration(jack), 0.95)
    np.testing.assert_allclose(low, res.confidence_interval.low, atol=1e-7)
    np.testing.assert_allclose(high, res.confidence_interval.high, atol=1e-7)


@needs_distribution
def test_bca_with_a_weighted_jackknife_equals_scipy_on_the_rows():
    """One jackknife row per distinct value, weighted by its count (as the bootstrap module
    deletes one (pair, outcome) cell per count), equals scipy's jackknife over the rows."""
    x = np.random.default_rng(11).poisson(1.2, size=80).astype(float)
    res = _scipy_bootstrap((x,), np.mean, n_resamples=999, method="BCa", seed=12)
    values, counts = np.unique(x, return_counts=True)
    jack = (x.sum() - values) / (x.size - 1)
    a_cells = jackknife_acceleration(jack, counts)
    a_rows = jackknife_acceleration((x.sum() - x) / (x.size - 1))
    assert a_cells == pytest.approx(a_rows, rel=1e-12)
    low, high = bca(res.bootstrap_distribution, x.mean(), a_cells, 0.95)
    assert low == pytest.approx(res.confidence_interval.low, abs=1e-7)
    assert high == pytest.approx(res.confidence_interval.high, abs=1e-7)


def test_bca_counts_draws_at_the_estimate_one_half():
    # symmetric draws with ties at the estimate: z0 = 0, and with a = 0 BCa is percentile
    draws = np.array([[-2.0], [-1.0], [0.0], [0.0], [0.0], [1.0], [2.0]])
    np.testing.assert_allclose(bca(draws, np.array([0.0]), 0.0, 0.8),
                               percentile(draws, 0.8), rtol=1e-12)
    # one more draw above: share below 3.5 / 8 (ties half), z0 = Phi^-1(0.4375)
    draws = np.vstack([draws, [[3.0]]])
    z0 = stats.norm.ppf(3.5 / 8)
    za = stats.norm.ppf(0.1)
    q = stats.norm.cdf([2 * z0 + za, 2 * z0 - za])
    low, high = bca(draws, np.array([0.0]), 0.0, 0.8)
    np.testing.assert_allclose([low[0], high[0]], np.percentile(draws[:, 0], 100 * q),
                               rtol=1e-12)


def test_bca_undefined_names_the_parameters():
    rng = np.random.default_rng(13)
    draws = rng.normal(size=(100, 3))
    draws[:, 1] = np.abs(draws[:, 1]) + 1.0          # every replicate above the estimate 0
    with pytest.raises(ValueError, match=r"positions \[1\].*one side of the estimate"):
        bca(draws, np.zeros(3), 0.0)
    with pytest.raises(ValueError, match=r"BCa is undefined for \['b'\]"):
        bca(draws, np.zeros(3), 0.0, names=["a", "b", "c"])


def test_bca_acceleration_must_be_finite_and_fit_the_estimate():
    draws = np.random.default_rng(14).normal(size=(50, 2))
    with pytest.raises(ValueError, match="`acceleration` must be finite.*positions \\[1\\]"):
        bca(draws, np.zeros(2), [0.1, np.nan])
    with pytest.raises(ValueError, match="`acceleration` must be one value per parameter"):
        bca(draws, np.zeros(2), [0.1, 0.2, 0.3])


def test_jackknife_acceleration_closed_form():
    values = np.random.default_rng(15).gamma(0.7, size=(30, 3))
    np.testing.assert_allclose(jackknife_acceleration(values), _naive_acceleration(values),
                               rtol=1e-12)
    assert np.ndim(jackknife_acceleration(values[:, 0])) == 0
    # constant jackknife values: no skew to correct for
    np.testing.assert_array_equal(jackknife_acceleration(np.ones((5, 2))), [0.0, 0.0])


def test_jackknife_acceleration_weights_repeat_rows():
    values = np.random.default_rng(16).normal(size=(6, 2))
    counts = np.array([1, 3, 2, 1, 4, 1])
    np.testing.assert_allclose(jackknife_acceleration(values, counts),
                               jackknife_acceleration(np.repeat(values, counts, axis=0)),
                               rtol=1e-12)


@pytest.mark.parametrize("values, weights, message", [
    (np.zeros((0, 2)), None, "at least one deletion"),
    (np.ones((3, 2)), [0.0, 0.0, 0.0], "at least one deletion"),
    (np.ones((3, 2)), [1.0, 2.0], "one entry per deletion"),
    (np.ones((3, 2)), [1.0, -1.0, 1.0], "finite and non-negative"),
    (np.ones((3, 2, 2)), None, "must have shape"),
])
def test_jackknife_acceleration_errors(values, weights, message):
    with pytest.raises(ValueError, match=message):
        jackknife_acceleration(values, weights)


# ---------------------------------------------------------------------------- NaN handling
def test_percentile_leaves_non_finite_draws_out():
    draws = np.random.default_rng(17).normal(size=(200, 4))
    dirty = draws.copy()
    dirty[::7, 0] = np.nan
    dirty[::11, 2] = np.inf
    dirty[::13, 2] = -np.inf
    dirty[:, 3] = np.nan                                  # no finite draw at all
    low, high = percentile(dirty, 0.9)
    for c in (0, 2):
        col = dirty[np.isfinite(dirty[:, c]), c]
        assert low[c] == np.percentile(col, 5.0) and high[c] == np.percentile(col, 95.0)
    assert low[1] == np.percentile(draws[:, 1], 5.0)
    assert np.isnan(low[3]) and np.isnan(high[3])
    np.testing.assert_allclose(np.array([low, high]), np.array(_naive_percentile(dirty, 0.9)),
                               rtol=1e-12)


def test_no_draws_give_nan():
    for low, high in (percentile(None, n_parameters=3), percentile(np.empty((0, 3))),
                      basic(None, np.zeros(3)), bca(np.empty((0, 3)), np.zeros(3), 0.0),
                      compute("percentile", estimate=np.zeros(3)),
                      compute("basic", estimate=np.zeros(3), draws=np.empty((0, 3))),
                      compute("bca", estimate=np.zeros(3)),
                      compute("bca", estimate=np.zeros(3), draws=np.empty((0, 3)))):
        assert low.shape == high.shape == (3,)
        assert np.isnan(low).all() and np.isnan(high).all()
    low, high = percentile(None)
    assert np.ndim(low) == 0 and np.isnan(low) and np.isnan(high)


def test_bca_leaves_non_finite_draws_and_estimates_out():
    rng = np.random.default_rng(18)
    draws = rng.gamma(2.0, size=(300, 3))
    est = np.array([2.0, 2.0, np.nan])
    acc = np.array([0.05, -0.02, 0.0])
    dirty = np.vstack([draws, np.full((20, 3), np.nan), np.full((5, 3), np.inf)])
    np.testing.assert_array_equal(bca(dirty, est, acc), bca(draws, est, acc))
    low, high = bca(draws, est, acc)
    assert np.isnan(low[2]) and np.isnan(high[2]) and np.isfinite(low[:2]).all()
    all_nan = draws.copy()
    all_nan[:, 1] = np.nan
    low, high = bca(all_nan, est, acc)
    assert np.isnan(low[1]) and np.isnan(high[1]) and np.isfinite(low[0])


# ---------------------------------------------------------------------------- errors
def test_unknown_interval_lists_the_allowed_values():
    assert INTERVALS == ("wald", "percentile", "basic", "bca")
    with pytest.raises(ValueError, match=r"`interval` must be one of \['wald', 'percentile', "
                                         r"'basic', 'bca'\]; got 'BCa'"):
        compute("BCa", estimate=0.0, draws=np.zeros(10), acceleration=0.0)
    with pytest.raises(ValueError, match="`interval` must be one of"):
        compute(["wald"], estimate=0.0, standard_error=1.0)


def test_missing_inputs_are_named():
    with pytest.raises(ValueError, match="interval='wald' needs `standard_error`"):
        compute("wald", estimate=0.0)
    with pytest.raises(ValueError, match="interval='bca' needs `acceleration`"):
        compute("bca", estimate=0.0, draws=np.zeros(10))
    with pytest.raises(ValueError, match="needs `estimate`"):
        compute("percentile", estimate=None, draws=np.zeros(10))


@pytest.mark.parametrize("level", BAD_LEVELS)
def test_bad_confidence_levels(level):
    draws = np.random.default_rng(19).normal(size=(20, 2))
    calls = [lambda: normal_quantile(level), lambda: wald(0.0, 1.0, level),
             lambda: percentile(draws, level), lambda: percentile(None, level),
             lambda: basic(draws, np.zeros(2), level), lambda: basic(None, np.zeros(2), level),
             lambda: bca(draws, np.zeros(2), 0.0, level),
             lambda: compute("percentile", estimate=np.zeros(2), confidence_level=level)]
    for call in calls:
        with pytest.raises(ValueError, match=LEVEL_MESSAGE):
            call()


def test_draws_must_fit_the_estimate():
    draws = np.zeros((10, 3))
    with pytest.raises(ValueError, match=r"one column per parameter.*\(10, 3\)"):
        basic(draws, np.zeros(2))
    with pytest.raises(ValueError, match="one column per parameter"):
        percentile(draws, n_parameters=2)
    with pytest.raises(ValueError, match="got a scalar"):
        percentile(1.0)
    with pytest.raises(ValueError, match="`draws` must hold real numbers"):
        percentile([["a", "b"]])


# ---------------------------------------------------------------------------- properties
finite = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)
levels = st.floats(0.01, 0.99)


@given(draws=hnp.arrays(float, st.integers(1, 60), elements=finite), level=levels)
def test_percentile_interval_contains_the_median(draws, level):
    low, high = percentile(draws, level)
    median = np.median(draws)
    assert low <= median <= high


@given(est=hnp.arrays(float, st.integers(1, 8), elements=finite),
       se=st.floats(0, 1e4), level=levels)
def test_wald_is_symmetric(est, se, level):
    low, high = wald(est, se, level)
    neg_low, neg_high = wald(-est, se, level)
    np.testing.assert_array_equal(neg_low, -high)          # reflection is exact
    np.testing.assert_array_equal(neg_high, -low)
    np.testing.assert_allclose(high - est, est - low, rtol=1e-9, atol=1e-9 * np.abs(est).max())
    assert np.all(low <= est) and np.all(est <= high)


@given(data=st.data(), level=levels)
def test_basic_is_the_reflection_of_percentile(data, level):
    n, p = data.draw(st.integers(1, 40)), data.draw(st.integers(1, 4))
    draws = data.draw(hnp.arrays(float, (n, p), elements=st.floats(-1e3, 1e3)))
    est = data.draw(hnp.arrays(float, p, elements=st.floats(-1e3, 1e3)))
    p_low, p_high = percentile(draws, level)
    b_low, b_high = basic(draws, est, level)
    np.testing.assert_array_equal(b_low, 2 * est - p_high)
    np.testing.assert_array_equal(b_high, 2 * est - p_low)
    # ... which is the percentile interval of the draws reflected about the estimate
    r_low, r_high = percentile(2 * est - draws, level)
    np.testing.assert_allclose(b_low, r_low, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(b_high, r_high, rtol=1e-9, atol=1e-9)


@given(data=st.data(), level=levels)
def test_non_finite_draws_change_nothing(data, level):
    n, p = data.draw(st.integers(1, 30)), data.draw(st.integers(1, 3))
    draws = data.draw(hnp.arrays(float, (n, p), elements=finite))
    junk = data.draw(hnp.arrays(bool, (n, p)))
    dirty = np.where(junk, data.draw(st.sampled_from([np.nan, np.inf, -np.inf])), draws)
    low, high = percentile(dirty, level)
    ref_low, ref_high = _naive_percentile(dirty, level)
    np.testing.assert_allclose(low, ref_low, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(high, ref_high, rtol=1e-12, atol=1e-9)
    assert np.array_equal(np.isnan(low), junk.all(axis=0))


# ---------------------------------------------------------------------------- ConfidenceInterval
def _series_ci():
    index = pd.Index(["a", "b", "c"], name="item")
    return ConfidenceInterval(pd.Series([0.1, -0.4, 1.0], index=index, name="low"),
                              pd.Series([0.9, 0.2, 1.5], index=index, name="high"),
                              confidence_level=0.9, interval="percentile")


def test_confidence_interval_unpacks_and_indexes():
    ci = _series_ci()
    low, high = ci
    assert low is ci.low and high is ci.high
    assert ci["low"] is ci.low and ci["high"] is ci.high
    assert ci[0] is ci.low and ci[1] is ci.high and ci[-1] is ci.high
    assert len(ci) == 2 and list(ci) == [ci.low, ci.high]
    assert "low" in ci and "high" in ci and "mid" not in ci and 0.1 not in ci
    # what code written for the old DataFrame return does
    assert ci["low"]["b"] == -0.4
    np.testing.assert_array_equal(ci["high"].to_numpy(), [0.9, 0.2, 1.5])
    for key in ("mid", True, 1.0):
        with pytest.raises(KeyError):
            ci[key]
    with pytest.raises(IndexError):
        ci[2]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ci.low = None


def test_confidence_interval_to_frame():
    ci = _series_ci()
    frame = ci.to_frame()
    assert list(frame.columns) == ["low", "high"]
    assert frame.index.equals(ci.low.index) and frame.index.name == "item"
    np.testing.assert_array_equal(frame["low"].to_numpy(), ci.low.to_numpy())
    scalar = ConfidenceInterval(np.float64(0.2), 0.6, 0.95, "wald")
    assert type(scalar.low) is float
    one = scalar.to_frame()
    assert one.shape == (1, 2) and one.loc[0, "high"] == 0.6
    assert list(scalar.to_frame(name="kappa").index) == ["kappa"]
    low, high = scalar
    assert (low, high) == (0.2, 0.6)


def test_confidence_interval_repr_and_html():
    ci = _series_ci()
    text = repr(ci)
    assert text.startswith("ConfidenceInterval(confidence_level=0.9, interval='percentile')\n")
    assert repr(ci.to_frame()) in text
    page = ci._repr_html_()
    assert "90% percentile confidence interval" in page and ci.to_frame().to_html() in page
    scalar = ConfidenceInterval(0.25, 0.5, 0.95, "wald")
    assert repr(scalar) == ("ConfidenceInterval(low=0.25, high=0.5, confidence_level=0.95, "
                            "interval='wald')")
    assert "<table" in scalar._repr_html_()
    odd = ConfidenceInterval(pd.Series([0.0], index=["<b>"]), pd.Series([1.0], index=["<b>"]),
                             0.95, "<wald>")
    assert "&lt;wald&gt;" in odd._repr_html_()


def test_confidence_interval_checks_its_fields():
    s = pd.Series([0.0, 1.0], index=["a", "b"])
    with pytest.raises(ValueError, match="same parameters"):
        ConfidenceInterval(s, s.rename({"b": "c"}), 0.95, "wald")
    with pytest.raises(TypeError, match="must both be Series"):
        ConfidenceInterval(s, 1.0, 0.95, "wald")
    with pytest.raises(TypeError, match="pandas Series"):
        ConfidenceInterval(np.zeros(2), np.ones(2), 0.95, "wald")
    with pytest.raises(ValueError, match=LEVEL_MESSAGE):
        ConfidenceInterval(0.0, 1.0, 95, "wald")
    with pytest.raises(TypeError, match="`interval`"):
        ConfidenceInterval(0.0, 1.0, 0.95, None)


# ---------------------------------------------------------------------------- ResultBase
@dataclasses.dataclass(frozen=True, eq=False)
class _Means(ResultBase):
    """A toy result: means with standard errors and bootstrap draws."""

    estimate: pd.Series
    se: pd.Series
    draws: np.ndarray
    n: int

    _summary_title = "Toy means"

    def _header(self):
        return [("observations", f"{self.n}"), ("a rather long header key", "x < y")]

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        acc = 0.0 if interval == "bca" else None
        return self._interval(interval, self.estimate.index, estimate=self.estimate,
                              standard_error=self.se, draws=self.draws, acceleration=acc,
                              confidence_level=confidence_level)

    def to_frame(self, confidence_level=0.95):
        ci = self.confidence_interval(confidence_level)
        return pd.DataFrame({"estimate": self.estimate, "se": self.se}).join(ci.to_frame())


def _toy():
    index = pd.Index(["x", "y"], name="item")
    draws = np.random.default_rng(20).normal([1.0, 2.0], [0.1, 0.2], size=(500, 2))
    return _Means(pd.Series([1.0, 2.0], index=index), pd.Series([0.1, 0.2], index=index),
                  draws, 30)


def test_result_base_summary():
    res = _toy()
    z = 1.959963984540054
    expected = (
        "Toy means\n"
        "=========\n"
        "observations              30\n"
        "a rather long header key  x < y\n"
        "\n"
        "      estimate     se    low   high\n"
        "item                               \n"
        f"x       1.0000 0.1000 {1 - 0.1 * z:.4f} {1 + 0.1 * z:.4f}\n"
        f"y       2.0000 0.2000 {2 - 0.2 * z:.4f} {2 + 0.2 * z:.4f}")
    assert res.summary() == expected
    # options reach to_frame
    assert f"{1 - 0.1 * 1.6448536269514722:.4f}" in res.summary(confidence_level=0.9)


def test_result_base_html():
    res = _toy()
    page = res._repr_html_()
    # one renderer for every result (btstats._results): a scoped block, the title, the key
    # numbers, then the table with an interval bar per row
    assert page.startswith('<div class="btstats-result">')
    assert "Toy means" in page
    assert '<span class="bt-k">observations</span><span class="bt-v">30</span>' in page
    assert "x &lt; y" in page and "x < y" not in page        # escaped
    for label in res.to_frame().index:
        assert str(label) in page


def test_result_base_defaults():
    class Bare(ResultBase):
        def to_frame(self):
            return pd.DataFrame({"value": [1.5]})

    text = Bare().summary()
    assert text == "Bare\n====\n\n   value\n0 1.5000"
    page = Bare()._repr_html_()
    assert page.startswith('<div class="btstats-result">') and "Bare" in page
    assert 'class="bt-head"' not in page                     # no block of key numbers
    # a result without intervals has no confidence_interval at all
    assert not hasattr(Bare(), "confidence_interval")
    with pytest.raises(NotImplementedError, match="to_frame"):
        ResultBase().summary()


def test_result_base_title_may_be_computed():
    class Named(ResultBase):
        def __init__(self, name):
            self.name = name

        @property
        def _summary_title(self):
            return f"Fit of {self.name}"

        def to_frame(self):
            return pd.DataFrame({"v": [1.0]})

    assert Named("<m>").summary().startswith("Fit of <m>\n==========\n")
    assert "<b>Fit of &lt;m&gt;</b>" in Named("<m>")._repr_html_()


@pytest.mark.parametrize("kind", INTERVALS)
def test_result_base_interval_wraps_every_kind(kind):
    res = _toy()
    ci = res.confidence_interval(0.9, interval=kind)
    assert isinstance(ci, ConfidenceInterval)
    assert ci.interval == kind and ci.confidence_level == 0.9
    assert ci.low.index.equals(res.estimate.index)
    assert ci.low.name == "low" and ci.high.name == "high"
    low, high = compute(kind, estimate=res.estimate.to_numpy(),
                        standard_error=res.se.to_numpy(), draws=res.draws, acceleration=0.0,
                        confidence_level=0.9)
    np.testing.assert_array_equal(ci.low.to_numpy(), low)
    np.testing.assert_array_equal(ci.high.to_numpy(), high)


def test_result_base_interval_scalars_and_labels():
    res = _toy()
    ci = res._interval("wald", None, estimate=0.5, standard_error=0.1)
    assert ci.is_scalar and type(ci.low) is float
    assert ci.low == pytest.approx(0.5 - 0.1 * 1.959963984540054)
    frame = pd.DataFrame(res.draws, columns=res.estimate.index)
    ci = res._interval("percentile", res.estimate.index, estimate=res.estimate, draws=frame)
    np.testing.assert_array_equal(ci.low.to_numpy(), percentile(res.draws)[0])
    draws = res.draws.copy()
    draws[:, 1] = 5.0                                        # all above the estimate 2
    with pytest.raises(ValueError, match=r"BCa is undefined for \['y'\]"):
        res._interval("bca", res.estimate.index, estimate=res.estimate, draws=draws,
                      acceleration=0.0)
    with pytest.raises(ValueError, match="pass their labels as `index`"):
        res._interval("wald", None, estimate=[0.5, 1.0], standard_error=0.1)
    with pytest.raises(ValueError, match="`index` has 3 labels"):
        res._interval("wald", ["a", "b", "c"], estimate=[0.5, 1.0], standard_error=0.1)
    with pytest.raises(ValueError, match="`estimate` must be indexed"):
        res._interval("wald", ["y", "x"], estimate=res.estimate, standard_error=[0.1, 0.1])
    with pytest.raises(ValueError, match="columns of `draws`"):
        res._interval("percentile", ["y", "x"], estimate=[0.0, 0.0], draws=frame)
    with pytest.raises(ValueError, match=LEVEL_MESSAGE):
        res._interval("wald", None, estimate=0.5, standard_error=0.1, confidence_level=2)


def test_module_exports():
    assert set(iv.__all__) == {"INTERVALS", "normal_quantile", "wald", "percentile", "basic",
                               "bca", "jackknife_acceleration", "compute"}
