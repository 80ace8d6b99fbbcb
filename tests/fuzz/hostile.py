"""Hypothesis strategies for hostile input: frames, arrays, files and arguments.

Every strategy is mostly valid with hostile parts mixed in, so that the examples reach deep
into the code as well as its front door: most draws of an argument are a valid value, about
one in five a hostile one (NaN, ``pd.NA``, ``None``, a string, a float where an int belongs,
a negative, an extreme or denormal number).  The shrinker moves towards the valid values,
so a minimal failing example shows only the hostile parts it needs.

Sizes stay small (a few items, a dozen rows): a hostile value is refused or survived at
any size, and small examples keep the suite inside its time budget.  Sizes that are hostile
*because* they are huge live in dedicated tests (see ``test_fuzz_known.py``).
"""
import json
import math
import os

import numpy as np
import pandas as pd
from hypothesis import strategies as st

NAN = float("nan")
INF = float("inf")


def sometimes(valid, hostile, odds=4):
    """A valid value ``odds`` times in ``odds + 1``, else a hostile one (both strategies or
    lists); shrinks towards the valid ones."""
    v = valid if isinstance(valid, st.SearchStrategy) else st.sampled_from(list(valid))
    h = hostile if isinstance(hostile, st.SearchStrategy) else st.sampled_from(list(hostile))
    return st.integers(0, odds).flatmap(lambda k: v if k < odds else h)


def maybe(strategy, odds=1):
    """The sentinel ``OMIT`` (leave the argument out) ``odds`` times in ``odds + 1``, else a
    value of ``strategy``."""
    return st.integers(0, odds).flatmap(lambda k: st.just(OMIT) if k < odds else strategy)


def rare(draw, k):
    """True about once in ``k + 1`` draws, and never in the simplest example (hypothesis
    starts from, and shrinks towards, the smallest choices: those must be the common path)."""
    return draw(st.integers(0, k)) == k


class _Omit:
    def __repr__(self):
        return "OMIT"


OMIT = _Omit()


def kwargs_of(**strategies):
    """A dict of keyword arguments, each drawn from its strategy; ``OMIT`` values left out."""
    return st.fixed_dictionaries(strategies).map(
        lambda d: {k: v for k, v in d.items() if v is not OMIT})


# =========================================================================== scalars
#: Hostile stand-ins for a number, a string choice, a flag.
HOSTILE_SCALARS = [NAN, INF, -INF, None, pd.NA, "0.5", "", "nan", [0.5], (1,), {},
                   np.float64(NAN), np.array([0.5, 0.5]), b"x", complex(1, 1)]
HOSTILE_NUMBERS = [NAN, INF, -INF, -1, -1e-300, 0, -0.0, None, pd.NA, "1", "0.1", True, False,
                   [1], np.array([1.0, 2.0]), np.float32(NAN), np.int64(-3), 1e308, 5e-324,
                   2 ** 63, complex(1, 0), pd.Timestamp("2020-01-01")]
HOSTILE_INTS = [0, -1, 2.5, 1.0, NAN, INF, None, pd.NA, "5", True, False, np.float64(3.0),
                np.int64(-2), [3], 2 ** 63, -(2 ** 63) - 1, complex(2, 0)]
HOSTILE_CHOICES = [None, pd.NA, NAN, "", " ", "NEWTON", "Newton ", 0, 1, True, ["newton"],
                   ("mm",), b"newton", "lbfgs", "elo", "robust", "ignore", object()]
HOSTILE_LEVELS = [0, 1, 0.0, 1.0, -0.5, 1.5, NAN, INF, "0.9", pd.NA, None, True, [0.9],
                  np.array([0.9, 0.5]), np.float64(NAN), 1 + 1e-16, 5e-324, complex(0.9, 0)]
HOSTILE_RNGS = [-1, 2.5, "seed", pd.NA, NAN, [1.5], "RandomState(0)"]
VALID_RNGS = [None, 0, 1, 12345, 2 ** 40, "default_rng(3)", "SeedSequence(5)"]
_RNG_FACTORIES = {"RandomState(0)": lambda: np.random.RandomState(0),
                  "default_rng(3)": lambda: np.random.default_rng(3),
                  "SeedSequence(5)": lambda: np.random.SeedSequence(5)}


