"""Label factorisation (btstats/_validation.py): ``factorize_pair`` factorises each column on
its own (Arrow string columns by ``pyarrow.compute.dictionary_encode``) and merges the two
small sets of labels; ``_word_codes`` looks words up per distinct label.  Both must return
exactly what the end-to-end implementations they replaced return (copied below as oracles:
``pd.factorize`` of the two columns concatenated), or raise the same DataError, for every
kind of label column: strings (unicode, empty), integers, floats, mixed types that sort and
mixed types that do not, categoricals, pandas' ``str`` dtype, Arrow strings (sliced and
chunked arrays, ``string`` and ``large_string``), missing values and unhashable labels.
"""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import btstats
from btstats import _validation as _v
from btstats.exceptions import DataError

pa = pytest.importorskip("pyarrow")

PACKAGE_PARENT = str(Path(btstats.__file__).resolve().parents[1])

# pandas warns when it sorts tuples of different lengths, in the oracle as in the new code
pytestmark = pytest.mark.filterwarnings(
    "ignore:Constructing a DataFrame from a list of sequences with mismatched lengths")


# ------------------------------------------------------------------ the oracles (before)
def old_factorize_pair(first, second, row_factor=1):
    """``factorize_pair`` as it was: the two columns concatenated and factorised."""
    first = pd.Series(first).reset_index(drop=True)
    second = pd.Series(second).reset_index(drop=True)
    bad = np.nonzero(first.isna().to_numpy() | second.isna().to_numpy())[0]
    if bad.size:
        rows = np.unique(bad // row_factor)
        raise DataError(f"{rows.size} row(s) have a missing (NaN or None) item label: rows "
                        f"{_v._rows_text(rows)}. Drop or fill those rows before fitting.")
    both = pd.concat([first, second], ignore_index=True)
    try:
        codes, items = pd.factorize(both, sort=True)
    except TypeError:
        try:
            codes, items = pd.factorize(both, sort=False)
        except TypeError as exc:
            bad = np.unique(np.nonzero([not _hashable(x) for x in both])[0] % len(first)
                            // row_factor)
            raise DataError(f"{bad.size} row(s) have item labels that are not hashable "
                            f"(lists, dicts, sets): rows {_v._rows_text(bad)}. Use strings, "
                            f"numbers or tuples as labels.") from exc
    codes = codes.astype(np.int64)
    m = len(first)
    return pd.Index(items), codes[:m], codes[m:]


def _hashable(x):
    try:
        hash(x)
    except TypeError:
        return False
    return True


def old_word_codes(s, words):
    """``_word_codes`` as it was."""
    try:
        idx, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:
        idx, uniques = pd.factorize(s.astype(str).where(s.notna()), use_na_sentinel=True)
    lut = np.array([words.get(str(u).strip().lower(), -1) for u in uniques] + [-1],
                   dtype=np.int8)
    return lut[idx]


def old_arena_codes(col, name):
    """``arena_codes`` as it was (over the old ``_word_codes``)."""
    s = pd.Series(col).reset_index(drop=True)
    words = dict(_v._ARENA_WORDS)
    words[_v._ARENA_BOTHBAD] = 3
    codes = old_word_codes(s, words)
    codes[s.isna().to_numpy()] = -1
    bad = np.nonzero(codes < 0)[0]
    if bad.size:
        values = pd.unique(s.iloc[bad[:50]].astype(str))[:_v._MAX_SHOWN].tolist()
        raise DataError(f"column {name!r} has {bad.size} unknown winner label(s) {values} in "
                        f"rows {_v._rows_text(bad)}. Allowed: 'model_a', 'model_b', 'tie', "
                        f"'tie (bothbad)'. Fix or drop those rows; they are not read as ties.")
    bothbad = codes == 3
    codes[bothbad] = 2
    return codes, bothbad


def old_outcome_codes(col, name):
    """``outcome_codes`` as it was (over the old ``_word_codes``)."""
    s = pd.Series(col).reset_index(drop=True)
    missing = s.isna().to_numpy()
    if pd.api.types.is_bool_dtype(s):
        codes = np.where(s.fillna(False).to_numpy(dtype=bool), 0, 1).astype(np.int8)
        codes[missing] = -1
    elif pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        codes = np.full(v.shape, -1, np.int8)
        codes[v == 1.0] = 0
        codes[v == 0.0] = 1
        codes[v == 0.5] = 2
    else:
        codes = old_word_codes(s, _v._OUTCOME_WORDS)
        codes[missing] = -1
    bad = np.nonzero(codes < 0)[0]
    if bad.size:
        values = pd.unique(s.iloc[bad[:50]].astype(str))[:_v._MAX_SHOWN].tolist()
        raise DataError(f"column {name!r} has {bad.size} unknown outcome code(s) {values} in "
                        f"rows {_v._rows_text(bad)}. Use 1 / 'a' (first item wins), 0 / 'b' "
                        f"(second item wins) or 0.5 / 'tie'.")
    return codes


# ------------------------------------------------------------------ comparing outcomes
def _outcome(f, *args):
    """``("ok", result)`` or ``("error", type, message)`` (a DataError, or whatever pandas
    raises: a categorical of tuples and integers cannot even be concatenated)."""
    try:
        return ("ok", f(*args))
    except Exception as exc:      # noqa: BLE001 - compared with the oracle's
        return ("error", type(exc), str(exc))


def assert_same(new, old):
    """The same arrays (or tuple of arrays), or the same error."""
    assert new[0] == old[0], (new, old)
    if new[0] == "error":
        assert new[1:] == old[1:]
        return
    a, b = new[1], old[1]
    for x, y in zip(a, b) if isinstance(a, tuple) else [(a, b)]:
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)


def assert_same_pair(new, old):
    assert new[0] == old[0], (new, old)
    if new[0] == "error":
        assert new[1:] == old[1:]
        return
    (items, ca, cb), (items_o, ca_o, cb_o) = new[1], old[1]
    pd.testing.assert_index_equal(items, items_o, exact=True)
    assert items.dtype == items_o.dtype
    for c, c_o in ((ca, ca_o), (cb, cb_o)):
        assert c.dtype == np.int64
        np.testing.assert_array_equal(c, c_o)


def check_pair(first, second, row_factor=1):
    new = _outcome(_v.factorize_pair, first, second, row_factor)
    old = _outcome(old_factorize_pair, first, second, row_factor)
    assert_same_pair(new, old)
    return new


# ------------------------------------------------------------------ strategies
texts = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
short_texts = st.sampled_from(["", "a", "b", "m000", "m001", "é", "日本", "a" * 9,
                               "a" * 9 + "b", "x" * 20, "model_a", " ", "a\x00b"])
ints = st.integers(-3, 3) | st.integers(-2 ** 63, 2 ** 63 - 1)
floats = st.floats(allow_nan=False, width=64) | st.sampled_from([0.5, 1.0, -0.0])
missing = st.sampled_from([None, np.nan, pd.NA])

STRING_KINDS = ["object", "str", "string[python]", "category", "arrow", "large_arrow",
                "arrow_chunked", "arrow_sliced", "arrow_string_array"]


def _arrow(values, kind, data):
    typ = pa.large_string() if kind == "large_arrow" else pa.string()
    values = [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v))
              else v for v in values]
    if kind == "arrow_chunked":
        cuts = sorted(data.draw(st.lists(st.integers(0, len(values)), max_size=3)))
        bounds = [0, *cuts, len(values)]
        chunks = [pa.array(values[a:b], type=typ) for a, b in zip(bounds[:-1], bounds[1:])]
        arr = pa.chunked_array(chunks, type=typ)
        return pd.Series(arr, dtype=pd.ArrowDtype(typ))
    if kind == "arrow_sliced":
        before = data.draw(st.lists(short_texts | st.none(), max_size=3))
        after = data.draw(st.lists(short_texts | st.none(), max_size=3))
        arr = pa.array(before + values + after, type=typ).slice(len(before), len(values))
        if data.draw(st.booleans()):
            return pd.Series(pd.arrays.ArrowStringArray(arr))
        return pd.Series(arr, dtype=pd.ArrowDtype(typ))
    if kind == "arrow_string_array":
        return pd.Series(pd.arrays.ArrowStringArray(pa.array(values, type=pa.large_string())))
    return pd.Series(pa.array(values, type=typ), dtype=pd.ArrowDtype(typ))


