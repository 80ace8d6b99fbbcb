"""Argument checking and every user-facing message about data."""
import json
import numbers
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .exceptions import DataError

_MAX_SHOWN = 5
_MAX_INT = 2 ** 63 - 1

# outcome words: first item wins, second wins, tie
_OUTCOME_WORDS = {"a": 0, "win": 0, "1": 0, "1.0": 0,
                  "b": 1, "loss": 1, "0": 1, "0.0": 1,
                  "tie": 2, "draw": 2, "0.5": 2}
_ARENA_WORDS = {"model_a": 0, "model_b": 1, "tie": 2, "tie (bothbad)": 2}
#: The arena tie that says both answers were bad: a tie (code 2), flagged in ``bothbad``.
_ARENA_BOTHBAD = "tie (bothbad)"

_NAMES = {
    "winner": ("winner",), "loser": ("loser",),
    "item_a": ("item_a", "player_a", "a"), "item_b": ("item_b", "player_b", "b"),
    "outcome": ("outcome", "result", "y"),
    "wins_a": ("wins_a",), "wins_b": ("wins_b",), "ties": ("ties",),
    "weight": ("weight", "weights", "count", "n"),
    "annotator": ("annotator", "judge", "labeler", "rater", "worker"),
    "cluster": ("cluster", "prompt", "prompt_id", "question_id", "query"),
    "position": ("position", "shown_first"),
    "order": ("order", "home", "home_a", "first"),
    "grade": ("grade",),
    "bothbad": ("bothbad", "both_bad"),
}


def _rows_text(rows):
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:_MAX_SHOWN])
    more = f" and {len(rows) - _MAX_SHOWN} more" if len(rows) > _MAX_SHOWN else ""
    return f"{shown}{more}"


def as_frame(data):
    """A DataFrame from a JSON / JSON-lines path or a table-like object: a pandas, polars or
    pyarrow table, a list of records, a dict of columns, ... (see :mod:`btstats._tables`).
    A pandas DataFrame comes back as it is, anything else as a new DataFrame."""
    from ._tables import as_pandas

    if isinstance(data, (str, bytes)) or hasattr(data, "__fspath__"):
        return read_json_records(data)
    df = as_pandas(data)
    check_unique_columns(df)
    return df


def check_unique_columns(df):
    """Refuse a DataFrame whose column names repeat (a role could not name one column)."""
    dup = df.columns[df.columns.duplicated()]
    if len(dup):
        raise DataError(f"the data have repeated column names {list(pd.unique(dup))[:5]}, so "
                        f"a column role cannot name one column. Rename or drop the copies, "
                        f"e.g. df.loc[:, ~df.columns.duplicated()].")


