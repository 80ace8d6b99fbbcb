"""Input layouts, labels, per-row columns, aggregation kernels and the PairwiseFit fields.

Every layout of the same comparisons must give the same aggregate and the same fit; the
expected aggregate is counted here with a plain Python loop. Reference numbers (baseball wins
and losses) come from tests/data/baseball.csv; formulas (AIC, BIC, Wald intervals, Elo) are
the closed forms stated beside each assertion.
"""
import json
import math
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

import btstats
from btstats import Comparisons
from btstats._kernels import aggregate as kagg

# ---------------------------------------------------------------------------- the data
# (item_a, item_b, outcome): "a" = item_a wins, "b" = item_b wins, "tie". Strongly connected
# with and without the ties, so Bradley-Terry (ties dropped) and Rao-Kupper both have an MLE.
ROWS = [("ann", "bob", "a"), ("bob", "ann", "a"), ("ann", "cy", "b"), ("cy", "dee", "tie"),
        ("dee", "ann", "a"), ("bob", "cy", "a"), ("cy", "bob", "tie"), ("dee", "bob", "b"),
        ("ann", "dee", "a"), ("cy", "ann", "a"), ("bob", "dee", "b"), ("dee", "cy", "a"),
        ("ann", "bob", "tie"), ("cy", "dee", "b")]
ITEMS = ["ann", "bob", "cy", "dee"]  # sorted: the codes 0..3
DECISIVE = [r for r in ROWS if r[2] != "tie"]
NUMERIC = {"a": 1.0, "b": 0.0, "tie": 0.5}
ARENA = {"a": "model_a", "b": "model_b"}


def expected_counts(rows):
    """The aggregate by a plain loop: one record per unordered pair, in sorted order."""
    acc = defaultdict(lambda: [0.0, 0.0, 0.0])
    for a, b, out in rows:
        lo, hi = sorted((a, b))
        if out == "tie":
            acc[lo, hi][2] += 1
        elif (out == "a") == (a == lo):
            acc[lo, hi][0] += 1
        else:
            acc[lo, hi][1] += 1
    keys = sorted(acc)
    return pd.DataFrame({"item_a": [k[0] for k in keys], "item_b": [k[1] for k in keys],
                         "wins_a": [acc[k][0] for k in keys],
                         "wins_b": [acc[k][1] for k in keys],
                         "ties": [acc[k][2] for k in keys]})


def winner_loser(rows):
    w = [a if out == "a" else b for a, b, out in rows]
    l = [b if out == "a" else a for a, b, out in rows]
    return pd.DataFrame({"winner": w, "loser": l})


def matrices(rows):
    idx = {k: i for i, k in enumerate(ITEMS)}
    wins = np.zeros((4, 4))
    ties = np.zeros((4, 4))
    for a, b, out in rows:
        if out == "tie":
            ties[idx[a], idx[b]] += 1
            ties[idx[b], idx[a]] += 1
        elif out == "a":
            wins[idx[a], idx[b]] += 1
        else:
            wins[idx[b], idx[a]] += 1
    return wins, ties


def assert_same_counts(comps, rows, labels=True):
    got = comps.counts_frame()
    want = expected_counts(rows)
    if not labels:  # integer codes 0..3 stand for ITEMS
        got = got.assign(item_a=[ITEMS[i] for i in got.item_a],
                         item_b=[ITEMS[i] for i in got.item_b])
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)


