"""One test per kind of bad input: the exception type and a message that names the problem.

btstats.DataError, NoMLEError and TiesError are ValueError subclasses; every message must say
what is wrong and where (rows, items) and, where there is one, what to do. The numbers in the
extreme-count tests are closed forms (two items: Bradley-Terry d = log(w / l), Thurstone
d = Phi^-1(w / (w + l))).
"""
import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import special

import btstats
from btstats import Comparisons


def _frame(winners, losers, **extra):
    return pd.DataFrame({"winner": winners, "loser": losers, **extra})


def _two_items(w, l, tie=0.0):
    return Comparisons.from_counts(pd.DataFrame(
        {"item_a": ["a"], "item_b": ["b"], "wins_a": [w], "wins_b": [l], "ties": [tie]}))


# ---------------------------------------------------------------------------- hierarchy
def test_exception_hierarchy():
    assert issubclass(btstats.DataError, ValueError)
    assert issubclass(btstats.NoMLEError, btstats.DataError)
    assert issubclass(btstats.TiesError, btstats.DataError)
    assert issubclass(btstats.ConvergenceWarning, Warning)


# ---------------------------------------------------------------------------- data
def test_empty_data():
    for build in (lambda: Comparisons.from_frame(_frame([], [])),
                  lambda: Comparisons.from_arrays([], []),
                  lambda: btstats.fit(_frame([], []))):
        with pytest.raises(btstats.DataError, match="empty"):
            build()


def test_one_item():
    # The only comparisons a single item can have are with itself: the row and item are named.
    with pytest.raises(btstats.DataError) as err:
        btstats.fit(_frame(["a", "a"], ["a", "a"]))
    msg = str(err.value)
    assert "itself" in msg and "'a'" in msg and re.search(r"rows 0, 1\b", msg)
    # a 1 x 1 wins matrix holds no comparison at all
    with pytest.raises(btstats.DataError, match="nothing to fit"):
        btstats.fit(Comparisons.from_matrix(np.zeros((1, 1))))


def test_zero_total_weight():
    with pytest.raises(btstats.DataError, match="weight zero"):
        Comparisons.from_frame(_frame(["a", "b"], ["b", "a"], weight=[0.0, 0.0]))


@pytest.mark.parametrize("missing", [None, np.nan])
def test_missing_labels_name_the_rows(missing):
    df = _frame(["a", missing, "b", "c"], ["b", "a", missing, "a"])
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_frame(df)
    msg = str(err.value)
    assert "missing" in msg and "NaN or None" in msg
    assert re.search(r"rows 1, 2\b", msg)


def test_missing_labels_in_pair_counts_name_the_input_row():
    df = pd.DataFrame({"item_a": ["a", "b", None], "item_b": ["b", "c", "a"],
                       "wins_a": [1, 2, 3], "wins_b": [1, 2, 3], "ties": [0, 0, 0]})
    with pytest.raises(btstats.DataError, match=r"rows 2\b"):
        Comparisons.from_counts(df)


def test_self_comparison_names_row_and_item():
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_frame(_frame(["a", "b", "c", "a"], ["b", "a", "c", "c"]))
    msg = str(err.value)
    assert "itself" in msg
    assert re.search(r"rows 2\b", msg) and "'c'" in msg


def test_self_comparison_in_pair_counts_names_the_input_row():
    df = pd.DataFrame({"item_a": ["a", "b", "c"], "item_b": ["b", "b", "a"],
                       "wins_a": [1, 2, 3], "wins_b": [1, 2, 3], "ties": [0, 0, 0]})
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_counts(df)
    assert re.search(r"rows 1\b", str(err.value)) and "'b'" in str(err.value)


def test_self_comparison_on_matrix_diagonal_names_the_item():
    wins = pd.DataFrame([[0, 2], [1, 3]], index=["x", "y"], columns=["x", "y"])
    with pytest.raises(btstats.DataError, match=r"diagonal.*'y'"):
        Comparisons.from_matrix(wins)


@pytest.mark.parametrize("bad", [-2.0, np.nan, np.inf])
def test_bad_weights_name_the_rows(bad):
    df = _frame(["a", "b", "c", "a"], ["b", "a", "a", "c"], weight=[1.0, bad, 1.0, bad])
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_frame(df)
    msg = str(err.value)
    assert "non-negative" in msg and "finite" in msg
    assert re.search(r"rows 1, 3\b", msg)
    assert "`weight`" in msg


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_bad_array_weights_name_the_rows(bad):
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_arrays([0, 1, 2], [1, 2, 0], weights=[1.0, 1.0, bad])
    assert re.search(r"rows 2\b", str(err.value)) and "`weights`" in str(err.value)


