"""btstats against fits computed outside it, and against closed forms.

Reference numbers: tests/data/ (copied from /work/shared/reference; see tests/data/README.md).
They were computed with R 4.2.2 and BradleyTerry2 1.1.2, e.g. for baseball::

    library(BradleyTerry2)
    fit <- BTm(cbind(wins_a, wins_b), item_a, item_b, data = baseball_counts)   # logit
    fit <- BTm(..., family = binomial(link = "probit"))                          # Thurstone

and, for Rao-Kupper, by direct maximisation of the exact likelihood, every fit polished by
Newton steps to max |gradient| < 1e-11 (checked independently in scipy to 1e-10).
"""
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

import btstats

TOL = 1e-6  # every reference fit is reproduced to this absolute tolerance


# ---------------------------------------------------------------------------- helpers
def _counts(data_dir, name):
    return pd.read_csv(data_dir / f"{name}.csv", dtype={"item_a": str, "item_b": str})


def _comparisons(data_dir, name):
    return btstats.Comparisons.from_counts(_counts(data_dir, name))


def _ref_table(data_dir, name, model):
    return pd.read_csv(data_dir / f"{name}.{model}.csv", dtype={"item": str}).set_index("item")


def _ref_json(data_dir, name, model):
    with open(data_dir / f"{name}.{model}.json", encoding="utf-8") as fh:
        return json.load(fh)


def _assert_series(actual, expected, tol=TOL):
    """Same labels and values within ``tol`` (absolute)."""
    assert set(actual.index) == set(expected.index)
    np.testing.assert_allclose(actual.reindex(expected.index).to_numpy(dtype=float),
                               expected.to_numpy(dtype=float), rtol=0, atol=tol)


# ---------------------------------------------------------------------------- Bradley-Terry
# Numbers: tests/data/<name>.bt.csv and <name>.bt.json (R 4.2.2, BradleyTerry2 1.1.2,
# glm logit link; five_items_k40 re-derived in scipy). Observed = expected information.
@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
@pytest.mark.parametrize("name", ["baseball", "citations", "five_items_k40"])
def test_bradley_terry_reference(data_dir, name, method):
    ref = _ref_table(data_dir, name, "bt")
    info = _ref_json(data_dir, name, "bt")
    res = btstats.fit(_comparisons(data_dir, name), "bradley-terry", method=method)
    assert res.converged
    _assert_series(res.scores, ref["score"])
    _assert_series(res.standard_errors, ref["se"])
    assert res.loglik == pytest.approx(info["loglik"], abs=TOL)
    assert res.n_comparisons == info["n_comparisons"]
    assert res.n_items == info["n_items"]


@pytest.mark.parametrize("name", ["baseball", "citations", "five_items_k40"])
def test_bradley_terry_expected_equals_observed(data_dir, name):
    # Reference README: for Bradley-Terry the observed and expected information coincide.
    ref = _ref_table(data_dir, name, "bt")
    res = btstats.fit(_comparisons(data_dir, name), covariance_type="expected")
    _assert_series(res.standard_errors, ref["se"])


# ---------------------------------------------------------------------------- Thurstone
# Numbers: tests/data/<name>.thurstone.csv/.json (R 4.2.2, BradleyTerry2 1.1.2, glm probit
# link). `se` is from the expected (Fisher) information, `se_obs` from the observed one.
@pytest.mark.parametrize("method", ["newton", "gradient"])
@pytest.mark.parametrize("name", ["baseball", "citations"])
def test_thurstone_reference(data_dir, name, method):
    ref = _ref_table(data_dir, name, "thurstone")
    info = _ref_json(data_dir, name, "thurstone")
    comps = _comparisons(data_dir, name)
    observed = btstats.fit(comps, "thurstone", method=method)
    assert observed.converged
    _assert_series(observed.scores, ref["score"])
    _assert_series(observed.standard_errors, ref["se_obs"])
    assert observed.loglik == pytest.approx(info["loglik"], abs=TOL)

    expected = btstats.fit(comps, "thurstone", method=method, covariance_type="expected")
    _assert_series(expected.scores, ref["score"])
    _assert_series(expected.standard_errors, ref["se"])
    assert expected.loglik == pytest.approx(info["loglik"], abs=TOL)


# ---------------------------------------------------------------------------- Rao-Kupper
# Numbers: tests/data/springall.raokupper.csv/.json (direct maximisation of the exact
# Rao-Kupper likelihood, polished to |grad| < 1e-11). theta = exp(eta); se_theta by the delta
# method; se from the observed information with theta included.
@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_rao_kupper_reference(data_dir, method):
    ref = _ref_table(data_dir, "springall", "raokupper")
    info = _ref_json(data_dir, "springall", "raokupper")
    res = btstats.fit(_comparisons(data_dir, "springall"), "rao-kupper", method=method)
    assert res.converged
    _assert_series(res.scores, ref["score"])
    _assert_series(res.standard_errors, ref["se"])
    assert res.loglik == pytest.approx(info["loglik"], abs=TOL)
    assert res.theta == pytest.approx(info["theta"], abs=TOL)
    assert res.theta_se == pytest.approx(info["se_theta"], abs=TOL)
    assert res.eta == pytest.approx(math.log(info["theta"]), abs=TOL)
    assert res.n_comparisons == info["n_comparisons"]


