r"""Standard errors at scale: variances of scores and contrasts without an n x n matrix.

The covariance of a fit's centred scores is the inverse of its information in the
sum-to-zero subspace.  In the scores the information is a weighted graph Laplacian
``L_s = L + penalty I`` (one weight per compared pair, the sum over its comparisons of
``-d2l/dz2``), bordered, for models with parameters beyond the scores (a tie threshold
``eta``, an order effect, covariates, thresholds), by an ``n x q`` cross block ``B`` and a
``q x q`` block ``C``.  The dense path (:attr:`btstats.PairwiseFit.covariance`) inverts the
whole ``(n + q) x (n + q)`` matrix and stops at ``MAX_DENSE_COVARIANCE`` items; this module
works from the pair list:

- **solves**: ``x = L_s^+ b`` for ``b`` summing to zero by Jacobi-preconditioned conjugate
  gradients on the pair list (a block of right-hand sides per pass,
  :func:`btstats._kernels.large.block_pcg`), or by the factorisation below;
- **exact sparse factorisation**: the information grounded at one item, RCM-ordered, is
  factorised ``L D L'`` inside its envelope (profile) and its diagonal inverse is taken by
  Takahashi's recurrences, with a sum-to-zero correction (see :func:`variances`, Notes).
  The envelope's size is known before any arithmetic, so the method is used only when it
  fits (``MAX_ENVELOPE_ENTRIES``, ``MAX_ENVELOPE_WORK`` in :mod:`btstats._checks`): designs
  whose graph is close to a band (leagues, Swiss-style pairings of neighbours) qualify;
  random pairings of many items do not (their envelope is about ``n**2 / 4``);
- **stochastic diagonal**: Hutchinson's estimator with Rademacher probes and a control
  variate, each probe one solve, with a Monte-Carlo standard error per item.

Parameters beyond the scores enter through the Schur complement ``S = C - B' L_s^+ B`` (``q``
solves); sandwich and cluster covariances through their meat ``G = sum_u m_u U_u U_u'``
applied to vectors, never formed.  The module reads the fit's internals (the pair counts or
cells, the kernels' arguments) as :mod:`.bootstrap` does; it does not import the estimation
package.
"""
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import reverse_cuthill_mckee

from .. import _checks
from .. import _validation as _v
from .._kernels import cells as _kc
from .._kernels import large as _kl
from .._kernels import robust as _robust
from .._results import ResultBase
from ..data import rows as _rows
from ..data.cells import expand_groups
from ..exceptions import ConvergenceWarning
from .comparison import Contrast, _contrast_iv, _positions, _written

__all__ = ["Variances", "variances", "ESTIMATORS", "SOLVERS"]

#: The estimators of :func:`variances`.
ESTIMATORS = ("exact", "stochastic")
#: The linear solvers of :func:`variances` (``"auto"`` chooses).
SOLVERS = ("auto", "cg", "factor")
#: Default relative residual of the solves: exact variances, stochastic probes.
_TOL_EXACT = 1e-10
_TOL_STOCHASTIC = 1e-6
_N_PROBES = 100
#: Right-hand sides per pass over the pairs (also the probes drawn at a time: the draws of
#: ``n_probes`` probes are the first ``n_probes`` of those of any larger number).
_BLOCK = 16

_SINGULAR = ("the information matrix is numerically singular, so standard errors do not "
             "exist at this estimate (some score gaps are too large, or some weights too small "
             "or too large, for the data to pin them down). Refit with a small penalty=, e.g. "
             "penalty=1e-3, or rescale the weights.")


# ============================================================================ result
@dataclass(frozen=True, eq=False)
class Variances(ResultBase):
    r"""Variances of centred scores or of contrasts of them (see :func:`variances` and
    :meth:`btstats.PairwiseFit.variances`).

    Attributes
    ----------
    estimate : pandas.Series
        The centred scores of the items asked for (index ``item``), or the contrasts ``c's``
        (index ``contrast``).
    variance : pandas.Series
        Their variances under the fit's covariance (observed, expected, sandwich or cluster).
    variance_mcse : pandas.Series
        Monte-Carlo standard error of :attr:`variance` (``estimator="stochastic"``: the sample
        standard deviation of the per-probe estimates over ``sqrt(n_probes)``); 0 for the
        exact estimator, whose error is that of the solves (see ``tol``).
    coefficient_variance : pandas.Series
        Variances of the parameters beyond the scores (``eta``, ``h``, thresholds, ...), exact
        in every case (``q`` solves); empty for Bradley-Terry and Thurstone.
    estimator : str
        ``"exact"`` or ``"stochastic"``.
    solver : str
        How the linear systems were solved: ``"cg"`` (conjugate gradients) or ``"factor"``
        (the envelope factorisation).
    tol : float
        Relative residual at which the conjugate-gradient solves stopped (``nan`` when none
        were needed).
    n_probes : int
        Rademacher probes of the stochastic estimator (0 for the exact one).
    covariance_type : str
        The fit's covariance.
    n_solves : int
        Linear solves made (the work; each is one pass of CG or of the factors).
    """

    estimate: pd.Series
    variance: pd.Series
    variance_mcse: pd.Series
    coefficient_variance: pd.Series
    estimator: str
    solver: str
    tol: float
    n_probes: int
    covariance_type: str
    n_solves: int

    _summary_title = "Variances of scores (sparse)"

    @property
    def standard_error(self):
        """``sqrt(variance)`` (0 where a stochastic estimate came out negative)."""
        return pd.Series(np.sqrt(np.maximum(self.variance.to_numpy(), 0.0)),
                         index=self.variance.index, name="standard_error")

    @property
    def standard_error_mcse(self):
        """Monte-Carlo standard error of :attr:`standard_error` by the delta method,
        ``variance_mcse / (2 standard_error)``."""
        se = self.standard_error.to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.where(se > 0, self.variance_mcse.to_numpy() / (2.0 * se), np.nan)
        return pd.Series(out, index=self.variance.index, name="standard_error_mcse")

    @property
    def coefficient_se(self):
        """Standard errors of the parameters beyond the scores."""
        return pd.Series(np.sqrt(np.maximum(self.coefficient_variance.to_numpy(), 0.0)),
                         index=self.coefficient_variance.index, name="se")

    def confidence_interval(self, confidence_level=0.95, *, interval="wald"):
        """Wald intervals ``estimate -/+ z standard_error`` (the Monte-Carlo error of a
        stochastic standard error is not added).

        Returns
        -------
        ConfidenceInterval
        """
        _v.check_choice(interval, "interval", ("wald",))
        return self._interval("wald", self.estimate.index, estimate=self.estimate.to_numpy(),
                              standard_error=self.standard_error.to_numpy(),
                              confidence_level=confidence_level)

    def to_frame(self):
        """One row per item or contrast: ``estimate, se, variance, variance_mcse, se_mcse``."""
        return pd.DataFrame({"estimate": self.estimate.to_numpy(),
                             "se": self.standard_error.to_numpy(),
                             "variance": self.variance.to_numpy(),
                             "variance_mcse": self.variance_mcse.to_numpy(),
                             "se_mcse": self.standard_error_mcse.to_numpy()},
                            index=self.estimate.index)

    def _header(self):
        rows = [("estimator", self.estimator), ("solver", self.solver),
                ("covariance", self.covariance_type), ("solves", f"{self.n_solves}")]
        if math.isfinite(self.tol):
            rows.append(("tol", f"{self.tol:g} (relative residual of CG)"))
        if self.estimator == "stochastic":
            rows.append(("probes", f"{self.n_probes} (Rademacher, control variate)"))
        return rows

    def _sections(self, *args, **options):
        if self.coefficient_variance.shape[0] == 0:
            return []
        frame = pd.DataFrame({"variance": self.coefficient_variance,
                              "se": self.coefficient_se})
        return [("Parameters beyond the scores", frame)]

    def __repr__(self):
        kind = self.estimate.index.name or "item"
        return (f"Variances({self.estimate.shape[0]} {kind}s, estimator={self.estimator!r}, "
                f"solver={self.solver!r}, covariance_type={self.covariance_type!r})")