def test_negative_pair_count_names_column_and_row():
    df = pd.DataFrame({"item_a": ["a", "b"], "item_b": ["b", "c"],
                       "wins_a": [1, 2], "wins_b": [1, -2], "ties": [0, 0]})
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_counts(df)
    assert "`wins_b`" in str(err.value) and re.search(r"rows 1\b", str(err.value))


def test_item_codes_out_of_range_name_the_rows():
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_arrays([0, 1, 5], [1, 2, 0], items=["a", "b", "c"])
    msg = str(err.value)
    assert "0..2" in msg and re.search(r"rows 2\b", msg)


def test_non_integer_codes_name_the_rows():
    with pytest.raises(btstats.DataError, match=r"rows 1\b"):
        Comparisons.from_arrays([0.0, 1.5, 2.0], [1, 2, 0])


@pytest.mark.parametrize("codes, shown", [([1, 0, 2, 0.5], r"'2(\.0)?'"),
                                          (["a", "b", "x", "tie"], "'x'")])
def test_unknown_outcome_codes_name_value_and_row(codes, shown):
    df = pd.DataFrame({"item_a": ["a", "b", "c", "a"], "item_b": ["b", "c", "a", "c"],
                       "outcome": codes})
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_frame(df)
    msg = str(err.value)
    assert "unknown outcome" in msg and re.search(shown, msg) and re.search(r"rows 2\b", msg)
    assert "'outcome'" in msg


def test_unknown_arena_winner_is_an_error_not_a_tie():
    df = pd.DataFrame({"model_a": ["a", "b", "c"], "model_b": ["b", "c", "a"],
                       "winner": ["model_a", "tie (bothbad)", "model_c"]})
    with pytest.raises(btstats.DataError) as err:
        Comparisons.from_arena(df)
    msg = str(err.value)
    assert "'model_c'" in msg and re.search(r"rows 2\b", msg)
    assert "not read as ties" in msg or "not a tie" in msg or "not" in msg


def test_missing_arena_column_is_named():
    df = pd.DataFrame({"model_a": ["a"], "model_b": ["b"], "result": ["model_a"]})
    with pytest.raises(btstats.DataError, match="'winner' is missing"):
        Comparisons.from_arena(df)


def test_unknown_layout_lists_the_layouts():
    with pytest.raises(btstats.DataError) as err:
        btstats.fit(pd.DataFrame({"left": ["a"], "right": ["b"]}))
    msg = str(err.value)
    assert "winner/loser" in msg and "item_a/item_b/outcome" in msg and "['left', 'right']" in msg


def test_named_column_that_does_not_exist():
    with pytest.raises(btstats.DataError, match=r"'w'.*`winner`"):
        btstats.fit(_frame(["a"], ["b"]), winner="w", loser="loser")


def test_unknown_file_extension(tmp_path):
    path = tmp_path / "comparisons.xlsx"
    path.write_text("x")
    with pytest.raises(btstats.DataError, match=r"\.xlsx"):
        btstats.read_comparisons(path)


# ---------------------------------------------------------------------------- ties
SPRINGALL_TIES = 198  # tests/data/springall.csv: 198 ties


@pytest.mark.parametrize("model", ["bradley-terry", "thurstone"])
def test_ties_given_to_a_model_without_ties(model):
    with pytest.raises(btstats.TiesError) as err:
        btstats.fit(btstats.load_example("springall"), model)
    msg = str(err.value)
    assert str(SPRINGALL_TIES) in msg
    assert "ties='drop'" in msg and "ties='half'" in msg and "model='rao-kupper'" in msg


