"""Standard errors without an n x n matrix (btstats.inference.large, fit.variances).

References: the dense covariance of the same fit (``fit.covariance``,
``fit.parameter_covariance``: the inverse information in the sum-to-zero subspace), and for
the kernels plain numpy (``np.linalg.inv``, ``np.linalg.solve``, the dense information kernel).
"""
import time

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import btstats
from btstats import _checks
from btstats._kernels import large as K
from btstats._kernels import likelihood as _likelihood
from btstats.estimation import results
from btstats.inference.large import Variances


# ------------------------------------------------------------------ designs
def _counts(a, b, s, per, rng, theta=None):
    """Pair counts of ``per`` comparisons per listed pair: Bradley-Terry, or Rao-Kupper with
    ``theta``."""
    d = s[a] - s[b]
    if theta is None:
        wa = rng.binomial(per, 1.0 / (1.0 + np.exp(-d)))
        wb, t = per - wa, np.zeros_like(wa)
    else:
        pa = 1.0 / (1.0 + theta * np.exp(-d))
        pb = 1.0 / (1.0 + theta * np.exp(d))
        k = rng.multinomial(per, np.stack([pa, pb, 1.0 - pa - pb], axis=1))
        wa, wb, t = k[:, 0], k[:, 1], k[:, 2]
    return btstats.Comparisons.from_counts(pd.DataFrame(
        {"item_a": a, "item_b": b, "wins_a": wa, "wins_b": wb, "ties": t}))


def random_design(n, *, degree=10, per=20, seed=0, theta=None):
    """Each item against ~``degree`` random others (plus a spanning cycle), ``per`` times."""
    rng = np.random.default_rng(seed)
    s = rng.normal(0.0, 0.7, n)
    m = n * degree // 2
    a = rng.integers(0, n, m)
    b = rng.integers(0, n - 1, m)
    b = b + (b >= a)
    cyc = rng.permutation(n)
    return _counts(np.concatenate([a, cyc]), np.concatenate([b, np.roll(cyc, -1)]), s, per,
                   rng, theta)


def band_design(n, *, width=5, per=20, seed=0, theta=None):
    """Items in a hidden order, each against its ``width`` successors (a Swiss-style
    pairing of neighbours): a band graph, whose envelope is small."""
    rng = np.random.default_rng(seed)
    s = rng.normal(0.0, 0.7, n)
    order = rng.permutation(n)
    a = np.concatenate([order[:-k] for k in range(1, width + 1)])
    b = np.concatenate([order[k:] for k in range(1, width + 1)])
    return _counts(a, b, s, per, rng, theta)


@pytest.fixture(scope="module")
def big():
    """A fit of 5,000 items (~10 random opponents each) and its dense covariance."""
    fit = btstats.fit(random_design(5000, seed=3))
    return fit, fit.covariance.to_numpy()


@pytest.fixture(scope="module")
def band():
    fit = btstats.fit(band_design(2000, seed=4))
    return fit, fit.covariance.to_numpy()


# ------------------------------------------------------------------ kernels vs naive
def _spd(m, seed):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, m, 3 * m)
    b = rng.integers(0, m, 3 * m)
    keep = a != b
    w = rng.random(keep.sum())
    lap = sp.coo_matrix((np.r_[-w, -w], (np.r_[a[keep], b[keep]], np.r_[b[keep], a[keep]])),
                        shape=(m, m)).tocsr()
    lap = lap - sp.diags(np.asarray(lap.sum(axis=1)).ravel())
    return (lap + sp.diags(np.full(m, 0.05))).tocsr()


