"""Hostile estimates, draws, covariances and intervals for the rank functions."""
import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import btstats

import fuzzkit as fk
import hostile as h

HOSTILE_ENTRIES = [np.nan, np.inf, -np.inf, 1e308, -1e308, 5e-324, None, "x"]


@st.composite
def score_vectors(draw, n=None, hostile=True):
    n = draw(st.integers(0 if hostile else 2, 6)) if n is None else n
    x = draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, 1e-12, 3.0, -2.5]),
                      min_size=n, max_size=n))
    if hostile and n and h.rare(draw, 5):
        x[draw(st.integers(0, n - 1))] = draw(st.sampled_from(HOSTILE_ENTRIES))
    labels = draw(h.label_pool(max(n, 2), max(n, 2)))[:n] if n <= 6 else list(range(n))
    if hostile and n > 1 and h.rare(draw, 9):
        labels[1] = labels[0]
    form = draw(st.sampled_from(["series", "array", "list"]))
    if form == "series":
        return pd.Series(x, index=pd.Index(labels, dtype=object, tupleize_cols=False))
    return draw(h.array_like(x, hostile=hostile)) if form == "array" else x


@st.composite
def draw_matrices(draw, n, hostile=True, labels=None):
    """``(B, n)`` draws (B small) as an array or a DataFrame, maybe hostile."""
    b = draw(st.integers(0 if hostile else 2, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    d = rng.normal(size=(b, n)) * draw(st.sampled_from([1.0, 0.1, 1e-9, 100.0]))
    if h.rare(draw, 5):
        d = np.round(d)                                 # ties within draws
    if hostile and b and n and h.rare(draw, 4):
        what = draw(st.sampled_from(["entry", "shape", "form", "constant"]))
        if what == "entry":
            d = d.astype(object)
            d[draw(st.integers(0, b - 1)), draw(st.integers(0, n - 1))] = draw(
                st.sampled_from(HOSTILE_ENTRIES))
        elif what == "shape":
            d = draw(st.sampled_from([d[:, :-1], d.ravel(), d[None], d.T]))
        elif what == "constant":
            d = np.zeros_like(d)
        else:
            d = draw(st.sampled_from([d.T.copy().T, np.asfortranarray(d), d.astype(np.float32),
                                      d.astype(int), d > 0, d.tolist()]))
    if labels is not None and isinstance(d, np.ndarray) and d.ndim == 2 and \
            d.shape[1] == len(labels) and draw(st.booleans()):
        return pd.DataFrame(d, columns=pd.Index(labels, dtype=object, tupleize_cols=False))
    if isinstance(d, np.ndarray) and d.dtype != object and h.rare(draw, 4):
        d = np.array(d)
        d.setflags(write=False)
    return d


@st.composite
def covariances(draw, n, hostile=True, labels=None):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    a = rng.normal(size=(n, max(n - 1, 1))) * draw(st.sampled_from([1.0, 1e-6, 1e3]))
    cov = a @ a.T
    if draw(st.booleans()):                            # the covariance of centred scores
        c = np.eye(n) - 1.0 / n
        cov = c @ cov @ c
    if hostile and h.rare(draw, 3):
        what = draw(st.sampled_from(["asymmetric", "indefinite", "nan", "zeros", "huge",
                                     "denormal", "shape", "inf"]))
        if what == "asymmetric" and n > 1:
            cov = cov.copy()
            cov[0, 1] += 1.0
        elif what == "indefinite":
            cov = cov - 2.0 * np.eye(n) * max(float(np.max(np.abs(cov))), 1.0)
        elif what == "nan":
            cov = cov.copy()
            cov[0, 0] = np.nan
        elif what == "zeros":
            cov = np.zeros((n, n))
        elif what == "huge":
            cov = cov * 1e300
        elif what == "denormal":
            cov = cov * 1e-320
        elif what == "inf":
            cov = np.full((n, n), np.inf)
        else:
            cov = np.zeros((n + 1, n + 1))
    if labels is not None and len(labels) == n and cov.shape == (n, n) and \
            draw(st.booleans()):
        idx = pd.Index(labels, dtype=object, tupleize_cols=False)
        if h.rare(draw, 5):
            return pd.DataFrame(cov, index=idx, columns=idx[::-1])   # mislabelled
        return pd.DataFrame(cov, index=idx, columns=idx)
    return cov


def _n_and_labels(est):
    if isinstance(est, pd.Series):
        return len(est), list(est.index)
    try:
        arr = np.asarray(est)
        return (arr.shape[0] if arr.ndim >= 1 else 0), None
    except Exception:  # noqa: BLE001
        return 0, None


@fk.fuzz(60)
@given(est=score_vectors(), data=st.data())
def test_rank_confidence_sets(est, data):
    n, labels = _n_and_labels(est)
    n = max(n, 1)
    kw = data.draw(h.kwargs_of(
        confidence_level=h.maybe(h.levels), simultaneous=h.maybe(h.flags),
        stepdown=h.maybe(h.flags), rng=h.maybe(h.rngs),
        labels=h.maybe(st.sampled_from([list(range(n)), list("abcdefgh")[:n], ["x"] * n,
                                        [None] * n]), 4)))
    if data.draw(st.booleans()):
        kw["draws"] = data.draw(draw_matrices(n, labels=labels))
        if h.rare(data.draw, 5):
            kw["n_draws"] = 100
    else:
        kw["covariance"] = data.draw(covariances(n, labels=labels))
        kw["n_draws"] = data.draw(h.integer([2, 50, 300], [5 * 10 ** 11]))
        if h.rare(data.draw, 6):
            kw["draws"] = np.zeros((3, n))              # both given
    fk.call("rank_confidence_sets", btstats.rank_confidence_sets, est, **kw)


@st.composite
def intervals(draw):
    n = draw(st.integers(0, 6))
    low = draw(st.lists(st.sampled_from([0.0, 1.0, -1.0, 0.5, 2.0, -3.0]), min_size=n,
                        max_size=n))
    width = draw(st.lists(st.sampled_from([0.0, 0.1, 1.0, 3.0]), min_size=n, max_size=n))
    high = [a + w for a, w in zip(low, width)]
    if n and h.rare(draw, 4):
        what = draw(st.sampled_from(["swap", "entry", "short", "inf"]))
        k = draw(st.integers(0, n - 1))
        if what == "swap":
            low[k], high[k] = high[k] + 1.0, low[k]
        elif what == "entry":
            (low if draw(st.booleans()) else high)[k] = draw(st.sampled_from(HOSTILE_ENTRIES))
        elif what == "short":
            high = high[:-1]
        else:
            low[k], high[k] = -np.inf, np.inf
    labels = draw(h.label_pool(6, 6))[:n]
    form = draw(st.sampled_from(["arrays", "series", "series-misaligned", "frame",
                                 "frame-ci", "frame-bad", "one-array"]))
    if form == "arrays":
        return (draw(h.array_like(low)), draw(h.array_like(high))), {}
    if form in ("series", "series-misaligned"):
        idx = pd.Index(labels, dtype=object, tupleize_cols=False)
        lo = pd.Series(low, index=idx[:len(low)])
        hi = pd.Series(high, index=idx[:len(high)])
        if form == "series-misaligned":
            hi = hi.iloc[::-1]
        return (lo, hi), {}
    if len(low) != len(high):
        return (low, high), {}
    df = pd.DataFrame({"low": low, "high": high},
                      index=pd.Index(labels, dtype=object, tupleize_cols=False))
    if form == "frame-ci":
        df.columns = ["ci_low", "ci_high"]
    elif form == "frame-bad":
        df.columns = ["lower", "upper"]
    elif form == "one-array":
        return (np.asarray(low),), {}
    return (df,), {}


def _check_rank_bound(n):
    def check(s):
        r = s.to_numpy()
        assert len(r) == n and np.all((1 <= r) & (r <= n)), f"rank bounds {r} for {n} items"
    return check


@fk.fuzz(40)
@given(args=intervals())
def test_rank_upper_bound(args):
    a, kw = args
    n = len(a[0]) if hasattr(a[0], "__len__") else 0
    fk.call("rank_upper_bound", btstats.rank_upper_bound, *a, check=_check_rank_bound(n),
            **kw)


@fk.fuzz(40)
@given(args=intervals())
def test_rank_lower_bound(args):
    a, kw = args
    n = len(a[0]) if hasattr(a[0], "__len__") else 0
    fk.call("rank_lower_bound", btstats.rank_lower_bound, *a, check=_check_rank_bound(n),
            **kw)


@st.composite
def draws_and_labels(draw):
    n = draw(st.integers(0, 6))
    labels = draw(h.label_pool(6, 6))[:n]
    d = draw(draw_matrices(n, labels=labels))
    kw = {}
    if h.rare(draw, 4):
        kw["labels"] = draw(st.sampled_from([labels, labels[:1] * n, labels[:-1], None,
                                             list(range(n))]))
    return d, kw


def _n_items(d):
    if isinstance(d, pd.DataFrame):
        return d.shape[1]
    try:
        a = np.asarray(d, dtype=float)
    except (TypeError, ValueError):
        return None
    return a.shape[1] if a.ndim == 2 else None


@fk.fuzz(40)
@given(args=draws_and_labels(), ties=h.maybe(h.choice(("min", "max", "average"))))
def test_rank_distribution(args, ties):
    d, kw = args
    if ties is not h.OMIT:
        kw["ties"] = ties
    n = _n_items(d)

    def check(r):
        v = r.to_numpy(dtype=float)
        fk.finite(v, "ranks")
        assert np.all((v >= 1) & (v <= n)), f"ranks outside 1..{n}"
        assert np.allclose(np.sort(v, axis=1).sum(axis=1), n * (n + 1) / 2) or \
            kw.get("ties", "min") != "average", "average ranks do not add up"

    fk.call("rank_distribution", btstats.rank_distribution, d, check=check, **kw)


@fk.fuzz(40)
@given(args=draws_and_labels())
def test_probability_first(args):
    d, kw = args

    def check(p):
        v = fk.check_probability(p.to_numpy(), "P(first)")
        assert abs(v.sum() - 1.0) <= 1e-9, f"P(first) sums to {v.sum()}"

    fk.call("probability_first", btstats.probability_first, d, check=check, **kw)


@fk.fuzz(40)
@given(args=draws_and_labels())
def test_pairwise_superiority(args):
    d, kw = args

    def check(p):
        v = fk.check_probability(p.to_numpy(), "P(i > j)")
        assert np.allclose(v + v.T, 1.0), "P + P.T != 1"
        assert np.allclose(np.diag(v), 0.5), "diagonal != 1/2"

    fk.call("pairwise_superiority", btstats.pairwise_superiority, d, check=check, **kw)


@fk.fuzz(40)
@given(args=draws_and_labels(), level=h.maybe(h.levels))
def test_rank_intervals(args, level):
    d, kw = args
    a = () if level is h.OMIT else (level,)
    n = _n_items(d)

    def check(df):
        lo, hi = df["lower"].to_numpy(), df["upper"].to_numpy()
        assert np.all((1 <= lo) & (lo <= hi) & (hi <= n)), f"rank intervals {lo}..{hi}"

    fk.call("rank_intervals", btstats.rank_intervals, d, *a, check=check, **kw)
