"""Coverage study (seeded) for comparison-level covariates (issue 12, must show 3): do 95%
Wald intervals of simulated covariate effects cover the true coefficients 93-97% of the time?

Design (stated in docs/inference.md, "Coverage with covariates"): 8 items with true centred
scores ``linspace(-1.05, 1.05, 8)``, 2,000 comparisons per data set, each a random pair
(``item_a`` uniform, ``item_b`` uniform among the others), and two antisymmetric covariates
with true effects ``beta = (0.5, -0.3)``:

- ``x1 = 3 (len_a - len_b) / (len_a + len_b)``, LMArena's normalised length difference, with
  ``log len = 6 + 0.3 s_item + N(0, 0.5^2)``: better items write longer answers, so ``x1`` is
  correlated with the score difference (the confounding style control is there to remove);
- ``x2 ~ N(0, 1)``, independent of everything.

Bradley-Terry (seed 1201) and Davidson with ``nu = 0.6`` (seed 1202, about 23% ties between
equal items), 1,000 data sets each: 2,000 intervals (both coefficients) per covariance.
Coverage is counted for the Wald intervals of ``fit.coefficients`` from the observed
information and from the HC0 sandwich; the test fails if a rate leaves 93-97% or a binomial
test rejects 95% at the 0.1% level (as ``tests/test_coverage.py`` does).

Clustered data (seed 1203, 1,000 data sets): 300 prompts, each a random pair compared 8 times
(2,400 comparisons).  The covariates are mostly the prompt's (``x = x_prompt + 0.3 e``, all
``N(0, 1)``), and with probability 0.5 a prompt's 8 labels come from one shared uniform draw
(``y_r = [u_prompt < p_r]``), else from 8 independent ones.  Every label is marginally
Bradley-Terry with the covariates, so the estimand is unchanged, but the per-comparison
gradients of one prompt are positively correlated: the observed and HC0 intervals are too
narrow (the test wants them below 85%), the cluster sandwich by prompt holds 93-97%.

The quicker test checks the intervals by construction: over 400 further data sets (1,000
independent comparisons each, or the 300 prompts of the cluster study; seeds 1211-1213) the
mean of the reported variance of each coefficient divided by the Monte-Carlo variance of its
estimates must lie in the 99.9% chi-square acceptance region of a ratio equal to 1
(0.80-1.28).

Runtime on 2 cores: about 30 s for the file (the three coverage studies 21 s, the
variance check 7 s), so nothing here is marked slow.
"""
import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import btstats

N_ITEMS = 8
SCORES = np.linspace(-1.05, 1.05, N_ITEMS)        # centred: they sum to zero
BETA = np.array([0.5, -0.3])
NAMES = ["x1", "x2"]
NU = 0.6                                          # Davidson's tie parameter
N_DATASETS = 1000
N_COMPARISONS = 2000
SEEDS = {"bradley-terry": 1201, "davidson": 1202, "cluster": 1203}


# ------------------------------------------------------------------------ simulators
def _design(rng, n):
    """Random pairs and the two antisymmetric covariates of side a against side b."""
    a = rng.integers(0, N_ITEMS, n)
    b = (a + rng.integers(1, N_ITEMS, n)) % N_ITEMS
    log_len = 6.0 + 0.3 * SCORES
    len_a = np.exp(log_len[a] + 0.5 * rng.normal(size=n))
    len_b = np.exp(log_len[b] + 0.5 * rng.normal(size=n))
    x1 = 3.0 * (len_a - len_b) / (len_a + len_b)
    x2 = rng.normal(size=n)
    return a, b, np.column_stack([x1, x2])


def _probabilities(model, z, nu=NU):
    """``(P(a wins), P(tie))`` at the linear predictor ``z = s_a - s_b + x' beta``."""
    if model == "davidson":
        up, down = np.exp(z / 2), np.exp(-z / 2)
        total = up + down + nu
        return up / total, nu / total
    return 1.0 / (1.0 + np.exp(-z)), np.zeros_like(z)


def _frame(a, b, x, outcome, **extra):
    return pd.DataFrame({"item_a": a, "item_b": b, "x1": x[:, 0], "x2": x[:, 1],
                         "outcome": outcome, **extra})


def _simulate(rng, model, n=N_COMPARISONS):
    a, b, x = _design(rng, n)
    p_a, p_tie = _probabilities(model, SCORES[a] - SCORES[b] + x @ BETA)
    u = rng.random(n)
    outcome = np.where(u < p_a, 1.0, np.where(u < p_a + p_tie, 0.5, 0.0))
    return _frame(a, b, x, outcome)


def _clustered(rng, n_clusters=300, size=8, rho=0.5):
    n = n_clusters * size
    a = np.repeat(rng.integers(0, N_ITEMS, n_clusters), size)
    b = (a + np.repeat(rng.integers(1, N_ITEMS, n_clusters), size)) % N_ITEMS
    x = np.repeat(rng.normal(size=(n_clusters, 2)), size, axis=0) + 0.3 * rng.normal(size=(n, 2))
    p_a = 1.0 / (1.0 + np.exp(-(SCORES[a] - SCORES[b] + x @ BETA)))
    shared = np.repeat(rng.random(n_clusters) < rho, size)
    u = np.where(shared, np.repeat(rng.random(n_clusters), size), rng.random(n))
    return _frame(a, b, x, (u < p_a).astype(float),
                  prompt=np.repeat(np.arange(n_clusters), size))