# ============================================================================ information
@dataclass
class _Information:
    """The information of (scores, extra) in sparse form, and the meat of a robust
    covariance as unit score vectors (rows of ``units``, masses ``mass``)."""

    n: int
    pi: np.ndarray
    pj: np.ndarray
    w: np.ndarray
    penalty: float
    cross: np.ndarray
    hqq: np.ndarray
    names: list
    covariance_type: str
    units: object = None
    mass: object = None

    @property
    def q(self):
        return self.cross.shape[1]

    @property
    def robust(self):
        return self.units is not None

    @property
    def deg(self):
        """The diagonal of ``L_s``: weighted degrees plus the penalty."""
        return (np.bincount(self.pi, self.w, self.n) + np.bincount(self.pj, self.w, self.n)
                + self.penalty)

    def meat(self, y):
        """``G y`` for a block ``y`` of shape ``(n + q, k)``."""
        return self.units.T @ (self.mass[:, None] * (self.units @ y))

    def meat_quadratic(self, y):
        """``diag(y' G y)`` for a block ``y`` of shape ``(n + q, k)``."""
        u = self.units @ y
        return (self.mass[:, None] * u * u).sum(axis=0)


def _edges(n, i, j, w):
    """Unique unordered pairs ``(lo, hi)`` with their summed weights (self-pairs dropped)."""
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    lo = np.minimum(i, j)
    hi = np.maximum(i, j)
    keep = lo != hi
    key = lo[keep] * n + hi[keep]
    uk, inv = np.unique(key, return_inverse=True)
    return uk // n, uk % n, np.bincount(inv, weights=np.asarray(w, float)[keep])


def _information(fit):
    """The :class:`_Information` of a fit (pair-count models and the general core)."""
    if hasattr(fit, "item_covariate_names"):
        raise NotImplementedError(
            "sparse standard errors are not implemented for fits with item covariates: their "
            "scores are x_i' beta (+ u_i), whose covariance comes from the coefficients "
            "(fit.abilities, fit.coefficients); up to MAX_DENSE_COVARIANCE items use "
            "fit.standard_errors.")
    if fit.resampling_design == "cells":
        return _cells_information(fit)
    return _pairs_information(fit)


def _pairs_information(fit):
    n = fit.n_items
    mdl = fit._model
    s = np.ascontiguousarray(fit._s, dtype=float)
    with_eta = fit._eta is not None
    eta = float(fit._eta) if with_eta else 0.0
    kind = fit.covariance_type
    pi, pj, wab, wba, tie = fit._counts.arrays()
    hdd, hde, hee = _kl.pair_information(mdl.link, s, eta, pi, pj, wab, wba, tie,
                                         kind == "expected", with_eta)
    q = 1 if with_eta else 0
    cross = np.zeros((n, q))
    hqq = np.zeros((q, q))
    if with_eta:
        cross[:, 0] = np.bincount(pi, hde, n) - np.bincount(pj, hde, n)
        hqq[0, 0] = hee.sum()
    ei, ej, ew = _edges(n, pi, pj, hdd)
    info = _Information(n, ei, ej, ew, float(fit.penalty), cross, hqq,
                        ["eta"] if with_eta else [], kind)
    if kind in ("sandwich", "cluster"):
        # the meat of PairwiseFit._meat, as unit score vectors: cells 3 k + o of the raw pairs
        raw = fit.comparisons.pairs
        gd, ge = _robust.cell_scores(mdl.link, s, eta, raw.pi, raw.pj, mdl.has_ties)
        if not mdl.has_ties:
            gd[2::3] = 0.5 * (gd[0::3] + gd[1::3]) if fit.ties == "half" else 0.0
            ge[2::3] = 0.0
        if kind == "sandwich":
            w3 = np.stack([raw.wab, raw.wba, raw.tie], axis=1).ravel()
            cell = np.flatnonzero(w3 > 0)
            unit = np.arange(cell.shape[0])
            weight = np.ones(cell.shape[0])
            mass = w3[cell]
        else:
            ptr, cell, weight, n_clusters = _rows.units(fit.comparisons, raw.pi, raw.pj,
                                                        fit._cluster_codes)
            unit = np.repeat(np.arange(n_clusters), np.diff(ptr))
            mass = np.full(n_clusters, fit._cluster_factor(n_clusters))
        k = cell // 3
        a = weight * gd[cell]
        rows = [unit, unit]
        cols = [raw.pi[k], raw.pj[k]]
        vals = [a, -a]
        if with_eta:
            rows.append(unit)
            cols.append(np.full(unit.shape[0], n))
            vals.append(weight * ge[cell])
        info.units = sp.coo_matrix((np.concatenate(vals),
                                    (np.concatenate(rows), np.concatenate(cols))),
                                   shape=(mass.shape[0], n + q)).tocsr()
        info.mass = mass
    return info


