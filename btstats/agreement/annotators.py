r"""Annotator quality: a discrimination ``beta_k`` per annotator, fitted by exact likelihood.

Each annotator ``k`` sees the score difference ``d = s_a - s_b`` through her own quality
``beta_k`` (and, optionally, a pull ``gamma_k`` towards the item shown first)::

    P(k labels a better) = F(beta_k d + gamma_k x),   x = +1 if a was shown first, -1 if b was

with ``F`` the logistic function (Bradley-Terry) or the normal CDF (Thurstone).
``beta_k = 1`` is an average annotator, ``beta_k > 1`` a sharper one, ``beta_k = 0`` labels
at random, ``beta_k < 0`` is adversarial (prefers the worse item).  This is the model of
crowd-kit's ``NoisyBradleyTerry`` in spirit (Chen et al. 2013, "Pairwise ranking aggregation
in a crowdsourced setting"), but fitted by Newton's method on the exact log-likelihood, with
standard errors from the observed information.

=====================================  ===================================================
:func:`fit_annotators`                 scores and qualities jointly, or qualities given
                                       the scores; optional position bias
:class:`AnnotatorFit`                  the result: ``scores``, ``beta``, standard errors,
                                       ``to_frame()`` (the annotator table with expected
                                       accuracy and flags), ``summary()``
=====================================  ===================================================
"""
import math
import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd

from .. import _validation as _v
from .._kernels import annotators as _ka
from .._kernels import linalg as _la
from .._kernels import likelihood as _likelihood
from ..data.comparisons import as_comparisons
from ..exceptions import ConvergenceWarning, DataError
from ..models.model import pairwise_model

__all__ = ["AnnotatorFit", "fit_annotators", "FLAGS"]

#: Largest number of parameters (items + annotators [x 2]) of the joint fit: it forms the
#: dense Hessian.  Beyond it, fit the scores first and pass them as ``scores=``.
MAX_JOINT_PARAMETERS = 6000
#: Flags of :meth:`AnnotatorFit.to_frame`.
FLAGS = ("ok", "random", "adversarial", "no decisive labels", "unknown")
_DIVERGED = 1e3
#: A Newton decrement g'H^-1 g below this times |loglik| is below its rounding.
_FP_DECREMENT = 1e-14
_POSITION_WORDS = {"a": 1.0, "item_a": 1.0, "left": 1.0, "first": 1.0,
                   "b": -1.0, "item_b": -1.0, "right": -1.0, "second": -1.0}


# =========================================================================== data
def _position_codes(col):
    """``+1`` (item_a shown first), ``-1`` (item_b), ``0`` (missing) from a position column."""
    s = pd.Series(col).reset_index(drop=True)
    missing = s.isna().to_numpy()
    words = s.astype(str).str.strip().str.lower()
    x = np.array(words.map(_POSITION_WORDS).to_numpy(dtype=float, na_value=np.nan))
    x[missing] = 0.0
    bad = np.nonzero(np.isnan(x))[0]
    if bad.size:
        values = pd.unique(s.iloc[bad[:50]].astype(str))[:5].tolist()
        raise DataError(f"the `position` column says which side was shown first: 'a' (item_a) "
                        f"or 'b' (item_b), missing if unknown; rows {_v._rows_text(bad)} hold "
                        f"{values}.")
    return x