@pytest.mark.parametrize("seed", [0, 1])
def test_envelope_kernels_match_numpy(seed):
    m = 120
    a = _spd(m, seed)           # natural order: a ragged, non-monotone profile
    low = sp.tril(a, format="csr")
    g, ptr = K.envelope_profile(m, low.indptr.astype(np.int64), low.indices.astype(np.int64))
    assert np.all(np.diff(g) >= 0) and np.all(g <= np.arange(m))
    val = K.envelope_fill(m, low.indptr.astype(np.int64), low.indices.astype(np.int64),
                          low.data, g, ptr)
    assert K.envelope_ldl(m, g, ptr, val) == -1
    dense = a.toarray()
    rhs = np.random.default_rng(seed).normal(size=(m, 3))
    x = rhs.copy()
    K.envelope_solve(m, g, ptr, val, x)
    np.testing.assert_allclose(dense @ x, rhs, atol=1e-11)
    inv = np.linalg.inv(dense)
    d = K.envelope_selected_inverse(m, g, ptr, val)
    np.testing.assert_allclose(d, np.diag(inv), rtol=1e-11)
    # every entry of the envelope holds the inverse there
    for r in range(0, m, 7):
        np.testing.assert_allclose(val[ptr[r]:ptr[r + 1]], inv[r, g[r]:r + 1], rtol=1e-9,
                                   atol=1e-13)


def test_envelope_ldl_flags_an_indefinite_matrix():
    a = np.array([[1.0, 2.0], [2.0, 1.0]])
    low = sp.tril(sp.csr_matrix(a), format="csr")
    g, ptr = K.envelope_profile(2, low.indptr.astype(np.int64), low.indices.astype(np.int64))
    val = K.envelope_fill(2, low.indptr.astype(np.int64), low.indices.astype(np.int64),
                          low.data, g, ptr)
    assert K.envelope_ldl(2, g, ptr, val) == 1


def test_block_pcg_matches_the_pseudo_inverse():
    m = 150
    lap = _spd(m, 2) - sp.diags(np.full(m, 0.05))
    coo = sp.triu(lap, k=1).tocoo()
    pi, pj, w = coo.row.astype(np.int64), coo.col.astype(np.int64), -coo.data
    deg = np.bincount(pi, w, m) + np.bincount(pj, w, m)
    b = np.random.default_rng(0).normal(size=(m, 5))
    b -= b.mean(axis=0)
    b[:, 4] = 0.0                                   # a zero column stops at once
    x = np.empty_like(b)
    c = deg.mean()
    it = K.block_pcg(m, pi, pj, w, np.zeros(m), c, deg + c / m, b, x, 1e-12, 10_000)
    assert it[4] == 0 and np.all(it[:4] > 0) and np.all(it < 10_000)
    np.testing.assert_allclose(x - x.mean(axis=0), np.linalg.pinv(lap.toarray()) @ b,
                               atol=1e-10)


@pytest.mark.parametrize("expected", [False, True])
def test_pair_information_sums_to_the_dense_information(expected):
    fit = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    pi, pj, wab, wba, tie = fit._counts.arrays()
    s = np.ascontiguousarray(fit._s)
    dense = _likelihood.information(fit._model.link, s, fit.eta, pi, pj, wab, wba, tie,
                                    expected, True)
    hdd, hde, hee = K.pair_information(fit._model.link, s, fit.eta, pi, pj, wab, wba, tie,
                                       expected, True)
    n = fit.n_items
    lap = np.zeros((n, n))
    np.add.at(lap, (pi, pj), -hdd)
    np.add.at(lap, (pj, pi), -hdd)
    lap[np.arange(n), np.arange(n)] = -lap.sum(axis=1)
    np.testing.assert_allclose(lap, dense[:n, :n], atol=1e-10)
    cross = np.bincount(pi, hde, n) - np.bincount(pj, hde, n)
    np.testing.assert_allclose(cross, dense[:n, n], atol=1e-10)
    assert hee.sum() == pytest.approx(dense[n, n], rel=1e-12)


# ------------------------------------------------------------------ 5,000 items vs dense
def test_exact_item_variances_match_dense_at_5000_items(big):
    fit, cov = big
    pick = np.random.default_rng(0).choice(fit.n_items, 300, replace=False)
    res = fit.variances(list(fit.items[pick]))
    assert isinstance(res, Variances) and res.estimator == "exact" and res.solver == "cg"
    np.testing.assert_allclose(res.variance.to_numpy(), np.diag(cov)[pick], rtol=1e-8)
    np.testing.assert_allclose(res.estimate.to_numpy(), fit.scores.to_numpy()[pick])
    assert (res.variance_mcse == 0).all() and res.tol == 1e-10 and res.n_solves >= 300