def read_json_records(path):
    """Read a JSON array of records, or JSON lines."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            records = json.loads(text)
        else:
            records = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON or JSON lines ({exc}).") from exc
    except RecursionError as exc:
        raise DataError(f"{path}: the JSON is nested too deeply to be comparison records; "
                        f"expected a list of flat records or JSON lines.") from exc
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        kinds = sorted({type(r).__name__ for r in (records if isinstance(records, list)
                                                   else [records])})
        raise DataError(f"{path}: expected a JSON list of records (objects such as "
                        f'{{"model_a": ..., "model_b": ..., "winner": ...}}) or JSON lines '
                        f"of them; found {', '.join(kinds)}.")
    if not records:
        raise DataError(f"{path}: the file holds no comparisons.")
    return pd.DataFrame.from_records(records)


def extra_roles(cols, given):
    """Per-row columns (annotator, cluster, position): as given, else found by name."""
    roles = {}
    for role in ("annotator", "cluster", "position", "order", "grade"):
        if given.get(role) is not None:
            roles[role] = given[role]
        else:
            roles[role] = next((c for c in _NAMES[role] if c in cols), None)
    return roles


def infer_roles(cols, given):
    """Resolve column roles from keywords and column names; add the ``layout``."""
    roles = {}
    for role, col in given.items():
        if col is not None:
            if col not in cols:
                raise DataError(f"column {col!r} (given as `{role}`) is not in the data; "
                                f"columns are {sorted(map(str, cols))}.")
            roles[role] = col
    for role, names in _NAMES.items():
        if role not in roles:
            for name in names:
                if name in cols:
                    roles[role] = name
                    break
    if "model_a" in cols and "model_b" in cols and "winner" in cols and \
            given.get("winner") is None:
        roles["layout"] = "arena"
        return roles
    if "winner" in roles and "loser" in roles:
        roles["layout"] = "winner"
    elif {"item_a", "item_b", "wins_a", "wins_b"} <= set(roles):
        roles["layout"] = "counts"
    elif {"item_a", "item_b", "outcome"} <= set(roles):
        roles["layout"] = "outcome"
    elif {"item_a", "item_b", "grade"} <= set(roles):
        roles["layout"] = "grade"
    else:
        raise DataError(
            "cannot tell the layout of the data from its columns "
            f"{sorted(map(str, cols))}. Use columns winner/loser; item_a/item_b/outcome; "
            "item_a/item_b/wins_a/wins_b/ties; item_a/item_b/grade; or model_a/model_b/winner "
            "(arena), or name "
            "them with keywords, e.g. fit(df, winner='w', loser='l').")
    return roles


#: Rows from which :func:`factorize_pair` encodes two Arrow string columns on two threads
#: (10**6 rows of 100 labels: 24 -> 13 ms).
_THREADED_CODES_ROWS = 1 << 18


def factorize_pair(first, second, row_factor=1):
    """Codes and labels for two label columns; NaN / None labels are an error.

    Returns ``(items, codes_first, codes_second)``: the labels of both columns as a
    ``pd.Index``, sorted as ``pd.factorize(..., sort=True)`` sorts them (in order of first
    appearance, ``first`` before ``second``, when they do not sort), and int64 codes into
    it: what factorising the two columns end to end gives.  Each column is factorised on its
    own (:func:`_column_codes`), the two small sets of distinct labels are put end to end and
    factorised, and the codes are mapped through the lookup table that gives, so the rows are
    never copied into one column, sorted or checked for missing values one by one (10**6
    rows of 100 labels twice, as objects: 55 ms against 0.14 s end to end; for pandas'
    default ``str`` dtype 35 ms as before, Arrow's hashing of the strings being most of it).
    """
    first = pd.Series(first).reset_index(drop=True)
    second = pd.Series(second).reset_index(drop=True)
    if len(first) == len(second):
        try:
            if len(first) >= _THREADED_CODES_ROWS and _arrow_strings(first) is not None \
                    and _arrow_strings(second) is not None:
                # Arrow's hashing releases the GIL: the two columns on two threads
                with ThreadPoolExecutor(max_workers=1) as pool:
                    later = pool.submit(_column_codes, second)
                    ca, ua = _column_codes(first)
                    cb, ub = later.result()
            else:
                ca, ua = _column_codes(first)
                cb, ub = _column_codes(second)
        except TypeError:       # unhashable labels: the end-to-end path names their rows
            pass
        else:
            return _merge_pair(ca, ua, cb, ub, row_factor)
    return _factorize_pair_joined(first, second, row_factor)


def _merge_pair(ca, ua, cb, ub, row_factor):
    """:func:`factorize_pair` from each column's codes and distinct labels
    (:func:`_column_codes`)."""
    n = sum(part.shape[0] for part in ca)
    na_a = np.append(ua.isna().to_numpy(dtype=bool), True)      # code -1 reads the last
    na_b = np.append(ub.isna().to_numpy(dtype=bool), True)
    if any(part.min() < 0 for part in ca + cb if part.size) or na_a[:-1].any() \
            or na_b[:-1].any():
        miss = _take(na_a, ca, n) | _take(na_b, cb, n)
        _missing_labels(np.nonzero(miss)[0], row_factor)
    # The distinct labels of both, end to end, are factorised as the rows would be: their
    # dtype is the rows' common dtype, their values are the same in the same order of first
    # appearance, so their sort (or its failure) is the same.
    both = pd.concat([ua, ub], ignore_index=True)
    try:
        small, items = pd.factorize(both, sort=True)
    except TypeError:
        small, items = pd.factorize(both, sort=False)
    small = small.astype(np.int64)
    n_a = len(ua)
    return pd.Index(items), _take(small[:n_a], ca, n), _take(small[n_a:], cb, n)


def _take(lut, parts, n):
    """``lut`` at the codes ``parts`` (arrays, end to end: ``n`` codes), as one array."""
    if len(parts) == 1:
        return lut.take(parts[0])
    out = np.empty(n, lut.dtype)
    start = 0
    for part in parts:
        np.take(lut, part, out=out[start:start + part.shape[0]])
        start += part.shape[0]
    return out


def _missing_labels(bad, row_factor):
    rows = np.unique(bad // row_factor)
    raise DataError(f"{rows.size} row(s) have a missing (NaN or None) item label: rows "
                    f"{_rows_text(rows)}. Drop or fill those rows before fitting.")


def _factorize_pair_joined(first, second, row_factor):
    """:func:`factorize_pair` by factorising the two columns end to end: the path of
    columns of unhashable labels (it names their rows) and of columns of unequal lengths."""
    bad = np.nonzero(first.isna().to_numpy() | second.isna().to_numpy())[0]
    if bad.size:
        _missing_labels(bad, row_factor)
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
                            f"(lists, dicts, sets): rows {_rows_text(bad)}. Use strings, "
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


def _column_codes(s):
    """A column's codes and distinct values, as ``pd.factorize(s, sort=False)`` gives them.

    Returns ``(parts, uniques)``: the codes as a list of integer arrays end to end (one per
    Arrow chunk, else one), ``-1`` where ``pd.factorize`` sees a missing value, and the
    distinct values in order of first appearance as a Series of the column's own dtype.  An
    Arrow string column (pandas' default ``str`` dtype, ``string[pyarrow]``,
    ``pd.ArrowDtype(pa.string())``) is dictionary-encoded by Arrow, its int32 indices used
    as they are (:func:`_arrow_string_codes`); anything else goes through ``pd.factorize``,
    which raises TypeError on unhashable values.
    """
    arrow = _arrow_string_codes(s)
    if arrow is not None:
        return arrow
    values = s.array if isinstance(s.dtype, pd.api.extensions.ExtensionDtype) else \
        s.to_numpy()        # an ndarray factorises twice as fast as its pandas wrapper
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return [codes], pd.Series(uniques, dtype=s.dtype)


def _arrow_string_codes(s):
    """:func:`_column_codes` of an Arrow-backed string column by
    ``pyarrow.compute.dictionary_encode`` (what ``pd.factorize`` calls, without its
    conversions of the codes), or None for any other column."""
    chunked = _arrow_strings(s)
    if chunked is None:
        return None
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(chunked).unify_dictionaries()
    parts = []
    for chunk in encoded.chunks:
        idx = chunk.indices
        if idx.null_count:
            idx = pc.fill_null(idx, -1)
        parts.append(idx.to_numpy())
    uniques = pd.Series(pd.array(encoded.chunk(0).dictionary, dtype=s.dtype))
    return parts, uniques


def _arrow_strings(s):
    """The ``pyarrow.ChunkedArray`` (``string`` or ``large_string``) of a non-empty
    Arrow-backed string column (pandas' ``str`` and ``string[pyarrow]`` dtypes,
    ``pd.ArrowDtype(pa.string())``), else None; pyarrow is imported only for such a
    column (it is an optional dependency)."""
    dtype = s.dtype
    if isinstance(dtype, pd.StringDtype):
        if dtype.storage != "pyarrow":
            return None
    elif not isinstance(dtype, pd.ArrowDtype):
        return None
    if len(s) == 0:
        return None
    import pyarrow as pa

    chunked = s.array.__arrow_array__()
    if isinstance(chunked, pa.Array):
        chunked = pa.chunked_array([chunked])
    if not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        return None
    return chunked


def _word_codes(s, words):
    """Codes of a column of labels through ``words`` (a dict of stripped, lower-case words
    to codes; -1 for a missing or unknown label).  The column is factorised first
    (:func:`_column_codes`), so the words are looked up once per distinct label; an Arrow
    string column is first matched against the words themselves (:func:`_arrow_word_codes`).
    10**6 rows of the four arena words: about 15 ms for pandas' default ``str`` dtype (25 ms
    factorised) and 37 ms for objects, against 0.4 s for a per-row ``str`` chain."""
    codes = _arrow_word_codes(s, words)
    if codes is not None:
        return codes
    try:
        parts, uniques = _column_codes(s)
    except TypeError:
        # unhashable labels (lists, dicts): their text is looked up (and refused) instead
        idx, uniques = pd.factorize(s.astype(str).where(s.notna()), use_na_sentinel=True)
        parts = [idx]
        missing = np.zeros(len(uniques), bool)
    else:
        missing = uniques.isna().to_numpy(dtype=bool)
    lut = np.array([-1 if miss else words.get(str(u).strip().lower(), -1)
                    for u, miss in zip(uniques, missing)] + [-1], dtype=np.int8)
    # a code -1 (missing) reads the trailing -1
    return _take(lut, parts, len(s))


def _arrow_word_codes(s, words):
    """:func:`_word_codes` of an Arrow string column: the rows that are exactly one of the
    words by ``pyarrow.compute.index_in`` (a hash of the few words, not of the column's
    values: twice as fast as factorising it), the others (another spelling, a missing or
    unknown label) by factorising them; None for any other column, or when most rows are
    not exactly a word."""
    chunked = _arrow_strings(s)
    if chunked is None:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = [k for k in words if isinstance(k, str) and k == k.strip().lower()]
    if not keys:
        return None
    found = pc.index_in(chunked, value_set=pa.array(keys, type=chunked.type))
    if 2 * found.null_count > len(s):
        return None
    lut = np.array([words[k] for k in keys] + [-1], dtype=np.int8)    # -1: not a word
    parts = [(pc.fill_null(c, -1) if c.null_count else c).to_numpy() for c in found.chunks]
    codes = _take(lut, parts, len(s))
    if found.null_count:
        rest = np.flatnonzero(pc.is_null(found).to_numpy(zero_copy_only=False))
        other = s.iloc[rest].reset_index(drop=True)
        codes[rest] = _word_codes(other.astype(object), words)
    return codes


def outcome_codes(col, name):
    """Outcome column to codes 0 (a wins), 1 (b wins), 2 (tie)."""
    s = pd.Series(col).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(s):
        codes = np.where(s.fillna(False).to_numpy(dtype=bool), 0, 1).astype(np.int8)
        codes[s.isna().to_numpy()] = -1
    elif pd.api.types.is_numeric_dtype(s):
        v = s.to_numpy(dtype=float, na_value=np.nan)
        codes = np.full(v.shape, -1, np.int8)
        codes[v == 1.0] = 0
        codes[v == 0.0] = 1
        codes[v == 0.5] = 2
    else:
        codes = _word_codes(s, _OUTCOME_WORDS)     # -1 for a missing value
    bad = np.nonzero(codes < 0)[0]
    if bad.size:
        values = pd.unique(s.iloc[bad[:50]].astype(str))[:_MAX_SHOWN].tolist()
        raise DataError(f"column {name!r} has {bad.size} unknown outcome code(s) {values} in "
                        f"rows {_rows_text(bad)}. Use 1 / 'a' (first item wins), 0 / 'b' "
                        f"(second item wins) or 0.5 / 'tie'.")
    return codes


def arena_codes(col, name):
    """Arena ``winner`` column to ``(codes, bothbad)``: outcome codes (0 ``model_a``, 1
    ``model_b``, 2 a tie) and which rows are ``"tie (bothbad)"``; unknown labels are an
    error, not a tie."""
    s = pd.Series(col).reset_index(drop=True)
    words = dict(_ARENA_WORDS)
    words[_ARENA_BOTHBAD] = 3
    codes = _word_codes(s, words)      # -1 for a missing value
    if codes.size and codes.min() < 0:
        bad = np.nonzero(codes < 0)[0]
        values = pd.unique(s.iloc[bad[:50]].astype(str))[:_MAX_SHOWN].tolist()
        raise DataError(f"column {name!r} has {bad.size} unknown winner label(s) {values} in "
                        f"rows {_rows_text(bad)}. Allowed: 'model_a', 'model_b', 'tie', "
                        f"'tie (bothbad)'. Fix or drop those rows; they are not read as ties.")
    bothbad = codes == 3
    np.minimum(codes, 2, out=codes)    # both kinds of tie are ties
    return codes, bothbad


def bothbad_flags(col, name, outcome):
    """A ``bothbad`` column as booleans; True only on ties (``outcome`` code 2)."""
    flags = as_mask(col, name)
    tie = np.zeros(flags.shape[0], bool) if outcome is None else np.asarray(outcome) == 2
    bad = np.nonzero(flags & ~tie)[0]
    if bad.size:
        raise DataError(f"column {name!r} marks rows {_rows_text(bad)} as 'both bad' ties, but "
                        f"their outcome is not a tie. Only a tie can be both bad: set "
                        f"{name!r} to False there or their outcome to a tie.")
    return flags


def as_codes(x, name):
    """Integer item codes from an array; NaN and non-integers are an error."""
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise DataError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
    if arr.dtype.kind in "iu":
        return arr
    if arr.dtype.kind == "f":
        bad = np.nonzero(~np.isfinite(arr) | (arr != np.round(arr)))[0]
        if bad.size:
            raise DataError(f"`{name}` must hold integer item codes; rows {_rows_text(bad)} "
                            f"hold {arr[bad[:_MAX_SHOWN]].tolist()}. For labels use "
                            f"Comparisons.from_frame.")
        return arr.astype(np.int64)
    raise DataError(f"`{name}` must hold integer item codes 0..n-1 (dtype {arr.dtype} given). "
                    f"For labels of any kind use Comparisons.from_frame(pd.DataFrame("
                    f"{{'winner': ..., 'loser': ...}})).")


def as_mask(x, name):
    """A boolean array from booleans (or 0 / 1); missing values are an error naming rows."""
    if isinstance(x, pd.Series):
        s = x.reset_index(drop=True)
    else:
        arr = x if isinstance(x, (np.ndarray, pd.api.extensions.ExtensionArray)) else \
            np.asarray(x, dtype=object)
        if arr.ndim != 1:
            raise DataError(f"`{name}` must be one-dimensional; got shape {arr.shape}.")
        s = pd.Series(arr)
    bad = np.nonzero(s.isna().to_numpy())[0]
    if bad.size:
        raise DataError(f"`{name}` has {bad.size} missing value(s) (rows {_rows_text(bad)}); "
                        f"it must be True or False on every row.")
    values = s.to_numpy()
    if values.dtype.kind == "b":
        return values.astype(bool)
    try:
        num = values.astype(float)
    except (TypeError, ValueError):
        num = None
    if num is None or not np.all((num == 0) | (num == 1)):
        raise DataError(f"`{name}` must hold True / False (or 1 / 0) per row; got values of "
                        f"dtype {s.dtype}.")
    return num.astype(bool)


def as_weights(x, length, name="weights"):
    """Non-negative finite float weights of the given length."""
    try:
        w = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"`{name}` must be numeric.") from exc
    if w.shape != (length,):
        raise DataError(f"`{name}` must have one entry per row ({length}); got shape "
                        f"{w.shape}.")
    bad = np.nonzero(~(np.isfinite(w) & (w >= 0)))[0]
    if bad.size:
        raise DataError(f"`{name}` must be finite and non-negative; rows {_rows_text(bad)} "
                        f"hold {w[bad[:_MAX_SHOWN]].tolist()}. Drop those rows or fix the "
                        f"weights.")
    return w


def square_matrix(x, name):
    """Labels and a float matrix from a square ndarray / DataFrame."""
    if isinstance(x, pd.DataFrame):
        if not x.index.equals(x.columns):
            raise DataError(f"`{name}` DataFrame must have the same labels on rows and "
                            f"columns.")
        items = pd.Index(x.index)
    try:
        m = x.to_numpy(dtype=float) if isinstance(x, pd.DataFrame) else np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"`{name}` must hold numbers (counts); {exc}.") from exc
    if not isinstance(x, pd.DataFrame):
        items = pd.RangeIndex(m.shape[0]) if m.ndim == 2 else None
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise DataError(f"`{name}` must be a square matrix; got shape {m.shape}.")
    bad = np.argwhere(~(np.isfinite(m) & (m >= 0)))
    if bad.size:
        cells = [(items[i], items[j]) for i, j in bad[:_MAX_SHOWN]]
        raise DataError(f"`{name}` must be finite and non-negative; bad cells {cells}.")
    return items, m


def raise_bad_rows(items, a, b, outcome, weight, row_factor=1):
    """Find the rows the aggregation flagged and raise a :class:`DataError` naming them."""
    n = len(items)
    a = np.asarray(a)
    b = np.asarray(b)

    def rows_of(mask):
        return np.unique(np.nonzero(mask)[0] // row_factor)

    out_of_range = (a < 0) | (a >= n) | (b < 0) | (b >= n)
    if out_of_range.any():
        bad = rows_of(out_of_range)
        r = np.nonzero(out_of_range)[0][0]
        raise DataError(f"item codes must lie in 0..{n - 1}; {bad.size} row(s) do not: rows "
                        f"{_rows_text(bad)} (first has codes {a[r]}, {b[r]}). Pass `items=` "
                        f"with every label, or recode.")
    self_cmp = a == b
    if self_cmp.any():
        bad = rows_of(self_cmp)
        r = np.nonzero(self_cmp)[0][0]
        raise DataError(f"{bad.size} row(s) compare an item with itself: rows "
                        f"{_rows_text(bad)} (item {items[a[r]]!r}). A self-comparison "
                        f"carries no information; drop those rows.")
    if weight is not None:
        w = np.asarray(weight)
        bad_w = ~(np.isfinite(w) & (w >= 0))
        if bad_w.any():
            bad = rows_of(bad_w)
            raise DataError(f"weights must be finite and non-negative; rows {_rows_text(bad)} "
                            f"are not ({w[bad_w][:_MAX_SHOWN].tolist()}). Drop or fix them.")
    if outcome is not None:
        o = np.asarray(outcome)
        bad_o = (o < 0) | (o > 2)
        if bad_o.any():
            bad = rows_of(bad_o)
            raise DataError(f"outcome codes must be 0 (a wins), 1 (b wins) or 2 (tie); rows "
                            f"{_rows_text(bad)} are not.")
    raise DataError("invalid comparison rows.")  # pragma: no cover


def check_number(value, name, *, low=None, low_open=False, integer=False):
    """A finite real (or integer) parameter with an optional lower bound."""
    kind = numbers.Integral if integer else numbers.Real
    try:
        finite = isinstance(value, kind) and (
            isinstance(value, numbers.Integral) or bool(np.isfinite(float(value))))
    except (OverflowError, TypeError, ValueError):
        finite = False
    if isinstance(value, bool) or not finite:
        what = "an integer" if integer else "a finite number"
        raise ValueError(f"`{name}` must be {what}; got {value!r:.60}.")
    if isinstance(value, numbers.Integral) and abs(int(value)) > _MAX_INT:
        raise ValueError(f"`{name}` must be at most 2**63 - 1 in size; got {value!r:.60}.")
    if not isinstance(value, numbers.Integral):
        value = value + 0.0          # -0.0 -> 0.0 (numpy refuses a scale of -0.0)
    if low is not None and (value < low or (low_open and value == low)):
        op = ">" if low_open else ">="
        raise ValueError(f"`{name}` must be {op} {low}; got {value!r}.")
    return value


def check_choice(value, name, choices):
    """``value`` if it is one of ``choices``, else a ValueError listing them (also for values
    that do not compare, such as ``pd.NA`` or arrays)."""
    try:
        ok = any(value is c or (c is not None and isinstance(value, type(c)) and bool(value == c))
                 for c in choices)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(f"`{name}` must be one of {list(choices)}; got {value!r}.")
    return value


def check_confidence_level(confidence_level, name="confidence_level"):
    """A confidence level strictly between 0 and 1, as a float."""
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, numbers.Real) \
            or not 0 < confidence_level < 1:
        raise ValueError(f"`{name}` must be a number in (0, 1), e.g. 0.95; got "
                         f"{confidence_level!r}.")
    return float(confidence_level)


def as_generator(rng, name="rng") -> np.random.Generator:
    """``numpy.random.default_rng(rng)`` with a message naming the parameter on bad input."""
    try:
        return np.random.default_rng(rng)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be None, an integer seed, a SeedSequence or a "
                        f"numpy.random.Generator; got {rng!r}.") from exc


def factorize_column(col, name):
    """Integer codes and labels of a per-row column (sorted labels when they sort); missing
    values are an error naming the rows."""
    s = pd.Series(col).reset_index(drop=True)
    bad = np.nonzero(s.isna().to_numpy())[0]
    if bad.size:
        raise DataError(f"column `{name}` has {bad.size} missing value(s) (rows "
                        f"{_rows_text(bad)}). Drop or fill those rows.")
    try:
        codes, labels = pd.factorize(s, sort=True)
    except TypeError:
        codes, labels = pd.factorize(s, sort=False)
    return codes.astype(np.int64), pd.Index(labels)


#: Assumed memory when the machine's cannot be read (``os.sysconf`` missing): 64 GiB.
_FALLBACK_MEMORY = 64 * 2 ** 30


def memory_bytes():
    """Physical memory of this machine in bytes (a 64 GiB guess where it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):  # pragma: no cover - e.g. Windows
        return _FALLBACK_MEMORY