def _cells_information(fit):
    n = fit.n_items
    kind = fit.covariance_type
    cells = fit._cells
    args = fit._kernel_args()
    q = args[5].shape[0]
    n_lin = cells.n_lin
    if kind == "expected":
        gi, gj, gx, totals = fit._groups()
        prob = fit._group_probabilities(gi, gj, gx)
        ci, cj, cx, ck = expand_groups(gi, gj, gx, cells.n_categories)
        g = _kc.cell_scores(*args, ci, cj, cx, ck, _kc.threads(ci.shape[0], n, q))
        mass = (totals[:, None] * prob).ravel()
        gz = g[:, 0]
        a = np.hstack([gz[:, None] * cx, g[:, 1:]])
        wcell = mass * gz * gz
        cross = np.empty((n, q))
        for col in range(q):
            t = mass * gz * a[:, col]
            cross[:, col] = np.bincount(ci, t, n) - np.bincount(cj, t, n)
        hqq = (a * mass[:, None]).T @ a
    else:
        ci, cj = cells.ci, cells.cj
        grad = np.empty(n + q)
        wcell = np.empty(ci.shape[0])
        cross = np.empty((n, q))
        hqq = np.empty((q, q))
        _kc.cell_pass(*args, *cells.arrays(), grad, wcell, cross, hqq)
    ei, ej, ew = _edges(n, ci, cj, wcell)
    info = _Information(n, ei, ej, ew, float(fit.penalty), np.ascontiguousarray(cross),
                        0.5 * (hqq + hqq.T), list(fit._names), kind)
    if kind in ("sandwich", "cluster"):
        g = _kc.cell_scores(*args, cells.ci, cells.cj, cells.cx, cells.ck, fit._threads())
        if kind == "sandwich":
            ptr, cell, coef, mass = fit._comparison_atoms()
        else:
            ptr, cell, coef, n_clusters = fit._cluster_units(fit._cluster_codes)
            mass = np.full(n_clusters, fit._cluster_factor(n_clusters))
        unit = np.repeat(np.arange(ptr.shape[0] - 1), np.diff(ptr))
        gz = coef * g[cell, 0]
        m = unit.shape[0]
        p = q - n_lin
        rows = [unit, unit, np.repeat(unit, n_lin), np.repeat(unit, p)]
        cols = [cells.ci[cell], cells.cj[cell], np.tile(n + np.arange(n_lin), m),
                np.tile(n + n_lin + np.arange(p), m)]
        vals = [gz, -gz, (gz[:, None] * cells.cx[cell]).ravel(),
                (coef[:, None] * g[cell, 1:]).ravel()]
        info.units = sp.coo_matrix((np.concatenate(vals),
                                    (np.concatenate(rows), np.concatenate(cols))),
                                   shape=(mass.shape[0], n + q)).tocsr()
        info.mass = np.asarray(mass, dtype=float)
    return info


# ============================================================================ solvers
class _CG:
    """``L_s^+ b`` by block Jacobi-PCG on the pair list."""

    name = "cg"

    def __init__(self, info, tol):
        n = info.n
        self.info = info
        self.tol = tol
        deg = info.deg
        c = float(deg.mean())
        self.c = c if c > 0 and math.isfinite(c) else 1.0
        self.diag = np.where(deg > 0, deg, self.c) + self.c / n
        self.shift = np.full(n, info.penalty)
        self.max_iter = n + 1000
        self.n_solves = 0
        self.worst = 0

    def solve(self, b):
        """``L_s^+ b`` for a block ``b`` (``(n, k)``, columns summing to zero)."""
        info = self.info
        b = np.asarray(b, dtype=float)
        b = b - b.mean(axis=0)
        out = np.empty_like(b)
        for start in range(0, b.shape[1], _BLOCK):
            rhs = np.ascontiguousarray(b[:, start:start + _BLOCK])
            x = np.empty_like(rhs)
            it = _kl.block_pcg(info.n, info.pi, info.pj, info.w, self.shift, self.c,
                               self.diag, rhs, x, self.tol, self.max_iter)
            self.worst = max(self.worst, int(it.max()) if it.shape[0] else 0)
            if np.any(it >= self.max_iter):
                warnings.warn(f"conjugate gradients did not reach tol={self.tol:g} in "
                              f"{self.max_iter} iterations (the comparison graph is poorly "
                              f"connected); the variances are less accurate. Try "
                              f"solver='factor' or a looser tol.", ConvergenceWarning,
                              stacklevel=4)
            out[:, start:start + _BLOCK] = x
            self.n_solves += rhs.shape[1]
        return out - out.mean(axis=0)


@dataclass
class _Plan:
    """The envelope of the grounded information: which item is grounded, the RCM order
    and the profile (known before any arithmetic)."""

    root: int
    idx: np.ndarray       # original item of each envelope row
    low: object           # CSR lower triangle, in envelope order
    g: np.ndarray
    ptr: np.ndarray

    @property
    def size(self):
        return int(self.ptr[-1])

    @property
    def work(self):
        m = self.g.shape[0]
        wd = (np.arange(m) - self.g).astype(float)
        return float(wd @ wd)


def _plan(info):
    n = info.n
    deg = info.deg
    root = int(np.argmax(deg))
    a = sp.coo_matrix((np.concatenate([-info.w, -info.w, deg]),
                       (np.concatenate([info.pi, info.pj, np.arange(n)]),
                        np.concatenate([info.pj, info.pi, np.arange(n)]))),
                      shape=(n, n)).tocsr()
    keep = np.delete(np.arange(n), root)
    ag = a[keep][:, keep]
    perm = reverse_cuthill_mckee(ag, symmetric_mode=True).astype(np.int64)
    low = sp.tril(ag[perm][:, perm], format="csr")
    g, ptr = _kl.envelope_profile(n - 1, low.indptr.astype(np.int64),
                                  low.indices.astype(np.int64))
    return _Plan(root, keep[perm], low, g, ptr)


