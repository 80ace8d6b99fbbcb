"""Comparisons streamed from Parquet: record batches aggregated to pair counts as they are read.

:meth:`Comparisons.from_parquet` (and ``btstats fit FILE.parquet``) reads a
Parquet file, a directory of them (a partitioned data set) or a glob of files with
:mod:`pyarrow.dataset`, one record batch of ``batch_size`` rows at a time, and reads only the
columns of the layout.  Each batch goes through three steps:

1. labels to item codes.  Integer ids ``0 <= id < 2**26`` are their own codes during the read
   (a table of which ids occur, one byte per id: no hashing); any other labels (strings,
   negative or larger integers, floats) are dictionary-encoded by pyarrow a group of
   ``4 * batch_size`` rows at a time, both label columns in one dictionary (string columns
   come as Parquet's own dictionaries, unified), and only the distinct labels of the group
   are looked up in a hashed :class:`pandas.Index` of the labels seen so far, new ones taking
   the next codes;
2. the checks of the in-memory readers (missing labels, self-comparisons, unknown outcomes,
   bad weights), whose messages name the file and the rows in it;
3. the rows are appended to a buffer; a full buffer is aggregated to pair counts by the
   compiled kernels of :mod:`btstats._kernels.aggregate` (wins each way and ties, the weights
   summed) and merged into the running table of pair counts
   (:mod:`btstats._kernels.pair_merge`).

The buffer holds ``max(4 * batch_size, 2 x pairs in the table)`` rows, so that a merge (which
costs about the size of the table) comes at most every two rows per pair, and memory grows
with the number of distinct pairs, not with the rows: the table (32 bytes per pair, and a
spare of the same size that the next merge writes into), the buffer (9 bytes per row, 17
weighted), the aggregation kernel's sort scratch (16 bytes per buffered row, 32 weighted),
plus pyarrow's read-ahead of a few record batches and the decoding of a Parquet row group
(files written with very large row groups are decoded a row group at a time).  Measured:
10**8 rows over 5 x 10**6 pairs of 10**6 integer ids peak at 1.5 GB above the interpreter's
resident set, the final :class:`Comparisons` included (``benchmarks/bench_parquet.py``).

Strings with many distinct values are the slow case: hashing them is memory bound, about
1.2 s per 10**6 rows with 10**6 distinct labels on a 2-core machine, against 0.06 s for
integer ids (and 0.06 s for strings with 100 distinct labels, read as Parquet dictionaries).

At the end the labels are sorted, as :meth:`Comparisons.from_frame` sorts them, the codes are
renumbered and the :class:`Comparisons` is built from the pair counts: it stores three
weighted rows per pair (the wins of each side and the ties), as
:meth:`Comparisons.from_counts` does.  Every fit, covariance (observed, expected, sandwich)
and bootstrap works on such (pair, outcome) cells (the bootstrap draws comparisons over them),
so each gives what it gives for the original rows, up to the rounding of the weight sums.

Per-row columns cannot be aggregated into pair counts: ``annotator``, ``cluster``,
``position``, ``order``, ``grade``, ``bothbad`` and ``covariates`` named by keyword are refused
(:class:`RowsNeededError`, a :class:`DataError`), as is the graded layout; columns that are only
found by their names are not read (arena ``"tie (bothbad)"`` battles count as ties and
``n_bothbad`` is 0; the arena's implicit order, ``model_a`` shown first, is not kept).  Read
such data whole: ``Comparisons.from_frame(pd.read_parquet(path), ...)``.

pyarrow is the optional extra ``parquet`` (``pip install 'btstats[parquet]'``); it is imported
when a Parquet source is read.
"""
import glob
import os

import numpy as np
import pandas as pd

from .. import _validation as _v
from .rows import kernel_codes
from .._kernels import aggregate as _agg
from .._kernels import pair_merge as _pm
from ..exceptions import DataError

__all__ = ["pair_counts", "is_parquet_source", "read_frame", "RowsNeededError"]

