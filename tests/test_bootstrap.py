"""Bootstrap: the resampling kernels, the intervals (against scipy.stats.bootstrap), degenerate
replicates, clusters, reproducibility."""
import warnings

import numba
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import btstats
from btstats._kernels import resample as rs


def _long_rows(fit_data):
    """Unit winner/loser rows of a Comparisons built from counts (every comparison a row)."""
    c = fit_data.pairs
    w, l = [], []
    for i, j, a, b in zip(c.pi, c.pj, c.wab, c.wba):
        w += [i] * int(a) + [j] * int(b)
        l += [j] * int(a) + [i] * int(b)
    return np.array(w), np.array(l)


# ------------------------------------------------------------------------ the kernels
@numba.njit
def _draws(cells, cum, total, lam, aprob, aidx, reps, seed):
    out = np.empty((reps, cells.shape[0]))
    for r in range(reps):
        np.random.seed(seed + r)
        rs.draw_cells(cells, cum, total, lam, aprob, aidx, out[r])
    return out


def _many_draws(cells, total, reps, seed):
    cum, lam, aprob, aidx = rs.sampling_tables(cells, total)
    return _draws(cells, cum, total, lam, aprob, aidx, reps, seed)


@pytest.mark.parametrize("total", [20, 300, 5000])
def test_draw_cells_is_multinomial(total):
    # small totals take the sequential-binomial path, large ones the Poisson path; both must
    # sum exactly to the total and have the multinomial mean and covariance
    cells = np.array([5.0, 0.0, 3.0, 12.0, 1.0, 0.0, 7.0])
    p = cells / cells.sum()
    reps = 20000
    x = _many_draws(cells, total, reps, 11)
    assert np.all(x.sum(axis=1) == total)
    assert np.all(x[:, cells == 0] == 0)
    mean = x.mean(axis=0)
    se = np.sqrt(total * p * (1 - p) / reps)
    assert np.all(np.abs(mean - total * p) <= 5 * se + 1e-12)
    cov = np.cov(x.T)
    expected = total * (np.diag(p) - np.outer(p, p))
    scale = np.sqrt(np.outer(np.diag(expected), np.diag(expected))) + 1e-12
    assert np.max(np.abs(cov - expected) / scale) < 0.05
    # chi-square of one cell's counts against its binomial distribution
    k = 3
    obs = np.bincount(x[:, k].astype(int), minlength=total + 1)
    pmf = stats.binom.pmf(np.arange(total + 1), total, p[k])
    keep = pmf * reps > 20
    f_obs = np.append(obs[keep], obs[~keep].sum())
    f_exp = np.append(pmf[keep], pmf[~keep].sum()) * reps
    assert stats.chisquare(f_obs, f_exp * f_obs.sum() / f_exp.sum()).pvalue > 0.01


def test_alias_table_reproduces_the_weights():
    w = np.array([0.0, 3.0, 1.0, 0.0, 6.0, 0.5])
    prob, alias = rs.alias_table(w)
    m = w.shape[0]
    implied = prob / m
    for i in range(m):
        implied[alias[i]] += (1 - prob[i]) / m
    np.testing.assert_allclose(implied, w / w.sum(), atol=1e-12)


@numba.njit
def _table_draws(lam, n_draws, seed):
    means, which, ptr, prob, alias = lam
    out = np.empty((means.shape[0], n_draws), np.int64)
    np.random.seed(seed)
    for c in range(means.shape[0]):
        t = which[c]
        for r in range(n_draws):
            out[c, r] = rs._poisson_from_table(means[c], prob, alias, ptr[t], ptr[t + 1])
    return out


def _poisson_gof(draws, mu):
    """Chi-square p-value of integer draws against Poisson(mu), cells of expectation >= 5."""
    top = int(draws.max()) + 1
    obs = np.bincount(draws, minlength=top).astype(float)
    exp = stats.poisson.pmf(np.arange(top), mu) * draws.shape[0]
    exp[-1] += stats.poisson.sf(top - 1, mu) * draws.shape[0]
    keep = exp >= 5
    obs = np.append(obs[keep], obs[~keep].sum())
    exp = np.append(exp[keep], exp[~keep].sum())
    if exp[-1] < 5:
        obs, exp = obs[:-2].tolist() + [obs[-2:].sum()], exp[:-2].tolist() + [exp[-2:].sum()]
    obs, exp = np.asarray(obs), np.asarray(exp)
    return stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue


def test_tabled_poisson_draws_are_poisson():
    # the draws of draw_cells sample each mean's tabled distribution by the alias method;
    # equal means share one table, means above the limit get none (np.random.poisson)
    means = np.array([0.05, 1.0, 7.3, 13.0, 13.0, 63.9, 255.0, 300.0, 0.0])
    lam = rs.poisson_tables(means)
    which = lam[1]
    assert which[3] == which[4] >= 0 and which[7] == -1 and which[8] == -1
    assert lam[2].shape[0] - 1 == 6                  # six distinct tabled means
    draws = _table_draws(tuple(a[:7] if i < 2 else a for i, a in enumerate(lam)), 40_000, 7)
    for c, mu in enumerate(means[:7]):
        assert abs(draws[c].mean() - mu) <= 5 * np.sqrt(mu / draws.shape[1])
        assert _poisson_gof(draws[c], mu) > 1e-4, mu


def _implied(prob, alias):
    """The distribution an alias table samples."""
    m = prob.shape[0]
    out = prob / m
    for i in range(m):
        out[alias[i]] += (1.0 - prob[i]) / m
    return out


@pytest.mark.parametrize("mu", [0.05, 1.0, 7.3, 63.9, 255.0])
def test_poisson_tables_hold_the_poisson_distribution(mu):
    # entries 0 .. K-1 are P(X = k), the last the tail P(X >= K), to rounding (scipy)
    _, _, ptr, prob, alias = rs.poisson_tables(np.array([mu]))
    size = int(ptr[1])
    k = np.arange(size - 1)
    expected = np.append(stats.poisson.pmf(k, mu), stats.poisson.sf(size - 2, mu))
    implied = _implied(prob, alias)
    np.testing.assert_allclose(implied, expected, rtol=1e-9, atol=1e-15)
    assert expected[-1] < 1e-20


def test_tabled_poisson_continues_past_a_short_table():
    # a table cut short (here on purpose: P(X >= 4) = 0.85 for a mean of 6) is continued
    # exactly by the tail's inversion
    mu = np.array([6.0])
    ptr = np.array([0, 5], np.int64)
    prob, alias = np.empty(5), np.empty(5, np.int64)
    rs._fill_poisson_tables(mu, ptr, prob, alias)
    expected = np.append(stats.poisson.pmf(np.arange(4), 6.0), stats.poisson.sf(3, 6.0))
    np.testing.assert_allclose(_implied(prob, alias), expected, rtol=1e-12)
    draws = _table_draws((mu, np.zeros(1, np.int64), ptr, prob, alias), 40_000, 9)[0]
    assert draws.max() > 10
    assert _poisson_gof(draws, 6.0) > 1e-4


@pytest.mark.parametrize("mu, k0", [(6.0, 9), (0.5, 4), (200.0, 330)])
def test_poisson_tail_is_the_conditional_distribution(mu, k0):
    p, tail = rs._poisson_tail_mass(mu, k0)
    assert p == pytest.approx(stats.poisson.pmf(k0, mu), rel=1e-12)
    assert tail == pytest.approx(stats.poisson.sf(k0 - 1, mu), rel=1e-12)
    draws = _tail_draws(mu, k0, 20_000, 3)
    assert draws.min() >= k0
    top = int(draws.max()) + 1
    grid = np.arange(k0, top)
    exp = stats.poisson.pmf(grid, mu) / stats.poisson.sf(k0 - 1, mu) * draws.shape[0]
    obs = np.bincount(draws - k0, minlength=top - k0).astype(float)
    keep = exp >= 5
    f_obs = np.append(obs[keep], obs[~keep].sum())
    f_exp = np.append(exp[keep], draws.shape[0] - exp[keep].sum())
    assert stats.chisquare(f_obs, f_exp).pvalue > 1e-4


@numba.njit
def _tail_draws(mu, k0, n_draws, seed):
    np.random.seed(seed)
    out = np.empty(n_draws, np.int64)
    for r in range(n_draws):
        out[r] = rs._poisson_tail(mu, k0)
    return out


def test_poisson_path_falls_back_exactly_when_overshooting():
    # a total of 16 + 3 sqrt(...) sits at the switch; draws must still sum to the total
    cells = np.ones(50)
    x = _many_draws(cells, 40, 2000, 3)
    assert np.all(x.sum(axis=1) == 40)


# ------------------------------------------------------------------------ against scipy
@pytest.fixture(scope="module")
def baseball():
    return btstats.load_example("baseball")


