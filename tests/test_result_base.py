"""Every result class on the one result base (``btstats._results``).

One seeded instance of every result class (a fit of each model family, a fit of the general
core, a bootstrap, rank sets, agreement, kappa, ceilings, an annotator fit, an evaluation, a
simulation, a design, an order consistency) and the contract of the base: ``to_frame()`` is a
DataFrame, ``summary()`` a text that opens with the title, ``_repr_html_()`` a page with a
table, and, for the classes with intervals, ``confidence_interval()`` returns a
``ConfidenceInterval`` of the class's default kind that holds the estimate and rejects a bad
``confidence_level`` with the one message of ``_validation.check_confidence_level``.
"""
import functools
import json

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import _results
from btstats.cli import main as cli_main
from btstats.estimation.core import CoreFit
from btstats.inference.intervals import normal_quantile, wald

LEVEL_MESSAGE = r"`confidence_level` must be a number in \(0, 1\), e\.g\. 0\.95; got "
BAD_LEVELS = [0, 1, 1.5, -0.2, "0.95", True, None, float("nan")]


# ---------------------------------------------------------------------------- the instances
@functools.lru_cache(maxsize=None)
def _fit(example, model="bradley-terry", **kw):
    return btstats.fit(btstats.load_example(example), model, **kw)


@functools.lru_cache(maxsize=None)
def _labels():
    sim = btstats.simulate_annotation(30, 3, n_annotators=4, labels_per_pair=3, rng=0)
    return sim


def _bootstrap():
    return _fit("baseball").bootstrap(n_resamples=300, rng=1)


def _evaluation():
    fit = _fit("baseball")
    return btstats.evaluate(fit, btstats.load_example("baseball"), reference=fit, n_draws=50,
                            rng=0)


# name: (build, title fragment, estimate of the limits or None, default interval kind)
CASES = {
    "bradley-terry": (lambda: _fit("baseball"), "Bradley-Terry", lambda r: r.scores, "wald"),
    "thurstone": (lambda: _fit("baseball", "thurstone"), "Thurstone", lambda r: r.scores,
                  "wald"),
    "rao-kupper": (lambda: _fit("springall", "rao-kupper"), "Rao-Kupper", lambda r: r.scores,
                   "wald"),
    "glenn-david": (lambda: _fit("springall", "glenn-david"), "Glenn-David",
                    lambda r: r.scores, "wald"),
    "core davidson": (lambda: _fit("home_ties", "davidson", order_effect=True), "Davidson",
                      lambda r: r.scores, "wald"),
    "bootstrap": (_bootstrap, "Bootstrap of the bradley-terry fit", lambda r: r.estimate,
                  "percentile"),
    "rank sets": (lambda: _fit("baseball").rank_sets(rng=0), "Marginal rank confidence sets",
                  lambda r: r.estimate_rank, "marginal"),
    "agreement": (lambda: btstats.agreement.agreement(_labels().data, n_resamples=200, rng=0),
                  "Labeler agreement",
                  lambda r: pd.Series(r.estimates, index=btstats.agreement.AGREEMENT_STATISTICS),
                  "percentile"),
    "kappa": (lambda: btstats.cohen_kappa([[0, 4, 1], [0, 8, 0], [0, 1, 5]]), "Cohen's kappa",
              lambda r: r.kappa, "wald"),
    "ceilings": (lambda: btstats.ceilings(_fit("baseball"), n_draws=300, rng=0),
                 "Model-implied ceilings (bradley-terry", lambda r: pd.Series(
                     r.estimates, index=r.statistics), "basic"),
    "annotator fit": (lambda: btstats.fit_annotators(_labels().data, penalty=0.1),
                      "Annotator qualities", lambda r: r.beta, "wald"),
    "evaluation": (_evaluation, "Held-out evaluation (bradley-terry)",
                   lambda r: pd.Series([getattr(r, m) for m in r.metrics], index=r.metrics),
                   "wald"),
    "simulation": (lambda: btstats.simulate(np.array([1.0, 0.0, -1.0]),
                                            btstats.round_robin(3, 4), model="rao-kupper",
                                            theta=1.5, rng=2), "Simulation (rao-kupper)", None,
                   None),
    "design": (lambda: btstats.random_pairs(5, 20, rng=3), "Design (random", None, None),
    "order consistency": (lambda: btstats.order_consistency([1.0, 2.0, 3.0, 4.0],
                                                            [1.0, 3.0, 2.0, 4.0]),
                          "Order consistency", None, None),
}
WITH_INTERVALS = [k for k, v in CASES.items() if v[3] is not None]


@functools.lru_cache(maxsize=None)
def result(name):
    return CASES[name][0]()


# ---------------------------------------------------------------------------- the contract
@pytest.mark.parametrize("name", list(CASES))
def test_every_result_is_on_the_base(name):
    res = result(name)
    assert isinstance(res, _results.ResultBase)
    assert isinstance(res.to_frame(), pd.DataFrame)