#: Rows per record batch read by default.
BATCH_SIZE = 1 << 20
#: Integer ids ``0 <= id < _DENSE_IDS`` are their own codes during the read (a byte per id up
#: to the largest one seen); beyond, or below zero, the labels are hashed.
_DENSE_IDS = 1 << 26
#: Up to this many items the dense aggregation kernel may run (as in ``Comparisons``, when
#: ``n**2 <= 4 x rows``); its table has ``(n + 1)**2`` cells per outcome.
_DENSE_MAX_ITEMS = 3000
#: The recently seen labels are merged into the main hashed index once they are this many (or
#: a quarter of it), so that the index is rebuilt a logarithmic number of times.
_SETTLE = 1 << 12
#: An outcome column with more distinct values than this in a batch, some of them not outcome
#: codes, is reported as not an outcome column (finding each bad value would cost too much).
_MAX_DISTINCT = 2000
#: The buffer holds at least this many rows per pair of the table, so that a merge (which
#: costs about the size of the table) comes at most every that many rows per pair.
_BUFFER_PER_PAIR = 2
#: Column roles of :meth:`Comparisons.from_frame` that the stream aggregates.
_STREAMED = ("winner", "loser", "item_a", "item_b", "outcome", "wins_a", "wins_b", "ties",
             "weight")
#: Per-row roles, which pair counts cannot hold.
_PER_ROW = ("annotator", "cluster", "position", "order", "grade", "bothbad", "covariates")
_SHOWN = 5
#: Outcome codes of a one-byte integer column by its byte: 1 -> 0 (the first item wins),
#: 0 -> 1 (the second wins), anything else -1 (refused).
_BYTE_OUTCOMES = np.full(256, -1, np.int8)
_BYTE_OUTCOMES[1] = 0
_BYTE_OUTCOMES[0] = 1
_EXTENSIONS = (".parquet", ".pq")


class RowsNeededError(DataError):
    """The data need their rows (per-row columns or grades), which a streamed read into pair
    counts cannot keep: read them whole with ``Comparisons.from_frame(pd.read_parquet(...))``."""


def _import_pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.compute as pc
        import pyarrow.dataset as ds
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("reading Parquet needs pyarrow: pip install 'btstats[parquet]'"
                          ) from exc
    return pa, pc, ds


def is_parquet_source(path):
    """True for a path that :meth:`Comparisons.from_parquet` reads as Parquet: a ``.parquet`` / ``.pq``
    file, a directory, or a glob pattern (``*``, ``?``, ``[``) of files that do not exist as
    one path.  Only the name is looked at (and whether it is a directory)."""
    if not isinstance(path, (str, os.PathLike)):
        return False
    p = os.fspath(path)
    if os.path.isdir(p):
        return True
    if not os.path.exists(p) and any(ch in p for ch in "*?["):
        return True
    return p.lower().endswith(_EXTENSIONS)


def _paths(source):
    """``(paths, name, is_dir)``: what ``pyarrow.dataset.dataset`` opens and how messages
    name it."""
    if isinstance(source, (list, tuple)):
        paths = [os.fspath(p) for p in source]
        missing = [p for p in paths if not os.path.isfile(p)]
        if not paths:
            raise DataError("the list of Parquet files is empty: there is nothing to read.")
        if missing:
            raise DataError(f"no such file: {missing[0]!r}"
                            f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}.")
        return paths, f"{len(paths)} Parquet files", False
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"`source` must be a path (a Parquet file, a directory of them or a "
                        f"glob) or a list of paths; got {type(source).__name__}.")
    p = os.fspath(source)
    if os.path.isdir(p):
        return p, p, True
    if os.path.exists(p):
        return p, p, False
    if any(ch in p for ch in "*?["):
        files = sorted(f for f in glob.glob(p, recursive=True) if os.path.isfile(f))
        if not files:
            raise DataError(f"no files match the pattern {p!r}.")
        return files, p, False
    raise DataError(f"no such file or directory: {p!r}.")


def _open(source, dictionary_columns=()):
    """``(dataset, name)`` of a source; string columns in ``dictionary_columns`` are read as
    dictionaries (Parquet's own, so labels are hashed once per row group, not per row)."""
    pa, _, ds = _import_pyarrow()
    paths, name, is_dir = _paths(source)
    fmt = ds.ParquetFileFormat(read_options=ds.ParquetReadOptions(
        dictionary_columns=list(dictionary_columns)))
    try:
        dataset = ds.dataset(paths, format=fmt, partitioning="hive" if is_dir else None)
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{name}: not a readable Parquet data set ({exc}).") from exc
    return dataset, name


