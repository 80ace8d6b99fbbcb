"""Model comparison and contrasts (issue 12, item 4): ``n_params`` / ``aic`` / ``bic`` /
``deviance`` of every fit, ``fit.contrast``, and ``btstats.compare`` (likelihood-ratio tests
between nested fits, an analysis-of-deviance table).

Reference numbers come from R (``tests/data/r/issue12_comparison.R``, R 4.2.2, BradleyTerry2
1.1.2, sandwich 3.0.2, ordinal 2022.11.16), written to ``tests/data/baseball.comparison.json``
and ``tests/data/home_ties.comparison.json``; the R code that produced each number is quoted
beside the test.
"""
import inspect
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import btstats
from btstats import ConfidenceInterval, Contrast, DataError, ModelComparison
from btstats import ModelComparisonWarning, NoMLEError
from btstats._results import ResultBase
from btstats.exceptions import ConvergenceWarning
from btstats.inference.comparison import contrast as contrast_of

TOL = 1e-6          # the tolerance for reference values (they agree far better)


@pytest.fixture(scope="module")
def ref_baseball(data_dir):
    return json.loads((data_dir / "baseball.comparison.json").read_text())


@pytest.fixture(scope="module")
def ref_home_ties(data_dir):
    return json.loads((data_dir / "home_ties.comparison.json").read_text())


@pytest.fixture(scope="module")
def baseball():
    data = btstats.load_example("baseball_home")
    return data, btstats.fit(data), btstats.fit(data, order_effect=True)


@pytest.fixture(scope="module")
def home_ties():
    return btstats.load_example("home_ties")


def _home_team(data):
    """Cluster labels of the baseball rows: the home team (``item_a`` of every row)."""
    return data.to_frame()["item_a"].to_numpy()


# ============================================================================ the fits
def test_information_criteria_of_a_core_fit(baseball):
    _, fit0, fit1 = baseball
    assert fit0.n_params == 6 and fit1.n_params == 7          # 6 free scores, + h
    assert fit1.n_params == fit1.n_items - 1 + len(fit1.coefficients)
    for fit in (fit0, fit1):
        assert fit.deviance == -2 * fit.loglik
        assert fit.aic == pytest.approx(fit.deviance + 2 * fit.n_params, rel=1e-14)
        assert fit.bic == pytest.approx(fit.deviance + fit.n_params * math.log(273), rel=1e-14)


def test_information_criteria_against_r_on_one_row_per_game(baseball, ref_baseball):
    # R: g0 <- glm(y ~ 0 + X, binomial); g1 <- glm(y ~ 0 + X + home, binomial) on one row per
    # game (273 rows); logLik(g), AIC(g), BIC(g) (nobs = 273), deviance(g)
    _, fit0, fit1 = baseball
    for fit, key in ((fit0, "bt"), (fit1, "bt_home")):
        r = ref_baseball["ic_long"][key]
        assert r["nobs"] == fit.n_comparisons and r["df"] == fit.n_params
        for mine, theirs in ((fit.loglik, r["loglik"]), (fit.aic, r["aic"]),
                             (fit.bic, r["bic"]), (fit.deviance, r["deviance"])):
            assert mine == pytest.approx(theirs, abs=TOL, rel=0)


def test_aggregated_r_criteria_differ_by_a_constant_and_in_n(baseball, ref_baseball):
    # R's AIC() of the BTm fits (aggregated binomial counts) adds the log choose(n, k) terms
    # to logLik and BIC() uses nobs = 42 rows: differences of AIC still agree, BIC does not.
    _, fit0, fit1 = baseball
    btm = ref_baseball["ic_btm"]
    assert btm["bt"]["nobs"] == 42
    assert fit1.aic - fit0.aic == pytest.approx(btm["bt_home"]["aic"] - btm["bt"]["aic"],
                                                abs=TOL)
    const = btm["bt"]["loglik"] - fit0.loglik
    assert btm["bt_home"]["loglik"] - fit1.loglik == pytest.approx(const, abs=TOL)
    assert btm["bt"]["bic"] == pytest.approx(-2 * (fit0.loglik + const) + 6 * math.log(42),
                                             abs=TOL)


