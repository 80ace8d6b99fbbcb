r"""Adaptive designs: which comparisons to make next, and a budgeted study of the gain.

An arena or an annotation budget chooses which pairs to show next.  :func:`propose_pairs`
takes what is known so far (a fit, or a prior: scores and a covariance, or nothing) and a set
of candidate pairs, and proposes the next batch by an optimal-design criterion, greedily, one
comparison at a time with rank-one updates of the covariance.  :func:`adaptive_study` runs the
loop "propose, simulate the outcomes from true scores, refit" under a fixed budget and
measures how much faster the rank intervals shrink (or the top-k set is found) than with
uniformly random pairs.

=====================  =========================================================================
criterion              what a comparison of ``(i, j)`` is worth
=====================  =========================================================================
``"d-optimal"``        the increase of ``log det`` of the information (in the sum-to-zero
                       subspace): ``log(1 + w_ij v_ij)``
``"a-optimal"``        the decrease of the summed variances of the centred scores,
                       ``trace(Sigma)``
``"top-k"``            the decrease of the variances of the items' distances to the top-k
                       boundary, each weighted by how uncertain the item's membership is
``"uncertainty"``      the decrease of the standard deviation of ``s_i - s_j`` itself (the
                       arena's rule: shrink the widest pairwise interval fastest)
=====================  =========================================================================

with ``w_ij`` the Fisher information of one comparison about ``s_i - s_j`` (``p (1 - p)`` for
Bradley-Terry) and ``v_ij = Var(s_i - s_j)`` under the current covariance.
"""
import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .. import _validation as _v
from .._results import ResultBase
from ..data.comparisons import Comparisons
from ..estimation.core import CoreFit
from ..estimation.fit import fit as _fit
from ..estimation.results import PairwiseFit
from ..exceptions import DataError
from ..inference.ranks import rank_lower_bound, rank_upper_bound
from ..models.links import get_link
from ..models.model import get_model
from .designs import Design, random_pairs, sparse_connected
from .simulators import simulate

__all__ = ["PairProposal", "AdaptiveStudy", "propose_pairs", "adaptive_study", "CRITERIA",
           "STRATEGIES", "METRICS"]

#: The criteria of :func:`propose_pairs`.
CRITERIA = ("d-optimal", "a-optimal", "top-k", "uncertainty")
#: How the information of a comparison is evaluated (see :func:`propose_pairs`).
INFORMATION = ("averaged", "plug-in")
#: The strategies of :func:`adaptive_study`: uniform random pairs, or a criterion.
STRATEGIES = ("uniform",) + CRITERIA
#: The columns :func:`adaptive_study` records, and whether larger is better.
METRICS = {"score_ci_width": False, "rank_width": False, "top_k_accuracy": True,
           "score_rmse": False}
#: Relative tolerance under which two gains count as tied (broken at random).
TIE_RTOL = 1e-12
#: Largest number of candidate pairs built by default (all pairs of the items).
_MAX_DEFAULT_CANDIDATES = 20_000_000
_SHOWN = 5


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False, repr=False)
class PairProposal(ResultBase):
    """The next comparisons proposed by :func:`propose_pairs`, in the order chosen.

    Attributes
    ----------
    pairs : ndarray of int, shape (n_pairs, 2)
        Item codes (into :attr:`items`) of side a and side b of each proposed comparison.
    items : pandas.Index
        Item labels.
    gain : ndarray
        What each comparison adds to the criterion when it is added, after the ones before
        it (see :func:`propose_pairs`, Notes); for ``"d-optimal"`` non-increasing along the
        batch.
    win_probability : ndarray
        ``P(a wins)`` at the current scores.
    sd_difference : ndarray
        Standard deviation of ``s_a - s_b`` just before the comparison is added.
    criterion : str
    k : int or None
        Size of the top set for ``criterion="top-k"``.
    replace : bool
        Whether a candidate pair could be proposed more than once.
    """

    pairs: np.ndarray
    items: pd.Index
    gain: np.ndarray
    win_probability: np.ndarray
    sd_difference: np.ndarray
    criterion: str
    k: int | None = None
    replace: bool = True

    @property
    def n_pairs(self):
        """Number of proposed comparisons."""
        return int(self.pairs.shape[0])

    @property
    def total_gain(self):
        """The sum of the gains: for ``"d-optimal"`` the increase of ``log det`` of the
        information of the whole batch; for ``"a-optimal"`` / ``"top-k"`` the decrease of
        the (weighted) summed variances."""
        return float(np.sum(self.gain))

    def to_frame(self):
        """One row per proposed comparison, in the order chosen: ``item_a``, ``item_b``
        (labels), ``gain``, ``win_probability``, ``sd_difference``."""
        return pd.DataFrame({"item_a": self.items[self.pairs[:, 0]],
                             "item_b": self.items[self.pairs[:, 1]],
                             "gain": self.gain, "win_probability": self.win_probability,
                             "sd_difference": self.sd_difference})

    def to_design(self):
        """The proposal as a :class:`~btstats.simulate.Design` (matched by label), to pass to
        :func:`btstats.simulate`."""
        return Design(np.ascontiguousarray(self.pairs[:, 0], dtype=np.int32),
                      np.ascontiguousarray(self.pairs[:, 1], dtype=np.int32),
                      len(self.items), "adaptive", False, pd.Index(self.items))

    _frame_format = {"float_format": lambda x: f"{x:.4f}", "max_rows": 20}

    @property
    def _summary_title(self):
        return f"Proposed comparisons ({self.criterion})"

    def _header(self):
        rows = [("criterion", self.criterion), ("comparisons", f"{self.n_pairs:,}"),
                ("distinct pairs", f"{len(np.unique(np.sort(self.pairs, axis=1), axis=0)):,}"),
                ("total gain", f"{self.total_gain:.4g}")]
        if self.k is not None:
            rows.insert(1, ("k", f"{self.k}"))
        return rows

    def __repr__(self):
        k = "" if self.k is None else f", k={self.k}"
        return (f"PairProposal({self.criterion!r}{k}, {self.n_pairs:,} comparisons of "
                f"{len(self.items):,} items)")


