"""The annotator model over the outcome families of the general core.

``P(annotator k's label = category c) = P(c | z, theta)`` with ``z = beta_k d + gamma_k x``
for every family (binary, threshold ties, Davidson, graded):

(a) a tie model's fit equals an independent maximisation of the same likelihood written
    here in plain numpy (complex-step gradients, scipy's BFGS), standard errors included;
(b) with one annotator (``beta = 1``) the fit is :func:`btstats.fit`'s, for every model, and
    the position bias is the core's order effect;
(c) the kernels' derivatives equal finite differences (hypothesis);
(d) qualities simulated by :func:`btstats.simulate_annotation` are recovered as data grow.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st
from scipy import optimize, special

import btstats
from btstats._kernels import annotators as ka
from btstats._kernels import families as kf
from btstats._kernels import links
from btstats.agreement.annotators import fit_annotators
from btstats.exceptions import TiesError

TIE_MODELS = ["rao-kupper", "glenn-david", "davidson"]


# --------------------------------------------------------------------------- plain numpy
def _cdf(model, x):
    """The link's CDF, written so that a complex argument passes through (complex step)."""
    if model == "glenn-david":
        return 0.5 * special.erfc(-x / np.sqrt(2.0))
    return 1.0 / (1.0 + np.exp(-x))


def log_probs(model, z, t):
    """``log P(a)``, ``log P(tie)``, ``log P(b)`` at ``z`` (``t``: ``eta`` or Davidson's
    ``nu``)."""
    if model == "davidson":
        log_d = np.log(np.exp(z / 2) + np.exp(-z / 2) + t)
        return z / 2 - log_d, np.log(t) - log_d, -z / 2 - log_d
    pa = _cdf(model, z - t)
    pb = _cdf(model, -z - t)
    with np.errstate(divide="ignore", invalid="ignore"):   # BFGS's trial steps may overshoot
        return np.log(pa), np.log(1.0 - pa - pb), np.log(pb)


def sample_labels(rng, model, s, beta, t, n_units, labels_per_unit, gamma=None):
    """Seeded labels of a tie model: each unit a random pair labelled by distinct random
    annotators, drawn from :func:`log_probs` at ``z = beta_k d + gamma_k x``."""
    n, k_all = len(s), len(beta)
    a = np.repeat(rng.integers(0, n, n_units), labels_per_unit)
    b = (a + np.repeat(rng.integers(1, n, n_units), labels_per_unit)) % n
    who = np.argsort(rng.random((n_units, k_all)), axis=1)[:, :labels_per_unit].ravel()
    x = np.where(rng.random(a.size) < 0.5, 1.0, -1.0)
    z = np.asarray(beta)[who] * (s[a] - s[b])
    if gamma is not None:
        z = z + np.asarray(gamma)[who] * x
    la, lt, _ = log_probs(model, z, t)
    u = rng.random(a.size)
    out = np.where(u < np.exp(la), 1.0, np.where(u < np.exp(la) + np.exp(lt), 0.5, 0.0))
    return pd.DataFrame({"item_a": a, "item_b": b, "outcome": out, "annotator": who,
                         "position": np.where(x > 0, "a", "b")})


def _columns(df):
    a, b = df["item_a"].to_numpy(), df["item_b"].to_numpy()
    y = df["outcome"].to_numpy()
    cat = np.where(y == 1.0, 0, np.where(y == 0.5, 1, 2))       # a, tie, b
    return a, b, cat, df["annotator"].to_numpy()


def complex_step_grad(f, v, h=1e-30):
    """The gradient of ``f`` at ``v`` to rounding (``f`` analytic, real on reals)."""
    e = np.eye(v.size)
    return np.array([f(v + 1j * h * e[q]).imag / h for q in range(v.size)])


def maximise(nll, v0):
    """BFGS (scipy), then Newton steps on the finite-difference Hessian of the exact gradient
    until the gradient is at its rounding."""
    v = optimize.minimize(nll, v0, jac=lambda v: complex_step_grad(nll, v), method="BFGS",
                          options={"gtol": 1e-9, "maxiter": 10000}).x
    for _ in range(5):
        g = complex_step_grad(nll, v)
        if np.max(np.abs(g)) < 1e-9:
            break
        v = v - np.linalg.solve(hessian(nll, v), g)
    assert np.max(np.abs(complex_step_grad(nll, v))) < 1e-9
    return v


