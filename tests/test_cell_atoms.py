"""The fast paths of the core's sandwich agree with the general constructions they replace:
the kinds of comparison of one-cell-per-row data (continuous covariates on more than 4,096 rows: ``row_atoms`` = ``comparison_atoms`` of
``row_cells``), the meat of the kinds (``meat_kinds`` = ``meat_units``), the observed
information from Newton's last pass (= a fresh pass at the estimate)."""
import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

import btstats
from btstats._kernels import cells as _kc
from btstats._kernels import robust_cells as _krc
from btstats.data.cells import comparison_atoms, row_atoms


def _frame(seed, m, n_items, weighted, tie_share):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_items, m)
    b = (a + rng.integers(1, n_items, m)) % n_items
    u = rng.random(m)
    outcome = np.where(u < tie_share, "tie", np.where(rng.random(m) < 0.5, "a", "b"))
    df = pd.DataFrame({"item_a": a, "item_b": b, "outcome": outcome,
                       "x": rng.normal(size=m), "y": rng.normal(size=m)})
    if weighted:
        df["weight"] = rng.choice([0.0, 1.0, 2.5], m)
    return df


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), m=st.integers(4200, 6000), weighted=st.booleans(),
       tie_share=st.sampled_from([0.0, 0.2, 0.6]))
def test_row_atoms_equal_the_general_atoms(seed, m, weighted, tie_share):
    df = _frame(seed, m, 5, weighted, tie_share)
    kw = {"weight": "weight"} if weighted else {}
    res = btstats.fit(df, covariates=["x", "y"], ties="half", penalty=0.1, **kw)
    cells = res._cells
    assert cells.rows_are_cells
    if not res._halved_ties():
        return
    general = comparison_atoms(*res._row_cells(), cells.ci.shape[0])
    fast = row_atoms(res.comparisons, cells)
    for u, v in zip(general, fast):
        np.testing.assert_array_equal(u, v)
    # and the meat of the kinds equals the general sum over sparse unit vectors
    args = res._kernel_args()
    g = _kc.cell_scores(*args, cells.ci, cells.cj, cells.cx, cells.ck, None)
    m_units = _krc.meat_units(res.n_items, cells.n_lin, cells.ci, cells.cj, cells.cx, g,
                              *fast, None)
    m_kinds, ok = _krc.meat_kinds(res.n_items, cells.n_lin, cells.ci, cells.cj, cells.cx, g,
                                  *fast, None)
    assert ok
    np.testing.assert_allclose(m_kinds, m_units, rtol=1e-12, atol=1e-12)


def test_meat_kinds_refuses_units_across_pairs():
    df = _frame(0, 200, 5, False, 0.2)
    res = btstats.fit(df, covariates=["x"], ties="half")
    c = res._cells
    g = _kc.cell_scores(*res._kernel_args(), c.ci, c.cj, c.cx, c.ck, None)
    first = np.flatnonzero((c.ci != c.ci[0]) | (c.cj != c.cj[0]))[0]
    ptr = np.array([0, 2], np.int64)
    cell = np.array([0, first], np.int64)
    _, ok = _krc.meat_kinds(res.n_items, c.n_lin, c.ci, c.cj, c.cx, g, ptr, cell,
                            np.array([0.5, 0.5]), np.ones(1), None)
    assert not ok


def test_information_from_the_last_pass_equals_a_fresh_pass():
    df = _frame(1, 3000, 8, True, 0.3)
    res = btstats.fit(df, "davidson", covariates=["x", "y"], order_effect=False)
    assert res._last_pass is not None
    c = res._cells
    fresh = _kc.information_cells(*res._kernel_args(), *c.arrays(), None)
    reused = _kc.information_from_pass(res.n_items, c.ci, c.cj, *res._last_pass)
    np.testing.assert_allclose(reused, fresh, rtol=1e-9, atol=1e-9)


def _pair_structure_numpy(n, n_categories, ci, cj, ck):
    # the general (sorting) construction, for any n
    key = np.asarray(ci, np.int64) * n + np.asarray(cj, np.int64)
    uniq, cpair = np.unique(key, return_inverse=True)
    mid = (n_categories - 1) / 2.0
    cclass = np.where(ck > mid, 0, np.where(ck < mid, 1, 2))
    return cpair, cclass, uniq // n, uniq % n


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n=st.integers(1, 30), m=st.integers(1, 300),
       k=st.integers(2, 7))
def test_dense_pair_structure_equals_the_sorting_one(seed, n, m, k):
    from btstats.data.cells import pair_structure
    rng = np.random.default_rng(seed)
    ci = rng.integers(0, n, m).astype(np.int32)
    cj = rng.integers(0, n, m).astype(np.int32)
    ck = rng.integers(0, k, m)
    got = pair_structure(n, k, ci, cj, ck)
    want = _pair_structure_numpy(n, k, ci, cj, ck)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
