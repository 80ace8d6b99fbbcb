"""Hostile arguments for the simulators, the designs, the annotator pools and the models'
``probabilities`` / ``rvs``.

Sizes stay small here (at most a few dozen items and comparisons): sizes that are hostile
because they are huge would allocate before a missing check refuses them, so they live in
``test_fuzz_known.py::test_huge_sizes_are_refused_at_once`` (skipped until the size checks
land).
"""
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats.models.model import get_model

import fuzzkit as fk
import hostile as h

SMALL_N = h.integer([2, 3, 5, 8], [1, 2 ** 0, np.int8(4)])
SMALL_M = h.integer([1, 3, 10, 30], [np.int16(5)])


@fk.fuzz(40)
@given(n=SMALL_N, k=h.maybe(h.integer([1, 2, 3])))
def test_round_robin(n, k):
    args = (n,) if k is h.OMIT else (n, k)
    fk.call("round_robin", btstats.round_robin, *args)


@st.composite
def pair_weights(draw, n):
    w = np.ones((n, n)) - np.eye(n)
    if h.rare(draw, 2):
        what = draw(st.sampled_from(["nan", "negative", "diagonal", "zero", "shape", "huge",
                                     "denormal", "object", "inf", "one-pair"]))
        if what == "nan":
            w[0, 1] = np.nan
        elif what == "negative":
            w[0, 1] = -1
        elif what == "diagonal":
            w[0, 0] = 1
        elif what == "zero":
            w = np.zeros((n, n))
        elif what == "shape":
            w = np.ones((n, n + 1))
        elif what == "huge":
            w = w * 1e308
        elif what == "denormal":
            w = w * 5e-324
        elif what == "object":
            w = w.astype(object)
            w[0, 1] = "x"
        elif what == "inf":
            w[0, 1] = np.inf
        else:
            w = np.zeros((n, n))
            w[0, 1] = 1.0
    return w


@fk.fuzz(40)
@given(data=st.data())
def test_random_pairs(data):
    n = data.draw(SMALL_N)
    m = data.draw(SMALL_M)
    kw = {}
    if data.draw(st.booleans()) and isinstance(n, (int, np.integer)) and 2 <= n <= 8:
        kw["weights"] = data.draw(pair_weights(int(n)))
    kw["rng"] = data.draw(h.rngs)
    fk.call("random_pairs", btstats.random_pairs, n, m, **kw)


@fk.fuzz(40)
@given(n=SMALL_N, m=h.integer([8, 10, 30], [3, 7]), ensure=h.maybe(h.flags),
       rng=h.maybe(h.rngs))
def test_sparse_connected(n, m, ensure, rng):
    kw = {k: v for k, v in (("ensure_mle", ensure), ("rng", rng)) if v is not h.OMIT}
    fk.call("sparse_connected", btstats.sparse_connected, n, m, **kw)


@st.composite
def pair_lists(draw):
    kind = draw(st.sampled_from(["codes", "labels", "hostile"]))
    m = draw(st.integers(1, 6))
    if kind == "codes":
        p = [[draw(st.integers(0, 4)), draw(st.integers(0, 4))] for _ in range(m)]
        p = [[a, (a + 1) % 5 if a == b else b] for a, b in p]
    elif kind == "labels":
        pool = draw(h.label_pool(3, 5))
        p = [[pool[0], pool[1]]] + [[draw(st.sampled_from(pool)), draw(st.sampled_from(pool))]
                                    for _ in range(m - 1)]
    else:
        p = draw(st.sampled_from([
            [], [[0, 0]], [[0, -1]], [[0.0, 1.5]], [[0, 2 ** 31 + 5]], [[0, 2 ** 62]],
            [[0, np.nan]], [[None, "a"]], [[1, "a"], ["b", 2]], [[0, 1, 2]], [0, 1],
            [[[0, 1]]], [[True, False]], [["a", np.nan]], "pairs", [[0, 1e300]]]))
    return draw(h.array_like(p)) if draw(st.booleans()) else p


@fk.fuzz(50)
@given(pairs=pair_lists(), n=h.maybe(h.integer([5, 6, 10], [2 ** 31 + 5]), 2))
def test_given_pairs(pairs, n):
    kw = {} if n is h.OMIT else {"n_items": n}
    fk.call("given_pairs", btstats.given_pairs, pairs, **kw)


def _pool_param(low, high):
    valid = [low, high, 0.5 * (low + high), [low, high, low]]
    return h.sometimes(valid, [np.nan, np.inf, high + 1, low - 1, [low] * 5, "x", None,
                               pd.NA, np.array([[low]]), [np.nan, low, low]], 5)