@pytest.mark.parametrize("model", ["bradley-terry", "thurstone"])
def test_ties_drop_and_half(model):
    counts = btstats.load_example("springall", as_frame=True)
    data = Comparisons.from_counts(counts)
    # 'drop' equals the counts with the ties removed
    dropped = counts.assign(ties=0)
    expected = btstats.fit(Comparisons.from_counts(dropped), model)
    res = btstats.fit(data, model, ties="drop")
    np.testing.assert_allclose(res.scores, expected.scores, atol=1e-12)
    np.testing.assert_allclose(res.standard_errors, expected.standard_errors, rtol=1e-10)
    assert res.n_comparisons == 885 - SPRINGALL_TIES
    # 'half' equals adding half a win each way per tie
    halved = counts.assign(wins_a=counts.wins_a + 0.5 * counts.ties,
                           wins_b=counts.wins_b + 0.5 * counts.ties, ties=0)
    expected = btstats.fit(Comparisons.from_counts(halved), model)
    res = btstats.fit(data, model, ties="half")
    np.testing.assert_allclose(res.scores, expected.scores, atol=1e-12)
    np.testing.assert_allclose(res.standard_errors, expected.standard_errors, rtol=1e-10)
    assert res.n_comparisons == 885
    table = res.to_frame()
    assert table["ties"].sum() == 0
    assert table["wins"].sum() == pytest.approx(885)


def test_rao_kupper_without_ties():
    with pytest.raises(btstats.TiesError) as err:
        btstats.fit(btstats.load_example("baseball"), "rao-kupper")
    msg = str(err.value)
    assert "no ties" in msg and "model='bradley-terry'" in msg


def test_rao_kupper_with_only_ties():
    with pytest.raises(btstats.TiesError, match="every comparison is a tie"):
        btstats.fit(_two_items(0, 0, 5), "rao-kupper")


def test_bad_ties_option():
    with pytest.raises(ValueError, match=r"`ties` must be one of \[None, 'drop', 'half'\]"):
        btstats.fit(btstats.load_example("springall"), ties="ignore")


# ---------------------------------------------------------------------------- graph
def test_disconnected_graph():
    df = _frame(["a", "b", "c", "d"], ["b", "a", "d", "c"])
    with pytest.raises(btstats.NoMLEError) as err:
        btstats.fit(df)
    assert "2 strongly connected groups" in str(err.value)
    assert "penalty=" in str(err.value)
    assert err.value.n_groups == 2
    # with a penalty the groups are each centred on their own: finite scores
    res = btstats.fit(df, penalty=0.5)
    assert np.all(np.isfinite(res.scores))


def test_item_that_never_loses_is_named():
    df = _frame(["top", "top", "b", "c"], ["b", "c", "c", "b"])
    with pytest.raises(btstats.NoMLEError) as err:
        btstats.fit(df)
    assert "never lose: 'top'" in str(err.value)
    assert err.value.never_lose == ["top"]


def test_item_that_never_wins_is_named():
    df = _frame(["a", "b", "a", "b"], ["b", "a", "bottom", "bottom"])
    with pytest.raises(btstats.NoMLEError) as err:
        btstats.fit(df, "thurstone")
    assert "never win: 'bottom'" in str(err.value)
    assert err.value.never_win == ["bottom"]


def test_item_without_comparisons_is_named():
    c = Comparisons.from_arrays([0, 1], [1, 0], items=["a", "b", "lonely"])
    with pytest.raises(btstats.NoMLEError, match="no comparisons: 'lonely'"):
        btstats.fit(c)


# ---------------------------------------------------------------------------- arguments
def test_mm_with_thurstone_names_the_methods_that_work():
    with pytest.raises(ValueError) as err:
        btstats.fit(btstats.load_example("baseball"), "thurstone", method="mm")
    msg = str(err.value)
    assert "method='newton'" in msg and "method='gradient'" in msg


def test_mm_with_penalty():
    with pytest.raises(ValueError, match="method='newton'"):
        btstats.fit(btstats.load_example("baseball"), method="mm", penalty=0.1)


def test_unknown_model():
    with pytest.raises(ValueError) as err:
        btstats.fit(btstats.load_example("baseball"), "elo")
    msg = str(err.value)
    assert "`model`" in msg and "'elo'" in msg
    for name in ("bradley-terry", "thurstone", "rao-kupper"):
        assert name in msg


def test_unknown_method():
    with pytest.raises(ValueError) as err:
        btstats.fit(btstats.load_example("baseball"), method="lbfgs")
    msg = str(err.value)
    assert "`method`" in msg and "'lbfgs'" in msg
    for name in ("newton", "mm", "gradient"):
        assert name in msg