def assert_same_fit(comps, reference, model):
    res = btstats.fit(comps, model)
    np.testing.assert_allclose(res.scores.to_numpy(), reference.scores.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(res.standard_errors.to_numpy(),
                               reference.standard_errors.to_numpy(), rtol=1e-10)


@pytest.fixture(scope="module")
def rk_reference():
    return btstats.fit(Comparisons.from_counts(expected_counts(ROWS)), "rao-kupper")


@pytest.fixture(scope="module")
def bt_reference():
    return btstats.fit(Comparisons.from_counts(expected_counts(DECISIVE)))


# ---------------------------------------------------------------------------- layouts
def _outcome_frame(coder):
    return pd.DataFrame({"item_a": [r[0] for r in ROWS], "item_b": [r[1] for r in ROWS],
                         "outcome": [coder(r[2], k) for k, r in enumerate(ROWS)]})


WORDS = {
    "numbers": lambda out, k: NUMERIC[out],
    "words": lambda out, k: out,
    "words, mixed case and synonyms": lambda out, k: [
        {"a": "A", "b": "B", "tie": "Tie"}, {"a": "win", "b": "loss", "tie": "draw"}][k % 2][out],
}


@pytest.mark.parametrize("coder", list(WORDS), ids=list(WORDS))
def test_item_columns_with_outcome(coder, rk_reference):
    comps = Comparisons.from_frame(_outcome_frame(WORDS[coder]))
    assert_same_counts(comps, ROWS)
    assert_same_fit(comps, rk_reference, "rao-kupper")
    assert comps.n_comparisons == len(ROWS)
    assert comps.n_ties == sum(r[2] == "tie" for r in ROWS)


def test_winner_loser_frame(bt_reference):
    comps = Comparisons.from_frame(winner_loser(DECISIVE))
    assert_same_counts(comps, DECISIVE)
    assert_same_fit(comps, bt_reference, "bradley-terry")


def _arena_frame():
    ties = iter(["tie", "tie (bothbad)"] * len(ROWS))
    return pd.DataFrame({"model_a": [r[0] for r in ROWS], "model_b": [r[1] for r in ROWS],
                         "winner": [ARENA.get(r[2]) or next(ties) for r in ROWS]})


def test_arena_frame(rk_reference):
    df = _arena_frame()
    assert set(df.winner) == {"model_a", "model_b", "tie", "tie (bothbad)"}
    for comps in (Comparisons.from_arena(df), Comparisons.from_frame(df)):
        assert_same_counts(comps, ROWS)
        assert_same_fit(comps, rk_reference, "rao-kupper")


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_arena_files(tmp_path, suffix, rk_reference):
    records = _arena_frame().to_dict(orient="records")
    path = tmp_path / f"battles{suffix}"
    with open(path, "w", encoding="utf-8") as fh:
        if suffix == ".json":
            json.dump(records, fh)
        else:
            fh.write("\n".join(json.dumps(r) for r in records) + "\n")
    for comps in (btstats.read_comparisons(path), Comparisons.from_arena(path),
                  Comparisons.from_arena(str(path))):
        assert_same_counts(comps, ROWS)
        assert_same_fit(comps, rk_reference, "rao-kupper")
    res = btstats.fit(path, "rao-kupper")
    np.testing.assert_allclose(res.scores, rk_reference.scores, atol=1e-12)


def test_pair_counts_add_up_repeated_and_reversed_pairs(rk_reference):
    counts = expected_counts(ROWS)
    assert_same_counts(Comparisons.from_counts(counts), ROWS)
    # split every record in two: half as given, half reversed (wins swapped)
    first = counts.assign(wins_a=counts.wins_a // 2, wins_b=counts.wins_b // 2,
                          ties=counts.ties // 2)
    rest = counts[["item_a", "item_b"]].assign(
        wins_a=counts.wins_a - first.wins_a, wins_b=counts.wins_b - first.wins_b,
        ties=counts.ties - first.ties)
    reversed_rest = rest.rename(columns={"item_a": "item_b", "item_b": "item_a",
                                         "wins_a": "wins_b", "wins_b": "wins_a"})
    split = pd.concat([first, reversed_rest[list(counts.columns)]], ignore_index=True)
    comps = Comparisons.from_counts(split)
    assert_same_counts(comps, ROWS)
    assert_same_fit(comps, rk_reference, "rao-kupper")
    # a pair-count frame is also recognised by from_frame and fit
    assert_same_counts(Comparisons.from_frame(counts), ROWS)


@pytest.mark.parametrize("ties_kind", ["symmetric", "upper", "lower"])
@pytest.mark.parametrize("as_frame", [False, True])
def test_wins_matrix_with_ties_matrix(ties_kind, as_frame, rk_reference):
    wins, ties = matrices(ROWS)  # ties symmetric: each tie in [i, j] and [j, i]
    if ties_kind == "upper":
        ties = np.triu(ties)
    elif ties_kind == "lower":
        ties = np.tril(ties)
    if as_frame:
        wins = pd.DataFrame(wins, index=ITEMS, columns=ITEMS)
        ties = pd.DataFrame(ties, index=ITEMS, columns=ITEMS)
    comps = Comparisons.from_matrix(wins, ties)
    assert_same_counts(comps, ROWS, labels=as_frame)
    assert_same_fit(comps, rk_reference, "rao-kupper")


def test_wins_matrix_without_ties(bt_reference):
    wins, _ = matrices(DECISIVE)
    comps = Comparisons.from_matrix(pd.DataFrame(wins, index=ITEMS, columns=ITEMS))
    assert_same_counts(comps, DECISIVE)
    assert_same_fit(comps, bt_reference, "bradley-terry")
    pd.testing.assert_frame_equal(comps.wins_matrix(),
                                  pd.DataFrame(wins, index=ITEMS, columns=ITEMS),
                                  check_names=False)


def test_ties_matrix_neither_symmetric_nor_triangular():
    wins, ties = matrices(ROWS)
    ties[0, 1] += 1  # now [0, 1] != [1, 0] and both triangles are non-zero
    with pytest.raises(btstats.DataError, match="symmetric.*triangular"):
        Comparisons.from_matrix(wins, ties)


def test_integer_arrays_with_weights_and_ties_mask(rk_reference, bt_reference):
    idx = {k: i for i, k in enumerate(ITEMS)}
    # one row per comparison: winner first, ties flagged by the mask
    winners = [idx[a if out != "b" else b] for a, b, out in ROWS]
    losers = [idx[b if out != "b" else a] for a, b, out in ROWS]
    mask = [out == "tie" for _, _, out in ROWS]
    comps = Comparisons.from_arrays(winners, losers, ties=mask, items=ITEMS)
    assert_same_counts(comps, ROWS)
    assert_same_fit(comps, rk_reference, "rao-kupper")
    # the aggregate as weighted rows: one row per non-empty (winner, loser, tie) cell
    counts = expected_counts(ROWS)
    w, l, weight, tie = [], [], [], []
    for r in counts.itertuples():
        for first, second, count, is_tie in ((r.item_a, r.item_b, r.wins_a, False),
                                             (r.item_b, r.item_a, r.wins_b, False),
                                             (r.item_b, r.item_a, r.ties, True)):
            w.append(idx[first])
            l.append(idx[second])
            weight.append(count)  # zero weights are allowed and add nothing
            tie.append(is_tie)
    comps = Comparisons.from_arrays(np.array(w, np.int32), np.array(l, np.int64),
                                    weights=weight, ties=tie, items=ITEMS)
    assert_same_counts(comps, ROWS)
    assert_same_fit(comps, rk_reference, "rao-kupper")
    # no items= : codes come back as labels 0..3
    plain = Comparisons.from_arrays([idx[x] for x in winner_loser(DECISIVE).winner],
                                    [idx[x] for x in winner_loser(DECISIVE).loser])
    assert list(plain.items) == [0, 1, 2, 3]
    assert_same_counts(plain, DECISIVE, labels=False)
    assert_same_fit(plain, bt_reference, "bradley-terry")


def test_fit_on_a_frame_with_keyword_roles(rk_reference, bt_reference):
    df = _outcome_frame(WORDS["numbers"]).rename(
        columns={"item_a": "left", "item_b": "right", "outcome": "label"})
    res = btstats.fit(df, "rao-kupper", item_a="left", item_b="right", outcome="label")
    np.testing.assert_allclose(res.scores, rk_reference.scores, atol=1e-12)
    wl = winner_loser(DECISIVE).rename(columns={"winner": "w", "loser": "l"})
    res = btstats.fit(wl, winner="w", loser="l")
    np.testing.assert_allclose(res.scores, bt_reference.scores, atol=1e-12)
    # a frame with the usual names needs no keywords
    res = btstats.fit(winner_loser(DECISIVE))
    np.testing.assert_allclose(res.scores, bt_reference.scores, atol=1e-12)


def test_keyword_roles_do_not_apply_to_comparisons():
    with pytest.raises(TypeError, match="DataFrame"):
        btstats.fit(Comparisons.from_frame(winner_loser(DECISIVE)), winner="winner")


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_read_comparisons_csv_and_parquet(tmp_path, suffix, rk_reference, bt_reference):
    pytest.importorskip("pyarrow")
    cases = [(_outcome_frame(WORDS["numbers"]), ROWS, rk_reference, "rao-kupper"),
             (winner_loser(DECISIVE), DECISIVE, bt_reference, "bradley-terry")]
    for k, (df, rows, reference, model) in enumerate(cases):
        path = tmp_path / f"data{k}{suffix}"
        if suffix == ".csv":
            df.to_csv(path, index=False)
        else:
            df.to_parquet(path, index=False)
        comps = btstats.read_comparisons(path)
        assert_same_counts(comps, rows)
        assert_same_fit(comps, reference, model)
        res = btstats.fit(str(path), model)
        np.testing.assert_allclose(res.scores, reference.scores, atol=1e-12)


def test_read_comparisons_with_keyword_roles(tmp_path, bt_reference):
    path = tmp_path / "renamed.csv"
    winner_loser(DECISIVE).rename(columns={"winner": "w", "loser": "l"}).to_csv(path,
                                                                                index=False)
    comps = btstats.read_comparisons(path, winner="w", loser="l")
    assert_same_counts(comps, DECISIVE)


def test_missing_file():
    with pytest.raises(btstats.DataError, match="no such file"):
        btstats.read_comparisons("/nonexistent/comparisons.csv")


# ---------------------------------------------------------------------------- labels
STRING_LABELS = ("x", "y", "z")
LABEL_SETS = {
    "int": (10, 2, 33),
    "float": (1.5, -2.25, 3.0),
    "tuple": ((1, "a"), (2, "b"), (3, "c")),
    "datetime": tuple(pd.Timestamp(t) for t in ("2021-03-01", "2020-01-01", "2022-07-15")),
    "frozenset": (frozenset({1}), frozenset({2, 3}), frozenset()),
    "mixed": (1, "x", 2.5),
    "unicode": ("Zoë", "Øyvind", "李"),
}


def _cycle_frame(labels):
    # l0 beats l1 twice and l2 once; l1 beats l2; l2 beats l0; l1 beats l0
    i0, i1, i2 = labels
    return pd.DataFrame({"winner": [i0, i0, i1, i2, i0, i1],
                         "loser": [i1, i1, i2, i0, i2, i0]})


@pytest.mark.parametrize("kind", list(LABEL_SETS))
def test_labels_of_any_hashable_type_come_back(kind):
    labels = LABEL_SETS[kind]
    reference = btstats.fit(_cycle_frame(STRING_LABELS))
    res = btstats.fit(_cycle_frame(labels))
    assert set(res.items) == set(labels)
    assert set(res.scores.index) == set(labels)
    assert set(res.to_frame()["item"]) == set(labels)
    for label, name in zip(labels, STRING_LABELS):
        assert res.scores[label] == pytest.approx(reference.scores[name], abs=1e-12)
        assert res.standard_errors[label] == pytest.approx(reference.standard_errors[name],
                                                           rel=1e-10)
    assert set(res.comparisons.counts_frame()["item_a"]) | set(
        res.comparisons.counts_frame()["item_b"]) == set(labels)


@pytest.mark.parametrize("kind", list(LABEL_SETS))
def test_probabilities_take_labels_of_any_hashable_type(kind):
    labels = LABEL_SETS[kind]
    reference = btstats.fit(_cycle_frame(STRING_LABELS))
    res = btstats.fit(_cycle_frame(labels))
    got = res.probabilities(labels[0], labels[1])
    want = reference.probabilities(STRING_LABELS[0], STRING_LABELS[1])
    assert isinstance(got.a_wins, float)
    assert got.a_wins == pytest.approx(want.a_wins, abs=1e-12)
    assert got.b_wins == pytest.approx(want.b_wins, abs=1e-12)


# ---------------------------------------------------------------------------- extra columns
def test_extra_columns_are_kept_by_name():
    df = winner_loser(DECISIVE).assign(
        annotator=[f"u{k % 3}" for k in range(len(DECISIVE))],
        prompt=[k // 2 for k in range(len(DECISIVE))],
        position=[k % 2 for k in range(len(DECISIVE))])
    comps = Comparisons.from_frame(df)
    assert list(comps.extra.columns) == ["annotator", "cluster", "position"]
    assert comps.extra["annotator"].tolist() == df["annotator"].tolist()
    assert comps.extra["cluster"].tolist() == df["prompt"].tolist()
    assert comps.extra["position"].tolist() == df["position"].tolist()
    assert len(comps.extra) == comps.n_rows == len(df)
    # the extra columns do not change the aggregate
    assert_same_counts(comps, DECISIVE)


def test_extra_columns_by_keyword():
    df = _outcome_frame(WORDS["words"]).assign(who=["p", "q"] * (len(ROWS) // 2),
                                               q=range(len(ROWS)))
    comps = Comparisons.from_frame(df, annotator="who", cluster="q")
    assert list(comps.extra.columns) == ["annotator", "cluster"]
    assert comps.extra["annotator"].tolist() == df["who"].tolist()
    assert comps.extra["cluster"].tolist() == list(range(len(ROWS)))
    assert_same_counts(comps, ROWS)


def test_extra_columns_of_arena_data():
    df = _arena_frame().assign(judge=["j1", "j2"] * (len(ROWS) // 2),
                               question_id=range(len(ROWS)))
    comps = Comparisons.from_frame(df)  # names inferred: judge -> annotator, question_id
    assert comps.extra["annotator"].tolist() == df["judge"].tolist()
    assert comps.extra["cluster"].tolist() == df["question_id"].tolist()
    comps = Comparisons.from_arena(df, annotator="judge", cluster="question_id")
    assert comps.extra["annotator"].tolist() == df["judge"].tolist()
    assert comps.extra["cluster"].tolist() == df["question_id"].tolist()


def test_no_extra_columns():
    assert Comparisons.from_frame(winner_loser(DECISIVE)).extra is None


# ---------------------------------------------------------------------------- aggregation
@st.composite
def raw_rows(draw):
    n = draw(st.integers(2, 12))
    m = draw(st.integers(1, 60))
    a = np.array(draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)), np.int64)
    shift = np.array(draw(st.lists(st.integers(1, n - 1), min_size=m, max_size=m)), np.int64)
    b = (a + shift) % n  # never equal to a
    outcome = np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)), np.int8)
    # quarter-integer weights (zeros included): every partial sum is exact in binary, so
    # any summation order gives the same bits
    weight = np.array(draw(st.lists(st.integers(0, 40), min_size=m, max_size=m))) / 4.0
    return n, a, b, outcome, weight


