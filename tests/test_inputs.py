"""The inputs people have (issue 14): table-like objects read as comparison data, and the wide
label tables reshaped by ``btstats.wide_to_long``.

Every kind of input must give the same Comparisons and the same fit as the pandas DataFrame
it was made from (scores equal to 1e-12: the conversion changes no value, so the fits are
the same arithmetic). The PandaLM test is against the bundled ``pandalm`` example, which was
made from the same file by the script in btstats/examples/PROVENANCE.md (a loop over the
records): ``wide_to_long`` must reproduce that table row for row. The wide file is
tests/data/pandalm_testset.json, a byte-for-byte copy of WeOpenML/PandaLM
``data/testset-v1.json`` (see tests/data/README.md).
"""
import copy
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import Comparisons, DataError
from btstats import _tables
from btstats.data import as_pandas

pa = pytest.importorskip("pyarrow")
import pyarrow.dataset as pads  # noqa: E402  (after the importorskip)

PANDALM_CODES = {0: "tie", 1: "a", 2: "b"}      # the PandaLM README's coding
DATA_DIR = Path(__file__).parent / "data"


# --------------------------------------------------------------------------- the kinds
class ArrowStream:
    """Only the Arrow PyCapsule stream interface (as nanoarrow, DuckDB or Ibis results)."""

    def __init__(self, table):
        self._table = table

    def __arrow_c_stream__(self, requested_schema=None):
        return self._table.__arrow_c_stream__(requested_schema)


class ToPandas:
    """Only a ``to_pandas()`` method (as a Hugging Face ``datasets.Dataset``)."""

    def __init__(self, df):
        self._df = df

    def to_pandas(self):
        return self._df.copy()


def _polars(df):
    pl = pytest.importorskip("polars")
    return pl.from_pandas(df)


def _hf_dataset(df):
    datasets = pytest.importorskip("datasets")
    return datasets.Dataset.from_pandas(df, preserve_index=False)


KINDS = {
    "pyarrow-table": lambda df: pa.Table.from_pandas(df, preserve_index=False),
    "pyarrow-recordbatch": lambda df: pa.RecordBatch.from_pandas(df, preserve_index=False),
    "pyarrow-dataset": lambda df: pads.dataset(pa.Table.from_pandas(df, preserve_index=False)),
    "pyarrow-reader": lambda df: pa.RecordBatchReader.from_batches(
        *(lambda t: (t.schema, t.to_batches(max_chunksize=100)))(
            pa.Table.from_pandas(df, preserve_index=False))),
    "polars": _polars,
    "polars-lazy": lambda df: _polars(df).lazy(),
    "records": lambda df: df.to_dict("records"),
    "records-tuple": lambda df: tuple(df.to_dict("records")),
    "records-generator": lambda df: (r for r in df.to_dict("records")),
    "columns": lambda df: df.to_dict("list"),
    "columns-arrays": lambda df: {c: df[c].to_numpy() for c in df.columns},
    "arrow-capsule": lambda df: ArrowStream(pa.Table.from_pandas(df, preserve_index=False)),
    "to-pandas": ToPandas,
    "hf-datasets": _hf_dataset,
    "numpy-structured": lambda df: df.to_records(index=False),
}


def _frame(name):
    return btstats.load_example(name, as_frame=True)