@pytest.mark.parametrize("name", list(CASES))
def test_summary_opens_with_the_title(name):
    res = result(name)
    text = res.summary()
    assert isinstance(text, str) and CASES[name][1] in text
    title, rule = text.split("\n")[:2]
    assert CASES[name][1] in title and rule == "=" * len(title)


@pytest.mark.parametrize("name", list(CASES))
def test_html_has_a_table(name):
    page = result(name)._repr_html_()
    assert isinstance(page, str) and page.startswith("<") and "<table" in page


@pytest.mark.parametrize("name", WITH_INTERVALS)
def test_confidence_interval_is_one_type_and_holds_the_estimate(name):
    res = result(name)
    ci = res.confidence_interval()
    assert isinstance(ci, btstats.ConfidenceInterval)
    assert ci.interval == CASES[name][3] and ci.confidence_level == 0.95
    low, high = ci
    est = CASES[name][2](res)
    if ci.is_scalar:
        assert low <= est <= high
        return
    assert list(low.index) == list(est.index) == list(high.index)
    known = np.isfinite(low.to_numpy(dtype=float)) & np.isfinite(est.to_numpy(dtype=float))
    assert known.any()
    lo, mid, hi = (x.to_numpy(dtype=float)[known] for x in (low, est, high))
    assert np.all(lo <= mid) and np.all(mid <= hi)
    assert isinstance(ci.to_frame(), pd.DataFrame)


@pytest.mark.parametrize("level", BAD_LEVELS)
@pytest.mark.parametrize("name", WITH_INTERVALS)
def test_a_bad_confidence_level_gives_the_one_message(name, level):
    res = result(name)
    if name == "rank sets" and level is None:
        level = 0.0         # None asks rank sets for their own level
    with pytest.raises(ValueError, match=LEVEL_MESSAGE):
        res.confidence_interval(level)


@pytest.mark.parametrize("name", [k for k in WITH_INTERVALS if k != "rank sets"])
def test_an_unknown_interval_kind_is_named(name):
    with pytest.raises(ValueError, match=r"`interval` must be one of \["):
        result(name).confidence_interval(0.9, interval="studentized")


@pytest.mark.parametrize("name", [k for k, v in CASES.items() if v[3] is None])
def test_results_without_intervals_have_no_confidence_interval(name):
    assert not hasattr(result(name), "confidence_interval")


def test_each_class_offers_its_kinds():
    boot = result("bootstrap")
    for kind in ("percentile", "basic", "bca"):
        assert boot.confidence_interval(0.9, interval=kind).interval == kind
    ceil = result("ceilings")
    basic, pct = (ceil.confidence_interval(interval=k) for k in ("basic", "percentile"))
    np.testing.assert_allclose(basic.low + pct.high, 2 * ceil.estimates)
    agr = result("agreement")
    assert agr.confidence_interval(interval="basic").interval == "basic"
    for name in ("bradley-terry", "kappa", "annotator fit", "evaluation"):
        with pytest.raises(ValueError, match=r"\['wald'\]"):
            result(name).confidence_interval(interval="percentile")
    with pytest.raises(TypeError):          # the kind is keyword-only
        boot.confidence_interval(0.95, "bca")


def test_the_options_of_summary_reach_the_table():
    fit = result("bradley-terry")
    z = normal_quantile(0.8)
    low = fit.scores - z * fit.standard_errors
    assert f"{low.min():.4f}" in fit.summary(confidence_level=0.8)
    assert f"{low.min():.4f}" not in fit.summary()
    ann = result("annotator fit")
    assert ann.summary(0.8) == ann.summary(confidence_level=0.8) != ann.summary()


# ---------------------------------------------------------------------------- the fits
def _old_summary(fit):
    """The summary of earlier versions: the header at width 16, then the leaderboard."""
    from btstats.estimation.results import _FORMATTERS
    head = "\n".join(f"{k:<16}{v}" for k, v in fit._header())
    table = fit.to_frame(intervals=True).to_string(index=False, formatters=_FORMATTERS)
    title = fit._model.description
    return f"{title}\n{'=' * len(title)}\n{head}\n\n{table}"


@pytest.mark.parametrize("name", ["bradley-terry", "thurstone", "rao-kupper",
                                  "core davidson"])
def test_fit_summary_keeps_its_text_and_adds_the_coefficients(name):
    fit = result(name)
    text = fit.summary()
    assert text.startswith(_old_summary(fit))
    if len(fit.coefficients):
        coef = fit.coefficients.to_string(float_format=lambda x: f"{x:.4f}")
        assert text == f"{_old_summary(fit)}\n\nCoefficients\n{coef}"
        assert "<b>Coefficients</b>" in fit._repr_html_()
    else:
        assert text == _old_summary(fit)
        assert "Coefficients" not in fit._repr_html_()