def _fresh(x):
    """A new random generator for each example (a shared one would carry its state from one
    example to the next and make the examples irreproducible)."""
    return _RNG_FACTORIES[x]() if isinstance(x, str) and x in _RNG_FACTORIES else x

levels = sometimes([0.95, 0.9, 0.5, 0.99, 0.999999, 1e-9, np.float64(0.8)], HOSTILE_LEVELS)
rngs = sometimes(VALID_RNGS, HOSTILE_RNGS).map(_fresh)


def choice(valid, odds=4):
    return sometimes(list(valid), HOSTILE_CHOICES, odds)


def number(valid, extra_hostile=(), odds=4):
    return sometimes(list(valid), HOSTILE_NUMBERS + list(extra_hostile), odds)


def integer(valid, extra_hostile=(), odds=4, huge=True):
    """An integer argument: valid values, or hostile ones (floats, NaN, NA, strings, ...).
    ``huge=False`` leaves out 2**63 and the like, for arguments that size a Python loop or
    an allocation (a missing size check there would hang the suite, not fail it)."""
    hostile = HOSTILE_INTS if huge else [v for v in HOSTILE_INTS if not (
        isinstance(v, int) and abs(v) > 10 ** 6)]
    return sometimes(list(valid), hostile + list(extra_hostile), odds)


flags = sometimes([True, False], [None, pd.NA, NAN, "yes", "", 0, 1, np.bool_(True), [True]])