def read_frame(source, columns=None):
    """The whole of a Parquet source (file, directory or glob) as a DataFrame, for the data
    that need their rows (what ``pd.read_parquet`` does, also for a glob or a list)."""
    pa, _, _ = _import_pyarrow()
    dataset, name = _open(source)
    try:
        return dataset.to_table(columns=columns).to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise DataError(f"{name}: not a readable Parquet data set ({exc}).") from exc


# --------------------------------------------------------------------------- the layout
def _refuse_per_row(given, what):
    named = ", ".join(f"{k}={v!r}" for k, v in given.items())
    raise RowsNeededError(
        f"{named}: Comparisons.from_parquet streams the rows into pair counts, and {what} "
        f"cannot be aggregated (cluster-robust covariances, annotator models, order effects, "
        f"graded outcomes, covariates and the both-bad flag need the rows). Read the rows "
        f"whole instead, e.g. Comparisons.from_frame(pd.read_parquet(path), ...), or leave "
        f"the keyword out to fit the pair counts.")


def _layout(schema, roles):
    """The layout and columns of a data set from its schema (no data are read)."""
    pa, _, _ = _import_pyarrow()
    names = list(schema.names)
    cols = set(names)
    r = _v.infer_roles(cols, roles)
    layout = r.pop("layout")
    if layout == "grade":
        _refuse_per_row({"grade": r["grade"]}, "graded outcomes")
    spec = {"layout": layout, "weight": None, "outcome": None, "counts": ()}
    if layout == "arena":
        spec.update(first="model_a", second="model_b", outcome="winner")
    elif layout == "winner":
        spec.update(first=r["winner"], second=r["loser"])
    else:
        spec.update(first=r["item_a"], second=r["item_b"])
        if layout == "outcome":
            spec["outcome"] = r["outcome"]
    if layout == "counts":      # as Comparisons.from_counts: the counts are the weights
        spec["counts"] = (r["wins_a"], r["wins_b"], r.get("ties"))
    else:
        spec["weight"] = r.get("weight")
    for c in ([spec["weight"]] if spec["weight"] is not None else []) + \
            [c for c in spec["counts"] if c is not None]:
        t = schema.field(c).type
        if not (pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t)
                or pa.types.is_decimal(t)):
            raise DataError(f"the weight / count column {c!r} must be numeric; its type is "
                            f"{t}.")
    spec["columns"] = [c for c in dict.fromkeys(
        [spec["first"], spec["second"], spec["outcome"], spec["weight"], *spec["counts"]])
        if c is not None]
    ta, tb = schema.field(spec["first"]).type, schema.field(spec["second"]).type
    spec["integer_ids"] = pa.types.is_integer(ta) and pa.types.is_integer(tb)
    spec["id_dtype"] = np.dtype(ta.to_pandas_dtype()) if ta == tb else np.dtype(np.int64)
    text = [c for c in spec["columns"] if _is_text(pa, schema.field(c).type)]
    spec["dictionary_columns"] = text
    return spec


def _is_text(pa, t):
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or \
        pa.types.is_large_binary(t)


