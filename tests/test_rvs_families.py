"""Random outcomes for every outcome family: Model.rvs, Model.probabilities and simulate().

Statistical checks run on fixed seeds and pass at the 1e-4 level (chi-square against the
family's probabilities, written here independently with scipy.special; z-scores of fitted
parameters against the truth); a failure means the sampler, not the seed, is wrong.
Properties (mirror symmetry, the order effect as a shift of z, agreement with the pair-count
sampler and with a naive inversion) run under the deterministic hypothesis profile.
"""
import importlib
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import special, stats

import btstats
from btstats._kernels import families as _kf
from btstats._kernels import sample_families as _ksf
from btstats.models.model import get_model

sm = importlib.import_module("btstats.simulate")   # btstats.simulate is the function

# (model, params, n_categories): every family and link
CASES = [
    ("bradley-terry", {}, None),
    ("thurstone", {}, None),
    ("rao-kupper", {"eta": 0.7}, None),
    ("glenn-david", {"eta": 0.4}, None),
    ("davidson", {"nu": 0.8}, None),
    ("graded", {"t1": 0.5, "t2": 2.0}, None),
    ("graded-probit", {"t1": 0.3, "t2": 1.0}, None),
    ("graded", {"t1": 0.6}, 4),
    ("graded-probit", {}, 2),
    ("graded", {"t1": 0.4, "t2": 1.0, "t3": 2.5}, None),
]
CASE_IDS = [f"{m}-K{k or ''}{'-'.join(p)}" for m, p, k in CASES]
Z_VALUES = np.array([-3.0, -0.8, 0.0, 0.4, 2.5])


def n_cats(model, params, n_categories):
    mdl = get_model(model)
    if mdl.family_name != "graded":
        return mdl.n_categories
    if n_categories is not None:
        return n_categories
    p = sum(1 for k in params if k != "h")
    return 2 * p + 1 if p else 2


def naive_probs(model, params, n_categories, z):
    """P(category k), k = 0 .. K - 1 (K - 1: a best), rows for each z, from scipy.special."""
    mdl = get_model(model)
    z = np.atleast_1d(np.asarray(z, dtype=float))
    if mdl.family_name == "davidson":
        nu = params["nu"]
        w = np.stack([np.exp(-z / 2), np.full_like(z, nu), np.exp(z / 2)], axis=1)
        return w / w.sum(axis=1, keepdims=True)
    k = n_cats(model, params, n_categories)
    cdf = special.expit if mdl.link_name == "logit" else special.ndtr
    p = (k - 1) // 2
    t = [params[f"t{q + 1}"] for q in range(p)] if mdl.family_name == "graded" else \
        ([params["eta"]] if p else [])
    cuts = [-x for x in t[::-1]] + ([0.0] if k % 2 == 0 else []) + list(t)
    cum = cdf(np.asarray(cuts)[None, :] - z[:, None])
    cum = np.concatenate([np.zeros((z.size, 1)), cum, np.ones((z.size, 1))], axis=1)
    return np.diff(cum, axis=1)


def to_category(model, codes, k):
    """Outcome codes of rvs (1 / 0.5 / 0, or grades) to categories 0 .. K - 1."""
    codes = np.asarray(codes)
    if get_model(model).family_name != "graded":
        return np.rint(codes * (k - 1)).astype(int)
    m = k // 2
    if k % 2 == 1:
        return codes + m
    return np.where(codes > 0, codes + m - 1, codes + m)


def chi_square_p(counts, expected):
    """One Pearson chi-square over several multinomials (rows); zero-probability cells must
    be empty."""
    keep = expected > 1e-12
    assert counts[~keep].sum() == 0, "a category of probability zero was drawn"
    stat = (((counts - expected) ** 2)[keep] / expected[keep]).sum()
    df = int(keep.sum()) - counts.shape[0]
    return float(stats.chi2.sf(stat, df))


def counts_of(model, draws, k):
    cat = to_category(model, draws, k)
    return np.stack([np.bincount(row, minlength=k) for row in cat])


def with_h(params, h):
    return {"h": h, **params}