def test_exact_contrasts_match_dense_at_5000_items(big):
    fit, cov = big
    rng = np.random.default_rng(1)
    a = rng.integers(0, fit.n_items, 200)
    b = (a + 1 + rng.integers(0, fit.n_items - 1, 200)) % fit.n_items
    res = fit.variances(contrasts=list(zip(fit.items[a], fit.items[b])))
    ref = cov[a, a] + cov[b, b] - 2.0 * cov[a, b]
    np.testing.assert_allclose(res.variance.to_numpy(), ref, rtol=1e-8)
    assert res.variance.index[0] == f"{fit.items[a[0]]} - {fit.items[b[0]]}"
    # weights: a dense (k, n) array and a sparse matrix give the same, a 3-item contrast too
    w = np.zeros((2, fit.n_items))
    w[0, [3, 8, 13]] = [0.5, 0.5, -1.0]
    w[1, [1, 2]] = [1.0, -1.0]
    for given in (w, sp.csr_matrix(w)):
        res = fit.variances(contrasts=given)
        np.testing.assert_allclose(res.variance.to_numpy(), np.einsum("ki,ij,kj->k", w, cov, w),
                                   rtol=1e-8)
        np.testing.assert_allclose(res.estimate.to_numpy(), w @ fit.scores.to_numpy())


def test_stochastic_diagonal_is_within_its_stated_error_at_5000_items(big):
    fit, cov = big
    d = np.diag(cov)
    res = fit.variances(estimator="stochastic", n_probes=100, rng=0)
    assert res.estimator == "stochastic" and res.n_probes == 100
    z = (res.variance.to_numpy() - d) / res.variance_mcse.to_numpy()
    # the per-item errors in units of their stated standard errors are about N(0, 1):
    # none beyond 5.5 (the largest of 5,000 normals is ~3.9), few beyond 3, spread ~ 1
    assert np.abs(z).max() < 5.5
    assert np.mean(np.abs(z) > 3) < 0.01
    assert 0.85 < z.std() < 1.15
    rel = np.abs(res.variance.to_numpy() / d - 1)
    assert rel.mean() < 0.02 and np.median(res.variance_mcse.to_numpy() / d) < 0.02
    # standard errors: half the relative error
    se_rel = np.abs(res.standard_error.to_numpy() / np.sqrt(d) - 1)
    assert se_rel.mean() < 0.01


def test_stochastic_contrasts_and_items_subset(big):
    fit, cov = big
    pairs = [(fit.items[k], fit.items[k + 1]) for k in range(0, 400, 2)]
    res = fit.variances(contrasts=pairs, estimator="stochastic", n_probes=64, rng=5)
    a = np.arange(0, 400, 2)
    ref = cov[a, a] + cov[a + 1, a + 1] - 2.0 * cov[a, a + 1]
    z = (res.variance.to_numpy() - ref) / res.variance_mcse.to_numpy()
    assert np.abs(z).max() < 5.0 and 0.7 < z.std() < 1.3
    sub = fit.variances(list(fit.items[:10]), estimator="stochastic", n_probes=64, rng=5)
    full = fit.variances(estimator="stochastic", n_probes=64, rng=5)
    np.testing.assert_allclose(sub.variance.to_numpy(), full.variance.to_numpy()[:10])


def test_exact_all_items_needs_a_feasible_envelope(big):
    fit, _ = big        # random pairings of 5,000 items: an envelope of ~n^2 / 4
    with pytest.raises(MemoryError, match="estimator='stochastic'"):
        fit.variances()
    with pytest.raises(MemoryError, match="solver='cg'"):
        fit.variances(list(fit.items[:3]), solver="factor")