# --------------------------------------------------------------------------- information
def _link_density(link_name, x):
    return get_link(link_name).pdf(x)


def _link_cdf(link_name, x):
    return get_link(link_name).cdf(x)


#: Gauss-Hermite nodes and weights (probabilists', normalised) for the averaged weights.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _averaged_weight(d, var, link_name, eta):
    """``E[w(D)]`` for ``D ~ N(d, var)``: the information weight averaged over the
    uncertainty of the difference (Gauss-Hermite, 24 nodes)."""
    sd = np.sqrt(np.maximum(var, 0.0))
    out = np.zeros_like(np.asarray(d, dtype=float))
    for x, g in zip(_GH_NODES, _GH_WEIGHTS):
        out += g * _information_weight(d + sd * x, link_name, eta)
    return out


def _information_weight(d, link_name, eta):
    r"""Fisher information about ``d = s_a - s_b`` of one comparison: ``sum_k P_k'(d)^2 /
    P_k(d)`` over its outcomes (``F(d)F(-d)`` for the logit link without ties)."""
    d = np.asarray(d, dtype=float)
    eta = 0.0 if eta is None else float(eta)
    fa = _link_density(link_name, d - eta)
    fb = _link_density(link_name, -d - eta)
    pa = _link_cdf(link_name, d - eta)
    pb = _link_cdf(link_name, -d - eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(pa > 0, fa * fa / pa, 0.0) + np.where(pb > 0, fb * fb / pb, 0.0)
        if eta > 0.0:
            pt = 1.0 - pa - pb
            w = w + np.where(pt > 0, (fa - fb) ** 2 / pt, 0.0)
    return np.where(np.isfinite(w), w, 0.0)


# --------------------------------------------------------------------------- validation
def _centre_covariance(cov):
    n = cov.shape[0]
    c = cov - cov.mean(axis=0, keepdims=True)
    c = c - c.mean(axis=1, keepdims=True)
    return 0.5 * (c + c.T) if n else c


def _prior_from_fit(res):
    if isinstance(res, CoreFit):
        raise ValueError(
            f"`prior` is a fit of the general model core ({res.model}, order effect or "
            f"covariates), whose information is not that of one score difference per "
            f"comparison. propose_pairs reads fits of 'bradley-terry', 'thurstone', "
            f"'rao-kupper' and 'glenn-david' without order effect or covariates; for this fit "
            f"pass its scores and covariance as a prior, prior=(fit.scores, fit.covariance) "
            f"(read under the Bradley-Terry information).")
    try:
        cov = res.covariance.to_numpy(dtype=float)
    except (MemoryError, np.linalg.LinAlgError) as exc:
        raise ValueError(
            f"`prior`: this fit has no usable covariance of its scores ({exc}) and "
            f"propose_pairs needs one. Refit with a small penalty= (e.g. penalty=1e-3), or "
            f"pass a prior=(scores, covariance) built another way.") from exc
    mdl = get_model(res.model)
    eta = res.eta if mdl.has_ties else None
    return (pd.Index(res.items), res.scores.to_numpy(dtype=float), _centre_covariance(cov),
            mdl.link_name, eta)


def _prior_from_pair(scores, cov):
    labels = None
    if isinstance(scores, pd.Series):
        labels = pd.Index(scores.index)
        if labels.has_duplicates:
            raise DataError(f"the scores of `prior` must have unique item labels; repeated: "
                            f"{labels[labels.duplicated()].unique().tolist()[:_SHOWN]}.")
        s = scores.to_numpy()
    else:
        s = np.asarray(scores)
    try:
        s = np.asarray(s, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the scores of `prior` must be numbers; {exc}.") from exc
    if s.ndim != 1 or s.size < 2:
        raise ValueError(f"the scores of `prior` must be one-dimensional with at least two "
                         f"items; got shape {s.shape}.")
    if labels is None and isinstance(cov, pd.DataFrame):
        labels = pd.Index(cov.index)
    if labels is None:
        labels = pd.RangeIndex(s.size)
    if isinstance(cov, pd.DataFrame):
        if not (set(cov.index) == set(labels) and set(cov.columns) == set(labels)):
            raise DataError("the covariance of `prior` must be indexed (rows and columns) by "
                            "the items of its scores.")
        cov = cov.loc[labels, labels]
    try:
        c = np.asarray(cov, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the covariance of `prior` must be a numeric matrix; {exc}.") from exc
    if c.shape != (s.size, s.size):
        raise ValueError(f"the covariance of `prior` must be ({s.size}, {s.size}) for "
                         f"{s.size} scores; got shape {c.shape}.")
    if not (np.all(np.isfinite(s)) and np.all(np.isfinite(c))):
        raise ValueError("the scores and covariance of `prior` must be finite.")
    scale = max(float(np.max(np.abs(c))), 1e-300)
    if np.max(np.abs(c - c.T)) > 1e-8 * scale:
        raise ValueError("the covariance of `prior` must be symmetric.")
    c = _centre_covariance(c)
    lam = np.linalg.eigvalsh(c)
    if lam[0] < -1e-8 * max(lam[-1], 0.0):
        raise ValueError(f"the covariance of `prior` must be positive semi-definite; its "
                         f"smallest eigenvalue (centred) is {lam[0]:.3g}.")
    return labels, s - s.mean(), c, "logit", None


def _uniform_prior(items, candidates):
    if items is None:
        if candidates is None:
            raise ValueError("`prior=None` (a uniform prior) needs the items: pass "
                             "items=<number of items or their labels>, or `candidates`.")
        first, second = _candidate_columns(candidates)
        labels = pd.Index(pd.unique(np.concatenate([first, second])))
    elif isinstance(items, numbers.Integral) and not isinstance(items, bool):
        _v.check_number(items, "items", low=2, integer=True)
        labels = pd.RangeIndex(int(items))
    else:
        labels = pd.Index(items)
        if labels.has_duplicates:
            raise DataError(f"`items` must be unique labels; repeated: "
                            f"{labels[labels.duplicated()].unique().tolist()[:_SHOWN]}.")
    n = len(labels)
    if n < 2:
        raise ValueError(f"a comparison needs at least two items; got {n}.")
    cov = np.eye(n) - 1.0 / n
    return labels, np.zeros(n), cov, "logit", None


def _prior_iv(prior, items, candidates):
    if prior is None:
        return _uniform_prior(items, candidates)
    if items is not None:
        raise ValueError("`items` applies to prior=None (a uniform prior) only: a fit or a "
                         "(scores, covariance) prior names its items.")
    if isinstance(prior, PairwiseFit):
        return _prior_from_fit(prior)
    if isinstance(prior, (pd.Series, np.ndarray)) or (
            isinstance(prior, (list, tuple)) and len(prior) != 2):
        raise ValueError("`prior` needs a covariance as well as scores: pass a fit, or "
                         "prior=(scores, covariance), e.g. (fit.scores, fit.covariance), or "
                         "None for a uniform prior.")
    if isinstance(prior, (list, tuple)):
        return _prior_from_pair(*prior)
    if isinstance(prior, dict):
        missing = {"scores", "covariance"} - set(prior)
        if missing:
            raise ValueError(f"a dict `prior` needs the keys 'scores' and 'covariance'; "
                             f"missing {sorted(missing)}.")
        return _prior_from_pair(prior["scores"], prior["covariance"])
    raise TypeError(f"`prior` must be a fit (btstats.fit), a (scores, covariance) pair, or "
                    f"None (a uniform prior); got {type(prior).__name__}.")


def _candidate_columns(candidates):
    if isinstance(candidates, pd.DataFrame):
        if not {"item_a", "item_b"} <= set(candidates.columns):
            raise ValueError(f"a DataFrame of `candidates` needs the columns 'item_a' and "
                             f"'item_b'; got {list(candidates.columns)}.")
        return (np.asarray(candidates["item_a"], dtype=object),
                np.asarray(candidates["item_b"], dtype=object))
    if isinstance(candidates, (str, bytes)) or not hasattr(candidates, "__iter__"):
        raise ValueError("`candidates` must be a list of (item_a, item_b) pairs, an (m, 2) "
                         "array, or a DataFrame with columns item_a and item_b.")
    rows = list(candidates)
    if not all(isinstance(r, (list, tuple, np.ndarray)) and len(r) == 2 for r in rows):
        raise ValueError("`candidates` must hold pairs: each row two item labels (an (m, 2) "
                         "array or a list of (item_a, item_b)).")
    first = np.empty(len(rows), dtype=object)
    second = np.empty(len(rows), dtype=object)
    for t, (x, y) in enumerate(rows):
        first[t], second[t] = x, y
    return first, second


def _codes(labels, values):
    try:
        pos = labels.get_indexer(pd.Index(list(values), dtype=object))
    except (TypeError, ValueError):
        pos = np.full(len(values), -1)
    if labels.dtype.kind in "iu" and np.any(pos < 0):
        # integer labels given as numpy integers or floats of whole numbers
        try:
            pos = labels.get_indexer(pd.Index(np.asarray(values, dtype=np.int64)))
        except (TypeError, ValueError):
            pass
    return np.asarray(pos)


def _candidates_iv(candidates, labels):
    n = len(labels)
    if candidates is None:
        n_all = n * (n - 1) // 2
        if n_all > _MAX_DEFAULT_CANDIDATES:
            raise ValueError(f"all {n_all:,} pairs of {n:,} items are too many candidates; "
                             f"pass `candidates` (e.g. pairs of items near each other).")
        ci, cj = np.triu_indices(n, 1)
        return ci.astype(np.int64), cj.astype(np.int64)
    first, second = _candidate_columns(candidates)
    if first.size == 0:
        raise DataError("`candidates` is empty: give at least one pair.")
    ci, cj = _codes(labels, first), _codes(labels, second)
    bad = np.concatenate([first[ci < 0], second[cj < 0]])
    if bad.size:
        shown = list(pd.unique(bad))[:_SHOWN]
        raise DataError(f"`candidates` names items that the prior does not have: {shown}. "
                        f"Use the labels of the fit (fit.items).")
    same = ci == cj
    if np.any(same):
        raise DataError(f"`candidates` pairs an item with itself: "
                        f"{list(pd.unique(first[same]))[:_SHOWN]}; drop those rows.")
    # one candidate per unordered pair (the first orientation given)
    key = np.minimum(ci, cj) * n + np.maximum(ci, cj)
    _, first_seen = np.unique(key, return_index=True)
    keep = np.sort(first_seen)
    return ci[keep].astype(np.int64), cj[keep].astype(np.int64)


def _propose_pairs_iv(prior, n_pairs, items, candidates, criterion, k, replace, information,
                      rng):
    _v.check_choice(criterion, "criterion", CRITERIA)
    _v.check_choice(information, "information", INFORMATION)
    _v.check_number(n_pairs, "n_pairs", integer=True)
    if n_pairs < 1:
        raise ValueError(f"`n_pairs` must be >= 1 (the number of comparisons to propose); "
                         f"got {n_pairs!r}.")
    _v.check_choice(replace, "replace", (True, False))
    gen = _v.as_generator(rng)
    labels, s, cov, link_name, eta = _prior_iv(prior, items, candidates)
    ci, cj = _candidates_iv(candidates, labels)
    if not replace and n_pairs > ci.size:
        raise ValueError(f"`n_pairs` ({n_pairs}) exceeds the {ci.size:,} candidate pairs with "
                         f"replace=False; ask for fewer, or allow repeats with replace=True.")
    n = len(labels)
    if criterion == "top-k":
        if k is None:
            raise ValueError(f"criterion='top-k' needs `k`, the size of the top set "
                             f"(1 <= k < {n}).")
        _v.check_number(k, "k", integer=True)
        if not 1 <= k < n:
            raise ValueError(f"`k` must be between 1 and n_items - 1 = {n - 1}; got {k!r}.")
        k = int(k)
    elif k is not None:
        raise ValueError("`k` applies to criterion='top-k' only.")
    return labels, s, cov, link_name, eta, ci, cj, int(n_pairs), k, bool(replace), gen


# --------------------------------------------------------------------------- greedy batch
def _top_k_weights(s, cov, k):
    """``M = sum_l omega_l g_l g_l'`` with ``g_l = e_l - (e_t + e_u) / 2`` the distance of item
    ``l`` to the boundary between the k-th (``t``) and (k+1)-th (``u``) items by score, and
    ``omega_l = pi_l (1 - pi_l)``, ``pi_l = Phi(g_l's / sd(g_l's))`` the probability that
    ``l`` is in the top set."""
    n = s.size
    order = np.argsort(-s, kind="stable")
    t, u = order[k - 1], order[k]
    h = np.zeros(n)
    h[t] += 0.5
    h[u] += 0.5
    ch = cov @ h
    var = np.maximum(np.diag(cov) - 2.0 * ch + h @ ch, 0.0)
    delta = s - h @ s
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(var > 0, delta / np.sqrt(var), np.sign(delta) * np.inf)
    pi = special.ndtr(z)
    omega = pi * (1.0 - pi)
    total = float(omega.sum())
    return (np.diag(omega) - np.outer(h, omega) - np.outer(omega, h)
            + total * np.outer(h, h))


def _greedy(cov, ci, cj, w, n_pairs, criterion, weights, replace, key):
    """Choose ``n_pairs`` candidates one at a time, each the best given those before it.

    Returns the chosen candidate indices, their gains and the variance of each chosen
    difference just before it was added."""
    S = np.array(cov, dtype=float, copy=True)
    diag = np.diag(S)
    V = np.maximum(diag[ci] + diag[cj] - 2.0 * S[ci, cj], 0.0)
    linear = criterion in ("a-optimal", "top-k")
    if linear:
        G = S @ S if weights is None else S @ weights @ S
        gd = np.diag(G)
        Q = np.maximum(gd[ci] + gd[cj] - 2.0 * G[ci, cj], 0.0)
    avail = np.ones(ci.size, dtype=bool)
    chosen = np.empty(n_pairs, dtype=np.int64)
    gains = np.empty(n_pairs)
    before = np.empty(n_pairs)
    for step in range(n_pairs):
        if criterion == "d-optimal":
            gain = np.log1p(w * V)
        elif criterion == "uncertainty":
            gain = np.sqrt(V) - np.sqrt(V / (1.0 + w * V))
        else:
            gain = w * Q / (1.0 + w * V)
        if not replace:
            gain[~avail] = -np.inf
        c = int(np.argmax(gain))
        top = float(gain[c])
        floor = top - TIE_RTOL * max(abs(top), 1e-300)
        if np.count_nonzero(gain >= floor) > 1:
            tied = np.flatnonzero(gain >= floor)
            c = int(tied[np.argmin(key[tied])])
        i, j = ci[c], cj[c]
        chosen[step], gains[step], before[step] = c, max(float(gain[c]), 0.0), V[c]
        avail[c] = False
        a = S[:, i] - S[:, j]
        beta = w[c] / (1.0 + w[c] * V[c])
        da = a[ci] - a[cj]
        if linear:
            ma = a if weights is None else weights @ a
            db = S @ ma
            db = db[ci] - db[cj]
            Q -= 2.0 * beta * da * db - beta * beta * float(a @ ma) * da * da
            np.maximum(Q, 0.0, out=Q)
        V -= beta * da * da
        np.maximum(V, 0.0, out=V)
        S -= np.outer(beta * a, a)
    return chosen, gains, before


def propose_pairs(prior: Any, n_pairs: int, *, items: Any = None, candidates: Any = None,
                  criterion: str = "d-optimal", k: int | None = None, replace: bool = True,
                  information: str = "averaged",
                  rng: int | np.random.Generator | None = None) -> PairProposal:
    r"""Propose the next comparisons: a batch chosen greedily by an optimal-design criterion.

    Parameters
    ----------
    prior : PairwiseFit, (scores, covariance) or None
        What is known: a fit (:func:`btstats.fit` of Bradley-Terry, Thurstone, Rao-Kupper or
        Glenn-David, without order effect or covariates: its centred scores, covariance and
        model); or a pair ``(scores, covariance)`` (Series / DataFrame by item label, or
        arrays), read under the Bradley-Terry model; or ``None``: a uniform prior, equal
        scores with covariance ``I - 11'/n`` (unit variances, centred), which needs
        ``items`` or ``candidates``.
    n_pairs : int
        Number of comparisons to propose, at least 1.
    items : int or sequence, optional
        With ``prior=None``: the number of items (labels ``0 .. n - 1``) or their labels;
        default the items of ``candidates``.
    candidates : array_like or DataFrame, optional
        The pairs that may be shown: rows ``(item_a, item_b)`` of item labels, or a
        DataFrame with columns ``item_a`` and ``item_b``; a pair given twice (either
        orientation) counts once.  Default: every pair of the items (``i < j`` in item
        order).
    criterion : {"d-optimal", "a-optimal", "top-k", "uncertainty"}
        What a comparison is worth (see Notes).
    k : int, optional
        Size of the top set, ``1 <= k < n_items``: required for ``criterion="top-k"``,
        refused otherwise.
    replace : bool, default True
        Whether one pair may be proposed several times in the batch (each repeat is worth
        less than the one before, so the criterion spreads the batch by itself); False:
        every candidate at most once.
    information : {"averaged", "plug-in"}
        The information ``w_ij`` of a comparison: ``"averaged"`` (the default) averages it
        over the current uncertainty of ``s_i - s_j``, ``N(d_ij, v_ij)``; ``"plug-in"``
        evaluates it at the estimate ``d_ij`` (the locally optimal design, which trusts
        an early estimate too much: see Notes).
    rng : None, int or numpy.random.Generator
        Breaks ties between equally good pairs (a random priority per candidate, drawn once):
        the same seed gives the same batch.

    Returns
    -------
    PairProposal
        ``pairs``, ``gain``, ``win_probability``, ``sd_difference``; ``to_frame()`` lists
        ``item_a, item_b, gain, ...`` in the order chosen, ``to_design()`` makes a
        :class:`~btstats.simulate.Design` of them.

    Raises
    ------
    DataError
        When ``candidates`` names unknown items or pairs an item with itself.
    ValueError
        For a bad ``n_pairs``, ``criterion`` or ``k``, or a prior without a covariance.

    Notes
    -----
    Write ``Sigma`` for the covariance of the centred scores (the inverse of the
    information ``J`` in the sum-to-zero subspace), ``d = e_i - e_j`` and
    ``v_ij = d' Sigma d = Var(s_i - s_j)``.  One more comparison of ``(i, j)`` adds
    ``w_ij d d'`` to the information, with ``w_ij`` its Fisher information about
    ``s_i - s_j``: ``p (1 - p)`` at ``p = F(s_i - s_j)`` for Bradley-Terry,
    ``sum_k P_k'(d)^2 / P_k(d)`` over the outcomes for the probit and tie models (the
    tie threshold held at its estimate).  With ``information="averaged"`` it is averaged
    over ``s_i - s_j ~ N(d_ij, v_ij)`` (24-point Gauss-Hermite), the pseudo-Bayesian
    design of Chaloner and Verdinelli (1995): a pair whose difference is uncertain keeps
    some value even if the estimate puts it far apart, so an item that an early, sparse
    fit has pushed to an extreme score is still compared; ``"plug-in"`` evaluates ``w`` at
    the estimate (the locally optimal design).  By the matrix determinant lemma and
    Sherman-Morrison,

    .. math::

        \log\det(J + w d d') - \log\det J = \log(1 + w_{ij} v_{ij}),
        \qquad
        \Sigma' = \Sigma - \frac{w_{ij}}{1 + w_{ij} v_{ij}} \Sigma d d' \Sigma,

    both in the sum-to-zero subspace (``d`` sums to zero).  The gains are

    - ``"d-optimal"``: ``log(1 + w v)``, the increase of ``log det J``; twice the expected
      information gain (mutual information, in nats) about the scores under the Gaussian
      approximation;
    - ``"a-optimal"``: ``w d' Sigma^2 d / (1 + w v)``, the decrease of ``trace(Sigma)``;
    - ``"top-k"``: ``w d' Sigma M Sigma d / (1 + w v)``, the decrease of
      ``trace(M Sigma) = sum_l omega_l Var(s_l - c)``, with ``c = (s_t + s_u) / 2`` the
      boundary between the k-th and (k+1)-th items by score and
      ``omega_l = pi_l (1 - pi_l)``, ``pi_l = Phi((s_l - c) / sd(s_l - c))`` the
      probability that item ``l`` belongs to the top ``k``: the variances that matter are
      those of items whose membership is uncertain, near the boundary (an L-optimal design
      with a data-dependent weight matrix, fixed within the batch);
    - ``"uncertainty"``: ``sqrt(v) - sqrt(v / (1 + w v))``, the decrease of the standard
      deviation of ``s_i - s_j`` itself, the rule of the Chatbot Arena paper (which samples
      pairs in proportion to it; here the best is taken).

    The batch is built greedily: the best candidate is taken, ``Sigma`` is updated by the
    rank-one formula above (the gains of all candidates with it, in ``O(n^2 + m)`` for
    ``m`` candidates), and so on.  The outcomes of the batch are unknown, so the scores
    (and ``w``) stay at their current values within it: a locally optimal design, to be
    re-proposed after the batch is observed and refitted.  Greedy maximisation of
    ``log det`` is the classical sequential construction of D-optimal designs (Pukelsheim
    1993); the ``log det`` gain is a monotone submodular set function, so the greedy batch
    is within ``1 - 1/e`` of the best batch of its size.  Gains within a relative
    ``1e-12`` of the best are ties, broken by a random priority of the candidates drawn
    from ``rng``.

    References
    ----------
    .. [1] Chiang, W.-L., Zheng, L., Sheng, Y., Angelopoulos, A. N., Li, T., Li, D., Zhu, B.,
       Zhang, H., Jordan, M. I., Gonzalez, J. E. and Stoica, I. (2024). Chatbot Arena: an
       open platform for evaluating LLMs by human preference. ICML 2024, arXiv:2403.04132
       (the section on active sampling).
    .. [2] Pukelsheim, F. (1993). Optimal Design of Experiments. Wiley (D-, A- and linear
       (L-) optimality).
    .. [3] Chaloner, K. and Verdinelli, I. (1995). Bayesian experimental design: a review.
       Statistical Science 10(3), 273-304.
    .. [4] Graßhoff, U. and Schwabe, R. (2008). Optimal design for the Bradley-Terry paired
       comparison model. Statistical Methods and Applications 17, 275-289.

    Examples
    --------
    >>> import btstats
    >>> from btstats.simulate.adaptive import propose_pairs
    >>> res = btstats.fit(btstats.load_example("baseball"))
    >>> prop = propose_pairs(res, 3, rng=0)
    >>> prop.to_frame().round(3)
          item_a     item_b   gain  win_probability  sd_difference
    0  Baltimore  Cleveland  0.024            0.335          0.332
    1  Baltimore  Cleveland  0.023            0.335          0.328
    2    Detroit  Milwaukee  0.023            0.464          0.311

    The best two teams are Milwaukee and Detroit, then Toronto and New York close behind:
    the top-2 criterion spends its comparisons at that boundary.

    >>> propose_pairs(res, 2, criterion="top-k", k=2, rng=0).to_frame()[["item_a", "item_b"]]
         item_a    item_b
    0   Detroit  New York
    1  New York   Toronto
    """
    labels, s, cov, link_name, eta, ci, cj, n_pairs, k, replace, gen = _propose_pairs_iv(
        prior, n_pairs, items, candidates, criterion, k, replace, information, rng)
    key = gen.permutation(ci.size)
    d = s[ci] - s[cj]
    if information == "averaged":
        diag = np.diag(cov)
        w = _averaged_weight(d, diag[ci] + diag[cj] - 2.0 * cov[ci, cj], link_name, eta)
    else:
        w = _information_weight(d, link_name, eta)
    weights = _top_k_weights(s, cov, k) if criterion == "top-k" else None
    chosen, gains, before = _greedy(cov, ci, cj, w, n_pairs, criterion, weights, replace,
                                    key)
    pa = _link_cdf(link_name, d[chosen] - (0.0 if eta is None else eta))
    return PairProposal(pairs=np.stack([ci[chosen], cj[chosen]], axis=1), items=labels,
                        gain=gains, win_probability=pa, sd_difference=np.sqrt(before),
                        criterion=criterion, k=k, replace=replace)


# --------------------------------------------------------------------------- the study
@dataclass(frozen=True, eq=False, repr=False)
class AdaptiveStudy(ResultBase):
    """The result of :func:`adaptive_study`: the measures of every replicate, strategy and
    round, and what they say about the comparisons saved.

    Attributes
    ----------
    results : pandas.DataFrame
        One row per (replicate, strategy, round): ``rep``, ``strategy``, ``round``,
        ``n_comparisons`` and the measures ``score_ci_width``, ``rank_width``,
        ``top_k_accuracy``, ``score_rmse`` (see :func:`adaptive_study`).
    n_items, k, budget, batch, start, n_reps : int
    strategies : tuple of str
    penalty, confidence_level : float
    """

    results: pd.DataFrame
    n_items: int
    k: int
    budget: int
    batch: int
    start: int
    n_reps: int
    strategies: tuple
    penalty: float
    confidence_level: float

    def to_frame(self):
        """:attr:`results`, one row per (replicate, strategy, round)."""
        return self.results.copy()

    def curves(self, metric="rank_width"):
        """The mean of a measure over the replicates: indexed by ``n_comparisons``, one
        column per strategy."""
        _v.check_choice(metric, "metric", tuple(METRICS))
        table = self.results.pivot_table(index="n_comparisons", columns="strategy",
                                         values=metric, aggfunc="mean")
        return table[list(self.strategies)]

    def comparisons_needed(self, metric="rank_width", target=None, *, baseline="uniform"):
        """Comparisons each strategy needs, on average, to reach a target value of a measure.

        Parameters
        ----------
        metric : {"score_ci_width", "rank_width", "top_k_accuracy", "score_rmse"}
        target : float, optional
            The value to reach (at most it for widths and errors, at least it for the
            accuracy).  Default: what ``baseline`` reaches with the whole budget.
        baseline : str, default "uniform"
            The strategy the others are compared with.

        Returns
        -------
        pandas.DataFrame
            By strategy: ``comparisons`` (the first crossing of the mean curve, linearly
            interpolated between rounds; NaN when it never gets there), ``fewer``
            (baseline's comparisons minus these) and ``saving`` (``fewer`` as a share of
            the baseline's).
        """
        _v.check_choice(baseline, "baseline", self.strategies)
        curves = self.curves(metric)
        x = curves.index.to_numpy(dtype=float)
        higher = METRICS[metric]
        if target is None:
            target = float(curves[baseline].iloc[-1])
        target = float(_v.check_number(target, "target"))
        need = {name: _first_crossing(x, curves[name].to_numpy(dtype=float), target, higher)
                for name in self.strategies}
        base = need[baseline]
        out = pd.DataFrame({"comparisons": pd.Series(need)}, dtype=float)
        out["fewer"] = base - out["comparisons"]
        out["saving"] = out["fewer"] / base
        out.index.name = "strategy"
        out.columns.name = f"{metric} to {target:.4g}"
        return out

    _frame_format = {"float_format": lambda x: f"{x:.3f}"}

    @property
    def _summary_title(self):
        return "Adaptive design study"

    def _header(self):
        return [("items", f"{self.n_items:,}"), ("k (top-k)", f"{self.k}"),
                ("budget", f"{self.budget:,} (start {self.start:,}, batches of "
                           f"{self.batch:,})"),
                ("replicates", f"{self.n_reps}"), ("penalty", f"{self.penalty:g}")]

    def _summary_frame(self):
        parts = {}
        for metric in ("rank_width", "top_k_accuracy", "score_ci_width"):
            parts[metric] = self.comparisons_needed(metric)["comparisons"]
        table = pd.DataFrame(parts)
        table.columns.name = "comparisons to reach uniform's final value"
        return table

    def _sections(self):
        return [("Mean rank width (arena rank bounds) by comparisons",
                 self.curves("rank_width"))]

    def __repr__(self):
        return (f"AdaptiveStudy({self.n_items:,} items, budget {self.budget:,}, "
                f"{self.n_reps} replicates, strategies {list(self.strategies)})")


def _first_crossing(x, y, target, higher):
    reached = y >= target if higher else y <= target
    if not reached.any():
        return float("nan")
    t = int(np.argmax(reached))
    if t == 0:
        return float(x[0])
    y0, y1 = y[t - 1], y[t]
    frac = 1.0 if y1 == y0 else (target - y0) / (y1 - y0)
    return float(x[t - 1] + min(max(frac, 0.0), 1.0) * (x[t] - x[t - 1]))


def _adaptive_study_iv(n_items, budget, batch, strategies, k, n_reps, start, scores,
                       score_sd, penalty, confidence_level):
    _v.check_number(n_items, "n_items", integer=True)
    if n_items < 3:
        raise ValueError(f"`n_items` must be >= 3 (a top set and the rest); got {n_items!r}.")
    n = int(n_items)
    if start is None:
        start = 2 * n
    _v.check_number(start, "start", integer=True)
    if start < n:
        raise ValueError(f"`start` must be >= n_items ({n}): the start design is a spanning "
                         f"cycle plus random pairs (sparse_connected); got {start!r}.")
    _v.check_number(budget, "budget", integer=True)
    if budget < start:
        raise ValueError(f"`budget` (all comparisons, the start design's included) must be "
                         f">= start ({start}); got {budget!r}.")
    _v.check_number(batch, "batch", low=1, integer=True)
    if isinstance(strategies, str):
        strategies = (strategies,)
    strategies = tuple(strategies)
    if not strategies:
        raise ValueError(f"`strategies` must name at least one of {list(STRATEGIES)}.")
    for name in strategies:
        _v.check_choice(name, "strategies", STRATEGIES)
    if len(set(strategies)) != len(strategies):
        raise ValueError("`strategies` names a strategy twice.")
    if k is None:
        k = max(1, n // 10)
    _v.check_number(k, "k", integer=True)
    if not 1 <= k < n:
        raise ValueError(f"`k` must be between 1 and n_items - 1 = {n - 1}; got {k!r}.")
    _v.check_number(n_reps, "n_reps", low=1, integer=True)
    if scores is not None:
        s = np.asarray(scores.to_numpy() if isinstance(scores, pd.Series) else scores,
                       dtype=float)
        if s.shape != (n,) or not np.all(np.isfinite(s)):
            raise ValueError(f"`scores` must be {n} finite true scores (one per item); got "
                             f"shape {s.shape}.")
        scores = s
    score_sd = float(_v.check_number(score_sd, "score_sd", low=0.0))
    if penalty is None:
        spread = float(np.var(scores)) if scores is not None else score_sd ** 2
        penalty = 1.0 / spread if spread > 0 else 1.0
    penalty = float(_v.check_number(penalty, "penalty", low=0.0))
    level = _v.check_confidence_level(confidence_level)
    return (n, int(budget), int(batch), strategies, int(k), int(n_reps), int(start), scores,
            score_sd, penalty, level)


def _outcome_codes(sim):
    out = sim.data["outcome"].to_numpy()
    return np.where(out == 1.0, 0, np.where(out == 0.0, 1, 2)).astype(np.int8)


def _measures(res, truth, true_top, k, z, level):
    se = res.standard_errors.to_numpy()
    est = res.scores.to_numpy()
    ci = res.confidence_interval(level)
    width = rank_lower_bound(ci).to_numpy() - rank_upper_bound(ci).to_numpy()
    top = np.argsort(-est, kind="stable")[:k]
    return {"score_ci_width": float(np.mean(2.0 * z * se)),
            "rank_width": float(np.mean(width)),
            "top_k_accuracy": len(np.intersect1d(top, true_top)) / k,
            "score_rmse": float(np.sqrt(np.mean((est - truth) ** 2)))}


def adaptive_study(n_items: int, budget: int, batch: int, *,
                   strategies: Any = ("uniform", "d-optimal", "top-k"), k: int | None = None,
                   n_reps: int = 10, start: int | None = None, scores: Any = None,
                   score_sd: float = 1.0, penalty: float | None = None,
                   confidence_level: float = 0.95, information: str = "averaged",
                   rng: int | np.random.Generator | None = None) -> AdaptiveStudy:
    r"""A budgeted simulation study: adaptive pair choice against uniformly random pairs.

    Each replicate draws true scores, a connected start design and its outcomes; then every
    strategy, from that same start, runs rounds of "fit, choose a batch of comparisons,
    simulate their outcomes from the true scores, refit" until the budget is spent,
    recording after every fit how well the items are ranked.

    Parameters
    ----------
    n_items : int
        Number of items, at least 3.
    budget : int
        All comparisons of a run, the start design's included.
    batch : int
        Comparisons added per round (the last round takes what is left of the budget).
    strategies : sequence of str
        Among ``"uniform"`` (pairs uniformly at random, :func:`~btstats.simulate.random_pairs`)
        and the criteria of :func:`propose_pairs`: ``"d-optimal"``, ``"a-optimal"``,
        ``"top-k"``, ``"uncertainty"``.
    k : int, optional
        Size of the top set for ``"top-k"`` and the ``top_k_accuracy`` measure; default
        ``max(1, n_items // 10)``.
    n_reps : int, default 10
        Replicates (true scores and start designs).
    start : int, optional
        Comparisons of the start design, :func:`~btstats.simulate.sparse_connected` (a random
        spanning cycle plus random pairs), at least ``n_items``; default ``2 * n_items``.
    scores : array_like, optional
        Fixed true scores for every replicate; default: drawn ``N(0, score_sd^2)`` per
        replicate.
    score_sd : float, default 1
        Spread of the drawn true scores.
    penalty : float, optional
        The ridge penalty of every fit (:func:`btstats.fit`, ``penalty=``).  Default: the
        prior the true scores come from, ``1 / score_sd**2`` (``1 / var(scores)`` for fixed
        scores; 1 when they are all equal), so that each fit is the posterior mode.  Early
        on a sparse design's win graph is often not strongly connected and the
        maximum-likelihood estimate does not exist: any penalty keeps the fits finite, but
        a very small one (``0.01``) lets the early estimates run to extreme values, and an
        adaptive strategy that trusts them compares the wrong pairs (see the docs page,
        "when it helps").  ``0`` fits the MLE and raises :class:`~btstats.NoMLEError` when
        it does not exist.
    confidence_level : float, default 0.95
        Level of the score intervals behind ``score_ci_width`` and ``rank_width``.
    information : {"averaged", "plug-in"}
        Passed to :func:`propose_pairs`.
    rng : None, int or numpy.random.Generator
        Seeds the whole study: the same seed gives the same table.

    Returns
    -------
    AdaptiveStudy
        ``results`` (one row per replicate, strategy and round), ``curves(metric)``,
        ``comparisons_needed(metric)`` (how many comparisons each strategy needs to reach
        what uniform pairs reach with the whole budget), ``summary()``.

    Notes
    -----
    The measures, after each fit (Bradley-Terry, Wald intervals at ``confidence_level``):

    - ``score_ci_width``: the mean width ``2 z se_i`` of the score intervals;
    - ``rank_width``: the mean width ``LB_i - UB_i`` of the arena's rank range from those
      intervals (:func:`~btstats.rank_upper_bound`, :func:`~btstats.rank_lower_bound`): 0
      when an item's interval overlaps no other, ``n - 1`` when it overlaps all;
    - ``top_k_accuracy``: the share of the true top ``k`` among the fitted top ``k``;
    - ``score_rmse``: the root mean squared error of the centred scores.

    Common random numbers: within a replicate every strategy starts from the same scores,
    start design and start outcomes, and each strategy draws from its own stream (seeded by
    the replicate and the strategy's name), so adding a strategy changes no other's numbers.

    Examples
    --------
    >>> from btstats.simulate.adaptive import adaptive_study
    >>> study = adaptive_study(8, 80, 16, n_reps=2, rng=1)
    >>> study
    AdaptiveStudy(8 items, budget 80, 2 replicates, strategies ['uniform', 'd-optimal', 'top-k'])
    >>> study.curves("rank_width").shape        # 5 rounds (16, 32, ..., 80 comparisons)
    (5, 3)
    >>> list(study.comparisons_needed("rank_width").columns)
    ['comparisons', 'fewer', 'saving']
    """
    (n, budget, batch, strategies, k, n_reps, start, fixed, score_sd, penalty,
     level) = _adaptive_study_iv(n_items, budget, batch, strategies, k, n_reps, start,
                                 scores, score_sd, penalty, confidence_level)
    _v.check_choice(information, "information", INFORMATION)
    gen = _v.as_generator(rng)
    z = float(special.ndtri(0.5 + level / 2.0))
    items = pd.RangeIndex(n)
    rows = []
    for rep in range(n_reps):
        seed = int(gen.integers(0, 2 ** 63 - 1))
        rep_gen = np.random.default_rng(np.random.SeedSequence([seed, len(STRATEGIES)]))
        truth = fixed.copy() if fixed is not None else rep_gen.normal(0.0, score_sd, n)
        truth = truth - truth.mean()
        true_top = np.argsort(-truth, kind="stable")[:k]
        design = sparse_connected(n, start, rng=rep_gen)
        sim = simulate(truth, design, rng=rep_gen)
        a0, b0, o0 = design.a.astype(np.int64), design.b.astype(np.int64), _outcome_codes(sim)
        for name in strategies:
            stream = np.random.default_rng(
                np.random.SeedSequence([seed, STRATEGIES.index(name)]))
            a, b, o = [a0], [b0], [o0]
            used, rnd = start, 0
            while True:
                data = Comparisons(items, np.concatenate(a), np.concatenate(b),
                                   np.concatenate(o))
                res = _fit(data, penalty=penalty)
                rows.append({"rep": rep, "strategy": name, "round": rnd,
                             "n_comparisons": used,
                             **_measures(res, truth, true_top, k, z, level)})
                m = min(batch, budget - used)
                if m <= 0:
                    break
                if name == "uniform":
                    next_design = random_pairs(n, m, rng=stream)
                else:
                    next_design = propose_pairs(res, m, criterion=name,
                                                k=k if name == "top-k" else None,
                                                information=information,
                                                rng=stream).to_design()
                drawn = simulate(truth, next_design, rng=stream)
                a.append(next_design.a.astype(np.int64))
                b.append(next_design.b.astype(np.int64))
                o.append(_outcome_codes(drawn))
                used += m
                rnd += 1
    results = pd.DataFrame(rows)
    return AdaptiveStudy(results=results, n_items=n, k=k, budget=budget, batch=batch,
                         start=start, n_reps=n_reps, strategies=strategies, penalty=penalty,
                         confidence_level=level)
