"""The annotator-quality model: kernels, the joint and given-scores fits, coverage, real data."""
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from scipy.special import expit, log_expit, log_ndtr

import btstats
from btstats._kernels import annotators as ka
from btstats._kernels import links
from btstats.agreement.annotators import AnnotatorFit, fit_annotators
from btstats.exceptions import ConvergenceWarning, DataError


def simulate_annotators(rng, s, beta, n_units, labels_per_unit, *, gamma=None, probit=False):
    """Seeded labels: each unit a random pair labelled by distinct random annotators."""
    s = np.asarray(s, float)
    beta = np.asarray(beta, float)
    n, k_all = s.size, beta.size
    a = rng.integers(0, n, n_units)
    b = (a + rng.integers(1, n, n_units)) % n
    who = np.argsort(rng.random((n_units, k_all)), axis=1)[:, :labels_per_unit].ravel()
    a = np.repeat(a, labels_per_unit)
    b = np.repeat(b, labels_per_unit)
    x = np.where(rng.random(a.size) < 0.5, 1.0, -1.0)
    z = beta[who] * (s[a] - s[b]) + (0.0 if gamma is None else np.asarray(gamma)[who] * x)
    p = stats.norm.cdf(z) if probit else expit(z)
    return pd.DataFrame({"item_a": a, "item_b": b, "outcome": (rng.random(a.size) < p) * 1.0,
                         "annotator": who, "position": np.where(x > 0, "a", "b")})


def naive_nll(u, n, k_all, a, b, y, who, x, w, probit=False):
    """Negative log-likelihood in free coordinates: centring and the beta scale applied."""
    s = u[:n] - u[:n].mean()
    scale = w @ u[n:n + k_all]
    s = s * scale
    beta = u[n:n + k_all] / scale
    g = u[n + k_all:] if u.size > n + k_all else np.zeros(k_all)
    z = beta[who] * (s[a] - s[b]) + g[who] * x
    lf = log_ndtr if probit else log_expit
    return -np.sum(np.where(y == 1, lf(z), lf(-z)))


# --------------------------------------------------------------------------- kernels
def _records(rng, n=5, k=3, m=40):
    i = rng.integers(0, n, m)
    j = (i + rng.integers(1, n, m)) % n
    return dict(k=rng.integers(0, k, m).astype(np.int64), i=i.astype(np.int64),
                j=j.astype(np.int64), x=rng.choice([-1.0, 0.0, 1.0], m),
                wab=rng.integers(0, 4, m).astype(float), wba=rng.integers(0, 4, m).astype(float))


