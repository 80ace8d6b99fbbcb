"""btstats.arena: LMArena's style features, its conv_metadata reader and its battle weights.

Closed forms on small frames, antisymmetry and z-scoring (hypothesis), the pair-count rule of
the weights, every bad input named, and equality with arena-rank 0.1.1's own feature and
weight code on a simulated set of battle records (numbers recorded below, with the script
that produced them: the tests do not need arena-rank's virtual environment).
"""
import inspect
import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, strategies as st

import btstats
from btstats import DataError
from btstats.arena import (ARENA_PAIR_FLOOR, ARENA_STYLE_FEATURES, MissingStyleWarning,
                           StyleFeatures, battle_weights, read_arena_style, style_features)


# ------------------------------------------------------------------ closed forms
def _frame():
    return pd.DataFrame({"len_a": [300, 100, 0, 50], "len_b": [100, 300, 0, 150],
                         "bold_a": [0, 2, 1, 0], "bold_b": [0, 0, 3, 0]})


def test_normalised_difference_closed_form():
    sf = style_features(_frame(), ["len", "bold"], standardize=False)
    np.testing.assert_array_equal(sf.features["len"], [0.5, -0.5, 0.0, -0.5])
    np.testing.assert_array_equal(sf.features["bold"], [0.0, 1.0, -0.5, 0.0])   # 0/0 -> 0
    assert sf.names == ["len", "bold"]
    assert (sf.mean == 0).all() and (sf.scale == 1).all()


def test_z_scores_closed_form_ddof0():
    # d = (0.5, -0.5, 0, -0.5): mean -1/8, deviations (5, -3, 1, -3)/8,
    # population variance (25 + 9 + 1 + 9) / 64 / 4 = 11/64
    sf = style_features(_frame(), ["len"])
    sd = math.sqrt(11 / 64)
    np.testing.assert_allclose(sf.features["len"], np.array([5, -3, 1, -3]) / 8 / sd,
                               rtol=0, atol=1e-15)
    assert sf.mean["len"] == -0.125
    assert sf.scale["len"] == pytest.approx(sd, rel=1e-15)
    assert sf.ddof == 0 and sf.n_rows == 4 and sf.standardize is True


def test_z_scores_ddof1_and_scale_only():
    d = np.array([0.5, -0.5, 0.0, -0.5])
    sd1 = math.sqrt(44 / 64 / 3)
    z1 = style_features(_frame(), ["len"], ddof=1).features["len"]
    np.testing.assert_allclose(z1, (d + 0.125) / sd1, rtol=0, atol=1e-15)
    zs = style_features(_frame(), ["len"], standardize="scale")
    np.testing.assert_allclose(zs.features["len"], d / math.sqrt(11 / 64), rtol=0, atol=1e-15)
    assert zs.mean["len"] == 0.0
    assert zs.features["len"].iloc[2] == 0.0         # equal counts -> 0: no position term


def test_default_features_are_lmarenas_four():
    assert ARENA_STYLE_FEATURES == ("sum_assistant_tokens", "header_count", "bold_count",
                                    "list_count")
    rng = np.random.default_rng(3)
    df = pd.DataFrame({f"{f}_{s}": rng.integers(0, 9, 20) for f in ARENA_STYLE_FEATURES
                       for s in "ab"})
    sf = style_features(df)
    assert list(sf.features.columns) == list(ARENA_STYLE_FEATURES)
    assert list(sf.columns_a) == [f"{f}_a" for f in ARENA_STYLE_FEATURES]


def test_custom_side_templates_and_index_kept():
    df = pd.DataFrame({"a_len": [3, 1], "b_len": [1, 3]}, index=["x", "y"])
    sf = style_features(df, ["len"], side_a="a_{}", side_b="b_{}", standardize=False)
    assert list(sf.features.index) == ["x", "y"]
    np.testing.assert_array_equal(sf.features["len"], [0.5, -0.5])