def test_the_simulator_is_the_model_btstats_fits():
    """The probabilities drawn from are btstats' own at the same parameters."""
    rng = np.random.default_rng(1200)
    for model in ("bradley-terry", "davidson"):
        df = _simulate(rng, model, 1000)
        fit = btstats.fit(df, model, covariates=NAMES)
        a, b = df["item_a"].to_numpy(), df["item_b"].to_numpy()
        x = df[NAMES].to_numpy()
        beta = fit.params[NAMES].to_numpy()
        z = fit.scores[a].to_numpy() - fit.scores[b].to_numpy() + x @ beta
        nu = fit.params["nu"] if model == "davidson" else None
        p_a, p_tie = _probabilities(model, z, nu)
        probs = fit.category_probabilities(a, b, covariates=x)    # columns: b wins .. a wins
        np.testing.assert_allclose(probs[:, -1], p_a, atol=1e-12)
        if model == "davidson":
            np.testing.assert_allclose(probs[:, 1], p_tie, atol=1e-12)


# ------------------------------------------------------------------------ the studies
def _record(out, name, fit):
    coef = fit.coefficients.loc[NAMES]
    out.setdefault(name, []).append(
        ((coef["ci_low"] <= BETA) & (BETA <= coef["ci_high"])).to_numpy())


@functools.lru_cache(maxsize=None)
def coverage_study(model):
    rng = np.random.default_rng(SEEDS[model])
    hits = {}
    for _ in range(N_DATASETS):
        fit = btstats.fit(_simulate(rng, model), model, covariates=NAMES)
        assert fit.converged
        _record(hits, "observed", fit)
        _record(hits, "sandwich", fit.with_covariance("sandwich"))
    return {k: np.array(v) for k, v in hits.items()}      # (N_DATASETS, 2) each


@functools.lru_cache(maxsize=None)
def cluster_study():
    rng = np.random.default_rng(SEEDS["cluster"])
    hits = {}
    for _ in range(N_DATASETS):
        fit = btstats.fit(_clustered(rng), covariates=NAMES, cluster="prompt")
        assert fit.converged
        _record(hits, "observed", fit)
        _record(hits, "sandwich", fit.with_covariance("sandwich"))
        _record(hits, "cluster", fit.with_covariance("cluster"))
    return {k: np.array(v) for k, v in hits.items()}


def _check_nominal(hits, label):
    rate = hits.mean()
    p = stats.binomtest(int(hits.sum()), hits.size, 0.95).pvalue
    assert 0.93 <= rate <= 0.97, f"{label}: coverage {rate:.3f} of {hits.size}"
    assert p > 0.001, f"{label}: coverage {rate:.3f} of {hits.size}, binomial p = {p:.2g}"


@pytest.mark.parametrize("model", ["bradley-terry", "davidson"])
@pytest.mark.parametrize("covariance", ["observed", "sandwich"])
def test_covariate_coverage_near_nominal(model, covariance):
    _check_nominal(coverage_study(model)[covariance], f"{model} {covariance}")


def test_cluster_intervals_cover_where_plain_ones_do_not():
    hits = cluster_study()
    _check_nominal(hits["cluster"], "cluster sandwich")
    for name in ("observed", "sandwich"):
        assert hits[name].mean() < 0.85, f"{name} on clustered data: {hits[name].mean():.3f}"


# ------------------------------------------------------------------------ by construction
N_QUICK = 400


@functools.lru_cache(maxsize=None)
def variance_study(scenario):
    """Estimates and reported variances of the coefficients over ``N_QUICK`` data sets:
    1,000 independent comparisons ("bradley-terry", "davidson"), or the 300 prompts of 8 of
    the cluster study ("clustered")."""
    rng = np.random.default_rng({"bradley-terry": 1211, "davidson": 1212,
                                 "clustered": 1213}[scenario])
    kinds = ("observed", "sandwich") + (("cluster",) if scenario == "clustered" else ())
    est, var = [], {k: [] for k in kinds}
    for _ in range(N_QUICK):
        if scenario == "clustered":
            fit = btstats.fit(_clustered(rng), covariates=NAMES, cluster="prompt")
        else:
            fit = btstats.fit(_simulate(rng, scenario, 1000), scenario, covariates=NAMES)
        est.append(fit.params[NAMES].to_numpy())
        for k in kinds:
            cov = (fit if k == "observed" else fit.with_covariance(k)).parameter_covariance
            var[k].append(np.diag(cov.loc[NAMES, NAMES].to_numpy()))
    mc = np.var(np.array(est), axis=0, ddof=1)
    return {k: np.mean(v, axis=0) / mc for k, v in var.items()}


def _acceptance(n=N_QUICK, level=0.999):
    """Where ``mean variance / Monte-Carlo variance`` lies with probability ``level`` when
    the reported variance is right: ``(n - 1) s^2 / sigma^2`` is chi-square with ``n - 1``
    degrees of freedom (normal estimates; the mean of the reported variances over ``n``
    data sets varies far less than ``s^2``)."""
    q = stats.chi2.ppf([(1 + level) / 2, (1 - level) / 2], n - 1)
    return (n - 1) / q[0], (n - 1) / q[1]


@pytest.mark.parametrize("scenario,covariance", [
    ("bradley-terry", "observed"), ("bradley-terry", "sandwich"),
    ("davidson", "observed"), ("davidson", "sandwich"), ("clustered", "cluster")])
def test_reported_variance_equals_monte_carlo_variance(scenario, covariance):
    ratio = variance_study(scenario)[covariance]
    low, high = _acceptance()
    assert np.all((low <= ratio) & (ratio <= high)), \
        f"{scenario} {covariance}: ratios {np.round(ratio, 3)} outside [{low:.3f}, {high:.3f}]"


def test_plain_variance_is_too_small_on_clustered_data():
    """The check has power: ignoring the prompts understates the variance severalfold."""
    ratios = variance_study("clustered")
    for name in ("observed", "sandwich"):
        assert np.all(ratios[name] < 0.6), f"{name}: {np.round(ratios[name], 3)}"
