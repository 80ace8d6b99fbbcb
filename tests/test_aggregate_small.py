"""The bundled examples' few rows are counted with numpy (loading one compiles nothing); the
counts equal the compiled aggregation's (dense and sorted paths), bad rows are refused the
same way.  The existence check's diagnosis (scipy) agrees with the compiled check."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import btstats
from btstats._kernels import aggregate as _agg
from btstats.data import comparisons as _c
from btstats.data.rows import kernel_array, kernel_codes


def _kernel(n, a, b, outcome, weight):
    o = kernel_array(outcome if outcome is not None else np.zeros(0, np.int8))
    w = kernel_array(weight if weight is not None else np.zeros(0), np.float64)
    ka, kb = kernel_codes(a, b)
    dense = _agg.aggregate_dense(n, ka, kb, o, w, outcome is not None, weight is not None)
    sorted_ = _agg.aggregate_sorted(n, ka, kb, o, w, outcome is not None, weight is not None)
    return dense, sorted_


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 12), m=st.integers(1, 200),
       kind=st.sampled_from(["plain", "outcome", "weighted", "integer weights"]))
def test_numpy_counts_equal_the_kernels(seed, n, m, kind):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    outcome = None if kind == "plain" else rng.integers(0, 3, m).astype(np.int8)
    weight = None
    if kind == "weighted":
        weight = rng.choice([0.0, 0.25, 1.0, 3.5], m)
    elif kind == "integer weights":
        weight = rng.integers(0, 4, m).astype(float)
    got = _c._numpy_pairs(n, a, b, outcome, weight)
    for want in _kernel(n, a, b, outcome, weight):
        assert got[0] == want[0] == _agg.OK
        for g, w in zip(got[1:3], want[1:3]):
            np.testing.assert_array_equal(g, w)
        for g, w in zip(got[3:], want[3:]):
            if kind == "weighted":
                np.testing.assert_allclose(g, w, rtol=1e-15, atol=0)
            else:
                np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("row", [
    dict(a=[0, 1, 5], b=[1, 2, 0]),                 # code out of range
    dict(a=[0, 1, 1], b=[1, 2, 1]),                 # self-comparison
    dict(a=[0, -1, 1], b=[1, 2, 0]),                # negative code
    dict(a=[0, 1, 2], b=[1, 2, 0], outcome=[0, 3, 1]),
    dict(a=[0, 1, 2], b=[1, 2, 0], weight=[1.0, -1.0, 1.0]),
    dict(a=[0, 1, 2], b=[1, 2, 0], weight=[1.0, np.nan, 1.0]),
    dict(a=[0, 1, 2], b=[1, 2, 0], weight=[1.0, np.inf, 1.0]),
])
def test_bad_rows_are_bad_for_both(row):
    a, b = np.array(row["a"]), np.array(row["b"])
    outcome = np.array(row["outcome"], np.int8) if "outcome" in row else None
    weight = np.array(row["weight"]) if "weight" in row else None
    assert _c._numpy_pairs(3, a, b, outcome, weight)[0] == _agg.BAD_ROWS
    if a.min() >= 0:
        assert _kernel(3, a, b, outcome, weight)[0][0] == _agg.BAD_ROWS


def test_both_sides_of_the_threshold_give_the_same_counts(monkeypatch):
    rng = np.random.default_rng(4)
    m = 3000
    w = rng.integers(0, 6, m)
    l_ = (w + rng.integers(1, 6, m)) % 6
    ties = rng.random(m) < 0.2
    with _c.numpy_counts():
        numpy_side = btstats.Comparisons.from_arrays(w, l_, ties=ties).pairs
    kernel_side = btstats.Comparisons.from_arrays(w, l_, ties=ties).pairs
    monkeypatch.setattr(_c, "NUMPY_MAX_ROWS", m - 1)
    with _c.numpy_counts():
        past_the_threshold = btstats.Comparisons.from_arrays(w, l_, ties=ties).pairs
    for g, k, p in zip(numpy_side.arrays(), kernel_side.arrays(), past_the_threshold.arrays()):
        np.testing.assert_array_equal(g, k)
        np.testing.assert_array_equal(p, k)


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(2, 10), m=st.integers(1, 40),
       ties_both_ways=st.booleans())
def test_scipy_existence_check_equals_the_kernel(seed, n, m, ties_both_ways):
    # the diagnosis counts scipy's strong components of the win edges: one exactly when the
    # compiled sweeps and searches find the graph strongly connected
    from btstats import _checks
    from btstats._kernels import graph as _graph
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    outcome = rng.choice(np.array([0, 1, 2], np.int8), m, p=[0.6, 0.25, 0.15])
    pairs = btstats.Comparisons.from_arrays(a, b, ties=outcome == 2, items=range(n)).pairs
    args = (n, *pairs.arrays(), ties_both_ways)
    edges = _checks._win_edges(*pairs.arrays(), ties_both_ways)
    assert (_checks._strong_components(n, *edges) == 1) == bool(_graph.strongly_connected(*args))
    assert _checks.strongly_connected(*args) == bool(_graph.strongly_connected(*args))
