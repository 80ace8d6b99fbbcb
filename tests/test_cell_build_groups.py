"""The group-keyed cell builder (:func:`btstats._kernels.cell_build.build_group_cells_arrays`,
the annotator model's aggregation) against ``np.unique`` of the cell key with ``np.bincount``,
and against :func:`build_cells_arrays` applied to each group's rows.

Both paths (packed radix sort, lexicographic sort) add a cell's weights in row order, as
``np.bincount`` does, so they agree with each other bit for bit.
"""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from btstats._kernels import cell_build

PATHS = [None, "sort", "lex"]
NAMES = ["cg", "ci", "cj", "co", "ck", "cw"]
DTYPES = [np.int64, np.int32, np.int32, np.float64, np.int64, np.float64]


def oracle(g, a, b, k, w, o, n, n_cat):
    """The numpy group cell builder: orient, key, ``np.unique`` + ``np.bincount``."""
    flip = a > b
    ci = np.where(flip, b, a)
    cj = np.where(flip, a, b)
    co = np.where(flip, -o, o)
    ck = np.where(flip, n_cat - 1 - k, k)
    key = (((g * n + ci) * n + cj) * 3 + (co.astype(np.int64) + 1)) * n_cat + ck
    uniq, inv = np.unique(key, return_inverse=True)
    cw = np.bincount(inv.ravel(), weights=w, minlength=uniq.shape[0])
    keep = cw > 0
    uniq, cw = uniq[keep], cw[keep]
    ck_u = uniq % n_cat
    rest = uniq // n_cat
    co_u = (rest % 3).astype(float) - 1.0
    rest //= 3
    cj_u = rest % n
    rest //= n
    return (rest // n, (rest % n).astype(np.int32), cj_u.astype(np.int32), co_u,
            ck_u.astype(np.int64), cw)


def assert_same(got, want, exact=False):
    assert len(got) == 6
    for x, y, name, dt in zip(got, want, NAMES, DTYPES):
        assert x.dtype == dt, name
        assert x.shape == y.shape, name
        assert x.flags.c_contiguous, name
    for x, y in zip(got[:5], want[:5]):
        assert_array_equal(x, y)
    if exact:
        assert_array_equal(got[5], want[5])
    else:
        assert_allclose(got[5], want[5], rtol=1e-12, atol=0)
    assert np.all(got[5] > 0) and np.all(got[1] < got[2])


@st.composite
def rows(draw, max_items=9, max_groups=5, max_rows=60):
    """``(g, a, b, k, w, o, n_groups, n_items, n_cat)`` with ``a != b``; ``o`` all zeros half
    the time."""
    n = draw(st.integers(2, max_items))
    n_groups = draw(st.integers(1, max_groups))
    n_cat = draw(st.sampled_from([2, 3, 5]))
    m = draw(st.integers(1, max_rows))
    row = st.tuples(st.integers(0, n_groups - 1), st.integers(0, n - 1),
                    st.integers(1, n - 1), st.integers(0, n_cat - 1),
                    st.sampled_from([0.0, 1.0, 1.0, 0.5, 1.0 / 3.0, 2.0, 7.25]),
                    st.sampled_from([-1.0, 0.0, 1.0]))
    r = draw(st.lists(row, min_size=m, max_size=m))
    g = np.array([x[0] for x in r], np.int64)
    a = np.array([x[1] for x in r], np.int64)
    b = (a + np.array([x[2] for x in r], np.int64)) % n
    k = np.array([x[3] for x in r], np.int64)
    w = np.array([x[4] for x in r])
    o = np.array([x[5] for x in r]) if draw(st.booleans()) else np.zeros(m)
    return g, a, b, k, w, o, n_groups, n, n_cat


@given(rows())
def test_every_path_matches_the_numpy_oracle(case):
    g, a, b, k, w, o, n_groups, n, n_cat = case
    want = oracle(g, a, b, k, w, o, n, n_cat)
    for path in PATHS:
        assert_same(cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, n_cat,
                                                        path=path), want)


@given(rows())
def test_each_group_holds_the_cells_of_its_rows(case):
    g, a, b, k, w, o, n_groups, n, n_cat = case
    got = cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, n_cat)
    assert np.all(np.diff(got[0]) >= 0)
    for q in range(n_groups):
        sel = g == q
        want = cell_build.build_cells_arrays(a[sel], b[sel], k[sel], w[sel], o[sel], n, n_cat)
        mine = got[0] == q
        for x, y in zip(got[1:], want):
            assert_array_equal(x[mine], y)


def test_the_paths_agree_bit_for_bit_on_many_rows():
    rng = np.random.default_rng(3)
    m, n, n_groups = 20_000, 40, 30
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    g = rng.integers(0, n_groups, m)
    k = rng.integers(0, 3, m)
    w = rng.random(m) * 3.0
    o = rng.choice([-1.0, 0.0, 1.0], m)
    sort = cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, 3, path="sort")
    lex = cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, 3, path="lex")
    assert_same(sort, lex, exact=True)
    assert_same(sort, oracle(g, a, b, k, w, o, n, 3))


def test_no_order_is_all_zeros_and_empty_input():
    g = np.array([0, 1, 0])
    a, b = np.array([1, 0, 2]), np.array([0, 1, 1])
    k, w = np.array([1, 0, 1]), np.ones(3)
    none = cell_build.build_group_cells_arrays(g, a, b, k, w, None, 2, 3, 2)
    zeros = cell_build.build_group_cells_arrays(g, a, b, k, w, np.zeros(3), 2, 3, 2)
    assert_same(none, zeros, exact=True)
    assert_same(none, oracle(g, a, b, k, w, np.zeros(3), 3, 2))
    empty = cell_build.build_group_cells_arrays(g[:0], a[:0], b[:0], k[:0], w[:0], None, 2, 3,
                                                2)
    assert [x.shape[0] for x in empty] == [0] * 6
    assert [x.dtype for x in empty] == DTYPES


def test_wide_keys_take_the_lexicographic_path():
    # 2**20 groups and 2**20 items: the packed key needs 21 + 2 * 20 + 2 + 1 > 62 bits
    n, n_groups = 1 << 20, 1 << 20
    g = np.array([n_groups - 1, 0, n_groups - 1, 5])
    a = np.array([n - 1, 3, 7, n - 1])
    b = np.array([7, 2, n - 1, 0])
    k = np.array([1, 1, 0, 0])           # rows 0 and 2 are one cell
    w = np.array([1.0, 2.0, 0.5, 1.0])
    o = np.array([1.0, -1.0, -1.0, 0.0])
    assert not cell_build._group_key_fits(n_groups, n, 2, True)
    with pytest.raises(ValueError, match="62 bits"):
        cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, 2, path="sort")
    got = cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, 2)
    assert_same(got, oracle(g, a, b, k, w, o, n, 2))
    assert got[0].tolist() == [0, 5, n_groups - 1]
    assert got[5].tolist() == [2.0, 1.0, 1.5]
    with pytest.raises(ValueError, match="`path`"):
        cell_build.build_group_cells_arrays(g, a, b, k, w, o, n_groups, n, 2, path="dense")
