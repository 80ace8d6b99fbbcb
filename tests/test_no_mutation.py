"""No public function changes what it is given.

Every entry point of ``btstats.__all__`` (and the methods of ``PairwiseFit``) is called on
inputs of the awkward kinds users pass (categorical, nullable and object columns, a
repeated index, writeable and read-only arrays, non-contiguous views, lists, Series with a
shuffled index, Comparisons, fits, designs); each input is frozen first (a deep copy plus
its dtype, shape, strides, index and ``flags.writeable``) and compared afterwards.  Whether
the call returns or raises does not matter here (``test_bad_input.py`` and ``tests/fuzz``
judge that): only that the inputs are unchanged.  A random-generator argument is exempt (a
Generator is meant to advance).
"""
import copy
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import btstats
from btstats import Comparisons, evaluation
from btstats.cli import main as cli_main
from btstats.models.model import get_model


# =========================================================================== freezing
def _same_scalar(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if a is pd.NA or b is pd.NA:
        return a is b
    try:
        eq = a == b
        return bool(eq) and type(a) is type(b)
    except (TypeError, ValueError):
        return a is b


def _same_values(a, b):
    """Element-wise equality of two arrays of any dtype, NaN equal to NaN."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True))
    if a.dtype.kind == "O":
        return all(_same_scalar(x, y) for x, y in zip(a.ravel().tolist(), b.ravel().tolist()))
    return bool(np.array_equal(a, b))


def freeze(obj):
    """A snapshot of ``obj`` that :func:`check_same` compares with it later."""
    if isinstance(obj, pd.DataFrame):
        return ("frame", obj.copy(deep=True), obj.index.copy(deep=True),
                obj.columns.copy(deep=True), obj.dtypes.copy(), dict(obj.attrs))
    if isinstance(obj, pd.Series):
        return ("series", obj.copy(deep=True), obj.index.copy(deep=True), obj.name, obj.dtype)
    if isinstance(obj, pd.Index):
        return ("index", obj.copy(deep=True), obj.dtype, obj.name)
    if isinstance(obj, np.ndarray):
        return ("array", obj.copy(), obj.dtype, obj.shape, obj.strides,
                bool(obj.flags.writeable))
    if isinstance(obj, pd.api.extensions.ExtensionArray):
        return ("extension", obj.copy(), obj.dtype)
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [freeze(x) for x in obj])
    if isinstance(obj, dict):
        return ("dict", list(obj), [freeze(v) for v in obj.values()])
    if isinstance(obj, Comparisons):
        p = obj.pairs
        return ("comparisons", freeze(obj.items), freeze(list(obj.rows())),
                freeze(obj.extra), freeze([p.pi, p.pj, p.wab, p.wba, p.tie]))
    if isinstance(obj, btstats.PairwiseFit):
        return ("fit", freeze(obj.scores), freeze(obj.comparisons), obj.covariance_type,
                obj.converged, obj.penalty, freeze(obj._s))
    if isinstance(obj, btstats.Design):
        return ("design", freeze(obj.a), freeze(obj.b), obj.n_items, freeze(obj.items))
    if isinstance(obj, btstats.BootstrapResult):
        return ("bootstrap", freeze(obj.bootstrap_distribution), freeze(obj.estimate))
    if isinstance(obj, (np.random.Generator, np.random.SeedSequence, np.random.RandomState)):
        return ("rng",)
    return ("value", copy.deepcopy(obj))


def check_same(snap, obj, where="input"):
    kind = snap[0]
    if kind == "frame":
        _, df, index, columns, dtypes, attrs = snap
        assert isinstance(obj, pd.DataFrame), f"{where}: no longer a DataFrame"
        assert obj.columns.equals(columns) and list(map(type, obj.columns)) == \
            list(map(type, columns)), f"{where}: columns changed {list(columns)} -> " \
                                      f"{list(obj.columns)}"
        assert obj.index.equals(index) and obj.index.dtype == index.dtype, \
            f"{where}: index changed"
        assert obj.dtypes.equals(dtypes), f"{where}: dtypes changed {dict(dtypes)} -> " \
                                          f"{dict(obj.dtypes)}"
        assert obj.equals(df), f"{where}: values changed"
        assert dict(obj.attrs) == attrs, f"{where}: attrs changed"
    elif kind == "series":
        _, s, index, name, dtype = snap
        assert obj.index.equals(index), f"{where}: index changed"
        assert obj.name == name and obj.dtype == dtype, f"{where}: name or dtype changed"
        assert obj.equals(s), f"{where}: values changed"
    elif kind == "index":
        _, idx, dtype, name = snap
        assert obj.equals(idx) and obj.dtype == dtype and obj.name == name, \
            f"{where}: index changed"
    elif kind == "array":
        _, values, dtype, shape, strides, writeable = snap
        assert obj.dtype == dtype and obj.shape == shape, f"{where}: dtype or shape changed"
        assert obj.strides == strides, f"{where}: strides changed"
        assert bool(obj.flags.writeable) == writeable, \
            f"{where}: flags.writeable changed to {obj.flags.writeable}"
        assert _same_values(values, obj), f"{where}: values changed"
    elif kind == "extension":
        _, values, dtype = snap
        assert obj.dtype == dtype and pd.Series(obj).equals(pd.Series(values)), \
            f"{where}: values changed"
    elif kind in ("list", "tuple"):
        assert type(obj).__name__ == kind and len(obj) == len(snap[1]), \
            f"{where}: length changed"
        for k, (s, x) in enumerate(zip(snap[1], obj)):
            check_same(s, x, f"{where}[{k}]")
    elif kind == "dict":
        assert list(obj) == snap[1], f"{where}: keys changed"
        for k, s, x in zip(snap[1], snap[2], obj.values()):
            check_same(s, x, f"{where}[{k!r}]")
    elif kind == "comparisons":
        p = obj.pairs
        check_same(snap[1], obj.items, f"{where}.items")
        check_same(snap[2], list(obj.rows()), f"{where}.rows()")
        check_same(snap[3], obj.extra, f"{where}.extra")
        check_same(snap[4], [p.pi, p.pj, p.wab, p.wba, p.tie], f"{where}.pairs")
    elif kind == "fit":
        check_same(snap[1], obj.scores, f"{where}.scores")
        check_same(snap[2], obj.comparisons, f"{where}.comparisons")
        assert (obj.covariance_type, obj.converged, obj.penalty) == snap[3:6], \
            f"{where}: covariance_type / converged / penalty changed"
        check_same(snap[6], obj._s, f"{where}._s")
    elif kind == "design":
        check_same(snap[1], obj.a, f"{where}.a")
        check_same(snap[2], obj.b, f"{where}.b")
        assert obj.n_items == snap[3], f"{where}.n_items changed"
        check_same(snap[4], obj.items, f"{where}.items")
    elif kind == "bootstrap":
        check_same(snap[1], obj.bootstrap_distribution, f"{where}.bootstrap_distribution")
        check_same(snap[2], obj.estimate, f"{where}.estimate")
    elif kind == "rng":
        pass
    else:
        assert _same_scalar(snap[1], obj) or repr(snap[1]) == repr(obj), \
            f"{where}: {snap[1]!r} -> {obj!r}"


def call_and_check(func, *args, **kwargs):
    """Call ``func`` (any outcome) and assert that no argument changed."""
    snaps = [freeze(a) for a in args]
    ksnaps = {k: freeze(v) for k, v in kwargs.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func(*args, **kwargs)
        except Exception:  # noqa: BLE001 - only mutation is judged here
            pass
    for k, (s, a) in enumerate(zip(snaps, args)):
        check_same(s, a, f"argument {k}")
    for k, s in ksnaps.items():
        check_same(s, kwargs[k], f"argument {k}=")


# =========================================================================== inputs
def readonly(a):
    a = np.array(a)
    a.setflags(write=False)
    return a


def strided(a):
    return np.repeat(np.asarray(a), 2)[::2]


def winner_frame():
    df = pd.DataFrame({"winner": ["b", "a", "c", "a", "b", "c", "a"],
                       "loser": ["a", "c", "b", "b", "c", "a", "c"],
                       "weight": [1.0, 2.0, 0.5, 1.0, 3.0, 1.0, 2.0],
                       "prompt": [3, 1, 2, 1, 3, 2, 1],
                       "annotator": ["x", "y", "x", "z", "y", "x", "z"]},
                      index=[10, 3, 3, 7, 1, 0, 2])
    df["winner"] = df["winner"].astype("category")
    df["loser"] = df["loser"].astype("string")
    df["annotator"] = df["annotator"].astype(object)
    return df


def outcome_frame():
    return pd.DataFrame({"item_a": pd.Categorical(["x", "y", "z", "x", "y", "z", "x", "y"]),
                         "item_b": ["y", "z", "x", "z", "x", "y", "y", "x"],
                         "outcome": pd.array([1, 0, 1, 0, 1, 0, 1, 1], dtype="Int64"),
                         "prompt": pd.array(["p", "q", "p", "q", "r", "r", "p", "q"],
                                            dtype="string"),
                         "annotator": [1, 2, 1, 2, 1, 2, 3, 3],
                         "position": ["a", "b", "a", "b", "a", "b", "a", "b"]})


def tie_frame():
    return pd.DataFrame({"item_a": ["x", "y", "z", "x", "y", "z", "x"],
                         "item_b": ["y", "z", "x", "z", "x", "y", "y"],
                         "outcome": ["a", "tie", "b", 0.5, "a", "b", "tie"]})


def counts_frame():
    df = btstats.load_example("baseball", as_frame=True).astype(
        {"wins_a": "float64", "wins_b": "Int64"})
    df["ties"] = 0.0
    return df.iloc[::-1]


def arena_frame():
    return pd.DataFrame({"model_a": ["a", "b", "c", "a", "b"],
                         "model_b": ["b", "c", "a", "c", "a"],
                         "winner": ["model_a", "tie", "model_b", "tie (bothbad)", "model_a"],
                         "count": [1, 2, 1, 1, 3]})


def code_arrays():
    w = np.array([0, 1, 2, 0, 1, 2, 0])
    l_ = np.array([1, 2, 0, 2, 0, 1, 1])
    return w, l_


def fit_of(df=None, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return btstats.fit(winner_frame() if df is None else df, **kw)


def _file(tmp_path, name, writer):
    path = tmp_path / name
    writer(path)
    return path


class Context:
    """What the cases share: fits, a data file, arrays (built once per module)."""

    def __init__(self, tmp_path):
        self.w, self.l_ = code_arrays()
        self.wins = np.array([[0, 3, 1], [2, 0, 4], [1, 2, 0]], dtype=float)
        self.draws = np.random.default_rng(0).normal(size=(30, 4))
        self.cov = np.cov(self.draws.T)
        self.fit = fit_of()
        self.fit_rk = fit_of(tie_frame(), model="rao-kupper")
        self.csv = _file(tmp_path, "d.csv", lambda p: winner_frame().to_csv(p, index=False))
        self.scores = pd.Series([0.5, -0.2, -0.3], index=["a", "b", "c"])


def _none(c):
    return {}


def _quiet(f):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f()


# (id, function, args builder, kwargs builder): the builders make fresh inputs per call
def ranking_frame():
    return pd.DataFrame({"ranking": [1, 1, 1, 2, 2, 2, 3, 3, 3],
                         "item": ["a", "b", "c", "b", "c", "a", "c", "a", "b"],
                         "rank": [1, 2, 3, 1, 2, 3, 1, 2, 3]}, index=[5, 4, 3, 2, 1, 0, 8, 7, 6])


CASES = [
    ("fit_rankings", btstats.fit_rankings, lambda c: (ranking_frame(),), _none),
    ("propose_pairs", btstats.propose_pairs, lambda c: (None, 3),
     lambda c: {"candidates": pd.DataFrame({"item_a": ["a", "b"], "item_b": ["b", "c"]}),
                "rng": 0}),
    ("adaptive_study", btstats.adaptive_study, lambda c: (5, 40, 20),
     lambda c: {"n_reps": 1, "rng": 0}),
    ("fit-frame", btstats.fit, lambda c: (winner_frame(),), _none),
    ("fit-cluster", btstats.fit, lambda c: (winner_frame(),),
     lambda c: {"covariance_type": "cluster", "cluster": "prompt"}),
    ("fit-comparisons", btstats.fit, lambda c: (Comparisons.from_arrays(*code_arrays()),),
     lambda c: {"method": "mm"}),
    ("fit-counts", btstats.fit, lambda c: (counts_frame(),), lambda c: {"method": "gradient"}),
    ("bootstrap", btstats.bootstrap, lambda c: (winner_frame(),),
     lambda c: {"n_resamples": 5, "rng": 0, "cluster": "prompt"}),
    ("from_frame", Comparisons.from_frame, lambda c: (outcome_frame(),), _none),
    ("wide_to_long", btstats.wide_to_long, lambda c: (outcome_frame(),),
     lambda c: {"annotators": ["outcome"], "annotator": "who", "outcome": "label"}),
    ("from_frame-ties", Comparisons.from_frame, lambda c: (tie_frame(),), _none),
    ("from_arena", Comparisons.from_arena, lambda c: (arena_frame(),),
     lambda c: {"weight": "count"}),
    ("from_counts", Comparisons.from_counts, lambda c: (counts_frame(),), _none),
    ("from_matrix", Comparisons.from_matrix, lambda c: (c.wins.copy(),),
     lambda c: {"ties": np.triu(np.ones((3, 3)), 1)}),
    ("from_matrix-frame", Comparisons.from_matrix,
     lambda c: (pd.DataFrame(c.wins.T.copy().T, index=list("xyz"), columns=list("xyz")),), _none),
    ("from_matrix-view", Comparisons.from_matrix, lambda c: (c.wins.T,), _none),
    ("from_arrays", Comparisons.from_arrays, lambda c: (c.w.copy(), c.l_.copy()),
     lambda c: {"weights": np.arange(1.0, 8.0), "ties": np.array([0, 1, 0, 0, 1, 0, 0], bool),
                "items": ["p", "q", "r"]}),
    ("from_arrays-readonly", Comparisons.from_arrays, lambda c: (readonly(c.w), readonly(c.l_)),
     lambda c: {"weights": readonly(np.ones(7))}),
    ("from_arrays-strided", Comparisons.from_arrays, lambda c: (strided(c.w), strided(c.l_)),
     _none),
    ("from_arrays-lists", Comparisons.from_arrays, lambda c: (list(c.w), list(c.l_)),
     lambda c: {"weights": [1.0] * 7}),
    ("from_arrays-float-codes", Comparisons.from_arrays,
     lambda c: (c.w.astype(float), c.l_.astype(np.int8)), _none),
    ("read_comparisons", btstats.read_comparisons, lambda c: (str(c.csv),), _none),
    ("cohen_kappa-labels", btstats.cohen_kappa,
     lambda c: (np.array(["a", "b", None, "a"], dtype=object), ["a", "a", "b", np.nan]), _none),
    ("cohen_kappa-table", btstats.cohen_kappa, lambda c: (np.array([[3, 1], [2, 4]]),), _none),
    ("fleiss_kappa", btstats.fleiss_kappa,
     lambda c: (pd.DataFrame([["a", "b", None], ["a", "a", "b"], ["b", "b", "b"]]),), _none),
    ("fleiss_kappa-counts", btstats.fleiss_kappa, lambda c: (np.array([[2, 1], [0, 3]]),),
     lambda c: {"counts": True}),
    ("krippendorff_alpha", btstats.krippendorff_alpha,
     lambda c: (np.array([[1, 2, np.nan], [1, 1, 2], [2, 2, 2]]),), _none),
    ("ceilings-fit", btstats.ceilings, lambda c: (c.fit, np.array([[0, 1], [1, 2]])),
     lambda c: {"n_draws": 5, "rng": 0}),
    ("ceilings-scores", btstats.ceilings,
     lambda c: (c.scores.copy(), readonly(np.array([[0, 1], [2, 0]]))),
     lambda c: {"bootstrap": np.zeros((4, 3)), "model": "rao-kupper", "theta": 1.5,
                "theta_draws": np.full(4, 1.5)}),
    ("accuracy_bounds", btstats.accuracy_bounds, lambda c: (np.float64(0.7),), _none),
    ("fit_annotators", btstats.fit_annotators, lambda c: (outcome_frame(),),
     lambda c: {"penalty": 0.1, "position_bias": True}),
    ("fit_annotators-scores", btstats.fit_annotators, lambda c: (outcome_frame(),),
     lambda c: {"scores": pd.Series([0.3, 0.0, -0.3], index=["z", "y", "x"])}),
    ("evaluate", btstats.evaluate, lambda c: (c.scores.copy(), winner_frame()),
     lambda c: {"reference": c.fit, "n_draws": 5, "rng": 0}),
    ("evaluate-fit", btstats.evaluate, lambda c: (c.fit_rk, tie_frame()), _none),
    ("order_consistency", btstats.order_consistency,
     lambda c: (pd.Series([1.0, 2.0, 3.0], index=["c", "a", "b"]),
                pd.Series([3.0, 1.0, 2.0], index=["a", "b", "c"])), _none),
    ("order_consistency-arrays", btstats.order_consistency,
     lambda c: (readonly([1.0, 2.0, 3.0]), [2.0, 1.0, 3.0]), _none),
    ("win_rate_scores", btstats.win_rate_scores, lambda c: (winner_frame(),), _none),
    ("rank_confidence_sets-draws", btstats.rank_confidence_sets,
     lambda c: (pd.Series(c.draws.mean(axis=0), index=list("abcd")),),
     lambda c: {"draws": pd.DataFrame(c.draws.copy(), columns=list("dcba"))}),
    ("rank_confidence_sets-cov", btstats.rank_confidence_sets,
     lambda c: (readonly(c.draws.mean(axis=0)),),
     lambda c: {"covariance": np.asfortranarray(c.cov), "n_draws": 50, "rng": 1,
                "labels": ["w", "x", "y", "z"]}),
    ("rank_upper_bound", btstats.rank_upper_bound,
     lambda c: (pd.DataFrame({"low": [1.0, 0.0, 2.0], "high": [2.0, 1.5, 3.0]},
                index=["c", "a", "b"]),), _none),
    ("rank_lower_bound", btstats.rank_lower_bound,
     lambda c: (pd.Series([1.0, 0.0, 2.0], index=list("abc")),
                pd.Series([3.0, 2.0, 1.5], index=list("cba"))), _none),
    ("rank_distribution", btstats.rank_distribution,
     lambda c: (pd.DataFrame(np.round(c.draws), columns=list("abcd")),),
     lambda c: {"ties": "average"}),
    ("probability_first", btstats.probability_first, lambda c: (strided(c.draws),), _none),
    ("pairwise_superiority", btstats.pairwise_superiority, lambda c: (readonly(c.draws),),
     _none),
    ("rank_intervals", btstats.rank_intervals, lambda c: (c.draws.T.copy().T, 0.9), _none),
    ("compare", btstats.compare,
     lambda c: (btstats.fit(btstats.load_example("baseball_home")),
                btstats.fit(btstats.load_example("baseball_home"), order_effect=True)), _none),
    ("quasi_variances", btstats.quasi_variances,
     lambda c: (pd.Series([0.5, 0.0, -0.5], index=["a", "b", "c"]),
                pd.DataFrame([[0.2, -0.1, -0.1], [-0.1, 0.3, -0.2], [-0.1, -0.2, 0.3]],
                             index=list("abc"), columns=list("abc"))), _none),
    ("simulate", btstats.simulate,
     lambda c: (pd.Series([1.0, 0.0, -1.0], index=["a", "b", "c"]), btstats.round_robin(3, 2)),
     lambda c: {"rng": 0, "annotators": btstats.annotator_pool(2, beta=[1.0, 2.0]),
                "labels_per_pair": 2}),
    ("simulate-pairs", btstats.simulate,
     lambda c: (readonly([1.0, 0.0, -1.0]), np.array([[0, 1], [1, 2], [2, 0]])),
     lambda c: {"model": "rao-kupper", "theta": 2.0, "rng": 1}),
    ("simulate-given", btstats.simulate,
     lambda c: (pd.Series([0.0, 1.0], index=["x", "y"]),
                btstats.given_pairs([["x", "y"], ["y", "x"]])), lambda c: {"rng": 2}),
    ("simulate_annotation", btstats.simulate_annotation, lambda c: (4, 3),
     lambda c: {"n_annotators": 3, "beta": np.array([0.5, 1.0, 2.0]),
                "tie_propensity": [0.1, 0.0, 0.2], "labels_per_pair": 2, "rng": 0}),
    ("round_robin", btstats.round_robin, lambda c: (np.int64(4), 2), _none),
    ("random_pairs", btstats.random_pairs, lambda c: (3, 10),
     lambda c: {"weights": np.ones((3, 3)) - np.eye(3), "rng": 0}),
    ("sparse_connected", btstats.sparse_connected, lambda c: (4, 8), lambda c: {"rng": 0}),
    ("given_pairs", btstats.given_pairs, lambda c: (np.array([[0, 1], [2, 1]]),), _none),
    ("given_pairs-labels", btstats.given_pairs,
     lambda c: ([["a", "b"], ["b", "c"]],), _none),
    ("annotator_pool", btstats.annotator_pool, lambda c: (3,),
     lambda c: {"beta": np.array([1.0, 2.0, 0.5]), "position_lapse": [0.1, 0.0, -0.1]}),
    ("annotation_accuracy", btstats.annotation_accuracy,
     lambda c: (np.float64(1.0), np.float64(2.0)), _none),
    ("Model.probabilities", get_model("rao-kupper").probabilities,
     lambda c: (strided([0.0, 1.0, -2.0]),), lambda c: {"eta": 0.5}),
    ("Model.rvs", get_model("thurstone").rvs,
     lambda c: (readonly([0.0, 1.0, -1.0]), np.array([[0, 1], [1, 2]])),
     lambda c: {"n": 3, "rng": 0}),
    ("split", evaluation.split, lambda c: (outcome_frame(),),
     lambda c: {"by": "prompt", "rng": 0}),
    ("split-comparisons", evaluation.split,
     lambda c: (Comparisons.from_frame(outcome_frame()),), lambda c: {"rng": 0}),
    ("agreement", btstats.agreement.agreement, lambda c: (outcome_frame(),),
     lambda c: {"n_resamples": 5, "rng": 0}),
    ("cli-fit", cli_main, lambda c: (["fit", str(c.csv), "--format", "json"],), _none),
    # the methods of a fit: the fit itself, and what they are given, stay as they were
    ("PairwiseFit.confidence_interval", lambda f, lvl: f.confidence_interval(lvl),
     lambda c: (c.fit, np.float64(0.9)), _none),
    ("PairwiseFit.probabilities", lambda f, a, b: f.probabilities(a, b),
     lambda c: (c.fit, ["a", "b"], np.array(["c", "a"], dtype=object)), _none),
    ("PairwiseFit.to_frame", lambda f: f.to_frame(scale="elo"), lambda c: (c.fit,), _none),
    ("PairwiseFit.summary", lambda f: f.summary(), lambda c: (c.fit_rk,), _none),
    ("PairwiseFit.rank_sets", lambda f: f.rank_sets(n_draws=50, rng=0), lambda c: (c.fit,),
     _none),
    ("PairwiseFit.with_covariance", lambda f, c: f.with_covariance("cluster", cluster=c),
     lambda c: (c.fit, np.array([0, 1, 0, 1, 2, 2, 0])), _none),
    ("PairwiseFit.with_covariance-sandwich",
     lambda f: f.with_covariance("sandwich").standard_errors, lambda c: (c.fit,), _none),
    ("PairwiseFit.bootstrap", lambda f, c: f.bootstrap(n_resamples=5, cluster=c, rng=0),
     lambda c: (c.fit, readonly([0, 1, 0, 1, 2, 2, 0])), _none),
    ("BootstrapResult", lambda b: (b.confidence_interval(interval="bca"), b.to_frame()),
     lambda c: (_quiet(lambda: c.fit.bootstrap(n_resamples=8, rng=3)),), _none),
    # what one call builds, the next one must not change
    ("fit-then-split", lambda comps: (btstats.fit(comps), evaluation.split(comps, rng=0),
                                      btstats.win_rate_scores(comps)),
     lambda c: (Comparisons.from_arrays(c.w.copy(), c.l_.copy(), weights=np.ones(7)),), _none),
    ("ceilings-then-evaluate", lambda f: (btstats.ceilings(f, n_draws=3, rng=0),
                                          btstats.evaluate(f, f.comparisons, reference=f,
                                                           n_draws=3, rng=0)),
     lambda c: (c.fit,), _none),
]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    return Context(tmp_path_factory.mktemp("nomutation"))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_no_mutation(case, context):
    _, func, args, kwargs = case
    call_and_check(func, *args(context), **kwargs(context))


def test_every_public_callable_is_covered():
    covered = {c[0].split("-")[0] for c in CASES}
    public = {name for name in btstats.__all__ if callable(getattr(btstats, name)) and
              not isinstance(getattr(btstats, name), type)}
    aliases = {"from_frame", "from_arena", "from_counts", "from_matrix", "from_arrays"}
    missing = sorted(public - covered - {"load_example", "get_model"} - aliases)
    assert not missing, f"entry points without a no-mutation case: {missing}"


def test_read_comparisons_leaves_the_file_alone(tmp_path):
    for name, writer in (("d.csv", lambda p: winner_frame().to_csv(p, index=False)),
                         ("d.json", lambda p: p.write_text(
                             winner_frame().astype(object).to_json(orient="records"))),
                         ("d.parquet", lambda p: counts_frame().to_parquet(p))):
        path = _file(tmp_path, name, writer)
        before = path.read_bytes()
        call_and_check(btstats.read_comparisons, path)
        call_and_check(btstats.fit, str(path))
        assert path.read_bytes() == before, f"{name} changed"


# --------------------------------------------------------------------------- random frames
@st.composite
def frames(draw):
    n_items = draw(st.integers(2, 5))
    labels = draw(st.sampled_from([list("abcde"), [3, 1, 4, 0, 2], [("t", i) for i in range(5)],
                                   ["b", 1, 2.5, ("x",), "a"]]))[:n_items]
    m = draw(st.integers(1, 10))
    a = [draw(st.integers(0, n_items - 1)) for _ in range(m)]
    b = [(x + draw(st.integers(1, n_items - 1))) % n_items for x in a]
    a += list(range(n_items))
    b += [(i + 1) % n_items for i in range(n_items)]
    df = pd.DataFrame({"item_a": pd.Series([labels[i] for i in a], dtype=object),
                       "item_b": pd.Series([labels[i] for i in b], dtype=object),
                       "outcome": draw(st.lists(st.sampled_from([1, 0, 0.5, "a", "b"]),
                                                min_size=len(a), max_size=len(a))),
                       "prompt": draw(st.lists(st.sampled_from(["p", "q", "r"]),
                                               min_size=len(a), max_size=len(a))),
                       "annotator": draw(st.lists(st.sampled_from([1, 2, 3]), min_size=len(a),
                                                  max_size=len(a)))})
    for col in ("item_a", "item_b", "outcome", "prompt"):
        kind = draw(st.sampled_from(["keep", "keep", "category", "string", "object"]))
        if kind != "keep":
            try:
                df[col] = df[col].astype(kind)
            except (TypeError, ValueError):
                pass
    if draw(st.booleans()):
        df.index = draw(st.permutations(list(range(len(df)))))
    if draw(st.booleans()):
        df["weight"] = draw(st.lists(st.sampled_from([1.0, 2.0, 0.5]), min_size=len(df),
                                     max_size=len(df)))
    return df


FRAME_CALLS = [
    lambda df: btstats.fit(df, "rao-kupper"),
    lambda df: btstats.fit(df, ties="half", covariance_type="sandwich"),
    lambda df: Comparisons.from_frame(df),
    lambda df: btstats.win_rate_scores(df),
    lambda df: evaluation.split(df, by="prompt", rng=0),
    lambda df: btstats.agreement.agreement(df, n_resamples=3, rng=0),
    lambda df: btstats.fit_annotators(df, penalty=0.1),
    lambda df: btstats.evaluate(pd.Series(0.0, index=pd.unique(pd.concat(
        [df["item_a"].astype(object), df["item_b"].astype(object)]))), df),
    lambda df: btstats.bootstrap(df, "rao-kupper", n_resamples=3, rng=0, cluster="prompt"),
]


@settings(max_examples=25)
@given(df=frames(), k=st.integers(0, len(FRAME_CALLS) - 1))
def test_no_mutation_of_random_frames(df, k):
    call_and_check(FRAME_CALLS[k], df)


@st.composite
def arrays(draw, values):
    a = np.asarray(values)
    form = draw(st.sampled_from(["array", "readonly", "strided", "list", "series", "fortran"]))
    if form == "readonly":
        return readonly(a)
    if form == "strided":
        return strided(a) if a.ndim == 1 else a[:, ::1].T.copy().T
    if form == "list":
        return a.tolist()
    if form == "series":
        return pd.Series(a.tolist(), index=np.arange(len(a))[::-1]) if a.ndim == 1 else a
    if form == "fortran":
        return np.asfortranarray(a)
    return a.copy()


@settings(max_examples=25)
@given(data=st.data())
def test_no_mutation_of_random_arrays(data):
    n = data.draw(st.integers(2, 5))
    m = data.draw(st.integers(1, 8))
    w = [data.draw(st.integers(0, n - 1)) for _ in range(m)] + list(range(n))
    l_ = [(x + data.draw(st.integers(1, n - 1))) % n for x in w[:m]] + \
        [(i + 1) % n for i in range(n)]
    draws = np.random.default_rng(data.draw(st.integers(0, 99))).normal(size=(12, n))
    k = data.draw(st.integers(0, 6))
    if k == 0:
        call_and_check(Comparisons.from_arrays, data.draw(arrays(w)), data.draw(arrays(l_)),
                       weights=data.draw(arrays(np.ones(len(w)))))
    elif k == 1:
        call_and_check(btstats.rank_distribution, data.draw(arrays(draws)))
    elif k == 2:
        call_and_check(btstats.rank_confidence_sets, data.draw(arrays(draws.mean(axis=0))),
                       draws=data.draw(arrays(draws)))
    elif k == 3:
        call_and_check(btstats.simulate, data.draw(arrays(draws[0])),
                       data.draw(arrays(np.column_stack([w, l_]))), rng=0)
    elif k == 4:
        call_and_check(get_model("bradley-terry").rvs, data.draw(arrays(draws[0])),
                       data.draw(arrays(np.column_stack([w, l_]))), rng=0)
    elif k == 5:
        call_and_check(btstats.rank_upper_bound, data.draw(arrays(draws.min(axis=0))),
                       data.draw(arrays(draws.max(axis=0))))
    else:
        call_and_check(Comparisons.from_matrix, data.draw(arrays(np.abs(np.round(
            draws[:n, :n] * 3)) * (1 - np.eye(n)))))
