"""Hostile data and arguments for ``fit``, ``bootstrap`` and the methods of ``PairwiseFit``.

``test_fit`` and ``test_bootstrap`` feed hostile frames and arguments to the top-level
functions; the ``test_fit_*`` tests take fits from a pool of awkward but valid ones
(extreme gaps, fractional or tiny weights, tuple and unsortable labels, a penalised
disconnected graph, ties, clusters, a fit that did not converge) and give their methods
hostile arguments.
"""
import functools

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats import Comparisons

import fuzzkit as fk
import hostile as h


# =========================================================================== the pool
def _two_items(w, l, t=0.0):
    return Comparisons.from_counts(pd.DataFrame({"item_a": ["a"], "item_b": ["b"],
                                                 "wins_a": [w], "wins_b": [l], "ties": [t]}))


def _clustered():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 60)
    b = (a + rng.integers(1, 5, 60)) % 5
    names = np.array(["v", "w", "x", "y", "z"])
    return pd.DataFrame({"winner": names[a], "loser": names[b],
                         "prompt": rng.integers(0, 6, 60)})


def _labelled(labels):
    n = len(labels)
    w = [labels[i] for i in range(n)] + [labels[(i + 2) % n] for i in range(n)]
    l_ = [labels[(i + 1) % n] for i in range(n)] + [labels[i] for i in range(n)]
    return pd.DataFrame({"winner": pd.Series(w, dtype=object),
                         "loser": pd.Series(l_, dtype=object)})


def _chain(n=50):
    w = np.arange(n)
    return Comparisons.from_arrays(np.concatenate([w, (w + 1) % n]),
                                   np.concatenate([(w + 1) % n, w]),
                                   weights=np.concatenate([np.full(n, 20.0), np.ones(n)]))


BASEBALL = functools.partial(btstats.load_example, "baseball")
SPRINGALL = functools.partial(btstats.load_example, "springall")
SCENARIOS = {
    "baseball": lambda: btstats.fit(BASEBALL()),
    "baseball-mm": lambda: btstats.fit(BASEBALL(), method="mm"),
    "baseball-thurstone-gradient": lambda: btstats.fit(BASEBALL(), "thurstone",
                                                       method="gradient"),
    "baseball-sandwich": lambda: btstats.fit(BASEBALL(), covariance_type="sandwich"),
    "baseball-expected-penalised": lambda: btstats.fit(BASEBALL(), penalty=0.3,
                                                       covariance_type="expected"),
    "springall-rao-kupper": lambda: btstats.fit(SPRINGALL(), "rao-kupper"),
    "springall-half": lambda: btstats.fit(SPRINGALL(), ties="half"),
    "springall-drop-thurstone": lambda: btstats.fit(SPRINGALL(), "thurstone", ties="drop"),
    "disconnected-penalised": lambda: btstats.fit(pd.DataFrame(
        {"winner": list("abcd"), "loser": list("badc")}), penalty=0.5),
    "isolated-item-penalised": lambda: btstats.fit(Comparisons.from_arrays(
        [0, 1], [1, 0], items=["a", "b", "lonely"]), penalty=1e-3),
    "two-items-1e12": lambda: btstats.fit(_two_items(1e12, 1.0)),
    "two-items-rk": lambda: btstats.fit(_two_items(1e6, 1.0, 3.0), "rao-kupper"),
    "fractional": lambda: btstats.fit(Comparisons.from_counts(pd.DataFrame(
        {"item_a": ["a", "b", "a"], "item_b": ["b", "c", "c"], "wins_a": [1.5, 2.25, 0.5],
         "wins_b": [0.5, 1.0, 1.5]}))),
    "clustered": lambda: btstats.fit(_clustered(), covariance_type="cluster",
                                     cluster="prompt"),
    "tuple-labels": lambda: btstats.fit(_labelled([("a", 1), ("b", 2), ("c", 3)])),
    "mixed-labels": lambda: btstats.fit(_labelled(["b", 1, ("t", 0), 2.5])),
    "chain-50": lambda: btstats.fit(_chain()),
    "tiny-weights": lambda: btstats.fit(Comparisons.from_counts(
        btstats.load_example("baseball", as_frame=True).assign(
            wins_a=lambda d: d.wins_a * 1e-300, wins_b=lambda d: d.wins_b * 1e-300))),
    "unconverged": lambda: btstats.fit(BASEBALL(), method="gradient", max_iter=1),
}
_CACHE = {}