# --------------------------------------------------------------------------- where rows are
class _Where:
    """Names rows of the scan (counted from 0 over the whole data set) by file and row in it;
    the fragments' row counts are read only when a message needs them."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._starts = None
        self._paths = None

    def __call__(self, rows):
        if self._starts is None:
            frags = list(self._dataset.get_fragments())
            sizes = [f.count_rows() for f in frags]
            self._starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
            self._paths = [f.path for f in frags]
        rows = np.asarray(rows, np.int64)
        shown = rows[:_SHOWN]
        k = np.searchsorted(self._starts, shown, side="right") - 1
        parts = []
        for f in dict.fromkeys(k.tolist()):
            within = shown[k == f] - self._starts[f]
            word = "row" if within.size == 1 else "rows"
            parts.append(f"{self._paths[f]} {word} {', '.join(map(str, within.tolist()))}")
        more = f" and {rows.size - _SHOWN} more" if rows.size > _SHOWN else ""
        return "; ".join(parts) + more + " (rows counted from 0 in each file)"


# --------------------------------------------------------------------------- labels to codes
class _NotDense(Exception):
    """A batch holds an integer id outside ``0 .. _DENSE_IDS - 1``."""


def _check_labels(col, name, offset, where):
    if col.null_count:
        rows = np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))
        raise DataError(f"{rows.size} row(s) of a record batch have a missing (NaN or None) "
                        f"item label in column {name!r}: {where(offset + rows)}. Drop or fill "
                        f"those rows before fitting.")


class _IntLabels:
    """Integer ids ``0 <= id < _DENSE_IDS`` as their own codes; ``seen`` marks the ids that
    occur, and at the end the ids are renumbered ``0 .. n_items - 1`` in increasing order
    (a monotone renumbering: a sorted pair table stays sorted)."""

    def __init__(self, dtype):
        self._dtype = dtype
        self._seen = np.zeros(1 << 16, np.bool_)
        self.n = 0          # 1 + the largest id so far: every code is below it

    def encode(self, col_a, col_b):
        a = col_a.to_numpy()
        b = col_b.to_numpy()
        lo, hi = _agg.code_range(*kernel_codes(a, b))
        if lo < 0 or hi >= _DENSE_IDS:
            raise _NotDense
        hi = int(hi)
        if hi >= self._seen.shape[0]:
            grown = np.zeros(min(max(2 * self._seen.shape[0], hi + 1), _DENSE_IDS), np.bool_)
            grown[:self._seen.shape[0]] = self._seen
            self._seen = grown
        self._seen[a] = True
        self._seen[b] = True
        self.n = max(self.n, hi + 1)
        return a, b

    def label(self, code):
        return self._dtype.type(code)

    def _renumbering(self):
        seen = self._seen[:self.n]
        return np.flatnonzero(seen).astype(self._dtype), \
            (np.cumsum(seen, dtype=np.int64) - 1).astype(np.int32)

    def to_hashed(self):
        """``(labels, renumbering)``: the same labels hashed, the codes so far renumbered."""
        ids, rank = self._renumbering()
        hashed = _HashedLabels()
        hashed.seed(ids)
        return hashed, rank

    def finish(self):
        """``(items, renumbering, monotone)``."""
        ids, rank = self._renumbering()
        return pd.Index(ids), rank, True


def _index(labels):
    """A hashed index of labels: numbers as they are, anything else as Python objects
    (pandas' object hash table; a string-dtype index would convert the values looked up on
    every call)."""
    labels = np.asarray(labels)
    return pd.Index(labels, dtype=object if labels.dtype.kind in "OUS" else None, copy=False)


class _HashedLabels:
    """Labels of any kind, coded in order of first appearance.  A batch's column is
    dictionary-encoded by pyarrow (or comes so from Parquet), and only its distinct labels go
    through a hashed :class:`pandas.Index`: one of the settled labels and a smaller one of the
    recent ones, merged when the recent ones are a quarter as many."""

    def __init__(self):
        self._chunks = []                  # labels in code order
        self._settled = None               # pd.Index of codes 0 .. n_settled - 1
        self._n_settled = 0
        self._recent = None                # pd.Index of the codes after those
        self.n = 0
        self._all = None

    def seed(self, labels):
        self._chunks = [labels]
        self._settled = _index(labels)
        self._n_settled = self.n = len(labels)

    def _lookup(self, values):
        """Codes of an array of labels (distinct or not), new labels taking the next codes."""
        codes = np.full(len(values), -1, np.int64)
        if self._settled is not None:
            codes = self._settled.get_indexer(values).astype(np.int64)
        miss = np.flatnonzero(codes < 0)
        if not miss.size:
            return codes
        sub = values[miss]
        c = np.full(miss.size, -1, np.int64)
        if self._recent is not None:
            c = self._recent.get_indexer(sub).astype(np.int64)
            c[c >= 0] += self._n_settled
        new = np.flatnonzero(c < 0)
        if new.size:
            first, fresh = pd.factorize(sub[new])     # the distinct new labels, in order
            fresh = np.asarray(fresh)
            c[new] = self.n + first
            self._chunks.append(fresh)
            self.n += fresh.shape[0]
            self._all = None
            recent = self._chunks[-1] if self._recent is None else \
                np.concatenate([np.asarray(self._recent), fresh])
            if self._settled is None or recent.shape[0] > max(_SETTLE, self._n_settled // 4):
                self._settled = _index(self._labels())
                self._n_settled = self.n
                self._recent = None
            else:
                self._recent = _index(recent)
        codes[miss] = c
        return codes

    def _labels(self):
        if self._all is None:
            self._all = np.concatenate(self._chunks) if len(self._chunks) != 1 else \
                self._chunks[0]
            self._chunks = [self._all]
        return self._all

    def codes(self, col, name, offset, where):
        pa, pc, _ = _import_pyarrow()
        d = col if pa.types.is_dictionary(col.type) else pc.dictionary_encode(col)
        values = d.dictionary.to_numpy(zero_copy_only=False)
        idx = d.indices.to_numpy(zero_copy_only=False)
        missing = pd.isna(values)
        if np.any(missing):
            rows = np.flatnonzero(missing[idx])
            if rows.size:
                self._missing(name, rows, offset, where)
        return self._lookup(values)[idx]

    def encode_many(self, cols_a, cols_b, names, offsets, where):
        """``[(codes_a, codes_b), ...]`` of the label columns of several batches, looked up
        through one dictionary of them all when pyarrow can make one (columns of one type)."""
        pa, pc, _ = _import_pyarrow()
        arrays = [c for pair in zip(cols_a, cols_b) for c in pair]
        types = {c.type for c in arrays}
        chunked = None
        if len(types) == 1:
            t = arrays[0].type
            try:
                if pa.types.is_dictionary(t):
                    chunked = pa.chunked_array(arrays, type=t).unify_dictionaries()
                else:
                    chunked = pc.dictionary_encode(pa.chunked_array(arrays, type=t))
            except (pa.ArrowException, TypeError):   # pragma: no cover - e.g. nested types
                chunked = None
        if chunked is None or chunked.num_chunks != len(arrays):
            return [(self.codes(a, names[0], k, where), self.codes(b, names[1], k, where))
                    for a, b, k in zip(cols_a, cols_b, offsets)]
        values = chunked.chunk(0).dictionary.to_numpy(zero_copy_only=False)
        indices = [ch.indices.to_numpy(zero_copy_only=False) for ch in chunked.chunks]
        missing = pd.isna(values)
        if np.any(missing):
            for k, idx in enumerate(indices):
                rows = np.flatnonzero(missing[idx])
                if rows.size:
                    self._missing(names[k % 2], rows, offsets[k // 2], where)
        lut = self._lookup(values)
        codes = [lut[idx] for idx in indices]
        return list(zip(codes[0::2], codes[1::2]))

    @staticmethod
    def _missing(name, rows, offset, where):
        raise DataError(f"{rows.size} row(s) of a record batch have a missing (NaN or None) "
                        f"item label in column {name!r}: {where(offset + rows)}. Drop or fill "
                        f"those rows before fitting.")

    def label(self, code):
        return self._labels()[code]

    def finish(self):
        """``(items, renumbering, monotone)``: the labels sorted (in order of first
        appearance if they do not sort, e.g. numbers and strings mixed)."""
        labels = self._labels() if self._chunks else np.empty(0, object)
        items = pd.Index(labels)
        try:
            order = np.asarray(items.argsort(kind="stable"))
        except TypeError:
            return items, None, True
        rank = np.empty(order.shape[0], np.int32)
        rank[order] = np.arange(order.shape[0], dtype=np.int32)
        return items[order], rank, False


# --------------------------------------------------------------------------- outcomes, weights
def _value_codes(values, check):
    """Codes of an array of distinct values by ``check`` (an in-memory reader's conversion of a
    Series, which raises :class:`DataError` on a bad value): -1 for the refused values, or
    ``None`` if there are too many values to look at one by one."""
    s = pd.Series(values)
    try:
        return np.asarray(check(s), np.int8)
    except DataError:
        if s.shape[0] > _MAX_DISTINCT:
            return None
    out = np.empty(s.shape[0], np.int8)
    for k in range(s.shape[0]):
        try:
            out[k] = check(s.iloc[k:k + 1])[0]
        except DataError:
            out[k] = -1
    return out


def _outcome_codes(col, name, arena, offset, where):
    """int8 codes (0: the first item wins, 1: the second, 2: a tie) of a batch's outcome
    column (or arena ``winner`` column), with the in-memory readers' rules."""
    pa, pc, _ = _import_pyarrow()
    t = col.type
    codes = None
    if not arena and col.null_count == 0 and (pa.types.is_integer(t) or
                                              pa.types.is_floating(t)):
        v = col.to_numpy()
        if v.dtype.itemsize == 1:
            codes = _BYTE_OUTCOMES[v.view(np.uint8)]
        else:
            codes = np.full(v.shape[0], -1, np.int8)
            codes[v == 1] = 0
            codes[v == 0] = 1
            if pa.types.is_floating(t):
                codes[v == 0.5] = 2
    elif not arena and col.null_count == 0 and pa.types.is_boolean(t):
        codes = np.where(col.to_numpy(zero_copy_only=False), 0, 1).astype(np.int8)
    if codes is not None:
        bad = np.flatnonzero(codes < 0)
        if bad.size:
            shown = pd.unique(col.take(pa.array(bad[:50])).to_numpy(zero_copy_only=False))
            _bad_outcomes(name, arena, [str(x) for x in shown[:_SHOWN]], bad, offset, where)
        return codes
    d = col if pa.types.is_dictionary(t) else pc.dictionary_encode(col)
    values = d.dictionary.to_numpy(zero_copy_only=False)
    idx = d.indices.to_numpy(zero_copy_only=False)
    if arena:
        lut = _value_codes(values, lambda s: _v.arena_codes(s, name)[0])
    else:
        lut = _value_codes(values, lambda s: _v.outcome_codes(s, name))
    if lut is None:
        raise DataError(f"column {name!r} holds {len(values):,} distinct values in a record "
                        f"batch ({where(offset + np.arange(1))} ...), not all of them outcome "
                        f"codes: it does not look like an outcome column. Name the outcome "
                        f"column with outcome='<column>'.")
    lut = np.append(lut, np.int8(-1))        # a missing value (null index) reads the last entry
    if d.null_count:
        idx = np.where(d.is_null().to_numpy(zero_copy_only=False), lut.shape[0] - 1, idx)
    codes = lut[idx]
    bad = np.flatnonzero(codes < 0)
    if bad.size:
        shown = ["missing" if i >= len(values) or pd.isna(values[i]) else str(values[i])
                 for i in pd.unique(idx[bad])[:_SHOWN]]
        _bad_outcomes(name, arena, shown, bad, offset, where)
    return codes