def as_column(values, kind, data):
    """``values`` as a Series of the dtype ``kind``."""
    if kind == "object":
        return pd.Series(values, dtype=object)
    if kind == "str":
        return pd.Series(values, dtype="str")
    if kind == "string[python]":
        return pd.Series(values, dtype="string[python]")
    if kind == "category":
        return pd.Series(values, dtype="category")
    return _arrow(values, kind, data)


@st.composite
def string_pairs(draw, with_missing=True):
    """Two label columns of strings (maybe with missing values) of any string dtype."""
    n = draw(st.integers(0, 30))
    pool = draw(st.lists(texts | short_texts, min_size=1, max_size=8, unique=True))
    label = st.sampled_from(pool)
    if with_missing:
        label = label | missing if draw(st.booleans()) else label
    a = draw(st.lists(label, min_size=n, max_size=n))
    b = draw(st.lists(label, min_size=n, max_size=n))
    kind_a = draw(st.sampled_from(STRING_KINDS))
    kind_b = draw(st.sampled_from([kind_a, *STRING_KINDS]))
    return as_column(a, kind_a, draw(st.data())), as_column(b, kind_b, draw(st.data()))


mixed_label = (ints | floats | short_texts | st.tuples(st.integers(0, 2))
               | st.tuples(short_texts) | st.booleans() | st.frozensets(st.integers(0, 2)))