def scenario(name):
    """The fit of a scenario, built once (through the oracle: a broken one fails here)."""
    if name not in _CACHE:
        _CACHE[name] = fk.returned(f"fit [{name}]", SCENARIOS[name])
    return _CACHE[name]


scenarios = st.sampled_from(sorted(SCENARIOS))


def _fit_of(name):
    res = scenario(name)
    if res is None:   # a named error building a valid scenario is itself a failure
        raise AssertionError(f"scenario {name!r} did not fit")
    return res


# =========================================================================== fit
@fk.fuzz(80)
@given(df=h.comparison_frames(), kw=h.fit_kwargs)
def test_fit(df, kw):
    res = fk.returned("fit", btstats.fit, df, **kw)
    if res is None:
        return
    fk.check_fit_covariance(res)
    fk.call("PairwiseFit.to_frame", res.to_frame, intervals=res.converged)
    fk.call("PairwiseFit.summary", res.summary)


@fk.fuzz(60)
@given(arrays=h.code_arrays(hostile=False), kw=h.fit_kwargs)
def test_fit_comparisons(arrays, kw):
    winners, losers, ckw = arrays
    c = fk.returned("Comparisons.from_arrays", Comparisons.from_arrays, winners, losers, **ckw)
    if c is None:
        return
    res = fk.returned("fit", btstats.fit, c, **kw)
    if res is not None:
        fk.check_fit_covariance(res)


# =========================================================================== methods
def _object_array(values):
    arr = np.empty(len(values), dtype=object)     # (np.array would split tuple labels)
    arr[:] = values
    return arr


def _labels(data, res):
    """A label argument for ``probabilities``: known labels, arrays of them, or hostile."""
    items = list(res.items)
    known = st.sampled_from(items)
    return data.draw(h.sometimes(
        st.one_of(known, st.lists(known, min_size=1, max_size=4),
                  st.lists(known, min_size=2, max_size=3).map(_object_array),
                  st.lists(known, min_size=1, max_size=3).map(pd.Series),
                  st.lists(known, min_size=1, max_size=3).map(
                      lambda v: pd.Index(v, dtype=object))),
        st.sampled_from(["no such item", None, h.NAN, pd.NA, [], ["no such item"],
                         [[items[0]]], {items[0]: 1}, {"a"}, items * 3, np.array([]),
                         (items[0],), slice(0, 1), 0, -1, 1e308]), odds=3))


def _strict(res):
    return bool(res.converged)


@fk.fuzz(40)
@given(name=scenarios, level=h.levels)
def test_fit_confidence_interval(name, level):
    res = _fit_of(name)

    def check(ci):
        if _strict(res):
            fk.check_ci_frame(ci, "Wald interval")
            lo, hi = ci["low"].to_numpy(), ci["high"].to_numpy()
            mid = 0.5 * (lo + hi)
            scale = np.maximum(1.0, np.maximum(np.abs(lo), np.abs(hi)))
            assert np.all(np.abs(mid - res.scores.to_numpy()) <= 1e-9 * scale), \
                "interval not centred on the score"

    fk.call("PairwiseFit.confidence_interval", res.confidence_interval, level, check=check)


@fk.fuzz(60)
@given(name=scenarios, data=st.data())
def test_fit_probabilities(name, data):
    res = _fit_of(name)
    a = _labels(data, res)
    b = _labels(data, res)
    fk.call("PairwiseFit.probabilities", res.probabilities, a, b)


@fk.fuzz(40)
@given(name=scenarios, kw=h.kwargs_of(
    scale=h.maybe(h.choice(("log", "elo"))), confidence_level=h.maybe(h.levels),
    intervals=h.maybe(st.sampled_from([True, False, 1, 0, "yes", None]))))
def test_fit_to_frame(name, kw):
    res = _fit_of(name)

    def check(df):
        n = res.n_items
        assert len(df) == n, f"{len(df)} rows for {n} items"
        assert set(df["rank"]) <= set(range(1, n + 1)), "ranks outside 1..n"
        allow = () if _strict(res) and kw.get("intervals", True) else ("se", "ci_low",
                                                                        "ci_high")
        fk.check_frame_finite(df, "leaderboard", allow=allow)

    fk.call("PairwiseFit.to_frame", res.to_frame, check=check, **kw)


