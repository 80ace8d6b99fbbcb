"""Inference for the general model core: bootstrap, sandwich, cluster and expected covariances.

The fits are those of tests/test_core_reference.py (reference data in tests/data, fitted in R
there).  Here:

- bootstrap standard errors against the Wald ones (Monte Carlo error of a standard error
  from ``B`` replicates is about ``1 / sqrt(2 B)``, 2.2% at ``B = 1000``; the nonparametric
  bootstrap estimates the sandwich, which differs from the observed information by a few per
  cent on data of this size), reproducibility and independence of the thread count;
- the sandwich, cluster and expected covariances against hand computations in numpy (the
  outcome probabilities written out, per-row scores by finite differences, no btstats
  kernel);
- the BCa acceleration against explicit leave-one-out refits by :func:`btstats.fit`.
"""
import sys
import warnings

import numba
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, ndtr

import btstats

B = 1000


# ---------------------------------------------------------------------------- the fits
def _springall(data_dir):
    return btstats.Comparisons.from_counts(
        pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str}))


def _fit_case(data_dir, case):
    if case == "davidson":
        return btstats.fit(_springall(data_dir), "davidson")
    if case in ("graded-logit", "graded-probit"):
        return btstats.fit(pd.read_csv(data_dir / "graded5.csv"), "graded",
                           link=case.split("-")[1])
    home = {"rao-kupper": "rao-kupper", "glenn-david": "glenn-david",
            "davidson-home": "davidson"}
    if case in home:
        return btstats.fit(pd.read_csv(data_dir / "home_ties.csv"), home[case],
                           order_effect=True)
    if case == "bt-position":
        return btstats.fit(pd.read_csv(data_dir / "position.csv"), order_effect=True,
                           order="first")
    if case == "bt-baseball":
        return btstats.fit(pd.read_csv(data_dir / "baseball.directed.csv",
                                       dtype={"item_a": str, "item_b": str}),
                           order_effect=True)
    if case == "bt-half":
        return btstats.fit(pd.read_csv(data_dir / "home_ties.csv"), order_effect=True,
                           ties="half")
    raise KeyError(case)


CASES = ["davidson", "graded-logit", "graded-probit", "rao-kupper", "glenn-david",
         "bt-position", "bt-baseball"]


def _wald(fit):
    return np.sqrt(np.diag(fit.parameter_covariance.to_numpy()))


# ---------------------------------------------------------------------------- bootstrap
@pytest.mark.parametrize("case", CASES)
def test_bootstrap_standard_errors_agree_with_wald(data_dir, case):
    fit = _fit_case(data_dir, case)
    names = list(fit.items) + list(fit.params.index)
    wald = _wald(fit)
    for kind in ("nonparametric", "parametric"):
        boot = fit.bootstrap(n_resamples=B, kind=kind, rng=11)
        assert list(boot.estimate.index) == names
        np.testing.assert_allclose(boot.estimate.to_numpy(),
                                   np.concatenate([fit.scores, fit.params]), rtol=0, atol=0)
        assert boot.bootstrap_distribution.shape == (B, len(names))
        assert boot.n_degenerate == 0 and boot.n_unconverged == 0
        # centred scores in every replicate
        np.testing.assert_allclose(boot.bootstrap_distribution[:, :fit.n_items].sum(axis=1),
                                   0.0, atol=1e-9)
        np.testing.assert_allclose(boot.standard_error.to_numpy(), wald, rtol=0.15)
        # the replicates centre on the estimate (bias well inside the spread)
        bias = boot.bootstrap_distribution.mean(axis=0) - boot.estimate.to_numpy()
        assert np.all(np.abs(bias) < 0.25 * wald)


def test_nonparametric_bootstrap_estimates_the_sandwich_with_halved_ties(data_dir):
    # ties="half": a tie is one comparison adding half a win each way; resampling rows
    # gives the sandwich (well below the observed information, which counts each half as
    # an independent comparison)
    fit = _fit_case(data_dir, "bt-half")
    sandwich = _wald(fit.with_covariance("sandwich"))
    assert np.all(sandwich < 0.9 * _wald(fit))
    boot = fit.bootstrap(n_resamples=B, rng=3)
    np.testing.assert_allclose(boot.standard_error.to_numpy(), sandwich, rtol=0.12)
    par = fit.bootstrap(n_resamples=B, kind="parametric", rng=3)
    np.testing.assert_allclose(par.standard_error.to_numpy(), _wald(fit), rtol=0.12)


