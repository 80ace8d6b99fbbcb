"""Regression tests for the defects a hostile-input run found (issue 10), data and fit side.

Each test names the item it guards; each failed before the fix.  The closed forms are stated
beside the numbers: the covariance of a penalised fit is the inverse of the penalised
information in the sum-to-zero subspace, ``P (P' (H + penalty I) P)^-1 P'`` with ``P`` an
orthonormal basis of that subspace (computed here by numpy from a Hessian written out in the
test), and two items with ``w`` wins against ``l`` give ``d = log(w / l)`` under
Bradley-Terry with ``Var(d) = 1 / w + 1 / l``.
"""
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import special

import btstats
from btstats import Comparisons


def _two_items(w, l, tie=0.0):
    return Comparisons.from_counts(pd.DataFrame(
        {"item_a": ["x"], "item_b": ["y"], "wins_a": [w], "wins_b": [l], "ties": [tie]}))


def _subspace_basis(n):
    """Orthonormal basis (n x (n-1)) of the vectors summing to zero."""
    q, _ = np.linalg.qr(np.column_stack([np.ones(n), np.eye(n)[:, :n - 1]]))
    return q[:, 1:]


def _bt_hessian(counts, s):
    """Negative Hessian of the Bradley-Terry log-likelihood, written out:
    ``sum_pairs n_ij p_ij (1 - p_ij) (e_i - e_j)(e_i - e_j)'``."""
    n = len(s)
    h = np.zeros((n, n))
    for i, j, wij, wji in zip(counts.pi, counts.pj, counts.wab, counts.wba):
        p = special.expit(s[i] - s[j])
        v = (wij + wji) * p * (1 - p)
        h[i, i] += v
        h[j, j] += v
        h[i, j] -= v
        h[j, i] -= v
    return h


def _rk_loglik(theta_vec, counts):
    """Rao-Kupper log-likelihood in (scores, eta), in log-CDF form."""
    s, eta = theta_vec[:-1], theta_vec[-1]
    d = s[counts.pi] - s[counts.pj]
    la = special.log_expit(d - eta)
    lb = special.log_expit(-d - eta)
    lt = np.log(special.expit(d + eta) - special.expit(d - eta))
    return float(np.sum(counts.wab * la + counts.wba * lb + counts.tie * lt))


def _numeric_hessian(f, x, h=1e-4):
    k = len(x)
    out = np.empty((k, k))
    for a in range(k):
        for b in range(k):
            def at(da, db):
                y = x.copy()
                y[a] += da
                y[b] += db
                return f(y)
            out[a, b] = (at(h, h) - at(h, -h) - at(-h, h) + at(-h, -h)) / (4 * h * h)
    return out