@pytest.mark.parametrize("link", [links.LOGISTIC, links.PROBIT])
def test_derivatives_match_finite_differences(link):
    rng = np.random.default_rng(0)
    n, k = 5, 3
    r = _records(rng, n, k)
    theta = np.concatenate([rng.normal(size=n), rng.uniform(-1, 2, k), rng.normal(0, .3, k)])
    p = theta.size

    def f(th):
        return ka.annotator_loglik(link, th[:n], th[n:n + k], th[n + k:], r["k"], r["i"],
                                   r["j"], r["x"], r["wab"], r["wba"])

    grad = np.empty(p)
    hess = np.empty((p, p))
    val = ka.annotator_derivatives(link, theta[:n], theta[n:n + k], theta[n + k:], r["k"],
                                   r["i"], r["j"], r["x"], r["wab"], r["wba"], True, True,
                                   grad, hess)
    assert val == pytest.approx(f(theta))
    h = 1e-5
    eye = np.eye(p)
    fd_grad = np.array([(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(grad, fd_grad, rtol=1e-6, atol=1e-6)

    def g(th):
        out = np.empty(p)
        ka.annotator_derivatives(link, th[:n], th[n:n + k], th[n + k:], r["k"], r["i"],
                                 r["j"], r["x"], r["wab"], r["wba"], True, True, out,
                                 np.empty((p, p)))
        return out

    fd_hess = np.array([(g(theta + h * e) - g(theta - h * e)) / (2 * h) for e in eye])
    np.testing.assert_allclose(hess, fd_hess, rtol=1e-5, atol=1e-5)
    # the blocks with the scores fixed are the (beta_k, gamma_k) sub-blocks
    gb = np.empty((k, 2))
    hb = np.empty((k, 2, 2))
    ka.annotator_blocks(link, theta[:n], theta[n:n + k], theta[n + k:], r["k"], r["i"],
                        r["j"], r["x"], r["wab"], r["wba"], True, gb, hb)
    np.testing.assert_allclose(gb[:, 0], grad[n:n + k])
    np.testing.assert_allclose(gb[:, 1], grad[n + k:])
    for q in range(k):
        np.testing.assert_allclose(hb[q], hess[np.ix_([n + q, n + k + q], [n + q, n + k + q])])


def test_gauss_newton_matrix_is_negative_semidefinite():
    rng = np.random.default_rng(1)
    n, k = 5, 3
    r = _records(rng, n, k)
    theta = np.concatenate([rng.normal(size=n), rng.uniform(-1, 2, k)])
    p = theta.size
    hess = np.empty((p, p))
    ka.annotator_derivatives(links.LOGISTIC, theta[:n], theta[n:], np.zeros(k), r["k"],
                             r["i"], r["j"], r["x"], r["wab"], r["wba"], False, False,
                             np.empty(p), hess)
    assert np.linalg.eigvalsh(hess).max() < 1e-10


def test_cholesky_kernels_match_numpy():
    from btstats._kernels import linalg as la

    rng = np.random.default_rng(9)
    a = rng.normal(size=(30, 30))
    m = a @ a.T + 0.5 * np.eye(30)
    low = np.empty_like(m)
    assert la.cholesky(m, low) == 0
    np.testing.assert_allclose(low, np.linalg.cholesky(m), atol=1e-10)
    b = rng.normal(size=30)
    np.testing.assert_allclose(la.cholesky_solve(low, b), np.linalg.solve(m, b), rtol=1e-9)
    np.testing.assert_allclose(la.cholesky_inverse(low), np.linalg.inv(m), rtol=1e-8,
                               atol=1e-10)
    m[3, 3] = -1.0
    assert la.cholesky(m, low) == 1


def test_reduced_matrix_is_z_m_z():
    from btstats.agreement.annotators import _Reducer

    rng = np.random.default_rng(10)
    n, k = 4, 3
    p = n + 2 * k
    a = rng.normal(size=(p, p))
    m = a + a.T
    wk = np.array([0.2, 0.5, 0.3])
    red = _Reducer(n, wk, p)
    z = np.zeros((p, p - 2))
    z[red.keep, np.arange(p - 2)] = 1.0
    z[red.e1] = red.c1
    z[red.e2] = red.c2
    np.testing.assert_allclose(red.matrix(m, -1.0), -z.T @ m @ z, atol=1e-12)
    # Z spans the constraints' null space: sum of scores and the weighted betas stay fixed
    assert np.allclose(z[:n].sum(axis=0), 0.0)
    assert np.allclose(wk @ z[n:n + k], 0.0)
    x = np.linalg.inv(-z.T @ m @ z + 10 * np.eye(p - 2))
    np.testing.assert_allclose(red.covariance(x), z @ x @ z.T, atol=1e-12)


# --------------------------------------------------------------------------- joint fit
@pytest.mark.parametrize("probit", [False, True])
def test_joint_fit_matches_naive_optimisation(probit):
    rng = np.random.default_rng(2)
    n, k = 7, 4
    s = rng.normal(size=n)
    beta = np.array([2.0, 1.0, 0.4, -0.6])
    gamma = np.array([0.3, -0.2, 0.0, 0.5])
    df = simulate_annotators(rng, s, beta, 1200, 2, gamma=gamma, probit=probit)
    model = "thurstone" if probit else "bradley-terry"
    res = fit_annotators(df, model, position_bias=True)
    assert res.converged
    a, b = df["item_a"].to_numpy(), df["item_b"].to_numpy()
    y = df["outcome"].to_numpy()
    who = df["annotator"].to_numpy()
    x = np.where(df["position"] == "a", 1.0, -1.0)
    w = np.bincount(who, minlength=k) / len(df)
    u0 = np.concatenate([np.zeros(n), np.ones(k), np.zeros(k)])
    opt = optimize.minimize(naive_nll, u0, args=(n, k, a, b, y, who, x, w, probit),
                            method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
    u = opt.x
    scale = w @ u[n:n + k]
    s_ref = (u[:n] - u[:n].mean()) * scale
    assert -opt.fun == pytest.approx(res.loglik, abs=1e-6)
    np.testing.assert_allclose(res.scores.to_numpy(), s_ref, atol=1e-5)
    np.testing.assert_allclose(res.beta.to_numpy(), u[n:n + k] / scale, atol=1e-5)
    np.testing.assert_allclose(res.position_bias.to_numpy(), u[n + k:], atol=1e-5)
    # the two constraints
    assert res.scores.sum() == pytest.approx(0.0, abs=1e-12)
    assert w @ res.beta.to_numpy() == pytest.approx(1.0, abs=1e-12)


def test_standard_errors_match_finite_difference_information():
    rng = np.random.default_rng(3)
    n, k = 6, 3
    df = simulate_annotators(rng, rng.normal(size=n), [1.5, 1.0, 0.5], 900, 2)
    res = fit_annotators(df)
    a, b = df["item_a"].to_numpy(), df["item_b"].to_numpy()
    y = df["outcome"].to_numpy()
    who = df["annotator"].to_numpy()
    w = np.bincount(who, minlength=k) / len(df)
    ref = int(np.argmax(w))
    others = [q for q in range(k) if q != ref]

    def nll(v):      # free coordinates: s_1..s_{n-1}, beta of the non-reference annotators
        s = np.concatenate([[-v[:n - 1].sum()], v[:n - 1]])
        beta = np.empty(k)
        beta[others] = v[n - 1:]
        beta[ref] = (1 - w[others] @ v[n - 1:]) / w[ref]
        z = beta[who] * (s[a] - s[b])
        return -np.sum(np.where(y == 1, log_expit(z), log_expit(-z)))

    v = np.concatenate([res.scores.to_numpy()[1:], res.beta.to_numpy()[others]])
    h = 1e-4
    m = v.size
    info = np.empty((m, m))
    for p_ in range(m):
        for q in range(m):
            ep, eq = np.eye(m)[p_] * h, np.eye(m)[q] * h
            info[p_, q] = (nll(v + ep + eq) - nll(v + ep - eq) - nll(v - ep + eq)
                           + nll(v - ep - eq)) / (4 * h * h)
    cov = np.linalg.inv(info)
    se_scores = np.sqrt(np.diag(cov)[:n - 1])
    se_beta = np.sqrt(np.diag(cov)[n - 1:])
    np.testing.assert_allclose(res.standard_errors.to_numpy()[1:], se_scores, rtol=1e-3)
    np.testing.assert_allclose(res.beta_se.to_numpy()[others], se_beta, rtol=1e-3)
    assert res.covariance.shape == (n + k, n + k)


def test_beta_intervals_cover_the_truth():
    """Simulated annotators of known beta: Wald intervals cover ~95% (binomial test)."""
    rng = np.random.default_rng(20240612)
    covered = total = 0
    for rep in range(30):
        k = 15
        s = rng.normal(size=20)
        beta = rng.uniform(-0.5, 2.5, k)
        df = simulate_annotators(rng, s, beta, 1500, 3)
        res = fit_annotators(df)
        w = np.bincount(df["annotator"], minlength=k) / len(df)
        truth = beta / (w @ beta)          # the scale the constraint picks
        ci = res.confidence_interval(0.95)
        covered += int(((ci["low"] <= truth) & (truth <= ci["high"])).sum())
        total += k
    assert stats.binomtest(covered, total, 0.95).pvalue > 0.01
    assert covered / total > 0.92


def test_flags_random_and_adversarial():
    rng = np.random.default_rng(4)
    df = simulate_annotators(rng, np.linspace(-2, 2, 8), [1.5, 1.5, 1.0, 0.0, -1.5], 3000, 2)
    tab = fit_annotators(df).to_frame()
    assert tab.loc[3, "flag"] == "random"
    assert tab.loc[4, "flag"] == "adversarial"
    assert (tab.loc[[0, 1, 2], "flag"] == "ok").all()
    assert tab.loc[4, "expected_accuracy"] < 0.5 < tab.loc[0, "expected_accuracy"]
    assert tab.loc[3, "observed_accuracy"] == pytest.approx(0.5, abs=0.06)


def test_position_bias_recovered():
    rng = np.random.default_rng(5)
    gamma = np.array([0.8, 0.0, -0.5])
    df = simulate_annotators(rng, rng.normal(size=6), [1.0, 1.0, 1.0], 4000, 2, gamma=gamma)
    res = fit_annotators(df, position_bias=True)
    z = (res.position_bias.to_numpy() - gamma) / res.position_bias_se.to_numpy()
    assert np.all(np.abs(z) < 3.5)
    assert "position_bias" in res.to_frame().columns


# --------------------------------------------------------------------------- given scores
def test_given_scores_is_per_annotator_logistic_regression():
    rng = np.random.default_rng(6)
    s = np.linspace(-1, 1, 5)
    df = simulate_annotators(rng, s, [2.0, 0.5], 800, 1)
    fit = btstats.fit(df)
    res = fit_annotators(df, scores=fit)
    sc = fit.scores.to_numpy()
    for q in (0, 1):
        sub = df[df["annotator"] == q]
        d = sc[sub["item_a"].to_numpy()] - sc[sub["item_b"].to_numpy()]
        y = sub["outcome"].to_numpy()

        def nll(bq):
            z = bq[0] * d
            return -np.sum(np.where(y == 1, log_expit(z), log_expit(-z)))

        opt = optimize.minimize(nll, [1.0], method="BFGS", options={"gtol": 1e-10})
        assert res.beta[q] == pytest.approx(opt.x[0], abs=1e-6)
        p = expit(opt.x[0] * d)
        assert res.beta_se[q] == pytest.approx(1 / math.sqrt(np.sum(p * (1 - p) * d * d)),
                                               rel=1e-6)
    assert res.scores_fixed and np.isnan(res.standard_errors).all()
    np.testing.assert_allclose(res.scores.to_numpy(), sc)
    # a Series in another order, and an array, give the same
    res2 = fit_annotators(df, scores=fit.scores[::-1])
    np.testing.assert_allclose(res2.beta, res.beta)
    with pytest.raises(DataError, match="one score per item"):
        fit_annotators(df, scores=[0.0, 1.0])


# --------------------------------------------------------------------------- errors
def test_fit_annotators_errors_and_warnings():
    df = pd.DataFrame({"item_a": ["x", "y", "x"], "item_b": ["y", "z", "z"],
                       "outcome": [1, 1, 0]})
    with pytest.raises(DataError, match="annotator"):
        fit_annotators(df)
    with pytest.raises(ValueError, match="bradley-terry"):
        fit_annotators(df.assign(annotator=1), "rao-kupper")
    with pytest.raises(DataError, match="position"):
        fit_annotators(df.assign(annotator=1), position_bias=True)
    with pytest.raises(DataError, match="shown first"):
        fit_annotators(df.assign(annotator=1, position=["a", "left?", "b"]),
                       position_bias=True)
    two_groups = pd.DataFrame({"item_a": ["x", "y", "u", "v"], "item_b": ["y", "x", "v", "u"],
                               "outcome": [1, 1, 1, 1], "annotator": [1, 2, 1, 2]})
    with pytest.raises(DataError, match="groups"):
        fit_annotators(two_groups)
    with pytest.raises(DataError, match="every label is a tie"):
        fit_annotators(df.assign(outcome=0.5, annotator=1))
    # an annotator whose few labels all follow the order has no finite beta
    rng = np.random.default_rng(7)
    big = simulate_annotators(rng, np.linspace(-1, 1, 5), [1.0, 1.0], 400, 2)
    perfect = pd.DataFrame({"item_a": [4, 3, 4], "item_b": [0, 0, 1], "outcome": [1.0] * 3,
                            "annotator": [9] * 3, "position": ["a"] * 3})
    data = pd.concat([big, perfect], ignore_index=True)
    with pytest.warns(ConvergenceWarning, match="annotator_penalty"):
        bad = fit_annotators(data)
    assert not bad.converged
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ok = fit_annotators(data, annotator_penalty=1.0)
    assert ok.converged and np.isfinite(ok.beta_se[9])


def test_ties_are_dropped_and_counted():
    rng = np.random.default_rng(8)
    df = simulate_annotators(rng, np.linspace(-1, 1, 4), [1.0, 1.0], 500, 2)
    df.loc[df.index[:30], "outcome"] = 0.5
    res = fit_annotators(df)
    tab = res.to_frame()
    assert tab["n_ties"].sum() == 30 and tab["n_labels"].sum() == len(df)
    assert res.n_labels == len(df) - 30
    assert isinstance(res, AnnotatorFit) and "AnnotatorFit(" in repr(res)
    assert "Annotator qualities" in res.summary()
    assert list(res.item_frame()["rank"]) == [1, 2, 3, 4]


# --------------------------------------------------------------------------- real data
def test_pandalm_annotators_are_alike(data_dir):
    records = json.loads((data_dir / "pandalm_testset.json").read_text(encoding="utf-8"))
    rows = [{"item_a": r["cmp_key"].split("_", 1)[0], "item_b": r["cmp_key"].split("_", 1)[1],
             "outcome": {0: 0.5, 1: 1.0, 2: 0.0}[r[f"annotator{k}"]], "annotator": k}
            for r in records for k in (1, 2, 3)]
    res = fit_annotators(pd.DataFrame(rows))
    assert res.converged
    tab = res.to_frame()
    assert (tab["flag"] == "ok").all()
    assert tab["beta"].between(0.8, 1.25).all()


def test_music_annotators_flag_worker_4(data_dir):
    df = pd.read_csv(data_dir / "music_judgments.csv", encoding="latin-1")
    df = df[df["Answer.radio"].notna()]
    q = df["Input.query"]
    data = pd.DataFrame({"item_a": q + ":" + df["Input.docA"],
                         "item_b": q + ":" + df["Input.docB"],
                         "outcome": df["Answer.radio"].map({"a": 1.0, "b": 0.0, "s": 0.5}),
                         "annotator": df["WorkerId"]})
    res = fit_annotators(data, penalty=0.01, annotator_penalty=1.0)
    assert res.converged
    tab = res.to_frame()
    # worker 4: 103 labels, no ties, agrees with the others' majority 27% of the time
    assert tab.loc[4, "flag"] == "random" and tab.loc[4, "beta"] < 0.1
    only_ties = (data.groupby("annotator")["outcome"].apply(lambda o: (o == 0.5).all()))
    assert (tab["flag"] == "no decisive labels").sum() == only_ties.sum() == 6
    assert (tab["flag"] == "adversarial").sum() == 0