def hessian(nll, v, h=1e-5):
    """Central differences of the complex-step gradient."""
    e = np.eye(v.size)
    rows = [(complex_step_grad(nll, v + h * e[q]) - complex_step_grad(nll, v - h * e[q]))
            / (2 * h) for q in range(v.size)]
    m = np.array(rows)
    return 0.5 * (m + m.T)


# --------------------------------------------------------------------------- (a)
@pytest.mark.parametrize("model", TIE_MODELS)
def test_joint_tie_fit_matches_an_independent_maximisation(model):
    rng = np.random.default_rng(11)
    n, k = 6, 3
    s_true = np.linspace(-1.2, 1.2, n)
    t_true = 0.9 if model == "davidson" else 0.5
    df = sample_labels(rng, model, s_true, [1.6, 1.0, 0.4], t_true, 1000, 2)
    res = fit_annotators(df, model)
    assert res.converged
    a, b, cat, who = _columns(df)
    w = np.bincount(who, minlength=k) / len(df)     # every label is fitted by a tie model
    ref = int(np.argmax(w))
    others = [q for q in range(k) if q != ref]

    def unpack(v):
        s = np.concatenate([[-v[:n - 1].sum()], v[:n - 1]])
        beta = np.zeros(k, dtype=v.dtype)
        beta[others] = v[n - 1:n + k - 2]
        beta[ref] = (1 - w[others] @ v[n - 1:n + k - 2]) / w[ref]
        return s, beta, np.exp(v[-1])

    def nll(v):
        s, beta, t = unpack(v)
        lp = log_probs(model, beta[who] * (s[a] - s[b]), t)
        return -np.sum(np.choose(cat, lp))

    v = maximise(nll, np.concatenate([np.zeros(n - 1), np.ones(k - 1), [np.log(0.5)]]))
    s, beta, t = unpack(v)
    np.testing.assert_allclose(res.scores.to_numpy(), s, atol=1e-6)
    np.testing.assert_allclose(res.beta.to_numpy(), beta, atol=1e-6)
    name = "nu" if model == "davidson" else "eta"
    assert res.params.index.tolist() == [name]
    assert res.params[name] == pytest.approx(t, abs=1e-6)
    assert res.loglik == pytest.approx(-nll(v), abs=1e-6)
    # standard errors: the inverse Hessian in the free coordinates (log t: times t)
    cov = np.linalg.inv(hessian(nll, v))
    se = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(res.standard_errors.to_numpy()[1:], se[:n - 1], rtol=1e-4)
    np.testing.assert_allclose(res.beta_se.to_numpy()[others], se[n - 1:n + k - 2], rtol=1e-4)
    assert res.params_se[name] == pytest.approx(t * se[-1], rel=1e-4)
    assert res.covariance.index[-1] == name


@pytest.mark.parametrize("model", TIE_MODELS)
def test_given_scores_tie_fit_matches_an_independent_maximisation(model):
    rng = np.random.default_rng(12)
    n, k = 5, 4
    s = np.linspace(-1.0, 1.0, n)
    t_true = 0.9 if model == "davidson" else 0.5
    gamma = [0.3, 0.0, -0.2, 0.1]
    df = sample_labels(rng, model, s, [2.0, 1.0, 0.5, -0.5], t_true, 1200, 2, gamma=gamma)
    res = fit_annotators(df, model, scores=s, position_bias=True)
    assert res.converged
    a, b, cat, who = _columns(df)
    x = np.where(df["position"] == "a", 1.0, -1.0)
    d = s[a] - s[b]

    def nll(v):
        z = v[:k][who] * d + v[k:2 * k][who] * x
        return -np.sum(np.choose(cat, log_probs(model, z, np.exp(v[-1]))))

    v = maximise(nll, np.concatenate([np.ones(k), np.zeros(k), [np.log(0.5)]]))
    np.testing.assert_allclose(res.beta.to_numpy(), v[:k], atol=1e-6)
    np.testing.assert_allclose(res.position_bias.to_numpy(), v[k:2 * k], atol=1e-6)
    name = "nu" if model == "davidson" else "eta"
    assert res.params[name] == pytest.approx(np.exp(v[-1]), abs=1e-6)
    se = np.sqrt(np.diag(np.linalg.inv(hessian(nll, v))))
    np.testing.assert_allclose(res.beta_se.to_numpy(), se[:k], rtol=1e-4)
    np.testing.assert_allclose(res.position_bias_se.to_numpy(), se[k:2 * k], rtol=1e-4)
    assert res.params_se[name] == pytest.approx(np.exp(v[-1]) * se[-1], rel=1e-4)