def _bad_outcomes(name, arena, shown, bad, offset, where):
    if arena:
        raise DataError(f"column {name!r} has {bad.size} unknown or missing winner label(s) "
                        f"{shown} in a record batch: {where(offset + bad)}. Allowed: "
                        f"'model_a', 'model_b', 'tie', 'tie (bothbad)'. Fix or drop those "
                        f"rows; they are not read as ties.")
    raise DataError(f"column {name!r} has {bad.size} unknown or missing outcome code(s) "
                    f"{shown} in a record batch: {where(offset + bad)}. Use 1 / 'a' (first "
                    f"item wins), 0 / 'b' (second item wins) or 0.5 / 'tie'.")


def _weights(col, name, offset, where):
    """A batch's weight (or count) column as finite non-negative floats."""
    if col.null_count:
        rows = np.flatnonzero(col.is_null().to_numpy(zero_copy_only=False))
        raise DataError(f"column {name!r} (weights / counts) has {rows.size} missing value(s) "
                        f"in a record batch: {where(offset + rows)}. Drop those rows or fix "
                        f"the weights.")
    w = np.asarray(col.to_numpy(zero_copy_only=False), dtype=float)
    bad = np.flatnonzero(~(np.isfinite(w) & (w >= 0)))
    if bad.size:
        raise DataError(f"column {name!r} (weights / counts) must be finite and non-negative; "
                        f"{bad.size} row(s) of a record batch are not "
                        f"({w[bad[:_SHOWN]].tolist()}): {where(offset + bad)}. Drop those "
                        f"rows or fix the weights.")
    return w


