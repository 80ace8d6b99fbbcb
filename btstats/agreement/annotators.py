r"""Annotator quality: a discrimination ``beta_k`` per annotator, fitted by exact likelihood.

Each annotator ``k`` sees the score difference ``d = s_a - s_b`` through her own quality
``beta_k`` (and, optionally, a pull ``gamma_k`` towards the item shown first)::

    P(k labels a better) = F(beta_k d + gamma_k x),   x = +1 if a was shown first, -1 if b was

with ``F`` the logistic function (Bradley-Terry) or the normal CDF (Thurstone); with a tie
model the same predictor ``z = beta_k d + gamma_k x`` enters the model's outcome family
(Rao-Kupper, Glenn-David, Davidson, graded: :mod:`btstats._kernels.families`).
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
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .. import _validation as _v
from .._results import ResultBase
from ..inference.intervals import wald as _wald
from .._kernels import annotators as _ka
from .._kernels import cell_build as _build
from .._kernels import cells as _kc
from .._kernels import families as _kf
from .._kernels import linalg as _la
from .._kernels import likelihood as _likelihood
from ..data import cells as _cells
from ..data.comparisons import Comparisons, as_comparisons
from .empirical import _label_table
from ..estimation.core import extra_names
from ..exceptions import ConvergenceWarning, DataError
from ..models.model import Model, get_model

__all__ = ["AnnotatorFit", "fit_annotators", "FLAGS"]

#: Largest number of parameters (items + annotators [x 2] + family parameters) of the joint
#: fit: it forms the dense Hessian.  Beyond it, fit the scores first and pass them as
#: ``scores=``.
MAX_JOINT_PARAMETERS = 6000
#: Flags of :meth:`AnnotatorFit.to_frame`.
FLAGS = ("ok", "random", "adversarial", "no decisive labels", "unknown")
_DIVERGED = 1e3
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


@dataclass(frozen=True)
class _Cells:
    """The labels aggregated to cells: annotator ``cg`` (an active annotator's code), items
    ``ci < cj``, position ``co`` of ``ci``, category ``ck`` in ``ci``'s favour, weight ``cw``."""

    n_categories: int
    cg: np.ndarray
    ci: np.ndarray
    cj: np.ndarray
    co: np.ndarray
    ck: np.ndarray
    cw: np.ndarray

    def arrays(self):
        return self.cg, self.ci, self.cj, self.co, self.ck, self.cw

    def side_weights(self):
        """Per cell the weight of a label for ``ci``, for ``cj`` and of a tie."""
        k, half = self.n_categories, self.n_categories // 2
        tie = (self.ck == half) & (k % 2 == 1)
        return (np.where(self.ck >= k - half, self.cw, 0.0),
                np.where(self.ck < half, self.cw, 0.0), np.where(tie, self.cw, 0.0))


def _annotator_cells(comparisons, mdl, position_bias):
    """Aggregate the labels to (annotator, i < j, position, category) cells in one compiled
    pass; a binary model drops the ties (counting them), a tie model fits them."""
    extra = comparisons.extra
    if extra is None or "annotator" not in extra.columns:
        raise DataError("fitting annotator qualities needs an `annotator` column (who gave "
                        "each label); name it with annotator='COLUMN'.")
    rows, _, outcome, weight = comparisons.rows()
    m = comparisons.n_rows
    if m != len(rows):  # pragma: no cover - aggregated inputs have no extra
        raise DataError("annotator fits need one row per label.")
    o = np.zeros(m, np.int8) if outcome is None else np.asarray(outcome)
    w = np.ones(m) if weight is None else np.asarray(weight, dtype=float)
    ann, ann_labels = _v.factorize_column(extra["annotator"], "annotator")
    n_all = len(ann_labels)
    if position_bias:
        if "position" not in extra.columns:
            raise DataError("position_bias=True needs a `position` column ('a' or 'b': the "
                            "side shown first); name it with position='COLUMN'.")
        x = _position_codes(extra["position"])
    binary = not mdl.has_ties
    tie = o == 2
    n_labels = np.bincount(ann, weights=w, minlength=n_all)
    n_ties = np.bincount(ann[tie], weights=w[tie], minlength=n_all)
    keep = (w > 0) & ~tie if binary else w > 0
    a, b, k, wk, n_cat = _cells.row_categories(comparisons, mdl, "drop")
    if a.shape[0] != int(keep.sum()):  # pragma: no cover
        raise RuntimeError("internal error: the labels do not map onto their categories.")
    ann = ann[keep]
    n_fitted = np.bincount(ann, weights=wk, minlength=n_all)
    active = np.nonzero(n_fitted > 0)[0]
    if active.size == 0:
        raise DataError("every label is a tie: there is no decisive label to fit annotator "
                        "qualities on (ties are dropped).")
    if not binary:
        # a tie family refuses labels without ties (the graded family takes any grades)
        mdl.family.check_data(np.bincount(k, weights=wk, minlength=n_cat), mdl.name)
    remap = np.full(n_all, -1, np.int64)
    remap[active] = np.arange(active.size)
    cells = _Cells(n_cat, *_build.build_group_cells_arrays(
        remap[ann], a, b, k, wk, x[keep] if position_bias else None, active.size,
        comparisons.n_items, n_cat))
    info = {"labels": ann_labels, "active": active, "n_labels": n_labels, "n_ties": n_ties,
            "n_fitted": n_fitted}
    return cells, info


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


class _Problem:
    """The (penalised) log-likelihood of the annotator cells: the joint parameter vector is
    ``(s, beta, gamma, theta)`` (``gamma`` with position bias, ``theta`` the outcome family's
    parameters), as in :mod:`btstats._kernels.annotators`."""

    def __init__(self, mdl, cells, n, n_ann, with_gamma, penalty, ann_penalty):
        self.family = mdl.family.code
        self.link = mdl.link
        self.n_cat = cells.n_categories
        self.n_theta = int(_kf.n_family_params(self.family, self.n_cat))
        self.cells = cells.arrays()
        self.n, self.n_ann, self.with_gamma = n, n_ann, with_gamma
        self.penalty, self.ann_penalty = penalty, ann_penalty
        self.t0 = n + n_ann * (2 if with_gamma else 1)
        self.size = self.t0 + self.n_theta

    def split(self, par):
        n, k = self.n, self.n_ann
        gamma = par[n + k:self.t0] if self.with_gamma else np.zeros(k)
        return par[:n], par[n:n + k], gamma, par[self.t0:]

    def _penalty(self, s, beta, gamma):
        f = 0.5 * self.penalty * float(s @ s) if self.penalty else 0.0
        if self.ann_penalty:
            f += 0.5 * self.ann_penalty * float(((beta - 1.0) ** 2).sum() + (gamma * gamma).sum())
        return f

    def loglik(self, s, beta, gamma, theta):
        """The log-likelihood, ``-inf`` outside the family's domain (``eta, nu > 0``)."""
        if not _kc.feasible(self.family, self.n_cat, 0, theta):
            return -math.inf
        return float(_ka.cell_loglik(self.family, self.link, self.n_cat, s, beta, gamma, theta,
                                     *self.cells))

    def derivatives(self, par, observed):
        """Objective, gradient and dense Hessian in the joint vector (``observed=False``:
        the Gauss-Newton matrix); the objective is ``-inf`` outside the family's domain."""
        s, beta, gamma, theta = self.split(par)
        if not _kc.feasible(self.family, self.n_cat, 0, theta):
            return -math.inf, None, None
        n, k, t0 = self.n, self.n_ann, self.t0
        grad = np.empty(self.size)
        hess = np.empty((self.size, self.size))
        f = _ka.cell_derivatives(self.family, self.link, self.n_cat, s, beta, gamma, theta,
                                 *self.cells, self.with_gamma, observed, grad, hess)
        f -= self._penalty(s, beta, gamma)
        idx = np.arange(self.size)
        if self.penalty:
            grad[:n] -= self.penalty * s
            hess[idx[:n], idx[:n]] -= self.penalty
        if self.ann_penalty:
            grad[n:n + k] -= self.ann_penalty * (beta - 1.0)
            if self.with_gamma:
                grad[n + k:t0] -= self.ann_penalty * gamma
            hess[idx[n:t0], idx[n:t0]] -= self.ann_penalty
        return f, grad, hess

    def blocks(self, s, beta, gamma, theta):
        """The arrow of the fit given the scores: objective, gradient ``gb`` (A, m) and
        information blocks ``hb`` (A, m, m) of each ``(beta_g, gamma_g)``, the information's
        cross block ``c`` (A, m, p) with ``theta``, and ``gt`` (p), ``pm`` (p, p) of
        ``theta`` (``m = 2`` with position bias, else 1)."""
        k, p, ap = self.n_ann, self.n_theta, self.ann_penalty
        if not _kc.feasible(self.family, self.n_cat, 0, theta):
            return (-math.inf,) + (None,) * 5
        grad = np.empty((k, 2))
        hess = np.empty((k, 2, 2))
        gt = np.empty(p)
        cross = np.empty((k, 2, p))
        ht = np.empty((p, p))
        f = _ka.cell_blocks(self.family, self.link, self.n_cat, s, beta, gamma, theta,
                            *self.cells, self.with_gamma, grad, hess, gt, cross, ht)
        if ap:
            f -= 0.5 * ap * float(((beta - 1.0) ** 2).sum() + (gamma * gamma).sum())
            grad[:, 0] -= ap * (beta - 1.0)
            grad[:, 1] -= ap * gamma
            hess[:, 0, 0] -= ap
            hess[:, 1, 1] -= ap
        m = 2 if self.with_gamma else 1
        return f, grad[:, :m], -hess[:, :m, :m], -cross[:, :m], gt, -ht


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


def _step_estimate(g, m):
    """``max_a |g_a| / m_aa`` (``m`` the information or its diagonal): the scale-free step
    size of the core's stopping rule (:func:`btstats._kernels.cells.newton_cells`), infinite
    where ``m_aa <= 0 < |g_a|``."""
    d = np.diag(m) if m.ndim == 2 else m
    ag = np.abs(g)
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.where(ag == 0.0, 0.0, np.where(d > 0.0, ag / d, np.inf))
    return float(v.max()) if v.size else 0.0


def _newton(evaluate, direction, v, tol, max_iter):
    """Newton's method with the stopping rule and line search of the core
    (:func:`btstats._kernels.cells.newton_cells`); returns ``(status, n_iter, v, gnorm)``.

    ``evaluate(v)`` returns the objective first, then what ``direction(v, out)`` needs to
    give ``(delta, slope, gnorm)``: the Newton step (``None`` if the information is
    singular), the objective's derivative along it and the scale-free step estimate
    ``max |g_a| / I_aa``.  Stops when ``gnorm <= tol`` and the full step is at most
    ``1e3 tol`` (status 0); else steps ``t delta`` with the first ``t = 2**-i`` (``i < 60``)
    that gives a finite objective and ``f + 1e-4 t slope`` (any finite one when the slope is
    below the rounding of ``f``).  Status 1: ``max_iter`` reached, 2: no step improves, 3:
    singular information or a non-finite objective, 4: diverging estimates.
    """
    out = evaluate(v)
    gnorm = math.inf
    for it in range(max_iter + 1):
        f = out[0]
        if not math.isfinite(f):
            return 3, it, v, gnorm
        delta, slope, gnorm = direction(v, out)
        near = gnorm <= tol
        if it == max_iter and not near:
            return 1, it, v, gnorm
        if delta is None or not np.all(np.isfinite(delta)):
            return 3, it, v, gnorm
        if near:
            full = float(np.max(np.abs(delta), initial=0.0))
            if full <= 1e3 * tol:
                return 0, it, v, gnorm
            if it == max_iter:
                return 1, it, v, full
        in_noise = slope <= 1e-13 * abs(f)
        t = 1.0
        for _ in range(60):
            cand = v + t * delta
            out = evaluate(cand)
            if math.isfinite(out[0]) and (in_noise or out[0] >= f + 1e-4 * t * slope):
                break
            t *= 0.5
        else:
            return 2, it, v, gnorm
        v = cand
        if np.max(np.abs(v)) > _DIVERGED:
            return 4, it + 1, v, gnorm
    return 1, max_iter, v, gnorm


def _gauss_newton_direction(prob, par, red, gr):
    """The step of the (damped) Gauss-Newton information, where the observed one is not
    positive definite."""
    _, _, h_gn = prob.derivatives(par, False)
    m = red.matrix(h_gn, -1.0)
    lam = 1e-8 * max(float(np.max(np.abs(np.diag(m)))), 1.0)
    for _ in range(20):
        u = _solve_pd(m + lam * np.eye(m.shape[0]), gr)
        if u is not None:
            return u
        lam *= 100.0
    return None


def _newton_joint(prob, par, wk, tol, max_iter):
    """:func:`_newton` on the joint vector in the null space of the two constraints (the
    reduced gradient and information of :class:`_Reducer`); where the observed information
    is not positive definite the step uses the Gauss-Newton information instead."""
    red = _Reducer(prob.n, wk, par.shape[0])

    def direction(v, out):
        gr = red.vector(out[1])
        m = red.matrix(out[2], -1.0)
        u = _solve_pd(m, gr)
        if u is None or gr @ u <= 0:
            u = _gauss_newton_direction(prob, v, red, gr)
        if u is None:
            return None, 0.0, _step_estimate(gr, m)
        return red.expand(u), float(gr @ u), _step_estimate(gr, m)

    return _newton(lambda v: prob.derivatives(v, True), direction, par, tol, max_iter)


def _arrow_solve(hb, c, pm, gb, gt):
    """Solve ``[[diag(hb), c], [c', pm]] (d, dt) = (gb, gt)`` through the Schur complement of
    the per-annotator blocks; ``None`` if it is singular."""
    m = hb.shape[1]
    hb = hb + 1e-12 * np.maximum(np.abs(hb).max(axis=(1, 2)), 1.0)[:, None, None] * np.eye(m)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        xg = _solve_small(hb, gb)
        if gt.shape[0] == 0:
            return xg, gt
        xc = np.stack([_solve_small(hb, c[:, :, r]) for r in range(gt.shape[0])], axis=2)
        dt = _solve_pd(pm - np.einsum("kai,kaj->ij", c, xc), gt - np.einsum("kai,ka->i", c, xg))
        if dt is None:
            return None
        return xg - np.einsum("kai,i->ka", xc, dt), dt


def _newton_given(prob, s, beta, gamma, theta, tol, max_iter):
    """:func:`_newton` on ``(beta, gamma, theta)`` with the scores fixed, each annotator's
    block and the shared ``theta`` solved as an arrow; returns ``(status, n_iter, beta,
    gamma, theta, gnorm)``."""
    k = prob.n_ann
    m = 2 if prob.with_gamma else 1

    def unpack(v):
        return v[:k], (v[k:2 * k] if prob.with_gamma else np.zeros(k)), v[k * m:]

    def direction(v, out):
        _, gb, hb, c, gt, pm = out
        g = np.concatenate([gb.T.ravel(), gt])
        gnorm = _step_estimate(g, np.concatenate([np.diagonal(hb, axis1=1, axis2=2).T.ravel(),
                                                  np.diag(pm)]))
        sol = _arrow_solve(hb, c, pm, gb, gt)
        if sol is None:
            return None, 0.0, gnorm
        delta = np.concatenate([sol[0].T.ravel(), sol[1]])
        return delta, float(g @ delta), gnorm

    v = np.concatenate([beta, gamma if prob.with_gamma else [], theta])
    status, n_iter, v, gnorm = _newton(lambda v_: prob.blocks(s, *unpack(v_)), direction, v,
                                       tol, max_iter)
    return (status, n_iter) + unpack(v) + (gnorm,)


def _message(status, n_iter, gnorm, tol):
    if status == 0:
        return True, (f"converged in {n_iter} iterations (step estimate {gnorm:.1e} <= tol "
                      f"{tol:g})")
    if status == 2:
        if gnorm <= 1e3 * tol:
            return True, (f"converged in {n_iter} iterations to the floating-point limit "
                          f"(step estimate {gnorm:.1e}, tol {tol:g}: no step improves the "
                          f"log-likelihood by more than its rounding)")
        return False, (f"stopped after {n_iter} iterations: no step improves the "
                       f"log-likelihood (step estimate {gnorm:.1e}); the estimates may not be "
                       f"the maximum. Pass annotator_penalty= and/or penalty=.")
    if status == 4:
        return False, (f"the estimates diverge after {n_iter} iterations: an annotator whose "
                       f"labels all follow (or all oppose) the current order of the items has "
                       f"no finite quality, or an item never wins. Pass annotator_penalty= "
                       f"(e.g. 1.0: a N(1, 1) prior on each beta) and/or penalty= on the scores.")
    if status == 3:
        return False, (f"the information matrix is singular (or the log-likelihood not "
                       f"finite) after {n_iter} iterations; pass penalty= and "
                       f"annotator_penalty= (small, e.g. 0.01).")
    return False, (f"did not converge in {n_iter} iterations (step estimate {gnorm:.1e} > tol "
                   f"{tol:g}). Raise max_iter or pass annotator_penalty=.")


# =========================================================================== result
class AnnotatorFit(ResultBase):
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
    params, params_se : pandas.Series
        The outcome family's parameters shared by all annotators (``eta`` of Rao-Kupper and
        Glenn-David, ``nu`` of Davidson, ``t1 .. tp`` of a graded model; empty for the
        binary models) and their standard errors.
    loglik : float
        Log-likelihood of the fitted labels at the estimate (penalties not included).
    converged, n_iter, message
        How the solver went.
    """

    def __init__(self, *, model, items, annotators, info, problem, s, beta, gamma, theta, cov,
                 scores_fixed, penalty, annotator_penalty, converged, n_iter, message):
        self._model = model
        self._items = items
        self._annotators = annotators
        self._info = info
        self._problem = problem
        self._s = np.asarray(s, dtype=float)
        self._beta = np.asarray(beta, dtype=float)
        self._gamma = None if gamma is None else np.asarray(gamma, dtype=float)
        self._theta = np.asarray(theta, dtype=float)
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
        """Labels fitted: the decisive ones for a binary model (ties are dropped), all of
        them for a tie model."""
        return float(self._info["n_fitted"].sum())

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

    def _param_names(self):
        return extra_names(self._model, self._problem.n_cat, False)

    @property
    def params(self):
        """The outcome family's parameters (``eta``, ``nu`` or ``t1 .. tp``) by name."""
        return pd.Series(self._theta.copy(), index=pd.Index(self._param_names(), dtype=object),
                         name="estimate", dtype=float)

    @property
    def params_se(self):
        """Standard errors of :attr:`params`."""
        p = self._theta.shape[0]
        off = 0 if self._cov is None else self._cov.shape[0] - p
        return pd.Series(self._se(off, p), index=pd.Index(self._param_names(), dtype=object),
                         name="se", dtype=float)

    @property
    def covariance(self):
        """Covariance of the estimated parameters (observed information under the
        constraints), labelled ``score[item]``, ``beta[annotator]``, ``gamma[annotator]`` and
        the family's parameters by name."""
        if self._cov is None:
            return None
        names = [] if self.scores_fixed else [f"score[{i}]" for i in self._items]
        act = self._annotators[self._info["active"]]
        names += [f"beta[{a}]" for a in act]
        if self._gamma is not None:
            names += [f"gamma[{a}]" for a in act]
        names += self._param_names()
        return pd.DataFrame(self._cov, index=names, columns=names)

    def _gammas(self):
        return np.zeros_like(self._beta) if self._gamma is None else self._gamma

    @property
    def loglik(self):
        return self._problem.loglik(self._s, self._beta, self._gammas(), self._theta)

    def expected_accuracy(self):
        """Per annotator: expected and observed share of labels that follow the scores.

        Returns
        -------
        pandas.DataFrame
            ``expected_accuracy``: the mean over the annotator's decisive labels of the
            model's probability that the label names the item with the larger score;
            ``observed_accuracy``: the share that does (equal scores count 1/2).
        """
        pr = self._problem
        out = np.empty((self._beta.shape[0], 3))
        _ka.cell_accuracy(pr.family, pr.link, pr.n_cat, self._s, self._beta, self._gammas(),
                          self._theta, *pr.cells, out)
        with np.errstate(invalid="ignore", divide="ignore"):
            exp_acc = out[:, 0] / out[:, 2]
            obs_acc = out[:, 1] / out[:, 2]
        return pd.DataFrame({"expected_accuracy": self._full(exp_acc),
                             "observed_accuracy": self._full(obs_acc)},
                            index=pd.Index(self._annotators, name="annotator"))

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """Wald intervals ``beta -/+ z se`` of the qualities.

        Returns
        -------
        ConfidenceInterval
            ``low`` and ``high`` as Series by annotator (``NaN`` without a standard error).
        """
        _v.check_choice(interval, "interval", ("wald",))
        beta = self.beta
        return self._interval("wald", beta.index, estimate=beta.to_numpy(),
                              standard_error=self.beta_se.to_numpy(),
                              confidence_level=confidence_level)

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
                           "ci_low": ci.low.to_numpy(), "ci_high": ci.high.to_numpy()},
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
        se = self.standard_errors.to_numpy()
        low, high = _wald(self._s, se, confidence_level)
        df = pd.DataFrame({"item": self._items, "score": self._s, "se": se,
                           "ci_low": low, "ci_high": high})
        df.insert(0, "rank", df["score"].rank(ascending=False, method="min").astype(int))
        return df.sort_values("rank", kind="stable").reset_index(drop=True)

    # summary() and _repr_html_() come from ResultBase: this header, then to_frame()
    _frame_format = {"float_format": "%.4f"}

    @property
    def _summary_title(self):
        how = "given scores" if self.scores_fixed else "joint with the scores"
        return f"Annotator qualities ({self.model}, {how})"

    def _header(self):
        rows = [("items", f"{self.n_items}"), ("annotators", f"{self.n_annotators}"),
                ("labels fitted", f"{self.n_labels:g}"),
                ("log-likelihood", f"{self.loglik:.4f}"),
                ("converged", f"{self.converged} ({self.n_iter} iterations)")]
        if self.penalty:
            rows.append(("penalty", f"{self.penalty:g} (L2 on the scores)"))
        if self.annotator_penalty:
            rows.append(("annotator_penalty",
                         f"{self.annotator_penalty:g} (L2 on beta - 1 and gamma)"))
        return rows

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


