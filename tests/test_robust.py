"""Sandwich and cluster-robust covariances against hand computations and simulation."""
import numpy as np
import pandas as pd
import pytest

import btstats


def _rows_frame(fit):
    """One row per comparison: codes a, b and outcome (0 a wins, 1 b wins, 2 tie)."""
    a, b, o, w = fit.comparisons.rows()
    o = np.zeros(len(a), int) if o is None else np.asarray(o)
    w = np.ones(len(a)) if w is None else np.asarray(w)
    reps = w.astype(int)
    assert np.all(reps == w), "the hand computation needs integer counts"
    return np.repeat(a, reps), np.repeat(b, reps), np.repeat(o, reps)


def _row_logliks(model, theta_vec, a, b, o, n, has_eta):
    s = theta_vec[:n]
    eta = theta_vec[n] if has_eta else 0.0
    pa, pt, pb = model.probabilities(s[a] - s[b], eta)
    p = np.where(o == 0, pa, np.where(o == 1, pb, pt))
    return np.log(p)


def _hand_sandwich(fit, clusters=None):
    """J^+ G J^+ by finite differences of per-row log-likelihoods: no btstats kernel used."""
    model = btstats.get_model(fit.model)
    n = fit.n_items
    has_eta = fit.eta is not None
    a, b, o = _rows_frame(fit)
    theta = np.append(fit.scores.to_numpy(), fit.eta) if has_eta else fit.scores.to_numpy()
    p = theta.shape[0]
    h = 1e-5
    grads = np.empty((a.shape[0], p))
    for k in range(p):
        e = np.zeros(p)
        e[k] = h
        grads[:, k] = (_row_logliks(model, theta + e, a, b, o, n, has_eta)
                       - _row_logliks(model, theta - e, a, b, o, n, has_eta)) / (2 * h)
    # nested central differences: the step eps**(1/4) ~ 1e-4 balances the truncation
    # (h**2) against the rounding of the summed log-likelihood (eps |l| / h**2); at 1e-5
    # the rounding alone moved small covariances by 1e-3 of themselves
    h = 1e-4
    hess = np.empty((p, p))
    for k in range(p):
        e = np.zeros(p)
        e[k] = h
        gp = np.empty(p)
        gm = np.empty(p)
        for j in range(p):
            f = np.zeros(p)
            f[j] = h
            gp[j] = (_row_logliks(model, theta + e + f, a, b, o, n, has_eta).sum()
                     - _row_logliks(model, theta + e - f, a, b, o, n, has_eta).sum()) / (2 * h)
            gm[j] = (_row_logliks(model, theta - e + f, a, b, o, n, has_eta).sum()
                     - _row_logliks(model, theta - e - f, a, b, o, n, has_eta).sum()) / (2 * h)
        hess[k] = (gp - gm) / (2 * h)
    info = -0.5 * (hess + hess.T)
    # inverse in the sum-to-zero subspace: project, pseudo-invert
    proj = np.eye(p)
    proj[:n, :n] -= 1.0 / n
    bread = np.linalg.pinv(proj @ info @ proj, rcond=1e-8)
    if clusters is None:
        meat = grads.T @ grads
        factor = 1.0
    else:
        labels = np.repeat(clusters, 1)
        sums = pd.DataFrame(grads).groupby(labels).sum().to_numpy()
        meat = sums.T @ sums
        g = sums.shape[0]
        n_obs = a.shape[0]
        k = n - 1 + has_eta
        factor = g / (g - 1) * (n_obs - 1) / (n_obs - k)
    return bread @ meat @ bread * factor


def test_sandwich_matches_hand_computation_bradley_terry():
    fit = btstats.fit(btstats.load_example("baseball")).with_covariance("sandwich")
    hand = _hand_sandwich(fit)
    np.testing.assert_allclose(fit.covariance.to_numpy(), hand, rtol=2e-4, atol=1e-7)


def test_sandwich_matches_hand_computation_rao_kupper():
    fit = btstats.fit(btstats.load_example("springall"), "rao-kupper",
                      covariance_type="sandwich")
    hand = _hand_sandwich(fit)
    n = fit.n_items
    np.testing.assert_allclose(fit.covariance.to_numpy(), hand[:n, :n], rtol=2e-4, atol=1e-7)
    assert fit.eta_se == pytest.approx(np.sqrt(hand[n, n]), rel=2e-4)


def test_cluster_covariance_matches_hand_computation():
    rng = np.random.default_rng(3)
    sim = btstats.simulate(np.array([0.6, 0.2, -0.1, -0.7]), btstats.random_pairs(4, 240, rng=rng),
                           rng=rng)
    df = sim.data.copy()
    df["prompt"] = rng.integers(0, 30, len(df))
    fit = btstats.fit(df, covariance_type="cluster", cluster="prompt")
    hand = _hand_sandwich(fit, clusters=df["prompt"].to_numpy())
    np.testing.assert_allclose(fit.covariance.to_numpy(), hand, rtol=2e-4, atol=1e-7)
    # the same through with_covariance and explicit labels
    again = btstats.fit(df).with_covariance("cluster", cluster=df["prompt"].to_numpy())
    np.testing.assert_allclose(again.covariance.to_numpy(), fit.covariance.to_numpy())


def test_cluster_of_single_rows_is_the_sandwich_up_to_the_factor():
    rng = np.random.default_rng(4)
    sim = btstats.simulate(np.linspace(-1, 1, 5), btstats.random_pairs(5, 400, rng=rng), rng=rng)
    fit = btstats.fit(sim.data)
    sand = fit.with_covariance("sandwich").covariance.to_numpy()
    clus = fit.with_covariance("cluster", cluster=np.arange(400)).covariance.to_numpy()
    factor = 400 / 399 * 399 / (400 - 4)
    np.testing.assert_allclose(clus, sand * factor, rtol=1e-10, atol=1e-14)


def test_sandwich_equals_observed_in_expectation():
    """Under a correct model E[G] = J: averaged over simulated data sets, the sandwich and
    observed-information variances agree (within 2%), while on one data set they differ."""
    rng = np.random.default_rng(11)
    truth = np.linspace(-1.2, 1.2, 6)
    ratios = []
    for _ in range(120):
        sim = btstats.simulate(truth, btstats.round_robin(6, 20), rng=rng)
        fit = btstats.fit(sim.data)
        ratios.append(np.diag(fit.with_covariance("sandwich").covariance)
                      / np.diag(fit.covariance))
    ratios = np.array(ratios)
    assert abs(ratios.mean() - 1.0) < 0.02
    assert ratios.std() > 0.02


def test_cluster_covariance_needs_a_cluster_column():
    df = pd.DataFrame({"winner": list("abcabc"), "loser": list("bcacab")})
    with pytest.raises(btstats.DataError, match="needs a cluster column"):
        btstats.fit(df, covariance_type="cluster")
    with pytest.raises(ValueError, match="`covariance_type`"):
        btstats.fit(df).with_covariance("robust")
    with pytest.raises(btstats.DataError, match="one label per row"):
        btstats.fit(df).with_covariance("cluster", cluster=[1, 2])
