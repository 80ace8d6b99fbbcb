"""Comparison-level covariates on the linear predictor of the general core (issue 12, items 1
and 6): ``z = s_a - s_b + h o + x' beta``.

References: ``tests/data/covariates_sim.csv`` (8 items, 3000 comparisons, covariates x1, x2,
an order column and 150 clusters) fitted in R by ``tests/data/r/issue12_references.R``
(``set.seed(20261202)``; see ``tests/data/README_issue12.md``)::

    X <- +1/-1 item design (reference item A)
    fit <- glm(win_a ~ 0 + B + C + D + E + F + G + H + x1 + x2 + order,
               family = binomial("logit"))            # and binomial("probit")
    sandwich::vcovHC(fit, type = "HC0")
    sandwich::vcovCL(fit, cluster = ~cl, type = "HC1")  # G/(G-1) (n-1)/(n-k)

The centred scores and covariances are ``P theta`` and ``P V P'`` (the JSON's ``centring``).
btstats' cluster covariance carries ``G/(G-1) (N-1)/(N-K)``, which is R's ``type = "HC1"``
(not ``vcovCL``'s default, ``G/(G-1)`` alone).  btstats' sandwich bread is the inverse
observed information: for the logit link it equals R's (expected) bread; for the probit
link the JSON's ``observed_bread`` entries hold that version (R's own meat, observed bread).
"""
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import btstats
from btstats import Comparisons
from btstats._kernels import cells as K
from btstats._kernels import families as F
from btstats._kernels.links import LOGISTIC, PROBIT
from btstats.cli import main
from btstats.data.cells import build_cells
from btstats.exceptions import ConvergenceWarning, NoMLEError
from btstats.models.model import get_model

TOL = 1e-6
R_NAMES = {"order": "h"}


@pytest.fixture(scope="module")
def sim(data_dir):
    return pd.read_csv(data_dir / "covariates_sim.csv")


def _ref(data_dir, link):
    return json.loads((data_dir / f"covariates_sim.glm_{link}.json").read_text())


def _matrix(block):
    names = [R_NAMES.get(n, n) for n in block["rownames"]]
    return pd.DataFrame(np.array(block["matrix"], dtype=float), index=names,
                        columns=[R_NAMES.get(n, n) for n in block["colnames"]])


def _centred(ref, cov_reference):
    """``P V P'`` of a covariance in R's reference parametrisation."""
    p = _matrix(ref["centring"]["P"])
    v = _matrix(cov_reference).loc[p.columns, p.columns]
    return pd.DataFrame(p.to_numpy() @ v.to_numpy() @ p.to_numpy().T, index=p.index,
                        columns=p.index)


def _fit(sim, model, **kw):
    return btstats.fit(sim, model, covariates=["x1", "x2"], order_effect=True,
                       outcome="win_a", **kw)


def _max_diff(cov, ref):
    return float(np.max(np.abs(cov.loc[ref.index, ref.columns].to_numpy() - ref.to_numpy())))


# --------------------------------------------------------------------------- references
@pytest.mark.parametrize("model,link", [("bradley-terry", "logit"), ("thurstone", "probit")])
def test_glm_reference(sim, data_dir, model, link):
    ref = _ref(data_dir, link)
    res = _fit(sim, model)
    assert res.converged
    assert list(res.params.index) == ["h", "x1", "x2"]
    assert res.loglik == pytest.approx(ref["loglik"], abs=TOL)
    assert res.aic == pytest.approx(ref["aic"], abs=TOL)
    assert res.bic == pytest.approx(ref["bic"], abs=TOL)
    score = pd.Series(ref["centring"]["score"])
    np.testing.assert_allclose(res.scores[score.index], score, atol=TOL, rtol=0)
    coef = res.coefficients
    for r_name, name in (("x1", "x1"), ("x2", "x2"), ("order", "h")):
        c = ref["coefficients"][r_name]
        assert coef.loc[name, "estimate"] == pytest.approx(c["estimate"], abs=TOL)
        assert coef.loc[name, "se"] == pytest.approx(ref["se_obs"][r_name], abs=TOL)
    # observed-information covariance of the centred scores and the coefficients
    assert _max_diff(res.parameter_covariance, _matrix(ref["centring"]["cov_obs"])) < TOL
    se = pd.Series(ref["centring"]["se_obs"]).rename(R_NAMES)
    np.testing.assert_allclose(res.standard_errors[list("ABCDEFGH")], se[list("ABCDEFGH")],
                               atol=TOL, rtol=0)
    # glm's own standard errors (and z, p) are those of the expected information
    exp = res.with_covariance("expected")
    assert _max_diff(exp.parameter_covariance, _matrix(ref["centring"]["cov_exp"])) < TOL
    for r_name, name in (("x1", "x1"), ("x2", "x2"), ("order", "h")):
        c = ref["coefficients"][r_name]
        row = exp.coefficients.loc[name]
        assert row["se"] == pytest.approx(c["se"], abs=TOL)
        assert row["z"] == pytest.approx(c["z"], abs=1e-5)
        assert row["p"] == pytest.approx(c["p"], abs=TOL)


