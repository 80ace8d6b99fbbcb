"""Regression tests: hostile inputs to the agreement statistics, evaluation, ranks, simulators
and the command line end in a named error (or a finite answer), never NaN, inf, a raw
pandas / numpy error, a MemoryError or a traceback.

Expected values are closed forms, computed in the comments beside them.
"""
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import special

import btstats
from btstats import agreement as ag
from btstats import evaluation as ev
from btstats.inference import ranks
from btstats.cli import main
from btstats.exceptions import DataError

HUGE = 5 * 10 ** 11          # draws / comparisons no machine holds (terabytes)


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, needle=None):
    assert code == 2
    assert err.startswith("btstats: error:") and err.count("\n") == 1, err
    assert "Traceback" not in err
    if needle is not None:
        assert needle in err, err


@pytest.fixture(scope="module")
def baseball_fit():
    return btstats.fit(btstats.load_example("baseball"))


def labels_frame():
    return pd.DataFrame({"item_a": ["x", "x", "y", "u", "u"],
                         "item_b": ["y", "y", "x", "v", "v"],
                         "outcome": ["a", "b", "a", "a", "a"],
                         "annotator": [1, 2, 3, 1, 2], "q": [1, 1, 1, 2, 2]})


# ============================================================ 1. undefined kappas, huge counts
def test_cohen_kappa_of_one_category_raises():
    # p_o = p_e = 1: kappa = 0 / 0
    with pytest.raises(DataError, match=r"Cohen's kappa is undefined.*same single category "
                                        r"\('a'\).*chance agreement is 1"):
        btstats.cohen_kappa(["a", "a"], ["a", "a"])
    with pytest.raises(DataError, match="chance agreement is 1"):
        btstats.cohen_kappa([[5, 0], [0, 0]])


def test_fleiss_kappa_without_pairable_units_raises():
    with pytest.raises(DataError, match=r"Fleiss' kappa is undefined: no unit has two or more"):
        btstats.fleiss_kappa([[0, 0], [0, 0]], counts=True)
    with pytest.raises(DataError, match="no unit has two or more"):
        btstats.fleiss_kappa([[np.nan, np.nan], [np.nan, np.nan]])
    # subnormal counts: no unit has two labels either
    with pytest.raises(DataError, match="no unit has two or more"):
        btstats.fleiss_kappa([[5e-324, 5e-324], [5e-324, 0.0]], counts=True)


def test_one_category_is_the_same_error_for_fleiss_and_alpha():
    for func in (btstats.fleiss_kappa, btstats.krippendorff_alpha):
        with pytest.raises(DataError, match=r"undefined.*same category \(column 0 of the "
                                            r"counts\).*chance agreement is 1"):
            func([[3, 0], [2, 0]], counts=True)
        with pytest.raises(DataError, match=r"undefined.*same category \('x'\)"):
            func([["x", "x", None], ["x", "x", "x"]])


def test_undefined_statistics_raise_one_error_class():
    cases = [lambda: btstats.cohen_kappa(["a", "a"], ["a", "a"]),
             lambda: btstats.fleiss_kappa([[0, 0], [0, 0]], counts=True),
             lambda: btstats.krippendorff_alpha([[0, 0], [0, 0]], counts=True),
             lambda: btstats.fleiss_kappa([["x", "x"], ["x", "x"]]),
             lambda: btstats.krippendorff_alpha([["x", "x"], ["x", "x"]])]
    for case in cases:
        with pytest.raises(DataError, match="undefined") as info:
            case()
        assert isinstance(info.value, ValueError)


