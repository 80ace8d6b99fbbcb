"""Coverage study (seeded): do 95% intervals cover the true centred scores 93-97% of the time?

Design (the sample size stated in docs/inference.md): 6 items with true scores
``(-1.2, -0.6, -0.2, 0.2, 0.6, 1.2)``, a round robin with 60 comparisons per pair (900
comparisons), 400 simulated data sets, 400 bootstrap replicates each.  Coverage is counted
over all items of all data sets (2,400 intervals per method); the binomial test asks whether
the rate could be 95%.  Rao-Kupper uses ``theta = 1.5``.  (With 30 per pair, Rao-Kupper's
percentile intervals covered 93.0%: the bootstrap's small-sample skew; basic and BCa held.)

Clustered data: 8 items; each data set has 300 clusters, a random pair compared 8 times per
cluster; with probability 0.5 the cluster's 8 labels are one shared draw (copied), else 8
independent draws.  Every label is marginally Bradley-Terry, so the estimand is unchanged, but
labels within a cluster are correlated: plain intervals are too narrow, cluster-robust ones
are not.
"""
import functools

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import btstats

TRUTH = np.array([-1.2, -0.6, -0.2, 0.2, 0.6, 1.2])
N_DATASETS = 400
PER_PAIR = 60
N_RESAMPLES = 400


def _covered(ci, truth):
    assert isinstance(ci, btstats.ConfidenceInterval)
    low = ci.low.to_numpy()[:truth.shape[0]]
    high = ci.high.to_numpy()[:truth.shape[0]]
    return (low <= truth) & (truth <= high)


@functools.lru_cache(maxsize=None)
def coverage_study(model):
    rng = np.random.default_rng(2024 if model == "bradley-terry" else 2025)
    theta = 1.5 if model == "rao-kupper" else None
    truth = TRUTH - TRUTH.mean()
    hits = {}

    def add(name, ci):
        hits.setdefault(name, []).append(_covered(ci, truth))

    for _ in range(N_DATASETS):
        sim = btstats.simulate(TRUTH, btstats.round_robin(6, PER_PAIR), model=model, theta=theta,
                               rng=rng)
        fit = btstats.fit(sim.data, model)
        add("wald observed", fit.confidence_interval())
        add("wald sandwich", fit.with_covariance("sandwich").confidence_interval())
        for kind in ("nonparametric", "parametric"):
            boot = fit.bootstrap(n_resamples=N_RESAMPLES, kind=kind, rng=rng, progress=False)
            for interval in ("percentile", "basic", "bca"):
                add(f"{kind} {interval}", boot.confidence_interval(interval=interval))
    return {k: np.concatenate(v) for k, v in hits.items()}


METHODS = ["wald observed", "wald sandwich"] + [f"{k} {m}" for k in ("nonparametric", "parametric")
                                               for m in ("percentile", "basic", "bca")]


@pytest.mark.parametrize("model", ["bradley-terry", "rao-kupper"])
@pytest.mark.parametrize("method", METHODS)
def test_coverage_near_nominal(model, method):
    hits = coverage_study(model)[method]
    rate = hits.mean()
    p = stats.binomtest(int(hits.sum()), hits.shape[0], 0.95).pvalue
    assert 0.93 <= rate <= 0.97, f"{model} {method}: coverage {rate:.3f}"
    assert p > 0.001, f"{model} {method}: coverage {rate:.3f}, binomial p = {p:.2g}"


# ----------------------------------------------------------------------- rank sets
RANK_TRUTH = np.array([-0.5, -0.3, -0.25, 0.0, 0.05, 0.1, 0.4, 0.5])


@functools.lru_cache(maxsize=None)
def rank_study(model):
    """Close scores (the ranking is uncertain): 8 items, round robin with 120 per pair (3,360
    comparisons), 300 data sets; simultaneous 95% rank sets from the bootstrap (300
    replicates) and from the observed covariance."""
    rng = np.random.default_rng(31 if model == "bradley-terry" else 32)
    theta = 1.5 if model == "rao-kupper" else None
    true_ranks = pd.Series(RANK_TRUTH).rank(ascending=False).to_numpy()
    out = {"bootstrap": [], "covariance": [], "size": []}
    for rep in range(300):
        sim = btstats.simulate(RANK_TRUTH, btstats.round_robin(8, 120), model=model,
                               theta=theta, rng=rng)
        fit = btstats.fit(sim.data, model)
        boot = fit.bootstrap(n_resamples=300, rng=rng, progress=False)
        sets = boot.rank_sets(simultaneous=True)
        out["bootstrap"].append(bool(sets.covers(true_ranks).all()))
        out["size"].append(float(sets.size.mean()))
        cov_sets = fit.rank_sets(simultaneous=True, n_draws=2000, rng=rep)
        out["covariance"].append(bool(cov_sets.covers(true_ranks).all()))
    return {k: np.array(v) for k, v in out.items()}


@pytest.mark.parametrize("model", ["bradley-terry", "rao-kupper"])
@pytest.mark.parametrize("source", ["bootstrap", "covariance"])
def test_simultaneous_rank_sets_cover_the_true_ranking(model, source):
    res = rank_study(model)
    hits = res[source]
    rate = hits.mean()
    # at least 95%: a one-sided binomial test must not reject 0.95 from below
    p = stats.binomtest(int(hits.sum()), hits.shape[0], 0.95, alternative="less").pvalue
    assert p > 0.01, f"{model} {source}: joint coverage {rate:.3f}"
    # and the sets are informative: on average well below all 8 ranks
    assert res["size"].mean() < 4


# ----------------------------------------------------------------------- clustered data
def _clustered(rng, truth, n_clusters=300, size=8, rho=0.5):
    n = truth.shape[0]
    a = rng.integers(0, n, n_clusters)
    b = (a + rng.integers(1, n, n_clusters)) % n
    p = 1.0 / (1.0 + np.exp(-(truth[a] - truth[b])))
    shared = rng.random(n_clusters) < rho
    one = rng.random(n_clusters) < p
    each = rng.random((n_clusters, size)) < p[:, None]
    a_wins = np.where(shared[:, None], one[:, None], each)
    return pd.DataFrame({"item_a": np.repeat(a, size), "item_b": np.repeat(b, size),
                         "outcome": a_wins.ravel().astype(float),
                         "prompt": np.repeat(np.arange(n_clusters), size)})


@functools.lru_cache(maxsize=None)
def cluster_study():
    rng = np.random.default_rng(77)
    truth = np.linspace(-1.0, 1.0, 8)
    centred = truth - truth.mean()
    hits = {}
    for _ in range(150):
        df = _clustered(rng, truth)
        fit = btstats.fit(df, cluster="prompt")
        ci = {"plain wald": fit.confidence_interval(),
              "cluster wald": fit.with_covariance("cluster").confidence_interval()}
        plain = fit.bootstrap(n_resamples=300, rng=rng, progress=False)
        clus = fit.bootstrap(n_resamples=300, cluster="cluster", rng=rng, progress=False)
        ci["plain bootstrap"] = plain.confidence_interval()
        ci["cluster bootstrap"] = clus.confidence_interval()
        for k, v in ci.items():
            hits.setdefault(k, []).append(_covered(v, centred))
    return {k: np.concatenate(v).mean() for k, v in hits.items()}


def test_cluster_intervals_hold_coverage_where_plain_ones_fail():
    rates = cluster_study()
    assert rates["plain wald"] < 0.85 and rates["plain bootstrap"] < 0.85, rates
    assert 0.92 <= rates["cluster wald"] <= 0.975, rates
    assert 0.92 <= rates["cluster bootstrap"] <= 0.975, rates