# =========================================================================== labels
def _label_pools():
    return [
        ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"],
        [0, 1, 2, 3, 4, 5],
        [10, 3, 7, 1, 42, 8],
        [0.5, 1.5, 2.5, -1.0, 1e300, 3.25],
        [("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5), ("f", 6)],
        [frozenset({1}), frozenset({2}), frozenset({1, 2}), frozenset(), frozenset("x"),
         frozenset({3})],
        ["b", 1, ("t", 0), 2.5, frozenset({9}), "a"],          # mixed, unsortable
        ["é", "日本", "a b", "A", "a", "\u00a0"],               # unicode, case, space
        [True, False, "True", "1", 2, "2"],                   # True == 1 collisions
        [2 ** 62, -(2 ** 62), 2 ** 31 + 5, -1, 0, 2 ** 40],
        [np.int64(3), np.int32(4), np.float32(5.5), np.str_("s"), np.int8(-1), np.uint8(7)],
    ]


LABEL_POOLS = _label_pools()
HOSTILE_LABELS = [None, NAN, pd.NA, pd.NaT, INF, -INF, "", " ", "nan", "None", 1e308,
                  -0.0, b"bytes", "x" * 300, np.float64(NAN), ("a", NAN), frozenset({NAN})]


@st.composite
def label_pool(draw, min_size=2, max_size=6):
    pool = draw(st.sampled_from(LABEL_POOLS))
    k = draw(st.integers(min_size, max_size))
    labels = draw(st.permutations(pool))[:k]
    return labels


# =========================================================================== numbers
#: Counts and weights: ordinary, extreme, denormal, and hostile.
VALID_COUNTS = [1, 2, 3, 5, 1.0, 0.5, 2.5, 10, 100, 0, 1e6]
EXTREME_COUNTS = [1e12, 1e300, 1e305, 1e308, 5e-324, 1e-300, 1e-310, 2.2250738585072014e-308,
                  2 ** 53 + 1, 2 ** 62, 1e-12]
HOSTILE_COUNTS = [NAN, INF, -INF, -1, -0.5, None, pd.NA, "3", "x", True, 2 ** 64, [1],
                  complex(1, 1)]
counts_values = sometimes(VALID_COUNTS,
                          sometimes(EXTREME_COUNTS, HOSTILE_COUNTS, odds=1), odds=5)

OUTCOME_VALID = [1, 0, 0.5, "a", "b", "tie", "win", "loss", "draw", "A", " tie ", 1.0, "1",
                 "0", "0.5"]
OUTCOME_HOSTILE = [2, -1, NAN, None, pd.NA, "x", INF, "model_a", 0.25, "", [1], b"a"]
outcome_values = sometimes(OUTCOME_VALID, OUTCOME_HOSTILE, odds=6)
ARENA_VALID = ["model_a", "model_b", "tie", "tie (bothbad)", "MODEL_A", " model_b "]
ARENA_HOSTILE = ["model_c", None, NAN, 1, "", "tie(bothbad)", "bothbad", pd.NA, "a"]
arena_values = sometimes(ARENA_VALID, ARENA_HOSTILE, odds=6)


# =========================================================================== frames
LAYOUTS = ("winner", "outcome", "counts", "arena")


@st.composite
def comparison_frames(draw, layouts=LAYOUTS, max_rows=10, hostile=True, connected=None,
                      annotators=False, clusters=None):
    """A DataFrame in one of the layouts ``Comparisons.from_frame`` reads.

    The frame is first built from valid values (labels of one pool, outcomes, counts,
    optional weights and per-row columns); ``connected=True`` appends a cycle of wins over
    all items so that a finite MLE exists.  With ``hostile=True`` about half the frames then
    get one to three mutations (:data:`MUTATIONS`): a hostile label, outcome, count or weight
    in one row, an extreme or denormal count, a self-comparison, a nullable / categorical
    dtype, a repeated column name, a strange index, ...
    """
    layout = draw(st.sampled_from(list(layouts)))
    pool = draw(label_pool())
    n_items = len(pool)
    n_rows = draw(st.integers(1, max_rows))
    first, second = [], []
    for _ in range(n_rows):
        i = draw(st.integers(0, n_items - 1))
        j = (i + draw(st.integers(1, n_items - 1))) % n_items
        first.append(pool[i])
        second.append(pool[j])
    if connected is None:
        connected = draw(st.integers(0, 3)) > 0
    n_cycle = 0
    if connected:
        for i in range(n_items):
            first.append(pool[i])
            second.append(pool[(i + 1) % n_items])
        n_cycle = n_items
    m = len(first)
    free = m - n_cycle
    valid_counts = st.sampled_from(VALID_COUNTS[:-1])
    if layout == "winner":
        cols = {"winner": first, "loser": second}
    elif layout == "outcome":
        if rare(draw, 5):                 # a boolean outcome column
            vals = draw(st.lists(st.booleans(), min_size=free, max_size=free))
            cols = {"item_a": first, "item_b": second, "outcome": vals + [True] * n_cycle}
        else:
            vals = draw(st.lists(st.sampled_from(OUTCOME_VALID), min_size=free,
                                 max_size=free))
            cols = {"item_a": first, "item_b": second, "outcome": vals + [1] * n_cycle}
    elif layout == "arena":
        vals = draw(st.lists(st.sampled_from(ARENA_VALID), min_size=free, max_size=free))
        cols = {"model_a": first, "model_b": second,
                "winner": vals + ["model_a"] * n_cycle}
    else:
        wa = draw(st.lists(valid_counts, min_size=free, max_size=free)) + [1] * n_cycle
        wb = draw(st.lists(valid_counts, min_size=m, max_size=m))
        cols = {"item_a": first, "item_b": second, "wins_a": wa, "wins_b": wb}
        if draw(st.booleans()):
            cols["ties"] = draw(st.lists(valid_counts, min_size=m, max_size=m))
    if layout != "counts" and rare(draw, 3):
        name = draw(st.sampled_from(["weight", "count", "n", "weights"]))
        cols[name] = draw(st.lists(st.sampled_from([1, 2, 0.5, 3.0, 1e-3, 10]), min_size=m,
                                   max_size=m))
    if layout != "counts":
        if annotators or (hostile and rare(draw, 4)):
            ann_pool = draw(st.sampled_from([["ann", "bob", "cy"], [1, 2], ["solo"],
                                             [1, "1", (1,)]]))
            name = "annotator" if annotators else draw(st.sampled_from(
                ["annotator", "judge", "worker"]))
            cols[name] = draw(st.lists(st.sampled_from(ann_pool), min_size=m, max_size=m))
            if draw(st.booleans()):
                pos = st.sampled_from(["a", "b", "left", "second", None])
                cols["position"] = draw(st.lists(pos, min_size=m, max_size=m))
        want_cluster = clusters if clusters is not None else rare(draw, 3)
        if want_cluster:
            cl_pool = draw(st.sampled_from([["p1", "p2", "p3"], [1, 2, 3], [(1, 2), (3, 4)]]))
            cols[draw(st.sampled_from(["cluster", "prompt", "prompt_id"]))] = draw(
                st.lists(st.sampled_from(cl_pool), min_size=m, max_size=m))
    if hostile and draw(st.booleans()):
        for _ in range(draw(st.integers(1, 3))):
            mutation = draw(st.sampled_from(MUTATIONS))
            cols = draw(_mutate_columns(cols, mutation, layout))
    df = _frame_of(cols)
    if hostile and rare(draw, 3):
        df = draw(frame_mangling(df))
    return df


def relabelled(df):
    """The frame twice over, the second copy labelled by other annotators (so that every
    comparison has repeated labels, as agreement statistics need)."""
    if "annotator" not in df.columns or not isinstance(df["annotator"], pd.Series) or \
            not len(df):
        return df
    other = df.copy()
    other["annotator"] = [f"{a}-2" for a in df["annotator"].astype(str)]
    return pd.concat([df, other], ignore_index=True)


def _frame_of(cols):
    m = max((len(v) for v in cols.values()), default=0)
    if m == 0:
        return pd.DataFrame({k: pd.Series([], dtype=object) for k in cols})
    df = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in cols.items()})
    return df.infer_objects()