class _Factor:
    """``L_s^+`` through the ``L D L'`` factors of ``A_g``, the information grounded at item
    ``r`` (its row and column deleted), in the envelope of its RCM order.

    With ``G = A_g^{-1}`` padded with a zero row and column ``r``, ``w = G 1`` and
    ``rho = penalty / (1 + sum_j W_rj w_j)``:
    ``L_s^+ = P G P + rho (P w)(P w)'`` (``P = I - 11'/n``; ``rho = 0`` without a penalty).
    """

    name = "factor"

    def __init__(self, info, plan):
        self.info = info
        self.plan = plan
        n = info.n
        m = n - 1
        _v.check_memory(8 * plan.size, "n_items", n,
                        f"the envelope factorisation ({plan.size:,} entries)",
                        "Use estimator='stochastic' or solver='cg'.")
        low = plan.low
        self.val = _kl.envelope_fill(m, low.indptr.astype(np.int64),
                                     low.indices.astype(np.int64), low.data, plan.g, plan.ptr)
        bad = _kl.envelope_ldl(m, plan.g, plan.ptr, self.val)
        if bad >= 0:
            raise np.linalg.LinAlgError(_SINGULAR)
        self.factored = True
        self.n_solves = 0
        self.worst = 0
        self.w = self._grounded(np.ones((n, 1)))[:, 0]
        r = plan.root
        at_r = np.where(info.pi == r, info.pj, np.where(info.pj == r, info.pi, -1))
        inc = at_r >= 0
        self.rho = info.penalty / (1.0 + float(info.w[inc] @ self.w[at_r[inc]]))
        self.pw = self.w - self.w.mean()

    def _grounded(self, b):
        """``G b`` (zero in row ``r``)."""
        if not self.factored:  # pragma: no cover - internal order of calls
            raise RuntimeError("the factors were overwritten by the selected inverse")
        plan = self.plan
        m = plan.g.shape[0]
        out = np.zeros_like(b, dtype=float)
        for start in range(0, b.shape[1], _BLOCK):
            blk = np.ascontiguousarray(b[plan.idx, start:start + _BLOCK], dtype=float)
            _kl.envelope_solve(m, plan.g, plan.ptr, self.val, blk)
            out[plan.idx, start:start + _BLOCK] = blk
            self.n_solves += blk.shape[1]
        return out

    def solve(self, b):
        """``L_s^+ b`` for a block ``b`` whose columns sum to zero."""
        b = np.asarray(b, dtype=float)
        b = b - b.mean(axis=0)
        x = self._grounded(b)
        x -= x.mean(axis=0)
        if self.rho:
            x += self.rho * np.outer(self.pw, self.pw @ b)
        return x

    def diagonal(self):
        """``diag(L_s^+)`` (overwrites the factors: call the solves first)."""
        plan = self.plan
        n = self.info.n
        d_env = _kl.envelope_selected_inverse(plan.g.shape[0], plan.g, plan.ptr, self.val)
        self.factored = False
        gdiag = np.zeros(n)
        gdiag[plan.idx] = d_env
        w = self.w
        return gdiag - 2.0 * w / n + w.sum() / n ** 2 + self.rho * self.pw ** 2


def _feasible(plan):
    return plan.size <= _checks.MAX_ENVELOPE_ENTRIES and plan.work <= _checks.MAX_ENVELOPE_WORK


def _infeasible_text(plan, n):
    return (f"the exact sparse factorisation of the information of these {n:,} items needs "
            f"an envelope of {plan.size:,} entries ({_v.bytes_text(8 * plan.size)}) and "
            f"{plan.work:.2g} units of work, beyond btstats' limits "
            f"(MAX_ENVELOPE_ENTRIES = {_checks.MAX_ENVELOPE_ENTRIES:,}, MAX_ENVELOPE_WORK = "
            f"{_checks.MAX_ENVELOPE_WORK:.2g}): the comparison graph is too far from a band "
            f"(random pairings are)")


def _solver(info, solver, tol, n_solves, need_diagonal):
    """The linear solver: ``"factor"`` when asked or, for ``"auto"``, when the envelope
    fits and its work is below that of ``n_solves`` CG solves (about 50 passes each); the
    factorisation whenever the whole diagonal is needed (``need_diagonal``)."""
    if solver == "cg":
        return _CG(info, tol)
    plan = _plan(info)
    if (need_diagonal or solver == "factor") and not _feasible(plan):
        fix = (" Use fit.standard_errors (dense) up to MAX_DENSE_COVARIANCE items, "
               "estimator='stochastic' (a Monte-Carlo estimate with its standard error), or "
               "items=[...] for exact variances of chosen items; for the leaderboard without "
               "intervals, to_frame(intervals=False)." if need_diagonal
               else " Use solver='cg' (or solver='auto'), or raise the limits in "
               "btstats._checks if the memory and time are acceptable.")
        raise MemoryError(_infeasible_text(plan, info.n) + "." + fix)
    if solver == "factor" or need_diagonal:
        return _Factor(info, plan)
    if not _feasible(plan):
        return _CG(info, tol)
    cg_work = n_solves * 50.0 * (6.0 * info.pi.shape[0] + 12.0 * info.n)
    if 1.5 * plan.work + 2.0 * n_solves * plan.size <= cg_work:
        return _Factor(info, plan)
    return _CG(info, tol)


class _Bordered:
    """Solves with the whole information ``[[L_s, B], [B', C]]`` through the Schur
    complement ``S = C - B' L_s^+ B``."""

    def __init__(self, info, solver):
        self.info = info
        self.solver = solver
        q = info.q
        if q:
            self.x = solver.solve(info.cross)
            s = info.hqq - info.cross.T @ self.x
            s = 0.5 * (s + s.T)
            try:
                np.linalg.cholesky(s)
                self.s_inv = np.linalg.inv(s)
            except np.linalg.LinAlgError as exc:
                raise np.linalg.LinAlgError(_SINGULAR) from exc
            self.s_inv = 0.5 * (self.s_inv + self.s_inv.T)
        else:
            self.x = np.zeros((info.n, 0))
            self.s_inv = np.zeros((0, 0))

    def solve(self, bs, bq=None):
        """``(xs, xq)`` with ``[[L_s, B], [B', C]] [xs; xq] = [bs; bq]``."""
        x1 = self.solver.solve(bs)
        if not self.info.q:
            return x1, np.zeros((0, x1.shape[1]))
        u = -(self.info.cross.T @ x1)
        if bq is not None:
            u = u + bq
        xq = self.s_inv @ u
        return x1 - self.x @ xq, xq

    def coefficient_covariance(self):
        """Covariance of the parameters beyond the scores (``q x q``)."""
        if not self.info.robust:
            return self.s_inv.copy()
        y = np.vstack([-self.x @ self.s_inv, self.s_inv])
        u = self.info.units @ y
        cov = (u * self.info.mass[:, None]).T @ u
        return 0.5 * (cov + cov.T)

    def rank_q_diagonal(self):
        """``diag(X S^-1 X')``: what the parameters beyond the scores add to the scores'
        (model-based) variances."""
        return np.einsum("ij,jk,ik->i", self.x, self.s_inv, self.x)

    def variances_of(self, v):
        """``diag(V' Cov V)`` for a block ``V`` (``(n, k)``) of score vectors summing to 0."""
        xs, xq = self.solve(v)
        if self.info.robust:
            return self.info.meat_quadratic(np.vstack([xs, xq]))
        return np.einsum("ij,ij->j", v, xs)

    def covariance_times(self, z):
        """``Cov_ss z`` for a block ``z`` (robust covariances: two solves per column)."""
        pz = z - z.mean(axis=0)
        xs, xq = self.solve(pz)
        if not self.info.robust:
            return xs
        gy = self.info.meat(np.vstack([xs, xq]))
        ts, _ = self.solve(gy[:self.info.n], gy[self.info.n:])
        return ts