@pytest.mark.parametrize("model", ["bradley-terry", "rao-kupper", "davidson"])
def test_the_summary_shows_loglik_aic_and_bic(home_ties, model):
    fit = btstats.fit(home_ties, model, ties="drop" if model == "bradley-terry" else None)
    text = fit.summary()
    for key, value in (("log-likelihood", f"{fit.loglik:.4f}"), ("AIC", f"{fit.aic:.2f}"),
                       ("BIC", f"{fit.bic:.2f}")):
        assert f"{key:<16}{value}\n" in text
    assert f"{fit.aic:.2f}" in fit._repr_html_()


# ============================================================================ contrasts
def _r_contrasts(ref, key):
    r = ref["contrasts"][key]
    return list(zip(r["a"], r["b"], r["estimate"], r["se"], r["z"], r["p"]))


@pytest.mark.parametrize("key, which, covariance", [
    ("bt_observed", 0, "observed"),            # vcov(g0)
    ("bt_btabilities", 0, "observed"),         # vcov(BTabilities(bt0))
    ("bt_home_observed", 1, "observed"),       # vcov(g1)[items, items]
    ("bt_home_btabilities", 1, "observed"),    # vcov(BTabilities(bt1))
    ("bt_home_sandwich", 1, "sandwich"),       # sandwich::vcovHC(g1, type = "HC0")
    ("bt_home_cluster", 1, "cluster"),         # vcovCL(g1, cluster = home team, type = "HC1")
    ("bt_cluster", 0, "cluster"),              # vcovCL(g0, cluster = home team, type = "HC1")
])
def test_contrasts_against_r(baseball, ref_baseball, key, which, covariance):
    # R: b = c(0, coef)[items]; V padded with a zero row / column for Baltimore;
    # estimate b_a - b_b, se sqrt(V_aa + V_bb - 2 V_ab), z, p = 2 pnorm(-|z|), every pair
    data, *fits = baseball
    fit = fits[which]
    if covariance == "cluster":
        fit = fit.with_covariance("cluster", cluster=_home_team(data))
    elif covariance != "observed":
        fit = fit.with_covariance(covariance)
    for a, b, est, se, z, p in _r_contrasts(ref_baseball, key):
        res = fit.contrast(a, b)
        assert res.covariance_type == covariance
        assert res.estimate == pytest.approx(est, abs=TOL)
        assert res.standard_error == pytest.approx(se, abs=TOL)
        assert res.statistic == pytest.approx(z, abs=TOL)
        assert res.pvalue == pytest.approx(p, abs=TOL, rel=1e-6)


@pytest.mark.parametrize("key, which, covariance", [
    ("bt_observed", 0, "observed"), ("bt_home_observed", 1, "observed"),
    ("bt_home_sandwich", 1, "sandwich"), ("bt_home_cluster", 1, "cluster")])
def test_a_general_contrast_against_r(baseball, ref_baseball, key, which, covariance):
    # R: c = (Milwaukee + New York - Baltimore - Boston) / 2; sum(c * b), sqrt(c' V c)
    data, *fits = baseball
    fit = fits[which]
    if covariance == "cluster":
        fit = fit.with_covariance("cluster", cluster=_home_team(data))
    elif covariance != "observed":
        fit = fit.with_covariance(covariance)
    r = ref_baseball["general_contrast"][key]
    res = fit.contrast(r["weights"])                 # a dict, zeros included
    assert res.estimate == pytest.approx(r["estimate"], abs=TOL)
    assert res.standard_error == pytest.approx(r["se"], abs=TOL)
    assert res.pvalue == pytest.approx(r["p"], rel=1e-6)
    same = fit.contrast(pd.Series(r["weights"])[list(fit.items)].to_numpy())   # a vector
    assert same.estimate == res.estimate and same.standard_error == res.standard_error
    assert res.label == "0.5 Milwaukee + 0.5 New York - 0.5 Baltimore - 0.5 Boston"