def test_counts_of_1e308_give_the_limit_not_nan():
    # counts [[k, k], [k, 0]] as k -> inf:
    #   Fleiss: P_1 = 1/2, P_2 = 1, P_bar = 3/4, p = (2/3, 1/3), P_e = 5/9, kappa = 7/16
    #   alpha:  D_o = (k + 0) / 3k = 1/3, D_e = 4/9, alpha = 1 - 3/4 = 1/4
    #   Cohen (the same as a 2 x 2 table): p_o = 1/3, p_e = 5/9, kappa = -1/2
    table = np.array([[1e308, 1e308], [1e308, 0.0]])
    assert btstats.fleiss_kappa(table, counts=True) == pytest.approx(7 / 16, rel=1e-12)
    assert btstats.krippendorff_alpha(table, counts=True) == pytest.approx(0.25, rel=1e-12)
    res = btstats.cohen_kappa(table)
    assert res.kappa == pytest.approx(-0.5, rel=1e-12)
    assert math.isfinite(res.se) and res.se >= 0.0
    assert res.n == 3 * int(1e308)
    # the huge-count answers continue the moderate ones
    moderate = table / 1e308 * 1e9
    assert btstats.fleiss_kappa(moderate, counts=True) == pytest.approx(7 / 16, rel=1e-8)
    assert btstats.krippendorff_alpha(moderate, counts=True) == pytest.approx(0.25, rel=1e-8)


# ============================================================ 2. empty Cohen's kappa
def test_cohen_kappa_of_empty_raters_is_a_clear_error():
    with pytest.raises(DataError, match="no unit has a label from both raters"):
        btstats.cohen_kappa([], [])
    with pytest.raises(DataError, match="no unit has a label from both raters"):
        btstats.cohen_kappa([np.nan, None], ["a", pd.NA])
    with pytest.raises(DataError, match="every count is 0"):
        btstats.cohen_kappa([[0, 0], [0, 0]])
    with pytest.raises(DataError, match="one-dimensional"):
        btstats.cohen_kappa([[1, 2], [3, 4]], [[1, 2], [3, 4]])
    with pytest.raises(DataError, match="hashable labels"):
        btstats.cohen_kappa([[1, 2], [3]], [1, 2])


# ============================================================ 3. split(by=...)
def test_split_by_a_list_is_a_clear_error():
    df = labels_frame()
    with pytest.raises(TypeError, match=r"`by` must be None or one column name.*test_size"):
        ev.split(df, by=[0.5])
    with pytest.raises(TypeError, match="`by` must be one column name"):
        ag.agreement_by(df, [0.5])


def test_split_by_a_repeated_or_incomplete_column_is_a_clear_error():
    df = labels_frame()
    dup = pd.concat([df, df[["q"]]], axis=1)
    with pytest.raises(DataError, match=r"(several columns named|repeated column names "
                                        r"\[)'q'"):
        ev.split(dup, by="q")
    with pytest.raises(DataError, match="several columns named 'q'"):
        ag.agreement_by(dup, "q")
    # a missing group is named, not silently dropped
    with pytest.raises(DataError, match=r"missing value.*rows 4"):
        ag.agreement_by(df.assign(q=[1, 1, 1, 2, np.nan]), "q")
    comp = btstats.Comparisons.from_frame(df, annotator="annotator")
    with pytest.raises(ValueError, match="`by` must be one of"):
        ev.split(comp, by=pd.NA)


# ============================================================ 4. finite log loss
@pytest.mark.parametrize("model, gap, expected", [
    ("thurstone", 40.0, -special.log_ndtr(-40.0)),                # -log Phi(-40) = 804.608...
    ("bradley-terry", 800.0, 800.0 + math.log1p(math.exp(-800.0))),  # -log logistic(-800)
])
def test_log_loss_of_an_unlikely_outcome_is_finite(model, gap, expected):
    scorer = pd.Series({"x": gap, "y": 0.0})
    test = pd.DataFrame({"item_a": ["x"], "item_b": ["y"], "outcome": [0]})   # y beat x
    res = ev.evaluate(scorer, test, model=model)
    assert res.log_loss == pytest.approx(expected, rel=1e-12)
    assert res.log_loss_all == pytest.approx(expected, rel=1e-12)
    assert res.accuracy == 0.0 and res.brier == pytest.approx(1.0)