#: What :func:`comparison_frames` can do to a valid frame.
MUTATIONS = ("label", "label", "self", "outcome", "count", "count", "extreme", "extreme",
             "weight", "empty", "one-row", "drop-column", "per-row")


@st.composite
def _mutate_columns(draw, cols, mutation, layout):
    cols = {k: list(v) for k, v in cols.items()}
    m = len(next(iter(cols.values()))) if cols else 0
    label_cols = [c for c in ("winner", "loser", "item_a", "item_b", "model_a", "model_b")
                  if c in cols and not (c == "winner" and layout == "arena")]
    if m == 0:
        return cols
    row = draw(st.integers(0, m - 1))
    if mutation == "label" and label_cols:
        cols[draw(st.sampled_from(label_cols))][row] = draw(st.sampled_from(HOSTILE_LABELS))
    elif mutation == "self" and len(label_cols) >= 2:
        a, b = label_cols[:2]
        cols[b][row] = cols[a][row]
    elif mutation == "outcome":
        if "outcome" in cols:
            cols["outcome"][row] = draw(st.sampled_from(OUTCOME_HOSTILE))
        elif layout == "arena" and "winner" in cols:
            cols["winner"][row] = draw(st.sampled_from(ARENA_HOSTILE))
    elif mutation in ("count", "extreme", "weight"):
        targets = [c for c in ("wins_a", "wins_b", "ties", "weight", "count", "n", "weights")
                   if c in cols]
        if mutation == "weight" or not targets:
            name = next((c for c in ("weight", "count", "n", "weights") if c in cols),
                        "weight" if layout != "counts" else "wins_a")
            cols.setdefault(name, [1] * m)
            targets = [name]
        col = draw(st.sampled_from(targets))
        values = EXTREME_COUNTS if mutation == "extreme" else HOSTILE_COUNTS
        if draw(st.booleans()):
            cols[col][row] = draw(st.sampled_from(values))
        else:                                            # the whole column extreme
            v = draw(st.sampled_from(values))
            cols[col] = [v] * m
    elif mutation == "empty":
        cols = {k: [] for k in cols}
    elif mutation == "one-row":
        cols = {k: v[:1] for k, v in cols.items()}
    elif mutation == "drop-column" and len(cols) > 1:
        cols.pop(draw(st.sampled_from(sorted(cols))))
    elif mutation == "per-row":
        col = draw(st.sampled_from(["annotator", "cluster", "prompt", "position"]))
        cols.setdefault(col, ["x"] * m)
        cols[col][row] = draw(st.sampled_from([None, NAN, pd.NA, "", ("a", NAN), 1e308]))
    return cols