# ------------------------------------------------------------------ the factorisation
def test_factorisation_gives_all_variances_exactly_on_a_band_design(band):
    fit, cov = band
    res = fit.variances()
    assert res.solver == "factor" and np.isnan(res.tol)
    np.testing.assert_allclose(res.variance.to_numpy(), np.diag(cov), rtol=1e-10)
    np.testing.assert_allclose(fit.variances(list(fit.items[:40]), solver="cg")
                               .variance.to_numpy(), np.diag(cov)[:40], rtol=1e-8)
    # contrasts by the factors' solves
    res = fit.variances(contrasts=[(fit.items[0], fit.items[5])], solver="factor")
    assert res.variance.iloc[0] == pytest.approx(cov[0, 0] + cov[5, 5] - 2 * cov[0, 5],
                                                 rel=1e-10)
    # the stochastic estimator on the factors agrees with the exact diagonal
    st = fit.variances(estimator="stochastic", n_probes=100, rng=2)
    assert st.solver == "factor"
    z = (st.variance.to_numpy() - np.diag(cov)) / st.variance_mcse.to_numpy()
    assert np.abs(z).max() < 5.5 and 0.85 < z.std() < 1.15


@pytest.mark.parametrize("penalty", [1e-6, 1e-2, 1.0])
def test_factorisation_with_a_penalty(penalty):
    fit = btstats.fit(band_design(300, seed=6), penalty=penalty)
    d = np.diag(fit.covariance.to_numpy())
    for solver in ("factor", "cg"):
        res = fit.variances(list(fit.items), solver=solver) if solver == "cg" else \
            fit.variances(solver=solver)
        np.testing.assert_allclose(res.variance.to_numpy(), d, rtol=1e-9)


def test_rao_kupper_eta_through_the_schur_complement():
    for design in (random_design(600, seed=7, theta=1.6), band_design(600, seed=7, theta=1.6)):
        fit = btstats.fit(design, "rao-kupper")
        cov = fit.parameter_covariance.to_numpy()
        n = fit.n_items
        res = fit.variances(list(fit.items[:50]), solver="cg")
        np.testing.assert_allclose(res.variance.to_numpy(), np.diag(cov)[:50], rtol=1e-8)
        assert list(res.coefficient_variance.index) == ["eta"]
        assert res.coefficient_variance.iloc[0] == pytest.approx(cov[n, n], rel=1e-8)
        st = fit.variances(estimator="stochastic", n_probes=100, rng=0)
        z = (st.variance.to_numpy() - np.diag(cov)[:n]) / st.variance_mcse.to_numpy()
        assert np.abs(z).max() < 5.0
    res = fit.variances()                                   # the band: factorisation
    np.testing.assert_allclose(res.variance.to_numpy(), np.diag(cov)[:n], rtol=1e-10)


CASES = [
    ("baseball", "thurstone", {}),
    ("springall", "rao-kupper", {}),
    ("baseball_home", "bradley-terry", {"order_effect": True}),
    ("home_ties", "davidson", {"order_effect": True}),
    ("graded5", "graded", {}),
]


@pytest.mark.parametrize("example, model, kw", CASES)
@pytest.mark.parametrize("covariance_type", ["observed", "expected", "sandwich", "cluster"])
def test_every_model_and_covariance_matches_dense(example, model, kw, covariance_type):
    fit = btstats.fit(btstats.load_example(example), model, **kw)
    if covariance_type == "cluster":
        fit = fit.with_covariance("cluster", cluster=np.arange(fit.comparisons.n_rows) % 5)
    else:
        fit = fit.with_covariance(covariance_type)
    cov = fit.parameter_covariance.to_numpy()
    n = fit.n_items
    for solver in ("cg", "factor"):
        res = fit.variances(list(fit.items), solver=solver)
        np.testing.assert_allclose(res.variance.to_numpy(), np.diag(cov)[:n], rtol=1e-8)
        np.testing.assert_allclose(res.coefficient_variance.to_numpy(), np.diag(cov)[n:],
                                   rtol=1e-8)
    c = np.zeros(n)
    c[[0, 1, 2]] = [1.0, 1.0, -2.0]
    res = fit.variances(contrasts=c)
    assert res.variance.iloc[0] == pytest.approx(c @ cov[:n, :n] @ c, rel=1e-8)
    if covariance_type in ("observed", "expected"):
        np.testing.assert_allclose(fit.variances().variance.to_numpy(), np.diag(cov)[:n],
                                   rtol=1e-10)
    else:
        with pytest.raises(NotImplementedError, match="estimator='stochastic'"):
            fit.variances()
    st = fit.variances(estimator="stochastic", n_probes=200, rng=1)
    z = (st.variance.to_numpy() - np.diag(cov)[:n]) / st.variance_mcse.to_numpy()
    assert np.abs(z).max() < 5.0