def _naive_aggregate(n, a, b, outcome, weight, has_outcome, has_weight):
    acc = defaultdict(lambda: [0.0, 0.0, 0.0])
    for r in range(a.size):
        w = weight[r] if has_weight else 1.0
        o = outcome[r] if has_outcome else 0
        lo, hi = min(a[r], b[r]), max(a[r], b[r])
        if o == 2:
            acc[lo, hi][2] += w
        elif (o == 0) == (a[r] == lo):
            acc[lo, hi][0] += w
        else:
            acc[lo, hi][1] += w
    keys = sorted(k for k, v in acc.items() if any(x != 0 for x in v))
    return (np.array([k[0] for k in keys], np.int64), np.array([k[1] for k in keys], np.int64),
            np.array([acc[k][0] for k in keys]), np.array([acc[k][1] for k in keys]),
            np.array([acc[k][2] for k in keys]))


@given(data=raw_rows(), has_outcome=st.booleans(), has_weight=st.booleans())
def test_dense_and_sorted_aggregation_agree(data, has_outcome, has_weight):
    n, a, b, outcome, weight = data
    o = outcome if has_outcome else np.zeros(0, np.int8)
    w = weight if has_weight else np.zeros(0)
    dense = kagg.aggregate_dense(n, a, b, o, w, has_outcome, has_weight)
    sparse = kagg.aggregate_sorted(n, a, b, o, w, has_outcome, has_weight)
    assert len(dense) == len(sparse)
    assert dense[0] == sparse[0] == kagg.OK
    for x, y in zip(dense, sparse):
        np.testing.assert_array_equal(x, y)
    naive = _naive_aggregate(n, a, b, outcome, weight, has_outcome, has_weight)
    for x, y in zip(dense[-5:], naive):
        np.testing.assert_array_equal(x, y)