def test_transform_applies_the_stored_constants():
    sf = style_features(_frame(), ["len", "bold"])
    pd.testing.assert_frame_equal(sf.transform(_frame()), sf.features)
    new = pd.DataFrame({"len_a": [10], "len_b": [30], "bold_a": [1], "bold_b": [1]})
    got = sf.transform(new)
    assert got["len"].iloc[0] == pytest.approx((-0.5 - sf.mean["len"]) / sf.scale["len"])
    assert got["bold"].iloc[0] == pytest.approx((0.0 - sf.mean["bold"]) / sf.scale["bold"])
    with pytest.raises(DataError, match="bold_b"):
        sf.transform(new.drop(columns="bold_b"))


def test_result_table_and_summary():
    sf = style_features(_frame(), ["len"])
    assert isinstance(sf, StyleFeatures)
    tab = sf.to_frame()
    assert list(tab.columns) == ["column_a", "column_b", "mean", "scale"]
    assert tab.loc["len", "column_b"] == "len_b"
    text = sf.summary()
    assert "centred and scaled" in text and "battles" in text


def test_input_frame_not_modified():
    df = _frame()
    before = df.copy()
    style_features(df, ["len", "bold"])
    pd.testing.assert_frame_equal(df, before)


# ------------------------------------------------------------------ properties
@st.composite
def count_frames(draw):
    n = draw(st.integers(2, 25))
    k = draw(st.integers(1, 3))
    counts = st.lists(st.integers(0, 10 ** 6) | st.integers(0, 3), min_size=n, max_size=n)
    cols = {}
    for j in range(k):
        cols[f"f{j}_a"] = draw(counts)
        cols[f"f{j}_b"] = draw(counts)
    return pd.DataFrame(cols), [f"f{j}" for j in range(k)]


def _swap(df, names):
    return df.rename(columns={**{f"{f}_a": f"{f}_b" for f in names},
                              **{f"{f}_b": f"{f}_a" for f in names}})


@given(count_frames(), st.sampled_from([True, "scale", False]))
def test_swapping_sides_negates_every_feature(frame_names, standardize):
    df, names = frame_names
    try:
        sf = style_features(df, names, standardize=standardize)
    except DataError as exc:                 # a constant feature: refused both ways round
        assert "same normalised difference" in str(exc)
        with pytest.raises(DataError, match="same normalised difference"):
            style_features(_swap(df, names), names, standardize=standardize)
        return
    sw = style_features(_swap(df, names), names, standardize=standardize)
    np.testing.assert_array_equal(sw.features.to_numpy(), -sf.features.to_numpy())
    np.testing.assert_array_equal(sw.mean.to_numpy(), -sf.mean.to_numpy())
    np.testing.assert_array_equal(sw.scale.to_numpy(), sf.scale.to_numpy())


@given(count_frames())
def test_raw_differences_bounded_and_z_scored(frame_names):
    df, names = frame_names
    raw = style_features(df, names, standardize=False).features
    assert ((raw >= -1) & (raw <= 1)).all().all()
    try:
        z = style_features(df, names).features
    except DataError:
        assert (raw.nunique() == 1).any()
        return
    np.testing.assert_allclose(z.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(ddof=0), 1.0, rtol=1e-12)


# ------------------------------------------------------------------ bad inputs
def test_missing_columns_are_named():
    with pytest.raises(DataError, match=r"\['len_b', 'bold_a'\]"):
        style_features(pd.DataFrame({"len_a": [1, 2], "bold_b": [1, 1]}), ["len", "bold"])
    with pytest.raises(DataError, match="sum_assistant_tokens_a"):
        style_features(_frame())              # LMArena's defaults are absent


def test_negative_counts_are_refused_by_row():
    df = _frame()
    df.loc[2, "len_b"] = -4
    df.loc[3, "bold_a"] = -1
    with pytest.raises(DataError, match=r"negative count: rows 2, 3 .*len_b: rows 2.*"
                                        r"bold_a: rows 3"):
        style_features(df, ["len", "bold"])


def test_nan_counts_are_refused_by_row():
    df = _frame().astype(float)
    df.loc[1, "len_a"] = np.nan
    with pytest.raises(DataError, match=r"missing \(NaN or None\) count: rows 1 \(len_a"):
        style_features(df, ["len"])
    df.index = ["p", "q", "r", "s"]
    with pytest.raises(DataError, match="index labels q"):
        style_features(df, ["len"])
    obj = pd.DataFrame({"len_a": [1, None], "len_b": [2, 3]}, dtype=object)
    with pytest.raises(DataError, match="rows 1"):
        style_features(obj, ["len"])