@pytest.mark.parametrize("model, order_effect", [("bradley-terry", False),
                                                 ("rao-kupper", False),
                                                 ("rao-kupper", True),
                                                 ("davidson", True),
                                                 ("thurstone", False)])
@pytest.mark.parametrize("covariance", ["observed", "expected", "sandwich"])
def test_contrasts_are_c_s_and_c_v_c(home_ties, model, order_effect, covariance):
    fit = btstats.fit(home_ties, model, order_effect=order_effect,
                      ties="drop" if model in ("bradley-terry", "thurstone") else None)
    fit = fit.with_covariance(covariance)
    rng = np.random.default_rng(12)
    cov = fit.covariance.to_numpy()
    s = fit.scores.to_numpy()
    for _ in range(5):
        c = rng.normal(size=fit.n_items)
        c -= c.mean()
        res = fit.contrast(c)
        assert res.estimate == pytest.approx(c @ s, rel=1e-12, abs=1e-14)
        assert res.standard_error == pytest.approx(math.sqrt(c @ cov @ c), rel=1e-12)
        assert res.pvalue == pytest.approx(2 * (1 - _phi(abs(res.estimate) /
                                                        res.standard_error)), abs=1e-12)
        assert np.array_equal(res.weights.to_numpy(), c)
    res = fit.contrast("A", "C")
    se = math.sqrt(cov[0, 0] + cov[2, 2] - 2 * cov[0, 2])
    assert res.standard_error == pytest.approx(se, rel=1e-12)
    assert res.estimate == pytest.approx(s[0] - s[2], rel=1e-12)
    # the same as the module function on the fit's scores and covariance
    alone = contrast_of(fit.scores, fit.covariance, "A", "C", covariance_type=covariance)
    assert alone.estimate == res.estimate and alone.standard_error == res.standard_error


def _phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_a_contrast_is_a_result_with_an_interval(baseball):
    _, fit0, _ = baseball
    res = fit0.contrast("Milwaukee", "Baltimore")
    assert isinstance(res, Contrast) and isinstance(res, ResultBase)
    ci = res.confidence_interval(0.9)
    assert isinstance(ci, ConfidenceInterval) and ci.is_scalar and ci.interval == "wald"
    z = 1.6448536269514722
    assert ci.low == pytest.approx(res.estimate - z * res.standard_error, rel=1e-12)
    assert ci.high == pytest.approx(res.estimate + z * res.standard_error, rel=1e-12)
    frame = res.to_frame(confidence_level=0.9)
    assert list(frame.columns) == ["estimate", "se", "z", "p", "ci_low", "ci_high"]
    assert list(frame.index) == ["Milwaukee - Baltimore"]
    assert frame["ci_low"].iloc[0] == ci.low
    text = res.summary()
    assert text.startswith("Contrast of scores") and "Milwaukee - Baltimore" in text
    assert "covariance" in text and "<table" in res._repr_html_()
    assert "Milwaukee - Baltimore" in repr(res)
    with pytest.raises(ValueError, match="interval"):
        res.confidence_interval(interval="percentile")