class _Control:
    """The control variate ``K = D^-1 + D^-1 W D^-1 + D^-1 W D^-1 W D^-1`` (the first terms
    of the Neumann series of ``L_s^-1``, ``D`` its diagonal, ``W`` the pair weights), whose
    diagonal, and its quadratic forms, are exact and cheap."""

    def __init__(self, info):
        n = info.n
        deg = info.deg
        d = np.where(deg > 0, deg, max(float(deg.mean()), 1.0))
        self.dinv = 1.0 / d
        self.wm = sp.coo_matrix((np.concatenate([info.w, info.w]),
                                 (np.concatenate([info.pi, info.pj]),
                                  np.concatenate([info.pj, info.pi]))),
                                shape=(n, n)).tocsr()
        dk = self.dinv + self.dinv ** 2 * (self.wm.multiply(self.wm) @ self.dinv)
        k1 = self.apply(np.ones((n, 1)))[:, 0]
        self.p_diag = dk - 2.0 * k1 / n + k1.sum() / n ** 2

    def apply(self, x):
        a = self.dinv[:, None] * x
        c = self.dinv[:, None] * (self.wm @ a)
        return a + c + self.dinv[:, None] * (self.wm @ c)

    def apply_projected(self, z):
        """``P K P z``."""
        y = self.apply(z - z.mean(axis=0))
        return y - y.mean(axis=0)

    def contrast_quadratic(self, cmat):
        """``diag(C K C')`` for a sparse ``C`` (rows summing to zero, so ``P`` drops)."""
        f = cmat @ sp.diags(self.dinv)
        fw = f @ self.wm
        h = fw @ sp.diags(np.sqrt(self.dinv))
        return (np.asarray(f.multiply(cmat).sum(axis=1)).ravel()
                + np.asarray(fw.multiply(f).sum(axis=1)).ravel()
                + np.asarray(h.multiply(h).sum(axis=1)).ravel())


# ============================================================================ validation
def _is_label_list(x):
    return isinstance(x, (list, np.ndarray, pd.Series, pd.Index))


def _contrast_matrix(items, contrasts):
    """``(C, labels)``: the contrasts as a sparse ``k x n`` matrix of weights (rows summing to
    zero) and their labels."""
    n = len(items)
    if isinstance(contrasts, (dict, pd.Series)):
        c, label = _contrast_iv(items, contrasts, None)
        return sp.csr_matrix(c[None, :]), [label]
    if isinstance(contrasts, pd.DataFrame):
        idx = _positions(items, list(contrasts.columns), "contrasts (columns)")
        w = contrasts.to_numpy(dtype=float)
        cmat = sp.coo_matrix((w.ravel(), (np.repeat(np.arange(w.shape[0]), w.shape[1]),
                                          np.tile(idx, w.shape[0]))),
                             shape=(w.shape[0], n)).tocsr()
        return _checked_rows(cmat, [str(x) for x in contrasts.index])
    if sp.issparse(contrasts):
        if contrasts.ndim != 2 or contrasts.shape[1] != n:
            raise ValueError(f"a sparse matrix of contrasts must have shape (k, n_items) = "
                             f"(k, {n}), one row of weights per contrast; got "
                             f"{contrasts.shape}.")
        cmat = sp.csr_matrix(contrasts, dtype=float)
        return _checked_rows(cmat, None, items)
    if isinstance(contrasts, np.ndarray) and contrasts.dtype != object:
        arr = np.asarray(contrasts, dtype=float)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2 or arr.shape[1] != n:
            raise ValueError(f"an array of contrasts must have shape (k, n_items) = (k, {n}) "
                             f"(one row of weights per contrast, items in the order of "
                             f"fit.items) or (n_items,); got {np.shape(contrasts)}.")
        if not np.all(np.isfinite(arr)):
            raise ValueError("contrast weights must be finite.")
        return _checked_rows(sp.csr_matrix(arr), None, items)
    if isinstance(contrasts, (list, tuple)) and len(contrasts) > 0 and all(
            isinstance(p, tuple) and len(p) == 2 for p in contrasts):
        a = _positions(items, [p[0] for p in contrasts], "contrasts")
        b = _positions(items, [p[1] for p in contrasts], "contrasts")
        same = np.flatnonzero(a == b)
        if same.size:
            p = contrasts[int(same[0])]
            raise ValueError(f"contrast {p!r} compares an item with itself (0 with no "
                             f"uncertainty); give two different items.")
        k = a.shape[0]
        cmat = sp.csr_matrix((np.tile([1.0, -1.0], k), (np.repeat(np.arange(k), 2),
                                                         np.stack([a, b], 1).ravel())),
                             shape=(k, n))
        return cmat, [f"{p[0]} - {p[1]}" for p in contrasts]
    raise TypeError(f"`contrasts` must be a list of (a, b) label pairs (each s_a - s_b), a "
                    f"dict or Series {{label: weight}} (one contrast), a (k, n_items) array, "
                    f"sparse matrix or DataFrame (columns: items) of weights; got "
                    f"{contrasts!r:.80}.")