def test_binary_models_drop_ties_and_tie_models_fit_them():
    rng = np.random.default_rng(13)
    df = sample_labels(rng, "rao-kupper", np.linspace(-1, 1, 5), [1.0, 1.5], 0.6, 600, 2)
    n_ties = int((df["outcome"] == 0.5).sum())
    bt = fit_annotators(df)
    rk = fit_annotators(df, "rao-kupper")
    assert bt.n_labels == len(df) - n_ties and rk.n_labels == len(df)
    assert bt.params.empty and bt.params_se.empty
    assert rk.to_frame()["n_ties"].sum() == n_ties
    # an annotator who only says "tie" has a quality under a tie model (near 0: she does
    # not see the difference), and none under a binary one
    only = pd.DataFrame({"item_a": [0, 1, 2, 3] * 5, "item_b": [4, 3, 1, 0] * 5,
                         "outcome": 0.5, "annotator": 9, "position": "a"})
    both = pd.concat([df, only], ignore_index=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tab = fit_annotators(both, "rao-kupper").to_frame()
    assert abs(tab.loc[9, "beta"]) < 3 * tab.loc[9, "se"]
    assert np.isnan(tab.loc[9, "expected_accuracy"])     # no decisive labels
    assert fit_annotators(both).to_frame().loc[9, "flag"] == "no decisive labels"
    with pytest.raises(TiesError, match="bradley-terry"):
        fit_annotators(df[df["outcome"] != 0.5], "davidson")


# --------------------------------------------------------------------------- (b)
PARAMS = {"rao-kupper": {"eta": 0.5}, "glenn-david": {"eta": 0.35}, "davidson": {"nu": 0.8},
          "graded": {"t1": 0.4, "t2": 1.3}}


@pytest.mark.parametrize("model", ["bradley-terry", "thurstone"] + TIE_MODELS + ["graded"])
def test_one_annotator_is_btstats_fit(model):
    scores = np.linspace(-1.0, 1.0, 6)
    sim = btstats.simulate(scores, btstats.round_robin(6, 25), model=model,
                           params=PARAMS.get(model), rng=3)
    df = sim.data.assign(annotator="only")
    ref = btstats.fit(df, model, tol=1e-13)
    res = fit_annotators(df, model, tol=1e-12)
    assert res.converged and res.beta.to_numpy() == pytest.approx([1.0], abs=1e-12)
    np.testing.assert_allclose(res.scores.to_numpy(), ref.scores.to_numpy(), atol=1e-6)
    coef = ref.coefficients
    assert res.params.index.tolist() == coef.index.tolist()
    np.testing.assert_allclose(res.params.to_numpy(), coef["estimate"].to_numpy(), atol=1e-6)
    assert res.loglik == pytest.approx(ref.loglik, abs=1e-6)
    # the standard errors of the scores too: with one annotator the constraint fixes beta
    np.testing.assert_allclose(res.standard_errors.to_numpy(),
                               ref.standard_errors.to_numpy(), rtol=1e-5)
    np.testing.assert_allclose(res.params_se.to_numpy(), coef["se"].to_numpy(), rtol=1e-5)


@pytest.mark.parametrize("model", ["bradley-terry", "rao-kupper", "davidson"])
def test_one_annotators_position_bias_is_the_order_effect(model):
    rng = np.random.default_rng(4)
    design = btstats.round_robin(5, 40)
    order = np.where(rng.random(design.n_comparisons) < 0.5, 1.0, -1.0)
    p = dict(PARAMS.get(model, {}), h=0.4)
    sim = btstats.simulate(np.linspace(-1, 1, 5), design, model=model, params=p,
                           order=order, rng=5)
    df = sim.data.assign(annotator="only",
                         position=np.where(sim.data["order"] > 0, "a", "b"))
    ref = btstats.fit(df, model, order_effect=True, tol=1e-13)
    res = fit_annotators(df, model, position_bias=True, tol=1e-12)
    np.testing.assert_allclose(res.scores.to_numpy(), ref.scores.to_numpy(), atol=1e-6)
    assert res.position_bias.iloc[0] == pytest.approx(ref.params["h"], abs=1e-6)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.drop("h").to_numpy(),
                               atol=1e-6)
    assert res.loglik == pytest.approx(ref.loglik, abs=1e-6)


