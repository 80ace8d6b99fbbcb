"""The compiled cell builder (:mod:`btstats._kernels.cell_build`) against the numpy code it
replaces: ``np.unique`` of the cell key with ``np.bincount``, written out below as the oracle.

Every path (dense table, radix sort, lexicographic sort) must give the same cells in the same
order with the same dtypes; the weights of a cell are added in row order by every path, so
they agree bit for bit (the comparisons use ``rtol=1e-12`` except the one test that checks
exactly that).
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from btstats._kernels import cell_build

PATHS = [None, "dense", "sort", "lex"]


def oracle(a, b, k, w, o, n, n_cat):
    """The numpy cell builder: orient, key, ``np.unique`` + ``np.bincount``."""
    flip = a > b
    ci = np.where(flip, b, a)
    cj = np.where(flip, a, b)
    co = np.where(flip, -o, o)
    ck = np.where(flip, n_cat - 1 - k, k)
    key = ((ci * n + cj) * 3 + (co.astype(np.int64) + 1)) * n_cat + ck
    uniq, inv = np.unique(key, return_inverse=True)
    cw = np.bincount(inv, weights=w, minlength=uniq.shape[0])
    keep = cw > 0
    uniq = uniq[keep]
    cw = cw[keep]
    ck_u = uniq % n_cat
    rest = uniq // n_cat
    co_u = (rest % 3).astype(float) - 1.0
    rest //= 3
    return ((rest // n).astype(np.int32), (rest % n).astype(np.int32), co_u,
            ck_u.astype(np.int64), cw)


def oracle_lexicographic(a, b, k, w, o, n_cat):
    """The same cells by a lexicographic ``np.unique(axis=0)`` of the columns, no key (for
    item counts whose key would overflow int64)."""
    flip = a > b
    cols = np.stack([np.where(flip, b, a), np.where(flip, a, b),
                     np.where(flip, -o, o).astype(np.int64) + 1,
                     np.where(flip, n_cat - 1 - k, k)], axis=1)
    uniq, inv = np.unique(cols, axis=0, return_inverse=True)
    cw = np.bincount(inv.ravel(), weights=w, minlength=uniq.shape[0])
    keep = cw > 0
    uniq = uniq[keep]
    return (uniq[:, 0].astype(np.int32), uniq[:, 1].astype(np.int32),
            uniq[:, 2].astype(float) - 1.0, uniq[:, 3].astype(np.int64), cw[keep])


def assert_same_cells(got, want, exact=False):
    assert len(got) == 5
    for g, e, name in zip(got, want, ["ci", "cj", "co", "ck", "cw"]):
        assert g.dtype == e.dtype, name
        assert g.shape == e.shape, name
        assert g.flags.c_contiguous, name
    for g, e in zip(got[:4], want[:4]):
        assert_array_equal(g, e)
    if exact:
        assert_array_equal(got[4], want[4])
    else:
        assert_allclose(got[4], want[4], rtol=1e-12, atol=0)
    assert np.all(got[4] > 0)
    assert np.all(got[0] < got[1])


WEIGHTS = st.sampled_from([0.0, 1.0, 1.0, 2.0, 0.5, 1.0 / 3.0, 0.1, 7.25, 1e-3, 123.456])


@st.composite
def rows(draw, max_items=12, max_rows=60):
    """``(a, b, k, w, o, n_items, n_cat)`` with ``a != b``; ``o`` all zeros half the time."""
    n = draw(st.integers(2, max_items))
    n_cat = draw(st.sampled_from([2, 3, 5]))
    m = draw(st.integers(1, max_rows))
    pair = st.tuples(st.integers(0, n - 1), st.integers(1, n - 1))
    pairs = draw(st.lists(pair, min_size=m, max_size=m))
    a = np.array([x for x, _ in pairs], np.int64)
    b = (a + np.array([d for _, d in pairs], np.int64)) % n
    k = np.array(draw(st.lists(st.integers(0, n_cat - 1), min_size=m, max_size=m)), np.int64)
    w = np.array(draw(st.lists(WEIGHTS, min_size=m, max_size=m)), float)
    if draw(st.booleans()):
        o = np.array(draw(st.lists(st.sampled_from([-1.0, 0.0, 1.0]), min_size=m,
                                   max_size=m)))
    else:
        o = np.zeros(m)
    return a, b, k, w, o, n, n_cat


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=50)
@given(data=rows())
def test_matches_numpy(path, data):
    a, b, k, w, o, n, n_cat = data
    got = cell_build.build_cells_arrays(a, b, k, w, o, n, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, n, n_cat))


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=30)
@given(data=rows())
def test_weights_summed_in_row_order(path, data):
    # every path is stable: a cell's weights are added in row order, as np.bincount does
    a, b, k, w, o, n, n_cat = data
    w = w * np.pi  # sums that round
    got = cell_build.build_cells_arrays(a, b, k, w, o, n, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, n, n_cat), exact=True)


@pytest.mark.parametrize("path", PATHS)
@settings(max_examples=20)
@given(data=rows())
def test_no_order_is_all_zeros(path, data):
    a, b, k, w, o, n, n_cat = data
    got = cell_build.build_cells_arrays(a, b, k, w, None, n, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, np.zeros(a.shape[0]), n, n_cat))


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("n_cat", [2, 3, 5])
def test_random_rows(path, n_cat):
    # more rows than hypothesis draws: several radix passes, repeated cells, every category
    rng = np.random.default_rng(20240611 + n_cat)
    n, m = 40, 20_000
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    k = rng.integers(0, n_cat, m)
    w = rng.exponential(size=m) * (rng.random(m) < 0.9)  # some zero weights
    o = rng.integers(-1, 2, m).astype(float)
    got = cell_build.build_cells_arrays(a, b, k, w, o, n, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, n, n_cat), exact=True)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("n_cat", [2, 3, 5])
def test_single_row(path, n_cat):
    a, b = np.array([4]), np.array([1])
    k, w, o = np.array([0]), np.array([2.5]), np.array([1.0])
    got = cell_build.build_cells_arrays(a, b, k, w, o, 6, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, 6, n_cat), exact=True)
    ci, cj, co, ck, cw = got
    assert (ci[0], cj[0], co[0], ck[0], cw[0]) == (1, 4, -1.0, n_cat - 1, 2.5)


@pytest.mark.parametrize("path", PATHS)
def test_all_rows_in_one_cell(path):
    # (2, 5, k, o) and its mirror image (5, 2, K - 1 - k, -o) are the same cell
    m, n_cat = 1000, 5
    a = np.where(np.arange(m) % 2 == 0, 2, 5)
    b = 7 - a
    k = np.where(a == 2, 3, 1)
    o = np.where(a == 2, 1.0, -1.0)
    w = np.full(m, 0.1)
    got = cell_build.build_cells_arrays(a, b, k, w, o, 8, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, 8, n_cat), exact=True)
    assert got[0].tolist() == [2] and got[1].tolist() == [5]
    assert got[2].tolist() == [1.0] and got[3].tolist() == [3]


@pytest.mark.parametrize("path", PATHS)
def test_zero_weights_dropped(path):
    a, b, k = np.array([0, 1, 2, 0]), np.array([1, 0, 0, 2]), np.array([1, 0, 1, 1])
    o = np.zeros(4)
    w = np.zeros(4)
    got = cell_build.build_cells_arrays(a, b, k, w, o, 3, 2, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, 3, 2))
    assert got[0].shape == (0,)
    w = np.array([0.0, 1.0, 0.0, 2.0])  # the cell of row 0 keeps row 1's weight
    got = cell_build.build_cells_arrays(a, b, k, w, o, 3, 2, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, 3, 2), exact=True)
    assert got[4].tolist() == [1.0, 2.0]


@pytest.mark.parametrize("path", PATHS)
def test_no_rows(path):
    e = np.empty(0, np.int64)
    got = cell_build.build_cells_arrays(e, e, e, np.empty(0), np.empty(0), 5, 3, path=path)
    want = oracle(e, e, e, np.empty(0), np.empty(0), 5, 3)
    # np.bincount of no rows is int64 even with float weights; the weights stay float64 here
    assert want[4].dtype == np.int64
    assert_same_cells(got, want[:4] + (want[4].astype(float),))


@pytest.mark.parametrize("path", [None, "sort", "lex"])
@settings(max_examples=30)
@given(data=rows(max_items=3, max_rows=40), seed=st.integers(0, 2**32 - 1))
def test_million_items(path, data, seed):
    # few rows among 10**6 items: the sort path, keys of 43-45 bits
    _, _, k, w, o, _, n_cat = data
    n = 10**6
    rng = np.random.default_rng(seed)
    m = k.shape[0]
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    a[: m // 2] = a[0]  # some repeated pairs and cells
    b[: m // 2] = np.where(a[0] == b[0], (b[0] + 1) % n, b[0])
    assert cell_build.choose_path(m, n, n_cat, True) == "sort"
    got = cell_build.build_cells_arrays(a, b, k, w, o, n, n_cat, path=path)
    assert_same_cells(got, oracle(a, b, k, w, o, n, n_cat), exact=True)


@pytest.mark.parametrize("has_order", [False, True])
def test_key_beyond_62_bits(has_order):
    # (2**31 - 1)**2 * 3 * 5 overflows int64: the lexicographic path, against np.unique(axis=0)
    n, n_cat = 2**31 - 1, 5
    rng = np.random.default_rng(7)
    m = 500
    a = rng.integers(0, n, m)
    a[::3] = n - 1
    b = (a + rng.integers(1, 4, m)) % n
    k = rng.integers(0, n_cat, m)
    w = rng.exponential(size=m)
    o = rng.integers(-1, 2, m).astype(float) if has_order else np.zeros(m)
    assert cell_build.choose_path(m, n, n_cat, has_order) == "lex"
    for path in [None, "lex"]:
        got = cell_build.build_cells_arrays(a, b, k, w, o, n, n_cat, path=path)
        assert_same_cells(got, oracle_lexicographic(a, b, k, w, o, n_cat), exact=True)
    with pytest.raises(ValueError, match="62"):
        cell_build.build_cells_arrays(a, b, k, w, o, n, n_cat, path="sort")


def test_choose_path():
    assert cell_build.choose_path(10**6, 100, 3, True) == "dense"
    assert cell_build.choose_path(10**5, 100, 3, False) == "dense"
    assert cell_build.choose_path(10, 100, 3, False) == "sort"  # table > rows
    assert cell_build.choose_path(10**7, 2000, 3, False) == "sort"  # table > DENSE_MAX
    assert cell_build.choose_path(10**6, 10**6, 5, True) == "sort"
    assert cell_build.choose_path(10**6, 2**31 - 1, 2, False) == "lex"


def test_input_dtypes_converted():
    # int32 codes, int8 categories, a non-contiguous weight view: converted, same cells
    a, b = np.array([0, 2, 1], np.int32), np.array([1, 0, 2], np.int32)
    k = np.array([1, 0, 1], np.int8)
    w = np.array([1.0, 9.0, 2.0, 9.0, 3.0, 9.0])[::2]
    o = np.array([1, -1, 0], np.int8)
    want = oracle(a.astype(np.int64), b.astype(np.int64), k.astype(np.int64), w.copy(),
                  o.astype(float), 3, 2)
    for path in PATHS:
        assert_same_cells(cell_build.build_cells_arrays(a, b, k, w, o, 3, 2, path=path), want)


def test_bad_path():
    one = np.array([0])
    with pytest.raises(ValueError, match="`path`"):
        cell_build.build_cells_arrays(one, one + 1, one, np.ones(1), None, 2, 2, path="fast")


# the kernels called from Python (helpers called only from kernels are compiled into them)
KERNELS = ["any_nonzero", "dense_accumulate", "dense_emit", "group_row_keys", "radix_sort",
           "merge_sorted_groups", "group_lex_cells"]


@pytest.mark.parametrize("name", KERNELS)
def test_kernels_compiled_and_cached(name):
    a, b, k = np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0, 1, 1])
    for path in ["dense", "sort", "lex"]:
        cell_build.build_cells_arrays(a, b, k, np.ones(3), np.array([1.0, 0.0, -1.0]), 3, 2,
                                      path=path)
    kernel = getattr(cell_build, name)
    assert kernel.signatures
    # njit(cache=True) gives the dispatcher an on-disk FunctionCache (else a NullCache)
    assert type(kernel._cache).__name__ == "FunctionCache"