# ---------------------------------------------------------------------------- published
# Published contrasts quoted in the reference README: baseball with Baltimore = 0 (Agresti,
# Categorical Data Analysis, 2nd ed., Table 10.11 / BradleyTerry2), citations with
# Biometrika = 0 (BradleyTerry2 vignette). A contrast is a difference of scores.
BASEBALL_VS_BALTIMORE = {"Boston": 1.1077, "Cleveland": 0.6839, "Detroit": 1.4364,
                         "Milwaukee": 1.5814, "New York": 1.2476, "Toronto": 1.2945}
CITATIONS_VS_BIOMETRIKA = {"Comm Statist": -2.9491, "JASA": -0.4796, "JRSS-B": 0.2690}


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_baseball_published_contrasts(data_dir, method):
    s = btstats.fit(_comparisons(data_dir, "baseball"), method=method).scores
    for team, value in BASEBALL_VS_BALTIMORE.items():
        assert s[team] - s["Baltimore"] == pytest.approx(value, abs=5e-5), team


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_citations_published_contrasts(data_dir, method):
    s = btstats.fit(_comparisons(data_dir, "citations"), method=method).scores
    for journal, value in CITATIONS_VS_BIOMETRIKA.items():
        assert s[journal] - s["Biometrika"] == pytest.approx(value, abs=5e-5), journal


# ---------------------------------------------------------------------------- examples
# The bundled examples must hold exactly the reference counts (tests/data/<name>.csv).
@pytest.mark.parametrize("name", ["baseball", "citations", "springall"])
def test_bundled_examples_equal_reference_counts(data_dir, name):
    ref = _counts(data_dir, name)
    assert name in btstats.EXAMPLES
    raw = btstats.load_example(name, as_frame=True)
    pd.testing.assert_frame_equal(raw.reset_index(drop=True), ref, check_dtype=False)

    got = btstats.load_example(name).counts_frame()
    assert got["item_a"].tolist() == ref["item_a"].tolist()
    assert got["item_b"].tolist() == ref["item_b"].tolist()
    for col in ("wins_a", "wins_b", "ties"):
        np.testing.assert_array_equal(got[col].to_numpy(), ref[col].to_numpy(dtype=float))


def test_five_items_k40_counts_follow_their_recipe(data_dir):
    # Provenance in tests/data/README.md: hidden scores 2, 1, 0.5, -0.5, -1.5, 40 matches per
    # pair, np.random.seed(0), binomial draws pair by pair in order i < j.
    ref = _counts(data_dir, "five_items_k40")
    rs = np.random.RandomState(0)  # the same stream as np.random.seed(0)
    hidden = np.array([2.0, 1.0, 0.5, -0.5, -1.5])
    wins = [rs.binomial(40, special.expit(hidden[i] - hidden[j]))
            for i in range(5) for j in range(i + 1, 5)]
    np.testing.assert_array_equal(ref["wins_a"].to_numpy(), wins)
    np.testing.assert_array_equal(ref["wins_a"] + ref["wins_b"], 40)


# ---------------------------------------------------------------------------- no MLE
# tests/data/three_items_no_mle.csv: A beat B 3/3, A beat C 3/3, B beat C 2/3. A never loses,
# so the win graph has two strongly connected groups, {A} and {B, C}.
def test_three_items_no_mle_raises(data_dir):
    comps = _comparisons(data_dir, "three_items_no_mle")
    for model in ("bradley-terry", "thurstone"):
        with pytest.raises(btstats.NoMLEError) as err:
            btstats.fit(comps, model)
        assert isinstance(err.value, ValueError)
        msg = str(err.value)
        assert "2 strongly connected groups" in msg
        assert "never lose" in msg and "'A'" in msg
        assert "penalty=" in msg
        assert err.value.n_groups == 2
        assert err.value.never_lose == ["A"]


@pytest.mark.parametrize("model", ["bradley-terry", "thurstone"])
def test_three_items_no_mle_with_penalty(data_dir, model):
    res = btstats.fit(_comparisons(data_dir, "three_items_no_mle"), model, penalty=0.1)
    assert res.converged
    assert np.all(np.isfinite(res.scores))
    assert np.all(np.isfinite(res.standard_errors))
    assert np.isfinite(res.loglik)
    # A won all 6 of its games, C the fewest: the MAP keeps the order
    assert res.scores["A"] > res.scores["B"] > res.scores["C"]


# ---------------------------------------------------------------------------- closed forms
# Two items, w wins of a over b and l of b over a: the model is saturated, so the MLE matches
# the observed proportion. Bradley-Terry: d = s_a - s_b = log(w / l), Var(d) = 1/w + 1/l.
# Thurstone: d = Phi^-1(w / (w + l)), Var(d) = p (1 - p) / (n phi(d)^2) (observed = expected
# information at the MLE of a saturated model). Scores are centred: s_a = d / 2 = -s_b.
TWO_ITEM_COUNTS = [(7, 3), (1, 1), (30, 2), (2.5, 0.5), (1000, 1)]