# --------------------------------------------------------------------------- (c)
#: (family, link, K) of every outcome family
FAMILIES = [(kf.CUMULATIVE, links.LOGISTIC, 2), (kf.CUMULATIVE, links.PROBIT, 2),
            (kf.CUMULATIVE, links.LOGISTIC, 3), (kf.CUMULATIVE, links.PROBIT, 3),
            (kf.DAVIDSON, links.LOGISTIC, 3), (kf.CUMULATIVE, links.LOGISTIC, 5),
            (kf.CUMULATIVE, links.PROBIT, 4)]


def _case(seed, family, n_cat, n=5, n_ann=3, m=30):
    rng = np.random.default_rng(seed)
    ci = rng.integers(0, n - 1, m)
    cj = ci + rng.integers(1, n - ci)
    cells = (rng.integers(0, n_ann, m).astype(np.int64), ci.astype(np.int32),
             cj.astype(np.int32), rng.choice([-1.0, 0.0, 1.0], m),
             rng.integers(0, n_cat, m).astype(np.int64), rng.choice([0.0, 0.5, 1.0, 3.0], m))
    p = kf.n_family_params(family, n_cat)
    theta = (rng.uniform(0.3, 1.5, 1) if family == kf.DAVIDSON
             else np.cumsum(rng.uniform(0.2, 0.8, p)))
    s = rng.normal(size=n)
    return s, rng.uniform(-1.0, 2.0, n_ann), rng.normal(0, 0.4, n_ann), theta, cells


@given(st.sampled_from(FAMILIES), st.integers(0, 2 ** 20), st.booleans())
def test_kernel_derivatives_match_finite_differences(fam, seed, with_gamma):
    family, link, n_cat = fam
    s, beta, gamma, theta, cells = _case(seed, family, n_cat)
    if not with_gamma:
        gamma = np.zeros_like(gamma)
    n, k, p = s.size, beta.size, theta.size
    m = 2 if with_gamma else 1
    size = n + k * m + p

    def split(v):
        g_ = v[n + k:n + 2 * k] if with_gamma else np.zeros(k)
        return v[:n], v[n:n + k], g_, v[n + k * m:]

    def loglik(v):
        return ka.cell_loglik(family, link, n_cat, *split(v), *cells)

    def derivs(v, observed=True):
        grad, hess = np.empty(size), np.empty((size, size))
        f = ka.cell_derivatives(family, link, n_cat, *split(v), *cells, with_gamma, observed,
                                grad, hess)
        return f, grad, hess

    v = np.concatenate([s, beta, gamma if with_gamma else [], theta])
    f, grad, hess = derivs(v)
    assert f == pytest.approx(loglik(v), rel=1e-12, abs=1e-12)
    h = 1e-6
    e = np.eye(size)
    fd = np.array([(loglik(v + h * e[q]) - loglik(v - h * e[q])) / (2 * h) for q in range(size)])
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-6)
    fd_h = np.array([(derivs(v + h * e[q])[1] - derivs(v - h * e[q])[1]) / (2 * h)
                     for q in range(size)])
    np.testing.assert_allclose(hess, fd_h, rtol=1e-5, atol=1e-5)
    assert np.array_equal(hess, hess.T)
    # the Gauss-Newton matrix differs only in the (score, quality) entries
    gn = derivs(v, False)[2]
    diff = hess - gn
    diff[:n, n:n + k] = 0.0
    diff[n:n + k, :n] = 0.0
    assert np.all(diff == 0.0)
    if family == kf.CUMULATIVE:          # log-concave in (z, theta): semi-definite
        assert np.linalg.eigvalsh(gn).max() < 1e-9 * max(1.0, np.abs(gn).max())
    # the given-scores arrow is the (beta, gamma, theta) part of the joint Hessian
    gb, hb = np.empty((k, 2)), np.empty((k, 2, 2))
    gt, cross, ht = np.empty(p), np.empty((k, 2, p)), np.empty((p, p))
    fb = ka.cell_blocks(family, link, n_cat, *split(v), *cells, with_gamma, gb, hb, gt, cross, ht)
    assert fb == pytest.approx(f, rel=1e-12, abs=1e-12)
    t0 = n + k * m
    np.testing.assert_allclose(gb[:, 0], grad[n:n + k], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gt, grad[t0:], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ht, hess[t0:, t0:], rtol=1e-12, atol=1e-12)
    for q in range(k):
        idx = [n + q, n + k + q] if with_gamma else [n + q]
        np.testing.assert_allclose(hb[q][:m, :m], hess[np.ix_(idx, idx)], rtol=1e-12,
                                   atol=1e-12)
        np.testing.assert_allclose(cross[q][:m], hess[np.ix_(idx, range(t0, size))],
                                   rtol=1e-12, atol=1e-12)
        if with_gamma:
            assert gb[q, 1] == pytest.approx(grad[n + k + q], rel=1e-12, abs=1e-12)