# ------------------------------------------------------------------ the fit's entry points
def test_entry_points_beyond_the_dense_limit(monkeypatch):
    fit = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    se, eta_se = fit.standard_errors.copy(), fit.eta_se
    table = fit.coefficients
    con = fit.contrast(fit.items[0], fit.items[1])
    monkeypatch.setattr(results, "MAX_DENSE_COVARIANCE", 3)
    fresh = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    pd.testing.assert_series_equal(fresh.standard_errors, se, rtol=1e-10)
    assert fresh.eta_se == pytest.approx(eta_se, rel=1e-10)
    pd.testing.assert_frame_equal(fresh.coefficients, table, rtol=1e-9)
    sparse = fresh.contrast(fit.items[0], fit.items[1])
    assert sparse.standard_error == pytest.approx(con.standard_error, rel=1e-10)
    assert sparse.label == con.label and sparse.estimate == pytest.approx(con.estimate)
    ci = fresh.confidence_interval(0.9)
    pd.testing.assert_series_equal(ci.low, fit.confidence_interval(0.9).low, rtol=1e-10)
    with pytest.raises(MemoryError, match="variances"):
        fresh.covariance
    with pytest.raises(MemoryError, match="estimator='stochastic'"):
        fresh.with_covariance("sandwich").standard_errors
    # a graph whose envelope is beyond the limits: a clear error naming the alternatives
    monkeypatch.setattr(_checks, "MAX_ENVELOPE_ENTRIES", 0)
    other = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    with pytest.raises(MemoryError, match="intervals=False") as err:
        other.standard_errors
    assert "fit.variances(estimator='stochastic')" in str(err.value)


def test_item_covariate_fits_are_not_covered():
    items = btstats.load_example("baseball").items
    x = pd.DataFrame({"x": np.arange(len(items), dtype=float)}, index=items)
    fit = btstats.fit(btstats.load_example("baseball"), item_covariates=x)
    with pytest.raises(NotImplementedError, match="item covariates"):
        fit.variances()


# ------------------------------------------------------------------ randomness, results
def test_rng_reproducibility():
    fit = btstats.fit(random_design(400, seed=8))
    a = fit.variances(estimator="stochastic", n_probes=40, rng=11)
    b = fit.variances(estimator="stochastic", n_probes=40, rng=np.random.default_rng(11))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    c = fit.variances(estimator="stochastic", n_probes=40, rng=12)
    assert not np.allclose(a.variance, c.variance)
    # a Generator is consumed: two calls with one Generator draw different probes
    gen = np.random.default_rng(3)
    assert not np.allclose(fit.variances(estimator="stochastic", n_probes=20, rng=gen).variance,
                           fit.variances(estimator="stochastic", n_probes=20, rng=gen).variance)


def test_result_object():
    fit = btstats.fit(btstats.load_example("baseball"))
    res = fit.variances(["Milwaukee", "Boston"])
    frame = res.to_frame()
    assert list(frame.columns) == ["estimate", "se", "variance", "variance_mcse", "se_mcse"]
    assert list(frame.index) == ["Milwaukee", "Boston"] and frame.index.name == "item"
    low, high = res.confidence_interval(0.95)
    ref = fit.confidence_interval(0.95)
    np.testing.assert_allclose(low.to_numpy(), ref.low[["Milwaukee", "Boston"]].to_numpy())
    np.testing.assert_allclose(high.to_numpy(), ref.high[["Milwaukee", "Boston"]].to_numpy())
    text = fit.variances(estimator="stochastic", n_probes=10, rng=0).summary()
    assert "estimator" in text and "probes" in text and "Milwaukee" in text
    assert "Parameters beyond the scores" in btstats.fit(
        btstats.load_example("springall"), "rao-kupper").variances().summary()
    assert "Variances(7 items" in repr(fit.variances())
    st = fit.variances(estimator="stochastic", n_probes=10, rng=0)
    np.testing.assert_allclose(st.standard_error_mcse,
                               st.variance_mcse / (2 * st.standard_error))
    single = fit.variances("Boston")
    assert list(single.variance.index) == ["Boston"]
    one = fit.variances(contrasts={"Milwaukee": 1, "Boston": -1})
    assert one.variance.index[0] == "Milwaukee - Boston"
    frame_c = pd.DataFrame({"Milwaukee": [1.0], "Boston": [-1.0]}, index=["m-b"])
    assert fit.variances(contrasts=frame_c).variance.iloc[0] == pytest.approx(
        one.variance.iloc[0])