def _checked_rows(cmat, labels, items=None):
    cmat.sum_duplicates()
    scale = np.asarray(abs(cmat).sum(axis=1)).ravel()
    total = np.asarray(cmat.sum(axis=1)).ravel()
    if cmat.shape[0] == 0:
        raise ValueError("`contrasts` is empty: give at least one row of weights.")
    zero = np.flatnonzero(scale == 0)
    if zero.size:
        raise ValueError(f"contrast row {int(zero[0])} has all weights zero; give nonzero "
                         f"weights that sum to 0.")
    bad = np.flatnonzero(np.abs(total) > 1e-10 * scale)
    if bad.size:
        k = int(bad[0])
        raise ValueError(f"contrast weights must sum to 0 in every row (only such contrasts "
                         f"of the scores are estimable); row {k} sums to {total[k]:.6g}.")
    if labels is None:
        labels = []
        for k in range(cmat.shape[0]):
            row = cmat.getrow(k)
            if row.nnz <= 4:
                dense = np.zeros(len(items))
                dense[row.indices] = row.data
                labels.append(_written(items, dense))
            else:
                labels.append(f"contrast {k}")
    return cmat, labels


def _variances_iv(fit, items, contrasts, estimator, tol, n_probes, rng, solver):
    _v.check_choice(estimator, "estimator", ESTIMATORS)
    _v.check_choice(solver, "solver", SOLVERS)
    if tol is None:
        tol = _TOL_EXACT if estimator == "exact" else _TOL_STOCHASTIC
    tol = float(_v.check_number(tol, "tol", low=0.0, low_open=True))
    if tol >= 1.0:
        raise ValueError(f"`tol` (the relative residual of the solves) must be below 1, e.g. "
                         f"1e-10; got {tol!r}.")
    if estimator == "exact":
        if n_probes is not None:
            raise ValueError("`n_probes` applies to estimator='stochastic' only (the exact "
                             "estimator draws no probes).")
        n_probes = 0
        gen = None
    else:
        n_probes = _N_PROBES if n_probes is None else n_probes
        n_probes = int(_v.check_number(n_probes, "n_probes", low=2, integer=True))
        gen = _v.as_generator(rng)
    if items is not None and contrasts is not None:
        raise ValueError("pass `items` or `contrasts`, not both (call variances() twice).")
    labels = fit.items
    cmat = None
    if contrasts is not None:
        cmat, names = _contrast_matrix(labels, contrasts)
        index = pd.Index(names, name="contrast", dtype=object)
        idx = None
    else:
        if items is None:
            idx = np.arange(fit.n_items)
        else:
            idx = _positions(labels, list(items) if _is_label_list(items) else [items],
                             "items")
        index = pd.Index(labels[idx], name="item")
    return tol, n_probes, gen, idx, cmat, index


