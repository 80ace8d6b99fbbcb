"""Properties of the fits and the kernels, under the deterministic hypothesis profile.

No reference numbers here: every expectation is an invariance (relabelling, swapping sides,
layouts, duplication), a first-order condition (zero gradient at the optimum), agreement
between solvers, or agreement of the Numba kernels with a slow, obvious numpy/scipy
implementation of the three log-likelihoods and with central finite differences of it.
"""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import special

import btstats
from btstats._kernels import likelihood as klik
from btstats._kernels import links as klinks
from btstats.models.model import get_model

MODELS = ("bradley-terry", "thurstone", "rao-kupper")
METHODS = {"bradley-terry": ("newton", "mm", "gradient"),
           "thurstone": ("newton", "gradient"),
           "rao-kupper": ("newton", "mm", "gradient")}
# labels deliberately not in sorted order, so that item codes differ from draw order
NAMES = ("delta", "alpha", "echo", "bravo", "hotel", "charlie", "golf", "foxtrot")
LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


# ---------------------------------------------------------------------------- slow, obvious
def naive_log_cdf(model, x):
    """log F(x): log expit (logistic models) or scipy's log_ndtr (Thurstone)."""
    x = np.asarray(x, dtype=float)
    return special.log_ndtr(x) if model == "thurstone" else special.log_expit(x)


def naive_log_probs(model, d, eta=0.0):
    """log P(a wins), log P(b wins), log P(tie), straight from the model definitions.

    Bradley-Terry: P(a) = expit(d - eta). Thurstone: P(a) = Phi(d - eta). Rao-Kupper:
    P(a) = expit(d - eta), P(b) = expit(-d - eta), P(tie) = 1 - P(a) - P(b). The models
    without ties have eta = 0; it is kept as an argument so that its derivative can be taken.
    """
    d = np.asarray(d, dtype=float)
    if model == "rao-kupper":
        pa = special.expit(d - eta)
        pb = special.expit(-d - eta)
        with np.errstate(divide="ignore"):
            return np.log(pa), np.log(pb), np.log(1.0 - pa - pb)
    return (naive_log_cdf(model, d - eta), naive_log_cdf(model, -d - eta),
            np.full(d.shape, -np.inf))


def stable_log_probs(model, d, eta=0.0):
    """As :func:`naive_log_probs`, but P(tie) = F(d + eta) - F(d - eta) taken on the lower
    tail in log space, so that it is accurate for any d (finite differences need that)."""
    d = np.asarray(d, dtype=float)
    la = naive_log_cdf(model, d - eta)
    lb = naive_log_cdf(model, -d - eta)
    if model != "rao-kupper":
        return la, lb, np.full(d.shape, -np.inf)
    # P(tie) is even in d: u = -|d| + eta, v = -|d| - eta
    lu = naive_log_cdf(model, -np.abs(d) + eta)
    lv = naive_log_cdf(model, -np.abs(d) - eta)
    return la, lb, lu + np.log(-np.expm1(lv - lu))


def _weighted(count, logp):
    return np.where(count != 0, count * np.where(count != 0, logp, 0.0), 0.0)


def naive_loglik(model, s, eta, pi, pj, wab, wba, tie, log_probs=naive_log_probs):
    """Sum over comparisons of log P(observed outcome)."""
    s = np.asarray(s, dtype=float)
    la, lb, lt = log_probs(model, s[pi] - s[pj], eta)
    return float(np.sum(_weighted(wab, la) + _weighted(wba, lb) + _weighted(tie, lt)))


def fd_gradient(f, x, h=1e-6):
    """Central differences; ``h`` a step or one step per coordinate."""
    x = np.asarray(x, dtype=float)
    h = np.broadcast_to(np.asarray(h, dtype=float), x.shape)
    g = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = h[k]
        g[k] = (f(x + e) - f(x - e)) / (2 * h[k])
    return g


def fd_hessian(f, x, h=1e-4):
    x = np.asarray(x, dtype=float)
    m = x.size
    hess = np.empty((m, m))
    for i in range(m):
        for j in range(m):
            ei = np.zeros(m)
            ej = np.zeros(m)
            ei[i] = h
            ej[j] = h
            hess[i, j] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                          + f(x - ei - ej)) / (4 * h * h)
    return hess