@st.composite
def mixed_pairs(draw):
    """Two object (or numeric) columns of labels of one or several types: some sort, some
    sort only as pandas' mixed sort (numbers before strings), some do not sort at all."""
    n = draw(st.integers(0, 25))
    pool = draw(st.lists(mixed_label, min_size=1, max_size=6))
    label = st.sampled_from(pool)
    if draw(st.integers(0, 4)) == 0:
        label = label | missing
    a = draw(st.lists(label, min_size=n, max_size=n))
    b = draw(st.lists(label, min_size=n, max_size=n))
    dtype = draw(st.sampled_from([object, None, "category"]))
    try:
        sa, sb = pd.Series(a, dtype=dtype), pd.Series(b, dtype=dtype)
    except (TypeError, ValueError):
        sa, sb = pd.Series(a, dtype=object), pd.Series(b, dtype=object)
    return sa, sb


# ------------------------------------------------------------------ factorize_pair
@settings(max_examples=300)
@given(string_pairs(), st.sampled_from([1, 3]))
def test_string_columns_as_before(pair, row_factor):
    check_pair(*pair, row_factor)


@settings(max_examples=300)
@given(mixed_pairs())
def test_mixed_columns_as_before(pair):
    check_pair(*pair)


@settings(max_examples=100)
@given(st.lists(ints, min_size=1, max_size=20), st.data())
def test_numeric_columns_as_before(values, data):
    # int64 against float64 or uint64: the common dtype of the two columns decides the labels
    n = len(values)
    a = pd.Series(values)
    b = pd.Series(data.draw(st.lists(st.sampled_from(values) | floats | st.integers(0, 5),
                                     min_size=n, max_size=n)))
    if data.draw(st.booleans()):
        try:
            b = b.astype(data.draw(st.sampled_from(["float64", "Int64", object])))
        except (TypeError, ValueError, OverflowError):      # not representable
            pass
    check_pair(a, b)
    check_pair(b, a)


def test_sorted_labels_and_codes():
    a = pd.Series(["m2", "m10", "m1", "m2"], dtype="str")
    b = pd.Series(["m1", "m3", "m10", "m3"], dtype="str")
    items, ca, cb = check_pair(a, b)[1]
    assert items.tolist() == ["m1", "m10", "m2", "m3"]
    assert ca.tolist() == [2, 1, 0, 2] and cb.tolist() == [0, 3, 1, 3]


def test_unsortable_labels_keep_their_order_of_first_appearance():
    a = pd.Series([(1,), 2, (1,)], dtype=object)
    b = pd.Series([3, (0,), 2], dtype=object)
    items, ca, cb = check_pair(a, b)[1]
    assert items.tolist() == [(1,), 2, 3, (0,)]
    assert ca.tolist() == [0, 1, 0] and cb.tolist() == [2, 3, 1]