# ============================================================================ public
def variances(fit, items=None, *, contrasts=None, estimator="exact", tol=None, n_probes=None,
              rng=None, solver="auto"):
    r"""Variances of a fit's centred scores, or of contrasts of them, without an n x n matrix.

    Parameters
    ----------
    fit : PairwiseFit
        A fit of :func:`btstats.fit` (pair-count models or the general core); its covariance
        type (:meth:`~btstats.PairwiseFit.with_covariance`) is used.
    items : label or list of labels, optional
        The items whose score variances are wanted (default: all).
    contrasts : optional
        Contrasts instead of items: a list of ``(a, b)`` label pairs (``s_a - s_b``), a dict or
        Series ``{label: weight}`` (one contrast), or weights as a ``(k, n_items)`` array, scipy
        sparse matrix or DataFrame with items as columns; every row must sum to zero.
    estimator : {"exact", "stochastic"}
        ``"exact"``: each variance by solves to ``tol``, all items at once by the sparse
        factorisation (when the graph allows it, see Raises).  ``"stochastic"``: Hutchinson's
        estimator with ``n_probes`` Rademacher probes and a control variate, each probe one
        solve (two for sandwich / cluster covariances), with a Monte-Carlo standard error.
    tol : float, optional
        Relative residual ``||r|| / ||b||`` at which the conjugate-gradient solves stop:
        default ``1e-10`` (exact), ``1e-6`` (stochastic).  Unused by the factorisation.
    n_probes : int, optional
        Probes of the stochastic estimator (default 100, at least 2).
    rng : None, int or numpy.random.Generator
        Source of the probes (turned into a Generator once; unused by ``"exact"``).
    solver : {"auto", "cg", "factor"}
        ``"cg"``: Jacobi-preconditioned conjugate gradients on the pair list;
        ``"factor"``: the envelope factorisation; ``"auto"``: the factorisation when its
        envelope fits ``MAX_ENVELOPE_ENTRIES`` / ``MAX_ENVELOPE_WORK`` and costs less than
        the solves by CG, else CG.

    Returns
    -------
    Variances
        ``estimate``, ``variance``, ``standard_error``, ``variance_mcse`` (the stochastic
        estimator's Monte-Carlo error), ``coefficient_variance`` (the parameters beyond the
        scores), ``confidence_interval()``, ``to_frame()``, ``summary()``.

    Raises
    ------
    KeyError
        For an item label that is not one of the fit's items (named in the message).
    ValueError
        For contrasts of the wrong shape, not summing to zero, or all zero; for ``items``
        and ``contrasts`` together; for ``n_probes`` with the exact estimator.
    MemoryError
        For the exact variances of all items when the envelope of the grounded
        information is beyond the limits (a comparison graph far from a band, e.g. random
        pairings): the message says what to use instead (``fit.standard_errors`` up to
        ``MAX_DENSE_COVARIANCE`` items, ``estimator="stochastic"``, or ``items=``).
    NotImplementedError
        For fits with item covariates (use ``fit.abilities``), and for the exact
        variances of all items under a sandwich or cluster covariance (use
        ``estimator="stochastic"`` or ``items=``).

    Notes
    -----
    *Exact, by solves.*  With ``L_s`` the score block of the information (a weighted
    Laplacian plus the penalty), ``B`` the cross block and ``C`` the block of the ``q``
    parameters beyond the scores, the covariance of the centred scores is
    ``V = L_s^+ + X S^{-1} X'`` with ``X = L_s^+ B`` and ``S = C - B' X``, and that of the
    other parameters ``S^{-1}``.  So ``Var(c's) = c' L_s^+ c + (X'c)' S^{-1} (X'c)`` costs one
    solve ``L_s x = c`` (consistent: ``c`` sums to zero) after the ``q`` solves for ``X``; an
    item is ``c = e_i - 1/n``.  Under a sandwich or cluster covariance
    ``V = H^+ G H^+`` with ``G = sum_u m_u U_u U_u'`` (comparisons or clusters ``u``), and
    ``Var(c's) = sum_u m_u (U_u' y)^2`` with ``y = H^+ (c, 0)``.  Conjugate gradients stop at
    ``||r|| <= tol ||b||``; for the model-based variance of a contrast without extra
    parameters the error is then ``c'x* - c'x = ||x* - x||_L^2 <= tol^2 ||c||^2 /
    lambda_2`` (CG's Galerkin property: a slight underestimate), in practice far below
    ``tol``.

    *Exact, all items, by the factorisation.*  Ground item ``r`` (the best connected):
    ``A_g`` is ``L_s`` without row and column ``r``, positive definite for a connected graph.
    With ``G = A_g^{-1}`` padded by a zero row and column ``r``, ``w = G 1`` and
    ``P = I - 11'/n``,

    .. math:: L_s^+ = P G P + \rho\, (P w)(P w)', \qquad
              \rho = \frac{\lambda}{1 + \sum_j W_{rj} w_j},

    (``lambda`` the penalty, ``W_rj`` the pair weights of ``r``: without a penalty ``P G P``
    is the pseudo-inverse of the Laplacian; with one, the rank-one term restores what the
    grounding removed, without cancellation).  So
    ``diag(L_s^+)_i = G_ii - 2 w_i / n + 1'w / n^2 + rho (P w)_i^2``.  ``A_g`` is ordered by
    reverse Cuthill-McKee and factorised ``L D L'`` inside its envelope, where no fill falls
    outside; Takahashi's recurrences ``Z_{ki} = -sum_{j > i} Z_{kj} L_{ji}``,
    ``Z_ii = 1/d_i - sum_{j > i} L_{ji} Z_{ji}`` give ``G`` on the same envelope (all of
    its diagonal), in the same memory.  The error is that of a Cholesky factorisation
    (about ``1e-15`` relative to the variances for well-conditioned data).

    *Stochastic.*  For Rademacher probes ``z`` (independent signs), ``E[z_i (E z)_i] =
    E_ii``, so the mean of ``z o (E z)`` over probes estimates ``diag(E)`` without bias, with
    per-probe variance ``sum_{j != i} E_ij^2`` (Hutchinson 1990; Bekas, Kokiopoulou and
    Saad 2007).  It is applied to ``E = V - P K P``, ``K = D^-1 + D^-1 W D^-1 + D^-1 W D^-1
    W D^-1`` (the first terms of the Neumann series of ``L_s^-1``; ``D`` its diagonal)
    whose diagonal is added back exactly: ``K`` carries the covariance between neighbours
    and neighbours of neighbours, which dominate the probe noise, cutting it about 4-fold
    for 10 comparisons per item (and the rank-``q`` term ``X S^-1 X'`` is added exactly).
    ``variance_mcse`` is the sample standard deviation of the per-probe estimates over
    ``sqrt(n_probes)``; contrasts use ``(c'z)(c'E z)`` and ``c'Kc`` alike.

    References
    ----------
    .. [1] Hutchinson, M. F. (1990). A stochastic estimator of the trace of the influence
       matrix for Laplacian smoothing splines. Comm. Statist. Simul. Comput. 19, 433-450.
    .. [2] Bekas, C., Kokiopoulou, E. and Saad, Y. (2007). An estimator for the diagonal of
       a matrix. Appl. Numer. Math. 57, 1214-1229.
    .. [3] Takahashi, K., Fagan, J. and Chen, M.-S. (1973). Formation of a sparse bus
       impedance matrix and its application to short circuit study. PICA Proceedings.
    .. [4] George, A. and Liu, J. W. (1981). Computer Solution of Large Sparse Positive
       Definite Systems. Prentice-Hall (ch. 4, envelope methods).

    Examples
    --------
    >>> import btstats
    >>> from btstats.inference.large import variances
    >>> fit = btstats.fit(btstats.load_example("baseball"))
    >>> res = variances(fit, ["Milwaukee", "Baltimore"])
    >>> res.standard_error.round(4)
    item
    Milwaukee    0.2074
    Baltimore    0.2325
    Name: standard_error, dtype: float64
    >>> round(float(res.standard_error["Milwaukee"] - fit.standard_errors["Milwaukee"]), 12)
    0.0
    >>> variances(fit, contrasts=[("Milwaukee", "Baltimore")]).standard_error.round(4)
    contrast
    Milwaukee - Baltimore    0.3433
    Name: standard_error, dtype: float64
    >>> st = variances(fit, estimator="stochastic", n_probes=200, rng=1)
    >>> bool(((st.variance - fit.standard_errors ** 2).abs() < 4 * st.variance_mcse).all())
    True
    """
    tol, n_probes, gen, idx, cmat, index = _variances_iv(fit, items, contrasts, estimator,
                                                          tol, n_probes, rng, solver)
    info = _information(fit)
    n = info.n
    all_items = cmat is None and idx.shape[0] == n and bool(np.all(idx == np.arange(n)))
    if estimator == "exact" and items is None and contrasts is None and solver == "cg":
        raise ValueError("the exact variances of all items come from the sparse "
                         "factorisation: use solver='auto' or 'factor' (or items=[...] for "
                         "solves by CG, or estimator='stochastic').")
    # all items listed with solver='cg' (or under a robust covariance, whose diagonal the
    # factorisation does not give): one solve each, as asked
    exact_diagonal = (estimator == "exact" and all_items and solver != "cg"
                      and not (info.robust and items is not None))
    if exact_diagonal and info.robust:
        raise NotImplementedError(
            f"the exact variances of all {n:,} items under the {info.covariance_type} "
            f"covariance need full columns of the inverse information (not only its "
            f"diagonal); use estimator='stochastic', items=[...] (exact, one solve each), or "
            f"fit.standard_errors up to MAX_DENSE_COVARIANCE items.")
    if estimator == "stochastic":
        n_solves = n_probes * (2 if info.robust else 1)
    else:
        n_solves = cmat.shape[0] if cmat is not None else idx.shape[0]
    lin = _solver(info, solver, tol, n_solves + info.q, exact_diagonal)
    bordered = _Bordered(info, lin)
    coef_var = np.diag(bordered.coefficient_covariance()) if info.q else np.zeros(0)
    if estimator == "exact":
        if exact_diagonal:
            var = lin.diagonal() + bordered.rank_q_diagonal()
        elif cmat is not None:
            var = _block_map(lambda v: bordered.variances_of(v), cmat.T.tocsc(), n)
        else:
            def cols(sel):
                v = np.full((n, sel.shape[0]), -1.0 / n)
                v[sel, np.arange(sel.shape[0])] += 1.0
                return bordered.variances_of(v)
            var = np.concatenate([cols(idx[s:s + _BLOCK]) for s in range(0, idx.shape[0],
                                                                         _BLOCK)])
        mcse = np.zeros(var.shape[0])
    else:
        var, mcse = _stochastic(info, bordered, idx, cmat, n_probes, gen)
    if cmat is not None:
        est = cmat @ np.asarray(fit._s, dtype=float)
    else:
        est = np.asarray(fit._s, dtype=float)[idx]
    return Variances(estimate=pd.Series(est, index=index, name="estimate"),
                     variance=pd.Series(var, index=index, name="variance"),
                     variance_mcse=pd.Series(mcse, index=index, name="variance_mcse"),
                     coefficient_variance=pd.Series(coef_var,
                                                    index=pd.Index(info.names,
                                                                   name="parameter",
                                                                   dtype=object),
                                                    name="variance"),
                     estimator=estimator, solver=lin.name,
                     tol=tol if lin.name == "cg" else math.nan,
                     n_probes=n_probes, covariance_type=info.covariance_type,
                     n_solves=int(lin.n_solves))


