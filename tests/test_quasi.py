"""Quasi-variances against R's qvcalc (tests/data/r/issue12_references.R; qvcalc 1.0.2 on
BradleyTerry2 fits of baseball), and their invariances."""
import json
import pathlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import btstats
from btstats.exceptions import DataError
from btstats.inference.quasi import quasi_variances

DATA = pathlib.Path(__file__).parent / "data"
CASES = ["baseball.qv_bt", "baseball.qv_thurstone", "baseball.qv_bt_home"]


def _ref(name):
    return json.loads((DATA / f"{name}.json").read_text())


@pytest.mark.parametrize("name", CASES)
def test_quasi_variances_equal_qvcalc_on_its_own_covariance(name):
    ref = _ref(name)
    items = ref["items"]
    cov = np.array(ref["covmat"]["matrix"], dtype=float)
    est = pd.Series([ref["estimate"][i] for i in items], index=items)
    qv = quasi_variances(est, cov)
    # qvcalc's glm stops at a relative deviance change of 1e-8; the polished solution is the
    # exact minimiser (Newton to |grad S| < 1e-13 in R)
    polished = np.array([ref["polished"]["quasi_var"][i] for i in items])
    np.testing.assert_allclose(qv.quasi_variance.to_numpy(), polished, rtol=0, atol=1e-10)
    r_qv = np.array([ref["quasi_var"][i] for i in items])
    np.testing.assert_allclose(qv.quasi_variance.to_numpy(), r_qv, atol=1e-8)
    rel = {tuple(k.split(",")): v for k, v in ref["relerrs"].items()}
    got = {(a, b): e for a, b, e in qv.relative_errors[["item_1", "item_2",
                                                        "relative_error"]].itertuples(index=False)}
    for key, value in rel.items():
        assert got[key] == pytest.approx(value, abs=1e-7)
    assert qv.worst_errors.loc["simple", "min"] == pytest.approx(
        ref["worst_relerr_simple"]["min"], abs=1e-7)
    assert qv.worst_errors.loc["all", "max"] == pytest.approx(
        ref["worst_relerr_all"]["max"], abs=1e-7)
    assert qv.worst_errors.loc["all", "min"] == pytest.approx(
        ref["worst_relerr_all"]["min"], abs=1e-7)


def test_the_fit_method_equals_qvcalc_on_btstats_own_covariance():
    ref = _ref("baseball.qv_bt")
    fit = btstats.fit(btstats.load_example("baseball"))
    qv = fit.quasi_variances()
    polished = pd.Series(ref["polished"]["quasi_var"])
    np.testing.assert_allclose(qv.quasi_variance[polished.index].to_numpy(),
                               polished.to_numpy(), atol=1e-8)
    ci = qv.confidence_interval()
    assert (ci.low < qv.estimate).all() and (qv.estimate < ci.high).all()
    assert "Quasi-variances" in qv.summary()


@settings(max_examples=30, deadline=None)
@given(shift=st.floats(-5, 5), seed=st.integers(0, 10_000))
def test_reference_item_and_shift_do_not_matter(shift, seed):
    rng = np.random.default_rng(seed)
    n = 5
    a = rng.standard_normal((n, n))
    v = a @ a.T + n * np.eye(n)
    p = np.eye(n) - 1.0 / n
    centred = p @ v @ p
    ref = centred.copy()
    ref[0, :] = 0.0
    ref[:, 0] = 0.0
    # the covariance with item 0 as reference: Var(s_i - s_0)
    c = np.eye(n) - np.outer(np.ones(n), np.eye(n)[0])
    ref = c @ centred @ c.T
    est = pd.Series(rng.standard_normal(n), index=list("abcde"))
    q1 = quasi_variances(est, centred).quasi_variance
    q2 = quasi_variances(est + shift, ref).quasi_variance
    np.testing.assert_allclose(q1, q2, atol=1e-9)


def test_exact_when_the_covariance_is_diagonal():
    est = pd.Series([0.0, 1.0, 2.0], index=list("abc"))
    v = np.diag([0.1, 0.2, 0.3])
    qv = quasi_variances(est, v)
    np.testing.assert_allclose(qv.quasi_variance, [0.1, 0.2, 0.3], atol=1e-12)
    assert qv.objective < 1e-20


def test_bad_input_is_named():
    with pytest.raises(DataError, match="at least 3 items"):
        quasi_variances(pd.Series([0.0, 1.0], index=list("ab")), np.eye(2))
    with pytest.raises(ValueError, match="must be 3 x 3"):
        quasi_variances(pd.Series([0.0, 1.0, 2.0], index=list("abc")), np.eye(2))
    with pytest.raises(DataError, match="not positive"):
        quasi_variances(pd.Series([0.0, 1.0, 2.0], index=list("abc")), np.ones((3, 3)))
    with pytest.raises(DataError, match="NaN or inf"):
        quasi_variances(pd.Series([0.0, 1.0, 2.0], index=list("abc")), np.full((3, 3), np.nan))
