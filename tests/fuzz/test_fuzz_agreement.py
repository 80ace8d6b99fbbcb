"""Hostile labels, tables, scores and designs for agreement, ceilings, annotator fits and
held-out evaluation (``cohen_kappa``, ``fleiss_kappa``, ``krippendorff_alpha``,
``accuracy_bounds``, ``ceilings``, ``fit_annotators``, ``evaluate``, ``order_consistency``,
``win_rate_scores``, ``evaluation.split``, ``agreement.agreement``)."""
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats import evaluation

import fuzzkit as fk
import hostile as h
from test_fuzz_fit import _fit_of, scenarios

CATEGORY_POOLS = [["a", "b", "tie"], [0, 1, 2], [1.5, 2.5], ["x", 1, ("t",)], [True, False],
                  ["only"]]
HOSTILE_RATINGS = [None, np.nan, pd.NA, float("inf"), "", [1], {"a": 1}]


@st.composite
def ratings(draw, hostile=True):
    """A units x raters table of labels (NaN / None missing), sometimes hostile."""
    n_units = draw(st.integers(0 if hostile else 1, 8))
    n_raters = draw(st.integers(0 if hostile else 2, 4))
    pool = draw(st.sampled_from(CATEGORY_POOLS))
    cell = h.sometimes(pool, [None, np.nan], odds=5)
    rows = [[draw(cell) for _ in range(n_raters)] for _ in range(n_units)]
    if hostile and rows and n_raters and h.rare(draw, 5):
        rows[draw(st.integers(0, n_units - 1))][draw(st.integers(0, n_raters - 1))] = draw(
            st.sampled_from(HOSTILE_RATINGS))
    form = draw(st.sampled_from(["list", "frame", "array", "array", "ragged"]
                                if hostile else ["list", "frame", "array"]))
    if form == "frame":
        return pd.DataFrame(rows, columns=[f"r{j}" for j in range(n_raters)] if rows
                            else None, dtype=object)
    if form == "array":
        return np.array(rows, dtype=object) if rows else np.zeros((0, n_raters), dtype=object)
    if form == "ragged" and rows:
        rows[0] = rows[0] + ["extra"]
    return rows


@st.composite
def count_tables(draw, square=False):
    n = draw(st.integers(1, 4))
    k = n if square else draw(st.integers(1, 4))
    cells = h.sometimes([0, 1, 2, 3, 5, 0.5], h.EXTREME_COUNTS + h.HOSTILE_COUNTS, odds=12)
    t = [[draw(cells) for _ in range(k)] for _ in range(n)]
    if h.rare(draw, 6):
        t = draw(st.sampled_from([[], [[]], [1, 2, 3], [[[1]]], [[1, 2], [3]]]))
    return t


@fk.fuzz(60)
@given(data=st.data())
def test_cohen_kappa(data):
    if data.draw(st.booleans()):
        t = data.draw(count_tables(square=not h.rare(data.draw, 5)))
        fk.call("cohen_kappa", btstats.cohen_kappa, t)
        return
    table = data.draw(ratings())
    arr = np.asarray(table, dtype=object) if not isinstance(table, pd.DataFrame) else \
        table.to_numpy(dtype=object)
    if arr.ndim != 2 or arr.shape[1] < 2:
        fk.call("cohen_kappa", btstats.cohen_kappa, table, table)
        return
    r1, r2 = arr[:, 0], arr[:, 1]
    if h.rare(data.draw, 6):
        r2 = r2[:-1]
    r1 = data.draw(h.array_like(list(r1)))
    fk.call("cohen_kappa", btstats.cohen_kappa, r1, list(r2))


@fk.fuzz(50)
@given(data=st.data(), counts=h.sometimes([False, True], [1, "yes", None, pd.NA, np.nan]))
def test_fleiss_kappa(data, counts):
    table = data.draw(count_tables()) if counts is True else data.draw(ratings())

    def check(k):
        assert k <= 1 + 1e-12, f"kappa {k} > 1"

    fk.call("fleiss_kappa", btstats.fleiss_kappa, table, counts=counts, check=check)


@fk.fuzz(50)
@given(data=st.data(), counts=h.sometimes([False, True], [1, "yes", None, pd.NA, np.nan]))
def test_krippendorff_alpha(data, counts):
    table = data.draw(count_tables()) if counts is True else data.draw(ratings())

    def check(a):
        assert a <= 1 + 1e-12, f"alpha {a} > 1"

    fk.call("krippendorff_alpha", btstats.krippendorff_alpha, table, counts=counts,
            check=check)


@fk.fuzz(40)
@given(agreement=h.number([0.5, 0.68, 0.9, 1.0, 1 / 3, 0.999999, np.float64(0.7)],
                          [1.0 + 1e-9, 0.2, 10 ** 400]),
       k=h.maybe(h.integer([2, 3, 5, 100, np.int64(4)], [10 ** 400, 1])))
def test_accuracy_bounds(agreement, k):
    args = (agreement,) if k is h.OMIT else (agreement, k)

    def check(bounds):
        lo, hi = bounds
        assert 0 <= lo <= hi <= 1, f"bounds {bounds}"

    fk.call("accuracy_bounds", btstats.accuracy_bounds, *args, check=check)