def _spoil(data, bad, bad_weight):
    """Copy of the rows with one bad row (weight ``bad_weight`` unless the weight is bad)."""
    n, a, b, outcome, weight = (x.copy() if isinstance(x, np.ndarray) else x for x in data)
    k = a.size - 1
    weight[k] = bad_weight
    if bad == "self":
        b[k] = a[k]
    elif bad == "code":
        a[k] = n
    elif bad == "weight":
        weight[k] = -1.0
    else:
        outcome[k] = 3
    return n, a, b, outcome, weight


@given(data=raw_rows(), bad=st.sampled_from(["self", "code", "weight", "outcome"]))
def test_dense_and_sorted_aggregation_flag_the_same_bad_rows(data, bad):
    n, a, b, outcome, weight = _spoil(data, bad, bad_weight=1.0)
    dense = kagg.aggregate_dense(n, a, b, outcome, weight, True, True)
    sparse = kagg.aggregate_sorted(n, a, b, outcome, weight, True, True)
    assert dense[0] == sparse[0] != kagg.OK


@pytest.mark.parametrize("bad", ["self", "code", "outcome"])
def test_bad_rows_of_weight_zero_are_flagged_by_both_paths(bad):
    data = (3, np.array([0, 1, 2]), np.array([1, 2, 0]), np.zeros(3, np.int8),
            np.array([1.0, 1.0, 1.0]))
    n, a, b, outcome, weight = _spoil(data, bad, bad_weight=0.0)
    dense = kagg.aggregate_dense(n, a, b, outcome, weight, True, True)
    sparse = kagg.aggregate_sorted(n, a, b, outcome, weight, True, True)
    assert sparse[0] != kagg.OK
    assert dense[0] == sparse[0]