@fk.fuzz(25)
@given(name=scenarios, kw=h.kwargs_of(scale=h.maybe(h.choice(("log", "elo")))))
def test_fit_summary(name, kw):
    res = _fit_of(name)
    fk.call("PairwiseFit.summary", res.summary, **kw)


@fk.fuzz(40)
@given(name=scenarios, kw=h.kwargs_of(
    confidence_level=h.maybe(h.levels),
    simultaneous=h.maybe(h.flags), stepdown=h.maybe(h.flags),
    n_draws=h.maybe(h.integer([2, 50, 200], [5 * 10 ** 11, 2 ** 63])),
    rng=h.maybe(h.rngs)))
def test_fit_rank_sets(name, kw):
    res = _fit_of(name)
    kw.setdefault("n_draws", 200)
    fk.call("PairwiseFit.rank_sets", res.rank_sets, **kw)


@fk.fuzz(40)
@given(name=scenarios, data=st.data())
def test_fit_with_covariance(name, data):
    res = _fit_of(name)
    kind = data.draw(h.choice(("observed", "expected", "sandwich", "cluster")))
    n_rows = res.comparisons.n_rows
    cluster = data.draw(h.maybe(h.sometimes(
        ["cluster", "prompt", np.arange(n_rows) % 3, [f"c{i % 2}" for i in range(n_rows)]],
        ["nope", np.zeros(n_rows), np.arange(n_rows + 1), [None] * n_rows,
         np.full(n_rows, np.nan), 3, pd.NA, np.arange(n_rows).reshape(-1, 1)]), 1))
    kw = {} if cluster is h.OMIT else {"cluster": cluster}
    new = fk.returned("PairwiseFit.with_covariance", res.with_covariance, kind, **kw)
    if new is not None:
        fk.check_fit_covariance(new)


boot_kwargs = h.kwargs_of(
    n_resamples=h.sometimes([2, 3, 5, 10], h.HOSTILE_INTS + [10 ** 13]),
    kind=h.maybe(h.choice(("nonparametric", "parametric"))),
    degenerate=h.maybe(h.choice(("penalize", "drop"))),
    fallback_penalty=h.maybe(h.number([0.01, 1.0, 1e-8])),
    rng=h.maybe(h.rngs), progress=h.maybe(st.sampled_from([None, False])))


def _check_bootstrap_result(boot, data):
    level = data.draw(h.levels)
    interval = data.draw(h.choice(("percentile", "basic", "bca"), odds=6))
    fk.call("BootstrapResult.confidence_interval", boot.confidence_interval, level,
            interval=interval)
    fk.call("BootstrapResult.to_frame", boot.to_frame,
            check=lambda df: fk.check_frame_finite(df, "bootstrap leaderboard"))


@fk.fuzz(30)
@given(name=scenarios, kw=boot_kwargs, data=st.data())
def test_fit_bootstrap(name, kw, data):
    res = _fit_of(name)
    if h.rare(data.draw, 3):
        n_rows = res.comparisons.n_rows
        kw["cluster"] = data.draw(st.sampled_from(
            ["cluster", "prompt", np.arange(n_rows) % 4, np.zeros(n_rows), "nope"]))
    boot = fk.returned("PairwiseFit.bootstrap", res.bootstrap, **kw)
    if boot is not None:
        _check_bootstrap_result(boot, data)


@fk.fuzz(30)
@given(df=h.comparison_frames(max_rows=8), kw=boot_kwargs, fit_kw=h.kwargs_of(
    model=h.maybe(h.models), method=h.maybe(h.methods),
    penalty=h.maybe(h.number([0.0, 0.1])), ties=h.maybe(h.choice((None, "drop", "half")))),
    data=st.data())
def test_bootstrap(df, kw, fit_kw, data):
    if h.rare(data.draw, 3):
        kw["cluster"] = data.draw(st.sampled_from(["prompt", "cluster", "annotator", "nope",
                                                   "winner"]))
    boot = fk.returned("bootstrap", btstats.bootstrap, df, **fit_kw, **kw)
    if boot is not None:
        _check_bootstrap_result(boot, data)