def _is_real(x):
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, bool) \
        and math.isfinite(float(x)) and float(x) >= 0


DTYPES_LABEL = ["object", "string", "category", "str"]
DTYPES_NUMBER = ["float64", "float32", "Int64", "Float64", "int32", "boolean", "object",
                 "category", "string"]


@st.composite
def frame_mangling(draw, df):
    """Pandas-level hostility: nullable / categorical dtypes, repeated column names, a
    strange index, a view."""
    df = df.copy()
    for col in list(df.columns):
        if draw(st.integers(0, 3)) != 0:
            continue
        numeric = col in ("wins_a", "wins_b", "ties", "weight", "count", "n", "weights",
                          "outcome")
        dtype = draw(st.sampled_from(DTYPES_NUMBER if numeric else DTYPES_LABEL))
        try:
            df[col] = df[col].astype(dtype)
        except (TypeError, ValueError, OverflowError):
            pass
    k = 9 - draw(st.integers(0, 9))                      # the simplest draw: no change
    if k == 0 and len(df.columns):                       # a repeated column name
        col = draw(st.sampled_from(list(df.columns)))
        df = pd.concat([df, df[[col]]], axis=1)
    elif k == 1 and len(df):                             # a repeated, unordered index
        df.index = [7] * len(df)
    elif k == 2 and len(df):
        df.index = pd.MultiIndex.from_arrays([list(range(len(df))), ["x"] * len(df)])
    elif k == 3 and len(df) > 1:                         # a non-contiguous slice
        df = df.iloc[::2]
    elif k == 4:                                         # column labels of other types
        df.columns = pd.Index([c if draw(st.booleans()) else (c,) for c in df.columns],
                              dtype=object, tupleize_cols=False)
    elif k == 5 and len(df.columns):                     # an extra unrelated column
        df["unused"] = draw(st.sampled_from([NAN, None, "x", 1e308]))
    return df


@st.composite
def valid_frames(draw, layouts=("winner", "outcome", "counts", "arena"), max_rows=8,
                 **kw):
    """A comparison frame that should fit (connected, valid values)."""
    return draw(comparison_frames(layouts=layouts, max_rows=max_rows, hostile=False,
                                  connected=True, **kw))


# =========================================================================== arrays
INT_DTYPES = ["int64", "int32", "int16", "int8", "uint8", "uint32", "uint64", "intp"]
CODE_HOSTILE = [-1, 2 ** 31 + 5, 2 ** 32, -(2 ** 31) - 1, NAN, 1.5, INF, None, "1", 1e300]


ARRAY_FORMS = ("list", "tuple", "series", "ndarray", "readonly", "strided", "column",
               "object", "nullable", "astype", "readonly-strided", "row", "series-object")