def test_log_loss_of_a_tie_far_apart_is_finite():
    # Rao-Kupper, theta = 2 (eta = log 2), gap 800: P(tie) = F(-800 + eta) - F(-800 - eta)
    # = e^-800 (2 - 1/2) to relative 1e-300, so -log P(tie) = 800 - log(1.5)
    scorer = pd.Series({"x": 800.0, "y": 0.0})
    test = pd.DataFrame({"item_a": ["x", "x"], "item_b": ["y", "y"], "outcome": [0.5, 0.0]})
    res = ev.evaluate(scorer, test, model="rao-kupper", theta=2.0)
    # decisive label (y beat x): -log(F(-800 - eta) / (F(800 - eta) + F(-800 - eta)))
    assert res.log_loss == pytest.approx(800.0 + math.log(2.0), rel=1e-12)
    want_all = 0.5 * (800.0 - math.log(1.5)) + 0.5 * (800.0 + math.log(2.0))
    assert res.log_loss_all == pytest.approx(want_all, rel=1e-12)


# ============================================================ 5. draws that cannot fit
def test_rank_sets_with_terabytes_of_draws_are_refused(baseball_fit):
    with pytest.raises(ValueError, match=r"`n_draws` = 500,000,000,000 is too large.*TiB"
                                         r".*n_draws=10_000"):
        baseball_fit.rank_sets(n_draws=HUGE)
    with pytest.raises(ValueError, match="`n_draws`.*too large"):
        ranks.rank_confidence_sets(np.zeros(3), covariance=np.eye(3), n_draws=10 ** 30)
    assert baseball_fit.rank_sets(n_draws=200, rng=0).n_draws == 200


def test_other_draws_and_resamples_that_cannot_fit_are_refused(baseball_fit):
    data = btstats.load_example("baseball")
    with pytest.raises(ValueError, match="`n_draws` = 500,000,000,000 is too large"):
        ag.ceilings(baseball_fit, n_draws=HUGE)
    with pytest.raises(ValueError, match="`n_draws`.*too large"):
        ev.evaluate(baseball_fit, data, reference=baseball_fit, n_draws=HUGE)
    with pytest.raises(ValueError, match="`n_resamples` = 500,000,000,000 is too large"):
        ag.agreement(labels_frame(), n_resamples=HUGE)
    res = ev.evaluate(baseball_fit, data)
    with pytest.raises(ValueError, match="`n_bins`.*too large"):
        res.calibration(n_bins=10 ** 12)


# ============================================================ 6. the command line
@pytest.mark.parametrize("argv, needle", [
    (["--items", "4", "--comparisons", "99999999999999"], "--comparisons ="),
    (["--items", "99999999999", "--comparisons", "5"], "--items"),
    (["--items", "99999999999"], "--comparisons"),
    (["--items", "4", "--design", "sparse", "--comparisons", str(HUGE)], "--comparisons ="),
    (["--items", "4", "--design", "round-robin", "--per-pair", str(10 ** 13)], "--per-pair ="),
])
def test_simulate_that_cannot_fit_exits_2(argv, needle, capsys):
    code, out, err = run(["simulate"] + argv, capsys)
    assert out == ""
    assert_one_line_error(code, err, needle)


def test_simulate_functions_refuse_what_cannot_fit():
    with pytest.raises(ValueError, match="`n_comparisons` = 100,000,000,000,000 is too large"):
        btstats.random_pairs(4, 10 ** 14)
    with pytest.raises(ValueError, match="`n_comparisons`.*too large"):
        btstats.sparse_connected(4, 10 ** 14)
    with pytest.raises(ValueError, match="`n_items` = 10,000,000 is too large"):
        btstats.round_robin(10 ** 7)
    with pytest.raises(ValueError, match="`n_annotators`.*too large"):
        btstats.simulate([0.0, 1.0], btstats.round_robin(2), annotators=10 ** 12)
    with pytest.raises(ValueError, match="`n_items` must be at most 2,147,483,647"):
        btstats.random_pairs(3 * 10 ** 9, 5)
    with pytest.raises(ValueError, match="responses.*32-bit"):
        btstats.simulate_annotation(10 ** 12, 3)