@pytest.fixture(scope="module")
def scipy_boot(baseball):
    w, l = _long_rows(baseball)
    items = baseball.items

    def statistic(idx):
        c = btstats.Comparisons.from_arrays(w[idx], l[idx], items=items)
        return btstats.fit(c).scores.to_numpy()

    # 1999 resamples: with 499 the reference's own Monte Carlo error in the BCa endpoints
    # (up to 0.09 between seeds) was as large as the tolerance of the comparison below
    res = stats.bootstrap((np.arange(w.shape[0]),), statistic, vectorized=False,
                          n_resamples=1999, method="BCa", rng=np.random.default_rng(5))
    return res, statistic, w.shape[0]


def test_bca_matches_scipy_on_the_same_distribution(baseball, scipy_boot):
    """Given scipy's own bootstrap distribution, btstats' BCa equals scipy.stats.bootstrap's:
    the cell jackknife weighted by counts is exactly scipy's row jackknife."""
    res, _, _ = scipy_boot
    fit = btstats.fit(baseball)
    boot = fit.bootstrap(n_resamples=20, rng=0)
    boot._dist = np.ascontiguousarray(res.bootstrap_distribution.T)
    ci = boot.confidence_interval(0.95, interval="bca")
    np.testing.assert_allclose(ci.low.to_numpy(), res.confidence_interval.low, atol=1e-7)
    np.testing.assert_allclose(ci.high.to_numpy(), res.confidence_interval.high, atol=1e-7)


def test_percentile_and_basic_match_scipy_on_the_same_distribution(baseball, scipy_boot):
    res, statistic, n_rows = scipy_boot
    fit = btstats.fit(baseball)
    boot = fit.bootstrap(n_resamples=20, rng=0)
    boot._dist = np.ascontiguousarray(res.bootstrap_distribution.T)
    for method in ("percentile", "basic"):
        ci = boot.confidence_interval(0.9, interval=method)
        ref90 = stats.bootstrap((np.arange(n_rows),), statistic, vectorized=False,
                                n_resamples=0, method=method, confidence_level=0.9,
                                bootstrap_result=res, rng=np.random.default_rng(5))
        np.testing.assert_allclose(ci.low.to_numpy(), ref90.confidence_interval.low, atol=1e-12)
        np.testing.assert_allclose(ci.high.to_numpy(), ref90.confidence_interval.high,
                                   atol=1e-12)


def test_jackknife_equals_explicit_leave_one_out(baseball, scipy_boot):
    """The kernel's leave-one-comparison-out refits equal refits of the data minus one row."""
    _, statistic, n_rows = scipy_boot
    fit = btstats.fit(baseball)
    values, mult = fit.bootstrap(n_resamples=10, rng=0).jackknife_values()
    assert mult.sum() == n_rows
    w, l = _long_rows(baseball)
    # every distinct (winner, loser) cell once, in the kernel's cell order
    seen = {}
    for r in range(n_rows):
        seen.setdefault((w[r], l[r]), r)
    assert len(seen) == values.shape[0]
    explicit = np.array([statistic(np.delete(np.arange(n_rows), r)) for r in seen.values()])
    key = lambda v: tuple(np.round(v, 6))  # noqa: E731  (match rows irrespective of order)
    assert sorted(map(key, explicit)) == sorted(map(key, values))


def test_own_draws_agree_with_scipy_statistically(baseball, scipy_boot):
    res, _, _ = scipy_boot
    boot = btstats.bootstrap(baseball, n_resamples=2000, rng=7)
    se_scipy = res.standard_error
    np.testing.assert_allclose(boot.standard_error.to_numpy(), se_scipy, rtol=0.12)
    for method in ("percentile", "bca"):
        ci = boot.confidence_interval(interval=method)
        ref = res.confidence_interval if method == "bca" else None
        if ref is not None:
            assert np.max(np.abs(ci.low.to_numpy() - ref.low)) < 0.08
            assert np.max(np.abs(ci.high.to_numpy() - ref.high)) < 0.08


# ------------------------------------------------------------------------ behaviour
def test_estimate_is_the_full_data_fit_and_distribution_shape(baseball):
    fit = btstats.fit(baseball)
    boot = fit.bootstrap(n_resamples=300, rng=1)
    pd.testing.assert_series_equal(boot.estimate, fit.scores.rename("estimate"))
    assert boot.bootstrap_distribution.shape == (300, 7)
    np.testing.assert_allclose(boot.bootstrap_distribution.sum(axis=1), 0.0, atol=1e-9)
    assert np.all(np.isfinite(boot.bootstrap_distribution))