@fk.fuzz(50)
@given(data=st.data())
def test_ceilings(data):
    kw = {}
    if data.draw(st.booleans()):
        source = _fit_of(data.draw(scenarios))
        n = source.n_items
        if h.rare(data.draw, 2):
            kw["design"] = data.draw(st.sampled_from(
                [[[0, 1]], np.array([[0, 1], [1, 0]]), [[0, n]], [[0, 0]], [[0.0, 1.5]], [],
                 source.comparisons, btstats.round_robin(max(n, 2)), [[1, 0]] * 3]))
        kw["n_draws"] = data.draw(h.integer([0, 5, 50], [10 ** 13]))
        if h.rare(data.draw, 4):
            kw["bootstrap"] = data.draw(st.sampled_from(
                [np.zeros((3, n)), np.ones((2, n + 1)), np.full((2, n), np.nan),
                 np.zeros((2, n + 3)), "draws", np.zeros(n)]))
    else:
        n = data.draw(st.integers(2, 5))
        scores = data.draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 3.0, 1e-9, 800.0, -800.0]),
                                    min_size=n, max_size=n))
        if h.rare(data.draw, 4):
            scores[0] = data.draw(st.sampled_from([np.nan, np.inf, 1e308, None, "x"]))
        source = data.draw(st.sampled_from(["list", "series"]))
        source = pd.Series(scores, index=list("abcde")[:n]) if source == "series" else scores
        kw["design"] = data.draw(h.sometimes(
            [btstats.round_robin(n), [[0, 1]], np.array([[1, 0], [0, n - 1]])],
            [[[0, n]], [[0, 0]], [], [[0.5, 1]], np.zeros((2, 3)), "pairs", None]))
        model = data.draw(h.maybe(h.models))
        if model is not h.OMIT:
            kw["model"] = model
        if h.rare(data.draw, 1) or h.is_tie_model(kw.get("model")):
            kw["theta"] = data.draw(h.number([1.0, 2.0, 1.5], [0.5]))
    kw["rng"] = data.draw(h.rngs)
    fk.call("ceilings", btstats.ceilings, source, **kw)


@fk.fuzz(40)
@given(df=h.comparison_frames(layouts=("outcome", "winner"), annotators=True, max_rows=12),
       kw=h.kwargs_of(model=h.maybe(h.choice(("bradley-terry", "thurstone", "rao-kupper"))),
                      position_bias=h.maybe(h.flags),
                      penalty=h.maybe(h.number([0.0, 0.1, 1.0])),
                      annotator_penalty=h.maybe(h.number([0.0, 0.1, 1.0])),
                      tol=h.maybe(h.number([1e-9, 1e-6])),
                      max_iter=h.maybe(h.sometimes([1, 5, 50], [0, -1, 2.5, None, pd.NA]))),
       given_scores=st.integers(0, 3))
def test_fit_annotators(df, kw, given_scores):
    if given_scores == 3:
        kw["scores"] = pd.Series(np.linspace(1, -1, 8), index=[
            "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", 0, 1])
    elif given_scores == 2:
        kw["scores"] = np.array([0.0, np.nan])
    fk.call("fit_annotators", btstats.fit_annotators, df, **kw)


@fk.fuzz(50)
@given(data=st.data())
def test_evaluate(data):
    kw = {}
    if data.draw(st.booleans()):
        scorer = _fit_of(data.draw(scenarios))
        test = scorer.comparisons
        if h.rare(data.draw, 2):
            kw["reference"] = _fit_of(data.draw(scenarios))
    else:
        labels = ["a", "b", "c", "d"]
        s = data.draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 40.0, 800.0, -800.0, 1e-9]),
                               min_size=4, max_size=4))
        if h.rare(data.draw, 4):
            s[0] = data.draw(st.sampled_from([np.nan, np.inf, None, "x", 1e308]))
        scorer = data.draw(st.sampled_from(["series", "dict", "array"]))
        scorer = {"series": pd.Series(s, index=labels, dtype=object),
                  "dict": dict(zip(labels, s)), "array": np.asarray(s, dtype=object)}[scorer]
        test = data.draw(h.comparison_frames(layouts=("winner", "outcome"), max_rows=8,
                                             hostile=h.rare(data.draw, 1)))
        # labels the scorer knows: map the frame's labels onto a..d (NaN labels stay)
        for col in ("winner", "loser", "item_a", "item_b"):
            if col in test.columns and isinstance(test[col], pd.Series):
                codes = pd.factorize(test[col].astype(str))[0]
                test[col] = np.where(test[col].isna(), None,
                                     np.array(labels, dtype=object)[codes % 4])
        model = data.draw(h.maybe(h.models))
        if model is not h.OMIT:
            kw["model"] = model
        if h.is_tie_model(kw.get("model")) or h.rare(data.draw, 3):
            kw["theta"] = data.draw(h.number([1.0, 2.0]))
    kw.update(data.draw(h.kwargs_of(confidence_level=h.maybe(h.levels, 2),
                                    n_draws=h.maybe(h.integer([0, 10, 50]), 2),
                                    rng=h.maybe(h.rngs, 2))))
    n_draws = kw.get("n_draws", 1000)
    if isinstance(n_draws, int) and n_draws > 100:
        kw["n_draws"] = 50

    def check(ev):
        # documented: log_loss_all is NaN when a tie label has probability 0 under a model
        # without ties; otherwise it is finite
        if ev.model != "rao-kupper" and not np.isfinite(ev.log_loss_all):
            return
        assert np.isfinite(ev.log_loss_all), f"log_loss_all {ev.log_loss_all}"

    fk.call("evaluate", btstats.evaluate, scorer, test, check=check, **kw)


