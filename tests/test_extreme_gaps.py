"""Closed forms at extreme score gaps, for every model and method.

Two items with ``w`` wins, ``l`` losses (and ``t`` ties) have closed-form estimates:

- Bradley-Terry: ``d = log(w / l)``, ``Var(d) = 1 / w + 1 / l``;
- Thurstone: ``d = Phi^-1(w / (w + l)) = -ndtri_exp(log l - log(w + l))`` (log space, so that
  ``l / (w + l) = 1e-605`` does not underflow), ``Var(d) = 1 / I`` with
  ``I = (w + l) phi(d)**2 / (Phi(d) Phi(-d))``;
- Rao-Kupper: with two parameters ``(d, eta)`` for three outcome counts the model is
  saturated, so the MLE matches the shares: ``logistic(d - eta) = w / n`` and
  ``logistic(-d - eta) = l / n`` (``n = w + l + t``), i.e.
  ``d = (log w - log(l + t) - log l + log(w + t)) / 2`` and
  ``eta = (log(l + t) + log(w + t) - log w - log l) / 2``; checked against an independent
  ``scipy.optimize`` maximisation of the exact likelihood written here in log-CDF form.

Chains of 1,000 items have exact solutions too (:func:`chain_solution`):

- on a *path* (a tree: item ``i`` against ``i + 1`` only) the likelihood splits into one term
  per edge, so each gap ``s_i - s_{i+1}`` is the two-item answer of its edge (for Rao-Kupper
  given ``eta``; ``eta`` then solves a one-dimensional equation);
- on a *cycle* (the path plus a wrap-around edge, which makes one-way chains estimable) the
  first-order conditions say every edge carries the same "flow" ``c = dl_i / dg_i``, and the
  gaps must add up to zero around the cycle: a one-dimensional monotone root-find, solved by
  bisection on the gap of the lightest edge (independent of btstats' solvers);
- a cycle whose edges all have the same counts has equal scores, and Rao-Kupper
  ``theta = (w + l + 2 t) / (w + l)``.

The oracle for every method: either the answer to 1e-6 (with finite, positive standard
errors and a finite log-likelihood), or ``converged=False`` with a ``ConvergenceWarning``;
never a silently wrong ``converged=True``.  Newton, the reference method, must converge.
(pyproject turns ConvergenceWarning into an error; it is caught here explicitly.)
"""
import functools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special

import btstats
from btstats import Comparisons, ConvergenceWarning

MODEL_METHODS = [("bradley-terry", "newton"), ("bradley-terry", "mm"),
                 ("bradley-terry", "gradient"), ("thurstone", "newton"),
                 ("thurstone", "gradient"), ("rao-kupper", "newton"), ("rao-kupper", "mm"),
                 ("rao-kupper", "gradient")]
TOL = 1e-6
#: Newton, the reference method, must converge when every count ratio is within this (the
#: range of exp: a Bradley-Terry gap of 700, a normal tail of 1e-304); beyond it a flagged
#: non-convergence is accepted from it as from the other methods.
NEWTON_RATIO = 1e304


def newton_strict(*counts):
    c = [x for x in counts if x > 0]
    return max(c) / min(c) <= NEWTON_RATIO