@pytest.mark.parametrize("kwargs, err, match", [
    ({"items": ["Milwaukee", "Atlantis"]}, KeyError, "Atlantis"),
    ({"contrasts": [("Milwaukee", "Atlantis")]}, KeyError, "Atlantis"),
    ({"contrasts": np.ones((2, 6))}, ValueError, r"shape \(k, n_items\)"),
    ({"contrasts": np.ones((2, 3, 7))}, ValueError, r"shape \(k, n_items\)"),
    ({"contrasts": sp.csr_matrix((2, 5))}, ValueError, r"shape \(k, n_items\)"),
    ({"contrasts": np.ones(7)}, ValueError, "sum to 0"),
    ({"contrasts": np.zeros((1, 7))}, ValueError, "all weights zero"),
    ({"contrasts": [("Boston", "Boston")]}, ValueError, "itself"),
    ({"contrasts": "Boston"}, TypeError, "list of \\(a, b\\) label pairs"),
    ({"contrasts": pd.DataFrame({"Atlantis": [1.0]})}, KeyError, "Atlantis"),
    ({"items": ["Boston"], "contrasts": [("Boston", "Toronto")]}, ValueError, "not both"),
    ({"estimator": "hutchinson"}, ValueError, "`estimator` must be one of"),
    ({"solver": "lu"}, ValueError, "`solver` must be one of"),
    ({"n_probes": 10}, ValueError, "n_probes` applies to estimator='stochastic'"),
    ({"estimator": "stochastic", "n_probes": 1}, ValueError, "`n_probes` must be >= 2"),
    ({"estimator": "stochastic", "n_probes": 2.5}, ValueError, "`n_probes` must be an integer"),
    ({"estimator": "stochastic", "rng": "seed"}, ValueError, "`rng` must be"),
    ({"tol": 0.0}, ValueError, "`tol` must be > 0"),
    ({"tol": 2.0}, ValueError, "below 1"),
    ({"solver": "cg"}, ValueError, "solver='auto' or 'factor'"),
])
def test_bad_arguments_say_what_to_do(kwargs, err, match):
    fit = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(err, match=match):
        fit.variances(**kwargs)


# ------------------------------------------------------------------ scale
def test_runs_on_100_000_items():
    n = 100_000
    t0 = time.perf_counter()
    fit = btstats.fit(random_design(n, seed=9), penalty=0.01)
    t1 = time.perf_counter()
    exact = fit.variances(list(fit.items[:16]))
    t2 = time.perf_counter()
    st = fit.variances(estimator="stochastic", n_probes=16, rng=0)
    t3 = time.perf_counter()
    print(f"\n100,000 items: fit {t1 - t0:.1f} s, 16 exact variances {t2 - t1:.1f} s, "
          f"stochastic diagonal (16 probes) {t3 - t2:.1f} s")
    assert st.variance.shape == (n,) and np.all(st.variance > 0)
    z = (st.variance.to_numpy()[:16] - exact.variance.to_numpy()) / \
        st.variance_mcse.to_numpy()[:16]
    assert np.abs(z).max() < 5.0
    assert np.median(st.variance_mcse / st.variance) < 0.05
    with pytest.raises(MemoryError, match="estimator='stochastic'"):
        fit.standard_errors