def test_contrast_refuses_unknown_items_and_bad_weights(baseball):
    _, fit0, _ = baseball
    with pytest.raises(KeyError, match="Atlanta"):
        fit0.contrast("Atlanta", "Boston")
    with pytest.raises(KeyError, match="Seattle"):
        fit0.contrast("Boston", "Seattle")
    with pytest.raises(KeyError, match="Montreal"):
        fit0.contrast({"Boston": 1, "Montreal": -1})
    with pytest.raises(ValueError, match="sum to 0.*0.5"):
        fit0.contrast({"Boston": 1, "Detroit": -0.5})
    with pytest.raises(ValueError, match="sum to 0"):
        fit0.contrast([1, 0, 0, 0, 0, 0, 0])
    with pytest.raises(ValueError, match="all zero"):
        fit0.contrast({"Boston": 0.0})
    with pytest.raises(ValueError, match="one entry per item"):
        fit0.contrast([1, -1])
    with pytest.raises(ValueError, match="same item"):
        fit0.contrast("Boston", "Boston")
    with pytest.raises(TypeError, match="two item labels"):
        fit0.contrast("Boston")
    with pytest.raises(TypeError, match="real numbers"):
        fit0.contrast({"Boston": "1", "Detroit": -1})
    with pytest.raises(ValueError, match="finite"):
        fit0.contrast({"Boston": np.inf, "Detroit": -np.inf})


_ITEMS = ["Baltimore", "Boston", "Cleveland", "Detroit", "Milwaukee", "New York", "Toronto"]


@given(a=st.sampled_from(_ITEMS), b=st.sampled_from(_ITEMS),
       kind=st.sampled_from(["observed", "sandwich", "cluster"]), which=st.sampled_from([0, 1]))
def test_contrast_is_antisymmetric(baseball, a, b, kind, which):
    assume(a != b)
    data, *fits = baseball
    fit = fits[which].with_covariance(kind, cluster=_home_team(data) if kind == "cluster"
                                      else None)
    ab, ba = fit.contrast(a, b), fit.contrast(b, a)
    assert ba.estimate == -ab.estimate
    assert ba.standard_error == pytest.approx(ab.standard_error, rel=1e-12)
    assert ba.statistic == pytest.approx(-ab.statistic, rel=1e-12)
    assert ba.pvalue == pytest.approx(ab.pvalue, rel=1e-10, abs=1e-300)
    lo_ab, hi_ab = ab.confidence_interval()
    lo_ba, hi_ba = ba.confidence_interval()
    assert lo_ba == pytest.approx(-hi_ab, rel=1e-12) and hi_ba == pytest.approx(-lo_ab,
                                                                                 rel=1e-12)


@given(w=st.lists(st.floats(-5, 5, allow_nan=False), min_size=7, max_size=7),
       k=st.floats(0.1, 10))
def test_contrast_is_linear_in_the_weights(baseball, w, k):
    _, fit0, _ = baseball
    c = np.array(w) - np.mean(w)
    assume(np.abs(c).sum() > 1e-3)
    one, scaled = fit0.contrast(c), fit0.contrast(k * c)
    assert scaled.estimate == pytest.approx(k * one.estimate, rel=1e-9, abs=1e-12)
    assert scaled.standard_error == pytest.approx(k * one.standard_error, rel=1e-9)
    assert 0.0 <= one.pvalue <= 1.0


# ============================================================================ compare()
def test_compare_baseball_home_against_r(baseball, ref_baseball):
    # R: bt0 <- BTm(cbind(wins_a, wins_b), p1, p2, ~ item, id = "item")
    #    bt1 <- BTm(cbind(wins_a, wins_b), p1, p2, ~ item + at.home, id = "item")
    #    anova(bt0, bt1, test = "Chisq")   # Deviance 5.41060908460324, Df 1, p 0.020014731366023
    _, fit0, fit1 = baseball
    res = btstats.compare(fit0, fit1)
    av = ref_baseball["anova"]
    assert res.statistic.iloc[0] == pytest.approx(av["deviance"], abs=TOL)
    assert res.df.iloc[0] == av["df"] == 1
    assert res.pvalue.iloc[0] == pytest.approx(av["p"], rel=1e-6)
    # the same from the glm on one row per game: anova(g0, g1, test = "Chisq")
    avl = ref_baseball["anova_long"]
    table = res.to_frame()
    assert table["deviance"].to_numpy() == pytest.approx(avl["resid_dev"], abs=TOL)
    assert (table["deviance"].iloc[0] - table["deviance"].iloc[1]) == \
        pytest.approx(av["resid_dev"][0] - av["resid_dev"][1], abs=TOL)
    for row, key in ((0, "bt"), (1, "bt_home")):
        r = ref_baseball["ic_long"][key]
        assert table["aic"].iloc[row] == pytest.approx(r["aic"], abs=TOL)
        assert table["bic"].iloc[row] == pytest.approx(r["bic"], abs=TOL)
        assert table["n_params"].iloc[row] == r["df"]