def test_reproducible_and_independent_of_thread_count(baseball):
    fit = btstats.fit(baseball)
    a = fit.bootstrap(n_resamples=200, rng=3).bootstrap_distribution
    b = fit.bootstrap(n_resamples=200, rng=np.random.default_rng(3)).bootstrap_distribution
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        c = fit.bootstrap(n_resamples=200, rng=3).bootstrap_distribution
    finally:
        numba.set_num_threads(threads)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, fit.bootstrap(n_resamples=200, rng=4).bootstrap_distribution)


def test_rao_kupper_carries_theta():
    fit = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    boot = fit.bootstrap(n_resamples=200, rng=2)
    assert boot.estimate.index[-1] == "theta"
    assert boot.estimate["theta"] == pytest.approx(fit.theta)
    theta = boot.bootstrap_distribution[:, -1]
    assert np.all(theta >= 1.0)
    ci = boot.confidence_interval(interval="percentile")
    assert ci.low["theta"] < fit.theta < ci.high["theta"]
    assert boot.standard_error["theta"] == pytest.approx(fit.theta_se, rel=0.35)


def test_parametric_bootstrap_matches_wald_on_large_data():
    rng = np.random.default_rng(4)
    truth = np.linspace(-1, 1, 6)
    sim = btstats.simulate(truth, btstats.round_robin(6, 300), rng=rng)
    fit = btstats.fit(sim.data)
    boot = fit.bootstrap(n_resamples=600, kind="parametric", rng=5)
    np.testing.assert_allclose(boot.standard_error.to_numpy(), fit.standard_errors.to_numpy(),
                               rtol=0.12)
    np.testing.assert_allclose(boot.bootstrap_distribution.mean(axis=0), fit.scores, atol=0.03)


def test_degenerate_replicates_are_counted_and_never_infinite():
    # a sparse cycle: each pair compared twice, many replicates lose an item's only win
    items = list("abcdef")
    rows = []
    for k in range(6):
        x, y = items[k], items[(k + 1) % 6]
        rows += [(x, y), (x, y), (y, x)]
    df = pd.DataFrame(rows, columns=["winner", "loser"])
    fit = btstats.fit(df)
    with pytest.warns(btstats.DegenerateResampleWarning, match="no finite maximum"):
        boot = fit.bootstrap(n_resamples=300, rng=1)
    assert 0 < boot.n_degenerate < 300
    assert boot.n_dropped == 0
    for method in ("percentile", "basic"):
        ci = boot.confidence_interval(interval=method)
        assert np.all(np.isfinite(ci.low)) and np.all(np.isfinite(ci.high))
    with pytest.warns(btstats.DegenerateResampleWarning):
        dropped = fit.bootstrap(n_resamples=300, rng=1, degenerate="drop")
    assert dropped.n_dropped == dropped.n_degenerate == boot.n_degenerate
    assert dropped.n_unconverged == 0
    assert dropped.bootstrap_distribution.shape[0] == 300 - dropped.n_dropped
    assert np.all(np.isfinite(dropped.bootstrap_distribution))


def test_cluster_bootstrap_resamples_clusters():
    rng = np.random.default_rng(8)
    truth = pd.Series([0.8, 0.3, 0.0, -0.4, -0.7], index=list("vwxyz"))
    sim = btstats.simulate(truth, btstats.random_pairs(5, 3000, rng=rng), rng=rng)
    df = sim.data.copy()
    df["prompt"] = np.arange(len(df)) // 10
    boot = btstats.bootstrap(df, n_resamples=400, cluster="prompt", rng=2)
    assert boot.resampling == "cluster"
    plain = btstats.bootstrap(df, n_resamples=400, rng=2)
    assert plain.resampling == "cells"
    # clusters of independent rows: the same spread as plain resampling
    np.testing.assert_allclose(boot.standard_error, plain.standard_error, rtol=0.2)
    with pytest.raises(btstats.DataError, match="not a per-row column"):
        btstats.fit(df).bootstrap(cluster="nope")
    with pytest.raises(ValueError, match="kind='nonparametric'"):
        btstats.fit(df, cluster="prompt").bootstrap(cluster="cluster", kind="parametric")


def test_fractional_weights_resample_comparisons():
    # fractional weights are counts: the replicates draw round(total) comparisons over the
    # cells (see test_reliability.py for the agreement with the Wald standard errors)
    df = pd.DataFrame({"winner": list("abcabc") * 5, "loser": list("bcacab") * 5,
                       "weight": np.linspace(0.5, 2.0, 30)})
    boot = btstats.bootstrap(df, n_resamples=200, rng=1)
    assert boot.resampling == "cells"
    assert np.all(np.isfinite(boot.bootstrap_distribution))
    with pytest.raises(btstats.DataError, match="fractional"):
        btstats.bootstrap(df, kind="parametric", n_resamples=10)