@pytest.mark.parametrize("kind, cluster", [("nonparametric", None), ("parametric", None),
                                           ("nonparametric", "cluster")])
def test_reproducible_and_independent_of_thread_count(data_dir, kind, cluster):
    df = pd.read_csv(data_dir / "home_ties.csv")
    df["prompt"] = np.arange(len(df)) // 7
    fit = btstats.fit(df, "davidson", order_effect=True, cluster="prompt")

    def run(rng):
        return fit.bootstrap(n_resamples=200, kind=kind, cluster=cluster,
                             rng=rng).bootstrap_distribution

    a = run(5)
    np.testing.assert_array_equal(a, run(np.random.default_rng(5)))
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = run(5)
        numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
        two = run(5)
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(a, one)
    np.testing.assert_array_equal(a, two)
    assert not np.array_equal(a, run(6))


def test_cluster_bootstrap_estimates_the_cluster_covariance(data_dir):
    df = pd.read_csv(data_dir / "home_ties.csv")
    df["prompt"] = np.arange(len(df)) // 10
    fit = btstats.fit(df, "glenn-david", order_effect=True, cluster="prompt")
    boot = fit.bootstrap(n_resamples=B, cluster="cluster", rng=2)
    assert boot.resampling == "cluster"
    robust = _wald(fit.with_covariance("cluster"))
    np.testing.assert_allclose(boot.standard_error.to_numpy(), robust, rtol=0.15)
    with pytest.raises(ValueError, match="kind='nonparametric'"):
        fit.bootstrap(cluster="cluster", kind="parametric")


def test_module_function_and_result_methods(data_dir):
    df = pd.read_csv(data_dir / "home_ties.csv")
    boot = btstats.bootstrap(df, "davidson", order_effect=True, n_resamples=300, rng=4)
    fit = boot.fit
    assert isinstance(fit, btstats.estimation.core.CoreFit)
    assert list(boot.estimate.index[-2:]) == ["h", "nu"]
    for kind in ("percentile", "basic", "bca"):
        ci = boot.confidence_interval(0.9, interval=kind)
        assert ci.interval == kind and ci.confidence_level == 0.9
        assert list(ci.low.index) == list(boot.estimate.index)
        assert np.all(ci.low.to_numpy() < boot.estimate.to_numpy())
        assert np.all(boot.estimate.to_numpy() < ci.high.to_numpy())
    frame = boot.to_frame(scale="elo")
    assert list(frame["item"]) == list(fit.to_frame()["item"])
    assert frame["p_first"].sum() == pytest.approx(1.0)
    rk = boot.rank_interval()
    assert np.all(rk.low <= rk.high)
    assert boot.probability_first().sum() == pytest.approx(1.0)
    assert boot.rank_sets().to_frame().shape[0] == fit.n_items
    assert "nonparametric" in repr(boot)


def test_forest_plot(data_dir):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    boot = _fit_case(data_dir, "graded-logit").bootstrap(n_resamples=100, rng=1)
    ax = boot.plot(interval="basic")
    assert ax.get_title().startswith("graded")
    plt.close("all")


def test_degenerate_replicates_are_refitted_or_dropped():
    # a sparse cycle with a home effect: many replicates lose an item's only win
    items = list("abcdef")
    rows = []
    for k in range(6):
        x, y = items[k], items[(k + 1) % 6]
        rows += [(x, y, 1), (x, y, -1), (y, x, 1)]
    df = pd.DataFrame(rows, columns=["winner", "loser", "home"])
    fit = btstats.fit(df, order_effect=True, order="home")
    with pytest.warns(btstats.DegenerateResampleWarning) as record:
        boot = fit.bootstrap(n_resamples=300, rng=1)
    assert any("no finite maximum" in str(w.message) for w in record)
    assert 0 < boot.n_degenerate < 300
    assert boot.n_dropped == 0
    assert np.all(np.isfinite(boot.bootstrap_distribution))
    with pytest.warns(btstats.DegenerateResampleWarning):
        dropped = fit.bootstrap(n_resamples=300, rng=1, degenerate="drop")
    # the same seeds draw the same replicates: the same ones are degenerate
    assert dropped.n_dropped == dropped.n_degenerate == boot.n_degenerate
    assert dropped.n_unconverged == 0
    assert dropped.bootstrap_distribution.shape[0] == 300 - dropped.n_dropped
    kept = dropped.bootstrap_distribution
    assert np.all(np.isfinite(kept))
    # the kept replicates have finite MLEs: nothing ran off (the win graph alone would pass
    # replicates separated along the home effect, whose fits run off to |h| of hundreds)
    assert np.abs(kept).max() < 5.0
    # the same replicates as the penalized run's non-degenerate ones, unchanged
    np.testing.assert_array_equal(kept, boot.bootstrap_distribution[boot._status < 10])