def test_infinite_and_non_numeric_counts_are_refused():
    df = _frame().astype(float)
    df.loc[0, "len_b"] = np.inf
    with pytest.raises(DataError, match=r"infinite count: rows 0"):
        style_features(df, ["len"])
    df = pd.DataFrame({"len_a": ["3", "x"], "len_b": [1, 2]})
    with pytest.raises(DataError, match="'len_a' must be numeric.*'3', 'x'"):
        style_features(df, ["len"])
    df = pd.DataFrame({"len_a": ["3", "4"], "len_b": [1, 2]})     # numeric text: refused too
    with pytest.raises(DataError, match="'len_a' must be numeric"):
        style_features(df, ["len"])
    nullable = pd.DataFrame({"len_a": pd.array([3, None], dtype="Int64"), "len_b": [1, 2]})
    with pytest.raises(DataError, match="NaN or None"):
        style_features(nullable, ["len"])
    df = pd.DataFrame({"len_a": pd.to_datetime(["2024-01-01", "2024-01-02"]), "len_b": [1, 2]})
    with pytest.raises(DataError, match="'len_a' must be numeric"):
        style_features(df, ["len"])


def test_constant_feature_is_refused_by_name():
    df = pd.DataFrame({"len_a": [2, 4, 6], "len_b": [1, 2, 3], "x_a": [0, 1, 2],
                       "x_b": [1, 1, 1]})
    with pytest.raises(DataError, match=r"\['len'\] have the same normalised difference"):
        style_features(df, ["len", "x"])
    style_features(df, ["len", "x"], standardize=False)          # nothing to scale


@pytest.mark.parametrize("kwargs, exc, text", [
    ({"side_a": "{}_a", "side_b": "{}_a"}, ValueError, "must differ"),
    ({"side_a": "a"}, ValueError, "`side_a` must be a column-name template"),
    ({"side_b": "{}{}"}, ValueError, "`side_b`"),
    ({"standardize": "yes"}, ValueError, "`standardize` must be one of"),
    ({"ddof": -1}, ValueError, "`ddof` must be >= 0"),
    ({"ddof": 1.5}, ValueError, "`ddof` must be an integer"),
    ({"ddof": 4}, DataError, "ddof=4"),
])
def test_bad_arguments_are_named(kwargs, exc, text):
    with pytest.raises(exc, match=text):
        style_features(_frame(), ["len"], **kwargs)


def test_bad_features_and_frames():
    with pytest.raises(ValueError, match="`features` is empty"):
        style_features(_frame(), [])
    with pytest.raises(ValueError, match="names a feature twice"):
        style_features(_frame(), ["len", "len"])
    with pytest.raises(TypeError, match="non-empty strings"):
        style_features(_frame(), ["len", 3])
    with pytest.raises(TypeError, match="`features` must be a list"):
        style_features(_frame(), 3)
    with pytest.raises(TypeError, match="`frame` must be a pandas DataFrame"):
        style_features(_frame().to_dict("list"), ["len"])
    with pytest.raises(DataError, match="no rows"):
        style_features(_frame().iloc[:0], ["len"])
    dup = pd.concat([_frame(), _frame()["len_a"]], axis=1)
    with pytest.raises(DataError, match="repeated column names"):
        style_features(dup, ["len"])
    assert list(style_features(_frame(), "len").features.columns) == ["len"]


# ------------------------------------------------------------------ read_arena_style
def _meta(ta, tb, ha=(0,) * 6, hb=(0,) * 6, la=(0, 0), lb=(0, 0), ba=(0, 0), bb=(0, 0)):
    m = {"sum_assistant_a_tokens": ta, "sum_assistant_b_tokens": tb,
         "context_a_tokens": ta + 5, "context_b_tokens": tb + 5, "sum_user_tokens": 5,
         "turns": 1}
    for side, h, li, bo in (("a", ha, la, ba), ("b", hb, lb, bb)):
        m[f"header_count_{side}"] = {f"h{i + 1}": v for i, v in enumerate(h)}
        m[f"list_count_{side}"] = {"ordered": li[0], "unordered": li[1]}
        m[f"bold_count_{side}"] = {"**": bo[0], "__": bo[1]}
    return m