def test_missing_and_unhashable_labels_are_named():
    a = pd.Series(["x", None, "y", "z"], dtype="str")
    b = pd.Series(["y", "x", "x", None], dtype="str")
    out = check_pair(a, b)
    assert out[0] == "error" and "rows 1, 3" in out[2]
    out = check_pair(pd.Series(["x", ["y"], "z"], dtype=object),
                     pd.Series(["y", "x", {"a": 1}], dtype=object), 1)
    assert out[0] == "error" and "not hashable" in out[2] and "rows 1, 2" in out[2]
    # a missing label is reported before an unhashable one, as before
    out = check_pair(pd.Series([None, ["y"]], dtype=object), pd.Series(["a", "b"]))
    assert out[0] == "error" and "missing" in out[2]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["a", "b", "c", None, ["l"], np.nan]), min_size=1,
                max_size=12), st.data())
def test_unhashable_and_missing_as_before(values, data):
    other = data.draw(st.lists(st.sampled_from(["a", "b", ("t",), None]),
                               min_size=len(values), max_size=len(values)))
    check_pair(pd.Series(values, dtype=object), pd.Series(other, dtype=object),
               data.draw(st.sampled_from([1, 2])))


def test_categorical_labels_with_unused_categories():
    dtype = pd.CategoricalDtype(["z", "y", "x", "unused"])
    a = pd.Series(["x", "y", "x"], dtype=dtype)
    b = pd.Series(["y", "z", "y"], dtype=dtype)
    items = check_pair(a, b)[1][0]
    assert isinstance(items, pd.CategoricalIndex) and items.tolist() == ["z", "y", "x"]
    # different categories: the labels are their values
    check_pair(a, pd.Series(["y", "w", "y"], dtype="category"))


def test_arrow_chunks_slices_and_long_values():
    values = ["a" * k for k in range(40)] + ["é" * 5, "", "日本語のラベル"]
    rng = np.random.default_rng(1)
    a = [values[i] for i in rng.integers(0, len(values), 500)]
    b = [values[i] for i in rng.integers(0, len(values), 500)]
    chunked = pa.chunked_array([pa.array(a[:100]), pa.array(a[100:101]), pa.array([], pa.string()),
                                pa.array(a[101:])])
    sa = pd.Series(chunked, dtype=pd.ArrowDtype(pa.string()))
    sliced = pa.array(["pad"] * 7 + b + ["pad"], type=pa.large_string()).slice(7, 500)
    sb = pd.Series(pd.arrays.ArrowStringArray(sliced))
    items, ca, cb = check_pair(sa, sb)[1]
    assert items.tolist() == sorted(set(a) | set(b))
    check_pair(sa, pd.Series(b, dtype=object))
    check_pair(pd.Series(a, dtype="str"), pd.Series(b, dtype="category"))


@settings(max_examples=150)
@given(string_pairs(), st.sampled_from([1, 3]))
def test_two_threads_for_arrow_columns_as_before(pair, row_factor):
    # two Arrow string columns are encoded on two threads from _THREADED_CODES_ROWS rows:
    # forced here on small columns, the same codes, labels and errors as the oracle
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_v, "_THREADED_CODES_ROWS", 0)
        check_pair(*pair, row_factor)


def test_two_threads_on_chunked_arrow_columns(monkeypatch):
    monkeypatch.setattr(_v, "_THREADED_CODES_ROWS", 0)
    test_arrow_chunks_slices_and_long_values()


def test_other_arrow_types_as_before():
    # Arrow columns that are not plain strings go through pd.factorize
    ints = pd.Series([3, 1, 3, 2], dtype=pd.ArrowDtype(pa.int64()))
    check_pair(ints, pd.Series([1, 5, 2, 2], dtype=pd.ArrowDtype(pa.int64())))
    check_pair(ints, pd.Series([1, 5, 2, 2]))
    typ = pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
    a = pd.Series(pa.chunked_array([pa.array(["x", "y"]).dictionary_encode(),
                                    pa.array(["z", "x"]).dictionary_encode()]), dtype=typ)
    b = pd.Series(pa.array(["y", "q", "x", "x"]).dictionary_encode(), dtype=typ)
    check_pair(a, b)
    words = {**_v._ARENA_WORDS, _v._ARENA_BOTHBAD: 3}
    w = pd.Series(pa.array(["tie", "model_b", "tie"]).dictionary_encode(), dtype=typ)
    np.testing.assert_array_equal(_v._word_codes(w, words), old_word_codes(w, words))