@pytest.mark.parametrize("model, key", [("rao-kupper", "rao_kupper"),
                                        ("glenn-david", "glenn_david"),
                                        ("davidson", "davidson")])
def test_compare_tie_models_with_a_home_effect_against_r(home_ties, ref_home_ties, model, key):
    # R: anova(clm(y ~ X, link, threshold = "symmetric2"), clm(y ~ X + home, ...)) for
    # Rao-Kupper (logit) and Glenn-David (probit); Davidson by its log-likelihood written out
    # (optim + Newton polish); AIC / BIC with n = 2500 (clm's nobs)
    ref = ref_home_ties[key]
    fit0 = btstats.fit(home_ties, model)
    fit1 = btstats.fit(home_ties, model, order_effect=True)
    res = btstats.compare(fit1, fit0)                    # any order: sorted by n_params
    table = res.to_frame()
    assert list(table.index) == [f"{model} ({'nu' if model == 'davidson' else 'eta'})",
                                 f"{model} (h, {'nu' if model == 'davidson' else 'eta'})"]
    assert res.statistic.iloc[0] == pytest.approx(ref["lr_statistic"], abs=TOL)
    assert res.pvalue.iloc[0] == pytest.approx(ref["p"], rel=1e-6)
    assert res.df.iloc[0] == ref["df"] == 1
    for row, part in ((0, "without_home"), (1, "with_home")):
        r = ref[part]
        assert table["n_params"].iloc[row] == r["n_params"]
        assert table["loglik"].iloc[row] == pytest.approx(r["loglik"], abs=TOL)
        assert table["aic"].iloc[row] == pytest.approx(r["aic"], abs=TOL)
        assert table["bic"].iloc[row] == pytest.approx(r["bic"], abs=TOL)
        if "aic_clm" in r:                                # R's own AIC() / BIC()
            assert table["aic"].iloc[row] == pytest.approx(r["aic_clm"], abs=TOL)
            assert table["bic"].iloc[row] == pytest.approx(r["bic_clm"], abs=TOL)
    if key != "davidson":
        assert res.statistic.iloc[0] == pytest.approx(ref["anova"]["LR_stat"], abs=TOL)


_HAS_COVARIATES = "covariates" in inspect.signature(btstats.fit).parameters


@pytest.mark.skipif(not _HAS_COVARIATES, reason="fit(covariates=...) not available yet")
@pytest.mark.parametrize("link", ["logit", "probit"])
def test_compare_covariate_models_against_r(data_dir, link):
    # R: anova(glm(win_a ~ 0 + B + ... + H + x1 + order, binomial(link)),
    #          glm(win_a ~ 0 + B + ... + H + x1 + x2 + order, ...), test = "Chisq")
    ref = json.loads((data_dir / "covariates_sim.lrt.json").read_text())[link]
    df = pd.read_csv(data_dir / "covariates_sim.csv")
    model = "bradley-terry" if link == "logit" else "thurstone"
    kw = dict(item_a="item_a", item_b="item_b", outcome="win_a", order="order")
    small = btstats.fit(df, model, covariates=["x1"], order_effect=True, **kw)
    full = btstats.fit(df, model, covariates=["x1", "x2"], order_effect=True, **kw)
    res = btstats.compare(small, full)
    assert res.statistic.iloc[0] == pytest.approx(ref["lr_statistic"], abs=TOL)
    assert res.pvalue.iloc[0] == pytest.approx(ref["p"], rel=1e-6)
    table = res.to_frame()
    for row, part in ((0, "without_x2"), (1, "full")):
        assert table["n_params"].iloc[row] == ref[part]["n_params"]
        assert table["aic"].iloc[row] == pytest.approx(ref[part]["aic"], abs=TOL)
        assert table["bic"].iloc[row] == pytest.approx(ref[part]["bic"], abs=TOL)