def test_out_of_range_code_of_weight_zero_is_an_error():
    with pytest.raises(btstats.DataError, match="0..2"):
        Comparisons.from_arrays([0, 1, 5], [1, 0, 0], weights=[1.0, 1.0, 0.0],
                                items=["a", "b", "c"])


def test_self_comparison_of_weight_zero_is_an_error():
    df = pd.DataFrame({"winner": ["a", "b", "c"], "loser": ["b", "a", "c"],
                       "weight": [1.0, 1.0, 0.0]})
    with pytest.raises(btstats.DataError, match="itself"):
        Comparisons.from_frame(df)


def test_many_items_few_rows_take_the_sorted_path_and_agree():
    # 5000 items but 6 rows: Comparisons aggregates by sorting, never an n x n table
    codes = np.array([4999, 17, 17, 3000, 4999, 4999])
    other = np.array([17, 4999, 3000, 17, 3000, 3000])
    comps = Comparisons.from_arrays(codes, other, items=[f"m{k}" for k in range(5000)])
    got = comps.counts_frame()
    assert got["item_a"].tolist() == ["m17", "m17", "m3000"]
    assert got["item_b"].tolist() == ["m3000", "m4999", "m4999"]
    np.testing.assert_array_equal(got["wins_a"], [1, 1, 0])
    np.testing.assert_array_equal(got["wins_b"], [1, 1, 2])