def fit_annotators(data: Comparisons | pd.DataFrame | str | os.PathLike[str],
                   model: str | Model = "bradley-terry", *, scores: Any = None,
                   position_bias: bool = False, penalty: float = 0.0,
                   annotator_penalty: float = 0.0, tol: float = 1e-9, max_iter: int = 200,
                   tie_values: Sequence[Any] | None = None, within: str | None = None,
                   encoding: str | None = None, **columns: Any) -> AnnotatorFit:
    r"""Fit a quality ``beta_k`` per annotator, jointly with the item scores or given them.

    Parameters
    ----------
    data : DataFrame, Comparisons or path
        Individual labels in the long format of :meth:`btstats.Comparisons.from_frame`
        with an ``annotator`` column (and a ``position`` column, ``'a'`` or ``'b'``: the side
        shown first, for ``position_bias``; a ``grade`` column for a graded model).  Tie
        labels are dropped by the binary models and fitted by the tie models.
    model : str or Model
        Any model of :func:`btstats.get_model`: ``"bradley-terry"`` (``P(label a) =
        sigma(beta_k d)``), ``"thurstone"`` (``Phi(beta_k d)``), or a tie model
        (``"rao-kupper"``, ``"glenn-david"``, ``"davidson"``, ``"graded"``) whose outcome
        family takes ``z = beta_k d + gamma_k x`` and whose parameters (``eta``, ``nu``,
        thresholds) are estimated jointly, shared by all annotators.
    scores : PairwiseFit, pandas.Series or array_like, optional
        Known (or previously fitted) scores: then only the qualities are fitted (for a
        binary model each annotator separately, a one- or two-parameter logistic / probit
        regression), and their scale is that of the given scores.
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
        Stop when ``max_a |g_a| / I_aa <= tol`` (gradient ``g`` and information ``I`` in the
        free coordinates) and the full Newton step is at most ``1000 tol``: the stopping rule
        of :func:`btstats.fit`'s Newton solver.
    max_iter : int
        Newton iterations at most.
    tie_values, within, encoding
        Rewrite the label table as for :func:`btstats.agreement.agreement`: outcome values
        that mean a tie, a column within whose groups the items are compared (labels
        ``"<group>:<item>"``), the text encoding of a CSV file.
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

    *Ties* are dropped by the binary models (they have no tie outcome) and are outcomes of
    the tie models: a label's probability is that of the model in :func:`btstats.fit` with
    ``z = beta_k d + gamma_k x`` in place of ``s_a - s_b`` (Rao-Kupper: ``P(a) = F(z - eta)``,
    ``P(b) = F(-z - eta)``, a tie the rest), its parameters (``eta``, ``nu`` or the graded
    thresholds) estimated jointly and shared by all annotators.  The annotator table reports
    how many ties each annotator gave.

    *Fit.*  Newton's method on the exact log-likelihood in the subspace of the two
    constraints (the constrained coordinates are eliminated), with an Armijo line search; the
    log-likelihood is not jointly concave in ``(s, beta)``, so where the observed
    information is not positive definite the step uses the Gauss-Newton (expected-type)
    information instead.  Given the scores, each annotator's log-likelihood is concave in
    ``(beta_k, gamma_k)`` and Newton's method is exact (with a tie model the shared family
    parameters border the per-annotator blocks, solved through their Schur complement).
    The labels are aggregated in one compiled pass to (annotator, pair, position, category)
    cells (:func:`btstats._kernels.cell_build.build_group_cells_arrays`); the likelihood and
    its derivatives are compiled passes over them that take each label's log-probability and
    its derivatives in ``(z, eta)`` from the outcome families of the general core
    (:func:`btstats._kernels.families.cell_terms`), chained through ``z``.

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

    With ties in the labels a tie model fits them, its threshold ``eta`` (true value
    ``log 2 = 0.693`` here) jointly with the qualities:

    >>> from btstats import simulate_annotation
    >>> sim = simulate_annotation(20, 5, pairs_per_prompt=100, pairing="cross-prompt",
    ...                           n_annotators=3, beta=[2.0, 1.0, 0.0], labels_per_pair=3,
    ...                           model="rao-kupper", theta=2.0, rng=0)
    >>> rk = fit_annotators(sim.data, "rao-kupper")
    >>> rk.beta.round(2).tolist(), rk.params.round(3).to_dict()
    ([2.05, 0.97, -0.02], {'eta': 0.706})
    """
    mdl = get_model(model)
    penalty = float(_v.check_number(penalty, "penalty", low=0.0))
    annotator_penalty = float(_v.check_number(annotator_penalty, "annotator_penalty",
                                              low=0.0))
    tol = float(_v.check_number(tol, "tol", low=0.0, low_open=True))
    max_iter = int(_v.check_number(max_iter, "max_iter", low=1, integer=True))
    if not isinstance(position_bias, (bool, np.bool_)):
        raise ValueError(f"`position_bias` must be True or False; got {position_bias!r}.")
    data, columns = _label_table(data, columns, tie_values, within, encoding)
    comparisons = as_comparisons(data, **columns)
    cells, info = _annotator_cells(comparisons, mdl, bool(position_bias))
    n = comparisons.n_items
    n_ann = info["active"].shape[0]
    with_gamma = bool(position_bias)
    prob = _Problem(mdl, cells, n, n_ann, with_gamma, 0.0 if scores is not None else penalty,
                    annotator_penalty)
    theta0 = _cells.start_extra(mdl, cells, 0)
    gamma0 = np.zeros(n_ann)
    if scores is not None:
        s = _given_scores(scores, comparisons.items)
        status, n_iter, beta, gamma, theta, gnorm = _newton_given(
            prob, s, np.ones(n_ann), gamma0, theta0, tol, max_iter)
        cov = _given_covariance(prob, s, beta, gamma, theta)
    else:
        p = prob.size
        if p > MAX_JOINT_PARAMETERS:
            raise ValueError(f"the joint fit has {p:,} parameters ({n:,} items, {n_ann:,} "
                             f"annotators), more than its dense solver takes "
                             f"({MAX_JOINT_PARAMETERS:,}). Fit the scores first "
                             f"(btstats.fit) and pass them as scores=.")
        n_groups, _ = _components(n, cells.ci, cells.cj)
        if n_groups > 1 and penalty == 0.0:
            raise DataError(f"the {'decisive ' if prob.n_theta == 0 else ''}labels split the "
                            f"items into {n_groups} groups never compared with each other (or "
                            f"leave items out), so their scores are not identified. Pass "
                            f"penalty= (e.g. 0.01), or fit each group separately.")
        wk = info["n_fitted"][info["active"]]
        wk = wk / wk.sum()
        wab, wba, wtie = cells.side_weights()
        s0, _ = _likelihood.start_scores(n, cells.ci.astype(np.int64),
                                         cells.cj.astype(np.int64), wab, wba, wtie)
        par = np.concatenate([s0, np.ones(n_ann), gamma0 if with_gamma else [], theta0])
        status, n_iter, par, gnorm = _newton_joint(prob, par, wk, tol, max_iter)
        s, beta, gamma, theta = prob.split(par)
        cov = None
        if status in (0, 2):
            _, _, h = prob.derivatives(par, True)
            red = _Reducer(n, wk, p)
            inv = _inverse_pd(red.matrix(h, -1.0))
            cov = None if inv is None else red.covariance(inv)
    converged, message = _message(status, n_iter, gnorm, tol)
    if converged and scores is None and cov is None:
        converged = False
        message = ("the information matrix is not positive definite at the estimate, so some "
                   "scores or annotator qualities are not identified by the data (for "
                   "instance an annotator with one or two labels): their standard errors do "
                   "not exist. Add annotator_penalty= (e.g. 1.0) or drop such annotators.")
    if not converged:
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return AnnotatorFit(model=mdl, items=comparisons.items, annotators=info["labels"],
                        info=info, problem=prob, s=s, beta=beta,
                        gamma=gamma if with_gamma else None, theta=theta, cov=cov,
                        scores_fixed=scores is not None, penalty=penalty,
                        annotator_penalty=annotator_penalty, converged=converged,
                        n_iter=int(n_iter), message=message)