def test_compare_is_a_result_with_a_table(baseball):
    _, fit0, fit1 = baseball
    res = btstats.compare([fit1, fit0], names=["home", "plain"])
    assert isinstance(res, ModelComparison) and isinstance(res, ResultBase)
    assert not hasattr(res, "confidence_interval")
    table = res.to_frame()
    assert list(table.columns) == ["n_params", "loglik", "deviance", "aic", "bic", "df",
                                   "lr_statistic", "p"]
    assert list(table.index) == ["plain", "home"] and table.index.name == "model"
    assert res.fits == (fit0, fit1)
    assert table[["df", "lr_statistic", "p"]].iloc[0].isna().all()
    assert table["lr_statistic"].iloc[1] == pytest.approx(2 * (fit1.loglik - fit0.loglik),
                                                          rel=1e-12)
    table.iloc[0, 0] = 99                                # a copy
    assert res.to_frame().iloc[0, 0] == 6
    text = res.summary()
    assert text.startswith("Analysis of deviance")
    assert "comparisons     273" in text and "outcomes        binary" in text
    assert "5.4106" in text and "0.02001" in text and "NaN" not in text
    html = res._repr_html_()
    assert "<table" in html and "0.02001" in html and "home" in html
    assert "ModelComparison(2 fits" in repr(res)


def test_compare_names_repeated_models_apart(baseball):
    data, fit0, fit1 = baseball
    again = btstats.fit(data, order_effect=True, method="gradient", max_iter=100_000)
    with pytest.raises(ValueError, match="same size|both have 7"):
        btstats.compare(fit0, fit1, again)
    with pytest.raises(ValueError, match="one label per fit"):
        btstats.compare(fit0, fit1, names=["a"])
    with pytest.raises(ValueError, match="distinct"):
        btstats.compare(fit0, fit1, names=["a", "a"])


def test_compare_refuses_a_tie_model_against_a_binary_model(home_ties):
    rk = btstats.fit(home_ties, "rao-kupper")
    half = btstats.fit(home_ties, ties="half", order_effect=True)
    drop = btstats.fit(home_ties, ties="drop")
    half0 = btstats.fit(home_ties, ties="half")
    with pytest.raises(DataError, match="different outcome spaces"):
        btstats.compare(half0, rk)
    with pytest.raises(DataError, match="3 categories .* binary|binary .* 3 categories"):
        btstats.compare(rk, half)
    with pytest.raises(DataError, match="ties dropped.*half|half.*ties dropped"):
        btstats.compare(drop, half)
    # binary fits with the same tie handling are comparable
    res = btstats.compare(half0, half)
    assert res.outcomes == "binary (ties as half a win each way)"
    assert res.statistic.iloc[0] > 0


def test_compare_refuses_other_items_weights_and_counts(baseball):
    data, fit0, fit1 = baseball
    frame = data.to_frame()
    fewer = btstats.fit(frame[(frame["item_a"] != "Toronto") & (frame["item_b"] != "Toronto")])
    with pytest.raises(DataError, match="different items.*Toronto"):
        btstats.compare(fewer, fit1)
    heavier = frame.copy()
    heavier.loc[0, "weight"] += 1
    with pytest.raises(DataError, match="total weight of 274 .* 273"):
        btstats.compare(btstats.fit(heavier), fit1)
    moved = frame.copy()                  # one Baltimore-Boston loss becomes a win: same total
    moved.loc[0, "weight"] += 1
    moved.loc[1, "weight"] -= 1
    # (Baltimore-Boston: 13 games, home and away; (a wins, b wins, ties) named in the error)
    with pytest.raises(DataError, match=r"'Baltimore', 'Boston'.*\[2.0, 11.0, 0.0\] against "
                                        r"\[1.0, 12.0, 0.0\]"):
        btstats.compare(btstats.fit(moved), fit1)