# ---------------------------------------------------------------------------- PairwiseFit
@pytest.fixture(scope="module")
def baseball_fit():
    return btstats.fit(btstats.load_example("baseball"))


@pytest.fixture(scope="module")
def springall_fit():
    return btstats.fit(btstats.load_example("springall"), "rao-kupper")


def test_scores_and_covariance(baseball_fit, springall_fit):
    for res in (baseball_fit, springall_fit):
        s = res.scores
        assert isinstance(s, pd.Series) and list(s.index) == list(res.items)
        assert abs(s.sum()) < 1e-12
        cov = res.covariance
        assert list(cov.index) == list(cov.columns) == list(res.items)
        np.testing.assert_allclose(cov.to_numpy(), cov.to_numpy().T, atol=0)
        np.testing.assert_allclose(cov.sum(axis=1), 0.0, atol=1e-12)
        assert np.all(np.linalg.eigvalsh(cov.to_numpy())[1:] > 0)
        np.testing.assert_allclose(res.standard_errors, np.sqrt(np.diag(cov)), rtol=1e-14)
    assert baseball_fit.theta is None and baseball_fit.theta_se is None
    assert baseball_fit.eta is None
    assert springall_fit.theta == pytest.approx(math.exp(springall_fit.eta), rel=1e-14)


@pytest.mark.parametrize("level", [0.95, 0.9, 0.5])
def test_confidence_interval(baseball_fit, level):
    # Wald: score -/+ Phi^-1(1/2 + level/2) se
    ci = baseball_fit.confidence_interval(level)
    assert isinstance(ci, btstats.ConfidenceInterval)
    assert ci.interval == "wald" and ci.confidence_level == level
    assert list(ci.low.index) == list(baseball_fit.items)
    z = special.ndtri(0.5 + level / 2)
    s, se = baseball_fit.scores, baseball_fit.standard_errors
    np.testing.assert_allclose(ci["low"], s - z * se, rtol=1e-14)
    np.testing.assert_allclose(ci["high"], s + z * se, rtol=1e-14)
    if level == 0.95:
        np.testing.assert_allclose(ci["high"] - s, 1.959963984540054 * se, rtol=1e-12)


def test_probabilities_scalars(baseball_fit, springall_fit):
    s = baseball_fit.scores
    p = baseball_fit.probabilities("Boston", "Detroit")
    assert isinstance(p, btstats.PairProbabilities)
    assert all(isinstance(x, float) for x in p)
    assert p.a_wins == pytest.approx(special.expit(s["Boston"] - s["Detroit"]), rel=1e-14)
    assert p.tie == 0.0
    assert p.a_wins + p.tie + p.b_wins == pytest.approx(1.0, abs=1e-15)
    # Rao-Kupper: P(a) = expit(d - eta), P(b) = expit(-d - eta), the rest is a tie
    s, eta = springall_fit.scores, springall_fit.eta
    p = springall_fit.probabilities("3", "7")
    d = s["3"] - s["7"]
    assert p.a_wins == pytest.approx(special.expit(d - eta), rel=1e-13)
    assert p.b_wins == pytest.approx(special.expit(-d - eta), rel=1e-13)
    assert p.tie == pytest.approx(1 - special.expit(d - eta) - special.expit(-d - eta),
                                  rel=1e-10)


def test_probabilities_arrays(baseball_fit, springall_fit):
    teams = ["Boston", "Toronto", "Milwaukee"]
    p = baseball_fit.probabilities(teams, "Detroit")
    assert all(isinstance(x, np.ndarray) and x.shape == (3,) for x in p)
    np.testing.assert_allclose(p.a_wins + p.tie + p.b_wins, 1.0, rtol=1e-15)
    for k, team in enumerate(teams):
        assert p.a_wins[k] == pytest.approx(
            baseball_fit.probabilities(team, "Detroit").a_wins, rel=1e-15)
    items = list(springall_fit.items)
    p = springall_fit.probabilities(items, items[::-1])
    np.testing.assert_allclose(p.a_wins + p.tie + p.b_wins, 1.0, rtol=1e-14)
    np.testing.assert_allclose(p.a_wins, p.b_wins[::-1], rtol=1e-14)
    assert np.all(p.tie > 0)