# =========================================================================== the oracle
def fit_or_flag(data, model, method, newton_must_converge=True, **kw):
    """Fit; return the result if it converged, ``None`` if it said it did not (with the
    warning).  Newton must converge (unless told otherwise: gaps beyond the range of
    ``exp``).  A converged result has finite numbers."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = btstats.fit(data, model, method=method, **kw)
    flagged = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    if not res.converged:
        assert flagged, f"{model}/{method}: converged=False without a ConvergenceWarning"
        assert method != "newton" or not newton_must_converge, \
            f"Newton did not converge: {res.message}"
        assert np.all(np.isfinite(res.scores)), "an unconverged fit with non-finite scores"
        return None
    assert not flagged, f"{model}/{method}: a ConvergenceWarning with converged=True"
    s = res.scores.to_numpy()
    assert np.all(np.isfinite(s)), f"{model}/{method}: scores {s}"
    assert abs(s.sum()) <= 1e-8 * max(1.0, np.abs(s).max()) * s.size, "scores not centred"
    assert math.isfinite(res.loglik), f"{model}/{method}: loglik {res.loglik}"
    se = res.standard_errors.to_numpy()
    assert np.all(np.isfinite(se)) and np.all(se > 0), f"{model}/{method}: se {se}"
    if res.theta is not None:
        assert math.isfinite(res.theta) and res.theta >= 1.0, f"theta {res.theta}"
        assert math.isfinite(res.theta_se) and res.theta_se > 0, f"theta_se {res.theta_se}"
    return res


def close(got, want, what, tol=TOL):
    got, want = np.asarray(got, float), np.asarray(want, float)
    err = np.max(np.abs(got - want)) if got.size else 0.0
    assert err <= tol, f"{what}: off by {err:.3g} (> {tol:g})"


# =========================================================================== two items
def two_items(w, l, t=0.0):
    return Comparisons.from_counts(pd.DataFrame({"item_a": ["a"], "item_b": ["b"],
                                                 "wins_a": [w], "wins_b": [l], "ties": [t]}))


def bt_two(w, l):
    d = math.log(w) - math.log(l)
    return d, math.sqrt(1.0 / w + 1.0 / l)


def thurstone_two(w, l):
    lw, ll = math.log(w), math.log(l)
    ln = np.logaddexp(lw, ll)
    # Phi^-1(w / n), from the smaller tail (1 - 1e-12 has lost the digits of 1e-12)
    d = special.ndtri_exp(lw - ln) if w < l else -special.ndtri_exp(ll - ln)
    # I = n phi(d)^2 / (Phi(d) Phi(-d)), in logs
    log_phi = -0.5 * d * d - 0.5 * math.log(2 * math.pi)
    log_info = ln + 2 * log_phi - special.log_ndtr(d) - special.log_ndtr(-d)
    return d, math.exp(-0.5 * log_info)


def rk_two(w, l, t):
    lw, ll, lt = math.log(w), math.log(l), math.log(t)
    lwt, llt = np.logaddexp(lw, lt), np.logaddexp(ll, lt)
    d = 0.5 * (lw - llt - ll + lwt)
    eta = 0.5 * (llt + lwt - lw - ll)
    return d, eta


def log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def rk_loglik(d, eta, w, l, t):
    """Exact Rao-Kupper log-likelihood of two items, in log-CDF form: log P(a) =
    log logistic(d - eta), log P(b) = log logistic(-d - eta), log P(tie) =
    log(logistic(d + eta) - logistic(d - eta)) computed on the small tail."""
    x = abs(d)
    # P(tie) = F(x + eta) - F(x - eta) = F(eta - x) - F(-eta - x): both on the lower tail
    lo, hi = log_sigmoid(-eta - x), log_sigmoid(eta - x)
    log_tie = hi + np.log1p(-np.exp(lo - hi)) if eta > 0 else -np.inf
    return w * log_sigmoid(d - eta) + l * log_sigmoid(-d - eta) + t * log_tie


TWO_ITEM_BT = [(1e12, 1.0), (1.0, 1e12), (1e15, 1.0), (3.5, 1e-12), (1e100, 1.0),
               (1e200, 1.0), (1e300, 1.0), (1e305, 1.0), (1.0, 1e-300), (1e150, 1e-150),
               (1e305, 1e-300), (1e-300, 1e300)]


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
@pytest.mark.parametrize("w, l", TWO_ITEM_BT)
def test_two_items_bradley_terry(w, l, method):
    res = fit_or_flag(two_items(w, l), "bradley-terry", method, newton_strict(w, l))
    if res is None:
        return
    d, sd = bt_two(w, l)
    got = res.scores["a"] - res.scores["b"]
    close(got, d, f"d (closed form log(w/l) = {d:.6g})")
    assert 2 * res.standard_errors["a"] == pytest.approx(sd, rel=1e-6)


@pytest.mark.parametrize("method", ["newton", "gradient"])
@pytest.mark.parametrize("w, l", TWO_ITEM_BT)
def test_two_items_thurstone(w, l, method):
    res = fit_or_flag(two_items(w, l), "thurstone", method, newton_strict(w, l))
    if res is None:
        return
    d, sd = thurstone_two(w, l)
    close(res.scores["a"] - res.scores["b"], d, f"d (closed form Phi^-1(w/n) = {d:.6g})")
    assert 2 * res.standard_errors["a"] == pytest.approx(sd, rel=1e-6)


TWO_ITEM_RK = [(1e12, 1.0, 1.0), (1e12, 1.0, 1e6), (1.0, 1e12, 5.0), (3.0, 1.0, 1e12),
               (1e6, 1e6, 1.0), (1e300, 1.0, 1.0), (1e200, 1e-100, 1e50), (1.0, 1.0, 1e300),
               (1e305, 1e-300, 1.0), (2.0, 3.0, 1e-300)]
#: Beyond double precision in theta (eta > 709.78): a named refusal is an acceptable answer.
TWO_ITEM_RK_BEYOND = [(1e-300, 1e-300, 1e300), (1e-300, 1.0, 1e305)]


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
@pytest.mark.parametrize("w, l, t", TWO_ITEM_RK)
def test_two_items_rao_kupper(w, l, t, method):
    res = fit_or_flag(two_items(w, l, t), "rao-kupper", method, newton_strict(w, l, t))
    if res is None:
        return
    d, eta = rk_two(w, l, t)
    close(res.scores["a"] - res.scores["b"], d, f"d (closed form {d:.6g})")
    close(res.eta, eta, f"eta (closed form {eta:.6g})")


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
@pytest.mark.parametrize("w, l, t", TWO_ITEM_RK_BEYOND)
def test_two_items_rao_kupper_beyond_double_range(w, l, t, method):
    try:
        data = two_items(w, l, t)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            btstats.fit(data, "rao-kupper", method=method)
    except btstats.DataError:
        return                                   # refused with a named error: fine
    res = fit_or_flag(data, "rao-kupper", method, newton_must_converge=False)
    if res is None:
        return
    d, eta = rk_two(w, l, t)
    close(res.scores["a"] - res.scores["b"], d, "d")
    close(res.eta, eta, "eta")


@pytest.mark.parametrize("w, l, t", [(5.0, 2.0, 3.0), (1e6, 1.0, 1.0), (1.0, 1e4, 30.0),
                                     (2.0, 2.0, 1e5)])
def test_rao_kupper_closed_form_is_the_maximum(w, l, t):
    # an independent maximisation of the exact likelihood (log-CDF form), from (0, 1)
    n = w + l + t
    res = optimize.minimize(lambda p: -rk_loglik(p[0], math.exp(p[1]), w, l, t) / n,
                            x0=[0.0, 0.0], method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-15, "maxiter": 20_000})
    d, eta = rk_two(w, l, t)
    assert res.x[0] == pytest.approx(d, abs=1e-6)
    assert math.exp(res.x[1]) == pytest.approx(eta, rel=1e-6)
    fit = btstats.fit(two_items(w, l, t), "rao-kupper")
    assert fit.loglik == pytest.approx(rk_loglik(d, eta, w, l, t), rel=1e-10)


# =========================================================================== chains
N_CHAIN = 1000


def bt_dl(g, W, L):
    """d/dg of W log F(g) + L log F(-g), logistic: W F(-g) - L F(g)."""
    return W * special.expit(-g) - L * special.expit(g)


def mills(x):
    """phi(x) / Phi(x), stable for every x."""
    return np.exp(-0.5 * x * x - 0.5 * math.log(2 * math.pi) - special.log_ndtr(x))


def th_dl(g, W, L):
    return W * mills(g) - L * mills(-g)


def invert(dl, c, W, L, lo=-1e5, hi=1e5, iters=120):
    """``g`` with ``dl(g, W, L) = c`` (``dl`` decreasing), edge by edge, by bisection."""
    c = np.broadcast_to(c, W.shape).astype(float)
    a = np.full(W.shape, lo)
    b = np.full(W.shape, hi)
    for _ in range(iters):
        m = 0.5 * (a + b)
        with np.errstate(over="ignore", invalid="ignore"):
            high = dl(m, W, L) > c            # dl decreasing: the root lies above m
        a = np.where(high, m, a)
        b = np.where(high, b, m)
    return 0.5 * (a + b)


def bt_inverse(c, W, L):
    p = (W - c) / (W + L)
    with np.errstate(divide="ignore"):
        return np.where(p <= 0, -np.inf, np.where(p >= 1, np.inf, special.logit(p)))


def cycle_gaps(model, W, L):
    """Exact gaps ``g_k = s_k - s_{k+1 mod n}`` of a cycle whose edge ``k`` has ``W[k]`` wins
    of item ``k`` and ``L[k]`` of item ``k + 1``: all edges carry one flow
    ``c = dl_k/dg_k`` and the gaps add up to zero.  Bisection on the gap of the lightest
    edge ``j`` (its flow fixes ``c`` without loss of precision)."""
    dl = bt_dl if model == "bradley-terry" else th_dl
    inv = (bt_inverse if model == "bradley-terry" else
           lambda c, Wi, Li: invert(th_dl, c, Wi, Li))
    j = int(np.argmin(W + L))
    others = np.arange(W.size) != j

    def total(gj):
        c = dl(gj, W[j], L[j])
        g = inv(c, W[others], L[others])
        return gj + g.sum(), g

    lo, hi = -1e6, 1e6
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        f, _ = total(mid)
        if f > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo <= 1e-12 * max(1.0, abs(mid)):
            break
    gj = 0.5 * (lo + hi)
    _, g = total(gj)
    out = np.empty(W.size)
    out[others] = g
    out[j] = gj
    return out


def rk_edge_gap(eta, A, B):
    """Rao-Kupper gap of an isolated edge given ``eta``: the positive root ``x = e^g`` of
    ``B x^2 + (B - A) theta x - A = 0`` (``A = W + T``, ``B = L + T``), stably."""
    theta = math.exp(eta)
    q = (A - B) * theta
    disc = np.sqrt(q * q + 4 * A * B)
    x = np.where(q >= 0, (q + disc) / (2 * B), 2 * A / (disc - q))
    return np.log(x)


def rk_path(W, L, T):
    """Exact Rao-Kupper MLE on a path: gaps given eta edge by edge, eta from the profile
    equation sum_k dl_k/deta = 0 (brentq; the profile log-likelihood is concave)."""
    A, B = W + T, L + T

    def deta(eta):
        g = rk_edge_gap(eta, A, B)
        tie = 2.0 / -math.expm1(-2 * eta) - special.expit(eta - g) - special.expit(eta + g)
        return float(np.sum(-W * special.expit(eta - g) - L * special.expit(g + eta) +
                            T * tie))

    hi = 1.0
    while deta(hi) > 0:
        hi *= 2
    eta = optimize.brentq(deta, 1e-300, hi, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return rk_edge_gap(eta, A, B), eta


def scores_from_gaps(g):
    s = np.concatenate([[0.0], -np.cumsum(g)])
    return s - s.mean()


def chain(W, L, T=None, wrap=None):
    """Comparisons of items 0 .. n-1: edge k has W[k] wins of k over k+1, L[k] the other
    way, T[k] ties; ``wrap=(w, l)``: item n-1 against item 0 as well (w wins of n-1, l of
    0, and T[0] ties)."""
    n = W.size + 1
    k = np.arange(W.size)
    a = [k, k + 1]
    b = [k + 1, k]
    wt = [W, L]
    ties = [np.zeros(W.size, bool), np.zeros(W.size, bool)]
    if T is not None:
        a.append(k)
        b.append(k + 1)
        wt.append(T)
        ties.append(np.ones(W.size, bool))
    if wrap is not None:
        a += [np.array([n - 1]), np.array([0])]
        b += [np.array([0]), np.array([n - 1])]
        wt += [np.array([wrap[0]]), np.array([wrap[1]])]
        ties += [np.zeros(1, bool), np.zeros(1, bool)]
        if T is not None:                                 # the wrap edge ties like the rest
            a.append(np.array([n - 1]))
            b.append(np.array([0]))
            wt.append(np.array([T[0]]))
            ties.append(np.ones(1, bool))
    a, b, wt, ties = (np.concatenate(x) for x in (a, b, wt, ties))
    keep = wt > 0
    return Comparisons.from_arrays(a[keep], b[keep], weights=wt[keep], ties=ties[keep])


def _rng_counts(seed, size, lo, hi):
    return np.exp(np.random.default_rng(seed).uniform(math.log(lo), math.log(hi), size))


E = N_CHAIN - 1
CHAINS = {
    # a path: item i beats i+1 a million times and loses once (score span ~ 13,800)
    "path-1e6": dict(W=np.full(E, 1e6), L=np.ones(E), T=np.ones(E)),
    # a path with counts spread over 8 orders of magnitude, losses down to 1e-3
    "path-random": dict(W=_rng_counts(1, E, 1.0, 1e8), L=_rng_counts(2, E, 1e-3, 1e3),
                        T=_rng_counts(3, E, 0.1, 10.0)),
    # a one-way chain (never loses) made estimable by the wrap-around edge
    "cycle-one-way": dict(W=np.full(E, 1e4), L=np.zeros(E), wrap=(1.0, 0.0)),
    # random counts around a cycle
    "cycle-random": dict(W=_rng_counts(4, E, 1.0, 1e6), L=_rng_counts(5, E, 1e-2, 1e2),
                         wrap=(2.0, 3.0)),
    # every edge alike: all scores equal
    "cycle-equal": dict(W=np.full(E, 3.0), L=np.ones(E), T=np.ones(E), wrap=(3.0, 1.0)),
}


@functools.lru_cache(maxsize=None)
def chain_solution(name, model):
    """Exact centred scores (and eta) of a chain, or None where no closed form is used."""
    spec = CHAINS[name]
    W, L = spec["W"], spec["L"]
    if name == "cycle-equal":
        eta = None
        if model == "rao-kupper":
            w, l, t = 3.0, 1.0, 1.0
            eta = math.log((w + l + 2 * t) / (w + l))
        return np.zeros(N_CHAIN), eta
    if "wrap" not in spec:                                     # a path
        if model == "rao-kupper":
            g, eta = rk_path(W, L, spec["T"])
            return scores_from_gaps(g), eta
        if model == "bradley-terry":
            return scores_from_gaps(np.log(W) - np.log(L)), None
        lw, ll = np.log(W), np.log(L)
        ln = np.logaddexp(lw, ll)
        g = np.where(W < L, special.ndtri_exp(lw - ln), -special.ndtri_exp(ll - ln))
        return scores_from_gaps(g), None
    if model == "rao-kupper":
        return None, None
    wl, ll = spec["wrap"]
    # the wrap edge (n-1, 0), as edge n-1 of the cycle: n-1 beats 0 wl times
    Wc = np.append(W, wl)
    Lc = np.append(L, ll)
    return scores_from_gaps(cycle_gaps(model, Wc, Lc)[:-1]), None


def chain_data(name, model):
    spec = dict(CHAINS[name])
    if model != "rao-kupper" or "wrap" in spec and name != "cycle-equal":
        spec.pop("T", None)
    if model == "rao-kupper" and name != "cycle-equal" and "wrap" in spec:
        # Rao-Kupper needs ties: one tie per edge on the cycles
        spec["T"] = np.ones(E)
    return chain(spec["W"], spec["L"], spec.get("T"), spec.get("wrap"))


_NEWTON = {}


def newton_fit(name, model):
    """The Newton fit of a chain, once (a failure is remembered, not repeated)."""
    key = (name, model)
    if key not in _NEWTON:
        try:
            _NEWTON[key] = fit_or_flag(chain_data(name, model), model, "newton")
        except AssertionError as exc:
            _NEWTON[key] = exc
    if isinstance(_NEWTON[key], AssertionError):
        pytest.fail(f"the Newton reference of {name}/{model} failed: {_NEWTON[key]}")
    return _NEWTON[key]


CHAIN_CASES = [(name, model, method) for name in CHAINS for model, method in MODEL_METHODS
               if not (model == "rao-kupper" and name == "cycle-one-way")]


#: Iteration limits of the first-order methods on the chains (a budget: what is not reached
#: by then must be flagged, which the oracle accepts; Newton keeps its default).
CHAIN_MAX_ITER = {"mm": 3000, "gradient": 3000}


@pytest.mark.parametrize("name, model, method", CHAIN_CASES)
def test_chain_of_1000_items(name, model, method):
    data = chain_data(name, model)
    assert data.n_items == N_CHAIN
    kw = {"max_iter": CHAIN_MAX_ITER[method]} if method in CHAIN_MAX_ITER else {}
    res = newton_fit(name, model) if method == "newton" else fit_or_flag(data, model, method,
                                                                          **kw)
    if res is None:
        return
    s = res.scores.to_numpy()
    exact, eta = chain_solution(name, model)
    if exact is not None:
        close(s, exact, f"{name}: scores against the exact solution")
        close(-np.diff(s), -np.diff(exact), f"{name}: gaps against the exact solution")
        if eta is not None:
            close(res.eta, eta, f"{name}: eta against the exact solution")
    # every method agrees with Newton
    ref = newton_fit(name, model)
    close(s, ref.scores.to_numpy(), f"{name}: {method} against newton")
    if ref.eta is not None:
        close(res.eta, ref.eta, f"{name}: eta of {method} against newton")


def test_chain_exact_solver_on_a_small_cycle():
    # the cycle solver itself, against a direct scipy maximisation on five items
    W = np.array([5.0, 2.0, 7.0, 1.0])
    L = np.array([1.0, 3.0, 0.5, 2.0])
    wrap = (1.5, 2.5)
    data = chain(W, L, wrap=wrap)
    p = data.pairs
    for model, logF in (("bradley-terry", log_sigmoid), ("thurstone", special.log_ndtr)):
        def nll(x):
            s = np.concatenate([[0.0], x])
            d = s[p.pi] - s[p.pj]
            return -float(np.sum(p.wab * logF(d) + p.wba * logF(-d)))

        opt = optimize.minimize(nll, np.zeros(4), method="BFGS", options={"gtol": 1e-12})
        want = np.concatenate([[0.0], opt.x])
        want -= want.mean()
        got = scores_from_gaps(cycle_gaps(model, np.append(W, wrap[0]),
                                          np.append(L, wrap[1]))[:-1])
        np.testing.assert_allclose(got, want, atol=1e-6)