def _naive_order_separable(n, ci, cj, co, cclass, w, sign):
    """Is there an x with x_ci - x_cj + sign co >= 0 (wins of ci), <= 0 (its losses), = 0
    (ties)?  A linear feasibility problem, by scipy's linprog."""
    from scipy.optimize import linprog
    rows, rhs = [], []
    for c in np.flatnonzero(w > 0):
        d = np.zeros(n)
        d[ci[c]] += 1.0
        d[cj[c]] -= 1.0
        if cclass[c] != 1:          # d x + sign o >= 0
            rows.append(-d)
            rhs.append(sign * co[c])
        if cclass[c] != 0:          # d x + sign o <= 0
            rows.append(d)
            rhs.append(-sign * co[c])
    if not rows:
        return True
    res = linprog(np.zeros(n), A_ub=np.array(rows), b_ub=np.array(rhs),
                  bounds=[(None, None)] * n, method="highs")
    assert res.status in (0, 2)
    return res.status == 0


def test_order_separation_check_matches_a_linear_program():
    from btstats._kernels import resample_cells as rsc
    rng = np.random.default_rng(0)
    n = 4
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    found = {True: 0, False: 0}
    for _ in range(300):
        ci, cj, co, cc = [], [], [], []
        for (i, j) in pairs:
            for _ in range(rng.integers(0, 4)):
                ci.append(i)
                cj.append(j)
                co.append(float(rng.choice([-1, 1, 1, 0], p=[0.45, 0.2, 0.25, 0.1])))
                cc.append(int(rng.choice(3, p=[0.45, 0.45, 0.1])))
        if not ci:
            continue
        ci, cj = np.array(ci, np.int32), np.array(cj, np.int32)
        co, cc = np.array(co), np.array(cc, np.int64)
        w = rng.integers(0, 2, ci.shape[0]).astype(float)
        key = ci.astype(np.int64) * n + cj
        uniq, cpair = np.unique(key, return_inverse=True)
        pi, pj = (uniq // n).astype(np.int32), (uniq % n).astype(np.int32)
        for sign in (1.0, -1.0):
            want = _naive_order_separable(n, ci, cj, co, cc, w, sign)
            got = rsc.order_separable(n, co, cc, w, cpair.astype(np.int64), pi, pj, sign)
            assert got == want
            found[want] += 1
    assert min(found.values()) > 50


def test_parametric_needs_whole_counts(data_dir):
    df = pd.read_csv(data_dir / "home_ties.csv")
    df["weight"] = 0.5
    fit = btstats.fit(df, "davidson", order_effect=True, weight="weight")
    with pytest.raises(btstats.DataError, match="fractional"):
        fit.bootstrap(kind="parametric", n_resamples=10)
    boot = fit.bootstrap(n_resamples=200, rng=1)
    assert np.all(np.isfinite(boot.bootstrap_distribution))


# ------------------------------------------------------------------ BCa: the jackknife
def _acceleration(values, mult):
    total = mult.sum()
    mean = (mult[:, None] * values).sum(axis=0) / total
    u = (total - 1.0) * (mean - values)
    num = (mult[:, None] * u ** 3).sum(axis=0) / total ** 3
    den = (mult[:, None] * u ** 2).sum(axis=0) / total ** 2
    return num / (6.0 * den ** 1.5)


def _leave_one_out(frame, columns, refit):
    """Explicit leave-one-comparison-out refits of count data: one per nonzero count, with
    that count as its multiplicity."""
    values, mult = [], []
    for r in range(len(frame)):
        for col in columns:
            c = frame[col].iloc[r]
            if c <= 0:
                continue
            sub = frame.copy()
            sub.loc[sub.index[r], col] = c - 1
            res = refit(sub)
            values.append(np.concatenate([res.scores.to_numpy(), res.params.to_numpy()]))
            mult.append(c)
    return np.array(values), np.array(mult, dtype=float)


@pytest.fixture(scope="module")
def springall_jackknife(data_dir):
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    fit = btstats.fit(btstats.Comparisons.from_counts(counts), "davidson")
    values, mult = _leave_one_out(
        counts, ["wins_a", "wins_b", "ties"],
        lambda sub: btstats.fit(btstats.Comparisons.from_counts(sub), "davidson"))
    assert mult.sum() == fit.n_comparisons
    return fit, values, mult


@pytest.fixture(scope="module")
def baseball_jackknife(data_dir):
    frame = pd.read_csv(data_dir / "baseball.directed.csv",
                        dtype={"item_a": str, "item_b": str})
    fit = btstats.fit(frame, order_effect=True)
    values, mult = _leave_one_out(frame, ["wins_a", "wins_b"],
                                  lambda sub: btstats.fit(sub, order_effect=True))
    return fit, values, mult


def _sorted_rows(values, mult):
    order = np.lexsort(values.T[::-1])
    return values[order], mult[order]


@pytest.mark.parametrize("case", ["springall", "baseball"])
def test_bca_jackknife_equals_explicit_leave_one_out(request, case):
    # small data: every deletion (one per (pair, order, outcome) cell, weighted by its
    # count) is refitted, as btstats.fit would
    fit, values, mult = request.getfixturevalue(f"{case}_jackknife")
    boot = fit.bootstrap(n_resamples=200, rng=0)
    jv, jm = boot.jackknife_values()
    got, got_m = _sorted_rows(jv, jm)
    want, want_m = _sorted_rows(values, mult)
    np.testing.assert_allclose(got_m, want_m)
    np.testing.assert_allclose(got, want, atol=1e-7)
    np.testing.assert_allclose(boot.acceleration, _acceleration(values, mult), rtol=1e-5,
                               atol=1e-9)


@pytest.mark.parametrize("case", ["springall", "baseball"])
def test_one_step_jackknife_of_large_data(request, case, monkeypatch):
    # beyond JACKKNIFE_EXACT_WORK a deletion is one Newton step with the exact leave-one-out
    # gradient and information: here (forced on small data, where it is least accurate)
    # within a few per cent of the refits' spread, and the accelerations within 2%
    fit, values, mult = request.getfixturevalue(f"{case}_jackknife")
    exact, exact_m = fit.bootstrap(n_resamples=200, rng=0).jackknife_values()
    monkeypatch.setattr(sys.modules["btstats.inference.bootstrap"], "JACKKNIFE_EXACT_WORK", 0)
    boot = fit.bootstrap(n_resamples=200, rng=0)
    got, got_m = boot.jackknife_values()
    np.testing.assert_array_equal(got_m, exact_m)
    spread = np.abs(values - np.concatenate([fit.scores, fit.params])).max()
    np.testing.assert_allclose(got, exact, atol=0.05 * spread)
    want_a = _acceleration(values, mult)
    np.testing.assert_allclose(boot.acceleration, want_a, atol=0.02 * np.abs(want_a).max())


# ------------------------------------------------------------ covariances by hand
def _cdf(link, x):
    return expit(x) if link == "logit" else ndtr(x)


def _log_probabilities(fit, theta, z):
    """``log P(k | z)`` (columns k = 0 .. K - 1, ``K - 1``: a best), written out."""
    k = fit.n_categories
    extra = theta[fit.n_items + (1 if fit.order_effect else 0):]
    if fit._model.family_name == "davidson":
        nu = extra[0]
        pa, pb = np.exp(z / 2), np.exp(-z / 2)
        d = pa + pb + nu
        return np.log(np.column_stack([pb / d, np.full_like(z, nu) / d, pa / d]))
    link = fit._model.link_name
    mid = [0.0] if (k - 1) % 2 == 1 else []
    cuts = np.concatenate([-extra[::-1], mid, extra])
    cum = _cdf(link, cuts[None, :] - z[:, None])
    cum = np.column_stack([np.zeros_like(z), cum, np.ones_like(z)])
    return np.log(np.diff(cum, axis=1))


def _rows(fit, data_dir, case):
    """Per comparison row: codes a, b, order o and a (row, category, weight) list."""
    items = fit.items
    if case == "graded-probit":
        df = pd.read_csv(data_dir / "graded5.csv")
        o = np.zeros(len(df))
        k = df["grade"].to_numpy() + 2
    elif case == "bt-position":
        df = pd.read_csv(data_dir / "position.csv")
        o = df["first"].to_numpy(float)
        k = np.where(df["outcome"] == 1, 1, 0)
    else:
        df = pd.read_csv(data_dir / "home_ties.csv")
        o = df["home"].to_numpy(float)
        y = df["outcome"].to_numpy()
        k = np.where(y == 1, 2, np.where(y == 0, 0, 1))
        if case == "bt-half":
            decisive = y != 0.5
            parts = [(np.flatnonzero(decisive), np.where(y[decisive] == 1, 1, 0), 1.0)]
            tie = np.flatnonzero(~decisive)
            parts += [(tie, np.ones(tie.shape[0], int), 0.5),
                      (tie, np.zeros(tie.shape[0], int), 0.5)]
            a = items.get_indexer(df["item_a"])
            b = items.get_indexer(df["item_b"])
            return a, b, o, parts
    a = items.get_indexer(df["item_a"])
    b = items.get_indexer(df["item_b"])
    return a, b, o, [(np.arange(len(df)), k, 1.0)]


def _row_logliks(fit, theta, a, b, o, parts):
    n = fit.n_items
    h = theta[n] if fit.order_effect else 0.0
    z = theta[:n][a] - theta[:n][b] + h * o
    lp = _log_probabilities(fit, theta, z)
    out = np.zeros(a.shape[0])
    for rows, k, w in parts:
        np.add.at(out, rows, w * lp[rows, k])
    return out


def _theta(fit):
    return np.concatenate([fit.scores.to_numpy(), fit.params.to_numpy()])


def _row_scores(fit, a, b, o, parts, step=1e-5):
    theta = _theta(fit)
    grads = np.empty((a.shape[0], theta.shape[0]))
    for j in range(theta.shape[0]):
        e = np.zeros_like(theta)
        e[j] = step
        grads[:, j] = (_row_logliks(fit, theta + e, a, b, o, parts)
                       - _row_logliks(fit, theta - e, a, b, o, parts)) / (2 * step)
    return grads


def _hessian(fit, a, b, o, parts, step=1e-4):
    theta = _theta(fit)
    p = theta.shape[0]

    def total(t):
        return _row_logliks(fit, t, a, b, o, parts).sum()

    hess = np.empty((p, p))
    for i in range(p):
        for j in range(p):
            ei = np.zeros(p)
            ej = np.zeros(p)
            ei[i] = step
            ej[j] = step
            hess[i, j] = (total(theta + ei + ej) - total(theta + ei - ej)
                          - total(theta - ei + ej) + total(theta - ei - ej)) / (4 * step ** 2)
    return 0.5 * (hess + hess.T)


def _subspace_inverse(fit, info):
    n = fit.n_items
    proj = np.eye(info.shape[0])
    proj[:n, :n] -= 1.0 / n
    return np.linalg.pinv(proj @ info @ proj, rcond=1e-10)


SANDWICH_CASES = ["davidson-home", "rao-kupper", "graded-probit", "bt-position", "bt-half"]


@pytest.mark.parametrize("case", SANDWICH_CASES)
def test_sandwich_matches_hand_computation(data_dir, case):
    fit = _fit_case(data_dir, case)
    a, b, o, parts = _rows(fit, data_dir, case)
    assert _row_logliks(fit, _theta(fit), a, b, o, parts).sum() == pytest.approx(fit.loglik,
                                                                                 rel=1e-12)
    grads = _row_scores(fit, a, b, o, parts)
    bread = _subspace_inverse(fit, -_hessian(fit, a, b, o, parts))
    # the observed covariance itself, as a check of the hand Hessian
    np.testing.assert_allclose(fit.parameter_covariance.to_numpy(), bread, rtol=1e-4,
                               atol=1e-8)
    hand = bread @ (grads.T @ grads) @ bread
    robust = fit.with_covariance("sandwich")
    assert robust.covariance_type == "sandwich"
    np.testing.assert_allclose(robust.parameter_covariance.to_numpy(), hand, rtol=2e-4,
                               atol=1e-8)
    if case != "bt-half":
        # the data were simulated from the model: sandwich and observed agree
        np.testing.assert_allclose(_wald(robust), _wald(fit), rtol=0.1)
    assert "covariance      sandwich" in robust.summary()
    table = robust.coefficients
    np.testing.assert_allclose(table["se"].to_numpy(), _wald(robust)[fit.n_items:])


@pytest.mark.parametrize("case", ["davidson-home", "graded-probit"])
def test_cluster_covariance_matches_hand_computation(data_dir, case):
    fit = _fit_case(data_dir, case)
    a, b, o, parts = _rows(fit, data_dir, case)
    grads = _row_scores(fit, a, b, o, parts)
    labels = np.arange(a.shape[0]) // 10
    sums = pd.DataFrame(grads).groupby(labels).sum().to_numpy()
    g = sums.shape[0]
    n_obs = fit.n_comparisons
    k = fit.n_params
    factor = g / (g - 1) * (n_obs - 1) / (n_obs - k)
    bread = fit.parameter_covariance.to_numpy()
    hand = bread @ (sums.T @ sums) @ bread * factor
    robust = fit.with_covariance("cluster", cluster=labels)
    np.testing.assert_allclose(robust.parameter_covariance.to_numpy(), hand, rtol=2e-4,
                               atol=1e-8)
    assert f"cluster, {g} clusters" in robust.summary()
    # one cluster per row: the sandwich times the small-sample factor N / (N - K)
    per_row = fit.with_covariance("cluster", cluster=np.arange(a.shape[0]))
    sandwich = fit.with_covariance("sandwich")
    np.testing.assert_allclose(per_row.parameter_covariance.to_numpy(),
                               sandwich.parameter_covariance.to_numpy() * n_obs / (n_obs - k),
                               rtol=1e-10, atol=1e-14)


def test_cluster_covariance_of_count_records(data_dir):
    # pair-count records are three stored rows each; a label per record is repeated
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    fit = btstats.fit(btstats.Comparisons.from_counts(counts), "davidson")
    labels = np.repeat(np.arange(len(counts)) % 12, 3)
    robust = fit.with_covariance("cluster", cluster=labels)
    se = _wald(robust)
    assert np.all(np.isfinite(se)) and np.all(se > 0)
    with pytest.raises(btstats.DataError, match="one label per row"):
        fit.with_covariance("cluster", cluster=np.arange(5))
    with pytest.raises(btstats.DataError, match="cluster"):
        fit.with_covariance("cluster")


@pytest.mark.parametrize("case", ["davidson-home", "graded-probit", "rao-kupper"])
def test_expected_information_matches_hand_computation(data_dir, case):
    # Fisher: sum over comparisons and categories of p_k g_k g_k'
    fit = _fit_case(data_dir, case)
    a, b, o, _ = _rows(fit, data_dir, case)
    theta = _theta(fit)
    n = fit.n_items
    step = 1e-5

    def logp(t):
        h = t[n] if fit.order_effect else 0.0
        return _log_probabilities(fit, t, t[:n][a] - t[:n][b] + h * o)

    prob = np.exp(logp(theta))
    grads = np.empty(prob.shape + (theta.shape[0],))
    for j in range(theta.shape[0]):
        e = np.zeros_like(theta)
        e[j] = step
        grads[..., j] = (logp(theta + e) - logp(theta - e)) / (2 * step)
    fisher = np.einsum("rk,rkp,rkq->pq", prob, grads, grads)
    expected = fit.with_covariance("expected")
    np.testing.assert_allclose(expected.parameter_covariance.to_numpy(),
                               _subspace_inverse(fit, fisher), rtol=2e-5, atol=1e-9)
    if case == "davidson-home":
        # Davidson is an exponential family in (z, log nu): observed = expected at the MLE
        np.testing.assert_allclose(expected.parameter_covariance.to_numpy(),
                                   fit.parameter_covariance.to_numpy(), rtol=1e-8, atol=1e-12)
    else:
        assert not np.allclose(_wald(expected), _wald(fit), rtol=1e-6)
        np.testing.assert_allclose(_wald(expected), _wald(fit), rtol=0.05)


def test_penalized_fit_covariances_and_bootstrap(data_dir):
    fit = btstats.fit(pd.read_csv(data_dir / "home_ties.csv"), "davidson", order_effect=True,
                      penalty=0.5)
    for kind in ("observed", "expected", "sandwich"):
        cov = fit.with_covariance(kind).parameter_covariance.to_numpy()
        assert np.all(np.isfinite(cov))
        # the covariance lives in the sum-to-zero subspace of the scores
        np.testing.assert_allclose(cov[:fit.n_items].sum(axis=0), 0.0, atol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        boot = fit.bootstrap(n_resamples=200, rng=1)
    assert boot.n_degenerate == 0
    np.testing.assert_allclose(boot.standard_error.to_numpy(), _wald(fit), rtol=0.2)
