"""Table-like objects to a pandas DataFrame: the conversions behind every reader of comparison
data (:func:`btstats._validation.as_frame`, public as :func:`btstats.data.inputs.as_pandas`).

A module of its own, importing nothing of btstats but its exceptions, so that
:mod:`btstats._validation` can use it without importing :mod:`btstats.data` (which imports
``_validation``).  polars, pyarrow and Hugging Face ``datasets`` are optional: none is imported
here at import time; an object is recognised by its type's module and by duck typing, and
pyarrow is imported only to read an object through the Arrow PyCapsule interface.
"""
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .exceptions import DataError

__all__ = ["as_pandas", "is_table_like", "ACCEPTED"]

#: What :func:`as_pandas` reads, as the error for anything else lists it.
ACCEPTED = ("a pandas or polars DataFrame (or a polars LazyFrame); a pyarrow Table, "
            "RecordBatch or Dataset; a Hugging Face datasets.Dataset; a list (or iterator) of "
            "records (dicts, one per comparison); a dict of columns (name -> list of values); "
            "any object with the Arrow PyCapsule interface (__arrow_c_stream__) or a "
            "to_pandas() method; or the path of a JSON / JSON-lines file")

_EXAMPLE_RECORD = "{'winner': 'x', 'loser': 'y'}"


def _type_name(obj):
    t = type(obj)
    module = t.__module__ or ""
    return t.__qualname__ if module == "builtins" else f"{module}.{t.__qualname__}"


def _root(obj):
    return (type(obj).__module__ or "").split(".", 1)[0]


def _pyarrow():
    """The pyarrow module, or None when it is not installed."""
    try:
        import pyarrow
    except ImportError:
        return None
    return pyarrow


def _has_capsule(obj):
    t = type(obj)
    return hasattr(t, "__arrow_c_stream__") or hasattr(t, "__arrow_c_array__")


def is_table_like(data: Any) -> bool:
    """True when :func:`as_pandas` would try to read ``data`` (cheap: nothing is converted).

    A pandas DataFrame, a polars DataFrame or LazyFrame, a pyarrow table, batch, dataset,
    scanner or batch reader, an object with the Arrow PyCapsule interface or a
    ``to_pandas()`` method, a list, tuple or iterator (of records), a mapping (of columns) or
    a numpy structured array.  Paths are not table-like (they are read as files).
    """
    if isinstance(data, (pd.DataFrame, list, tuple, Mapping, Iterator)):
        return True
    if isinstance(data, pd.Series):
        return False
    if isinstance(data, np.ndarray):
        return data.dtype.names is not None
    root = _root(data)
    if root in ("polars", "pyarrow"):
        return True
    return _has_capsule(data) or callable(getattr(data, "to_pandas", None))


def _from_polars(obj):
    if type(obj).__name__ == "LazyFrame":
        obj = obj.collect()
    if not (hasattr(obj, "to_arrow") and hasattr(obj, "schema") and hasattr(obj, "columns")):
        raise DataError(f"cannot read comparison data from a {_type_name(obj)}: a polars "
                        f"Series is a single column. Pass a polars DataFrame, e.g. "
                        f"pl.DataFrame({{'winner': ..., 'loser': ...}}).")
    if _pyarrow() is not None:
        return obj.to_arrow().to_pandas()
    try:
        return obj.to_pandas()
    except ImportError:
        # polars' own to_pandas needs pyarrow too: go through Python lists instead
        return pd.DataFrame(obj.to_dict(as_series=False))


def _from_pyarrow(obj):
    if hasattr(obj, "to_table"):            # pyarrow.dataset.Dataset, Scanner
        obj = obj.to_table()
    elif hasattr(obj, "read_all"):          # RecordBatchReader
        obj = obj.read_all()
    if not hasattr(obj, "num_columns") or not hasattr(obj, "to_pandas"):
        raise DataError(f"cannot read comparison data from a {_type_name(obj)}: it is a "
                        f"single column. Pass a pyarrow Table, e.g. pa.table({{'winner': "
                        f"..., 'loser': ...}}).")
    return obj.to_pandas()


def _from_datasets(obj):
    """Refuse the ``datasets`` containers that are not one table (a split dict, a stream)."""
    if isinstance(obj, Mapping):
        raise DataError(f"cannot read comparison data from a {_type_name(obj)}: it holds the "
                        f"splits {list(obj)}. Pick one, e.g. data[{next(iter(obj), 'train')!r}]"
                        f".")
    if type(obj).__name__ == "IterableDataset":
        raise DataError(f"cannot read comparison data from a {_type_name(obj)} (a stream). "
                        f"Load the dataset without streaming=True, or materialise the part "
                        f"you need, e.g. list(data.take(10_000)).")
    return None