def test_to_frame(data_dir, baseball_fit):
    table = baseball_fit.to_frame()
    assert list(table.columns) == ["rank", "item", "score", "se", "ci_low", "ci_high", "wins",
                                   "losses", "ties"]
    assert table["rank"].tolist() == list(range(1, 8))
    assert table["score"].is_monotonic_decreasing
    assert table["item"].iloc[0] == "Milwaukee" and table["item"].iloc[-1] == "Baltimore"
    s = baseball_fit.scores
    np.testing.assert_allclose(table["score"], s[table["item"]].to_numpy(), rtol=0)
    ci = baseball_fit.confidence_interval()
    np.testing.assert_allclose(table["ci_low"], ci.low[table["item"]].to_numpy())
    # wins and losses counted from tests/data/baseball.csv
    counts = pd.read_csv(data_dir / "baseball.csv", dtype={"item_a": str, "item_b": str})
    wins = counts.groupby("item_a").wins_a.sum().add(counts.groupby("item_b").wins_b.sum(),
                                                     fill_value=0)
    losses = counts.groupby("item_a").wins_b.sum().add(counts.groupby("item_b").wins_a.sum(),
                                                       fill_value=0)
    t = table.set_index("item")
    np.testing.assert_array_equal(t["wins"], wins[t.index].to_numpy())
    np.testing.assert_array_equal(t["losses"], losses[t.index].to_numpy())
    assert (t["ties"] == 0).all()
    assert t.loc["Milwaukee", "wins"] == 50 and t.loc["Baltimore", "losses"] == 60


def test_to_frame_shares_ranks_of_equal_scores():
    res = btstats.fit(_cycle_frame(("p", "q", "r")).iloc[[0, 2, 3]])  # a pure 3-cycle
    table = res.to_frame()
    assert table["rank"].tolist() == [1, 1, 1]
    assert table["item"].tolist() == ["p", "q", "r"]


def test_summary_and_html(baseball_fit, springall_fit):
    text = baseball_fit.summary()
    assert isinstance(text, str)
    # the default method="auto" runs Newman's MM for Bradley-Terry (and says so)
    for piece in ("bradley-terry", "mm", f"{baseball_fit.loglik:.4f}", "Milwaukee",
                  "Baltimore", "273"):
        assert piece in text
    assert text.index("Milwaukee") < text.index("Baltimore")  # best first
    text = springall_fit.summary()
    assert "theta" in text and f"{springall_fit.theta:.4f}" in text
    html = baseball_fit._repr_html_()
    assert "<table" in html and "Milwaukee" in html and "bradley-terry" in html
    assert "PairwiseFit(model='bradley-terry'" in repr(baseball_fit)


def test_information_criteria(baseball_fit, springall_fit):
    # AIC = -2 loglik + 2 k, BIC = -2 loglik + k log(n_comparisons); k = n_items - 1 (+1 theta)
    for res, k in ((baseball_fit, 6), (springall_fit, 9)):
        assert res.n_params == k
        assert res.aic == pytest.approx(-2 * res.loglik + 2 * k, rel=1e-14)
        assert res.bic == pytest.approx(-2 * res.loglik + k * math.log(res.n_comparisons),
                                        rel=1e-14)
    assert baseball_fit.n_comparisons == 273 and springall_fit.n_comparisons == 885


def test_fit_diagnostics(baseball_fit):
    assert baseball_fit.converged is True
    assert baseball_fit.method == "mm" and baseball_fit.model == "bradley-terry"
    assert baseball_fit.n_items == 7
    assert baseball_fit.n_iter >= 1
    assert "converged" in baseball_fit.message
    assert baseball_fit.gradient_norm <= 1e-10


def test_comparisons_repr_and_counts():
    comps = btstats.load_example("springall")
    assert repr(comps) == "Comparisons(9 items, 108 rows, 885 comparisons, 198 ties, 36 pairs)"
    assert comps.n_items == 9 and comps.n_comparisons == 885 and comps.n_ties == 198
    rec = comps.record_counts()
    assert list(rec.columns) == ["wins", "losses", "ties"]
    assert rec["wins"].sum() == rec["losses"].sum() == 885 - 198
    assert rec["ties"].sum() == 2 * 198


@pytest.mark.parametrize("bits", [9, 20, 32, 33, 36, 42, 43, 62])
def test_radix_sort_equals_a_stable_sort(bits):
    # two passes up to 32 bits, then digits of _DIGIT_BITS: the widths a key of many items
    # reaches (36 bits at 10**5 items) sort like numpy's stable sort, payload alike
    rng = np.random.default_rng(bits)
    keys = rng.integers(0, 2 ** bits, 5000, dtype=np.int64)
    keys[::7] = keys[0]                       # repeated keys: the payload keeps row order
    payload = np.arange(keys.shape[0], dtype=np.int64)
    out_k, out_p = kagg._radix_sort(keys.copy(), np.empty_like(keys), payload.copy(),
                                    np.empty_like(payload), bits, True)
    order = np.argsort(keys, kind="stable")
    np.testing.assert_array_equal(out_k, keys[order])
    np.testing.assert_array_equal(out_p, order)