def test_ranks_and_probabilities(baseball):
    boot = btstats.bootstrap(baseball, n_resamples=500, rng=9)
    ranks = boot.rank_distribution()
    assert sorted(ranks.iloc[0]) == list(range(1, 8))
    p1 = boot.probability_first()
    assert p1.sum() == pytest.approx(1.0)
    assert p1.idxmax() == "Milwaukee"
    sup = boot.superiority()
    off = ~np.eye(7, dtype=bool)
    np.testing.assert_allclose((sup + sup.T).to_numpy()[off], 1.0)
    rk = boot.rank_interval()
    assert isinstance(rk, btstats.ConfidenceInterval) and rk.interval == "percentile"
    lo, hi = rk
    assert np.all(lo <= hi) and hi["Baltimore"] == 7
    sets = boot.rank_sets()
    simultaneous = boot.rank_sets(simultaneous=True)
    assert np.all(simultaneous.lower <= sets.lower) and np.all(sets.upper <= simultaneous.upper)
    wald_sets = btstats.fit(baseball).rank_sets(rng=0)
    assert wald_sets.upper["Baltimore"] == 7
    frame = boot.to_frame()
    assert list(frame.columns[:4]) == ["rank", "item", "score", "se"]
    assert frame["item"].iloc[0] == "Milwaukee"
    elo = boot.to_frame(scale="elo")
    assert elo["score"].iloc[0] == pytest.approx(1000 + 400 / np.log(10) * frame["score"].iloc[0])


def test_bad_arguments(baseball):
    fit = btstats.fit(baseball)
    with pytest.raises(ValueError, match="`kind`"):
        fit.bootstrap(kind="jackknife")
    with pytest.raises(ValueError, match="`n_resamples`"):
        fit.bootstrap(n_resamples=0)
    boot = fit.bootstrap(n_resamples=50, rng=0)
    with pytest.raises(ValueError, match="`interval` must be one of"):
        boot.confidence_interval(interval="studentized")
    with pytest.raises(TypeError):                  # the interval kind is keyword-only
        boot.confidence_interval(0.95, "bca")
    with pytest.raises(ValueError, match="`confidence_level`"):
        boot.confidence_interval(1.5)


def test_progress_bar_can_be_forced_and_silenced(baseball, capsys):
    fit = btstats.fit(baseball)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit.bootstrap(n_resamples=100, rng=0, progress=False)
    assert capsys.readouterr().err == ""
    fit.bootstrap(n_resamples=100, rng=0, progress=True)
    assert "100/100" in capsys.readouterr().err  # btstats' own bar or tqdm's, on stderr


def test_forest_plots(baseball):
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    fit = btstats.fit(baseball)
    ax = fit.plot()
    top = max(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert top.get_text() == "Milwaukee"  # best on top
    ax2 = fit.bootstrap(n_resamples=100, rng=0).plot(scale="elo")
    assert ax2.get_xlabel() == "Elo"
    plt.close("all")


@pytest.mark.parametrize("model, kw", [("rao-kupper", {}), ("thurstone", {"ties": "half"}),
                                       ("rao-kupper", {"penalty": 0.05})])
def test_newton_start_step_reaches_the_same_replicates(monkeypatch, model, kw):
    """The pair-count refits start one Newton step (full-data information) away from the
    estimate; without that step they reach the same optimum, to the replicate tolerance, and
    the jackknife values (BCa) agree too."""
    import btstats.inference.bootstrap as B

    data = btstats.load_example("springall")
    fit = btstats.fit(data, model, **kw)
    design = B._PairDesign(fit, "nonparametric", None)
    gd, ge, cov = design.newton_start()
    n = fit.n_items
    assert cov.shape == ((n + 1, n + 1) if fit.eta is not None else (n, n))
    with_step = fit.bootstrap(n_resamples=60, rng=5, progress=False)
    monkeypatch.setattr(B._PairDesign, "newton_start", lambda self: None)
    without = fit.bootstrap(n_resamples=60, rng=5, progress=False)
    np.testing.assert_allclose(with_step.bootstrap_distribution,
                               without.bootstrap_distribution, atol=1e-7)
    np.testing.assert_allclose(with_step.acceleration, without.acceleration, atol=1e-6)