# --------------------------------------------------------------------------- the pair table
class _PairTable:
    """Rows buffered, aggregated a buffer at a time, merged into one sorted pair table.

    The merge writes into a spare table kept from the previous merge (grown by a quarter when
    too small), so that the pages of the table are touched once, not once per merge."""

    def __init__(self, min_rows, has_outcome, has_weight):
        self._min_rows = int(min_rows)
        self._has_outcome = has_outcome
        self._has_weight = has_weight
        self._alloc(self._min_rows)
        self.pairs = _empty_table(0)
        self._base = self.pairs       # the arrays self.pairs are views of
        self._spare = None

    def _alloc(self, rows):
        self._cap = rows
        self._pos = 0
        self._a = np.empty(rows, np.int32)
        self._b = np.empty(rows, np.int32)
        self._o = np.empty(rows if self._has_outcome else 0, np.int8)
        self._w = np.empty(rows if self._has_weight else 0)

    @property
    def n_pairs(self):
        return int(self.pairs[0].shape[0])

    def add(self, n, a, b, outcome=None, weight=None):
        """Append rows with codes below ``n`` (outcome: an array or one code for all)."""
        if self._has_weight:
            keep = weight > 0
            if not keep.all():          # rows of weight 0 change no count
                a, b, weight = a[keep], b[keep], weight[keep]
                if isinstance(outcome, np.ndarray):
                    outcome = outcome[keep]
        m = a.shape[0]
        if self._pos + m > self._cap:
            self.flush(n)
            rows = max(self._min_rows, m, _BUFFER_PER_PAIR * self.n_pairs)
            if rows > self._cap:
                self._alloc(rows)
        s = slice(self._pos, self._pos + m)
        self._a[s] = a
        self._b[s] = b
        if self._has_outcome:
            self._o[s] = outcome
        if self._has_weight:
            self._w[s] = weight
        self._pos += m

    def flush(self, n):
        """Aggregate the buffered rows (codes below ``n``) and merge them into the table."""
        m = self._pos
        if m == 0:
            return
        a, b = self._a[:m], self._b[:m]
        o = self._o[:m] if self._has_outcome else self._o
        w = self._w[:m] if self._has_weight else self._w
        if n <= _DENSE_MAX_ITEMS and n * n <= max(4 * m, 10_000):
            kernel = _agg.aggregate_dense
        else:
            kernel = _agg.aggregate_sorted
        status, *run = kernel(n, a, b, o, w, self._has_outcome, self._has_weight)
        if status != _agg.OK:  # pragma: no cover - every batch is checked before it is added
            raise DataError("invalid comparison rows.")
        self._pos = 0
        run = tuple(run)
        if self.n_pairs == 0:
            self.pairs = self._base = run
            return
        size = _pm.merged_size(self.pairs[0], self.pairs[1], run[0], run[1])
        spare = self._spare
        if spare is None or spare[0].shape[0] < size:
            spare = None                # freed before the new one is made
            self._spare = None
            spare = _empty_table(size + size // 4)
        out = tuple(x[:size] for x in spare)
        _pm.merge_into(*self.pairs, *run, *out)
        self._spare, self._base, self.pairs = self._base, spare, out

    def release(self):
        """The final table; the buffer and the spare table are dropped."""
        self._spare = None
        self._alloc(0)
        return self.pairs

    def renumber(self, rank):
        """Apply a monotone renumbering of the codes (the table stays sorted)."""
        pi, pj, wab, wba, tie = self.pairs
        self.pairs = self._base = (rank[pi], rank[pj], wab, wba, tie)
        self._spare = None


def _empty_table(size):
    return (np.empty(size, np.int32), np.empty(size, np.int32), np.empty(size),
            np.empty(size), np.empty(size))


# --------------------------------------------------------------------------- the reader
def _batch_size_iv(batch_size):
    if batch_size is None:
        return BATCH_SIZE
    return int(_v.check_number(batch_size, "batch_size", low=1, integer=True))


def pair_counts(source, *, batch_size=None, **roles):
    """Stream a Parquet source into ``(items, n_items, pi, pj, wab, wba, tie)``: the sorted
    labels and the pair table in their codes (sorted, ``pi < pj``).  See :meth:`Comparisons.from_parquet`."""
    pa, _, _ = _import_pyarrow()
    batch_size = _batch_size_iv(batch_size)
    per_row = {k: roles.pop(k) for k in _PER_ROW if roles.get(k) not in (None, [], ())}
    if per_row:
        _refuse_per_row(per_row, f"per-row column{'s' if len(per_row) > 1 else ''} "
                                 f"{sorted(per_row)}")
    for k in _PER_ROW:
        roles.pop(k, None)
    unknown = sorted(set(roles) - set(_STREAMED))
    if unknown:
        raise TypeError(f"from_parquet() got unexpected keyword argument(s) {unknown}; the "
                        f"column roles are {list(_STREAMED)}.")
    dataset, name = _open(source)
    spec = _layout(dataset.schema, {k: roles.get(k) for k in _STREAMED})
    if spec["dictionary_columns"]:
        dataset, name = _open(source, spec["dictionary_columns"])
    where = _Where(dataset)
    layout = spec["layout"]
    first, second = spec["first"], spec["second"]
    has_outcome = layout in ("outcome", "arena", "counts")
    has_weight = layout == "counts" or spec["weight"] is not None
    labels = _IntLabels(spec["id_dtype"]) if spec["integer_ids"] else _HashedLabels()
    table = _PairTable(4 * batch_size, has_outcome, has_weight)
    # hashed labels are looked up a group of batches at a time: one dictionary for the group,
    # so a label is looked up once per group rather than once per batch
    group_rows = 4 * batch_size
    pending = []
    pending_rows = 0

    def add_batches(labels, pending):
        """Code the labels of the pending batches and add their rows to the table."""
        if isinstance(labels, _IntLabels):
            try:
                coded = [labels.encode(p[1], p[2]) for p in pending]
            except _NotDense:
                table.flush(labels.n)
                labels, rank = labels.to_hashed()
                table.renumber(rank)
        if isinstance(labels, _HashedLabels):
            coded = labels.encode_many([p[1] for p in pending], [p[2] for p in pending],
                                       (first, second), [p[0] for p in pending], where)
        n = labels.n
        for (start, _, _, values), (ca, cb) in zip(pending, coded):
            same = np.flatnonzero(ca == cb)
            if same.size:
                raise DataError(f"{same.size} row(s) of a record batch compare an item with "
                                f"itself: {where(start + same)} (item "
                                f"{labels.label(ca[same[0]])!r}). A self-comparison carries "
                                f"no information; drop those rows.")
            if layout == "counts":
                for code, w in enumerate(values):
                    if w is not None:
                        table.add(n, ca, cb, code, w)
            else:
                table.add(n, ca, cb, *values)
        return labels

    offset = 0
    batches = iter(dataset.to_batches(columns=spec["columns"], batch_size=batch_size,
                                      batch_readahead=4, fragment_readahead=1))
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            break
        except (pa.ArrowException, OSError) as exc:
            raise DataError(f"{name}: not a readable Parquet data set ({exc}).") from exc
        m = batch.num_rows
        if m == 0:
            continue
        col_a, col_b = batch.column(first), batch.column(second)
        _check_labels(col_a, first, offset, where)
        _check_labels(col_b, second, offset, where)
        if layout == "counts":
            values = tuple(None if c is None else _weights(batch.column(c), c, offset, where)
                           for c in spec["counts"])
        else:
            o = None
            if has_outcome:
                o = _outcome_codes(batch.column(spec["outcome"]), spec["outcome"],
                                   layout == "arena", offset, where)
            w = None
            if has_weight:
                w = _weights(batch.column(spec["weight"]), spec["weight"], offset, where)
            values = (o, w)
        pending.append((offset, col_a, col_b, values))
        pending_rows += m
        offset += m
        if isinstance(labels, _IntLabels) or pending_rows >= group_rows:
            labels = add_batches(labels, pending)
            pending, pending_rows = [], 0
    if pending:
        labels = add_batches(labels, pending)
    table.flush(labels.n)
    items, rank, monotone = labels.finish()
    pi, pj, wab, wba, tie = table.release()
    table = None                  # (the buffer is gone: release dropped it)
    n_items = len(items)
    if rank is not None:
        pi, pj = rank[pi], rank[pj]
    if not monotone and pi.shape[0]:
        swap = pi > pj
        pi, pj = np.where(swap, pj, pi), np.where(swap, pi, pj)
        wab, wba = np.where(swap, wba, wab), np.where(swap, wab, wba)
        order = np.argsort(pi.astype(np.int64) * max(n_items, 1) + pj, kind="stable")
        pi, pj, wab, wba, tie = pi[order], pj[order], wab[order], wba[order], tie[order]
    return (items, n_items, np.ascontiguousarray(pi, np.int32),
            np.ascontiguousarray(pj, np.int32), wab, wba, tie)