def bytes_text(n):
    """``n`` bytes in TiB, GiB or MiB."""
    for unit, size in (("TiB", 2 ** 40), ("GiB", 2 ** 30), ("MiB", 2 ** 20)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:,} bytes"


def check_memory(n_bytes, name, value, what, fix):
    """Refuse an allocation of ``n_bytes`` that cannot fit in this machine's memory.

    Raises a ValueError naming the parameter ``name`` (given ``value``), what the memory is
    for (``what``), how much it would take against how much the machine has, and ``fix``:
    a sensible value.  Called before any array of that size is made.
    """
    n_bytes = int(n_bytes)
    have = memory_bytes()
    if n_bytes > have:
        shown = f"{value:,}" if isinstance(value, numbers.Integral) else repr(value)
        raise ValueError(f"`{name}` = {shown} is too large: {what} would need about "
                         f"{bytes_text(n_bytes)} of memory, more than this machine has "
                         f"({bytes_text(have)}). {fix}")
    return n_bytes


#: Names a covariate column cannot take (they are roles of ``Comparisons.extra``).
RESERVED_COVARIATE_NAMES = ("annotator", "cluster", "position", "order", "grade", "bothbad")


def covariate_names(covariates):
    """``covariates=`` as a tuple of column names (empty for None), checked."""
    if covariates is None:
        return ()
    if isinstance(covariates, str):
        covariates = [c.strip() for c in covariates.split(",") if c.strip()]
    try:
        names = tuple(covariates)
    except TypeError:
        raise TypeError(f"`covariates` must be a list of column names (e.g. ['x1', 'x2']); "
                        f"got {type(covariates).__name__}.") from None
    if len(set(names)) != len(names):
        raise ValueError(f"`covariates` names a column twice: {list(names)}.")
    bad = [c for c in names if c in RESERVED_COVARIATE_NAMES]
    if bad:
        raise ValueError(f"`covariates` cannot name the column roles {bad}: use "
                         f"order_effect=True for the order / home indicator, or rename the "
                         f"column.")
    return names


