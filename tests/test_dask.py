"""Dask DataFrames: the pair counts are aggregated on a real cluster, the fit is local.

One ``LocalCluster`` of two worker processes serves the module. The data are a partitioned
Parquet data set written here (several files, labels that appear in only some files, ties,
fractional weights), read back with ``dask.dataframe.read_parquet``; the reference is the
in-memory fit of the same files read with pandas, which must agree to 1e-10 (the two differ
only in the order in which the weights are summed).
"""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import Comparisons, DataError

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from btstats.data.dask import is_dask_frame, pair_counts  # noqa: E402

from_dask = btstats.Comparisons.from_dask

TOL = 1e-10
ITEMS = [f"m{k:02d}" for k in range(9)]
N_FILES = 4


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None, silence_logs=40)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def _battles(rng, n_files=N_FILES, rows=600):
    """Arena battles in ``n_files`` chunks: "m07" only in the first chunk, "m08" only in the
    last, every other model in every chunk; ties of both kinds; fractional weights."""
    chunks = []
    for k in range(n_files):
        pool = ITEMS[:7] + (["m07"] if k == 0 else []) + (["m08"] if k == n_files - 1 else [])
        a = rng.integers(0, len(pool), rows)
        b = (a + rng.integers(1, len(pool), rows)) % len(pool)
        chunks.append(pd.DataFrame({
            "model_a": np.array(pool)[a], "model_b": np.array(pool)[b],
            "winner": rng.choice(["model_a", "model_b", "tie", "tie (bothbad)"], rows,
                                 p=[0.4, 0.35, 0.15, 0.1]),
            "weight": rng.uniform(0.2, 3.0, rows)}))
    return chunks


def _as_layout(chunk, layout):
    if layout == "arena":
        return chunk
    code = chunk["winner"].map({"model_a": 0, "model_b": 1, "tie": 2, "tie (bothbad)": 2})
    if layout == "outcome":
        return pd.DataFrame({"item_a": chunk["model_a"], "item_b": chunk["model_b"],
                             "outcome": np.array(["a", "b", "tie"])[code],
                             "weight": chunk["weight"]})
    decisive = code < 2
    a_won = code[decisive] == 0
    first, second = chunk["model_a"][decisive], chunk["model_b"][decisive]
    return pd.DataFrame({"winner": np.where(a_won, first, second),
                         "loser": np.where(a_won, second, first),
                         "weight": chunk["weight"][decisive]})


def _write(tmp_path, chunks, name):
    folder = tmp_path / name
    folder.mkdir()
    for k, chunk in enumerate(chunks):
        chunk.reset_index(drop=True).to_parquet(folder / f"part-{k}.parquet", index=False)
    return folder


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    rng = np.random.default_rng(20240613)
    chunks = _battles(rng)
    root = tmp_path_factory.mktemp("dask")
    return {layout: _write(root, [_as_layout(c, layout) for c in chunks], layout)
            for layout in ("arena", "outcome", "winner")}


def _assert_same_fit(cluster_fit, memory_fit):
    # the labels, their order, the scores and the standard errors
    assert list(cluster_fit.scores.index) == list(memory_fit.scores.index)
    np.testing.assert_allclose(cluster_fit.scores.to_numpy(), memory_fit.scores.to_numpy(),
                               rtol=0, atol=TOL)
    np.testing.assert_allclose(cluster_fit.standard_errors.to_numpy(),
                               memory_fit.standard_errors.to_numpy(), rtol=0, atol=TOL)
    assert cluster_fit.loglik == pytest.approx(memory_fit.loglik, rel=1e-12)


@pytest.mark.parametrize("layout, model, ties", [
    ("winner", "bradley-terry", None),
    ("outcome", "rao-kupper", None),
    ("arena", "rao-kupper", None),
    ("arena", "bradley-terry", "half"),
])
def test_fit_on_the_cluster_equals_the_fit_in_memory(client, datasets, layout, model, ties):
    ddf = dd.read_parquet(datasets[layout])
    assert ddf.npartitions == N_FILES and is_dask_frame(ddf)
    memory = pd.read_parquet(datasets[layout])
    _assert_same_fit(btstats.fit(ddf, model=model, ties=ties),
                     btstats.fit(memory, model=model, ties=ties))