# ---------------------------------------------------------------------------- data
@st.composite
def count_data(draw, ties=False, connected=True, min_items=3, max_items=8, max_count=12):
    """Random pair counts on 3-8 items: ``(n, pi, pj, wab, wba, tie)`` with pi < pj.

    With ``connected`` a directed cycle 0 -> 1 -> ... -> n-1 -> 0 of single wins is added, so
    the win graph is strongly connected and the MLE exists. With ``ties`` at least one tie.
    """
    n = draw(st.integers(min_items, max_items))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    m = len(pairs)
    counts = st.lists(st.integers(0, max_count), min_size=m, max_size=m)
    wab = np.array(draw(counts), dtype=float)
    wba = np.array(draw(counts), dtype=float)
    tie = np.array(draw(counts), dtype=float) if ties else np.zeros(m)
    if connected:
        for k in range(n):
            a, b = k, (k + 1) % n
            idx = pairs.index((min(a, b), max(a, b)))
            if a < b:
                wab[idx] += 1
            else:
                wba[idx] += 1
    else:
        assume(wab.sum() + wba.sum() > 0)
    if ties and tie.sum() == 0:
        tie[draw(st.integers(0, m - 1))] += 1
    pi = np.array([p[0] for p in pairs], dtype=np.int64)
    pj = np.array([p[1] for p in pairs], dtype=np.int64)
    return n, pi, pj, wab, wba, tie


def counts_frame(data, labels=NAMES):
    n, pi, pj, wab, wba, tie = data
    return pd.DataFrame({"item_a": [labels[i] for i in pi], "item_b": [labels[j] for j in pj],
                         "wins_a": wab, "wins_b": wba, "ties": tie})


def from_data(data, labels=NAMES):
    return btstats.Comparisons.from_counts(counts_frame(data, labels))


def model_data(model, **kwargs):
    return count_data(ties=model == "rao-kupper", **kwargs)


def fit_pair_arrays(res):
    """The fitted pair arrays and scores in code order (what the kernels see)."""
    p = res.comparisons.pairs
    return (np.ascontiguousarray(res.scores.to_numpy()), p.pi, p.pj, p.wab, p.wba, p.tie)


def kernel_gradient(model, s, eta, pi, pj, wab, wba, tie):
    grad = np.empty(s.shape[0])
    hpair = np.empty(pi.shape[0])
    cross = np.empty(s.shape[0])
    ll, g_eta, _ = klik.derivatives(get_model(model).link, s, eta, pi, pj, wab, wba, tie, grad,
                                    hpair, cross)
    return ll, grad, g_eta


# ---------------------------------------------------------------------------- fits
@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_scores_centred_and_gradient_zero(model, data):
    comps = from_data(data.draw(model_data(model)))
    res = btstats.fit(comps, model)
    assert res.converged
    assert abs(res.scores.sum()) < 1e-10
    s, pi, pj, wab, wba, tie = fit_pair_arrays(res)
    eta = res.eta or 0.0
    ll, grad, g_eta = kernel_gradient(model, s, eta, pi, pj, wab, wba, tie)
    deg = np.bincount(pi, wab + wba + tie, s.size) + np.bincount(pj, wab + wba + tie, s.size)
    assert np.max(np.abs(grad) / deg) < 1e-9
    if model == "rao-kupper":
        assert abs(g_eta) / res.n_comparisons < 1e-9
    # the reported log-likelihood is the slow, obvious one at the estimate
    assert res.loglik == pytest.approx(naive_loglik(model, s, eta, pi, pj, wab, wba, tie),
                                       rel=1e-12, abs=1e-10)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data(), shift=st.floats(-50, 50))