def test_compare_accepts_the_same_data_read_twice(baseball):
    data, fit0, fit1 = baseball
    frame = data.to_frame().sample(frac=1.0, random_state=3)         # rows shuffled
    other = btstats.fit(btstats.Comparisons.from_frame(frame))
    res = btstats.compare(other, fit1)
    assert res.statistic.iloc[0] == pytest.approx(btstats.compare(fit0, fit1)
                                                  .statistic.iloc[0], rel=1e-9)


def test_compare_needs_two_fits():
    with pytest.raises(ValueError, match="at least two fits"):
        btstats.compare(btstats.fit(btstats.load_example("baseball")))
    with pytest.raises(TypeError, match="argument 1"):
        btstats.compare(btstats.fit(btstats.load_example("baseball")), "fit")


def test_compare_warns_when_the_larger_model_fits_worse(baseball):
    data, fit0, _ = baseball
    shrunk = btstats.fit(data, order_effect=True, penalty=20.0)
    assert shrunk.loglik < fit0.loglik
    with pytest.warns(ModelComparisonWarning) as record:
        res = btstats.compare(fit0, shrunk)
    text = " ".join(str(w.message) for w in record)
    assert "penalised" in text and "lower log-likelihood" in text
    assert res.statistic.iloc[0] < 0 and res.pvalue.iloc[0] == 1.0


def test_compare_warns_for_different_models_and_unconverged_fits(baseball):
    data, fit0, _ = baseball
    thurstone_home = btstats.fit(data, "thurstone", order_effect=True)
    with pytest.warns(ModelComparisonWarning, match="different models"):
        btstats.compare(fit0, thurstone_home)
    with pytest.warns(ConvergenceWarning):
        early = btstats.fit(data, order_effect=True, max_iter=1)
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        btstats.compare(fit0, early)


def test_compare_sets_rounding_noise_to_zero(baseball):
    # a larger model whose extra parameter is 0 at the optimum: LR = 0 exactly, p = 1
    frame = btstats.load_example("baseball").to_frame()
    frame["order"] = 0.0
    frame.loc[frame.index[:4], "order"] = [1.0, -1.0, 1.0, -1.0]
    fit0 = btstats.fit(frame)
    fit1 = btstats.fit(frame, order_effect=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = btstats.compare(fit0, fit1)
    assert res.statistic.iloc[0] >= 0.0
    assert 0.0 <= res.pvalue.iloc[0] <= 1.0


@given(seed=st.integers(0, 2 ** 31), h=st.floats(-1.0, 1.0),
       model=st.sampled_from(["bradley-terry", "thurstone", "rao-kupper", "davidson"]),
       n_items=st.integers(3, 5))
def test_nested_fits_have_a_nonnegative_lr_statistic(seed, h, model, n_items):
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 0.7, n_items)
    params = {"h": h}
    if model == "rao-kupper":
        params["eta"] = 0.5
    if model == "davidson":
        params["nu"] = 0.6
    sim = btstats.simulate(scores, btstats.round_robin(n_items, 8), model=model,
                           params=params, order="random", rng=rng)
    try:
        fit0 = btstats.fit(sim.data, model)
        fit1 = btstats.fit(sim.data, model, order_effect=True)
    except NoMLEError:
        assume(False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = btstats.compare(fit0, fit1)
    stat, p = res.statistic.iloc[0], res.pvalue.iloc[0]
    assert stat >= 0.0
    assert 0.0 <= p <= 1.0
    assert stat == pytest.approx(2 * (fit1.loglik - fit0.loglik), abs=1e-9)
    assert res.df.iloc[0] == 1
