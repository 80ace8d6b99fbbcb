"""Comparisons streamed from Parquet (btstats.data.parquet) against the in-memory readers.

The reference of every layout is ``btstats.fit(pd.read_parquet(path))`` (or
``Comparisons.from_frame`` of the same frame): scores, standard errors and log-likelihood must
agree to 1e-10 (the two differ only in the order in which weights are summed).  Small
``batch_size`` values make many record batches and many buffers to merge, and the data are
written so that some labels first appear in a later file or batch.  The merge kernel is
checked against a dictionary of counts.
"""
import os

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import Comparisons, DataError

pa = pytest.importorskip("pyarrow")

from btstats._kernels import pair_merge  # noqa: E402
from btstats.cli import main  # noqa: E402
from btstats.data import parquet as bpq  # noqa: E402

TOL = 1e-10
MODELS = [f"m{k:02d}" for k in range(12)]


def _battles(rng, rows=400, late=True):
    """Arena battles; with ``late``, the last two models only appear in the second half."""
    n_early = len(MODELS) - 2 if late else len(MODELS)
    half = rows // 2
    a = np.concatenate([rng.integers(0, n_early, half), rng.integers(0, len(MODELS), half)])
    b = (a + rng.integers(1, len(MODELS), rows)) % len(MODELS)
    if late:
        b[:half] = (a[:half] + rng.integers(1, n_early, half)) % n_early
    return pd.DataFrame({
        "model_a": np.array(MODELS)[a], "model_b": np.array(MODELS)[b],
        "winner": rng.choice(["model_a", "model_b", "tie", "tie (bothbad)"], rows,
                             p=[0.4, 0.35, 0.15, 0.1]),
        "weight": rng.uniform(0.2, 3.0, rows)})


def _layout(df, layout):
    code = df["winner"].map({"model_a": 0, "model_b": 1, "tie": 2, "tie (bothbad)": 2})
    if layout == "arena":
        return df.drop(columns="weight")
    if layout == "outcome":
        return pd.DataFrame({"item_a": df["model_a"], "item_b": df["model_b"],
                             "outcome": np.array([1.0, 0.0, 0.5])[code]})
    if layout == "words":
        return pd.DataFrame({"item_a": df["model_a"], "item_b": df["model_b"],
                             "outcome": np.array(["a", "b", "tie"])[code],
                             "weight": df["weight"]})
    if layout == "counts":
        wins = np.stack([(code == k).to_numpy() * df["weight"].to_numpy() for k in range(3)])
        return pd.DataFrame({"item_a": df["model_a"], "item_b": df["model_b"],
                             "wins_a": wins[0], "wins_b": wins[1], "ties": wins[2]})
    decisive = (code < 2).to_numpy()
    won = (code[decisive] == 0).to_numpy()
    first, second = df["model_a"][decisive], df["model_b"][decisive]
    return pd.DataFrame({"winner": np.where(won, first, second),
                         "loser": np.where(won, second, first)})


def _write(folder, frame, n_files=3):
    folder.mkdir(parents=True, exist_ok=True)
    for k, part in enumerate(np.array_split(np.arange(len(frame)), n_files)):
        frame.iloc[part].reset_index(drop=True).to_parquet(folder / f"part-{k}.parquet",
                                                           index=False)
    return folder