def _assert_same_fit(comps, ref_comps, model="rao-kupper"):
    pd.testing.assert_frame_equal(comps.counts_frame().astype({"item_a": object,
                                                               "item_b": object}),
                                  ref_comps.counts_frame().astype({"item_a": object,
                                                                   "item_b": object}))
    got = btstats.fit(comps, model=model)
    ref = btstats.fit(ref_comps, model=model)
    assert sorted(got.scores.index) == sorted(ref.scores.index)
    np.testing.assert_allclose(got.scores.reindex(ref.scores.index).to_numpy(),
                               ref.scores.to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(got.loglik, ref.loglik, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------- one per kind
@pytest.mark.parametrize("kind", list(KINDS))
def test_from_frame_reads_every_kind(kind):
    """Long labels with ties, an annotator and a prompt column (the pandalm example)."""
    df = _frame("pandalm")
    comps = Comparisons.from_frame(KINDS[kind](df))
    ref = Comparisons.from_frame(df)
    _assert_same_fit(comps, ref)
    assert comps.extra["annotator"].tolist() == ref.extra["annotator"].tolist()


@pytest.mark.parametrize("kind", list(KINDS))
def test_from_arena_reads_every_kind(kind):
    df = _frame("battles")
    comps = Comparisons.from_arena(KINDS[kind](df))
    ref = Comparisons.from_arena(df)
    _assert_same_fit(comps, ref)
    assert comps.n_bothbad == ref.n_bothbad > 0


@pytest.mark.parametrize("kind", list(KINDS))
def test_from_counts_reads_every_kind(kind):
    df = _frame("springall")
    _assert_same_fit(Comparisons.from_counts(KINDS[kind](df)), Comparisons.from_counts(df))


# btstats.fit(data) reads every kind directly (as_comparisons sends table-like data to
# Comparisons.from_frame)
@pytest.mark.parametrize("kind", ["pyarrow-table", "polars", "records", "hf-datasets"])
def test_fit_takes_every_kind_directly(kind):
    df = _frame("pandalm")
    got = btstats.fit(KINDS[kind](df), model="rao-kupper")
    ref = btstats.fit(df, model="rao-kupper")
    np.testing.assert_allclose(got.scores.reindex(ref.scores.index).to_numpy(),
                               ref.scores.to_numpy(), rtol=0, atol=1e-12)


def test_polars_categoricals_and_nulls():
    """polars Categorical / Enum columns arrive as pandas categoricals; a null label is the
    usual missing-label error."""
    pl = pytest.importorskip("polars")
    df = _frame("battles")
    lf = pl.from_pandas(df).with_columns(pl.col("model_a").cast(pl.Categorical),
                                         pl.col("winner").cast(pl.Enum(
                                             ["model_a", "model_b", "tie", "tie (bothbad)"])))
    _assert_same_fit(Comparisons.from_arena(lf), Comparisons.from_arena(df))
    bad = pl.DataFrame({"winner": ["x", None, "y"], "loser": ["y", "x", "x"]})
    with pytest.raises(DataError, match=r"missing \(NaN or None\) item label: rows 1"):
        Comparisons.from_frame(bad)


def test_without_pyarrow(monkeypatch):
    """No pyarrow: polars goes through its own to_pandas (or Python lists); a capsule-only
    object is an ImportError naming the pip install; one with to_pandas() uses it."""
    pl = pytest.importorskip("polars")
    monkeypatch.setattr(_tables, "_pyarrow", lambda: None)
    df = _frame("battles")
    ref = Comparisons.from_arena(df)
    _assert_same_fit(Comparisons.from_arena(pl.from_pandas(df)), ref)

    def no_pyarrow(self, *args, **kwargs):
        raise ModuleNotFoundError("No module named 'pyarrow'", name="pyarrow")

    monkeypatch.setattr(pl.DataFrame, "to_pandas", no_pyarrow)
    _assert_same_fit(Comparisons.from_arena(pl.from_pandas(df)), ref)

    stream = ArrowStream(pa.Table.from_pandas(df, preserve_index=False))
    with pytest.raises(ImportError, match=r"needs pyarrow: pip install pyarrow"):
        Comparisons.from_arena(stream)

    class Both(ArrowStream):
        def to_pandas(self):
            return df.copy()

    _assert_same_fit(Comparisons.from_arena(Both(stream._table)), ref)


def test_to_pandas_missing_library_names_the_install():
    class NeedsThing:
        def to_pandas(self):
            raise ModuleNotFoundError("No module named 'thing'", name="thing")

    with pytest.raises(ImportError, match=r"to_pandas\(\) needs thing: pip install thing"):
        Comparisons.from_frame(NeedsThing())


def test_other_entry_points_through_as_frame():
    """evaluation.split and win_rate_scores read with the same as_frame."""
    df = _frame("pandalm")
    table = pa.Table.from_pandas(df, preserve_index=False)
    ref_train, ref_test = btstats.evaluation.split(df, rng=3)
    train, test = btstats.evaluation.split(table, rng=3)
    pd.testing.assert_frame_equal(train.reset_index(drop=True),
                                  ref_train.reset_index(drop=True))
    pd.testing.assert_frame_equal(test.reset_index(drop=True), ref_test.reset_index(drop=True))


def test_btstats_imports_no_optional_library():
    code = ("import sys, btstats; bad = [m for m in ('polars', 'datasets') if m in "
            "sys.modules]; assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_is_table_like_is_cheap_and_exact():
    pl = pytest.importorskip("polars")
    df = _frame("springall")
    for kind in ("pyarrow-table", "pyarrow-dataset", "records", "columns", "arrow-capsule",
                 "to-pandas", "numpy-structured"):
        assert _tables.is_table_like(KINDS[kind](df)), kind
    assert _tables.is_table_like(pl.from_pandas(df).lazy())
    for other in (3, None, "file.json", np.zeros((2, 2)), object(), pd.Series([1, 2])):
        assert not _tables.is_table_like(other)


def test_a_pandas_frame_is_not_copied():
    df = _frame("springall")
    assert as_pandas(df) is df


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("obj", [object(), 42, {1, 2}, 2.5])
def test_unknown_object_names_the_type_and_the_kinds(obj):
    with pytest.raises(DataError) as err:
        Comparisons.from_frame(obj)
    msg = str(err.value)
    assert f"from a {type(obj).__qualname__}." in msg
    for kind in ("pandas or polars DataFrame", "pyarrow Table", "datasets.Dataset",
                 "list (or iterator) of records", "dict of columns", "__arrow_c_stream__", "to_pandas()",
                 "JSON"):
        assert kind in msg, kind


@pytest.mark.parametrize("obj, match", [
    ([], r"list holds no records.*one record per comparison"),
    ([("x", "y"), ("y", "z")], r"must hold records .*element 0 is a tuple.*pd\.DataFrame\("
                               r"rows, columns="),
    ([{"winner": "x", "loser": "y"}, ["y", "x"]], r"element 1 is a list"),
    ({}, r"dict holds no columns"),
    ({"winner": "x", "loser": "y"}, r"every value here is a single value.*\[\{'winner'"),
    ({"winner": ["x", "y", "z"], "loser": ["y", "x"]},
     r"different lengths \{'winner': 3, 'loser': 2\}"),
    (pd.Series(["x", "y"]), r"A Series is one column"),
    (np.array([[0, 1], [1, 0]]), r"Comparisons\.from_arrays.*Comparisons\.from_matrix"),
    (pa.chunked_array([["x", "y"]]), r"pyarrow.*ChunkedArray: it is a single column"),
    (ArrowStream(pa.chunked_array([[1, 2]])), r"Arrow stream is not a table of named columns"),
    (ToPandas.__new__(ToPandas), None),
])
def test_bad_table_like_inputs(obj, match):
    if match is None:                       # a to_pandas() that gives no DataFrame
        obj._df = pd.Series([1, 2])
        obj.to_pandas = lambda: pd.Series([1, 2])
        match = r"to_pandas\(\) gave a pandas.*Series, not a DataFrame"
    with pytest.raises(DataError, match=match):
        Comparisons.from_frame(obj)


def test_polars_series_and_splits_and_streams():
    pl = pytest.importorskip("polars")
    with pytest.raises(DataError, match=r"polars Series is a single column"):
        Comparisons.from_frame(pl.Series("winner", ["x", "y"]))
    datasets = pytest.importorskip("datasets")
    rec = {"winner": ["x", "y"], "loser": ["y", "x"]}
    splits = datasets.DatasetDict({"train": datasets.Dataset.from_dict(rec),
                                   "test": datasets.Dataset.from_dict(rec)})
    with pytest.raises(DataError, match=r"splits \['train', 'test'\]. Pick one, e.g. "
                                        r"data\['train'\]"):
        Comparisons.from_frame(splits)
    stream = datasets.Dataset.from_dict(rec).to_iterable_dataset()
    with pytest.raises(DataError, match=r"without streaming=True"):
        Comparisons.from_frame(stream)


def test_near_misses_get_a_hint():
    comps = btstats.load_example("springall")
    with pytest.raises(DataError, match=r"already Comparisons: pass it to btstats.fit"):
        Comparisons.from_counts(comps)
    Dask = type("DataFrame", (), {"__module__": "dask_expr._collection"})
    with pytest.raises(DataError, match=r"Dask DataFrame .*\.compute\(\)"):
        as_pandas(Dask())


def test_repeated_column_names_in_an_arrow_table():
    t = pa.table([["x", "y"], ["y", "x"], ["y", "x"]], names=["winner", "loser", "loser"])
    with pytest.raises(DataError, match=r"repeated column names \['loser'\]"):
        Comparisons.from_frame(t)


# --------------------------------------------------------------------------- no mutation
def test_inputs_are_not_changed():
    pl = pytest.importorskip("polars")
    df = _frame("pandalm")
    records = df.to_dict("records")
    columns = {c: df[c].to_numpy() for c in df.columns}
    columns["outcome"].flags.writeable = False
    lists = df.to_dict("list")
    table = pa.Table.from_pandas(df, preserve_index=False)
    frame = pl.from_pandas(df)
    snaps = (copy.deepcopy(records), {c: v.copy() for c, v in columns.items()},
             copy.deepcopy(lists), table.to_pandas(), frame.clone())
    for obj in (records, columns, lists, table, frame):
        Comparisons.from_frame(obj)
        btstats.wide_to_long(obj, ["outcome"], keep=["item_a", "item_b"])
    assert records == snaps[0]
    for c, v in columns.items():
        np.testing.assert_array_equal(v, snaps[1][c])
        assert v.flags.writeable == (c != "outcome")
    assert lists == snaps[2]
    pd.testing.assert_frame_equal(table.to_pandas(), snaps[3])
    assert frame.equals(snaps[4])


def test_wide_to_long_leaves_its_frame_alone():
    wide = _pandalm_wide()
    before = wide.copy(deep=True)
    dtypes, index = wide.dtypes.copy(), wide.index.copy()
    btstats.wide_to_long(wide, ["annotator1", "annotator2", "annotator3"],
                         codes=PANDALM_CODES, row_id="row")
    pd.testing.assert_frame_equal(wide, before)
    assert wide.dtypes.equals(dtypes) and wide.index.equals(index)


# --------------------------------------------------------------------------- wide to long
def test_wide_to_long_small_example():
    """A PandaLM-shaped table: three annotators, codes 0 tie / 1 first / 2 second, a label
    missing and a non-default index."""
    wide = pd.DataFrame({"idx": [7, 8, 9], "item_a": ["llama", "opt", "bloom"],
                         "item_b": ["opt", "bloom", "llama"],
                         "r1": [1, 0, 2], "r2": [1, 2, 2], "r3": [2.0, None, 2.0]},
                        index=[10, 10, 5])
    long = btstats.wide_to_long(wide, {"r1": "ann", "r2": "bo", "r3": "cy"},
                                codes=PANDALM_CODES, row_id="comparison")
    expected = pd.DataFrame({
        "comparison": [0, 0, 0, 1, 1, 2, 2, 2],
        "idx": [7, 7, 7, 8, 8, 9, 9, 9],
        "item_a": ["llama"] * 3 + ["opt"] * 2 + ["bloom"] * 3,
        "item_b": ["opt"] * 3 + ["bloom"] * 2 + ["llama"] * 3,
        "annotator": ["ann", "bo", "cy", "ann", "bo", "ann", "bo", "cy"],
        "outcome": ["a", "a", "b", "tie", "b", "b", "b", "b"]})
    pd.testing.assert_frame_equal(long, expected, check_dtype=False)
    assert isinstance(long.index, pd.RangeIndex)
    comps = Comparisons.from_frame(long, cluster="comparison")
    assert (comps.n_comparisons, comps.n_ties) == (8.0, 1.0)
    assert comps.extra["annotator"].tolist() == expected["annotator"].tolist()
    # without codes the labels stay as they are; dropna=False keeps the missing one
    raw = btstats.wide_to_long(wide, ["r1", "r2", "r3"], keep=["item_a", "item_b"],
                               annotator="who", outcome="label", dropna=False)
    assert list(raw.columns) == ["item_a", "item_b", "who", "label"]
    assert raw["who"].tolist() == ["r1", "r2", "r3"] * 3
    assert np.isnan(raw["label"].iloc[5]) and raw["label"].iloc[2] == 2.0
    with pytest.raises(DataError, match=r"unknown outcome code"):
        Comparisons.from_frame(raw, outcome="label")


def _pandalm_wide():
    """The PandaLM test set as it is published: one row per pair, one column per annotator
    (plus the two models split out of ``cmp_key``, response 1 by the first)."""
    wide = pd.read_json(DATA_DIR / "pandalm_testset.json")
    models = wide["cmp_key"].str.split("_", n=1, expand=True)
    return wide.assign(item_a=models[0], item_b=models[1],
                       prompt=wide["instruction"] + wide["input"])


def test_wide_to_long_reproduces_the_pandalm_example():
    """The bundled ``pandalm`` example (one row per label, PROVENANCE.md's loop) is exactly
    ``wide_to_long`` of the published file; it fits and agrees the same."""
    wide = _pandalm_wide()
    long = btstats.wide_to_long(wide, {f"annotator{k}": f"human{k}" for k in (1, 2, 3)},
                                keep=["item_a", "item_b", "prompt"], codes=PANDALM_CODES)
    ids = {p: f"p{i:03d}" for i, p in enumerate(sorted(long["prompt"].unique()))}
    long["prompt"] = long["prompt"].map(ids)
    example = _frame("pandalm")
    assert len(long) == 2997 == 3 * len(wide)
    pd.testing.assert_frame_equal(long[list(example.columns)], example, check_dtype=False)
    _assert_same_fit(Comparisons.from_frame(long), Comparisons.from_frame(example))
    got = btstats.agreement.agreement(long, n_resamples=0)
    ref = btstats.agreement.agreement(example, n_resamples=0)
    assert (got.agreement, got.fleiss_kappa, got.n_units) == \
        (ref.agreement, ref.fleiss_kappa, ref.n_units)
    pd.testing.assert_frame_equal(got.cohen, ref.cohen)


def test_wide_to_long_reads_a_polars_table():
    pl = pytest.importorskip("polars")
    wide = _pandalm_wide()[["item_a", "item_b", "annotator1", "annotator2", "annotator3"]]
    cols = ["annotator1", "annotator2", "annotator3"]
    got = btstats.wide_to_long(pl.from_pandas(wide), cols, codes=PANDALM_CODES)
    ref = btstats.wide_to_long(wide, cols, codes=PANDALM_CODES)
    pd.testing.assert_frame_equal(got, ref, check_dtype=False)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(annotators=[]), DataError, r"`annotators` is empty"),
    (dict(annotators="r1"), TypeError, r"`annotators` must be a list"),
    (dict(annotators=["r1", "r9"]), DataError, r"not in the data: \['r9'\]; columns are"),
    (dict(annotators=["r1", "r1"]), DataError, r"names the columns \['r1'\] more than once"),
    (dict(annotators=["r1", "r2"], keep=["item_a", "r2"]), DataError,
     r"`keep` names the annotator columns \['r2'\]"),
    (dict(annotators=["r1", "r2"], keep=["nope"]), DataError, r"`keep` names columns .*nope"),
    (dict(annotators=["r1", "r2"], annotator="item_a"), DataError,
     r"already have a column 'item_a'.*annotator='...'"),
    (dict(annotators=["r1", "r2"], outcome="x", annotator="x"), DataError,
     r"distinct names"),
    (dict(annotators=["r1", "r2"], codes={1: "a", 2: "b"}), DataError,
     r"column 'r1' has 1 label\(s\) \['0'\] that `codes` does not map \(rows 1\)"),
    (dict(annotators=["r1", "r2"], codes=[1, 2]), TypeError, r"`codes` must be a dict"),
    (dict(annotators=["r1", "r2"], dropna=None), TypeError, r"`dropna` must be True or "
                                                            r"False"),
])
def test_wide_to_long_bad_arguments(kwargs, error, match):
    wide = pd.DataFrame({"item_a": ["x", "y"], "item_b": ["y", "z"], "r1": [1, 0],
                         "r2": [2, 1]})
    with pytest.raises(error, match=match):
        btstats.wide_to_long(wide, **kwargs)


def test_wide_to_long_refuses_a_path(tmp_path):
    path = tmp_path / "wide.json"
    path.write_text(json.dumps([{"item_a": "x", "item_b": "y", "r1": 1}]))
    with pytest.raises(TypeError, match=r"read the file first, e.g. pd.read_json\(path\)"):
        btstats.wide_to_long(path, ["r1"])