def _given_covariance(prob, s, beta, gamma, theta):
    """Covariance of ``(beta, gamma, theta)`` given the scores: the inverse of the arrow
    information (block-diagonal in the annotators without family parameters); ``NaN`` for an
    annotator whose block is not positive definite."""
    _, _, hb, c, _, pm = prob.blocks(s, beta, gamma, theta)
    n_ann, m, p = hb.shape[0], hb.shape[1], pm.shape[0]
    eye = np.broadcast_to(np.eye(m), hb.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.stack([_solve_small(hb, eye[:, :, col]) for col in range(m)], axis=2)
    bad = ~np.all(np.isfinite(inv.reshape(n_ann, -1)), axis=1) | (inv[:, 0, 0] <= 0)
    inv[bad] = np.nan
    q = n_ann * m
    cov = np.zeros((q + p, q + p))
    idx = np.arange(n_ann)
    for a in range(m):
        for b in range(m):
            cov[a * n_ann + idx, b * n_ann + idx] = inv[:, a, b]
    if p:
        # B^-1 C per annotator, the Schur complement S = P - C' B^-1 C and
        # cov = [[B^-1 + U S^-1 U', -U S^-1], [-S^-1 U', S^-1]] with U = B^-1 C
        xc = np.einsum("kab,kbr->kar", inv, c)
        sinv = _inverse_pd(pm - np.einsum("kai,kaj->ij", c[~bad], xc[~bad]))
        if sinv is None:
            sinv = np.full((p, p), np.nan)
        u = xc.transpose(1, 0, 2).reshape(q, p)
        us = u @ sinv
        cov[:q, :q] += us @ u.T
        cov[:q, q:] = -us
        cov[q:, :q] = -us.T
        cov[q:, q:] = sinv
    return cov