def test_agreement_with_an_unknown_encoding_exits_2(tmp_path, capsys):
    path = tmp_path / "labels.csv"
    labels_frame().to_csv(path, index=False)
    code, out, err = run(["agreement", str(path), "--annotator", "annotator", "--encoding",
                          "nope"], capsys)
    assert out == ""
    assert_one_line_error(code, err, "--encoding 'nope'")


def test_deeply_nested_json_exits_2(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text("[" * 5000)
    for argv in (["fit", str(path)], ["agreement", str(path), "--annotator", "a"]):
        code, out, err = run(argv, capsys)
        assert out == ""
        assert_one_line_error(code, err, "deep")


@pytest.mark.parametrize("exc, needle", [
    (RecursionError("maximum recursion depth exceeded"), "nested too deeply"),
    (MemoryError("Unable to allocate 19 TiB"), "out of memory"),
    (RuntimeError("boom\nsecond line"), "RuntimeError: boom"),
    (LookupError("unknown encoding: nope"), "unknown encoding"),
])
def test_any_unexpected_failure_is_one_line(exc, needle, monkeypatch, tmp_path, capsys):
    from btstats.cli import agreement as cli_agreement, commands as cli

    def fail(*args, **kwargs):
        raise exc

    monkeypatch.setattr(cli, "read_path", fail)
    code, out, err = run(["fit", str(tmp_path / "x.csv")], capsys)
    assert_one_line_error(code, err, needle)
    monkeypatch.setattr(cli_agreement, "_read", fail)
    code, out, err = run(["agreement", str(tmp_path / "x.csv"), "--annotator", "a"], capsys)
    assert_one_line_error(code, err, needle)
    monkeypatch.setattr(cli, "_parser", fail)
    code, out, err = run(["fit"], capsys)
    assert_one_line_error(code, err, needle)


def test_option_errors_are_one_line(capsys):
    with pytest.raises(SystemExit) as info:
        main(["fit", "--example", "nope"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "invalid choice" in err and "btstats fit --help" in err


# ============================================================ 7. hostile arguments
def test_confidence_level_as_a_string_is_a_clear_error(baseball_fit):
    data = btstats.load_example("baseball")
    with pytest.raises(ValueError, match="`confidence_level` must be a number in"):
        ev.evaluate(baseball_fit, data, confidence_level="0.9")
    with pytest.raises(ValueError, match="`confidence_level`"):
        ev.evaluate(baseball_fit, data, confidence_level=pd.NA)
    res = ev.evaluate(baseball_fit, data, reference=baseball_fit, n_draws=20, rng=0)
    with pytest.raises(ValueError, match="`confidence_level`"):
        res.compare("0.9")
    df = labels_frame().assign(annotator=[1, 1, 2, 2, 1])
    df = pd.concat([df, df.assign(outcome=["b", "a", "b", "b", "a"])], ignore_index=True)
    fa = btstats.fit_annotators(df, penalty=0.5, annotator_penalty=1.0)
    for method in (fa.confidence_interval, fa.item_frame, fa.to_frame, fa.summary):
        with pytest.raises(ValueError, match="`confidence_level`"):
            method("0.9")


def test_na_for_choice_and_flag_arguments_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`ties` must be one of \['min', 'max', 'average'\]"):
        ranks.rank_distribution([[1.0, 2.0]], ties=pd.NA)
    with pytest.raises(ValueError, match="`position_bias` must be True or False"):
        btstats.fit_annotators(labels_frame(), position_bias=pd.NA)
    with pytest.raises(ValueError, match="`orientation` must be one of"):
        ag.agreement(labels_frame(), orientation=pd.NA)


def test_empty_nan_and_repeated_column_inputs_of_the_kappas():
    with pytest.raises(DataError, match="empty"):
        btstats.fleiss_kappa(np.zeros((0, 3)), counts=True)
    with pytest.raises(DataError, match="empty"):
        btstats.krippendorff_alpha(np.zeros((4, 0)), counts=True)
    with pytest.raises(DataError, match=r"non-negative; not so at \(row, column\) \[\[0, 1\]\]"):
        btstats.fleiss_kappa([[1.0, np.nan]], counts=True)
    # raters may share a name: the labels are read by position
    ratings = pd.DataFrame([["a", "b"], ["a", "a"], ["b", "b"]], columns=["r", "r"])
    plain = ratings.set_axis(["r1", "r2"], axis=1)
    assert btstats.fleiss_kappa(ratings) == pytest.approx(btstats.fleiss_kappa(plain))
    assert btstats.krippendorff_alpha(ratings) == pytest.approx(
        btstats.krippendorff_alpha(plain))
    with pytest.raises(DataError, match="hashable label"):
        btstats.fleiss_kappa(pd.DataFrame({"r1": [[1], [2]], "r2": [[1], [3]]}))


def test_agreement_by_keeps_the_groups_of_groupby():
    res = ag.agreement_by(labels_frame(), "q")
    assert res.index.tolist() == [1, 2]
    assert res["agreement"].tolist() == pytest.approx([1 / 3, 1.0])
    assert json.dumps(res["n_units"].tolist()) == "[1, 1]"


def test_scorers_and_scores_that_break_the_arithmetic_are_named():
    test = pd.DataFrame({"item_a": ["x"], "item_b": ["y"], "outcome": [0]})
    with pytest.raises(DataError, match=r"`scorer` must have one score per item.*\['x'\]"):
        ev.evaluate(pd.Series([1.0, 0.0, 2.0], index=["x", "y", "x"]), test)
    with pytest.raises(DataError, match="difference overflows"):
        ev.evaluate(pd.Series({"x": 1e308, "y": -1e308}), test)
    with pytest.raises(DataError, match="log loss of test row 0 overflows"):
        ev.evaluate(pd.Series({"x": 1e200, "y": 0.0}), test, model="thurstone")
    with pytest.raises(DataError, match="`x` gives every item the same score"):
        ev.order_consistency([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(DataError, match=r"`y` must have one score per item"):
        ev.order_consistency(pd.Series([1.0, 2.0], index=["a", "b"]),
                             pd.Series([1.0, 2.0], index=["a", "a"]))


def test_simulated_scores_are_centred_without_overflow():
    sim = btstats.simulate(np.full(3, 1e308), btstats.round_robin(3), rng=0)
    assert sim.scores.tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(DataError, match="`scores` span more than the largest float"):
        btstats.simulate(np.array([1e308, -1e308, 0.0]), btstats.round_robin(3), rng=0)
    with pytest.raises(ValueError, match="`prompt_sd`.*overflow"):
        btstats.simulate_annotation(3, 3, prompt_sd=1e308, response_sd=1e308, rng=1)
    sim = btstats.simulate([0.0, 1.0], btstats.round_robin(2), rng=0)
    with pytest.raises(ValueError, match="`fitted` scores must be finite"):
        sim.compare(pd.Series([np.nan, 1.0]))


def test_numbers_given_as_strings_or_flags_as_na_are_refused():
    for value in ("0.9", True, pd.NA):
        with pytest.raises(ValueError, match="`beta` must be a number"):
            btstats.annotator_pool(2, beta=value)
    for value in (pd.NA, "yes"):
        with pytest.raises(TypeError, match="`counts` must be True"):
            btstats.fleiss_kappa([[1, 1]], counts=value)