def _records():
    return [
        {"model_a": "p", "model_b": "q", "winner": "model_a", "question_id": "x1",
         "conv_metadata": _meta(300, 100, ha=(1, 2, 0, 0, 0, 0), la=(1, 3), bb=(2, 1))},
        {"model_a": "q", "model_b": "r", "winner": "tie",
         "conv_metadata": _meta(50, 150, hb=(0, 0, 0, 0, 0, 4), lb=(0, 2), ba=(1, 0))},
        {"model_a": "r", "model_b": "p", "winner": "model_b",
         "conv_metadata": _meta(0, 0)},
    ]


def test_read_flattens_conv_metadata():
    df = read_arena_style(_records())
    assert list(df.columns[:4]) == ["model_a", "model_b", "winner", "question_id"]
    np.testing.assert_array_equal(df["sum_assistant_tokens_a"], [300, 50, 0])
    np.testing.assert_array_equal(df["sum_assistant_tokens_b"], [100, 150, 0])
    np.testing.assert_array_equal(df["header_count_a"], [3, 0, 0])       # h1..h6 summed
    np.testing.assert_array_equal(df["header_count_b"], [0, 4, 0])
    np.testing.assert_array_equal(df["list_count_a"], [4, 0, 0])         # ordered + unordered
    np.testing.assert_array_equal(df["bold_count_b"], [3, 0, 0])         # ** + __
    np.testing.assert_array_equal(df["context_tokens_a"], [305, 55, 5])
    np.testing.assert_array_equal(df["sum_user_tokens"], [5, 5, 5])
    assert df["question_id"].isna().tolist() == [False, True, True]
    assert df.attrs["arena_style"] == {"n_records": 3, "n_no_metadata": 0, "n_incomplete": 0}
    sf = style_features(df, standardize=False).features
    np.testing.assert_array_equal(sf["sum_assistant_tokens"], [0.5, -0.5, 0.0])
    np.testing.assert_array_equal(sf["header_count"], [1.0, -1.0, 0.0])
    np.testing.assert_array_equal(sf["bold_count"], [-1.0, 1.0, 0.0])
    np.testing.assert_array_equal(sf["list_count"], [1.0, -1.0, 0.0])


def test_read_json_jsonl_frame_and_string_metadata(tmp_path):
    recs = _records()
    want = read_arena_style(recs)
    p = tmp_path / "battles.json"
    p.write_text(json.dumps(recs))
    pd.testing.assert_frame_equal(read_arena_style(p), want)
    q = tmp_path / "battles.jsonl"
    q.write_text("\n".join(json.dumps(r) for r in recs))
    pd.testing.assert_frame_equal(read_arena_style(str(q)), want)
    pd.testing.assert_frame_equal(read_arena_style(pd.DataFrame(recs)), want)
    as_text = [dict(r, conv_metadata=json.dumps(r["conv_metadata"])) for r in recs]
    pd.testing.assert_frame_equal(read_arena_style(as_text), want)


def test_plain_integer_counts_are_kept():
    recs = _records()
    recs[0]["conv_metadata"]["header_count_a"] = 7
    assert read_arena_style(recs)["header_count_a"].iloc[0] == 7


def test_records_without_metadata_are_counted():
    recs = _records() + [{"model_a": "p", "model_b": "r", "winner": "model_a"},
                         {"model_a": "p", "model_b": "r", "winner": "tie",
                          "conv_metadata": None}]
    incomplete = _records()[0]
    del incomplete["conv_metadata"]["bold_count_b"]
    recs.append(incomplete)
    with pytest.warns(MissingStyleWarning, match=r"3 of 6 battle record\(s\) carry no style "
                                                 r"counts \(2 without conv_metadata, 1 lacking"):
        df = read_arena_style(recs)
    assert list(df.index) == [0, 1, 2]
    assert df.attrs["arena_style"] == {"n_records": 6, "n_no_metadata": 2, "n_incomplete": 1}
    with pytest.warns(MissingStyleWarning, match="kept them with NaN counts"):
        kept = read_arena_style(recs, missing="keep")
    assert len(kept) == 6
    with pytest.raises(DataError, match=r"missing \(NaN or None\) count: rows 3, 4, 5"):
        style_features(kept)
    with pytest.raises(DataError, match=r"3 of 6 .*records 3, 4, 5 \(bold_count_b: "
                                        r"records 5\)"):
        read_arena_style(recs, missing="raise")
    # only the features asked for must be present
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        part = read_arena_style(recs[:3] + recs[5:], features=["sum_assistant_tokens"])
    assert len(part) == 4