@given(st.sampled_from(FAMILIES), st.integers(0, 2 ** 20))
def test_accuracy_kernel_matches_the_category_probabilities(fam, seed):
    family, link, n_cat = fam
    s, beta, gamma, theta, cells = _case(seed, family, n_cat)
    out = np.empty((beta.size, 3))
    ka.cell_accuracy(family, link, n_cat, s, beta, gamma, theta, *cells, out)
    cg, ci, cj, co, ck, cw = cells
    half = n_cat // 2
    want = np.zeros((beta.size, 3))
    lp = np.empty(n_cat)
    for c in range(cg.size):
        if cw[c] == 0 or (n_cat % 2 == 1 and ck[c] == half):
            continue
        d = s[ci[c]] - s[cj[c]]
        kf.log_probabilities(family, link, n_cat, beta[cg[c]] * d + gamma[cg[c]] * co[c],
                             theta, lp)
        p = np.exp(lp)
        pa, pb = p[n_cat - half:].sum(), p[:half].sum()
        better = ck[c] >= n_cat - half if d > 0 else ck[c] < half
        want[cg[c]] += cw[c] * np.array([(pa if d > 0 else pb) / (pa + pb), better, 1.0])
    np.testing.assert_allclose(out, want, rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------------- (d)
@pytest.mark.parametrize("model", ["rao-kupper", "glenn-david"])
def test_qualities_are_recovered_as_data_grow(model):
    beta = np.array([0.4, 1.0, 1.0, 1.8, 0.0, -0.7])
    errors, ses = [], []
    for pairs in (40, 640):
        sim = btstats.simulate_annotation(20, 5, pairs_per_prompt=pairs,
                                          pairing="cross-prompt", n_annotators=beta.size,
                                          beta=beta, labels_per_pair=3, model=model,
                                          theta=2.0, rng=7)
        df = sim.data
        res = fit_annotators(df, model)
        assert res.converged
        w = df["annotator"].value_counts(normalize=True).reindex(sim.annotators.index)
        truth = beta / (w.to_numpy() @ beta)        # the scale the constraint picks
        z = (res.beta.to_numpy() - truth) / res.beta_se.to_numpy()
        assert np.all(np.abs(z) < 4.0)
        assert abs(res.params["eta"] - np.log(2.0)) < 4.0 * res.params_se["eta"]
        errors.append(np.max(np.abs(res.beta.to_numpy() - truth)))
        ses.append(res.beta_se.to_numpy())
    # 16 times the labels: the standard errors shrink by about 4, the errors with them
    ratio = ses[0] / ses[1]
    assert np.all((ratio > 2.5) & (ratio < 6.5))
    assert errors[1] < 0.1 and errors[1] < errors[0]