@pytest.mark.parametrize("name", ["bradley-terry", "thurstone"])
def test_models_without_ties_have_an_empty_coefficient_table(name):
    table = result(name).coefficients
    assert table.empty and list(table.columns) == ["estimate", "se", "z", "p", "ci_low",
                                                   "ci_high"]
    assert table.index.name == "parameter"
    with pytest.raises(ValueError, match=LEVEL_MESSAGE):
        result(name).coefficient_table(1.5)


@pytest.mark.parametrize("name", ["rao-kupper", "glenn-david"])
def test_threshold_tie_fits_have_eta_in_their_coefficients(name):
    fit = result(name)
    table = fit.coefficient_table(0.9)
    assert list(table.index) == ["eta"]
    row = table.loc["eta"]
    assert row["estimate"] == fit.eta and row["se"] == pytest.approx(fit.eta_se, rel=1e-14)
    assert row["z"] == pytest.approx(fit.eta / fit.eta_se, rel=1e-14)
    low, high = wald(fit.eta, fit.eta_se, 0.9)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-14)
    assert 0 <= row["p"] < 1e-6                     # springall's panel ties often
    # the same table from the parameter covariance, as the general core computes it
    se = np.sqrt(fit.parameter_covariance.loc["eta", "eta"])
    assert row["se"] == pytest.approx(se, rel=1e-14)


def test_core_fit_reuses_the_table_of_the_base_class():
    fit = result("core davidson")
    assert isinstance(fit, CoreFit) and "coefficient_table" not in vars(CoreFit)
    table = fit.coefficients
    assert list(table.index) == ["h", "nu"]
    np.testing.assert_array_equal(table["estimate"].to_numpy(), fit.params.to_numpy())
    cov = fit.parameter_covariance
    np.testing.assert_allclose(table["se"], np.sqrt(np.diag(cov.loc[["h", "nu"],
                                                                    ["h", "nu"]])), rtol=1e-14)
    z = normal_quantile(0.95)
    np.testing.assert_allclose(table["ci_high"], table["estimate"] + z * table["se"],
                               rtol=1e-14)


def test_fit_interval_is_wald_from_the_standard_errors():
    fit = result("rao-kupper")
    ci = fit.confidence_interval(0.9)
    z = normal_quantile(0.9)
    np.testing.assert_allclose(ci.low, fit.scores - z * fit.standard_errors, rtol=1e-14)
    np.testing.assert_allclose(ci.high, fit.scores + z * fit.standard_errors, rtol=1e-14)
    assert ci.low.index.equals(fit.items)


# ---------------------------------------------------------------------------- the others
def test_bootstrap_rank_interval_is_a_confidence_interval():
    rk = result("bootstrap").rank_interval(0.9)
    assert isinstance(rk, btstats.ConfidenceInterval)
    assert rk.interval == "percentile" and rk.confidence_level == 0.9
    assert np.all(rk.low <= rk.high)
    with pytest.raises(ValueError, match=LEVEL_MESSAGE):
        result("bootstrap").rank_interval(2)


def test_rank_sets_interval_is_at_their_own_level():
    sets = result("rank sets")
    ci = sets.confidence_interval()
    assert ci.low is sets.lower and ci.high is sets.upper
    assert sets.confidence_interval(0.95).interval == "marginal"
    with pytest.raises(ValueError, match="need new draws"):
        sets.confidence_interval(0.9)
    joint = _fit("baseball").rank_sets(simultaneous=True, rng=0)
    assert joint.confidence_interval().interval == "simultaneous"


def test_rank_bounds_take_a_confidence_interval():
    fit = result("bradley-terry")
    ci = fit.confidence_interval()
    frame = ci.to_frame()
    assert btstats.rank_upper_bound(ci).equals(btstats.rank_upper_bound(frame))
    assert btstats.rank_lower_bound(ci).equals(btstats.rank_lower_bound(frame))
    with pytest.raises(ValueError, match="one interval per item"):
        btstats.rank_upper_bound(result("kappa").confidence_interval())


def test_kappa_interval_is_a_scalar():
    ci = result("kappa").confidence_interval(0.9)
    assert ci.is_scalar and type(ci.low) is float
    assert "Contingency table" in result("kappa").summary()


def test_the_exported_confidence_interval_is_the_one_of_the_base():
    assert btstats.ConfidenceInterval is _results.ConfidenceInterval
    assert not hasattr(btstats.inference.bootstrap, "ConfidenceInterval") or \
        btstats.inference.bootstrap.ConfidenceInterval is _results.ConfidenceInterval


def test_cli_json_carries_the_coefficients(capsys):
    assert cli_main(["fit", "--example", "springall", "--model", "rao-kupper",
                     "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    fit = result("rao-kupper")
    assert doc["parameters"]["eta"]["se"] == pytest.approx(fit.eta_se)
    assert cli_main(["fit", "--example", "baseball", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["parameters"] == {}