@pytest.mark.parametrize("kwargs, name", [
    (dict(penalty=-1.0), "penalty"), (dict(penalty=np.nan), "penalty"),
    (dict(tol=0.0), "tol"), (dict(max_iter=0), "max_iter"), (dict(max_iter=2.5), "max_iter"),
    (dict(covariance_type="robust"), "covariance_type"),
])
def test_bad_numeric_arguments_name_the_parameter(kwargs, name):
    with pytest.raises(ValueError, match=f"`{name}`"):
        btstats.fit(btstats.load_example("baseball"), **kwargs)


def test_bad_confidence_level():
    res = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(ValueError, match="`confidence_level`"):
        res.confidence_interval(1.5)


def test_unknown_label_in_probabilities():
    res = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(KeyError, match="'Chicago'"):
        res.probabilities("Chicago", "Boston")


def test_data_of_the_wrong_type():
    with pytest.raises(TypeError, match="Comparisons.from_arrays"):
        btstats.fit(np.array([[0, 1], [1, 0]]))


# ---------------------------------------------------------------------------- extremes
# Closed forms for two items, w wins against l: Bradley-Terry d = log(w / l); Thurstone
# d = Phi^-1(w / (w + l)) = -Phi^-1(l / (w + l)). log(1e304) = 699.99, log(1e305) = 702.29.
EXTREME = [(1e304, 1.0), (1e305, 1.0), (1e305, 1e3)]


@pytest.mark.parametrize("method", ["newton", "gradient"])
@pytest.mark.parametrize("w, l", EXTREME)
def test_extreme_counts_bradley_terry(w, l, method):
    res = btstats.fit(_two_items(w, l), method=method)
    assert res.converged
    s = res.scores
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(res.standard_errors))
    assert np.isfinite(res.loglik)
    d = s["a"] - s["b"]
    assert abs(d) >= 695
    assert d == pytest.approx(math.log(w) - math.log(l), rel=1e-12, abs=1e-9)
    # Var(d) = 1/w + 1/l
    assert 2 * res.standard_errors["a"] == pytest.approx(math.sqrt(1 / w + 1 / l), rel=1e-8)


@pytest.mark.parametrize("method", ["newton", "gradient"])
@pytest.mark.parametrize("w, l", EXTREME)
def test_extreme_counts_thurstone(w, l, method):
    res = btstats.fit(_two_items(w, l), "thurstone", method=method)
    assert res.converged
    s = res.scores
    assert np.all(np.isfinite(s)) and np.all(np.isfinite(res.standard_errors))
    assert np.isfinite(res.loglik)
    assert s["a"] - s["b"] == pytest.approx(-special.ndtri(l / (w + l)), rel=1e-10)


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
@pytest.mark.parametrize("weight", [1e50, 1e300])
def test_extreme_rows_in_a_larger_data_set(weight, method):
    # Baseball with Boston's wins over Baltimore given a weight of 1e50 / 1e300: the fit stays
    # finite, Boston's lead over Baltimore is about log(weight), and the methods agree.
    counts = btstats.load_example("baseball", as_frame=True).astype({"wins_b": float})
    assert counts.loc[0, ["item_a", "item_b"]].tolist() == ["Baltimore", "Boston"]
    counts.loc[0, "wins_b"] = weight
    data = Comparisons.from_counts(counts)
    res = btstats.fit(data, method=method)
    assert res.converged
    assert np.all(np.isfinite(res.scores)) and np.all(np.isfinite(res.standard_errors))
    lead = res.scores["Boston"] - res.scores["Baltimore"]
    assert lead == pytest.approx(math.log(weight), rel=0.05)
    # the other six teams are still ranked as in the ordinary data
    others = res.scores.drop(["Boston", "Baltimore"])
    assert others.idxmax() == "Milwaukee" and others.idxmin() == "Cleveland"
    reference = btstats.fit(data, method="gradient", tol=1e-12)
    np.testing.assert_allclose(res.scores, reference.scores, atol=1e-7)


# ---------------------------------------------------------------------------- convergence
def test_non_convergence_is_a_flag_and_a_warning():
    with pytest.warns(btstats.ConvergenceWarning) as record:
        res = btstats.fit(btstats.load_example("baseball"), method="gradient", max_iter=1)
    assert res.converged is False
    assert res.n_iter == 1
    msg = str(record[0].message)
    assert "did not converge" in msg
    assert "max_iter" in msg and "method='newton'" in msg
    assert msg == res.message
    assert np.all(np.isfinite(res.scores))