# --------------------------------------------------------------------------- goodness of fit
@pytest.mark.parametrize("h", [None, 0.6])
@pytest.mark.parametrize("model, params, n_categories", CASES, ids=CASE_IDS)
def test_rvs_frequencies_match_the_probabilities(model, params, n_categories, h):
    k = n_cats(model, params, n_categories)
    n = 3000
    # item 2r against item 2r + 1 with s_a - s_b = Z_VALUES[r]; the same pairs swapped below
    scores = np.ravel(np.stack([Z_VALUES, np.zeros_like(Z_VALUES)], axis=1))
    pairs = np.stack([np.arange(0, 10, 2), np.arange(1, 10, 2)], axis=1)
    order = np.array([1, -1, 0, 1, -1])
    kw = {} if h is None else {"params": with_h(params, h), "order": order}
    if h is None:
        kw["params"] = params
    mdl = get_model(model)
    draws = mdl.rvs(scores, pairs, n=n, n_categories=n_categories, rng=20240611, **kw)
    assert draws.shape == (5, n)
    assert draws.dtype == (np.int64 if mdl.family_name == "graded" else np.float64)
    z = Z_VALUES + (0.0 if h is None else h * order)
    want = naive_probs(model, params, n_categories, z)
    assert chi_square_p(counts_of(model, draws, k), n * want) > 1e-4
    # swapping the sides (and the order indicator) mirrors the distribution
    kw_swap = dict(kw)
    if h is not None:
        kw_swap["order"] = -order
    swapped = mdl.rvs(scores, pairs[:, ::-1], n=n, n_categories=n_categories, rng=7, **kw_swap)
    mirrored = counts_of(model, swapped, k)[:, ::-1]
    assert chi_square_p(mirrored, n * want) > 1e-4


@pytest.mark.parametrize("model, params, n_categories", CASES, ids=CASE_IDS)
def test_model_probabilities_match_the_naive_formulas(model, params, n_categories):
    mdl = get_model(model)
    k = n_cats(model, params, n_categories)
    want = naive_probs(model, params, n_categories, Z_VALUES)
    got = mdl.probabilities(Z_VALUES, params=params, n_categories=n_categories)
    if mdl.family_name == "graded":
        assert got.shape == (Z_VALUES.size, k)
    else:
        got = np.stack(got[::-1], axis=1)[:, :: (1 if k == 3 else 2)]
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)


def test_davidson_without_ties_never_draws_one():
    draws = get_model("davidson").rvs([0.0, 0.0], [[0, 1]], n=5000, params={"nu": 0.0},
                                      rng=3)
    assert not np.any(draws == 0.5)
    assert 0.45 < draws.mean() < 0.55


def test_extreme_differences_give_the_certain_outcome():
    for model, params, n_categories in CASES:
        k = n_cats(model, params, n_categories)
        draws = get_model(model).rvs([400.0, -400.0], [[0, 1], [1, 0]], n=200, params=params,
                                     n_categories=n_categories, rng=1)
        cat = to_category(model, draws, k)
        assert np.all(cat[0] == k - 1) and np.all(cat[1] == 0), model


# --------------------------------------------------------------------------- properties
DYADIC = st.sampled_from([-2.5, -1.0, -0.375, 0.0, 0.25, 0.5, 1.75, 3.0])
CASE = st.sampled_from(CASES)


@given(case=CASE, d=st.lists(DYADIC, min_size=1, max_size=6), h=DYADIC,
       order=st.lists(st.sampled_from([-1, 0, 1]), min_size=6, max_size=6))