def test_sandwich_and_cluster_logit(sim, data_dir):
    """Logit: the observed bread is R's; vcovHC(HC0) and vcovCL(type = "HC1")."""
    ref = _ref(data_dir, "logit")["sandwich"]
    hc0 = _fit(sim, "bradley-terry", covariance_type="sandwich")
    assert _max_diff(hc0.parameter_covariance, _matrix(ref["HC0"]["cov_centred"])) < TOL
    cl = _fit(sim, "bradley-terry", covariance_type="cluster", cluster="cl")
    assert _max_diff(cl.parameter_covariance, _matrix(ref["CL_HC1"]["cov_centred"])) < TOL
    se = pd.Series(ref["CL_HC1"]["se_centred"]).rename(R_NAMES)
    assert cl.coefficients.loc["x1", "se"] == pytest.approx(se["x1"], abs=TOL)
    # vcovCL's default (G/(G-1) only) differs by the (N-1)/(N-K) factor
    n, k = 3000.0, 10.0
    default = _matrix(ref["CL_default"]["cov_centred"]) * (n - 1) / (n - k)
    assert _max_diff(cl.parameter_covariance, default) < TOL


def test_sandwich_and_cluster_probit(sim, data_dir):
    """Probit: R's meat with the observed-information bread (the JSON's observed_bread)."""
    ref = _ref(data_dir, "probit")
    ob = ref["sandwich"]["observed_bread"]
    hc0 = _fit(sim, "thurstone", covariance_type="sandwich")
    assert _max_diff(hc0.parameter_covariance, _centred(ref, ob["HC0_cov_reference"])) < TOL
    se = pd.Series(ob["HC0_se_centred"]).rename(R_NAMES)
    np.testing.assert_allclose(hc0.standard_errors[se.index[:8]], se[:8], atol=TOL, rtol=0)
    cl = _fit(sim, "thurstone", covariance_type="cluster", cluster="cl")
    factor = ref["sandwich"]["CL_HC1"]["factor"]
    want = _centred(ref, ob["CL_HC0_noadj_cov_reference"]) * factor
    assert _max_diff(cl.parameter_covariance, want) < TOL