def test_other_metadata_keys_are_read_leniently():
    recs = _records()
    recs[0]["conv_metadata"]["language_a"] = "en"
    recs[1]["conv_metadata"]["notes"] = {"x": "y"}
    recs[2]["conv_metadata"]["turns"] = [1, 2]
    df = read_arena_style(recs)
    assert "notes" not in df.columns
    assert df["turns"].tolist()[:2] == [1, 1] and np.isnan(df["turns"].iloc[2])


def test_top_level_names_win_over_metadata_names():
    recs = _records()
    for r in recs:
        r["turns"] = 2
    df = read_arena_style(recs)
    assert (df["turns"] == 2).all() and (df["conv_metadata_turns"] == 1).all()


@pytest.mark.parametrize("bad, text", [
    ({"header_count_a": "three"}, r"record 0: conv_metadata\['header_count_a'\] is 'three'"),
    ({"header_count_a": {"h1": "1"}}, r"conv_metadata\['header_count_a'\]\['h1'\]"),
    ({"bold_count_b": True}, r"record 0: conv_metadata\['bold_count_b'\] is True"),
])
def test_non_numeric_metadata_is_named(bad, text):
    recs = _records()
    recs[0]["conv_metadata"].update(bad)
    with pytest.raises(DataError, match=text):
        read_arena_style(recs)


def test_read_bad_containers(tmp_path):
    with pytest.raises(DataError, match="no battle records"):
        read_arena_style([])
    with pytest.raises(DataError, match=r"1 record\(s\) are not dicts: records 1"):
        read_arena_style([_records()[0], ["p", "q"]])
    with pytest.raises(TypeError, match="wrap it in a list"):
        read_arena_style(_records()[0])
    with pytest.raises(TypeError, match="`path_or_records`"):
        read_arena_style(3)
    with pytest.raises(DataError, match="no such file"):
        read_arena_style(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[{not json")
    with pytest.raises(DataError, match="not valid JSON"):
        read_arena_style(bad)
    with pytest.raises(DataError, match="conv_metadata must be a dict"):
        read_arena_style([{"model_a": "p", "conv_metadata": [1, 2]}])
    with pytest.raises(DataError, match="not JSON"):
        read_arena_style([{"model_a": "p", "conv_metadata": "{oops"}])
    with pytest.raises(ValueError, match="`missing` must be one of"):
        read_arena_style(_records(), missing="ignore")


# ------------------------------------------------------------------ battle weights
def test_weights_pair_count_rule_closed_form():
    a = ["p", "q", "p", "q", "r", "p"]
    b = ["q", "p", "q", "r", "q", "r"]          # {p,q}: 3 (both orders), {q,r}: 2, {p,r}: 1
    w = battle_weights(a, b, floor=1)
    raw = np.array([1 / 3, 1 / 3, 1 / 3, 1 / 2, 1 / 2, 1.0])
    np.testing.assert_allclose(w, raw / raw.mean(), rtol=1e-15)
    assert w.mean() == pytest.approx(1.0, rel=1e-15)
    w2 = battle_weights(a, b, floor=2)          # {p,r} counts as 2
    raw2 = np.array([1 / 3, 1 / 3, 1 / 3, 1 / 2, 1 / 2, 1 / 2])
    np.testing.assert_allclose(w2, raw2 / raw2.mean(), rtol=1e-15)
    np.testing.assert_array_equal(battle_weights(a, b), np.ones(6))   # all below 50
    assert ARENA_PAIR_FLOOR == 50


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)).filter(lambda t: t[0] != t[1]),
                min_size=1, max_size=200),
       st.sampled_from([0, 1, 3, 50]))