def test_empty_and_unequal_columns():
    for dtype in (object, "str", "category", pd.ArrowDtype(pa.string())):
        check_pair(pd.Series([], dtype=dtype), pd.Series([], dtype=dtype))
    check_pair(pd.Series(["a"]), pd.Series(["b", "c", "a"]))     # as before (broadcast)


# ------------------------------------------------------------------ _word_codes
word_values = st.sampled_from(["model_a", "model_b", "tie", "tie (bothbad)", " Model_A ",
                               "TIE", "Tie (BothBad)", "a", "b", "win", "loss", "draw",
                               "1", "0", "0.5", "1.0", "", "x", "nan", "None"])
word_label = word_values | missing | st.sampled_from([1, 0, 0.5, 2, True, ("t",)])


@settings(max_examples=300)
@given(st.lists(word_values | missing, max_size=30), st.sampled_from(STRING_KINDS),
       st.data())
def test_word_codes_as_before(values, kind, data):
    s = as_column(values, kind, data)
    arena = dict(_v._ARENA_WORDS)
    arena[_v._ARENA_BOTHBAD] = 3
    for words in (_v._OUTCOME_WORDS, arena):
        new, old = _v._word_codes(s, words), old_word_codes(s, words)
        assert new.dtype == np.int8
        np.testing.assert_array_equal(new, old)
    assert_same(_outcome(_v.arena_codes, s, "winner"), _outcome(old_arena_codes, s, "winner"))
    assert_same(_outcome(_v.outcome_codes, s, "y"), _outcome(old_outcome_codes, s, "y"))


@settings(max_examples=200)
@given(st.lists(word_label | st.just(["unhashable"]), max_size=20),
       st.sampled_from([object, "category", None]))
def test_word_codes_of_objects_as_before(values, dtype):
    try:
        s = pd.Series(values, dtype=dtype)
    except (TypeError, ValueError):
        s = pd.Series(values, dtype=object)
    for words in (_v._OUTCOME_WORDS, {**_v._ARENA_WORDS, _v._ARENA_BOTHBAD: 3}):
        np.testing.assert_array_equal(_v._word_codes(s, words), old_word_codes(s, words))
    assert_same(_outcome(_v.arena_codes, s, "w"), _outcome(old_arena_codes, s, "w"))
    assert_same(_outcome(_v.outcome_codes, s, "y"), _outcome(old_outcome_codes, s, "y"))


def test_word_codes_of_a_chunked_arrow_column():
    chunks = [pa.array(["model_a", "tie", None]), pa.array(["tie (bothbad)", "model_b"]),
              pa.array(["bad"])]
    s = pd.Series(pa.chunked_array(chunks), dtype=pd.ArrowDtype(pa.string()))
    words = {**_v._ARENA_WORDS, _v._ARENA_BOTHBAD: 3}
    assert _v._word_codes(s, words).tolist() == [0, 2, -1, 3, 1, -1]
    np.testing.assert_array_equal(_v._word_codes(s, words), old_word_codes(s, words))


# ------------------------------------------------------------------ without pyarrow
def test_labels_without_pyarrow(tmp_path):
    # pyarrow is optional: with it blocked, btstats imports and factorises pandas' python
    # strings and objects (the Arrow path is taken only for an Arrow-backed column)
    code = textwrap.dedent("""
        import sys
        sys.modules["pyarrow"] = None           # import pyarrow raises ImportError
        import pandas as pd
        import btstats
        from btstats import _validation as _v
        a = pd.Series(["b", "a", "b"])
        assert a.dtype.storage == "python", a.dtype
        items, ca, cb = _v.factorize_pair(a, pd.Series(["c", "b", "a"], dtype=object))
        assert items.tolist() == ["a", "b", "c"], items
        assert ca.tolist() == [1, 0, 1] and cb.tolist() == [2, 1, 0]
        codes, bothbad = _v.arena_codes(pd.Series(["model_a", "tie (bothbad)"]), "winner")
        assert codes.tolist() == [0, 2] and bothbad.tolist() == [False, True]
        print("ok")
    """)
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["PYTHONPATH"] = PACKAGE_PARENT + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "ok\n"