pool_kwargs = h.kwargs_of(
    beta=h.maybe(h.sometimes([1.0, 0.0, -2.0, 4.0, [0.5, 1.0, 2.0]],
                             [np.nan, np.inf, 1e308, [1.0] * 5, "x", None, pd.NA])),
    position_bias=h.maybe(h.sometimes([0.0, 0.3, [0.1, 0.0, -0.1]],
                                      [np.nan, np.inf, 1e308, "x"])),
    position_lapse=h.maybe(_pool_param(-1.0, 1.0)),
    tie_propensity=h.maybe(_pool_param(0.0, 1.0)))


@fk.fuzz(40)
@given(n=h.integer([1, 3], huge=False), kw=pool_kwargs)
def test_annotator_pool(n, kw):
    def check(df):
        fk.check_frame_finite(df, "annotator pool")
        assert len(df) == n

    fk.call("annotator_pool", btstats.annotator_pool, n, check=check, **kw)


@fk.fuzz(40)
@given(beta=h.number([1.0, 0.0, -1.0, 4.0, 1e-9, 1e6], [1e308]),
       sd=h.number([1.0, 0.0, 2 ** 0.5, 1e-9, 1e6], [1e308]),
       model=h.maybe(h.models))
def test_annotation_accuracy(beta, sd, model):
    kw = {} if model is h.OMIT else {"model": model}

    def check(p):
        assert 0.0 <= p <= 1.0, f"accuracy {p}"

    fk.call("annotation_accuracy", btstats.annotation_accuracy, beta, sd, check=check, **kw)


@st.composite
def true_scores(draw, n):
    vals = st.sampled_from([0.0, 1.0, -1.0, 2.5, 1e-9, 40.0, -40.0, 700.0])
    s = draw(st.lists(vals, min_size=n, max_size=n))
    if h.rare(draw, 4):
        what = draw(st.sampled_from(["entry", "huge", "short", "labels", "dup"]))
        if what == "entry":
            s[0] = draw(st.sampled_from([np.nan, np.inf, None, "x"]))
        elif what == "huge":
            s = [1e308 * (-1) ** i for i in range(n)]
        elif what == "short":
            return s[:1]
        elif what == "labels":
            return pd.Series(s, index=[None] + list(range(1, n)))
        else:
            return pd.Series(s, index=[0] * n)
    if draw(st.booleans()):
        return pd.Series(s, index=list(range(n)))
    return draw(h.array_like(s))


@fk.fuzz(60)
@given(data=st.data())
def test_simulate(data):
    n = data.draw(st.integers(2, 6))
    scores = data.draw(true_scores(n))
    design = data.draw(h.sometimes(
        [btstats.round_robin(n, 2), btstats.random_pairs(n, 12, rng=1),
         btstats.sparse_connected(n, 3 * n, rng=2), btstats.sparse_connected(n, 3 * n,
                                                                            ensure_mle=True,
                                                                            rng=2),
         [[0, 1], [1, 0]], np.array([[0, n - 1]])],
        [btstats.round_robin(n + 1), [[0, n]], [[0, 0]], [], "design", None,
         btstats.given_pairs([["x", "y"]]), np.zeros((2, 3), int)]))
    kw = data.draw(h.kwargs_of(
        model=h.maybe(h.models), ensure_mle=h.maybe(h.flags, 3), rng=h.maybe(h.rngs)))
    if h.is_tie_model(kw.get("model")) or h.rare(data.draw, 3):
        kw["theta"] = data.draw(h.number([1.0, 2.0, 1.5]))
    if h.rare(data.draw, 2):
        kw["annotators"] = data.draw(h.sometimes(
            [1, 3, btstats.annotator_pool(3, beta=[0.5, 1.0, 2.0], tie_propensity=0.1)],
            [0, -1, 2.5, "three", pd.DataFrame({"skill": [1.0]}), pd.DataFrame(),
             pd.DataFrame({"beta": [1.0, 2.0]}, index=["a", "a"]), True]))
        kw["labels_per_pair"] = data.draw(h.integer([1, 2], [4, 10]))
    fk.call("simulate", btstats.simulate, scores, design, **kw)