def _same_fit(streamed, memory, **kw):
    s, m = btstats.fit(streamed, **kw), btstats.fit(memory, **kw)
    assert list(s.scores.index) == list(m.scores.index)
    np.testing.assert_allclose(s.scores.to_numpy(), m.scores.to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(s.standard_errors.to_numpy(), m.standard_errors.to_numpy(),
                               rtol=0, atol=TOL)
    assert s.loglik == pytest.approx(m.loglik, rel=1e-12)


def _same_counts(streamed, memory):
    a, b = streamed.counts_frame(), memory.counts_frame()
    assert list(a["item_a"]) == list(b["item_a"]) and list(a["item_b"]) == list(b["item_b"])
    np.testing.assert_allclose(a[["wins_a", "wins_b", "ties"]].to_numpy(),
                               b[["wins_a", "wins_b", "ties"]].to_numpy(), rtol=1e-13)


@pytest.fixture(scope="module")
def battles():
    return _battles(np.random.default_rng(20261202))


@pytest.mark.parametrize("layout, model, ties", [
    ("winner", "bradley-terry", None),
    ("outcome", "rao-kupper", None),
    ("words", "davidson", None),
    ("arena", "rao-kupper", None),
    ("arena", "bradley-terry", "half"),
    ("counts", "rao-kupper", None),
])
@pytest.mark.parametrize("batch_size", [7, 100_000])
def test_streamed_fit_equals_the_fit_in_memory(tmp_path, battles, layout, model, ties,
                                               batch_size):
    folder = _write(tmp_path / layout, _layout(battles, layout))
    streamed = Comparisons.from_parquet(folder, batch_size=batch_size)
    memory = Comparisons.from_frame(pd.read_parquet(folder))
    assert streamed.n_items == len(MODELS)
    _same_counts(streamed, memory)
    assert streamed.n_comparisons == pytest.approx(memory.n_comparisons, rel=1e-13)
    _same_fit(streamed, memory, model=model, ties=ties)


def test_integer_ids_sparse_and_late_and_large(tmp_path):
    """Integer ids are their own codes (ids that never occur are no items); an id beyond the
    dense range in a later batch switches to hashing mid-stream."""
    rng = np.random.default_rng(5)
    ids = np.array([3, 17, 40, 41, 99, 250, 1000, 1001])
    a = rng.integers(0, len(ids), 600)
    b = (a + rng.integers(1, len(ids), 600)) % len(ids)
    frame = pd.DataFrame({"item_a": ids[a].astype(np.int32), "item_b": ids[b].astype(np.int32),
                          "outcome": rng.integers(0, 2, 600).astype(np.int8)})
    folder = _write(tmp_path / "dense", frame)
    streamed = Comparisons.from_parquet(folder, batch_size=11)
    memory = Comparisons.from_frame(pd.read_parquet(folder))
    assert list(streamed.items) == ids.tolist() and streamed.items.dtype == np.int32
    _same_counts(streamed, memory)
    _same_fit(streamed, memory)
    big = frame.astype({"item_a": np.int64, "item_b": np.int64})
    late = big.index >= 400
    big.loc[late & (big["item_a"] == 1001), "item_a"] = 2 ** 40
    big.loc[late & (big["item_b"] == 1001), "item_b"] = 2 ** 40
    big.loc[late & (big["item_a"] == 3), "item_a"] = -5
    folder = _write(tmp_path / "switch", big)
    streamed = Comparisons.from_parquet(folder, batch_size=13)
    memory = Comparisons.from_frame(pd.read_parquet(folder))
    assert list(streamed.items) == list(memory.items)
    assert 2 ** 40 in streamed.items and -5 in streamed.items
    _same_counts(streamed, memory)
    _same_fit(streamed, memory)


def test_weights_zero_weights_and_an_item_only_in_zero_weight_rows(tmp_path, battles):
    frame = _layout(battles, "words")
    frame.loc[:30, "weight"] = 0.0
    frame.loc[0, ["item_a", "item_b"]] = ["zz", "m00"]     # "zz" appears with weight 0 only
    path = tmp_path / "w.parquet"
    frame.to_parquet(path, index=False)
    streamed = Comparisons.from_parquet(path, batch_size=5)
    memory = Comparisons.from_frame(pd.read_parquet(path))
    assert "zz" in streamed.items and streamed.n_items == memory.n_items
    _same_counts(streamed, memory)
    given = Comparisons.from_parquet(path, weight="weight", outcome="outcome")
    _same_counts(given, memory)


def test_glob_list_and_partitioned_directory(tmp_path, battles):
    frame = _layout(battles, "outcome")
    folder = _write(tmp_path / "files", frame, n_files=4)
    memory = Comparisons.from_frame(frame)
    for source in (str(folder / "part-*.parquet"), sorted(folder.glob("*.parquet"))):
        streamed = Comparisons.from_parquet(source, batch_size=9)
        _same_counts(streamed, memory)
        _same_fit(streamed, memory, model="rao-kupper")
    hive = tmp_path / "hive"
    frame.assign(day=np.arange(len(frame)) % 3).to_parquet(hive, partition_cols=["day"],
                                                            index=False)
    assert sorted(os.listdir(hive)) == ["day=0", "day=1", "day=2"]
    streamed = Comparisons.from_parquet(hive, batch_size=9)
    _same_counts(streamed, memory)
    _same_fit(streamed, Comparisons.from_frame(pd.read_parquet(hive)), model="rao-kupper")


def test_categorical_and_boolean_columns(tmp_path, battles):
    frame = _layout(battles, "outcome")
    frame = frame[frame["outcome"] != 0.5].reset_index(drop=True)
    frame["outcome"] = frame["outcome"] == 1.0
    frame["item_a"] = frame["item_a"].astype("category")
    path = tmp_path / "cat.parquet"
    frame.to_parquet(path, index=False)
    _same_counts(Comparisons.from_parquet(path, batch_size=17),
                 Comparisons.from_frame(pd.read_parquet(path)))


@pytest.mark.parametrize("roles, needle", [
    (dict(annotator="judge"), "annotator='judge'"),
    (dict(cluster="prompt"), "cluster='prompt'"),
    (dict(covariates=["x"]), "covariates=['x']"),
    (dict(order="home"), "order='home'"),
])
def test_per_row_columns_are_refused(tmp_path, battles, roles, needle):
    frame = _layout(battles, "outcome").assign(judge="j", prompt="p", x=1.0, home=1)
    path = tmp_path / "x.parquet"
    frame.to_parquet(path, index=False)
    with pytest.raises(bpq.RowsNeededError, match="from_frame\\(pd.read_parquet") as err:
        Comparisons.from_parquet(path, **roles)
    assert needle in str(err.value) and isinstance(err.value, DataError)
    # found only by their names, such columns are not read
    _same_counts(Comparisons.from_parquet(path), Comparisons.from_frame(frame))


def test_graded_layout_is_refused(tmp_path):
    path = tmp_path / "g.parquet"
    pd.DataFrame({"item_a": ["x", "y"], "item_b": ["y", "z"], "grade": [2, -1]}).to_parquet(
        path, index=False)
    with pytest.raises(bpq.RowsNeededError, match="graded outcomes"):
        Comparisons.from_parquet(path)


def test_missing_and_unreadable_sources(tmp_path):
    with pytest.raises(DataError, match="no such file or directory"):
        Comparisons.from_parquet(tmp_path / "nope.parquet")
    with pytest.raises(DataError, match="no files match"):
        Comparisons.from_parquet(str(tmp_path / "*.parquet"))
    with pytest.raises(DataError, match="no such file"):
        Comparisons.from_parquet([tmp_path / "a.parquet"])
    bad = tmp_path / "bad.parquet"
    bad.write_text("item_a,item_b\nx,y\n")
    with pytest.raises(DataError, match="not a readable Parquet"):
        Comparisons.from_parquet(bad)
    empty = tmp_path / "empty.parquet"
    pd.DataFrame({"winner": pd.Series([], dtype=str),
                  "loser": pd.Series([], dtype=str)}).to_parquet(empty)
    with pytest.raises(DataError, match="empty"):
        Comparisons.from_parquet(empty)
    with pytest.raises(DataError, match="cannot tell the layout"):
        pd.DataFrame({"p": ["x"], "q": ["y"]}).to_parquet(tmp_path / "pq.parquet")
        Comparisons.from_parquet(tmp_path / "pq.parquet")
    with pytest.raises(ValueError, match="batch_size"):
        Comparisons.from_parquet(empty, batch_size=0)
    with pytest.raises(TypeError, match="unexpected keyword"):
        Comparisons.from_parquet(empty, colour="red")


@pytest.mark.parametrize("change, needle", [
    ({(13, "item_b"): "y", (13, "item_a"): "y"}, "compare an item with itself"),
    ({(12, "outcome"): 2.0}, "unknown or missing outcome code"),
    ({(14, "weight"): -1.0}, "finite and non-negative"),
    ({(11, "item_a"): None}, "missing (NaN or None) item label"),
])
def test_bad_rows_name_the_file_and_row(tmp_path, change, needle):
    frame = pd.DataFrame({"item_a": ["x", "y", "z", "x"] * 5,
                          "item_b": ["y", "z", "x", "z"] * 5,
                          "outcome": [1.0, 0.0, 0.5, 1.0] * 5, "weight": 1.0})
    frame = frame.astype({"item_a": object})
    for (row, col), value in change.items():
        frame.loc[row, col] = value
    folder = _write(tmp_path / "bad", frame, n_files=2)
    row = min(r for r, _ in change)
    with pytest.raises(DataError, match=needle.replace("(", "\\(").replace(")", "\\)")) as err:
        Comparisons.from_parquet(folder, batch_size=4)
    assert f"part-1.parquet row {row - 10}" in str(err.value)


def test_merge_kernel_against_a_dictionary():
    rng = np.random.default_rng(3)

    def table(m):
        keys = np.unique(rng.integers(0, 40 * 40, m))
        pi, pj = keys // 40, keys % 40
        keep = pi < pj
        k = int(keep.sum())
        return (pi[keep].astype(np.int32), pj[keep].astype(np.int32), rng.random(k),
                rng.random(k), rng.random(k))

    for m1, m2 in [(0, 5), (300, 0), (300, 200), (1, 1), (600, 600)]:
        t1, t2 = table(m1), table(m2)
        want = {}
        for t in (t1, t2):
            for i, j, x, y, z in zip(*t):
                acc = want.setdefault((int(i), int(j)), [0.0, 0.0, 0.0])
                acc[0] += x
                acc[1] += y
                acc[2] += z
        size = pair_merge.merged_size(t1[0], t1[1], t2[0], t2[1])
        assert size == len(want)
        out = bpq._empty_table(size)
        pair_merge.merge_into(*t1, *t2, *out)
        keys = sorted(want)
        assert list(zip(out[0].tolist(), out[1].tolist())) == keys
        np.testing.assert_allclose(np.stack(out[2:], 1), [want[k] for k in keys], rtol=1e-15)


def test_cli_fit_streams_a_directory_and_a_glob(tmp_path, capsys, battles):
    folder = _write(tmp_path / "cli", _layout(battles, "outcome"))
    memory = btstats.fit(pd.read_parquet(folder), model="rao-kupper")
    for source in (str(folder), str(folder / "*.parquet")):
        code = main(["fit", source, "--model", "rao-kupper", "--format", "csv"])
        out, err = capsys.readouterr()
        assert code == 0, err
        table = pd.read_csv(pd.io.common.StringIO(out)).set_index("item")
        np.testing.assert_allclose(table.loc[memory.scores.index, "score"],
                                   memory.scores.to_numpy(), atol=1e-6)


def test_cli_reads_whole_when_the_fit_needs_the_rows(tmp_path, capsys, battles):
    folder = _write(tmp_path / "arena", _layout(battles, "arena"))
    code = main(["fit", str(folder), "--model", "rao-kupper", "--order-effect"])
    out, err = capsys.readouterr()
    assert code == 0, err
    code = main(["fit", str(tmp_path / "missing.parquet")])
    _, err = capsys.readouterr()
    assert code == 2 and "no such file" in err


def test_float_labels_and_a_nan_label(tmp_path):
    frame = pd.DataFrame({"winner": [0.5, 1.5, 2.5, 0.5] * 6, "loser": [1.5, 2.5, 0.5, 2.5] * 6})
    path = tmp_path / "f.parquet"
    frame.to_parquet(path, index=False)
    streamed = Comparisons.from_parquet(path, batch_size=5)
    assert list(streamed.items) == [0.5, 1.5, 2.5]
    _same_counts(streamed, Comparisons.from_frame(frame))
    frame.loc[17, "loser"] = np.nan
    frame.to_parquet(path, index=False)
    with pytest.raises(DataError, match="missing \\(NaN or None\\) item label in column "
                                        "'loser'.* row 17"):
        Comparisons.from_parquet(path, batch_size=5)