def covariate_values(col, name):
    """A covariate column as finite float64 values."""
    s = pd.Series(col).reset_index(drop=True)
    if pd.api.types.is_bool_dtype(s):
        return s.to_numpy(dtype=float)
    try:
        v = s.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"covariate {name!r} must be numeric (a row's value for item_a "
                        f"against item_b); it holds {s.iloc[:3].tolist()}.") from None
    bad = np.flatnonzero(~np.isfinite(v))
    if bad.size:
        raise DataError(f"covariate {name!r} has {bad.size} missing or infinite value(s) in "
                        f"rows {_rows_text(bad)}; fill or drop those rows.")
    return v


def order_codes(col, name):
    """An order / home column to floats ``+1`` (the first item at home or shown first),
    ``-1`` (the second), ``0`` (neutral); booleans map to +1 / -1."""
    s = pd.Series(col).reset_index(drop=True)
    bad = np.nonzero(s.isna().to_numpy())[0]
    if bad.size:
        raise DataError(f"column {name!r} (the order / home indicator) has {bad.size} missing "
                        f"value(s) in rows {_rows_text(bad)}; use 1 (first item at home or "
                        f"shown first), -1 (second item) or 0 (neutral).")
    if pd.api.types.is_bool_dtype(s):
        return np.where(s.to_numpy(dtype=bool), 1.0, -1.0)
    try:
        v = s.to_numpy(dtype=float)
    except (TypeError, ValueError):
        v = None
    if v is None or not np.all(np.isin(v, (-1.0, 0.0, 1.0))):
        rows = np.arange(len(s)) if v is None else np.nonzero(~np.isin(v, (-1.0, 0.0, 1.0)))[0]
        raise DataError(f"column {name!r} (the order / home indicator) must hold 1 (first item "
                        f"at home or shown first), -1 (second item) or 0 (neutral); rows "
                        f"{_rows_text(rows)} hold {s.iloc[rows[:_MAX_SHOWN]].tolist()}.")
    return v