def test_shift_invariance(model, data, shift):
    # The likelihood depends on score differences only: shifting every score by a constant
    # changes neither the log-likelihood nor its gradient, and the fit (which reports centred
    # scores) is the same whatever the shift of its starting point.
    comps = from_data(data.draw(model_data(model)))
    res = btstats.fit(comps, model)
    s, pi, pj, wab, wba, tie = fit_pair_arrays(res)
    eta = res.eta or 0.0
    ll0, g0, ge0 = kernel_gradient(model, s, eta, pi, pj, wab, wba, tie)
    ll1, g1, ge1 = kernel_gradient(model, s + shift, eta, pi, pj, wab, wba, tie)
    assert ll1 == pytest.approx(ll0, rel=1e-12, abs=1e-9)
    np.testing.assert_allclose(g1, g0, atol=1e-7)
    assert ge1 == pytest.approx(ge0, abs=1e-7)
    # a shifted and perturbed start converges to the same centred scores
    from btstats._kernels import newton as knewton
    start = s + shift + np.linspace(-0.5, 0.5, s.size)
    status, _, eta_hat, _ = knewton.newton(get_model(model).link, model == "rao-kupper", start,
                                           eta if eta else 0.0, pi, pj, wab, wba, tie, 0.0,
                                           1e-12, 100, 500)
    assert status in (0, 2)
    np.testing.assert_allclose(start, s, atol=1e-8)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_relabelling_permutes_scores(model, data):
    counts = data.draw(model_data(model))
    n = counts[0]
    perm = data.draw(st.permutations(range(len(NAMES))))
    relabelled = [NAMES[perm[k]] for k in range(len(NAMES))]
    first = btstats.fit(from_data(counts), model)
    second = btstats.fit(from_data(counts, relabelled), model)
    for k in range(n):
        assert second.scores[relabelled[k]] == pytest.approx(first.scores[NAMES[k]], abs=1e-8)
        assert second.standard_errors[relabelled[k]] == pytest.approx(
            first.standard_errors[NAMES[k]], rel=1e-7)
    assert second.loglik == pytest.approx(first.loglik, rel=1e-12)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_swapping_winner_and_loser_negates_scores(model, data):
    n, pi, pj, wab, wba, tie = data.draw(model_data(model))
    first = btstats.fit(from_data((n, pi, pj, wab, wba, tie)), model)
    swapped = btstats.fit(from_data((n, pi, pj, wba, wab, tie)), model)
    np.testing.assert_allclose(swapped.scores.to_numpy(), -first.scores.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(swapped.standard_errors, first.standard_errors, rtol=1e-7)
    assert swapped.loglik == pytest.approx(first.loglik, rel=1e-12)
    if model == "rao-kupper":
        assert swapped.theta == pytest.approx(first.theta, rel=1e-8)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_listing_second_item_first_leaves_data_unchanged(model, data):
    # Swapping which item is listed first AND the outcome describes the same comparisons.
    n, pi, pj, wab, wba, tie = data.draw(model_data(model))
    flip = np.array(data.draw(st.lists(st.booleans(), min_size=pi.size, max_size=pi.size)))
    df = counts_frame((n, pi, pj, wab, wba, tie))
    flipped = df.copy()
    flipped.loc[flip, ["item_a", "item_b"]] = df.loc[flip, ["item_b", "item_a"]].to_numpy()
    flipped.loc[flip, ["wins_a", "wins_b"]] = df.loc[flip, ["wins_b", "wins_a"]].to_numpy()
    a = btstats.Comparisons.from_counts(df)
    b = btstats.Comparisons.from_counts(flipped)
    pd.testing.assert_frame_equal(a.counts_frame(), b.counts_frame())
    np.testing.assert_array_equal(btstats.fit(a, model).scores, btstats.fit(b, model).scores)


def _long_rows(counts, rng, with_outcome):
    """One row per comparison, each listed in a random order of the two items."""
    n, pi, pj, wab, wba, tie = counts
    rows = []
    for k in range(pi.size):
        i, j = NAMES[pi[k]], NAMES[pj[k]]
        for winner, loser, count in ((i, j, wab[k]), (j, i, wba[k])):
            rows += [(winner, loser, 1.0)] * int(count)
        rows += [(i, j, 0.5)] * int(tie[k])
    order = rng.permutation(len(rows))
    rows = [rows[r] for r in order]
    if not with_outcome:
        return pd.DataFrame({"winner": [r[0] for r in rows], "loser": [r[1] for r in rows]})
    flip = rng.random(len(rows)) < 0.5
    a = [r[1] if f else r[0] for r, f in zip(rows, flip)]
    b = [r[0] if f else r[1] for r, f in zip(rows, flip)]
    outcome = [1.0 - r[2] if f else r[2] for r, f in zip(rows, flip)]
    return pd.DataFrame({"item_a": a, "item_b": b, "outcome": outcome})


def _weighted_rows(counts):
    """One row per (pair, outcome) cell with the count as weight."""
    n, pi, pj, wab, wba, tie = counts
    a, b, outcome, weight = [], [], [], []
    for k in range(pi.size):
        for first, second, out, w in ((pi[k], pj[k], 1.0, wab[k]), (pj[k], pi[k], 1.0, wba[k]),
                                      (pi[k], pj[k], 0.5, tie[k])):
            if w > 0:
                a.append(NAMES[first])
                b.append(NAMES[second])
                outcome.append(out)
                weight.append(w)
    return pd.DataFrame({"item_a": a, "item_b": b, "outcome": outcome, "weight": weight})


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_long_form_equals_counts_equals_weighted_rows(model, data):
    counts = data.draw(model_data(model, max_count=6))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    has_ties = model == "rao-kupper"
    by_counts = from_data(counts)
    layouts = [btstats.Comparisons.from_frame(_long_rows(counts, rng, with_outcome=True)),
               btstats.Comparisons.from_frame(_weighted_rows(counts))]
    if not has_ties:
        layouts.append(btstats.Comparisons.from_frame(_long_rows(counts, rng, False)))
    expected = by_counts.counts_frame()
    reference = btstats.fit(by_counts, model)
    for comps in layouts:
        pd.testing.assert_frame_equal(comps.counts_frame(), expected)
        res = btstats.fit(comps, model)
        np.testing.assert_allclose(res.scores.to_numpy(), reference.scores.to_numpy(),
                                   atol=1e-12)
        assert res.loglik == pytest.approx(reference.loglik, rel=1e-12)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_doubling_the_data_halves_the_covariance(model, data):
    n, pi, pj, wab, wba, tie = data.draw(model_data(model))
    once = btstats.fit(from_data((n, pi, pj, wab, wba, tie)), model)
    twice = btstats.fit(from_data((n, pi, pj, 2 * wab, 2 * wba, 2 * tie)), model)
    np.testing.assert_allclose(twice.scores.to_numpy(), once.scores.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(twice.covariance.to_numpy(), 0.5 * once.covariance.to_numpy(),
                               rtol=1e-6, atol=1e-12)
    assert twice.loglik == pytest.approx(2 * once.loglik, rel=1e-10)
    if model == "rao-kupper":
        assert twice.theta == pytest.approx(once.theta, rel=1e-8)
        assert twice.theta_se == pytest.approx(once.theta_se / math.sqrt(2), rel=1e-6)
    if model == "thurstone":
        e1 = btstats.fit(from_data((n, pi, pj, wab, wba, tie)), model,
                         covariance_type="expected")
        e2 = btstats.fit(from_data((n, pi, pj, 2 * wab, 2 * wba, 2 * tie)), model,
                         covariance_type="expected")
        np.testing.assert_allclose(e2.covariance.to_numpy(), 0.5 * e1.covariance.to_numpy(),
                                   rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("scale", [1e-20, 1e-6, 1e6, 1e20])
@pytest.mark.parametrize("model", MODELS)
def test_scaling_every_weight_scales_only_the_covariance(model, scale, data_dir):
    # Weights are counts up to a unit: multiplying all of them by c leaves the estimate alone
    # and divides the covariance by c (the information is linear in the counts).
    name = "springall" if model == "rao-kupper" else "baseball"
    counts = pd.read_csv(data_dir / f"{name}.csv", dtype={"item_a": str, "item_b": str})
    scaled = counts.assign(**{c: counts[c] * scale for c in ("wins_a", "wins_b", "ties")})
    for method in METHODS[model]:
        once = btstats.fit(btstats.Comparisons.from_counts(counts), model, method=method)
        res = btstats.fit(btstats.Comparisons.from_counts(scaled), model, method=method)
        assert res.converged, method
        np.testing.assert_allclose(res.scores, once.scores, atol=1e-8, err_msg=method)
        np.testing.assert_allclose(res.covariance.to_numpy() * scale,
                                   once.covariance.to_numpy(), rtol=1e-6, atol=1e-12,
                                   err_msg=method)
        assert res.loglik == pytest.approx(scale * once.loglik, rel=1e-9)


# On a bipartite comparison graph (two items, a star, an even cycle) simultaneous MM updates
# of every score overshoot in turn; the iteration must still converge to the MLE.
@pytest.mark.parametrize("graph", ["4-cycle", "star"])
def test_mm_on_bipartite_comparison_graphs(graph):
    if graph == "4-cycle":  # pairs 0-1, 1-2, 2-3, 3-0 only
        winners, losers = [0, 1, 1, 2, 2, 3, 3, 0], [1, 0, 2, 1, 3, 2, 0, 3]
    else:  # item 0 against 1, 2, 3
        winners, losers = [0, 1, 0, 2, 0, 3], [1, 0, 2, 0, 3, 0]
    weights = [5, 1, 3, 2, 4, 1, 1, 2][:len(winners)]
    comps = btstats.Comparisons.from_arrays(winners, losers, weights=weights)
    newton = btstats.fit(comps, method="newton")
    res = btstats.fit(comps, method="mm")
    assert res.converged
    np.testing.assert_allclose(res.scores, newton.scores, atol=1e-7)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_methods_agree(model, data):
    comps = from_data(data.draw(model_data(model)))
    fits = {m: btstats.fit(comps, model, method=m) for m in METHODS[model]}
    newton = fits["newton"]
    for method, res in fits.items():
        assert res.converged, method
        np.testing.assert_allclose(res.scores.to_numpy(), newton.scores.to_numpy(), atol=1e-7,
                                   err_msg=method)
        if model == "rao-kupper":
            assert res.eta == pytest.approx(newton.eta, abs=1e-7), method


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data(), penalty=st.floats(0.01, 5.0))
def test_penalised_gradient_is_zero(model, data, penalty):
    # Any data, even without a finite MLE: the MAP maximises l(s) - penalty/2 sum(s^2).
    comps = from_data(data.draw(model_data(model, connected=False)))
    fits = [btstats.fit(comps, model, penalty=penalty, method=m) for m in ("newton", "gradient")]
    for res in fits:
        assert res.converged
        s, pi, pj, wab, wba, tie = fit_pair_arrays(res)
        eta = res.eta or 0.0
        _, grad, g_eta = kernel_gradient(model, s, eta, pi, pj, wab, wba, tie)
        scale = np.bincount(pi, wab + wba + tie, s.size) + np.bincount(
            pj, wab + wba + tie, s.size) + penalty
        assert np.max(np.abs(grad - penalty * s) / scale) < 1e-9
        if model == "rao-kupper":
            assert abs(g_eta) / res.n_comparisons < 1e-9
        assert np.all(np.isfinite(res.standard_errors))
    np.testing.assert_allclose(fits[1].scores, fits[0].scores, atol=1e-7)


# ---------------------------------------------------------------------------- kernels
def _link(model):
    return get_model(model).link


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_loglik_kernel_matches_naive(model, data):
    n, pi, pj, wab, wba, tie = data.draw(model_data(model, connected=False))
    s = np.array(data.draw(st.lists(st.floats(-4, 4), min_size=n, max_size=n)))
    eta = data.draw(st.floats(0.05, 2.0)) if model == "rao-kupper" else 0.0
    got = klik.loglik(_link(model), s, eta, pi, pj, wab, wba, tie)
    assert got == pytest.approx(naive_loglik(model, s, eta, pi, pj, wab, wba, tie),
                                rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("model", MODELS)
@given(d=st.floats(-30, 30), eta=st.floats(0.05, 3.0))
def test_probabilities_match_naive(model, d, eta):
    if model != "rao-kupper":
        eta = 0.0  # documented: ignored by the models without ties
    probs = get_model(model).probabilities(np.array([d, -d]), eta)
    la, lb, lt = naive_log_probs(model, np.array([d, -d]), eta)
    np.testing.assert_allclose(probs[0], np.exp(la), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(probs[2], np.exp(lb), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(probs[1], np.exp(lt), rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(probs[0] + probs[1] + probs[2], 1.0, rtol=1e-14)


def _pair_terms(model, d, eta, n_ab, n_ba, n_tie):
    out = np.empty(6)
    klinks.pair_terms(_link(model), float(d), float(eta), float(n_ab), float(n_ba),
                      float(n_tie), out)
    return out


counts_st = st.floats(0.0, 20.0)


@pytest.mark.parametrize("model", MODELS)
@given(d=st.floats(-12, 12), eta=st.floats(0.05, 3.0), n_ab=counts_st, n_ba=counts_st,
       n_tie=counts_st)
def test_pair_terms_match_finite_differences(model, d, eta, n_ab, n_ba, n_tie):
    if model != "rao-kupper":
        eta, n_tie = 0.0, 0.0
    counts = np.array([n_ab, n_ba, n_tie])

    def ll(x):  # x = (d, eta)
        la, lb, lt = stable_log_probs(model, np.array([x[0]]), x[1])
        return float(np.sum(_weighted(counts, np.concatenate([la, lb, lt]))))

    out = _pair_terms(model, d, eta, n_ab, n_ba, n_tie)
    x0 = np.array([d, eta])
    scale = 1.0 + counts.sum()
    la, lb, lt = naive_log_probs(model, np.array([d]), eta)
    assert out[0] == pytest.approx(float(np.sum(_weighted(counts, np.concatenate([la, lb, lt])))),
                                   rel=1e-9, abs=1e-9 * scale)
    assert out[0] == pytest.approx(ll(x0), rel=1e-12, abs=1e-12 * scale)
    grad = fd_gradient(ll, x0)
    np.testing.assert_allclose(out[1:3], grad, rtol=1e-6, atol=1e-6 * scale)
    hess = fd_hessian(ll, x0)
    np.testing.assert_allclose([out[3], out[4], out[5]], [hess[0, 0], hess[0, 1], hess[1, 1]],
                               rtol=1e-4, atol=1e-4 * scale)


EXTREME_D = [-800.0, -700.0, -100.0, -38.5, -10.5, -10.0, -9.5, -5.0, 5.0, 9.5, 10.0, 10.5,
             38.5, 100.0, 700.0, 800.0]


@pytest.mark.parametrize("model", MODELS)
@given(d=st.one_of(st.sampled_from(EXTREME_D), st.floats(-800, 800)),
       eta=st.floats(0.05, 3.0), n_ab=st.floats(0.5, 20.0), n_ba=st.floats(0.5, 20.0),
       n_tie=st.floats(0.5, 20.0))
def test_pair_terms_extreme_differences(model, d, eta, n_ab, n_ba, n_tie):
    # |d| up to 800: the kernel stays finite and matches scipy's log_ndtr / log_expit.
    if model != "rao-kupper":
        eta, n_tie = 0.0, 0.0
    counts = np.array([n_ab, n_ba, n_tie])

    def ll(x):
        la, lb, lt = stable_log_probs(model, np.array([x[0]]), x[1])
        return float(np.sum(_weighted(counts, np.concatenate([la, lb, lt]))))

    out = _pair_terms(model, d, eta, n_ab, n_ba, n_tie)
    assert np.all(np.isfinite(out))
    x0 = np.array([d, eta])
    assert out[0] == pytest.approx(ll(x0), rel=1e-12, abs=1e-15 * (1.0 + counts.sum()))
    grad = fd_gradient(ll, x0, h=[1e-5 * max(1.0, abs(d)), 1e-4])
    np.testing.assert_allclose(out[1:3], grad, rtol=1e-5, atol=1e-6 * (1.0 + counts.sum()))

    # second derivatives against central differences of the kernel's own first derivatives
    h = 1e-6 * max(1.0, abs(d))
    up = _pair_terms(model, d + h, eta, n_ab, n_ba, n_tie)
    down = _pair_terms(model, d - h, eta, n_ab, n_ba, n_tie)
    np.testing.assert_allclose([out[3], out[4]], (up[1:3] - down[1:3]) / (2 * h),
                               rtol=1e-5, atol=1e-6 * (1.0 + counts.sum()))


@given(x=st.one_of(st.sampled_from(EXTREME_D), st.floats(-800, 800)))
def test_log_cdf_derivatives_match_scipy(x):
    # Closed forms: logistic lam = expit(-x), dlam = -expit(x) expit(-x); probit
    # lam = phi(x) / Phi(x) = exp(-x^2/2 - log sqrt(2 pi) - log_ndtr(x)), dlam = -lam (x + lam).
    lf, lam, dlam = klinks.log_cdf_derivs(klinks.LOGISTIC, x)
    assert lf == pytest.approx(float(special.log_expit(x)), rel=1e-13, abs=1e-300)
    assert lf == klinks.log_cdf(klinks.LOGISTIC, x)
    assert lam == pytest.approx(float(special.expit(-x)), rel=1e-12, abs=1e-300)
    assert dlam == pytest.approx(-float(special.expit(x) * special.expit(-x)), rel=1e-12,
                                 abs=1e-300)

    lf, lam, dlam = klinks.log_cdf_derivs(klinks.PROBIT, x)
    ref_lf = float(special.log_ndtr(x))
    # abs 1e-15: below x = 5 the kernel takes log(Phi(x)), exact to ~1e-16 absolute (what a
    # log-likelihood needs) though not relative to the tiny value of log(Phi(x)) near 0
    assert lf == pytest.approx(ref_lf, rel=1e-12, abs=1e-15)
    assert lf == pytest.approx(klinks.log_cdf(klinks.PROBIT, x), rel=1e-14, abs=1e-300)
    ref_lam = math.exp(-0.5 * x * x - LOG_SQRT_2PI - ref_lf)
    assert lam == pytest.approx(ref_lam, rel=1e-10, abs=1e-300)
    # x + lam cancels for x << 0, and the reference lam carries log_ndtr's rounding
    # (relative ~1e-13 of x^2 / 2 in the exponent): allow for both
    assert dlam == pytest.approx(-ref_lam * (x + ref_lam), rel=1e-7, abs=1e-10 * x * x)
    if x <= -100.0:
        # Mills-ratio asymptotics: lam(-t) = t + 1/t - 2/t^3 + ..., dlam = -(1 - 1/t^2 + O(t^-4))
        assert abs(dlam + 1.0 - 1.0 / (x * x)) < 20.0 / x**4
    assert math.isfinite(lf) and math.isfinite(lam) and math.isfinite(dlam)


@pytest.mark.parametrize("model", MODELS)
@given(data=st.data())
def test_derivatives_and_information_match_finite_differences(model, data):
    n, pi, pj, wab, wba, tie = data.draw(model_data(model, max_items=5, connected=False))
    s = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n)))
    has_eta = model == "rao-kupper"
    eta = data.draw(st.floats(0.1, 2.0)) if has_eta else 0.0
    link = _link(model)

    def ll(x):  # x = (s, eta)
        return naive_loglik(model, x[:n], x[n], pi, pj, wab, wba, tie, stable_log_probs)

    x0 = np.append(s, eta)
    grad = np.empty(n)
    hpair = np.empty(pi.size)
    cross = np.empty(n)
    total, g_eta, h_eta = klik.derivatives(link, s, eta, pi, pj, wab, wba, tie, grad, hpair,
                                           cross)
    scale = 1.0 + wab.sum() + wba.sum() + tie.sum()
    assert total == pytest.approx(ll(x0), rel=1e-11, abs=1e-11)
    fd = fd_gradient(ll, x0)
    np.testing.assert_allclose(grad, fd[:n], rtol=1e-6, atol=1e-6 * scale)
    if has_eta:
        assert g_eta == pytest.approx(fd[n], rel=1e-6, abs=1e-6 * scale)
    hess = fd_hessian(ll, x0)
    observed = klik.information(link, s, eta, pi, pj, wab, wba, tie, False, has_eta)
    m = n + 1 if has_eta else n
    np.testing.assert_allclose(observed, -hess[:m, :m], rtol=1e-4, atol=1e-4 * scale)
    np.testing.assert_allclose(cross, hess[:n, n], rtol=1e-4, atol=1e-4 * scale)
    if has_eta:
        assert h_eta == pytest.approx(hess[n, n], rel=1e-4, abs=1e-4 * scale)
    # hpair[k] = -d2l/dd2 of pair k, the Laplacian weight; d2l/(ds_i ds_j) = -d2l/dd2
    for k in range(pi.size):
        assert hpair[k] == pytest.approx(hess[pi[k], pj[k]], rel=1e-4, abs=1e-4 * scale)

    # expected (Fisher) information: per pair, total * sum_o p_o g_o g_o', g_o = grad log p_o
    fisher = np.zeros((m, m))
    outcomes = (0, 1, 2) if has_eta else (0, 1)
    for k in range(pi.size):
        total_k = wab[k] + wba[k] + tie[k]
        d = s[pi[k]] - s[pj[k]]
        for o in outcomes:
            p_o = float(np.exp(stable_log_probs(model, np.array([d]), eta)[o][0]))
            g_de = fd_gradient(lambda y: stable_log_probs(model, np.array([y[0]]), y[1])[o][0],
                               np.array([d, eta]))
            g = np.zeros(m)
            g[pi[k]] += g_de[0]
            g[pj[k]] -= g_de[0]
            if has_eta:
                g[n] = g_de[1]
            fisher += total_k * p_o * np.outer(g, g)
    expected = klik.information(link, s, eta, pi, pj, wab, wba, tie, True, has_eta)
    np.testing.assert_allclose(expected, fisher, rtol=1e-5, atol=1e-6 * scale)


# ---------------------------------------------------------------------------- recovery
TRUE_SCORES = np.array([1.2, 0.6, 0.1, -0.2, -0.7, -1.0])  # centred: sums to zero


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_recovers_simulated_truth_as_data_grow(seed):
    # Bradley-Terry outcomes simulated with numpy.random.default_rng(seed): n games per pair,
    # i beats j with probability expit(s_i - s_j). The error shrinks like 1 / sqrt(n).
    rng = np.random.default_rng(seed)
    n_items = TRUE_SCORES.size
    errors = []
    for n_per_pair in (10, 1_000, 100_000):
        rows = []
        for i in range(n_items):
            for j in range(i + 1, n_items):
                w = rng.binomial(n_per_pair, special.expit(TRUE_SCORES[i] - TRUE_SCORES[j]))
                rows.append((i, j, w, n_per_pair - w))
        df = pd.DataFrame(rows, columns=["item_a", "item_b", "wins_a", "wins_b"])
        res = btstats.fit(btstats.Comparisons.from_counts(df))
        err = np.abs(res.scores.to_numpy() - TRUE_SCORES)
        # within 4.5 standard errors of the truth, item by item
        assert np.all(err < 4.5 * res.standard_errors.to_numpy())
        errors.append(err.max())
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] < 0.02


# ---------------------------------------------------------------------------- MLE existence
@given(n=st.integers(2, 400), extra=st.integers(0, 30), flip=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_strong_connectivity_matches_scipy(n, extra, flip, seed):
    # A random directed cycle (long chains need many sweeps, so this also exercises the
    # depth-first fallback) plus random extra edges, optionally with one cycle edge reversed;
    # btstats' check must agree with scipy's strongly connected components.
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from btstats._kernels import graph as kgraph

    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    src = list(order)
    dst = list(np.roll(order, -1))
    if flip:
        src[0], dst[0] = dst[0], src[0]
    for _ in range(extra):
        a, b = rng.choice(n, 2, replace=False)
        src.append(a)
        dst.append(b)
    comps = btstats.Comparisons.from_arrays(np.array(src), np.array(dst))
    p = comps.pairs
    got = kgraph.strongly_connected(n, p.pi, p.pj, p.wab, p.wba, p.tie, False)
    adj = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n)).tocsr()
    n_groups, _ = connected_components(adj, directed=True, connection="strong")
    assert got == (n_groups == 1)