@fk.fuzz(40)
@given(kw=h.kwargs_of(
    pairs_per_prompt=h.maybe(h.integer([1, 2], huge=False), 2),
    pairing=h.maybe(h.choice(("same-prompt", "cross-prompt", "similar", "diversified")), 2),
    prompt_sd=h.maybe(h.number([1.0, 0.0, 0.1], [1e308]), 2),
    response_sd=h.maybe(h.number([1.0, 0.0, 3.0], [1e308]), 2),
    n_annotators=h.maybe(h.integer([1, 3], huge=False), 2),
    beta=h.maybe(h.sometimes([1.0, 2.0, [0.5, 1.0, 2.0]], [np.nan, [1.0] * 7, "x"]), 2),
    tie_propensity=h.maybe(_pool_param(0.0, 1.0), 2),
    labels_per_pair=h.maybe(h.integer([1, 2], huge=False), 2),
    model=h.maybe(h.models, 2), rng=h.maybe(h.rngs)),
    n_prompts=h.integer([1, 2, 4], huge=False), r=h.integer([2, 3, 4], huge=False))
def test_simulate_annotation(kw, n_prompts, r):
    if h.is_tie_model(kw.get("model")):
        kw["theta"] = 2.0
    fk.call("simulate_annotation", btstats.simulate_annotation, n_prompts, r, **kw)


@st.composite
def differences(draw):
    d = draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 5.0, 40.0, -700.0, 800.0, 1e-12,
                                       1e308, -1e308]), min_size=0, max_size=5))
    if h.rare(draw, 4):
        return draw(st.sampled_from([np.nan, [np.inf], ["x"], [None], [[1.0], [2.0]], "d",
                                     pd.NA, [pd.NA]]))
    return draw(h.array_like(d)) if d and draw(st.booleans()) else (d[0] if d and
                                                                   draw(st.booleans()) else d)


@fk.fuzz(60)
@given(model=st.sampled_from(h.MODELS), d=differences(),
       eta=h.maybe(h.number([0.0, 0.5, 2.0, 30.0], [-1.0, 1e308])))
def test_model_probabilities(model, d, eta):
    mdl = get_model(model)
    kw = {} if eta is h.OMIT else {"eta": eta}

    def check(p):
        assert isinstance(p, tuple) and len(p) == 3, f"{type(p)}"
        fk.check_probability_triple(p, f"{model} probabilities")
        shape = np.shape(d)
        assert all(np.shape(x) == shape for x in p), "shapes differ from d"

    fk.call("Model.probabilities", mdl.probabilities, d, check=check, **kw)


@fk.fuzz(60)
@given(model=st.sampled_from(h.MODELS), data=st.data())
def test_model_rvs(model, data):
    mdl = get_model(model)
    n = data.draw(st.integers(2, 5))
    scores = data.draw(true_scores(n))
    pairs = data.draw(h.sometimes([[[0, 1], [1, 0]], np.array([[0, n - 1]] * 3),
                                   [[i, (i + 1) % n] for i in range(n)], np.zeros((0, 2), int)],
                                  [[[0, n]], [[0, 0]], [[0.5, 1]], [0, 1], "pairs",
                                   [[-1, 0]], [[0, 2 ** 40]]]))
    kw = data.draw(h.kwargs_of(n=h.maybe(h.integer([1, 3, 10], [10 ** 13])),
                               rng=h.maybe(h.rngs)))
    if mdl.has_ties or h.rare(data.draw, 4):
        kw["theta"] = data.draw(h.number([1.0, 2.0, 1.5], [0.5]))

    def check(out):
        v = np.asarray(out, dtype=float)
        assert np.all(np.isin(v, (0.0, 0.5, 1.0))), "outcomes outside {0, 0.5, 1}"
        if not mdl.has_ties:
            assert not np.any(v == 0.5), "a tie from a model without ties"

    fk.call("Model.rvs", mdl.rvs, scores, pairs, check=check, **kw)


@fk.fuzz(30)
@given(name=h.sometimes(list(h.MODELS) + list(h.MODEL_ALIASES) + [get_model("thurstone")],
                        h.HOSTILE_CHOICES + [b"bt", "bradley terry", "BT ", 1.5]))
def test_get_model(name):
    fk.call("get_model", btstats.get_model, name)


@fk.fuzz(20)
@given(name=h.sometimes(list(btstats.EXAMPLES), h.HOSTILE_CHOICES + ["../setup", "baseball.csv",
                                                                      "BASEBALL"]),
       as_frame=h.maybe(h.flags))
def test_load_example(name, as_frame):
    kw = {} if as_frame is h.OMIT else {"as_frame": as_frame}
    fk.call("load_example", btstats.load_example, name, **kw)