def test_probabilities_mirror_and_shift_by_the_order_effect(case, d, h, order):
    model, params, n_categories = case
    mdl = get_model(model)
    d = np.asarray(d)
    o = np.asarray(order[:d.size], dtype=float)

    def probs(x, prm, **kw):
        p = mdl.probabilities(x, params=prm, n_categories=n_categories, **kw)
        return p if mdl.family_name == "graded" else np.stack(p[::-1], axis=-1)

    shifted = probs(d, with_h(params, h), order=o)
    np.testing.assert_allclose(shifted, probs(d + h * o, params), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(probs(-d, with_h(params, h), order=-o), shifted[:, ::-1],
                               rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(shifted.sum(axis=-1), 1.0, rtol=1e-12)


@given(case=CASE, d=st.lists(DYADIC, min_size=1, max_size=5), h=DYADIC,
       order=st.lists(st.sampled_from([-1, 0, 1]), min_size=5, max_size=5),
       seed=st.integers(0, 2 ** 32 - 1))
def test_order_effect_is_a_shift_of_z(case, d, h, order, seed):
    # row r compares item 2r with item 2r + 1; with dyadic numbers z is exact either way, so
    # the same uniforms give the same outcomes
    model, params, n_categories = case
    mdl = get_model(model)
    m = len(d)
    o = np.asarray(order[:m], dtype=float)
    s = np.ravel(np.stack([np.asarray(d), np.zeros(m)], axis=1))
    pairs = np.stack([np.arange(0, 2 * m, 2), np.arange(1, 2 * m, 2)], axis=1)
    got = mdl.rvs(s, pairs, n=20, params=with_h(params, h), order=o,
                  n_categories=n_categories, rng=seed)
    s_shift = s.copy()
    s_shift[0::2] += h * o
    want = mdl.rvs(s_shift, pairs, n=20, params=with_h(params, 0.0),
                   n_categories=n_categories, rng=seed)
    np.testing.assert_array_equal(got, want)


@given(model=st.sampled_from(["bradley-terry", "thurstone", "rao-kupper", "glenn-david"]),
       seed=st.integers(0, 2 ** 32 - 1), eta=st.sampled_from([0.0, 0.3, 1.2]))
def test_family_sampler_agrees_with_the_pair_count_sampler(model, seed, eta):
    # h = 0 routes the draw through the outcome families; without it the pair-count kernel
    # draws: the same uniforms, the same outcomes
    mdl = get_model(model)
    s = np.array([1.3, 0.2, -0.4, -1.1])
    pairs = np.array([[0, 1], [1, 2], [3, 0], [2, 3], [0, 2]])
    tie = {"theta": math.exp(eta)} if mdl.has_ties else {}
    old = mdl.rvs(s, pairs, n=50, rng=seed, **tie)
    prm = {"h": 0.0, "eta": math.log(tie["theta"])} if mdl.has_ties else {"h": 0.0}
    new = mdl.rvs(s, pairs, n=50, rng=seed, params=prm)
    np.testing.assert_array_equal(new, old)
    # and the probabilities agree
    d = np.array([-2.0, 0.0, 0.7])
    np.testing.assert_allclose(np.stack(mdl.probabilities(d, params=prm, order=0.0)),
                               np.stack(mdl.probabilities(d, eta if mdl.has_ties else None)),
                               rtol=1e-12)


@given(case=CASE, seed=st.integers(0, 2 ** 32 - 1))
def test_kernel_matches_a_naive_inversion(case, seed):
    model, params, n_categories = case
    mdl = get_model(model)
    k = n_cats(model, params, n_categories)
    rng = np.random.default_rng(seed)
    s = rng.normal(0.0, 1.5, 6)
    a = rng.integers(0, 6, 40).astype(np.int32)
    b = ((a + rng.integers(1, 6, 40)) % 6).astype(np.int32)
    o = rng.integers(-1, 2, 40).astype(float)
    h = 0.35
    u = rng.random((40, 30))
    theta = np.array([params[x] for x in sorted(params) if x != "h"], dtype=float)
    fam = _kf.DAVIDSON if mdl.family_name == "davidson" else _kf.CUMULATIVE
    out = np.empty(u.shape, np.int64)
    _ksf.categories(fam, mdl.link, k, s, theta, h, a, b, o, u, out)
    # naive: the number of upper tails P(Y >= j), j = 1 .. K - 1, that exceed u
    p = naive_probs(model, params, n_categories, s[a] - s[b] + h * o)
    tails = np.cumsum(p[:, ::-1], axis=1)[:, ::-1][:, 1:]        # P(Y >= 1) .. P(Y >= K-1)
    want = (u[:, :, None] < tails[:, None, :]).sum(axis=2)
    near = np.abs(u[:, :, None] - tails[:, None, :]).min(axis=2) < 1e-12
    np.testing.assert_array_equal(out[~near], want[~near])
    flat = np.empty(40, np.int64)
    _ksf.categories_1d(fam, mdl.link, k, s, theta, h, a, b, o, u[:, 0].copy(), flat)
    np.testing.assert_array_equal(flat, out[:, 0])


# --------------------------------------------------------------------------- fit round trips
def test_fit_params_pass_back_into_model_probabilities():
    sim = sm.simulate(np.linspace(1.0, -1.0, 5), sm.round_robin(5, 20), model="graded",
                      params={"h": 0.2, "t1": 0.5, "t2": 1.5}, rng=2)
    res = btstats.fit(sim.data, "graded", order_effect=True)
    a, b = [0, 3, 4], [1, 1, 2]
    d = res.scores.loc[a].to_numpy() - res.scores.loc[b].to_numpy()
    order = np.array([1.0, -1.0, 0.0])
    got = get_model("graded").probabilities(d, params=res.params, order=order,
                                            n_categories=res.n_categories)
    want = res.category_probabilities(a, b, order)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def _z_scores(sim, res):
    """|fitted - true| / se for every score and every parameter beyond the scores."""
    cmp = sim.compare(res)
    se = res.standard_errors.loc[cmp.index].to_numpy()
    z_s = np.abs(cmp["error"].to_numpy()) / se
    coef = res.coefficients
    true = sim.params.loc[coef.index]
    z_p = np.abs(coef["estimate"] - true) / coef["se"]
    return z_s, z_p


TRUTH = pd.Series([1.2, 0.8, 0.4, 0.1, -0.2, -0.6, -0.8, -0.9], index=list("ABCDEFGH"))


@pytest.mark.parametrize("model, params, order, fit_kw, seed", [
    ("davidson", {"nu": 0.8}, None, {}, 11),
    ("davidson", {"h": -0.25, "nu": 1.3}, "random", {"order_effect": True}, 12),
    ("graded", {"t1": 0.5, "t2": 2.0}, None, {}, 13),
    ("graded-probit", {"h": 0.3, "t1": 0.4}, "random",
     {"order_effect": True, "link": "probit"}, 14),
    ("rao-kupper", {"h": 0.3, "eta": 0.6}, None, {"order_effect": True}, 15),
    ("bradley-terry", {"h": 0.4}, "random", {"order_effect": True}, 16),
], ids=["davidson", "davidson-h", "graded5", "graded4-probit-h", "rao-kupper-h", "bt-h"])
def test_simulate_then_fit_recovers_the_truth(model, params, order, fit_kw, seed):
    n_categories = 4 if model == "graded-probit" else None
    sim = btstats.simulate(TRUTH, btstats.round_robin(8, 50), model=model, params=params,
                           order=order, n_categories=n_categories, rng=seed)
    fit_model = "graded" if model.startswith("graded") else model
    res = btstats.fit(sim.data, fit_model, **fit_kw)
    assert res.converged
    assert list(res.params.index) == list(sim.params.index)
    z_s, z_p = _z_scores(sim, res)
    assert z_s.max() < 4 and z_p.max() < 4, (z_s.max(), z_p.to_dict())


# --------------------------------------------------------------------------- simulate output
def test_graded_simulation_frame():
    sim = btstats.simulate(TRUTH, btstats.round_robin(8, 10), model="graded",
                           params={"t1": 0.5, "t2": 2.0}, rng=1)
    d = sim.data
    assert list(d.columns) == ["item_a", "item_b", "outcome", "grade"]
    assert d["grade"].dtype == np.int64 and set(d["grade"]) <= {-2, -1, 0, 1, 2}
    assert set(d["grade"]) == {-2, -1, 0, 1, 2}
    np.testing.assert_array_equal(d["outcome"], np.sign(d["grade"]) * 0.5 + 0.5)
    assert sim.n_categories == 5
    assert sim.params.to_dict() == {"t1": 0.5, "t2": 2.0}
    assert repr(sim).startswith("Simulation(graded, t1=0.5, t2=2, 8 items, 280 rows")
    even = btstats.simulate(TRUTH, btstats.round_robin(8, 10), model="graded",
                            params={"t1": 0.5}, n_categories=4, rng=1)
    assert set(even.data["grade"]) == {-2, -1, 1, 2} and even.n_categories == 4


def test_order_simulation_frame():
    design = btstats.round_robin(8, 4)
    sim = btstats.simulate(TRUTH, design, model="rao-kupper", params={"h": 0.3, "eta": 0.5},
                           rng=1)
    assert list(sim.data.columns) == ["item_a", "item_b", "outcome", "order"]
    assert np.all(sim.data["order"] == 1) and sim.theta is None
    assert sim.params.to_dict() == {"h": 0.3, "eta": 0.5}
    rnd = btstats.simulate(TRUTH, design, model="davidson", params={"h": 0.3, "nu": 1.0},
                           order="random", rng=1)
    assert set(rnd.data["order"]) == {-1, 1}
    given_order = np.tile([1, 0, -1, 1], design.n_comparisons // 4)
    fixed = btstats.simulate(TRUTH, design, params={"h": 0.3}, order=given_order, rng=1)
    np.testing.assert_array_equal(fixed.data["order"], given_order)
    assert not (fixed.data["outcome"] == 0.5).any()


def test_existing_models_draw_as_before():
    # theta / params['eta'] are the same tie parameter; Simulation.params names it as a fit
    a = btstats.simulate(TRUTH, btstats.round_robin(8, 5), model="rao-kupper", theta=2.0,
                         rng=4)
    b = btstats.simulate(TRUTH, btstats.round_robin(8, 5), model="rao-kupper",
                         params={"eta": math.log(2.0)}, rng=4)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.params.to_dict() == {"eta": pytest.approx(math.log(2.0))}
    assert repr(a).startswith("Simulation(rao-kupper, theta=2, 8 items")
    assert btstats.simulate(TRUTH, btstats.round_robin(8, 1), rng=0).params.empty


def test_simulation_is_reproducible_and_ensure_mle_works():
    kw = dict(model="davidson", params={"h": 0.2, "nu": 0.5}, order="random", rng=9)
    one = btstats.simulate(TRUTH, btstats.sparse_connected(8, 16, ensure_mle=True, rng=1),
                           **kw)
    two = btstats.simulate(TRUTH, btstats.sparse_connected(8, 16, ensure_mle=True, rng=1),
                           **kw)
    pd.testing.assert_frame_equal(one.data, two.data)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: get_model("davidson").rvs([0.0, 1.0], [[0, 1]]), ValueError,
     r"params=\{'nu': ...\}"),
    (lambda: get_model("davidson").rvs([0.0, 1.0], [[0, 1]], theta=2.0), ValueError,
     "`theta` applies to the threshold-tie models"),
    (lambda: get_model("davidson").rvs([0.0, 1.0], [[0, 1]], params={"nu": -1}), ValueError,
     r"`params\['nu'\]` must be >= 0"),
    (lambda: get_model("rao-kupper").rvs([0.0, 1.0], [[0, 1]], theta=2.0,
                                         params={"eta": 0.5}), ValueError, "not both"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], params={"eta": 0.5}), ValueError,
     r"unknown: \['eta'\]"),
    (lambda: get_model("graded").rvs([0.0, 1.0], [[0, 1]], params={"t2": 1.0}), ValueError,
     r"unknown: \['t2'\]"),
    (lambda: get_model("graded").rvs([0.0, 1.0], [[0, 1]], params={"t1": 2.0, "t2": 1.0}),
     ValueError, "0 <= t1 <= t2"),
    (lambda: get_model("graded").rvs([0.0, 1.0], [[0, 1]], params={"t1": 1.0},
                                     n_categories=7), ValueError, "needs 3 thresholds"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], n_categories=4), ValueError,
     "applies to graded models"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], order=1), ValueError,
     "needs the order effect"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], params={"h": 1.0}, order=[1, 1]),
     ValueError, "one entry per comparison"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], params={"h": 1.0}, order=0.5),
     ValueError, "order indicators"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], params={"h": np.nan}), ValueError,
     r"`params\['h'\]` must be a finite number"),
    (lambda: get_model("bt").rvs([0.0, 1.0], [[0, 1]], params=[0.3]), TypeError,
     "`params` must be a dict"),
    (lambda: get_model("davidson").probabilities(0.0, 0.5, params={"nu": 1.0}), ValueError,
     "`eta` applies to the threshold-tie models"),
    (lambda: get_model("bt").probabilities([0.0, 1.0], params={"h": 1.0}, order=[1, 1, 1]),
     ValueError, "must broadcast"),
    (lambda: btstats.simulate(TRUTH, btstats.round_robin(8), model="davidson",
                              params={"nu": 1.0}, annotators=2), ValueError,
     "drop `annotators`"),
    (lambda: btstats.simulate(TRUTH, btstats.round_robin(8), order="random"), ValueError,
     "needs the order effect"),
    (lambda: btstats.simulate(TRUTH, btstats.round_robin(8), params={"h": 0.1},
                              order="home"), ValueError, "order indicators"),
])
def test_bad_input_raises_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