def _block_map(func, cols, n):
    """``func`` over blocks of ``_BLOCK`` columns of the sparse ``n x k`` matrix ``cols``."""
    out = []
    for s in range(0, cols.shape[1], _BLOCK):
        out.append(func(cols[:, s:s + _BLOCK].toarray()))
    return np.concatenate(out)


def _stochastic(info, bordered, idx, cmat, n_probes, gen):
    """Hutchinson's estimator of ``diag(V)`` (or ``diag(C V C')``) with the control
    variate; returns ``(variance, mcse)``."""
    n = info.n
    control = _Control(info)
    m = idx.shape[0] if cmat is None else cmat.shape[0]
    total = np.zeros(m)
    total2 = np.zeros(m)
    for start in range(0, n_probes, _BLOCK):
        k = min(_BLOCK, n_probes - start)
        z = np.ascontiguousarray((2.0 * gen.integers(0, 2, size=(k, n), dtype=np.int8)
                                  - 1.0).T)
        if info.robust:
            vz = bordered.covariance_times(z)
        else:
            vz = bordered.solver.solve(z)
        e = vz - control.apply_projected(z)
        if cmat is None:
            prod = z[idx] * e[idx]
        else:
            prod = (cmat @ z) * (cmat @ e)
        total += prod.sum(axis=1)
        total2 += (prod * prod).sum(axis=1)
    mean = total / n_probes
    spread = np.maximum(total2 - n_probes * mean * mean, 0.0) / (n_probes - 1)
    mcse = np.sqrt(spread / n_probes)
    if cmat is None:
        exact = control.p_diag[idx]
        if not info.robust and info.q:
            exact = exact + bordered.rank_q_diagonal()[idx]
    else:
        exact = control.contrast_quadratic(cmat)
        if not info.robust and info.q:
            cx = cmat @ bordered.x
            exact = exact + np.einsum("ij,jk,ik->i", cx, bordered.s_inv, cx)
    return mean + exact, mcse


def _dense_only(fit):
    """The MemoryError of the dense path for fits the sparse one does not cover."""
    if hasattr(fit, "item_covariate_names"):
        n = fit.n_items
        raise MemoryError(f"standard errors of the scores of {n:,} items need dense "
                          f"{n:,} x {n:,} matrices for a fit with item covariates; btstats "
                          f"stops at MAX_DENSE_COVARIANCE items. For the leaderboard without "
                          f"intervals use to_frame(intervals=False).")


def standard_errors(fit):
    """Standard errors of all the centred scores by the exact sparse factorisation (what
    :attr:`btstats.PairwiseFit.standard_errors` uses beyond ``MAX_DENSE_COVARIANCE`` items);
    an ndarray.  Raises MemoryError, naming the alternatives, when the factorisation is
    beyond the limits or the covariance is a sandwich / cluster one."""
    n = fit.n_items
    _dense_only(fit)
    if fit.covariance_type in ("sandwich", "cluster"):
        raise MemoryError(f"{fit.covariance_type} standard errors of all {n:,} items need "
                          f"full columns of the inverse information, beyond "
                          f"MAX_DENSE_COVARIANCE items; use fit.variances(estimator="
                          f"'stochastic') (Monte-Carlo, with its error) or fit.variances(items="
                          f"[...]) (exact). For the leaderboard without intervals use "
                          f"to_frame(intervals=False).")
    try:
        return variances(fit).standard_error.to_numpy()
    except MemoryError as exc:
        gib = 8.0 * (n + 1) ** 2 / 2 ** 30
        why = str(exc).split(". Use ")[0]
        raise MemoryError(
            f"standard errors for {n:,} items: the dense {n:,} x {n:,} covariance "
            f"({gib:.1f} GiB) is beyond MAX_DENSE_COVARIANCE, and {why}. Use "
            f"fit.variances(estimator='stochastic') (a Monte-Carlo estimate with its "
            f"standard error per item), fit.variances(items=[...]) or fit.contrast() (exact, "
            f"one sparse solve each); for the leaderboard without intervals use "
            f"to_frame(intervals=False).") from None


def coefficient_covariance(fit):
    """Covariance of the parameters beyond the scores (``q x q`` ndarray) by ``q`` sparse
    solves."""
    _dense_only(fit)
    info = _information(fit)
    lin = _solver(info, "auto", _TOL_EXACT, info.q, False)
    return _Bordered(info, lin).coefficient_covariance()


def contrast(fit, a, b=None):
    """:meth:`btstats.PairwiseFit.contrast` by one sparse solve (no n x n covariance)."""
    _dense_only(fit)
    items = pd.Index(fit.items, dtype=object)
    c, label = _contrast_iv(items, a, b)
    res = variances(fit, contrasts=sp.csr_matrix(c[None, :]))
    est = float(c @ np.asarray(fit._s, dtype=float))
    return Contrast(estimate=est, standard_error=float(res.standard_error.iloc[0]),
                    weights=pd.Series(c, index=fit.items, name="weight"), label=label,
                    covariance_type=str(fit.covariance_type))