def test_weights_mean_one_and_inverse_pair_count(pairs, floor):
    a, b = zip(*pairs)
    w = battle_weights(list(a), np.array(b), floor=floor)
    assert w.shape == (len(pairs),) and w.dtype == np.float64
    assert w.mean() == pytest.approx(1.0, rel=1e-12)
    key = [frozenset(p) for p in pairs]
    n_pair = pd.Series(key).map(pd.Series(key).value_counts()).to_numpy(dtype=float)
    raw = 1.0 / np.maximum(n_pair, floor)
    np.testing.assert_allclose(w, raw / raw.mean(), rtol=1e-12)
    np.testing.assert_array_equal(battle_weights(list(b), list(a), floor=floor), w)


def test_weights_accept_series_and_mixed_labels():
    a = pd.Series(["p", "q", "p"], index=[10, 20, 30])
    b = pd.Series(["q", "p", "r"], index=[5, 6, 7])
    np.testing.assert_allclose(battle_weights(a, b, floor=0), [0.75, 0.75, 1.5])
    np.testing.assert_allclose(battle_weights([1, 2, 1], [2, 1, 3], floor=0), [0.75, 0.75, 1.5])


def test_weights_bad_inputs_are_named():
    with pytest.raises(DataError, match="same length; got 2 and 3"):
        battle_weights(["p", "q"], ["q", "p", "r"])
    with pytest.raises(DataError, match="empty"):
        battle_weights([], [])
    with pytest.raises(DataError, match=r"missing \(NaN or None\) item label: rows 1"):
        battle_weights(["p", None], ["q", "p"])
    with pytest.raises(DataError, match=r"2 battle\(s\) pit a model against itself: rows 0, 2 "
                                        r"\(model 'p'\)"):
        battle_weights(["p", "q", "r"], ["p", "p", "r"])
    with pytest.raises(ValueError, match="`floor` must be >= 0"):
        battle_weights(["p"], ["q"], floor=-1)
    with pytest.raises(ValueError, match="`floor` must be a finite number"):
        battle_weights(["p"], ["q"], floor=True)
    with pytest.raises(ValueError, match="`floor` must be a finite number"):
        battle_weights(["p"], ["q"], floor=np.inf)
    with pytest.raises(TypeError, match="`item_a` must be a column of model labels"):
        battle_weights("pq", ["q", "p"])
    with pytest.raises(TypeError, match="`item_b` must be a column of model labels"):
        battle_weights(["p"], 3)


# ------------------------------------------------------------------ arena-rank's own code
# The records below are simulated (seed 20261201, 3000 battles, 6 models with skewed
# frequencies, so pair m4-m5 has 33 battles, below the floor of 50) and given to arena-rank
# 0.1.1's code: the two style functions of its example notebook's helpers
# (examples/example_utils.py of github.com/lmarena/arena-rank, commit 0c2a687c:
# `extract_metadata_features` and `add_style_feature_cols`, saved unchanged as
# lmarena_example_utils.py; the rest of that file is plotting) and
# `ContextualPairDataset.from_pandas` with its defaults (normalize_features=True,
# reweighted=True, min_pair_count=50).  Script (run in benchmarks/.venv-arena with
# `env -u PYTHONPATH JAX_PLATFORMS=cpu .venv-arena/bin/python make_constants.py`):
#
#     import numpy as np, pandas as pd
#     import arena_rank.models.contextual_bradley_terry  # sets jax_enable_x64, as the
#     from arena_rank.utils.data_utils import ContextualPairDataset  # notebook does
#     from lmarena_example_utils import add_style_feature_cols
#     # simulated_records: the function _simulated_records below, verbatim
#     feature_cols = ["sum_assistant_tokens", "header_count", "bold_count", "list_count"]
#     df = add_style_feature_cols(pd.DataFrame(simulated_records()), feature_cols)
#     ds = ContextualPairDataset.from_pandas(df, feature_cols=feature_cols)
#     x = np.asarray(ds.features)
#     rows = list(range(12)) + [1234, 2999]
#     print([[float(v) for v in x[r]] for r in rows])            # ARENA_FEATURES
#     w = np.asarray(ds.weights)
#     key = [tuple(sorted(p)) for p in zip(df.model_a, df.model_b)]
#     cnt = pd.Series(key).value_counts()
#     print({f"{k[0]}-{k[1]}": (int(cnt[k]), float(w[key.index(k)])) for k in sorted(cnt.index)})
#     # ... and for the raw d of each feature: d.mean(), d.std() (pandas, ddof=1)
#
# Without `import arena_rank.models.contextual_bradley_terry` first, JAX runs in float32 and
# the features agree with these only to ~1e-7 (an arena-rank pitfall).
def _simulated_records(seed=20261201, n=3000):
    rng = np.random.default_rng(seed)
    a = np.searchsorted([45, 70, 85, 95, 99], rng.integers(0, 100, n), side="right")
    b = (a + rng.integers(1, 6, n)) % 6
    tokens = rng.integers(0, 2000, (n, 2))
    heads = rng.integers(0, 4, (n, 2, 6)) * (rng.integers(0, 3, (n, 2, 1)) == 0)
    lists = rng.integers(0, 5, (n, 2, 2)) * (rng.integers(0, 2, (n, 2, 1)) == 0)
    bold = rng.integers(0, 6, (n, 2, 2)) * (rng.integers(0, 4, (n, 2, 1)) == 0)
    win = np.array(["model_a"] * 4 + ["model_b"] * 4 + ["tie", "tie (bothbad)"])[
        rng.integers(0, 10, n)]
    recs = []
    for k in range(n):
        meta = {"sum_user_tokens": 20, "turns": 1}
        for s, side in enumerate("ab"):
            meta[f"sum_assistant_{side}_tokens"] = int(tokens[k, s])
            meta[f"context_{side}_tokens"] = int(tokens[k, s]) + 20
            meta[f"header_count_{side}"] = {f"h{h + 1}": int(heads[k, s, h]) for h in range(6)}
            meta[f"list_count_{side}"] = {"ordered": int(lists[k, s, 0]),
                                          "unordered": int(lists[k, s, 1])}
            meta[f"bold_count_{side}"] = {"**": int(bold[k, s, 0]), "__": int(bold[k, s, 1])}
        recs.append({"model_a": f"m{a[k]}", "model_b": f"m{b[k]}", "winner": str(win[k]),
                     "conv_metadata": meta})
    return recs