@st.composite
def array_like(draw, values, hostile=True):
    """``values`` as an ndarray or a list, or (half the time when ``hostile``) in another
    form: a tuple, a Series with a shuffled index, a read-only or non-contiguous array, a
    2-D column, an object / nullable / other-dtype array."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError, OverflowError):
        arr = np.asarray(values, dtype=object)
    if not hostile or draw(st.booleans()):
        return arr if draw(st.booleans()) else list(values)
    form = draw(st.sampled_from(ARRAY_FORMS))
    if form == "list":
        return list(values)
    if form == "tuple":
        return tuple(values)
    if form == "series":
        return pd.Series(list(values), index=np.arange(len(values))[::-1] + 3)
    if form == "readonly":
        a = np.array(arr)
        a.setflags(write=False)
        return a
    if form == "strided":
        return np.repeat(arr, 2)[::2]
    if form == "column":
        return arr.reshape(-1, 1)
    if form == "object":
        return np.asarray(values, dtype=object)
    if form == "nullable":
        try:
            return pd.array(list(values), dtype=draw(st.sampled_from(["Int64", "Float64"])))
        except (TypeError, ValueError, OverflowError):
            return arr
    if form == "astype":
        try:
            return arr.astype(draw(st.sampled_from(INT_DTYPES + ["float32", "float64", "bool",
                                                                 "str"])))
        except (TypeError, ValueError, OverflowError):
            return arr
    if form == "readonly-strided":
        a = np.repeat(arr, 2)[::2]
        a.setflags(write=False)
        return a
    if form == "row":
        return arr[None, :]
    if form == "ndarray":
        return arr
    return pd.Series(list(values), dtype=object)


@st.composite
def code_arrays(draw, hostile=True):
    """``(winners, losers, kwargs)`` for ``Comparisons.from_arrays``: valid codes with a
    cycle (a finite MLE) most of the time; hostile codes, forms, weights, ties and labels
    mixed in."""
    n = draw(st.integers(2, 6))
    m = draw(st.integers(1, 10))
    w = [draw(st.integers(0, n - 1)) for _ in range(m)]
    l_ = [(x + draw(st.integers(1, n - 1))) % n for x in w]
    if draw(st.integers(0, 3)):                          # a cycle: a finite MLE
        w += list(range(n))
        l_ += [(i + 1) % n for i in range(n)]
    m = len(w)
    bad = hostile and rare(draw, 2)
    if bad:
        what = draw(st.sampled_from(["code", "code", "short", "empty", "self"]))
        k = draw(st.integers(0, m - 1))
        if what == "code":
            (w if draw(st.booleans()) else l_)[k] = draw(st.sampled_from(CODE_HOSTILE))
        elif what == "short":
            l_ = l_[:-1]
        elif what == "empty":
            w, l_ = [], []
        else:
            l_[k] = w[k]
    winners = draw(array_like(w, hostile=hostile))
    losers = draw(array_like(l_, hostile=hostile))
    kw = {}
    if rare(draw, 2):
        wt = draw(st.lists(st.sampled_from([1, 2, 0.5, 3.0, 10, 0]), min_size=len(w),
                           max_size=len(w)))
        if hostile and wt and draw(st.booleans()):
            k = draw(st.integers(0, len(wt) - 1))
            values = EXTREME_COUNTS + HOSTILE_COUNTS
            if draw(st.booleans()):
                wt[k] = draw(st.sampled_from(values))
            else:
                wt = [draw(st.sampled_from(values))] * len(wt)
        kw["weights"] = draw(array_like(wt, hostile=hostile))
    if rare(draw, 3):
        tv = st.sampled_from([True, False])
        ties = draw(st.lists(tv, min_size=len(w), max_size=len(w)))
        if hostile and ties and draw(st.booleans()):
            ties[draw(st.integers(0, len(ties) - 1))] = draw(st.sampled_from(
                [0, 1, 2, NAN, None, "yes", pd.NA, "False"]))
        kw["ties"] = draw(array_like(ties, hostile=hostile))
    if rare(draw, 3):
        k = n + (draw(st.integers(-1, 2)) if hostile else draw(st.integers(0, 2)))
        labels = draw(label_pool(min_size=6, max_size=6)) * 2
        items = labels[:max(k, 0)]
        if hostile and rare(draw, 5):
            items = items[:1] + items[:-1]              # a repeated label
        kw["items"] = draw(st.sampled_from([items, pd.Index(items, dtype=object),
                                            tuple(items)]))
    return winners, losers, kw


@st.composite
def win_matrices(draw, hostile=True):
    """``(wins, kwargs)`` for ``Comparisons.from_matrix``: a valid matrix with a cycle of
    wins most of the time, then maybe one hostile change (a bad cell, the diagonal, the
    shape, the form, mismatched labels, bad ties)."""
    n = draw(st.integers(2, 5))
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            if i != j:
                w[i, j] = draw(st.sampled_from([0.0, 0.0, 1.0, 2.0, 3.5, 10.0]))
    for i in range(n):
        w[i, (i + 1) % n] = max(w[i, (i + 1) % n], 1.0)
    wins = w
    change = draw(st.sampled_from(["none", "none", "none", "cell", "extreme", "diagonal",
                                   "form", "form"])) if hostile else "none"
    if change in ("cell", "extreme"):
        w = w.astype(object)
        i = draw(st.integers(0, n - 1))
        j = (i + draw(st.integers(1, n - 1))) % n
        values = EXTREME_COUNTS if change == "extreme" else HOSTILE_COUNTS
        if draw(st.booleans()):
            w[i, j] = draw(st.sampled_from(values))
        else:
            v = draw(st.sampled_from(values))
            w = np.empty((n, n), dtype=object)
            w[...] = [[0.0 if a == b else v for b in range(n)] for a in range(n)]
        try:
            wins = w.astype(float)
        except (TypeError, ValueError, OverflowError):
            wins = w
    elif change == "diagonal":
        wins = w.copy()
        wins[0, 0] = draw(st.sampled_from([1.0, NAN, -1.0]))
    elif change == "form":
        form = draw(st.sampled_from(["frame", "transposed", "readonly", "list", "not-square",
                                     "mislabelled", "object", "1-d", "3-d", "empty",
                                     "one"]))
        if form == "frame":
            labels = draw(label_pool(n, n))
            wins = pd.DataFrame(w, index=labels, columns=labels)
        elif form == "transposed":
            wins = w.T                                 # non-contiguous (F-ordered) view
        elif form == "readonly":
            wins = w.copy()
            wins.setflags(write=False)
        elif form == "list":
            wins = w.tolist()
        elif form == "not-square":
            wins = w[:, :-1]
        elif form == "mislabelled":
            wins = pd.DataFrame(w, index=list(range(n)), columns=list(range(1, n + 1)))
        elif form == "object":
            wins = w.astype(object)
        elif form == "1-d":
            wins = w.ravel()
        elif form == "3-d":
            wins = w[None]
        elif form == "empty":
            wins = np.zeros((0, 0))
        else:
            wins = np.zeros((1, 1))
    kw = {}
    if rare(draw, 2):
        t = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                t[i, j] = draw(st.sampled_from([0.0, 1.0, 2.0]))
        shape = draw(st.sampled_from(["upper", "symmetric", "lower"] +
                                     (["neither", "wrong-shape", "nan", "frame"]
                                      if hostile else [])))
        if shape == "symmetric":
            t = t + t.T
        elif shape == "lower":
            t = t.T.copy()
        elif shape == "neither":
            t = t + 2 * t.T
            t[1, 0] += 1
        elif shape == "wrong-shape":
            t = np.zeros((n + 1, n + 1))
        elif shape == "nan":
            t[0, 1] = NAN
        elif shape == "frame":
            t = pd.DataFrame(t, index=list("abcde")[:n], columns=list("abcde")[:n])
        kw["ties"] = t
    return wins, kw


# =========================================================================== arguments
MODELS = ("bradley-terry", "thurstone", "rao-kupper")
MODEL_ALIASES = ("bt", "probit", "rk", "Bradley-Terry", " THURSTONE ", "rao_kupper")
models = choice(MODELS + MODEL_ALIASES)


def is_tie_model(model):
    """Whether a drawn ``model`` argument names Rao-Kupper (safe for pd.NA, arrays, ...)."""
    return isinstance(model, str) and model.strip().lower().replace("_", "-") in (
        "rao-kupper", "rk", "raokupper")
methods = choice(("newton", "mm", "gradient"))

fit_kwargs = kwargs_of(
    model=maybe(choice(MODELS + MODEL_ALIASES, odds=6), 2),
    method=maybe(choice(("newton", "mm", "gradient"), odds=6), 2),
    penalty=maybe(sometimes([0.0, 0, 0.1, 1.0, 1e-6, 10.0, np.float32(0.5), np.int64(1),
                             1e300, 5e-324, 1e-300], HOSTILE_NUMBERS, 6), 2),
    ties=maybe(choice((None, "drop", "half"), odds=6), 2),
    tol=maybe(sometimes([None, 1e-10, 1e-6, 1e-3, 1e-14, 1e-300, 1e300, 5e-324],
                        HOSTILE_NUMBERS, 6), 2),
    # (no huge max_iter here: an iteration that never meets `tol` would run for hours; the
    # overflow of 2**63 has its own test)
    max_iter=maybe(sometimes([None, 1, 2, 5, 50, 200, np.int64(30)],
                             [v for v in HOSTILE_INTS if not (isinstance(v, int) and
                                                             abs(v) > 10 ** 6)], 6), 2),
    covariance_type=maybe(choice(("observed", "expected", "sandwich", "cluster"), odds=6), 2),
)


# =========================================================================== files
FORMATS = ("csv", "tsv", "json", "jsonl", "parquet")
RAW_FILES = [
    ("", ".csv"), ("\n\n", ".csv"), ("winner,loser\n", ".csv"), ("winner,winner\na,b\n", ".csv"),
    ("winner,loser\na\n", ".csv"), ("winner,loser\na,b,c,d\n", ".csv"),
    ("\ufeffwinner,loser\na,b\nb,a\n", ".csv"), ("winner;loser\na;b\n", ".csv"),
    ("winner,loser\n\"a,b\n", ".csv"), ("\x00\x01\xff", ".csv"),
    ("null", ".json"), ("[]", ".json"), ("{}", ".json"), ("[null]", ".json"), ("42", ".json"),
    ('"text"', ".json"), ("[1, 2]", ".json"), ("[[1, 2], [3, 4]]", ".json"),
    ('{"winner": "a", "loser": "b"}', ".json"), ('[{"winner": "a"}]', ".json"),
    ('[{"winner": NaN, "loser": "b"}]', ".json"),
    ('[{"winner": {"x": 1}, "loser": "b"}]', ".json"),
    ('[{"winner": ["a"], "loser": "b"}, {"winner": "b", "loser": "a"}]', ".json"),
    ('{"winner": "a", "loser": "b"}\n{"winner": "b", "loser": "a"}\nnot json\n', ".jsonl"),
    ("null\nnull\n", ".jsonl"), ("[1]\n[2]\n", ".jsonl"), ("\n", ".jsonl"),
    ('{"model_a": "a", "model_b": "b", "winner": "model_a"}\n'
     '{"model_a": "b", "model_b": "a", "winner": null}\n', ".jsonl"),
    ("[" * 50 + "]" * 50, ".json"), ("[" * 100_000 + "]" * 100_000, ".json"),
    ('{"a":' * 20_000 + "1" + "}" * 20_000, ".json"),
    ("not parquet", ".parquet"), ("winner,loser\na,b\n", ".xlsx"), ("winner,loser\na,b\n", ""),
    ("winner,loser\na,b\nb,a\n", ".CSV"), ("winner\tloser\na\tb\nb\ta\n", ".tsv"),
]


def write_frame(df, path, fmt):
    """Write ``df`` as ``fmt``; a frame that format cannot hold is written as CSV."""
    try:
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "tsv":
            df.to_csv(path, index=False, sep="\t")
        elif fmt == "json":
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(df.to_json(orient="records", default_handler=str))
        elif fmt == "jsonl":
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(df.to_json(orient="records", lines=True, default_handler=str))
        else:
            df.to_parquet(path, index=False)
        return path
    except Exception:  # noqa: BLE001 - the writer, not btstats, failed: fall back to CSV
        path = os.path.splitext(path)[0] + ".csv"
        df.to_csv(path, index=False)
        return path


@st.composite
def hostile_files(draw, directory, frames=None):
    """A path in ``directory``: a comparison frame in some format, or a raw hostile file."""
    if rare(draw, 3):
        text, ext = draw(st.sampled_from(RAW_FILES))
        path = os.path.join(directory, f"data{ext}")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as fh:
            fh.write(text)
        return path
    if frames is None:
        frames = comparison_frames(hostile=rare(draw, 1))
    df = draw(frames)
    fmt = draw(st.sampled_from(FORMATS))
    ext = {"csv": ".csv", "tsv": ".tsv", "json": ".json", "jsonl": ".jsonl",
           "parquet": ".parquet"}[fmt]
    return write_frame(df, os.path.join(directory, f"data{ext}"), fmt)


def json_text(records):
    return json.dumps(records)