# ---------------------------------------------------------------------------- item 1
@pytest.mark.parametrize("penalty", [0.1, 1.0, 10.0])
def test_penalised_covariance_is_the_subspace_inverse(penalty):
    data = btstats.load_example("baseball")
    res = btstats.fit(data, penalty=penalty)
    s = res.scores.to_numpy()
    n = len(s)
    h = _bt_hessian(res.comparisons.pairs, s) + penalty * np.eye(n)
    p = _subspace_basis(n)
    expected = p @ np.linalg.inv(p.T @ h @ p) @ p.T
    cov = res.covariance.to_numpy()
    np.testing.assert_allclose(cov, expected, rtol=1e-10, atol=1e-13)
    assert np.linalg.eigvalsh(cov).min() > -1e-12          # positive semi-definite
    np.testing.assert_allclose(cov.sum(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(res.standard_errors, np.sqrt(np.diag(expected)), rtol=1e-10)
    # rank sets from the penalised covariance work (they raised before)
    sets = res.rank_sets(rng=0)
    assert np.all(sets.lower <= sets.upper)


def test_penalised_covariance_on_simulated_annotation():
    data = btstats.simulate_annotation(3, 2, rng=0).data
    res = btstats.fit(data, penalty=0.1)
    s = res.scores.to_numpy()
    n = len(s)
    h = _bt_hessian(res.comparisons.pairs, s) + 0.1 * np.eye(n)
    p = _subspace_basis(n)
    expected = p @ np.linalg.inv(p.T @ h @ p) @ p.T
    np.testing.assert_allclose(res.standard_errors, np.sqrt(np.diag(expected)), rtol=1e-10)


def test_penalised_covariance_with_a_tie_parameter(data_dir):
    counts = pd.read_csv(data_dir / "springall.csv", dtype={"item_a": str, "item_b": str})
    res = btstats.fit(Comparisons.from_counts(counts), "rao-kupper", penalty=0.5)
    x = np.append(res.scores.to_numpy(), res.eta)
    n = res.n_items
    pen = np.diag(np.append(np.full(n, 0.5), 0.0))
    info = -_numeric_hessian(lambda y: _rk_loglik(y, res.comparisons.pairs), x) + pen
    p = np.zeros((n + 1, n))
    p[:n, :n - 1] = _subspace_basis(n)
    p[n, n - 1] = 1.0
    expected = p @ np.linalg.inv(p.T @ info @ p) @ p.T
    np.testing.assert_allclose(res.parameter_covariance.to_numpy(), expected, rtol=1e-5,
                               atol=1e-8)


# ---------------------------------------------------------------------------- item 2
@pytest.mark.parametrize("code", [2 ** 31 + 5, 2 ** 62, 2 ** 63 - 1, 5_000_000])
def test_codes_that_do_not_fit_are_refused_at_once(code):
    with pytest.raises(btstats.DataError, match="item codes must be 0 .. n_items - 1") as err:
        Comparisons.from_arrays([0, code], [code, 0])
    assert f"{code:,}" in str(err.value) and "from_frame" in str(err.value)
    with pytest.raises(btstats.DataError, match="item codes"):
        Comparisons.from_arrays([0, 1], [1, code])


def test_codes_just_inside_the_limit_still_work():
    # 2 rows may name codes up to 2 * rows + 2**20 - 1 (isolated items have no MLE: named)
    c = Comparisons.from_arrays([0, 3], [3, 0])
    assert c.n_items == 4
    with pytest.raises(btstats.NoMLEError, match="no comparisons"):
        btstats.fit(c)


# ---------------------------------------------------------------------------- item 4
def test_weights_whose_sum_overflows_are_refused():
    counts = pd.DataFrame({"item_a": ["x", "x", "y"], "item_b": ["y", "y", "z"],
                           "wins_a": [1e308, 1e308, 1.0], "wins_b": [1.0, 1.0, 1.0],
                           "ties": [0.0, 0.0, 0.0]})
    with pytest.raises(btstats.DataError, match="add up to inf"):
        Comparisons.from_counts(counts)
    wins = np.array([[0, 1e308, 1], [1, 0, 1e308], [1e308, 1, 0]])
    with pytest.raises(btstats.DataError, match="add up to"):
        btstats.fit(Comparisons.from_matrix(wins), penalty=1.0)
    rows = pd.DataFrame({"winner": ["a", "b", "a"], "loser": ["b", "a", "b"],
                         "weight": [1e308, 1e308, 1.0]})
    with pytest.raises(btstats.DataError, match="divide every weight by a common factor"
                       .replace("divide", "Divide")):
        btstats.fit(rows)


def test_large_but_finite_totals_fit():
    res = btstats.fit(Comparisons.from_matrix(np.array([[0, 3e305], [1e305, 0]])), penalty=1.0)
    assert np.isfinite(res.loglik) and np.isfinite(res.aic)
    assert np.all(np.isfinite(res.standard_errors))


# ---------------------------------------------------------------------------- item 5
def test_subnormal_counts_are_refused():
    with pytest.raises(btstats.DataError, match="smallest normal double") as err:
        _two_items(5e-324, 1.0)
    assert "('x', 'y')" in str(err.value)


def test_tiny_normal_counts_give_finite_standard_errors():
    res = btstats.fit(_two_items(1e-300, 1.0))
    assert res.converged
    d = res.scores["x"] - res.scores["y"]
    assert d == pytest.approx(math.log(1e-300), rel=1e-12)
    assert 2 * res.standard_errors["x"] == pytest.approx(math.sqrt(1 / 1e-300 + 1), rel=1e-8)


def test_no_converged_fit_with_nan_standard_errors():
    # when the information underflows, the standard errors are a named error, not NaN
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = btstats.fit(_two_items(1e-300, 1e300), method="newton")
    if not res.converged:
        # the curvature underflows at d = -1381.6: a named warning that says what to do
        msg = [str(w.message) for w in record if w.category is btstats.ConvergenceWarning]
        assert msg and "penalty=" in msg[0]
    else:
        try:
            se = res.standard_errors
        except np.linalg.LinAlgError as exc:
            assert "penalty=" in str(exc)
        else:
            assert np.all(np.isfinite(se))


# ---------------------------------------------------------------------------- item 6
@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_methods_are_scale_free_in_the_weights(scale, method):
    data = btstats.load_example("baseball")
    reference = btstats.fit(data).scores
    a, b, outcome, weight = data.rows()
    w = (np.ones(len(a)) if weight is None else weight) * scale
    res = btstats.fit(Comparisons(data.items, a, b, outcome, w), method=method)
    assert res.converged
    np.testing.assert_allclose(res.scores, reference, atol=1e-8)
    # standard errors scale with 1 / sqrt(scale)
    np.testing.assert_allclose(res.standard_errors * math.sqrt(scale),
                               btstats.fit(data).standard_errors, rtol=1e-6)


def test_penalised_fit_is_scale_free_too():
    data = btstats.load_example("baseball")
    a, b, outcome, weight = data.rows()
    ref = btstats.fit(data, penalty=0.5).scores
    # scaling the weights by c and the penalty by c is the same objective times c
    c = 1e-250
    res = btstats.fit(Comparisons(data.items, a, b, outcome, weight * c), penalty=0.5 * c,
                      method="gradient")
    np.testing.assert_allclose(res.scores, ref, atol=1e-8)


# ---------------------------------------------------------------------------- item 7
def test_bootstrap_of_fractional_counts_agrees_with_wald():
    res = btstats.fit(_two_items(300.0, 100.5))
    boot = res.bootstrap(n_resamples=2000, rng=0)
    assert boot.resampling == "cells"
    wald = res.standard_errors["x"]
    assert wald == pytest.approx(0.5 * math.sqrt(1 / 300 + 1 / 100.5), rel=1e-10)
    # Monte Carlo error of a standard deviation from 2000 draws: about 1.6%
    assert boot.standard_error["x"] == pytest.approx(wald, rel=0.06)
    lo, hi = boot.confidence_interval(interval="bca")
    assert lo["x"] < res.scores["x"] < hi["x"]


def test_bootstrap_of_weighted_rows_agrees_with_wald():
    # long form with fractional row weights: the same multinomial over the cells
    rng = np.random.default_rng(3)
    n = 400
    winners = rng.choice(["a", "b", "c"], n)
    losers = np.array([{"a": "b", "b": "c", "c": "a"}[w] for w in winners])
    flip = rng.random(n) < 0.35
    winners, losers = np.where(flip, losers, winners), np.where(flip, winners, losers)
    df = pd.DataFrame({"winner": winners, "loser": losers, "weight": rng.uniform(0.2, 1.8, n)})
    res = btstats.fit(df)
    boot = res.bootstrap(n_resamples=1000, rng=1)
    np.testing.assert_allclose(boot.standard_error[:3], res.standard_errors, rtol=0.1)


def test_bootstrap_needs_weights_on_the_count_scale():
    res = btstats.fit(_two_items(0.2, 0.1))
    with pytest.raises(btstats.DataError, match="less than one comparison"):
        res.bootstrap(n_resamples=10, rng=0)
    res = btstats.fit(_two_items(3e300, 1e300))
    with pytest.raises(btstats.DataError, match="per replicate"):
        res.bootstrap(n_resamples=10, rng=0)


# ---------------------------------------------------------------------------- internal errors
def test_duplicated_column_names():
    df = pd.DataFrame([["a", "b"], ["b", "a"]], columns=["winner", "winner"])
    with pytest.raises(btstats.DataError, match="repeated column names \\['winner'\\]"):
        btstats.fit(df)
    df = pd.DataFrame([["a", "b", "c"], ["b", "a", "c"]], columns=["winner", "loser", "loser"])
    with pytest.raises(btstats.DataError, match="repeated column names"):
        Comparisons.from_frame(df)


@pytest.mark.parametrize("labels", [
    [frozenset([1]), frozenset([2]), (1,), (2,)],
    [frozenset([1]), (1, 2), frozenset([2]), (3,), "x", 5],
], ids=["frozensets-then-tuples", "mixed"])
def test_unsortable_labels_in_tables(labels):
    winners, losers = [], []
    for i, a in enumerate(labels):
        for j, b in enumerate(labels):
            if i != j:
                winners.append(a)
                losers.append(b)
    res = btstats.fit(pd.DataFrame({"winner": winners, "loser": losers}))
    table = res.to_frame()
    assert len(table) == len(labels) and set(table["item"]) == set(labels)
    assert "frozenset({1})" in res.summary()
    assert "frozenset" in res._repr_html_()


@pytest.mark.parametrize("level", ["0.9", None, 1.5, 0, True, float("nan")])
def test_confidence_level_must_be_a_number_in_0_1(level):
    res = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(ValueError, match="`confidence_level` must be a number in \\(0, 1\\)"):
        res.confidence_interval(level)
    boot = res.bootstrap(n_resamples=20, rng=0)
    with pytest.raises(ValueError, match="`confidence_level`"):
        boot.confidence_interval(level)


@pytest.mark.parametrize("argument", ["method", "ties", "covariance_type"])
@pytest.mark.parametrize("value", [pd.NA, np.nan, np.array(["newton"]), ["newton"]])
def test_unusual_values_of_choice_arguments(argument, value):
    with pytest.raises(ValueError, match=f"`{argument}` must be one of"):
        btstats.fit(btstats.load_example("baseball"), **{argument: value})


def test_choice_arguments_accept_string_subclasses():
    res = btstats.fit(btstats.load_example("baseball"), method=np.str_("mm"))
    assert res.converged


def test_nullable_boolean_ties_with_missing_values():
    ties = pd.array([True, pd.NA, False], dtype="boolean")
    with pytest.raises(btstats.DataError, match="`ties` has 1 missing value.*rows 1"):
        Comparisons.from_arrays([0, 1, 2], [1, 2, 0], ties=ties)
    ok = Comparisons.from_arrays([0, 1, 2], [1, 2, 0],
                                 ties=pd.array([True, False, False], dtype="boolean"))
    assert ok.n_ties == 1


def test_unknown_item_in_probabilities_is_a_key_error_naming_it():
    res = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(KeyError, match="Nowhere"):
        res.probabilities("Nowhere", "Boston")
    assert "KeyError" in type(res).probabilities.__doc__


@pytest.mark.parametrize("text, match", [
    ("null", "found NoneType"),
    ("[1, 2, 3]", "found int"),
    ('"battles"', "found str"),
    ("[" * 5000, "nested too deeply"),
], ids=["null", "numbers", "string", "nested"])
def test_json_files_that_hold_no_records(tmp_path, text, match):
    path = tmp_path / "battles.json"
    path.write_text(text)
    with pytest.raises(btstats.DataError, match=match):
        btstats.fit(str(path))


def test_fit_of_json_records_still_works(tmp_path):
    path = tmp_path / "battles.json"
    path.write_text(json.dumps([{"model_a": "x", "model_b": "y", "winner": "model_a"},
                                {"model_a": "y", "model_b": "x", "winner": "model_a"}]))
    res = btstats.fit(str(path))
    assert res.n_comparisons == 2


def test_warnings_are_named():
    # an unconverged fit is a ConvergenceWarning, never a RuntimeWarning from numpy
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = btstats.fit(_two_items(1e-300, 1.0))
        _ = res.standard_errors
    assert not [w for w in record if w.category is RuntimeWarning]


# ---------------------------------------------------------------------------- found by the fuzz suite
def test_probabilities_of_mismatched_or_unhashable_labels():
    res = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(ValueError, match="same length"):
        res.probabilities(["Boston", "Detroit"], ["Boston", "Detroit", "Toronto"])
    for bad in ([["Boston"]], {"Boston": 1}, {"Boston"}):
        with pytest.raises(TypeError, match="`a` must be an item label"):
            res.probabilities(bad, "Detroit")


def test_sizes_that_cannot_fit_in_memory_are_refused_at_once():
    res = btstats.fit(btstats.load_example("baseball"))
    with pytest.raises(ValueError, match="`n_resamples` = 10,000,000,000,000 is too large"):
        res.bootstrap(n_resamples=10 ** 13)
    with pytest.raises(ValueError, match="`n` = 10,000,000,000,000 is too large"):
        btstats.get_model("bradley-terry").rvs([0.0, 1.0], [[0, 1]], n=10 ** 13)


def test_integers_beyond_int64_are_named():
    with pytest.raises(ValueError, match="`max_iter` must be at most 2\\*\\*63 - 1"):
        btstats.fit(btstats.load_example("baseball"), max_iter=10 ** 30)
    with pytest.raises(ValueError, match="`n_categories`"):
        btstats.accuracy_bounds(0.9, 10 ** 400)


@pytest.mark.parametrize("kwargs, match", [
    ({"d": ["x"]}, "`d` must hold numbers"),
    ({"d": [0.0], "eta": pd.NA}, "`eta` must be a finite number"),
    ({"d": [0.0], "eta": float("nan")}, "`eta` must be a finite number"),
    ({"d": [0.0, 3.0], "eta": -1.0}, "`eta` must be >= 0"),
])
def test_model_probabilities_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        btstats.get_model("rao-kupper").probabilities(**kwargs)


@pytest.mark.parametrize("outcome", [pd.array([True, None], dtype="boolean"),
                                     pd.array([1, None], dtype="Int64"),
                                     pd.array(["a", None], dtype="string")],
                         ids=["boolean", "Int64", "string"])
def test_missing_outcomes_in_nullable_columns_are_named(outcome):
    df = pd.DataFrame({"item_a": list("ab"), "item_b": list("ba"), "outcome": outcome})
    with pytest.raises(btstats.DataError, match="rows 1"):
        Comparisons.from_frame(df)


def test_missing_optional_arena_column_is_named():
    df = pd.DataFrame({"model_a": ["a"], "model_b": ["b"], "winner": ["model_a"]})
    with pytest.raises(btstats.DataError, match="'weight' is missing"):
        Comparisons.from_arena(df, weight="weight")


def test_empty_csv_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(btstats.DataError, match="empty"):
        btstats.read_comparisons(path)


@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_tie_parameter_below_double_precision_is_a_warning_not_a_crash(method):
    # ties are 8 in 1.5e20 comparisons: the MLE of eta (~1e-19) is below what log F resolves
    # at these gaps; the fit must end in a flag and a ConvergenceWarning, not a
    # ZeroDivisionError, and never claim convergence with a non-finite log-likelihood
    counts = pd.DataFrame({"item_a": ["alpha"] * 5 + ["bravo", "charlie", "delta"],
                           "item_b": ["bravo"] * 5 + ["charlie", "delta", "alpha"],
                           "wins_a": [2.0 ** 64] * 8, "wins_b": [1.0] * 8, "ties": [1.0] * 8})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        res = btstats.fit(Comparisons.from_counts(counts), "rao-kupper", method=method)
    if res.converged:
        assert np.isfinite(res.loglik)
    else:
        assert any(w.category is btstats.ConvergenceWarning for w in record)
    assert np.all(np.isfinite(res.scores))


def test_unhashable_labels_are_named(tmp_path):
    path = tmp_path / "lists.json"
    path.write_text('[{"winner": ["a"], "loser": "b"}, {"winner": "b", "loser": "a"}]')
    with pytest.raises(btstats.DataError, match="not hashable.*rows 0"):
        btstats.read_comparisons(path)


def test_ties_drop_that_leaves_nothing():
    data = Comparisons.from_arrays([0, 0], [1, 1], ties=[True, True])
    with pytest.raises(btstats.TiesError, match="leaves nothing to fit"):
        btstats.fit(data, ties="drop", penalty=0.01)


def test_codes_beyond_the_items_given_are_named():
    with pytest.raises(btstats.DataError, match="must lie in 0..2"):
        Comparisons.from_arrays([0, 2 ** 32 + 1], [1, 0], items=["a", "b", "c"])


def test_broadcast_views_too_long_to_exist_are_refused():
    big = 10 ** 12
    with pytest.raises(ValueError, match="`winners` = 1,000,000,000,000 is too large"):
        Comparisons.from_arrays(np.broadcast_to(np.array([0]), (big,)),
                                np.broadcast_to(np.array([1]), (big,)))
    with pytest.raises(ValueError, match="`pairs` = 1,000,000,000,000 is too large"):
        btstats.given_pairs(np.broadcast_to(np.array([[0, 1]]), (big, 2)))


def test_newton_stops_only_when_the_full_step_is_small():
    # two items, 1e12 wins : 1 loss : 1e6 ties.  The saturated closed form:
    # logistic(d - eta) = w / n, logistic(-d - eta) = l / n.  The one-coordinate steps are
    # below tol long before d and eta are (condition ~1e6 between them): found by
    # tests/test_extreme_gaps.py
    w, l, t = 1e12, 1.0, 1e6
    n = w + l + t
    d = (special.logit(w / n) - special.logit(l / n)) / 2
    eta = -(special.logit(w / n) + special.logit(l / n)) / 2
    res = btstats.fit(_two_items(w, l, t), "rao-kupper")
    assert res.converged
    assert res.scores["x"] - res.scores["y"] == pytest.approx(d, abs=1e-8)
    assert res.eta == pytest.approx(eta, abs=1e-8)
    # Davidson's saturated fit: z = log(w / l), nu = t / sqrt(w l) = 1.  Its Newton is slow
    # at this ratio (a known limit): it must flag, not stop early with a wrong answer
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        core = btstats.fit(_two_items(w, l, t), "davidson")
    if core.converged:
        assert 2 * core.scores["x"] == pytest.approx(math.log(w / l), abs=1e-8)
        assert core.params["nu"] == pytest.approx(1.0, abs=1e-8)
    else:
        assert any(r.category is btstats.ConvergenceWarning for r in record)


def test_more_fuzz_findings(tmp_path):
    # N29: -0.0 is 0; N30: a flag given as pd.NA; N32: a file that is not Parquet;
    # N34: scores given as strings
    btstats.simulate_annotation(1, 2, response_sd=-0.0, rng=0)
    with pytest.raises(ValueError, match="`as_frame` must be one of"):
        btstats.load_example("baseball", as_frame=pd.NA)
    path = tmp_path / "x.parquet"
    path.write_text("not parquet")
    with pytest.raises(btstats.DataError, match="not a readable Parquet file"):
        btstats.read_comparisons(path)
    with pytest.raises(btstats.DataError, match="must hold numbers"):
        btstats.order_consistency(pd.Series([0.0, 1.0], index=["a", "b"]),
                                  pd.Series(["x", "y"], index=["a", "b"], dtype="str"))
