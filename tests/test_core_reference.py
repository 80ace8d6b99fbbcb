"""The general model core against fits computed outside btstats (R 4.2.2).

Reference fits: tests/data/ (see tests/data/README.md and tests/data/r/, which hold the R
script of every fit, e.g. for the Rao-Kupper fit with a home effect::

    clm(y ~ X + home, threshold = "symmetric2", link = "logit")     # ordinal 2022.11-16

with ``y`` ordered from "b won" to "a won" and ``X`` the +1/-1 item design; Davidson by a
direct maximisation of the exact likelihood polished by Newton steps).  Every number is
reproduced to 1e-6 or better: scores (centred), their standard errors from the observed
information under the sum-to-zero constraint, the log-likelihood and every other parameter
with its standard error.
"""
import json

import numpy as np
import pandas as pd
import pytest

import btstats

TOL = 1e-6


def _load(data_dir, name):
    fit = pd.read_csv(data_dir / f"{name}.csv", dtype={"item": str}).set_index("item")
    with open(data_dir / f"{name}.json", encoding="utf-8") as fh:
        return fit, json.load(fh)


def _check(res, fit, ref, params, se_col="se"):
    scores = res.scores.rename(index=str)
    ses = res.standard_errors.rename(index=str)
    np.testing.assert_allclose(scores[fit.index], fit["score"], atol=TOL, rtol=0)
    np.testing.assert_allclose(ses[fit.index], fit[se_col], atol=TOL, rtol=0)
    assert res.loglik == pytest.approx(ref["loglik"], abs=TOL)
    assert res.converged
    table = res.coefficients
    for name, key, se_key in params:
        assert table.loc[name, "estimate"] == pytest.approx(ref[key], abs=TOL)
        assert table.loc[name, "se"] == pytest.approx(ref[se_key], abs=TOL)


def test_bradley_terry_with_home_advantage_baseball(data_dir):
    # BradleyTerry2's vignette: at.home 0.3023 (se 0.1309)
    fit, ref = _load(data_dir, "baseball.bt_home")
    data = pd.read_csv(data_dir / "baseball.directed.csv", dtype={"item_a": str, "item_b": str})
    res = btstats.fit(data, order_effect=True)
    _check(res, fit, ref, [("h", "h", "se_h")])
    assert round(res.params["h"], 4) == 0.3023


def test_thurstone_with_home_advantage_baseball(data_dir):
    fit, ref = _load(data_dir, "baseball.thurstone_home")
    data = pd.read_csv(data_dir / "baseball.directed.csv", dtype={"item_a": str, "item_b": str})
    res = btstats.fit(data, "thurstone", order_effect=True)
    # se_obs: observed information (the shared file's se is the expected one)
    ref = dict(ref, se_h=ref["se_h_obs"])
    _check(res, fit, ref, [("h", "h", "se_h")], se_col="se_obs")


@pytest.mark.parametrize("model, name", [("bradley-terry", "position.bt_order"),
                                         ("thurstone", "position.thurstone_order")])
def test_presentation_order_effect(data_dir, model, name):
    fit, ref = _load(data_dir, name)
    data = pd.read_csv(data_dir / "position.csv")
    res = btstats.fit(data, model, order_effect=True, order="first")
    _check(res, fit, ref, [("h", "h", "h_se")])


def test_davidson_springall(data_dir):
    fit, ref = _load(data_dir, "springall.davidson")
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    res = btstats.fit(btstats.Comparisons.from_counts(counts), "davidson")
    _check(res, fit, ref, [("nu", "nu", "se_nu")])


def test_glenn_david_springall(data_dir):
    # the threshold-tie family with the normal link: served by the pair-count kernels, and by
    # the general core (order_effect=True with every order 0 gives the same fit, h = 0 free)
    fit, ref = _load(data_dir, "springall.thurstone_ties")
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    res = btstats.fit(btstats.Comparisons.from_counts(counts), "glenn-david")
    scores = res.scores.rename(index=str)
    np.testing.assert_allclose(scores[fit.index], fit["score"], atol=TOL, rtol=0)
    np.testing.assert_allclose(res.standard_errors.rename(index=str)[fit.index], fit["se"],
                               atol=TOL, rtol=0)
    assert res.loglik == pytest.approx(ref["loglik"], abs=TOL)
    assert res.eta == pytest.approx(ref["eta"], abs=TOL)
    assert res.eta_se == pytest.approx(ref["se_eta"], abs=TOL)


@pytest.mark.parametrize("model, name, params", [
    ("rao-kupper", "home_ties.raokupper_home", [("h", "h", "h_se"), ("eta", "eta", "eta_se")]),
    ("glenn-david", "home_ties.glenndavid_home", [("h", "h", "h_se"), ("eta", "eta", "eta_se")]),
    ("davidson", "home_ties.davidson_home", [("h", "h", "h_se"), ("nu", "nu", "nu_se")]),
])
def test_tie_models_with_a_home_effect(data_dir, model, name, params):
    fit, ref = _load(data_dir, name)
    data = pd.read_csv(data_dir / "home_ties.csv")
    res = btstats.fit(data, model, order_effect=True)
    _check(res, fit, ref, params)


@pytest.mark.parametrize("link, name", [("logit", "graded5.graded_logit"),
                                        ("probit", "graded5.graded_probit")])
def test_graded_five_categories(data_dir, link, name):
    fit, ref = _load(data_dir, name)
    data = pd.read_csv(data_dir / "graded5.csv")
    res = btstats.fit(data, "graded", link=link)
    assert res.n_categories == 5
    _check(res, fit, ref, [("t1", "t1", "t1_se"), ("t2", "t2", "t2_se")])
    # the full covariance of the non-score parameters
    assert ref["cov_nonscore"]["names"] == ["t1", "t2"]
    cov = np.asarray(ref["cov_nonscore"]["matrix"], dtype=float)
    np.testing.assert_allclose(res.parameter_covariance.to_numpy()[-2:, -2:], cov, atol=1e-9)


def test_the_existing_references_through_the_core(data_dir):
    # Rao-Kupper on springall by the general core (every row neutral: h is estimated at 0
    # exactly, since the order column is 0 throughout) equals the pair-count fit
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    counts["home"] = 0
    data = btstats.Comparisons.from_counts(counts, order="home")
    classic = btstats.fit(data, "rao-kupper")
    with pytest.raises(np.linalg.LinAlgError, match="order effect h is 0 in every comparison"):
        # h is not identified when no comparison has an order: a named error
        btstats.fit(data, "rao-kupper", order_effect=True).standard_errors
    res = btstats.fit(data, "rao-kupper", order_effect=True, penalty=0.0)
    np.testing.assert_allclose(res.scores, classic.scores, atol=1e-8)
    assert res.params["eta"] == pytest.approx(classic.eta, abs=1e-8)