def test_positive_range_left_by_the_validation_equals_a_fresh_scan():
    c = Comparisons.from_arrays([0, 1, 2, 0], [1, 2, 0, 2], weights=[0.5, 3.0, 1e-3, 2.0])
    pairs = c.pairs
    assert "_positive_range" in pairs.__dict__
    assert pairs.positive_range() == kagg.positive_range(pairs.wab, pairs.wba, pairs.tie)
    assert pairs.positive_range() == (1e-3, 3.0)
    half = pairs.with_ties_as_half()           # derived counts: scanned when asked
    assert "_positive_range" not in half.__dict__
    assert half.positive_range() == kagg.positive_range(half.wab, half.wba, half.tie)


@given(data=raw_rows(), has_outcome=st.booleans())
def test_sorted_aggregation_summary_equals_the_weight_scan(data, has_outcome):
    """Unweighted rows: the total, smallest and largest cell weight the sorted aggregation
    finds while counting equal the scan of the counts it would otherwise need."""
    n, a, b, outcome, _ = data
    o = outcome if has_outcome else np.zeros(0, np.int8)
    summary = []
    status, pi, pj, wab, wba, tie = kagg.aggregate_sorted(n, a, b, o, np.zeros(0),
                                                          has_outcome, False, summary)
    if status != kagg.OK:
        return
    total, n_small, lo, hi = kagg.weight_range(wab, wba, tie, 1e-300)
    assert summary == [total, lo, hi] and n_small == 0


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), m=st.integers(0, 3000), bits=st.integers(1, 40),
       key_type=st.sampled_from([np.uint32, np.int64]), with_payload=st.booleans())
def test_threaded_radix_sort_is_the_serial_sort(seed, m, bits, key_type, with_payload):
    """The blocks of the threaded sort give exactly the serial (stable) sort: the keys and
    the permutation of the payload (rows of equal keys keep their order)."""
    if key_type is np.uint32:
        bits = min(bits, 32)
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2 ** bits, m, dtype=np.int64).astype(key_type)
    payload = np.arange(m, dtype=np.int64) if with_payload else np.zeros(0, np.int64)
    got = kagg._radix_sort_threaded(keys.copy(), np.empty_like(keys), payload.copy(),
                                    np.empty_like(payload), bits, with_payload)
    want = kagg._radix_sort(keys.copy(), np.empty_like(keys), payload.copy(),
                            np.empty_like(payload), bits, with_payload)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[0], np.sort(keys))
    if with_payload:
        np.testing.assert_array_equal(got[1], want[1])
        np.testing.assert_array_equal(got[1], np.argsort(keys, kind="stable"))


@settings(max_examples=60, deadline=None)
@given(data=raw_rows(), has_outcome=st.booleans(), has_weight=st.booleans())
def test_threaded_sorted_aggregation_is_the_serial_one(data, has_outcome, has_weight):
    """Keys built, sorted, counted and merged in blocks on threads (the path of >= 2^20
    rows, forced here on small data) give the serial path's records and summary, bad rows
    included."""
    n, a, b, outcome, weight = data
    o = outcome if has_outcome else np.zeros(0, np.int8)
    w = weight if has_weight else np.zeros(0)
    runs = []
    for threshold in (0, 1 << 62):
        old = kagg.THREADED_SORT_ROWS
        kagg.THREADED_SORT_ROWS = threshold
        try:
            summary = []
            runs.append((kagg.aggregate_sorted(n, a, b, o, w, has_outcome, has_weight,
                                               summary), summary))
        finally:
            kagg.THREADED_SORT_ROWS = old
    (got, s_got), (want, s_want) = runs
    assert got[0] == want[0] and s_got == s_want
    for x, y in zip(got[1:], want[1:]):
        np.testing.assert_array_equal(x, y)


@settings(max_examples=60, deadline=None)
@given(data=raw_rows(), has_outcome=st.booleans())
def test_threaded_dense_counting_is_the_serial_one(data, has_outcome):
    """Unweighted rows counted in blocks on threads (the dense path of many rows, forced here
    on small data) give the serial count's records, bad rows flagged alike: the cells hold
    whole counts, so the sums of the blocks' tables are exact."""
    n, a, b, outcome, _ = data
    o = outcome if has_outcome else np.zeros(0, np.int8)
    threaded = kagg._dense_unweighted_threaded(n, a, b, o, has_outcome)
    serial = kagg._dense_unweighted(n, a, b, o, has_outcome)
    assert threaded[0] == serial[0]
    for x, y in zip(threaded[1:], serial[1:]):
        np.testing.assert_array_equal(x, y)
    assert kagg.dense_threaded(100, 10**6, False) and not kagg.dense_threaded(100, 1000, False)
    assert not kagg.dense_threaded(500, 10**6, True)