@st.composite
def score_pairs(draw):
    n = draw(st.integers(0, 6))
    vals = st.sampled_from([0.0, 1.0, -1.0, 2.0, 0.5, 1e-12, 3.0])
    x = draw(st.lists(vals, min_size=n, max_size=n))
    y = draw(st.lists(vals, min_size=n, max_size=n))
    if n and h.rare(draw, 4):
        (x if draw(st.booleans()) else y)[draw(st.integers(0, n - 1))] = draw(
            st.sampled_from([np.nan, np.inf, None, "x", 1e308]))
    if h.rare(draw, 6):
        y = y[:-1]
    form = draw(st.sampled_from(["arrays", "series", "series-dup", "series-disjoint"]))
    labels = list("abcdef")[:n]
    if form == "series":
        return pd.Series(x, index=labels), pd.Series(y, index=labels[::-1][:len(y)])
    if form == "series-dup" and n > 1:
        return pd.Series(x, index=["a"] * n), pd.Series(y, index=labels[:len(y)])
    if form == "series-disjoint":
        return pd.Series(x, index=labels), pd.Series(y, index=[c.upper() for c in
                                                              labels[:len(y)]])
    return draw(h.array_like(x)), draw(h.array_like(y))


@fk.fuzz(50)
@given(xy=score_pairs())
def test_order_consistency(xy):
    x, y = xy

    def check(r):
        assert np.isfinite(r.kendall_tau) and -1 <= r.kendall_tau <= 1, \
            f"kendall_tau {r.kendall_tau}"
        assert np.isfinite(r.fraction_concordant) and 0 <= r.fraction_concordant <= 1, \
            f"fraction_concordant {r.fraction_concordant}"

    fk.call("order_consistency", btstats.order_consistency, x, y, check=check)


@fk.fuzz(40)
@given(df=h.comparison_frames(), smoothing=h.maybe(h.number([0.5, 0.0, 1.0, 1e-9, 10.0],
                                                            [1e308, 5e-324])))
def test_win_rate_scores(df, smoothing):
    kw = {} if smoothing is h.OMIT else {"smoothing": smoothing}

    def check(s):
        fk.check_centred(s.to_numpy(), "win-rate scores")

    fk.call("win_rate_scores", btstats.win_rate_scores, df, check=check, **kw)


@fk.fuzz(40)
@given(df=h.comparison_frames(clusters=None), data=st.data())
def test_split(df, data):
    kw = data.draw(h.kwargs_of(
        test_size=h.maybe(h.number([0.2, 0.5, 0.9, 1e-9, 0.999999])),
        by=h.maybe(h.sometimes([None, "prompt", "cluster", "annotator", "winner", "item_a"],
                               [[0.5], 0, np.nan, pd.NA, ("prompt",), "nope", ["prompt"]])),
        rng=h.maybe(h.rngs)))
    target = df
    if h.rare(data.draw, 2):
        c = fk.returned("Comparisons.from_frame", btstats.Comparisons.from_frame, df)
        if c is None:
            return
        target = c

    def check(parts):
        train, test = parts
        n = target.n_rows if isinstance(target, btstats.Comparisons) else len(target)
        got = [x.n_rows if isinstance(x, btstats.Comparisons) else len(x) for x in parts]
        assert sum(got) == n and min(got) >= 1, f"split {got} of {n} rows"

    fk.call("evaluation.split", evaluation.split, target, check=check, **kw)


@fk.fuzz(30)
@given(df=h.comparison_frames(layouts=("outcome", "winner"), annotators=True,
                              max_rows=12).map(h.relabelled),
       kw=h.kwargs_of(confidence_level=h.maybe(h.levels),
                      n_resamples=h.maybe(h.integer([0, 5, 20])),
                      min_common=h.maybe(h.integer([1, 2, 10])),
                      orientation=h.maybe(h.choice(("sorted", "given"))),
                      rng=h.maybe(h.rngs)))
def test_agreement(df, kw):
    n = kw.get("n_resamples", 2000)
    if not isinstance(n, int) or n > 50:
        kw["n_resamples"] = 20 if isinstance(n, int) and not isinstance(n, bool) else n
    res = fk.returned("agreement.agreement", btstats.agreement.agreement, df, **kw)
    if res is not None:
        fk.call("Agreement.summary", res.summary)