def _two_items(w, l, tie=0.0):
    return btstats.Comparisons.from_counts(pd.DataFrame(
        {"item_a": ["a"], "item_b": ["b"], "wins_a": [w], "wins_b": [l], "ties": [tie]}))


def _difference_se(res):
    cov = res.covariance
    return math.sqrt(cov.loc["a", "a"] + cov.loc["b", "b"] - 2 * cov.loc["a", "b"])


def _bt_two_item_cases():
    # mm included: a two-item graph is bipartite, where simultaneous MM updates overshoot
    for w, l in TWO_ITEM_COUNTS:
        for method in ("newton", "mm", "gradient"):
            yield pytest.param(w, l, method, id=f"{w}-{l}-{method}")


@pytest.mark.parametrize("w, l, method", list(_bt_two_item_cases()))
def test_two_items_bradley_terry_closed_form(w, l, method):
    res = btstats.fit(_two_items(w, l), method=method)
    assert res.converged
    s = res.scores
    # 1e-7: the solvers stop on a gradient scaled by the item's total weight (tol 1e-10)
    assert s["a"] - s["b"] == pytest.approx(math.log(w / l), abs=1e-7)
    assert s["a"] == pytest.approx(-s["b"], abs=1e-12)
    assert _difference_se(res) == pytest.approx(math.sqrt(1 / w + 1 / l), rel=1e-7)
    # centred scores: se(s_a) = se(d) / 2
    assert res.standard_errors["a"] == pytest.approx(0.5 * math.sqrt(1 / w + 1 / l), rel=1e-7)
    # loglik = w log(w/n) + l log(l/n) at the saturated fit
    n = w + l
    assert res.loglik == pytest.approx(w * math.log(w / n) + l * math.log(l / n), rel=1e-10)


@pytest.mark.parametrize("covariance_type", ["observed", "expected"])
@pytest.mark.parametrize("method", ["newton", "gradient"])
@pytest.mark.parametrize("w, l", TWO_ITEM_COUNTS)
def test_two_items_thurstone_closed_form(w, l, method, covariance_type):
    res = btstats.fit(_two_items(w, l), "thurstone", method=method,
                      covariance_type=covariance_type)
    n = w + l
    p = w / n
    d = special.ndtri(p)
    s = res.scores
    assert s["a"] - s["b"] == pytest.approx(d, abs=1e-7)
    se_d = math.sqrt(p * (1 - p) / n) / (math.exp(-0.5 * d * d) / math.sqrt(2 * math.pi))
    assert _difference_se(res) == pytest.approx(se_d, rel=1e-7)


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
@pytest.mark.parametrize("w, l, t", [(7, 3, 4), (2, 2, 1), (10, 1, 5)])
def test_two_items_rao_kupper_closed_form(w, l, t, method):
    # Saturated two-parameter model: logistic(d - eta) = w / n and logistic(-d - eta) = l / n,
    # so d = (logit(w/n) - logit(l/n)) / 2 and eta = -(logit(w/n) + logit(l/n)) / 2.
    n = w + l + t
    d = 0.5 * (special.logit(w / n) - special.logit(l / n))
    eta = -0.5 * (special.logit(w / n) + special.logit(l / n))
    res = btstats.fit(_two_items(w, l, t), "rao-kupper", method=method)
    assert res.scores["a"] - res.scores["b"] == pytest.approx(d, abs=1e-8)
    assert res.eta == pytest.approx(eta, abs=1e-8)
    assert res.theta == pytest.approx(math.exp(eta), rel=1e-8)
    probs = res.probabilities("a", "b")
    assert probs.a_wins == pytest.approx(w / n, abs=1e-9)
    assert probs.tie == pytest.approx(t / n, abs=1e-9)
    assert probs.b_wins == pytest.approx(l / n, abs=1e-9)


def test_elo_scale_is_affine_in_the_score(data_dir):
    # Closed form: elo = 1000 + 400 / ln(10) * score (and se, ci scaled by 400 / ln(10)).
    res = btstats.fit(_comparisons(data_dir, "baseball"))
    per_unit = 400.0 / math.log(10.0)
    log = res.to_frame().set_index("item")
    elo = res.to_frame(scale="elo").set_index("item")
    np.testing.assert_allclose(elo["score"], 1000.0 + per_unit * log["score"], rtol=1e-13)
    np.testing.assert_allclose(elo["se"], per_unit * log["se"], rtol=1e-13)
    np.testing.assert_allclose(elo["ci_low"], 1000.0 + per_unit * log["ci_low"], rtol=1e-13)
    np.testing.assert_allclose(elo["ci_high"], 1000.0 + per_unit * log["ci_high"], rtol=1e-13)
    assert elo["rank"].tolist() == log["rank"].tolist()
    # the reference Milwaukee score (tests/data/baseball.bt.csv) on the Elo scale
    assert elo.loc["Milwaukee", "score"] == pytest.approx(
        1000.0 + per_unit * 0.531153340652131, abs=1e-4)