def _from_capsule(obj):
    pa = _pyarrow()
    if pa is None:
        if callable(getattr(obj, "to_pandas", None)):
            return _from_to_pandas(obj)
        raise ImportError(f"reading a {_type_name(obj)} through the Arrow PyCapsule interface "
                          f"needs pyarrow: pip install pyarrow (or pip install "
                          f"'btstats[parquet]').")
    try:
        table = pa.table(obj)
    except (TypeError, ValueError) as exc:     # pyarrow's ArrowInvalid is a ValueError
        raise DataError(f"cannot read comparison data from a {_type_name(obj)}: its Arrow "
                        f"stream is not a table of named columns ({exc}); a single column? Pass "
                        f"a table with one column per role, e.g. winner / loser.") from exc
    return table.to_pandas()


def _from_to_pandas(obj):
    try:
        df = obj.to_pandas()
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "the library it names"
        raise ImportError(f"{_type_name(obj)}.to_pandas() needs {missing}: pip install "
                          f"{missing} ({exc}).") from exc
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"cannot read comparison data from a {_type_name(obj)}: its "
                        f"to_pandas() gave a {_type_name(df)}, not a DataFrame. Pass a table "
                        f"with one column per role, e.g. winner / loser.")
    return df


def _from_records(obj):
    if len(obj) == 0:
        raise DataError(f"the {type(obj).__name__} holds no records: there are no comparisons "
                        f"to read. Pass one record per comparison, e.g. [{_EXAMPLE_RECORD}, "
                        f"...].")
    for i, rec in enumerate(obj):
        if not isinstance(rec, Mapping):
            raise DataError(f"a {type(obj).__name__} of comparison data must hold records "
                            f"(dicts such as {_EXAMPLE_RECORD}), one per comparison; element "
                            f"{i} is a {_type_name(rec)}. For rows of values name the columns: "
                            f"pd.DataFrame(rows, columns=['winner', 'loser']); for integer "
                            f"item codes use Comparisons.from_arrays.")
    return pd.DataFrame(list(obj))


def _from_columns(obj):
    if len(obj) == 0:
        raise DataError("the dict holds no columns: there are no comparisons to read. Pass a "
                        "dict of columns, e.g. {'winner': ['x', 'y'], 'loser': ['y', 'z']}.")
    lengths = {k: len(v) for k, v in obj.items() if pd.api.types.is_list_like(v)
               and hasattr(v, "__len__")}
    if not lengths:
        raise DataError(f"a dict of comparison data must map column names to lists of values "
                        f"(one per comparison); every value here is a single value. For one "
                        f"record pass a list of it: [{_EXAMPLE_RECORD}].")
    if len(set(lengths.values())) > 1:
        raise DataError(f"the columns of the dict have different lengths {lengths}; every "
                        f"column needs one value per comparison.")
    return pd.DataFrame(dict(obj))


def _refusal(obj):
    """The DataError for an object that is not comparison data, with a hint for near misses."""
    name = _type_name(obj)
    hint = ""
    if _root(obj) in ("dask", "dask_expr"):
        hint = (" Pass a Dask DataFrame to btstats.fit or Comparisons.from_frame (which "
                "aggregate it on its cluster), or .compute() it first.")
    elif _root(obj) == "btstats" and type(obj).__name__ == "Comparisons":
        hint = " It is already Comparisons: pass it to btstats.fit, or use its .to_frame()."
    elif isinstance(obj, pd.Series):
        hint = " A Series is one column: pass the DataFrame it came from."
    elif isinstance(obj, np.ndarray):
        hint = (" For integer winner / loser codes use Comparisons.from_arrays, for a square "
                "wins matrix Comparisons.from_matrix.")
    return DataError(f"cannot read comparison data from a {name}. Pass {ACCEPTED}.{hint}")


def as_pandas(data: Any) -> pd.DataFrame:
    """A pandas DataFrame of the table-like ``data`` (see :data:`ACCEPTED`).

    A pandas DataFrame is returned as it is (not copied); everything else is converted to a
    new DataFrame and ``data`` is left unchanged.  Arrow data (pyarrow, polars when pyarrow
    is installed, PyCapsule objects) go through ``pyarrow.Table.to_pandas()``, so strings
    become pandas' string dtype without a round trip through Python objects.  Raises
    :class:`DataError` naming the type and the accepted kinds for anything else, and
    ImportError naming the ``pip install`` when an optional library is needed but missing.
    """
    if isinstance(data, pd.DataFrame):
        return data
    root = _root(data)
    if root == "polars":
        return _from_polars(data)
    if root == "pyarrow":
        return _from_pyarrow(data)
    if root == "datasets":
        _from_datasets(data)                 # refuses split dicts and streams
    if isinstance(data, pd.Series):          # has __arrow_c_stream__, but is one column
        raise _refusal(data)
    if isinstance(data, Mapping):
        return _from_columns(data)
    if isinstance(data, (list, tuple)):
        return _from_records(data)
    if isinstance(data, Iterator):           # a generator of records: read it once
        return _from_records(list(data))
    if isinstance(data, np.ndarray) and data.dtype.names is not None:
        return pd.DataFrame(data)
    if _has_capsule(data):
        return _from_capsule(data)
    if callable(getattr(data, "to_pandas", None)):
        return _from_to_pandas(data)
    raise _refusal(data)