def _records(comparisons, position_bias):
    """Aggregate the decisive labels to (annotator, i < j, position) records."""
    extra = comparisons.extra
    if extra is None or "annotator" not in extra.columns:
        raise DataError("fitting annotator qualities needs an `annotator` column (who gave "
                        "each label); name it with annotator='COLUMN'.")
    a, b, outcome, weight = comparisons.rows()
    if comparisons.n_rows != len(a):  # pragma: no cover - aggregated inputs have no extra
        raise DataError("annotator fits need one row per label.")
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    o = np.zeros(a.shape[0], np.int8) if outcome is None else np.asarray(outcome)
    w = np.ones(a.shape[0]) if weight is None else np.asarray(weight, dtype=float)
    ann, ann_labels = _v.factorize_column(extra["annotator"], "annotator")
    n_all = len(ann_labels)
    if position_bias:
        if "position" not in extra.columns:
            raise DataError("position_bias=True needs a `position` column ('a' or 'b': the "
                            "side shown first); name it with position='COLUMN'.")
        x = _position_codes(extra["position"])
    else:
        x = np.zeros(a.shape[0])
    tie = o == 2
    n_labels = np.bincount(ann, weights=w, minlength=n_all)
    n_ties = np.bincount(ann[tie], weights=w[tie], minlength=n_all)
    keep = ~tie & (w > 0)
    a, b, o, w, x, ann = a[keep], b[keep], o[keep], w[keep], x[keep], ann[keep]
    n_dec = np.bincount(ann, weights=w, minlength=n_all)
    active = np.nonzero(n_dec > 0)[0]
    if active.size == 0:
        raise DataError("every label is a tie: there is no decisive label to fit annotator "
                        "qualities on (ties are dropped).")
    remap = np.full(n_all, -1, np.int64)
    remap[active] = np.arange(active.size)
    k = remap[ann]
    n = comparisons.n_items
    flip = a > b
    i = np.where(flip, b, a)
    j = np.where(flip, a, b)
    y = (o == 0) ^ flip                       # label says i is better
    xi = np.where(flip, -x, x)                # +1: i shown first
    key = ((k * n + i) * n + j) * 3 + (xi + 1).astype(np.int64)
    uniq, inv = np.unique(key, return_inverse=True)
    inv = inv.ravel()
    m = uniq.shape[0]
    rec = {
        "k": np.ascontiguousarray(uniq // (3 * n * n), dtype=np.int64),
        "i": np.ascontiguousarray((uniq // (3 * n)) % n, dtype=np.int64),
        "j": np.ascontiguousarray((uniq // 3) % n, dtype=np.int64),
        "x": np.ascontiguousarray(uniq % 3 - 1, dtype=float),
        "wab": np.bincount(inv, weights=w * y, minlength=m),
        "wba": np.bincount(inv, weights=w * ~y, minlength=m),
    }
    info = {"labels": ann_labels, "active": active, "n_labels": n_labels, "n_ties": n_ties,
            "n_decisive": n_dec}
    return rec, info


def _components(n, i, j):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    adj = coo_matrix((np.ones(i.shape[0]), (i, j)), shape=(n, n))
    return connected_components(adj, directed=False)


# =========================================================================== solvers
class _Reducer:
    """The linear constraints ``sum(s) = 0`` and ``sum_k w_k beta_k = 1`` by elimination.

    Item 0's score and the best-labelled annotator's beta are functions of the others, so
    ``theta = theta0 + Z u`` with ``Z`` the identity on the kept coordinates plus two rows
    ``c1``, ``c2``; ``Z' M Z`` is formed in ``O(p**2)``.
    """

    def __init__(self, n, wk, p):
        self.n = n
        self.p = p
        self.e1 = 0
        ref = int(np.argmax(wk))
        self.e2 = n + ref
        keep = np.ones(p, bool)
        keep[[self.e1, self.e2]] = False
        self.keep = np.nonzero(keep)[0].astype(np.int64)
        c1 = np.zeros(p)
        c1[1:n] = -1.0
        c2 = np.zeros(p)
        c2[n:n + wk.shape[0]] = -wk / wk[ref]
        self.c1 = c1[self.keep]
        self.c2 = c2[self.keep]

    def matrix(self, m, sign=1.0):
        """``Z' (sign * m) Z`` (compiled, one pass)."""
        r = self.keep.shape[0]
        out = np.empty((r, r))
        _ka.reduce_matrix(m, float(sign), self.keep, self.e1, self.e2, self.c1, self.c2, out)
        return out

    def vector(self, g):
        return g[self.keep] + self.c1 * g[self.e1] + self.c2 * g[self.e2]

    def expand(self, u):
        d = np.zeros(self.p)
        d[self.keep] = u
        d[self.e1] = self.c1 @ u
        d[self.e2] = self.c2 @ u
        return d

    def covariance(self, x):
        """``Z X Z'`` for the inverse ``X`` of the reduced information."""
        p, kp = self.p, self.keep
        zx = np.zeros((p, x.shape[0]))
        zx[kp] = x
        zx[self.e1] = self.c1 @ x
        zx[self.e2] = self.c2 @ x
        cov = np.zeros((p, p))
        cov[:, kp] = zx
        cov[:, self.e1] = zx @ self.c1
        cov[:, self.e2] = zx @ self.c2
        return 0.5 * (cov + cov.T)


def _objective(link, theta, n, n_ann, with_gamma, rec, penalty, ann_penalty):
    s = theta[:n]
    beta = theta[n:n + n_ann]
    gamma = theta[n + n_ann:] if with_gamma else np.zeros(n_ann)
    f = _ka.annotator_loglik(link, s, beta, gamma, rec["k"], rec["i"], rec["j"], rec["x"],
                             rec["wab"], rec["wba"])
    if penalty:
        f -= 0.5 * penalty * float(s @ s)
    if ann_penalty:
        f -= 0.5 * ann_penalty * float(((beta - 1.0) ** 2).sum() + (gamma * gamma).sum())
    return f


def _derivatives(link, theta, n, n_ann, with_gamma, rec, penalty, ann_penalty, observed):
    p = theta.shape[0]
    grad = np.empty(p)
    hess = np.empty((p, p))
    s = theta[:n]
    beta = theta[n:n + n_ann]
    gamma = theta[n + n_ann:] if with_gamma else np.zeros(n_ann)
    f = _ka.annotator_derivatives(link, s, beta, gamma, rec["k"], rec["i"], rec["j"], rec["x"],
                                  rec["wab"], rec["wba"], with_gamma, observed, grad, hess)
    idx = np.arange(p)
    if penalty:
        f -= 0.5 * penalty * float(s @ s)
        grad[:n] -= penalty * s
        hess[idx[:n], idx[:n]] -= penalty
    if ann_penalty:
        f -= 0.5 * ann_penalty * float(((beta - 1.0) ** 2).sum() + (gamma * gamma).sum())
        grad[n:n + n_ann] -= ann_penalty * (beta - 1.0)
        if with_gamma:
            grad[n + n_ann:] -= ann_penalty * gamma
        hess[idx[n:], idx[n:]] -= ann_penalty
    return f, grad, hess


def _solve_pd(m, g):
    """Solve ``m u = g`` by Cholesky; ``None`` if ``m`` is not positive definite."""
    m = np.ascontiguousarray(m)
    low = np.empty_like(m)
    if _la.cholesky(m, low) != 0:
        return None
    u = _la.cholesky_solve(low, np.ascontiguousarray(g, dtype=float))
    return u if np.all(np.isfinite(u)) else None


def _inverse_pd(m):
    """Inverse of a positive definite matrix, or ``None``."""
    m = np.ascontiguousarray(m)
    low = np.empty_like(m)
    if _la.cholesky(m, low) != 0:
        return None
    return _la.cholesky_inverse(low)


def _solve_small(h, g):
    """Batched solve of ``(K, m, m)`` systems, ``m`` = 1 or 2, in closed form."""
    if h.shape[1] == 1:
        return g / h[:, 0, :]
    det = h[:, 0, 0] * h[:, 1, 1] - h[:, 0, 1] * h[:, 1, 0]
    x0 = (h[:, 1, 1] * g[:, 0] - h[:, 0, 1] * g[:, 1]) / det
    x1 = (h[:, 0, 0] * g[:, 1] - h[:, 1, 0] * g[:, 0]) / det
    return np.column_stack([x0, x1])


def _newton_joint(link, theta, n, n_ann, with_gamma, rec, wk, penalty, ann_penalty, tol,
                  max_iter):
    """Constrained Newton with an Armijo line search; Gauss-Newton where not concave."""
    red = _Reducer(n, wk, theta.shape[0])
    status, it, step = 1, 0, math.inf
    f = _objective(link, theta, n, n_ann, with_gamma, rec, penalty, ann_penalty)
    for it in range(1, max_iter + 1):
        f, g, h = _derivatives(link, theta, n, n_ann, with_gamma, rec, penalty, ann_penalty,
                               True)
        gr = red.vector(g)
        u = _solve_pd(red.matrix(h, -1.0), gr)
        if u is None or gr @ u <= 0:
            _, _, h_gn = _derivatives(link, theta, n, n_ann, with_gamma, rec, penalty,
                                      ann_penalty, False)
            m = red.matrix(h_gn, -1.0)
            lam = 1e-8 * max(float(np.max(np.abs(np.diag(m)))), 1.0)
            for _ in range(20):
                u = _solve_pd(m + lam * np.eye(m.shape[0]), gr)
                if u is not None:
                    break
                lam *= 100.0
            if u is None:
                return 3, it, theta, math.inf
        delta = red.expand(u)
        step = float(np.max(np.abs(delta)))
        slope = float(gr @ u)
        if step < tol:
            theta = theta + delta
            status = 0
            break
        if slope <= _FP_DECREMENT * max(abs(f), 1.0):
            # the predicted gain is below the rounding of the log-likelihood: the gradient
            # is rounding noise, no line search can judge the step
            theta = theta + delta
            status = 2
            break
        t = 1.0
        accepted = False
        for _ in range(40):
            cand = theta + t * delta
            fc = _objective(link, cand, n, n_ann, with_gamma, rec, penalty, ann_penalty)
            if np.isfinite(fc) and fc >= f + 1e-4 * t * slope:
                accepted = True
                break
            t *= 0.5
        if not accepted:
            # no improvement representable in floating point: at the optimum if the step is
            # tiny relative to the parameters
            status = 2
            break
        theta = cand
        if not np.all(np.isfinite(theta)) or np.max(np.abs(theta)) > _DIVERGED:
            return 4, it, theta, step
    return status, it, theta, step


def _newton_given(link, s, beta, gamma, with_gamma, rec, ann_penalty, tol, max_iter):
    """Each annotator's ``(beta_k, gamma_k)`` by Newton with the scores fixed (concave)."""
    n_ann = beta.shape[0]
    grad = np.empty((n_ann, 2))
    hess = np.empty((n_ann, 2, 2))
    m = 2 if with_gamma else 1
    status, step = 1, math.inf
    args = (rec["k"], rec["i"], rec["j"], rec["x"], rec["wab"], rec["wba"])

    def obj(bb, gg):
        f = _ka.annotator_loglik(link, s, bb, gg, *args)
        if ann_penalty:
            f -= 0.5 * ann_penalty * float(((bb - 1.0) ** 2).sum() + (gg * gg).sum())
        return f

    it = 0
    for it in range(1, max_iter + 1):
        f = _ka.annotator_blocks(link, s, beta, gamma, *args, with_gamma, grad, hess)
        if ann_penalty:
            f -= 0.5 * ann_penalty * float(((beta - 1.0) ** 2).sum() + (gamma * gamma).sum())
            grad[:, 0] -= ann_penalty * (beta - 1.0)
            grad[:, 1] -= ann_penalty * gamma
            hess[:, 0, 0] -= ann_penalty
            hess[:, 1, 1] -= ann_penalty
        g = grad[:, :m]
        h = -hess[:, :m, :m]
        h = h + 1e-12 * np.maximum(np.abs(h).max(axis=(1, 2)), 1.0)[:, None, None] * np.eye(m)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = _solve_small(h, g)
        step = float(np.max(np.abs(d)))
        if not np.isfinite(step):
            return 3, it, beta, gamma, step
        if step < tol:
            beta = beta + d[:, 0]
            if with_gamma:
                gamma = gamma + d[:, 1]
            status = 0
            break
        slope = float((g * d).sum())
        if slope <= _FP_DECREMENT * max(abs(f), 1.0):
            beta = beta + d[:, 0]
            if with_gamma:
                gamma = gamma + d[:, 1]
            status = 2
            break
        t = 1.0
        for _ in range(40):
            nb = beta + t * d[:, 0]
            ng = gamma + t * d[:, 1] if with_gamma else gamma
            fc = obj(nb, ng)
            if np.isfinite(fc) and fc >= f + 1e-4 * t * slope:
                break
            t *= 0.5
        else:
            status = 2
            break
        beta, gamma = nb, ng
        if np.max(np.abs(beta)) > _DIVERGED or np.max(np.abs(gamma)) > _DIVERGED:
            return 4, it, beta, gamma, step
    return status, it, beta, gamma, step


def _message(status, n_iter, step, tol):
    if status == 0:
        return True, f"converged in {n_iter} iterations (Newton step {step:.1e} < tol {tol:g})"
    if status == 2:
        if step <= 1e-5:
            return True, (f"converged in {n_iter} iterations to the floating-point limit "
                          f"(Newton step {step:.1e}: the predicted gain is below the rounding "
                          f"of the log-likelihood)")
        return False, (f"stopped after {n_iter} iterations: no step improves the "
                       f"log-likelihood (Newton step {step:.1e}); the estimates may not be "
                       f"the maximum. Pass annotator_penalty= and/or penalty=.")
    if status == 4:
        return False, (f"the estimates diverge after {n_iter} iterations: an annotator whose "
                       f"labels all follow (or all oppose) the current order of the items has "
                       f"no finite quality, or an item never wins. Pass annotator_penalty= "
                       f"(e.g. 1.0: a N(1, 1) prior on each beta) and/or penalty= on the scores.")
    if status == 3:
        return False, (f"the information matrix is singular after {n_iter} iterations; pass "
                       f"penalty= and annotator_penalty= (small, e.g. 0.01).")
    return False, (f"did not converge in {n_iter} iterations (Newton step {step:.1e} > tol "
                   f"{tol:g}). Raise max_iter or pass annotator_penalty=.")


# =========================================================================== result
class AnnotatorFit:
    r"""Annotator qualities and item scores (returned by :func:`fit_annotators`).

    Attributes
    ----------
    scores : pandas.Series
        Centred item scores (log-strengths summing to zero) on the scale of an annotator of
        quality 1.
    beta : pandas.Series
        Quality of each annotator (``NaN`` for one without decisive labels).
    beta_se : pandas.Series
        Standard errors of ``beta``.
    position_bias, position_bias_se : pandas.Series or None
        ``gamma_k``, the additive pull towards the item shown first (on the link's scale),
        when fitted.
    standard_errors : pandas.Series
        Standard errors of the scores (``NaN`` when the scores were given).
    loglik : float
        Log-likelihood of the decisive labels at the estimate (penalties not included).
    converged, n_iter, message
        How the solver went.
    """

    def __init__(self, *, model, items, annotators, info, rec, s, beta, gamma, cov,
                 scores_fixed, penalty, annotator_penalty, converged, n_iter, message):
        self._model = model
        self._items = items
        self._annotators = annotators
        self._info = info
        self._rec = rec
        self._s = np.asarray(s, dtype=float)
        self._beta = np.asarray(beta, dtype=float)
        self._gamma = None if gamma is None else np.asarray(gamma, dtype=float)
        self._cov = cov
        self.scores_fixed = scores_fixed
        self.penalty = penalty
        self.annotator_penalty = annotator_penalty
        self.converged = converged
        self.n_iter = n_iter
        self.message = message

    model = property(lambda self: self._model.name, doc="Model name (the link).")
    items = property(lambda self: self._items, doc="Item labels.")
    annotators = property(lambda self: self._annotators, doc="Annotator labels.")
    n_items = property(lambda self: len(self._items))
    n_annotators = property(lambda self: len(self._annotators))

    @property
    def n_labels(self):
        """Decisive labels fitted (ties are dropped)."""
        return float(self._info["n_decisive"].sum())

    def _full(self, values_active):
        out = np.full(self.n_annotators, np.nan)
        out[self._info["active"]] = values_active
        return out

    @property
    def scores(self):
        """Centred scores by item label."""
        return pd.Series(self._s.copy(), index=self._items, name="score")

    @property
    def beta(self):
        """Quality ``beta_k`` by annotator label."""
        return pd.Series(self._full(self._beta), index=self._annotators, name="beta")

    @property
    def position_bias(self):
        """Position bias ``gamma_k`` by annotator (``None`` when not fitted)."""
        if self._gamma is None:
            return None
        return pd.Series(self._full(self._gamma), index=self._annotators, name="position_bias")

    def _se(self, start, length):
        if self._cov is None:
            return np.full(length, np.nan)
        d = np.diag(self._cov)[start:start + length]
        return np.sqrt(np.maximum(d, 0.0))

    @property
    def standard_errors(self):
        """Standard errors of the centred scores (``NaN`` when the scores were given)."""
        n = self.n_items
        se = np.full(n, np.nan) if self.scores_fixed else self._se(0, n)
        return pd.Series(se, index=self._items, name="se")

    @property
    def beta_se(self):
        k = self._beta.shape[0]
        off = 0 if self.scores_fixed else self.n_items
        return pd.Series(self._full(self._se(off, k)), index=self._annotators, name="beta_se")

    @property
    def position_bias_se(self):
        if self._gamma is None:
            return None
        k = self._beta.shape[0]
        off = (0 if self.scores_fixed else self.n_items) + k
        return pd.Series(self._full(self._se(off, k)), index=self._annotators,
                         name="position_bias_se")

    @property
    def covariance(self):
        """Covariance of the estimated parameters (observed information under the
        constraints), labelled ``score[item]``, ``beta[annotator]``, ``gamma[annotator]``."""
        if self._cov is None:
            return None
        names = [] if self.scores_fixed else [f"score[{i}]" for i in self._items]
        act = self._annotators[self._info["active"]]
        names += [f"beta[{a}]" for a in act]
        if self._gamma is not None:
            names += [f"gamma[{a}]" for a in act]
        return pd.DataFrame(self._cov, index=names, columns=names)

    @property
    def loglik(self):
        g = np.zeros_like(self._beta) if self._gamma is None else self._gamma
        r = self._rec
        return float(_ka.annotator_loglik(self._model.link, self._s, self._beta, g, r["k"],
                                          r["i"], r["j"], r["x"], r["wab"], r["wba"]))

    def expected_accuracy(self):
        """Per annotator: expected and observed share of labels that follow the scores.

        Returns
        -------
        pandas.DataFrame
            ``expected_accuracy``: the mean over the annotator's decisive labels of the
            model's probability that the label names the item with the larger score;
            ``observed_accuracy``: the share that does (equal scores count 1/2).
        """
        r = self._rec
        out = np.empty((self._beta.shape[0], 3))
        g = np.zeros_like(self._beta) if self._gamma is None else self._gamma
        _ka.annotator_accuracy(self._model.link, self._s, self._beta, g, r["k"], r["i"],
                               r["j"], r["x"], r["wab"], r["wba"], out)
        with np.errstate(invalid="ignore", divide="ignore"):
            exp_acc = out[:, 0] / out[:, 2]
            obs_acc = out[:, 1] / out[:, 2]
        return pd.DataFrame({"expected_accuracy": self._full(exp_acc),
                             "observed_accuracy": self._full(obs_acc)},
                            index=pd.Index(self._annotators, name="annotator"))

    def confidence_interval(self, confidence_level=0.95):
        """Wald intervals ``beta -/+ z se`` of the qualities (columns ``low``, ``high``)."""
        z = NormalDist().inv_cdf(0.5 + _v.check_confidence_level(confidence_level) / 2)
        b = self.beta.to_numpy()
        se = self.beta_se.to_numpy()
        return pd.DataFrame({"low": b - z * se, "high": b + z * se}, index=self.beta.index)

    def to_frame(self, confidence_level=0.95):
        r"""The annotator table, one row per annotator.

        Columns: ``n_labels``, ``n_ties`` (dropped), ``beta``, ``se``, ``ci_low``,
        ``ci_high``, ``position_bias`` and its ``position_se`` (when fitted),
        ``expected_accuracy``, ``observed_accuracy`` and ``flag``: ``"adversarial"`` when the
        whole interval lies below 0, ``"random"`` when it contains 0 (quality
        indistinguishable from random labelling), ``"ok"`` otherwise, ``"no decisive
        labels"`` for an annotator who only gave ties, ``"unknown"`` without a standard
        error.
        """
        ci = self.confidence_interval(confidence_level)
        df = pd.DataFrame({"n_labels": _as_count(self._info["n_labels"]),
                           "n_ties": _as_count(self._info["n_ties"]),
                           "beta": self.beta.to_numpy(), "se": self.beta_se.to_numpy(),
                           "ci_low": ci["low"].to_numpy(), "ci_high": ci["high"].to_numpy()},
                          index=pd.Index(self._annotators, name="annotator"))
        if self._gamma is not None:
            df["position_bias"] = self.position_bias.to_numpy()
            df["position_se"] = self.position_bias_se.to_numpy()
        df = pd.concat([df, self.expected_accuracy()], axis=1)
        flag = np.where(df["ci_high"] < 0, "adversarial",
                        np.where(df["ci_low"] <= 0, "random", "ok")).astype(object)
        flag[np.isnan(df["beta"].to_numpy())] = "no decisive labels"
        flag[np.isnan(df["se"].to_numpy()) & ~np.isnan(df["beta"].to_numpy())] = "unknown"
        df["flag"] = flag
        return df

    def item_frame(self, confidence_level=0.95):
        """Scores with standard errors and Wald intervals, best first."""
        z = NormalDist().inv_cdf(0.5 + _v.check_confidence_level(confidence_level) / 2)
        se = self.standard_errors.to_numpy()
        df = pd.DataFrame({"item": self._items, "score": self._s, "se": se,
                           "ci_low": self._s - z * se, "ci_high": self._s + z * se})
        df.insert(0, "rank", df["score"].rank(ascending=False, method="min").astype(int))
        return df.sort_values("rank", kind="stable").reset_index(drop=True)

    def summary(self, confidence_level=0.95):
        """A text report: the fit, then the annotator table."""
        how = "given scores" if self.scores_fixed else "joint with the scores"
        head = [f"Annotator qualities ({self.model}, {how})", "=" * 48,
                f"{'items':<20}{self.n_items}", f"{'annotators':<20}{self.n_annotators}",
                f"{'decisive labels':<20}{self.n_labels:g}",
                f"{'log-likelihood':<20}{self.loglik:.4f}",
                f"{'converged':<20}{self.converged} ({self.n_iter} iterations)"]
        if self.penalty:
            head.append(f"{'penalty':<20}{self.penalty:g} (L2 on the scores)")
        if self.annotator_penalty:
            head.append(f"{'annotator_penalty':<20}{self.annotator_penalty:g} (L2 on beta - 1"
                        f" and gamma)")
        table = self.to_frame(confidence_level).to_string(float_format="%.4f")
        return "\n".join(head) + "\n\n" + table

    def __repr__(self):
        return (f"AnnotatorFit(model={self.model!r}, n_items={self.n_items}, "
                f"n_annotators={self.n_annotators}, n_labels={self.n_labels:g}, "
                f"converged={self.converged})")


def _as_count(x):
    """Integer counts when the (weighted) counts are whole numbers."""
    x = np.asarray(x, dtype=float)
    return x.astype(np.int64) if np.all(x == np.round(x)) else x


# =========================================================================== entry point
def _given_scores(scores, items):
    if hasattr(scores, "scores") and isinstance(getattr(scores, "scores"), pd.Series):
        scores = scores.scores
    if isinstance(scores, pd.Series):
        idx = scores.index.get_indexer(items)
        if np.any(idx < 0):
            missing = list(items[idx < 0][:5])
            raise DataError(f"`scores` has no score for items {missing}.")
        s = scores.to_numpy(dtype=float)[idx]
    else:
        s = np.asarray(scores, dtype=float)
        if s.shape != (len(items),):
            raise DataError(f"`scores` must have one score per item ({len(items)}); got shape "
                            f"{s.shape}. Pass a Series indexed by item label to match by label.")
    if not np.all(np.isfinite(s)):
        raise DataError("`scores` must be finite.")
    return np.ascontiguousarray(s - s.mean())


def fit_annotators(data, model="bradley-terry", *, scores=None, position_bias=False,
                   penalty=0.0, annotator_penalty=0.0, tol=1e-9, max_iter=200, **columns):
    r"""Fit a quality ``beta_k`` per annotator, jointly with the item scores or given them.

    Parameters
    ----------
    data : DataFrame, Comparisons or path
        Individual labels in the long format of :meth:`btstats.Comparisons.from_frame`
        with an ``annotator`` column (and a ``position`` column, ``'a'`` or ``'b'``: the side
        shown first, for ``position_bias``).  Tie labels are dropped.
    model : {"bradley-terry", "thurstone"}
        The link: ``P(label a) = sigma(beta_k d)`` or ``Phi(beta_k d)``.
    scores : PairwiseFit, pandas.Series or array_like, optional
        Known (or previously fitted) scores: then only the qualities are fitted, each
        annotator separately (a one- or two-parameter logistic / probit regression), and
        their scale is that of the given scores.
    position_bias : bool
        Fit ``gamma_k``, an additive term for the item shown first.
    penalty : float
        L2 penalty on the centred scores (``penalty / 2 * sum(s**2)``), as in
        :func:`btstats.fit`; needed when the comparison graph is disconnected or an item
        never wins or never loses.
    annotator_penalty : float
        L2 penalty ``annotator_penalty / 2 * sum((beta_k - 1)**2 + gamma_k**2)``: a
        ``N(1, 1 / annotator_penalty)`` prior on each quality.  Needed when an annotator
        has few labels that all follow the order of the items (her ``beta`` is infinite).
    tol : float
        Stop when the largest Newton step is below ``tol``.
    max_iter : int
        Newton iterations at most.
    **columns
        Column roles, e.g. ``annotator="worker", position="shown_first"``.

    Returns
    -------
    AnnotatorFit

    Notes
    -----
    *Model.*  With ``d = s_a - s_b`` and ``x = +1`` if ``a`` was shown first, ``-1`` if
    ``b`` was (``0`` if unknown)::

        P(annotator k labels a better) = F(beta_k d + gamma_k x)

    *Identifiability.*  ``F(beta_k d)`` is unchanged when every ``beta_k`` is multiplied by
    ``c`` and every score divided by ``c``, and when a constant is added to all scores.  The
    joint fit fixes both: ``sum_i s_i = 0`` and ``sum_k n_k beta_k / sum_k n_k = 1``, the
    label-weighted mean quality is one, so the scores are on the scale of an average label
    (close to those of an ordinary fit to all labels when annotators are alike).  Given
    scores, the qualities take the scale of those scores.

    *Ties* are dropped (the model has no tie outcome); the annotator table reports how many
    each annotator gave.

    *Fit.*  Newton's method on the exact log-likelihood in the subspace of the two
    constraints (the constrained coordinates are eliminated), with an Armijo line search; the
    log-likelihood is not jointly concave in ``(s, beta)``, so where the observed
    information is not positive definite the step uses the Gauss-Newton (expected-type)
    information instead.  Given the scores, each annotator's log-likelihood is concave in
    ``(beta_k, gamma_k)`` and Newton's method is exact.  The likelihood and its derivatives
    are compiled Numba passes over the labels aggregated to (annotator, pair, position)
    records.

    *Standard errors* come from the observed information under the constraints,
    ``Z (Z' I Z)^-1 Z'`` with ``Z`` a basis of the constraints' null space (conditional on
    the scores when they are given).  With penalties they are those of the penalised
    (MAP) estimate.

    References
    ----------
    .. [1] Chen, X., Bennett, P. N., Collins-Thompson, K., Horvitz, E. (2013). Pairwise
       ranking aggregation in a crowdsourced setting. WSDM, 193-202.
    .. [2] Ustalov, D., Pavlichenko, N., Tseitlin, B. (2024). Learning from crowds with
       Crowd-Kit. Journal of Open Source Software 9(96), 6227.

    Examples
    --------
    Three annotators of qualities 2, 1 and 0 label random pairs of 6 items:

    >>> import numpy as np, pandas as pd
    >>> from btstats import fit_annotators
    >>> rng = np.random.default_rng(0)
    >>> s = np.linspace(-1.5, 1.5, 6)
    >>> a = rng.integers(0, 6, 3000); b = (a + rng.integers(1, 6, 3000)) % 6
    >>> k = rng.integers(0, 3, 3000)
    >>> p = 1 / (1 + np.exp(-np.array([2.0, 1.0, 0.0])[k] * (s[a] - s[b])))
    >>> df = pd.DataFrame({"item_a": a, "item_b": b, "outcome": (rng.random(3000) < p) * 1,
    ...                    "annotator": np.array(["good", "fair", "random"])[k]})
    >>> res = fit_annotators(df)
    >>> res.to_frame()[["beta", "se", "flag"]].round(2)
              beta    se    flag
    annotator
    fair      1.00  0.06      ok
    good      1.98  0.06      ok
    random    0.00  0.04  random
    """
    mdl = pairwise_model(model, "fit_annotators")
    if mdl.has_ties:
        raise ValueError(f"`model` must be 'bradley-terry' or 'thurstone' (annotator fits "
                         f"drop ties); got {mdl.name!r}.")
    penalty = float(_v.check_number(penalty, "penalty", low=0.0))
    annotator_penalty = float(_v.check_number(annotator_penalty, "annotator_penalty",
                                              low=0.0))
    tol = float(_v.check_number(tol, "tol", low=0.0, low_open=True))
    max_iter = int(_v.check_number(max_iter, "max_iter", low=1, integer=True))
    if not isinstance(position_bias, (bool, np.bool_)):
        raise ValueError(f"`position_bias` must be True or False; got {position_bias!r}.")
    comparisons = as_comparisons(data, **columns)
    rec, info = _records(comparisons, bool(position_bias))
    n = comparisons.n_items
    n_ann = info["active"].shape[0]
    with_gamma = bool(position_bias)
    link = mdl.link
    gamma0 = np.zeros(n_ann)
    if scores is not None:
        s = _given_scores(scores, comparisons.items)
        status, n_iter, beta, gamma, step = _newton_given(
            link, s, np.ones(n_ann), gamma0, with_gamma, rec, annotator_penalty, tol, max_iter)
        cov = _given_covariance(link, s, beta, gamma, with_gamma, rec, annotator_penalty)
    else:
        p = n + n_ann * (2 if with_gamma else 1)
        if p > MAX_JOINT_PARAMETERS:
            raise ValueError(f"the joint fit has {p:,} parameters ({n:,} items, {n_ann:,} "
                             f"annotators), more than its dense solver takes "
                             f"({MAX_JOINT_PARAMETERS:,}). Fit the scores first "
                             f"(btstats.fit) and pass them as scores=.")
        n_groups, _ = _components(n, rec["i"], rec["j"])
        if n_groups > 1 and penalty == 0.0:
            raise DataError(f"the decisive labels split the items into {n_groups} groups "
                            f"never compared with each other (or leave items out), so their "
                            f"scores are not identified. Pass penalty= (e.g. 0.01), or fit "
                            f"each group separately.")
        wk = info["n_decisive"][info["active"]]
        wk = wk / wk.sum()
        zeros = np.zeros(rec["k"].shape[0])
        s0, _ = _likelihood.start_scores(n, rec["i"], rec["j"], rec["wab"], rec["wba"], zeros)
        theta = np.concatenate([s0, np.ones(n_ann), gamma0 if with_gamma else []])
        status, n_iter, theta, step = _newton_joint(link, theta, n, n_ann, with_gamma, rec, wk,
                                                    penalty, annotator_penalty, tol, max_iter)
        s = theta[:n]
        beta = theta[n:n + n_ann]
        gamma = theta[n + n_ann:] if with_gamma else gamma0
        cov = None
        if status in (0, 2):
            _, _, h = _derivatives(link, theta, n, n_ann, with_gamma, rec, penalty,
                                   annotator_penalty, True)
            red = _Reducer(n, wk, theta.shape[0])
            inv = _inverse_pd(red.matrix(h, -1.0))
            cov = None if inv is None else red.covariance(inv)
    converged, message = _message(status, n_iter, step, tol)
    if converged and scores is None and cov is None:
        converged = False
        message = ("the information matrix is not positive definite at the estimate, so some "
                   "scores or annotator qualities are not identified by the data (for "
                   "instance an annotator with one or two labels): their standard errors do "
                   "not exist. Add annotator_penalty= (e.g. 1.0) or drop such annotators.")
    if not converged:
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return AnnotatorFit(model=mdl, items=comparisons.items, annotators=info["labels"],
                        info=info, rec=rec, s=s, beta=beta,
                        gamma=gamma if with_gamma else None, cov=cov,
                        scores_fixed=scores is not None, penalty=penalty,
                        annotator_penalty=annotator_penalty, converged=converged,
                        n_iter=int(n_iter), message=message)


def _given_covariance(link, s, beta, gamma, with_gamma, rec, ann_penalty):
    """Block-diagonal covariance of ``(beta, gamma)`` given the scores."""
    n_ann = beta.shape[0]
    grad = np.empty((n_ann, 2))
    hess = np.empty((n_ann, 2, 2))
    _ka.annotator_blocks(link, s, beta, gamma, rec["k"], rec["i"], rec["j"], rec["x"],
                         rec["wab"], rec["wba"], with_gamma, grad, hess)
    m = 2 if with_gamma else 1
    info = -hess[:, :m, :m] + ann_penalty * np.eye(m)
    p = n_ann * m
    eye = np.broadcast_to(np.eye(m), info.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.stack([_solve_small(info, eye[:, :, c]) for c in range(m)], axis=2)
    bad = ~np.all(np.isfinite(inv.reshape(n_ann, -1)), axis=1) | (inv[:, 0, 0] <= 0)
    inv[bad] = np.nan
    cov = np.zeros((p, p))
    for a in range(m):
        for b in range(m):
            idx = np.arange(n_ann)
            cov[a * n_ann + idx, b * n_ann + idx] = inv[:, a, b]
    return cov