ARENA_ROWS = list(range(12)) + [1234, 2999]
ARENA_FEATURES = [
    [0.1112081396533771, 0.00013981155394855816, -0.00477573624161501, 1.377900293361142],
    [0.8146838733692772, 0.00013981155394855816, 1.6443632536433783, 1.033202886558631],
    [0.08267243857328509, -0.07779314904501863, 1.2778879225578244, 1.377900293361142],
    [0.7407409356804031, 1.4808660629343255, -0.00477573624161501, -0.0008893338489016643],
    [-1.2162274485498294, 0.00013981155394855816, -0.00477573624161501, -1.3796789610589453],
    [1.0195845886299557, -1.4805864398264281, -0.21091810997723923, 1.377900293361142],
    [-0.15649232099787302, -0.12325404272774951, -0.00477573624161501, 1.377900293361142],
    [-0.10160853544600058, 0.00013981155394855816, -1.6539147261266085, -0.0008893338489016643],
    [-0.31432794476765913, 0.00013981155394855816, -1.6539147261266085, -0.0008893338489016643],
    [2.0019311077001105, 1.4808660629343255, -0.00477573624161501, -1.3796789610589453],
    [1.662171262942381, 0.00013981155394855816, -1.6539147261266085, -1.3796789610589453],
    [1.3907795661431155, 1.4808660629343255, -0.00477573624161501, -0.0008893338489016643],
    [-1.8045849820869488, 0.00013981155394855816, -0.00477573624161501, -0.0008893338489016643],
    [-0.5961171245361592, 0.00013981155394855816, 1.6443632536433783, -0.0008893338489016643],
]
# raw d of each feature: mean and pandas std (ddof=1) in the notebook's first standardisation
ARENA_RAW_MEAN = [-0.005362959860936782, -9.442093284852208e-05, 0.0028958967503085113,
                  0.0006450105450105461]
ARENA_RAW_STD_DDOF1 = [0.47274724062316903, 0.6754568627472672, 0.606478116447092,
                       0.7253947147606054]
ARENA_RAW_STD_DDOF0 = [0.47266844284937004, 0.6753442772205668, 0.6063770283363061,
                       0.7252738055648724]