# --------------------------------------------------------------------------- data paths
def test_comparisons_role_and_cli(sim, data_dir, capsys):
    comps = Comparisons.from_frame(sim, outcome="win_a", covariates=["x1", "x2"])
    assert {"x1", "x2", "order"} <= set(comps.extra.columns)
    a = btstats.fit(comps, covariates=["x1", "x2"], order_effect=True)
    b = _fit(sim, "bradley-terry")
    np.testing.assert_allclose(a.params, b.params, atol=1e-12)
    code = main(["fit", str(data_dir / "covariates_sim.csv"), "--outcome", "win_a",
                 "--covariates", "x1,x2", "--order-effect", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    res = json.loads(out)
    assert res["parameters"]["x2"]["estimate"] == pytest.approx(b.params["x2"], abs=1e-10)
    with pytest.raises(btstats.DataError, match="covariates"):
        btstats.fit(comps, covariates=["x3"])


def test_counts_layout_with_discrete_covariates():
    """Aggregated counts with a covariate = the long rows they stand for."""
    rng = np.random.default_rng(5)
    n_rows = 600
    a = rng.integers(0, 5, n_rows)
    b = (a + rng.integers(1, 5, n_rows)) % 5
    x = rng.integers(-2, 3, n_rows).astype(float)
    win = rng.random(n_rows) < 1 / (1 + np.exp(-(0.3 * (a - b) + 0.5 * x)))
    long = pd.DataFrame({"item_a": a, "item_b": b, "x": x, "outcome": win.astype(float)})
    counts = (long.assign(wins_a=win.astype(float), wins_b=(~win).astype(float))
              .groupby(["item_a", "item_b", "x"], as_index=False)[["wins_a", "wins_b"]].sum())
    f_long = btstats.fit(long, covariates=["x"])
    f_counts = btstats.fit(counts, covariates=["x"])
    np.testing.assert_allclose(f_long.params, f_counts.params, atol=1e-10)
    np.testing.assert_allclose(f_long.scores, f_counts.scores, atol=1e-10)
    assert f_long.loglik == pytest.approx(f_counts.loglik, abs=1e-8)
    # discrete covariates: one cell per distinct (pair, x, outcome)
    cells = f_long._cells
    assert cells.ci.shape[0] == long.assign(
        i=np.minimum(a, b), j=np.maximum(a, b), xs=np.where(a > b, -x, x) + 0.0,
        y=np.where(a > b, 1 - win, win)).drop_duplicates(["i", "j", "xs", "y"]).shape[0]


# --------------------------------------------------------------------------- properties
def _random_rows(seed, n_items=5, n_rows=300, ties=False):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_items, n_rows)
    b = (a + rng.integers(1, n_items, n_rows)) % n_items
    x1 = rng.normal(size=n_rows)
    x2 = rng.integers(-1, 2, n_rows).astype(float)
    o = rng.choice([-1.0, 0.0, 1.0], n_rows)
    s = np.linspace(-0.8, 0.8, n_items)
    z = s[a] - s[b] + 0.5 * x1 - 0.3 * x2 + 0.2 * o
    u = rng.random(n_rows)
    p_a = 1 / (1 + np.exp(-(z - 0.4))) if ties else 1 / (1 + np.exp(-z))
    p_b = 1 / (1 + np.exp(z + 0.4)) if ties else 1 - p_a
    outcome = np.where(u < p_a, 1.0, np.where(u < p_a + p_b, 0.0, 0.5))
    return pd.DataFrame({"item_a": [f"i{v}" for v in a], "item_b": [f"i{v}" for v in b],
                         "x1": x1, "x2": x2, "order": o, "outcome": outcome})


def _graded(df):
    """Grades -2 .. 2 from the outcomes (the strength of a win drawn at random)."""
    mag = np.random.default_rng(0).integers(1, 3, len(df))
    grade = np.where(df["outcome"] == 1.0, mag, np.where(df["outcome"] == 0.0, -mag, 0))
    return df.assign(grade=grade).drop(columns="outcome")


MODELS = ["bradley-terry", "thurstone", "rao-kupper", "glenn-david", "davidson"]


@given(seed=st.integers(0, 10_000), model=st.sampled_from(MODELS), flip=st.integers(1, 7))
@settings(max_examples=12)
def test_swapping_sides_leaves_the_fit_unchanged(seed, model, flip):
    df = _random_rows(seed, ties=model in ("rao-kupper", "glenn-david", "davidson"))
    sw = df.copy()
    m = np.arange(len(df)) % flip == 0
    sw.loc[m, ["item_a", "item_b"]] = df.loc[m, ["item_b", "item_a"]].to_numpy()
    for c in ("x1", "x2", "order"):
        sw.loc[m, c] = -df.loc[m, c]
    sw.loc[m, "outcome"] = 1.0 - df.loc[m, "outcome"]
    f0 = btstats.fit(df, model, covariates=["x1", "x2"], order_effect=True)
    f1 = btstats.fit(sw, model, covariates=["x1", "x2"], order_effect=True)
    np.testing.assert_allclose(f0.params, f1.params, atol=1e-8)
    np.testing.assert_allclose(f0.scores, f1.scores[f0.scores.index], atol=1e-8)
    assert f0.loglik == pytest.approx(f1.loglik, abs=1e-8)


@given(seed=st.integers(0, 10_000))
@settings(max_examples=8)
def test_order_as_a_covariate_reproduces_h(seed):
    df = _random_rows(seed).assign(o2=lambda d: d["order"])
    f0 = btstats.fit(df, order_effect=True)
    f1 = btstats.fit(df, covariates=["o2"])
    assert f1.params["o2"] == pytest.approx(f0.params["h"], abs=1e-8)
    np.testing.assert_allclose(f0.scores, f1.scores, atol=1e-8)
    assert f1.coefficients.loc["o2", "se"] == pytest.approx(f0.coefficients.loc["h", "se"],
                                                            rel=1e-8)


@given(seed=st.integers(0, 10_000), model=st.sampled_from(["bradley-terry", "davidson"]))
@settings(max_examples=8)
def test_duplicated_rows_equal_doubled_weights(seed, model):
    df = _random_rows(seed, n_rows=150, ties=model == "davidson")
    f_dup = btstats.fit(pd.concat([df, df], ignore_index=True), model, covariates=["x1", "x2"])
    f_w = btstats.fit(df.assign(weight=2.0), model, covariates=["x1", "x2"])
    np.testing.assert_allclose(f_dup.params, f_w.params, atol=1e-9)
    np.testing.assert_allclose(f_dup.scores, f_w.scores, atol=1e-9)
    np.testing.assert_allclose(f_dup.standard_errors, f_w.standard_errors, rtol=1e-8)


@pytest.mark.parametrize("model", MODELS + ["graded"])
def test_gradient_method_equals_newton(model):
    df = _random_rows(3, ties=model != "bradley-terry" and model != "thurstone")
    if model == "graded":
        df = _graded(df)
    kw = dict(covariates=["x1", "x2"], order_effect=True)
    f_n = btstats.fit(df, model, **kw)
    f_g = btstats.fit(df, model, method="gradient", tol=1e-12, max_iter=200_000, **kw)
    assert f_n.converged and f_g.converged
    np.testing.assert_allclose(f_n.params, f_g.params, atol=1e-7)
    np.testing.assert_allclose(f_n.scores, f_g.scores, atol=1e-7)


@st.composite
def kernel_case(draw):
    family = draw(st.sampled_from([F.CUMULATIVE, F.DAVIDSON]))
    link = LOGISTIC if family == F.DAVIDSON else draw(st.sampled_from([LOGISTIC, PROBIT]))
    k = 3 if family == F.DAVIDSON else draw(st.sampled_from([2, 3, 5]))
    seed = draw(st.integers(0, 2 ** 31))
    n_lin = draw(st.integers(1, 3))
    return family, link, k, seed, n_lin


@given(case=kernel_case())
@settings(max_examples=25)
def test_cell_pass_derivatives_match_finite_differences(case):
    family, link, k, seed, n_lin = case
    rng = np.random.default_rng(seed)
    n, m = 4, 30
    ci = rng.integers(0, n, m).astype(np.int32)
    cj = ((ci + rng.integers(1, n, m)) % n).astype(np.int32)
    cx = np.ascontiguousarray(rng.normal(size=(m, n_lin)))
    ck = rng.integers(0, k, m).astype(np.int64)
    cw = rng.uniform(0.5, 3.0, m)
    p = F.n_family_params(family, k)
    theta = [rng.uniform(0.3, 1.5)] if family == F.DAVIDSON else \
        list(np.cumsum(rng.uniform(0.2, 1.0, p)))
    s = rng.normal(scale=0.5, size=n)
    extra = np.concatenate([rng.normal(scale=0.5, size=n_lin), theta])
    q = extra.shape[0]

    def ll(s_, e_):
        return K.loglik_cells(family, link, k, n_lin, s_, e_, ci, cj, cx, ck, cw, None)

    grad = np.empty(n + q)
    hcell = np.empty(m)
    cross = np.empty((n, q))
    hpp = np.empty((q, q))
    K.cell_pass(family, link, k, n_lin, s, extra, ci, cj, cx, ck, cw, grad, hcell, cross, hpp)
    info = K.information_cells(family, link, k, n_lin, s, extra, ci, cj, cx, ck, cw, None)
    eps = 1e-6
    vec = np.concatenate([s, extra])

    def f(v):
        return ll(v[:n].copy(), v[n:].copy())

    def g(v):
        out = np.empty(n + q)
        K.cell_pass(family, link, k, n_lin, v[:n].copy(), v[n:].copy(), ci, cj, cx, ck, cw,
                    out, np.empty(m), np.empty((n, q)), np.empty((q, q)))
        return out

    for a in range(n + q):
        e = np.zeros(n + q)
        e[a] = eps
        fd = (f(vec + e) - f(vec - e)) / (2 * eps)
        assert grad[a] == pytest.approx(fd, rel=1e-5, abs=1e-5)
        hd = -(g(vec + e) - g(vec - e)) / (2 * eps)
        np.testing.assert_allclose(info[:, a], hd, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(info, info.T, atol=1e-12)


# --------------------------------------------------------------------------- every family
@pytest.mark.parametrize("model,link", [("rao-kupper", None), ("glenn-david", None),
                                        ("davidson", None), ("graded", "logit"),
                                        ("graded", "probit")])
def test_every_family_takes_covariates(model, link):
    df = _random_rows(11, n_rows=500, ties=True)
    if model == "graded":
        df = _graded(df)
    res = btstats.fit(df, model, link=link, covariates=["x1", "x2"], order_effect=True)
    assert res.converged
    names = list(res.params.index)
    assert names[:3] == ["h", "x1", "x2"] and len(names) > 3
    assert np.all(np.isfinite(res.coefficients["se"]))
    assert "b_x1 x1" in res.summary()
    for kind in ("sandwich", "expected"):
        assert np.all(np.isfinite(res.with_covariance(kind).coefficients["se"]))
    p = res.category_probabilities(["i0"], ["i1"], order=1.0, covariates=[[0.5, -1.0]])
    assert p.sum() == pytest.approx(1.0)


# --------------------------------------------------------------------------- existence
def test_an_item_that_never_loses_is_refused():
    df = _random_rows(2)
    keep = ~(((df["item_a"] == "i0") & (df["outcome"] == 0.0))
             | ((df["item_b"] == "i0") & (df["outcome"] == 1.0)))
    with pytest.raises(NoMLEError, match="never lose"):
        btstats.fit(df[keep], covariates=["x1", "x2"])
    # penalty= bounds the scores: a fit
    res = btstats.fit(df[keep], covariates=["x1", "x2"], penalty=0.1)
    assert res.converged


def test_separation_along_one_covariate_is_refused():
    df = _random_rows(4)
    # x3 > 0 exactly when item_a won: its coefficient runs off to +infinity
    df["x3"] = np.where(df["outcome"] == 1.0, 1.0, -1.0) * (0.5 + np.abs(df["x1"]))
    with pytest.raises(NoMLEError, match="'x3'"):
        btstats.fit(df, covariates=["x1", "x3"])


@pytest.mark.parametrize("case", ["never loses", "separated"])
def test_the_checks_beside_the_subsample_start_refuse_as_the_serial_ones(case, monkeypatch):
    # on many cells (continuous covariates: a cell a row) the existence checks run on a
    # thread beside the subsample fit of the start: the same errors, and no hang
    from btstats.estimation import core as _core

    df = _random_rows(8, n_items=6, n_rows=3 * _core.PREFIT_MIN_CELLS)
    if case == "never loses":
        df = df[~(((df["item_a"] == "i0") & (df["outcome"] == 0.0))
                  | ((df["item_b"] == "i0") & (df["outcome"] == 1.0)))]
        covariates, match = ["x1"], "never lose"
    else:
        df["x3"] = np.where(df["outcome"] == 1.0, 1.0, -1.0) * (0.5 + np.abs(df["x1"]))
        covariates, match = ["x1", "x3"], "'x3'"
    comps = btstats.Comparisons.from_frame(df, covariates=covariates)
    cells = _core._cells.build_cells(comps, btstats.get_model("bradley-terry"), "drop",
                                     False, covariates)
    assert _core._overlap_start(btstats.get_model("bradley-terry"), cells, 0.0, covariates)
    with pytest.raises(NoMLEError, match=match):
        btstats.fit(df, covariates=covariates)
    # and a data set with an MLE gives the serial path's estimate
    ok = _random_rows(9, n_items=6, n_rows=3 * _core.PREFIT_MIN_CELLS)
    res = btstats.fit(ok, covariates=["x1", "x2"])
    monkeypatch.setattr(_core, "_overlap_start", lambda *args: False)
    serial = btstats.fit(ok, covariates=["x1", "x2"])
    assert res.converged and serial.converged
    np.testing.assert_array_equal(res.scores, serial.scores)
    np.testing.assert_array_equal(res.params, serial.params)


def test_separation_along_a_combination_warns():
    """Not looked for by the existence check: Newton does not converge, with a hint."""
    df = _random_rows(6)
    u = np.where(df["outcome"] == 1.0, 1.0, -1.0) * (0.5 + np.abs(df["x1"]))
    rng = np.random.default_rng(0)
    r = rng.normal(size=len(df)) * 3
    df["x3"] = u + r
    df["x4"] = -r
    with pytest.warns(ConvergenceWarning, match="covariates"):
        res = btstats.fit(df, covariates=["x3", "x4"])
    assert not res.converged


def test_collinear_or_constant_columns_are_refused_by_name():
    df = _random_rows(7)
    df["home"] = np.random.default_rng(7).choice([-1.0, 0.0, 1.0], size=len(df))
    df["x1_twice"] = 2.0 * df["x1"]
    df["zero"] = 0.0
    with pytest.raises(btstats.DataError, match=r"collinear: .*'x1'.*'x1_twice'"):
        btstats.fit(df, covariates=["x1", "x2", "x1_twice"])
    # a covariate that repeats the order column is the order effect
    comps = Comparisons.from_frame(df, order="home", covariates=["home", "x1"])
    with pytest.raises(btstats.DataError, match=r"order effect h.*'home'.*already the order"):
        btstats.fit(comps, order_effect=True, covariates=["home", "x1"])
    # a column that is 0 throughout is fitted (its coefficient held at 0), and its missing
    # standard error is explained
    res = btstats.fit(df, covariates=["x1", "zero"])
    assert res.params["zero"] == 0.0
    with pytest.raises(np.linalg.LinAlgError, match="'zero' is 0 in every comparison"):
        res.standard_errors
    # nearly but not exactly collinear columns are fitted
    df["x1_noisy"] = df["x1"] + 1e-3 * np.random.default_rng(8).normal(size=len(df))
    assert btstats.fit(df, covariates=["x1", "x1_noisy"]).converged


# --------------------------------------------------------------------------- inference
def test_bootstrap_refits_the_covariates(sim):
    res = _fit(sim, "bradley-terry")
    for kw in (dict(), dict(cluster=sim["cl"].to_numpy()), dict(kind="parametric")):
        boot = res.bootstrap(n_resamples=40, rng=3, **kw)
        assert list(boot.estimate.index)[-3:] == ["h", "x1", "x2"]
        se = boot.standard_error[["h", "x1", "x2"]]
        assert np.all((se > 0.5 * res.coefficients["se"]) & (se < 2 * res.coefficients["se"]))
    small = btstats.fit(_random_rows(1, n_rows=120), covariates=["x1"])
    ci = small.bootstrap(n_resamples=30, rng=1).confidence_interval(interval="bca")
    assert np.all(np.isfinite(ci.low))


def test_build_cells_orients_the_covariates():
    df = pd.DataFrame({"item_a": ["b", "a", "a"], "item_b": ["a", "b", "b"],
                       "x": [0.5, -0.5, 2.0], "outcome": [1.0, 0.0, 1.0]})
    comps = Comparisons.from_frame(df, covariates=["x"])
    cells = build_cells(comps, get_model("bradley-terry"), None, False, ["x"])
    # rows 0 and 1 are the same comparison (a loses to b with x_ab = -0.5): one cell
    # (the order of the (pair, covariate) groups within a pair is an implementation detail:
    # compare as a set, and check that every row points at its own cell)
    got = sorted(zip(cells.ci.tolist(), cells.cj.tolist(), cells.cx[:, 0].tolist(),
                     cells.ck.tolist(), cells.cw.tolist()))
    assert got == [(0, 1, -0.5, 0, 2.0), (0, 1, 2.0, 1, 1.0)]
    rc = cells.row_cell
    assert rc[0] == rc[1] != rc[2]
    assert cells.cx[rc[0], 0] == -0.5 and cells.cx[rc[2], 0] == 2.0


def test_what_does_not_take_covariates_says_so():
    res = btstats.fit(_random_rows(1, n_rows=120), covariates=["x1"])
    with pytest.raises(ValueError, match="covariates"):
        btstats.ceilings(res)


def test_group_order_falls_back_on_a_hash_collision(monkeypatch):
    """Two covariate rows of one pair that share a hash must not be interleaved: the exact
    lexicographic order is used instead (forced here with a constant hash)."""
    from btstats.data import cells as cells_mod

    ci = np.array([0, 0, 0, 0])
    cj = np.array([1, 1, 1, 1])
    ck = np.array([0, 0, 1, 1])
    cx = np.array([[1.0], [2.0], [1.0], [2.0]])
    order = cells_mod._group_order(ci, cj, ck, cx)
    groups = [tuple(cx[i]) for i in order]
    # each covariate row's categories are consecutive
    assert groups in ([(1.0,), (1.0,), (2.0,), (2.0,)], [(2.0,), (2.0,), (1.0,), (1.0,)])
    monkeypatch.setattr(cells_mod, "_row_hash", lambda x: np.zeros(x.shape[0], np.uint64))
    order = cells_mod._group_order(ci, cj, ck, cx)
    assert [tuple(cx[i]) for i in order] == [(1.0,), (1.0,), (2.0,), (2.0,)]
