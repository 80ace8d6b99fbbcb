"""Rankings: the long, wide and ordering readers, their checks, top-k rankings, subsets and
rank breaking into pairwise comparisons."""
import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import DataError, Rankings


def _long():
    return pd.DataFrame({"ranking": ["r1", "r1", "r1", "r2", "r2", "r3", "r3", "r3"],
                         "item": ["a", "b", "c", "b", "c", "c", "a", "b"],
                         "rank": [1, 2, 3, 1, 2, 1, 2, 2]})


def test_from_long_layout():
    r = Rankings.from_long(_long())
    assert list(r.items) == ["a", "b", "c"]
    assert list(r.ids) == ["r1", "r2", "r3"]
    assert r.item.dtype == np.int64 and r.level.dtype == np.int64
    assert list(r.offsets) == [0, 3, 5, 8]
    assert list(r.item) == [0, 1, 2, 1, 2, 2, 0, 1]
    assert list(r.level) == [0, 1, 2, 0, 1, 0, 1, 1]
    assert r.weights is None and r.n_rankings == 3 and r.n_items == 3
    assert r.n_tied == 1 and r.max_tie == 2
    assert repr(r) == "Rankings(3 items, 3 rankings of 2-3 items, 1 with ties)"
    assert "largest tie group: 2" in r.summary()
    # any rank numbers: only their order within a ranking matters
    df = _long()
    df["rank"] = df["rank"] * 10.0 - 3
    r2 = Rankings.from_long(df)
    assert np.array_equal(r2.level, r.level) and np.array_equal(r2.item, r.item)


def test_round_trip_and_no_mutation():
    df = _long()
    before = df.copy()
    r = Rankings.from_long(df)
    pd.testing.assert_frame_equal(df, before)
    back = Rankings.from_long(r.to_frame())
    assert np.array_equal(back.item, r.item) and np.array_equal(back.level, r.level)
    with pytest.raises(ValueError):
        r.item[0] = 2          # read-only


def test_wide_and_orderings_equal_long():
    wide = pd.DataFrame({"a": [1, np.nan, 2], "b": [2, 1, 2], "c": [3, 2, 1]},
                        index=["r1", "r2", "r3"])
    before = wide.copy()
    r = Rankings.from_wide(wide)
    pd.testing.assert_frame_equal(wide, before)
    ref = Rankings.from_long(_long())
    assert np.array_equal(r.item, ref.item) and np.array_equal(r.level, ref.level)
    assert list(r.ids) == ["r1", "r2", "r3"]
    orders = pd.DataFrame({"first": ["a", "b", "c"], "second": ["b", "c", "a"],
                           "third": ["c", None, "b"], "w": [1.0, 2.0, 3.0]})
    o = Rankings.from_orderings(orders, weight="w")
    assert list(o.weights) == [1.0, 2.0, 3.0]
    assert list(o.item) == [0, 1, 2, 1, 2, 2, 0, 1]
    assert list(o.level) == [0, 1, 2, 0, 1, 0, 1, 2]
    arr = Rankings.from_orderings([["x", "y"], ["y", "x"]])
    assert list(arr.items) == ["x", "y"] and arr.n_rankings == 2