# pair: (battles, weight of each of its battles)
ARENA_WEIGHTS = {
    "m0-m1": (452, 0.45273998237332336), "m0-m2": (359, 0.5700235989769976),
    "m0-m3": (322, 0.6355232050706278), "m0-m4": (280, 0.730851685831222),
    "m0-m5": (281, 0.7282507901521073), "m1-m2": (217, 0.943034433330609),
    "m1-m3": (205, 0.9982364489402056), "m1-m4": (166, 1.2327618797153141),
    "m1-m5": (166, 1.2327618797153141), "m2-m3": (166, 1.2327618797153141),
    "m2-m4": (103, 1.986781281871283), "m2-m5": (87, 2.3521663452039325),
    "m3-m4": (106, 1.9305516229503976), "m3-m5": (57, 3.590148632153371),
    "m4-m5": (33, 4.092769440654843),
}


@pytest.fixture(scope="module")
def simulated():
    return read_arena_style(_simulated_records())


def test_features_equal_arena_ranks(simulated):
    sf = style_features(simulated)
    got = sf.features.to_numpy()[ARENA_ROWS]
    # arena-rank standardises twice (pandas ddof=1, then jnp ddof=0): equal to rounding
    np.testing.assert_allclose(got, ARENA_FEATURES, rtol=0, atol=2e-14)
    np.testing.assert_allclose(sf.mean, ARENA_RAW_MEAN, rtol=1e-12, atol=1e-17)
    np.testing.assert_allclose(sf.scale, ARENA_RAW_STD_DDOF0, rtol=1e-13)
    sf1 = style_features(simulated, ddof=1)
    np.testing.assert_allclose(sf1.scale, ARENA_RAW_STD_DDOF1, rtol=1e-13)
    # the notebook's first step alone (ddof=1) is off by sqrt(n / (n - 1)) from what it fits
    np.testing.assert_allclose(sf1.features.to_numpy()[ARENA_ROWS] * math.sqrt(3000 / 2999),
                               ARENA_FEATURES, rtol=0, atol=2e-14)


def test_weights_equal_arena_ranks(simulated):
    w = battle_weights(simulated["model_a"], simulated["model_b"])
    key = ["-".join(sorted(p)) for p in zip(simulated["model_a"], simulated["model_b"])]
    counts = pd.Series(key).value_counts()
    for pair, (n_pair, weight) in ARENA_WEIGHTS.items():
        assert counts[pair] == n_pair
        sel = np.array(key) == pair
        np.testing.assert_allclose(w[sel], weight, rtol=1e-13)


# ------------------------------------------------------------------ with the fitting core
@pytest.mark.skipif("covariates" not in inspect.signature(btstats.fit).parameters,
                    reason="btstats.fit has no covariates yet")
def test_fit_with_style_features_is_side_invariant():
    """Swapping the sides of every battle (features recomputed from the swapped counts)
    leaves the scores and the style coefficients unchanged."""
    rng = np.random.default_rng(11)
    n, m = 6, 3000
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    theta = np.linspace(-1, 1, n)
    df = pd.DataFrame({"model_a": [f"m{i}" for i in a], "model_b": [f"m{i}" for i in b],
                       "len_a": rng.integers(0, 900, m), "len_b": rng.integers(0, 900, m)})
    x = style_features(df, ["len"]).features["len"].to_numpy()
    p = 1 / (1 + np.exp(-(theta[a] - theta[b] + 0.4 * x)))
    df["winner"] = np.where(rng.random(m) < p, "model_a", "model_b")
    swapped = df.rename(columns={"model_a": "model_b", "model_b": "model_a", "len_a": "len_b",
                                 "len_b": "len_a"})
    swapped["winner"] = swapped["winner"].map({"model_a": "model_b", "model_b": "model_a"})
    fits = []
    for d in (df, swapped):
        sf = style_features(d, ["len"])
        fits.append(btstats.fit(d.join(sf.features), covariates=sf.names))
    np.testing.assert_allclose(fits[0].scores, fits[1].scores, atol=1e-9)
    b0 = fits[0].coefficient_table()["estimate"]["len"]
    b1 = fits[1].coefficient_table()["estimate"]["len"]
    assert b0 == pytest.approx(b1, abs=1e-9)
    assert 0.25 < b0 < 0.55