def grade_codes(col, name):
    """A graded-outcome column: integers ``-m .. m`` (``+m``: the first item much better,
    ``0``: a tie) or an ordered categorical (its codes centred), as int64."""
    s = pd.Series(col).reset_index(drop=True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        if not s.cat.ordered:
            raise DataError(f"column {name!r}: a categorical grade must be ordered (worst for "
                            f"the first item first), e.g. pd.Categorical(..., ordered=True).")
        codes = s.cat.codes.to_numpy().astype(np.int64)
        bad = np.nonzero(codes < 0)[0]
        if bad.size:
            raise DataError(f"column {name!r} has {bad.size} missing grade(s) in rows "
                            f"{_rows_text(bad)}.")
        k = len(s.cat.categories)
        if k % 2 == 0:
            return np.where(codes < k // 2, codes - k // 2, codes - k // 2 + 1)
        return codes - k // 2
    bad = np.nonzero(s.isna().to_numpy())[0]
    if bad.size:
        raise DataError(f"column {name!r} has {bad.size} missing grade(s) in rows "
                        f"{_rows_text(bad)}. Drop or fill those rows.")
    try:
        v = s.to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"column {name!r} must hold integer grades -m .. m (+m: the first item "
                        f"much better, 0: a tie) or an ordered categorical.") from exc
    bad = np.nonzero(~np.isfinite(v) | (v != np.round(v)) | (np.abs(v) > 50))[0]
    if bad.size:
        raise DataError(f"column {name!r} must hold integer grades -m .. m (|grade| <= 50; "
                        f"+m: the first item much better, 0: a tie); rows {_rows_text(bad)} "
                        f"hold {v[bad[:_MAX_SHOWN]].tolist()}.")
    return v.astype(np.int64)