def test_labels_of_some_partitions_and_the_counts(client, datasets):
    ddf = dd.read_parquet(datasets["arena"])
    counts = pair_counts(ddf)
    memory = Comparisons.from_frame(pd.read_parquet(datasets["arena"]))
    assert set(counts["item_a"]) | set(counts["item_b"]) == set(ITEMS)
    # one row per (pair, order): the arena's implicit order is kept in the key
    assert not counts.duplicated(["item_a", "item_b", "order"]).any()
    assert (counts["item_a"] < counts["item_b"]).all()
    c = from_dask(ddf)
    assert list(c.items) == list(memory.items) == ITEMS
    for field in ("pi", "pj"):
        np.testing.assert_array_equal(getattr(c.pairs, field), getattr(memory.pairs, field))
    for field in ("wab", "wba", "tie"):
        np.testing.assert_allclose(getattr(c.pairs, field), getattr(memory.pairs, field),
                                   rtol=1e-13)
    assert c.n_comparisons == pytest.approx(memory.n_comparisons, rel=1e-13)


def test_order_effect_and_split_out(client, datasets):
    ddf = dd.read_parquet(datasets["arena"])
    memory = pd.read_parquet(datasets["arena"])
    cluster_fit = btstats.fit(from_dask(ddf, split_out=2), model="rao-kupper",
                              order_effect=True)
    memory_fit = btstats.fit(memory, model="rao-kupper", order_effect=True)
    _assert_same_fit(cluster_fit, memory_fit)
    np.testing.assert_allclose(cluster_fit.params.to_numpy(), memory_fit.params.to_numpy(),
                               rtol=0, atol=TOL)


def test_pair_counts_read_back(client, tmp_path):
    # the pair-count layout itself, repeated and reversed pairs added up
    counts = pd.DataFrame({"item_a": ["x", "y", "x", "z", "y", "z"],
                           "item_b": ["y", "x", "z", "x", "z", "y"],
                           "wins_a": [3.0, 2, 4, 1, 2, 1], "wins_b": [1.0, 1, 2, 2, 3, 0],
                           "ties": [1.0, 0, 1, 0, 1, 2]})
    folder = _write(tmp_path, [counts[:3], counts[3:]], "counts")
    cluster_fit = btstats.fit(dd.read_parquet(folder), model="rao-kupper")
    _assert_same_fit(cluster_fit, btstats.fit(counts, model="rao-kupper"))
    assert cluster_fit.comparisons.n_ties == 5.0


def test_bad_rows_are_one_data_error(client, tmp_path):
    rng = np.random.default_rng(7)
    chunks = _battles(rng, n_files=3, rows=50)
    chunks[1].loc[[3, 9, 10], "winner"] = "model_c"       # unknown labels, partition 1
    chunks[2].loc[[0], "winner"] = None                    # a missing outcome, partition 2
    chunks[2].loc[[4, 5], "model_b"] = None                # missing labels, partition 2
    ddf = dd.read_parquet(_write(tmp_path, chunks, "bad"))
    with pytest.raises(DataError) as err:
        btstats.fit(ddf, model="rao-kupper")
    text = str(err.value)
    assert "column 'winner' has 4 unknown or missing winner label(s)" in text
    assert "'model_c' (3 rows)" in text and "missing (1 row)" in text
    assert "first in partition 1, row 3" in text
    assert "2 row(s) have a missing (NaN or None) item label" in text
    assert "Traceback" not in text


def test_bad_weights_and_self_comparisons(client):
    rows = pd.DataFrame({"winner": ["x", "y", "z", "x", "y", "y"],
                         "loser": ["y", "z", "x", "x", "x", "z"],
                         "weight": [1.0, -2.0, 1.0, 1.0, np.nan, 1.0]})
    with pytest.raises(DataError, match=r"compare an item with itself \(items 'x' \(1 row\)"):
        btstats.fit(dd.from_pandas(rows, npartitions=2))
    with pytest.raises(DataError, match=r"'weight' must be finite and non-negative; 2 row"):
        btstats.fit(dd.from_pandas(rows, npartitions=2))


def test_rows_that_cannot_be_aggregated_are_refused(client, datasets):
    ddf = dd.read_parquet(datasets["arena"])
    with pytest.raises(DataError, match=r"cluster='weight'.*cannot be aggregated"):
        btstats.fit(ddf, cluster="weight")
    with pytest.raises(DataError, match=r"ddf\['weight'\]\.astype\(float\)"):
        btstats.fit(ddf.assign(weight=ddf["weight"].astype(str)))


def test_import_btstats_does_not_import_dask():
    code = "import sys, btstats; assert 'dask' not in sys.modules, 'dask imported'"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