def test_weights():
    df = _long()
    df["w"] = [2.0, 2.0, 2.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    r = Rankings.from_long(df, weight="w")
    assert list(r.weights) == [2.0, 1.0, 0.5]
    assert "total weight 3.5" in repr(r)
    df.loc[1, "w"] = 3.0
    with pytest.raises(DataError, match="same on every row of a ranking; rankings 'r1'"):
        Rankings.from_long(df, weight="w")


@pytest.mark.parametrize("change, message", [
    (lambda d: d.assign(item=["a", "a", "c", "b", "c", "c", "a", "b"]),
     "an item appears twice in rankings 'r1'"),
    (lambda d: d.iloc[:6], "fewer than two items \\(ids 'r3'\\)"),
    (lambda d: d.assign(item=["a", None, "c", "b", "c", "c", "a", "b"]),
     "'item' \\(item label\\) is missing on rows 1"),
    (lambda d: d.assign(ranking=["r1", None, "r1", "r2", "r2", "r3", "r3", "r3"]),
     "'ranking' \\(ranking id\\) is missing on rows 1"),
    (lambda d: d.assign(rank=[1, "x", 3, 1, 2, 1, 2, 2]),
     "must hold numbers .* rows 1 hold \\['x'\\]"),
    (lambda d: d.assign(rank=[1, np.inf, 3, 1, 2, 1, 2, 2]), "must be finite; rows 1"),
    (lambda d: d.assign(rank=[1, 2, 3, np.nan, np.nan, 1, 2, 2]),
     "rankings 'r2' rank none of their items"),
    (lambda d: d.rename(columns={"rank": "position"}), "columns \\['rank'\\] not found"),
    (lambda d: d.iloc[:0], "empty"),
])
def test_bad_long_input(change, message):
    with pytest.raises(DataError, match=message):
        Rankings.from_long(change(_long()))


def test_bad_wide_and_ordering_input():
    with pytest.raises(DataError, match="rows 1 rank fewer than two items"):
        Rankings.from_wide(pd.DataFrame({"a": [1, 1], "b": [2, np.nan]}))
    with pytest.raises(DataError, match="'b' must hold rank numbers"):
        Rankings.from_wide(pd.DataFrame({"a": [1, 1], "b": [2, "z"]}))
    with pytest.raises(DataError, match="missing label before a present one"):
        Rankings.from_orderings(pd.DataFrame({"1": ["a", None], "2": ["b", "a"],
                                              "3": ["c", "b"]}))
    with pytest.raises(DataError, match="an item appears twice"):
        Rankings.from_orderings(pd.DataFrame({"1": ["a"], "2": ["a"]}))


def test_constructor_checks():
    items = ["a", "b", "c"]
    with pytest.raises(DataError, match="levels must start at 0"):
        Rankings(items, [0, 1], [1, 2], [0, 2])
    with pytest.raises(DataError, match="rise by 0"):
        Rankings(items, [0, 1, 2], [0, 2, 3], [0, 3])
    with pytest.raises(DataError, match="item codes must lie in 0..2"):
        Rankings(items, [0, 5], [0, 1], [0, 2])
    with pytest.raises(DataError, match="offsets"):
        Rankings(items, [0, 1], [0, 1], [0, 3])
    with pytest.raises(DataError, match="no ranked item"):
        Rankings(items, [0, 1], [0, 1], [0, 2], unranked=[2])
    with pytest.raises(DataError, match="repeated"):
        Rankings(["a", "a"], [0, 1], [0, 1], [0, 2])


def test_top_k():
    df = pd.DataFrame({"ranking": [1, 1, 1, 1, 2, 2, 2],
                       "item": ["a", "b", "c", "d", "a", "b", "c"],
                       "rank": [2, np.nan, 1, np.nan, 1, 2, 3]})
    r = Rankings.from_long(df)
    assert list(r.unranked) == [2, 0]
    assert list(r.item[:4]) == [2, 0, 1, 3] and list(r.level[:4]) == [0, 1, 2, 2]
    assert r.max_tie == 1 and r.n_tied == 0          # the unranked tail is not a tie
    assert "1 top-k" in repr(r)
    assert r.to_frame()["rank"].isna().sum() == 2
    back = Rankings.from_long(r.to_frame())
    assert np.array_equal(back.unranked, r.unranked)
    counts = r.to_comparisons().counts_frame().set_index(["item_a", "item_b"])
    # c > a > {b, d}; b and d are not compared with each other
    assert ("b", "d") not in counts.index
    assert counts.loc[("a", "d"), "wins_a"] == 1 and counts["ties"].sum() == 0
    sub = r.subset([0, 0])
    assert list(sub.unranked) == [2, 2]


def test_subset():
    r = Rankings.from_long(_long())
    s = r.subset([2, 0, 2])
    assert list(s.ids) == ["r3", "r1", "r3"]
    assert list(s.item) == [2, 0, 1, 0, 1, 2, 2, 0, 1]
    with pytest.raises(IndexError):
        r.subset([3])


def test_rank_breaking():
    r = Rankings.from_long(_long())
    full = r.to_comparisons("full")
    assert isinstance(full, btstats.Comparisons)
    cf = full.counts_frame()
    assert cf.to_dict("list") == {"item_a": ["a", "a", "b"], "item_b": ["b", "c", "c"],
                                  "wins_a": [1.0, 1.0, 2.0], "wins_b": [0.0, 1.0, 1.0],
                                  "ties": [1.0, 0.0, 0.0]}
    assert list(full.extra["cluster"]) == ["r1"] * 3 + ["r2"] + ["r3"] * 3
    adj = r.to_comparisons("adjacent")
    # r1: a > b > c breaks into a > b, b > c (not a > c)
    assert adj.n_comparisons == 2 + 1 + 3
    with pytest.raises(ValueError, match="`breaking`"):
        r.to_comparisons("pairs")
    # weights carry over to the comparisons
    df = _long()
    df["w"] = np.repeat([2.0, 1.0, 3.0], [3, 2, 3])
    rw = Rankings.from_long(df, weight="w")
    assert rw.to_comparisons().n_comparisons == 2 * 3 + 1 + 3 * 3
    fit = btstats.fit(rw.to_comparisons(), ties="half", covariance_type="cluster")
    assert np.all(np.isfinite(fit.standard_errors))
