"""Bootstrap distributions of the scores, and intervals computed from them.

:func:`bootstrap` (or :meth:`PairwiseFit.bootstrap`) redraws the data ``n_resamples`` times,
refits every replicate from the full-data estimate (Numba, in parallel over replicates) and
returns a :class:`BootstrapResult`, from which percentile, basic and BCa intervals, rank
intervals and rank probabilities are computed without refitting.
"""
import math
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import pandas as pd

from .. import _progress
from .. import _validation as _v
from .._checks import DENSE_MAX, strongly_connected
from .._results import ConfidenceInterval, ResultBase
from . import ranks as _ranks
from .intervals import jackknife_acceleration
from .._kernels import cells as _kc
from .._kernels import likelihood as _likelihood
from .._kernels import mm as _mm
from .._kernels import newton as _newton
from .._kernels import resample as _rs
from .._kernels import resample_cells as _rsc
from .._kernels import robust as _robust
from ..data.rows import cluster_labels, units
from ..data.cells import expand_groups, pair_structure
from ..exceptions import DegenerateResampleWarning
from .._scale import ELO_BASE, ELO_PER_UNIT
from ..plotting import plot_bootstrap_scores, plot_distributions

__all__ = ["bootstrap_fit", "BootstrapResult"]

KINDS = ("nonparametric", "parametric")
#: The interval kinds of :meth:`BootstrapResult.confidence_interval` (``interval=``).
INTERVALS = ("percentile", "basic", "bca")
from .._kernels.links import LOGISTIC as _LOGISTIC
#: Tolerance of the replicate fits (the convergence measure of :func:`btstats.fit`): far below
#: any bootstrap standard error, and one Newton step cheaper than the default 1e-10.
REPLICATE_TOL = 1e-9


# ---------------------------------------------------------------------------- the designs
class _Design:
    """What :func:`run_replicates` and :class:`BootstrapResult` need of a fitted model's data.

    A design knows the columns of the bootstrap distribution (the centred scores, then the
    parameters beyond them), runs a block of replicates into rows of ``(scores, extra,
    status)`` and runs the jackknife.  :class:`_PairDesign` serves the pair-count fits
    (kernels of :mod:`._kernels.resample`), :class:`_CellDesign` the fits of the general
    model core (:mod:`._kernels.resample_cells`); a new scheme overrides these methods.

    Attributes: ``fit``, ``kind`` (``"nonparametric"`` / ``"parametric"``), ``mode``
    (``"cells"``: comparisons resampled, ``"cluster"``: clusters), ``n_extra`` (columns of
    ``extra`` the kernels write per replicate).
    """

    n_extra = 1

    @staticmethod
    def n_columns(fit):
        """Columns of the distribution (for the memory check before the design is built)."""
        raise NotImplementedError

    def columns(self):
        """Names of the distribution's columns."""
        raise NotImplementedError

    def estimate(self):
        """The full-data estimate, one value per column."""
        raise NotImplementedError

    def distribution(self, out_s, out_extra):
        """The distribution's rows from the kernels' ``(scores, extra)`` rows."""
        raise NotImplementedError

    def run_block(self, seeds, out_s, out_extra, out_status, degenerate, fallback_penalty,
                  tol):
        """Replicate ``r`` (seeded by ``seeds[r]``) into row ``r`` of the outputs."""
        raise NotImplementedError

    def jackknife(self, degenerate, fallback_penalty, tol):
        """Leave-one-unit-out estimates ``(values, multiplicity)`` of the kept units."""
        raise NotImplementedError

    _cov = None

    def observed_covariance(self):
        """The inverse observed information of the fit's parameters in the sum-to-zero
        subspace (the fit's, whatever its ``covariance_type``)."""
        if self._cov is None:
            fit = self.fit
            observed = fit if fit.covariance_type == "observed" else \
                fit.with_covariance("observed")
            self._cov = np.ascontiguousarray(observed._full_covariance())
        return self._cov

    def _start_covariance(self):
        """:meth:`observed_covariance` for the replicates' first Newton step, up to
        ``DENSE_MAX`` items (beyond, and when it is singular, ``0 x 0``: no such step)."""
        if self.fit.n_items > DENSE_MAX:
            return np.zeros((0, 0))
        try:
            return self.observed_covariance()
        except np.linalg.LinAlgError:
            return np.zeros((0, 0))


class _PairDesign(_Design):
    """The pair counts of a :class:`PairwiseFit` (scores, then theta for tie models)."""

    def __init__(self, fit, kind, cluster):
        comps = fit.comparisons
        raw = comps.pairs
        self.fit = fit
        self.kind = kind
        self._start = False
        self.pi, self.pj = raw.pi, raw.pj
        self.m = raw.pi.shape[0]
        self.w3 = np.empty(3 * self.m)
        self.w3[0::3] = raw.wab
        self.w3[1::3] = raw.wba
        self.w3[2::3] = raw.tie
        self.ties = {None: _rs.TIES_KEEP, "drop": _rs.TIES_DROP,
                     "half": _rs.TIES_HALF}[fit.ties if not fit._model.has_ties else None]
        self.total = _replicate_size(float(self.w3.sum()))
        self.cum, self.lam, self.aprob, self.aidx = _rs.sampling_tables(self.w3, self.total)
        integral = bool(np.all(self.w3 == np.round(self.w3)))
        self.cluster_labels = None
        if cluster is not None:
            labels = cluster_labels(comps, cluster)
            self.units = units(comps, self.pi, self.pj, labels)
            self.cluster_labels = labels
            self.mode = "cluster"
        else:
            self.units = None
            self.mode = "cells"
        self.unit_args = design_units(self)
        if kind == "parametric":
            if not integral:
                raise _v.DataError(
                    "kind='parametric' redraws a whole number of comparisons per pair, but the "
                    "data hold fractional weights. Use kind='nonparametric' (which draws "
                    "round(total weight) comparisons over the weighted cells).")
            tot = raw.wab + raw.wba + (0.0 if self.ties == _rs.TIES_DROP else raw.tie)
            self.totals = tot
            s = np.ascontiguousarray(fit._s)
            eta = 0.0 if fit._eta is None else fit._eta
            d = s[self.pi] - s[self.pj]
            self.prob = _likelihood.probabilities(fit._model.link, d, eta)
            self.ties_kernel = _rs.TIES_KEEP
        else:
            self.totals = np.zeros(0)
            self.prob = np.zeros((3, 0))
            self.ties_kernel = self.ties

    @staticmethod
    def n_columns(fit):
        return fit.n_items + 1

    def newton_start(self):
        """``(gd, ge, cov)`` of the replicates' first Newton step
        (:func:`btstats._kernels.resample.newton_start`): the scores of one comparison per
        cell at the estimate (under ``ties="half"`` a replicate's ties reach the step as
        half wins through its split counts) and the inverse observed information of (scores,
        eta) in the sum-to-zero subspace; ``None`` beyond ``DENSE_MAX`` items or when the
        information is singular (the refits then start at the estimate)."""
        if self._start is False:
            fit = self.fit
            self._start = None
            cov = self._start_covariance()
            if cov.shape[0]:
                eta = 0.0 if fit._eta is None else float(fit._eta)
                gd, ge = _robust.cell_scores(fit._model.link,
                                             np.ascontiguousarray(fit._s, dtype=float), eta,
                                             self.pi, self.pj, fit._model.has_ties)
                self._start = (gd, ge, cov)
        return self._start

    @property
    def kernel_kind(self):
        if self.kind == "parametric":
            return _rs.KIND_PARAMETRIC
        return _rs.KIND_CELLS if self.mode == "cells" else _rs.KIND_UNITS

    def columns(self):
        return list(self.fit.items) + (["theta"] if self.fit._eta is not None else [])

    def estimate(self):
        fit = self.fit
        return np.asarray(list(fit._s) + ([fit.theta] if fit._eta is not None else []),
                          dtype=float)

    def distribution(self, out_s, out_extra):
        if self.fit._eta is None:
            return out_s
        return np.column_stack([out_s, np.exp(out_extra[:, 0])])

    def run_block(self, seeds, out_s, out_extra, out_status, degenerate, fallback_penalty,
                  tol):
        args = _kernel_args(self.fit, self, degenerate, fallback_penalty, tol)
        draw_args = (self.w3, self.cum, self.lam, self.aprob, self.aidx, self.total,
                     *self.unit_args, self.prob, self.totals, self.ties_kernel)
        m = self.m

        def work(lo, hi):
            w3, wab, wba, tie = np.empty(3 * m), np.empty(m), np.empty(m), np.empty(m)
            for r in range(lo, hi):
                _rs.draw_replicate(self.kernel_kind, seeds[r], *draw_args, w3, wab, wba, tie)
                out_status[r], out_extra[r, 0] = _refit_counts(*args, wab, wba, tie, out_s[r])

        in_threads(seeds.shape[0], work)

    def jackknife_units(self):
        """``(ptr, cell, weight, multiplicity)`` of the leave-one-unit-out deletions."""
        if self.mode == "cells":
            # one deletion per comparison: a cell of weight w stands for w deletions of one
            # comparison each (a cell lighter than one comparison for one deletion of itself)
            nz = np.flatnonzero(self.w3 > 0)
            ptr = np.arange(nz.shape[0] + 1, dtype=np.int64)
            w = self.w3[nz]
            step = np.minimum(w, 1.0)
            return ptr, nz.astype(np.int64), step, w / step
        ptr, cell, weight, _ = self.units
        return ptr, cell, weight, np.ones(ptr.shape[0] - 1)

    def jackknife(self, degenerate, fallback_penalty, tol):
        fit = self.fit
        ptr, cell, weight, mult = self.jackknife_units()
        n_units = ptr.shape[0] - 1
        out_s = np.empty((n_units, fit.n_items))
        out_eta = np.empty(n_units)
        status = np.empty(n_units, np.int64)
        args = _kernel_args(fit, self, degenerate, fallback_penalty, tol)

        def work(lo, hi):
            for u in range(lo, hi):
                # leave unit u out: its weights off its cells (never below 0)
                w = self.w3.copy()
                take = slice(ptr[u], ptr[u + 1])
                np.subtract.at(w, cell[take], weight[take])
                np.maximum(w, 0.0, out=w)
                wab, wba, tie = _split_cells(w, self.ties)
                status[u], out_eta[u] = _refit_counts(*args, wab, wba, tie, out_s[u])

        in_threads(n_units, work)
        vals = self.distribution(out_s, out_eta[:, None])
        keep = status < 20
        return vals[keep], np.asarray(mult, dtype=float)[keep]


#: the pair structure of the cells (for the existence check of the replicates)
_pair_structure = pair_structure


def _sub_csr(ptr, units):
    """``(ptr, take)`` of the rows ``units`` of a CSR with row pointers ``ptr`` (``take``:
    the entries to keep)."""
    length = np.diff(ptr)[units]
    sub_ptr = np.concatenate([[0], np.cumsum(length)]).astype(np.int64)
    take = np.repeat(ptr[units] - sub_ptr[:-1], length) + np.arange(sub_ptr[-1])
    return sub_ptr, take


class _CellDesign(_Design):
    """The cells of a :class:`btstats.estimation.core.CoreFit` (scores, then ``CoreFit.params``).

    Nonparametric: ``round(total weight)`` comparisons drawn over the cells (over the kinds
    of comparison when ties were halved: such a tie adds 1/2 to two cells), or whole
    clusters.  Parametric: every ``(pair, order)`` group's count redrawn over the ``K``
    categories from the fitted probabilities.
    """

    def __init__(self, fit, kind, cluster):
        self.fit = fit
        self.kind = kind
        cells = fit._cells
        self.family, self.link, self.k, self.n_lin, self.s_hat, self.e_hat = \
            fit._kernel_args()
        self.s_hat = np.ascontiguousarray(self.s_hat, dtype=float)
        self.e_hat = np.ascontiguousarray(self.e_hat, dtype=float)
        self.n_extra = self.e_hat.shape[0]
        self.observed = (cells.ci, cells.cj, np.ascontiguousarray(cells.cx, dtype=float),
                         cells.ck.astype(np.int64))
        self.cw = np.ascontiguousarray(cells.cw, dtype=float)
        self.observed_pairs = _pair_structure(fit.n_items, self.k, cells.ci, cells.cj,
                                              cells.ck)
        empty_i = np.zeros(0, np.int64)
        self.a_ptr, self.a_cell, self.a_coef = np.zeros(1, np.int64), empty_i, np.zeros(0)
        self.g_totals, self.g_prob = np.zeros(0), np.zeros((0, self.k))
        self.mode = "cells" if cluster is None else "cluster"
        self.atoms = None
        self.cluster = None
        self._args = None
        if kind == "parametric":
            gi, gj, gx, totals = fit._groups()
            if not np.all(totals == np.round(totals)):
                raise _v.DataError(
                    "kind='parametric' redraws a whole number of comparisons per pair and "
                    "order, but the data hold fractional weights. Use kind='nonparametric' "
                    "(which draws round(total weight) comparisons over the weighted cells).")
            self.g_totals = np.ascontiguousarray(totals, dtype=float)
            self.g_prob = np.ascontiguousarray(fit._group_probabilities(gi, gj, gx))
            ci, cj, cx, ck = expand_groups(gi, gj, gx, self.k)
            self.cells = (ci, cj, np.ascontiguousarray(cx, dtype=float), ck.astype(np.int64))
            self.pairs = _pair_structure(fit.n_items, self.k, ci, cj, ck)
            self.kernel_kind = _rsc.KIND_PARAMETRIC
            self.mass, self.total = np.zeros(0), 0
        else:
            self.cells = self.observed
            self.pairs = self.observed_pairs
            if cluster is not None:
                labels = cluster_labels(fit.comparisons, cluster)
                ptr, cell, weight, n_units = fit._cluster_units(labels)
                self.cluster = (ptr, cell, weight)
                self.a_ptr, self.a_cell, self.a_coef = ptr, cell, weight
                self.mass, self.total = np.ones(n_units), n_units
                self.kernel_kind = _rsc.KIND_ATOMS
            else:
                self.total = _replicate_size(float(self.cw.sum()))
                self.atoms = fit._comparison_atoms()
                if fit._halved_ties():
                    self.a_ptr, self.a_cell, self.a_coef, self.mass = self.atoms
                    self.kernel_kind = _rsc.KIND_ATOMS
                else:
                    self.mass = self.cw
                    self.kernel_kind = _rsc.KIND_CELLS
        if kind == "parametric":
            self.cum, self.lam, self.aprob, self.aidx = (np.zeros(0), _rs.no_tables(),
                                                         np.zeros(0), empty_i)
        else:
            self.cum, self.lam, self.aprob, self.aidx = _rs.sampling_tables(self.mass,
                                                                            self.total)

    @staticmethod
    def n_columns(fit):
        return fit.n_items + len(fit.params)

    def columns(self):
        return list(self.fit.items) + list(self.fit.params.index)

    def estimate(self):
        return np.concatenate([self.s_hat, self.e_hat])

    def distribution(self, out_s, out_extra):
        return np.column_stack([out_s, out_extra])

    def _refit_args(self, cells, pairs, degenerate, fallback_penalty, tol):
        """The refit arguments of the kernels, with the Newton start (:func:`newton_start`)
        from the per-cell scores of ``cells`` at the estimate."""
        deg = _rs.DEGENERATE_DROP if degenerate == "drop" else _rs.DEGENERATE_PENALIZE
        cov = self._start_covariance()
        gcell = _kc.cell_scores(self.family, self.link, self.k, self.n_lin, self.s_hat,
                                self.e_hat, *cells,
                                _kc.threads(cells[0].shape[0], self.s_hat.shape[0],
                                            self.e_hat.shape[0]))
        return (self.family, self.link, self.k, self.n_lin, self.s_hat, self.e_hat, *cells,
                *pairs, gcell, cov, float(self.fit.penalty), deg, float(fallback_penalty),
                float(tol), 200, DENSE_MAX)

    def run_block(self, seeds, out_s, out_extra, out_status, degenerate, fallback_penalty,
                  tol):
        if self._args is None or self._args[0] != (degenerate, fallback_penalty, tol):
            self._args = ((degenerate, fallback_penalty, tol),
                          self._refit_args(self.cells, self.pairs, degenerate,
                                           fallback_penalty, tol))
        draw = (self.mass, self.cum, self.lam, self.aprob, self.aidx, self.total, self.a_ptr,
                self.a_cell, self.a_coef, self.g_totals, self.g_prob)
        refit = self._args[1]

        def work(lo, hi):
            _rsc.bootstrap_cells_block(self.kernel_kind, seeds[lo:hi], *draw, *refit,
                                       out_s[lo:hi], out_extra[lo:hi], out_status[lo:hi])

        in_threads(seeds.shape[0], work)

    def jackknife_units(self):
        """``(ptr, cell, weight, multiplicity)`` of the leave-one-unit-out deletions: one per
        comparison (a kind of comparison of mass w stands for w deletions; one lighter than a
        comparison for one deletion of itself), or one per cluster."""
        if self.mode == "cluster":
            ptr, cell, weight = self.cluster
            return ptr, cell, weight, np.ones(ptr.shape[0] - 1)
        ptr, cell, coef, mass = self.atoms if self.atoms is not None else \
            self.fit._comparison_atoms()
        step = np.minimum(mass, 1.0)
        return ptr, cell, coef * np.repeat(step, np.diff(ptr)), mass / step

    def jackknife(self, degenerate, fallback_penalty, tol):
        """Clusters, and comparisons while ``units x cells <= JACKKNIFE_EXACT_WORK``: exact
        leave-one-out refits.  Beyond (the refits would cost one fit per cell): one Newton
        step from the full-data estimate with the exact leave-one-out gradient and
        information (its error against the refit is of the order of the squared deletion
        effect, far below the spread of the jackknife values on data that size); a deletion
        that removes an edge of the win graph or leaves no finite MLE, or whose step is
        singular, is refitted (with the no-MLE handling of the bootstrap)."""
        ptr, cell, weight, mult = self.jackknife_units()
        weight = np.ascontiguousarray(weight, dtype=float)
        n_units = ptr.shape[0] - 1
        out_s = np.empty((n_units, self.s_hat.shape[0]))
        out_e = np.empty((n_units, self.n_extra))
        status = np.zeros(n_units, np.int64)
        if self.mode == "cluster" or n_units * self.cw.shape[0] <= JACKKNIFE_EXACT_WORK:
            refit = np.arange(n_units)
        else:
            cov = self.observed_covariance()
            ok = np.empty(n_units, np.bool_)
            _rsc.jackknife_one_step(self.family, self.link, self.k, self.n_lin, self.s_hat,
                                    self.e_hat, *self.observed, cov, ptr, cell, weight, out_s,
                                    out_e, ok)
            refit = np.flatnonzero(~ok)
            # a deletion that empties a (pair, outcome class) removes an edge of the win
            # graph and moves the estimate most: refitted (also when it leaves no MLE);
            # with an order effect or covariates one that empties a cell can separate along
            # a linear-predictor column: checked, and refitted when it leaves no finite MLE
            cpair, cclass, pi, pj = self.observed_pairs
            unit = np.repeat(np.arange(n_units), np.diff(ptr))
            key = cpair * 3 + cclass
            left = np.bincount(key, weights=self.cw)[key[cell]] - weight
            refit = np.union1d(refit, unit[left <= 0.0])
            if self.fit.penalty == 0.0 and self.n_lin:
                risky = np.setdiff1d(unit[self.cw[cell] - weight <= 0.0], refit)
                if risky.shape[0]:
                    sub_ptr, take = _sub_csr(ptr, risky)
                    exists = np.empty(risky.shape[0], np.bool_)
                    _rsc.deletions_have_mle(sub_ptr, cell[take], weight[take], self.cw,
                                            self.s_hat.shape[0], self.n_lin, self.observed[2],
                                            cclass, cpair, pi, pj, exists)
                    refit = np.union1d(refit, risky[~exists])
        if refit.shape[0]:
            sub_ptr, take = _sub_csr(ptr, refit)
            r_s = np.empty((refit.shape[0], out_s.shape[1]))
            r_e = np.empty((refit.shape[0], out_e.shape[1]))
            r_status = np.empty(refit.shape[0], np.int64)
            del_cell, del_weight = cell[take], weight[take]
            refit_args = self._refit_args(self.observed, self.observed_pairs, degenerate,
                                          fallback_penalty, tol)

            def work(lo, hi):
                # units lo .. hi - 1: their slice of the deletion lists, pointers rebased
                a, b = sub_ptr[lo], sub_ptr[hi]
                _rsc.jackknife_cells_block(
                    sub_ptr[lo:hi + 1] - a, del_cell[a:b], del_weight[a:b], self.cw,
                    *refit_args, r_s[lo:hi], r_e[lo:hi], r_status[lo:hi])

            in_threads(refit.shape[0], work)
            out_s[refit], out_e[refit], status[refit] = r_s, r_e, r_status
        keep = status < 20
        return self.distribution(out_s, out_e)[keep], np.asarray(mult, dtype=float)[keep]


#: The jackknife of a general-core fit refits every deletion exactly while (deletions x
#: cells) is at most this (about a second); beyond, it takes one Newton step per deletion.
JACKKNIFE_EXACT_WORK = 2_000_000


#: Largest number of comparisons a nonparametric replicate draws (``round(total weight)``).
MAX_REPLICATE_SIZE = 10 ** 12


def _replicate_size(total):
    """``round(total weight)``: the number of comparisons each replicate draws."""
    size = round(total)
    if size < 1:
        raise _v.DataError(
            f"the weights add up to {total:.3g}, less than one comparison: the bootstrap "
            f"draws round(total weight) comparisons per replicate, so it needs weights on the "
            f"scale of counts. Multiply the weights by a common factor (e.g. so that they add "
            f"up to the number of comparisons), or use the Wald intervals of the fit.")
    if size > MAX_REPLICATE_SIZE:
        raise _v.DataError(
            f"the weights add up to {total:.3g}: the bootstrap would draw that many "
            f"comparisons per replicate (at most {MAX_REPLICATE_SIZE:.0e}). Weights on the "
            f"scale of counts are needed: divide them by a common factor (e.g. so that they "
            f"add up to the number of comparisons), or use the Wald intervals of the fit.")
    return int(size)


# ---------------------------------------------------------------------------- replicates
def _split_cells(w3, ties):
    """The per-pair ``(wab, wba, tie)`` of the cell weights ``w3`` under the tie handling
    ``ties`` (as :func:`btstats._kernels.resample.split_cells`), C-contiguous like the
    fit's arrays, so that the solver kernels see the fit's signature."""
    a = np.ascontiguousarray(w3[0::3])
    b = np.ascontiguousarray(w3[1::3])
    t = np.ascontiguousarray(w3[2::3])
    if ties == _rs.TIES_DROP:
        t[:] = 0.0
    elif ties == _rs.TIES_HALF:
        a += 0.5 * t
        b += 0.5 * t
        t[:] = 0.0
    return a, b, t


def _refit_counts(method, link, fit_eta, s_hat, eta_hat, pi, pj, penalty, degenerate,
                  fallback_penalty, tol, max_iter, dense_max, start, wab, wba, tie, out_s):
    """Warm-started fit of one replicate's counts into ``out_s``, with the no-MLE handling
    (status codes of :mod:`btstats._kernels.resample`).  Returns ``(status, eta)``.

    Newton starts from the full-data estimate moved by one Newton step with the full-data
    information (:func:`btstats._kernels.resample.newton_start`; ``start = (gd, ge, cov)``,
    or ``None`` for no such step), unless the replicate has no finite MLE or the step
    leaves the parameter domain.

    The fit's own kernels with the fit's argument types, so a bootstrap compiles no solver
    the fit has compiled, and Newton only when some replicate needs it (ties, a penalty, a
    degenerate replicate refitted with ``fallback_penalty``).  ``METHOD_MM`` is Newman's MM
    for Bradley-Terry (no ties, no penalty), everything else Newton.
    """
    extra = 0
    if penalty == 0.0 and not strongly_connected(s_hat.shape[0], pi, pj, wab, wba, tie,
                                                 fit_eta):
        if degenerate == _rs.DEGENERATE_DROP:
            out_s[:] = np.nan
            return 20, np.nan
        penalty = fallback_penalty
        extra = 10
    out_s[:] = s_hat
    if method == _rs.METHOD_MM and penalty == 0.0 and not fit_eta:
        status, _, _ = _mm.mm_bradley_terry(out_s, pi, pj, wab, wba, tie, tol, max_iter,
                                             None)
        return status + extra, eta_hat
    eta0 = eta_hat
    if start is not None and extra == 0:
        gd, ge, cov = start
        eta0 = _rs.newton_start(s_hat, eta_hat, fit_eta, pi, pj, wab, wba, tie, gd, ge, cov,
                                penalty, out_s)
        if not (np.all(np.isfinite(out_s)) and math.isfinite(eta0)
                and (eta0 > 0.0 or not fit_eta)):
            out_s[:] = s_hat
            eta0 = eta_hat
    status, _, eta, _ = _newton.newton(link, fit_eta, out_s, eta0, pi, pj, wab, wba, tie,
                                       penalty, tol, max_iter, dense_max)
    return status + extra, eta


def in_threads(n, work):
    """``work(lo, hi)`` over ``0 .. n - 1`` in contiguous chunks, one per thread, with as
    many threads as Numba's (``NUMBA_NUM_THREADS``, by default the number of cores).  Both
    bootstraps (pair counts and the general core) and the core's jackknife run this way.

    The kernels ``work`` calls release the GIL (``nogil=True``), so the chunks run in
    parallel; every replicate seeds its own draw, so the results do not depend on the
    number of threads.  (Numba's ``parallel=True`` would do the same from one kernel, at
    the price of compiling every solver a second time inside it: the core's bootstrap block
    took 14.6 s to compile cold that way, 8.3 s as a ``nogil`` kernel.  The ``parallel=True``
    block ran 5-10% faster, 1.92-2.05 s against 2.11-2.24 s for 1000 Davidson replicates;
    four chunks a thread instead of one did not close that gap.)
    """
    k = max(1, min(int(numba.config.NUMBA_NUM_THREADS), n))
    if k == 1:
        work(0, n)
        return
    bounds = [n * i // k for i in range(k + 1)]
    with ThreadPoolExecutor(max_workers=k) as pool:
        futures = [pool.submit(work, bounds[i], bounds[i + 1]) for i in range(k)]
        for f in futures:
            f.result()


def _blocks(total, per_item_s, first=16, target_s=0.25):
    """Block sizes: two small blocks (the first may include compilation; the second is
    timed), then blocks of about ``target_s`` seconds."""
    done = 0
    for _ in range(2):
        size = min(first, total - done)
        if size <= 0:
            return
        yield size
        done += size
    while done < total:
        size = max(first, int(target_s / per_item_s[0])) if per_item_s[0] > 0 else total
        size = min(size, total - done)
        yield size
        done += size


def run_replicates(fit, design, n_resamples, degenerate, fallback_penalty, rng, progress,
                   tol=REPLICATE_TOL):
    """Draw the seeds, run the kernel in blocks (progress between blocks), collect rows."""
    rng = _v.as_generator(rng)
    seeds = rng.integers(0, 2**32 - 1, size=n_resamples, dtype=np.int64)
    n = fit.n_items
    out_s = np.empty((n_resamples, n))
    out_extra = np.empty((n_resamples, design.n_extra))
    out_status = np.empty(n_resamples, np.int64)
    per_item = [0.0]
    bar = None
    done = 0
    n_blocks = 0
    for size in _blocks(n_resamples, per_item):
        t0 = time.perf_counter()
        sl = slice(done, done + size)
        design.run_block(seeds[sl], out_s[sl], out_extra[sl], out_status[sl], degenerate,
                         fallback_penalty, tol)
        per_item[0] = (time.perf_counter() - t0) / size
        done += size
        n_blocks += 1
        if bar is None and (n_blocks == 2 or done == n_resamples):
            expected = per_item[0] * (n_resamples - done)
            bar = _progress.Progress(
                n_resamples, "bootstrap", unit="replicates",
                enabled=_progress.wanted(progress, expected) and done < n_resamples)
            bar.update(done)
        elif bar is not None:
            bar.update(size)
    if bar is not None:
        bar.close()
    return out_s, out_extra, out_status


def design_units(design):
    """``(ptr, cell, weight, ones, cum, lam, alias_prob, alias_idx)`` of the resampling
    units (empty without)."""
    if design.units is None:
        z = np.zeros(1, np.int64)
        return (z, np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0),
                _rs.no_tables(), np.zeros(0), np.zeros(0, np.int64))
    ptr, cell, weight, n_units = design.units
    ones = np.ones(n_units)
    return (ptr, cell, weight, ones) + _rs.sampling_tables(ones, n_units)


def _kernel_args(fit, design, degenerate, fallback_penalty, tol):
    mdl = fit._model
    # the fastest solver for warm starts: Newman's MM for Bradley-Terry without a penalty,
    # Newton for everything else (every method reaches the same optimum)
    plain_bt = mdl.link == _LOGISTIC and not mdl.has_ties and fit.penalty == 0.0
    method = _rs.METHOD_MM if plain_bt else _rs.METHOD_NEWTON
    max_iter = 200 if method == _rs.METHOD_NEWTON else 10_000
    eta = 0.0 if fit._eta is None else float(fit._eta)
    deg = _rs.DEGENERATE_DROP if degenerate == "drop" else _rs.DEGENERATE_PENALIZE
    start = design.newton_start() if method == _rs.METHOD_NEWTON else None
    return (method, mdl.link, mdl.has_ties, np.ascontiguousarray(fit._s, dtype=float), eta,
            design.pi, design.pj, float(fit.penalty), deg, float(fallback_penalty), float(tol),
            max_iter, DENSE_MAX, start)


def bootstrap_fit(fit, *, n_resamples=1000, kind="nonparametric", cluster=None,
                  degenerate="penalize", fallback_penalty=0.01, rng=None, progress=None):
    """:meth:`PairwiseFit.bootstrap` (see :func:`bootstrap`)."""
    _v.check_choice(kind, "kind", KINDS)
    _v.check_choice(degenerate, "degenerate", ("penalize", "drop"))
    n_resamples = int(_v.check_number(n_resamples, "n_resamples", low=1, integer=True))
    fallback_penalty = float(_v.check_number(fallback_penalty, "fallback_penalty", low=0.0,
                                             low_open=True))
    if kind == "parametric" and cluster is not None:
        raise ValueError("`cluster` applies to kind='nonparametric' (whole clusters are "
                         "resampled); the parametric bootstrap redraws outcomes on the "
                         "observed design.")
    design_class = _CellDesign if fit.resampling_design == "cells" else _PairDesign
    if design_class is _CellDesign:
        _progress.announce("core_bootstrap")
    else:
        mdl = fit._model
        mm_only = mdl.link == _LOGISTIC and not mdl.has_ties and fit.penalty == 0.0
        _progress.announce("bootstrap", *(() if mm_only else ("newton", "bootstrap_newton")))
    n_par = design_class.n_columns(fit)
    _v.check_memory(8 * n_resamples * (n_par + 2), "n_resamples", n_resamples,
                    f"{n_resamples:,} replicates of {n_par} parameters",
                    "1,000 to 10,000 replicates are plenty for intervals.")
    design = design_class(fit, kind, cluster)
    out_s, out_extra, status = run_replicates(fit, design, n_resamples, degenerate,
                                              fallback_penalty, rng, progress)
    return BootstrapResult(fit, design, out_s, out_extra, status, degenerate=degenerate,
                           fallback_penalty=fallback_penalty)


# ---------------------------------------------------------------------------- the result
class BootstrapResult(ResultBase):
    """A bootstrap distribution of the centred scores (and the other parameters) with
    intervals from it.

    Attributes
    ----------
    estimate : pandas.Series
        The full-data estimate (scores, then ``theta`` for the pair-count tie models, or the
        ``params`` of a :class:`btstats.estimation.core.CoreFit`: ``h``, ``eta`` / ``nu`` /
        ``t1 .. tp``), not a bootstrap summary.
    bootstrap_distribution : ndarray, shape (n_kept, n_parameters)
        One row per kept replicate: the centred scores, then the other parameters (the
        columns of ``estimate``).
    standard_error : pandas.Series
        Standard deviation of the bootstrap distribution (``ddof=1``).
    n_resamples, n_degenerate, n_dropped, n_unconverged : int
        Replicates run; replicates with no finite MLE (refitted with ``fallback_penalty`` or
        dropped); dropped; not converged.
    kind, resampling : str
        ``"nonparametric"`` or ``"parametric"``; what was resampled (``"cells"``: comparisons,
        ``"cluster"``: clusters).
    """

    def __init__(self, fit, design, out_s, out_extra, status, *, degenerate,
                 fallback_penalty):
        self._fit = fit
        self._design = design
        self._names = design.columns()
        self._estimate = design.estimate()
        dist = design.distribution(out_s, out_extra)
        base = status % 10
        self.n_resamples = int(status.shape[0])
        self.n_degenerate = int(np.sum(status >= 10))
        self.n_dropped = int(np.sum(status >= 20))
        # dropped replicates (status 20) were never fitted: base 0, not counted here
        self.n_unconverged = int(np.sum((base == 1) | (base == 3)))
        keep = status < 20
        self._dist = np.ascontiguousarray(dist[keep])
        self._dist.setflags(write=False)
        self._status = status
        self.kind = design.kind
        self.resampling = design.mode
        self.degenerate = degenerate
        self.fallback_penalty = fallback_penalty
        self._jack = None
        if self.n_degenerate:
            what = ("left out" if degenerate == "drop" else
                    f"refitted with penalty={fallback_penalty:g}")
            warnings.warn(f"{self.n_degenerate} of {self.n_resamples} bootstrap replicates had "
                          f"no finite maximum-likelihood estimate (a disconnected or one-sided "
                          f"comparison graph) and were {what}. Their share is in "
                          f"`n_degenerate`; a fit with penalty= makes every replicate "
                          f"estimable.", DegenerateResampleWarning, stacklevel=3)
        if self.n_unconverged > 0:
            warnings.warn(f"{self.n_unconverged} of {self.n_resamples} bootstrap replicate fits "
                          f"did not converge; consider method='newton' or a penalty.",
                          DegenerateResampleWarning, stacklevel=3)
        if self._dist.shape[0] < 2:
            raise ValueError("fewer than two bootstrap replicates could be kept; use "
                             "degenerate='penalize' or a penalty.")

    # ------------------------------------------------------------------ fields
    @property
    def estimate(self):
        return pd.Series(self._estimate, index=self._names, name="estimate")

    @property
    def bootstrap_distribution(self):
        return self._dist

    @property
    def fit(self):
        """The full-data :class:`PairwiseFit`."""
        return self._fit

    @property
    def items(self):
        return self._fit.items

    @property
    def standard_error(self):
        return pd.Series(self._dist.std(axis=0, ddof=1), index=self._names,
                         name="standard_error")

    @property
    def score_distribution(self):
        """The score columns of the distribution as a DataFrame (replicates x items)."""
        return pd.DataFrame(self._dist[:, :self._fit.n_items], columns=self._fit.items)

    # ------------------------------------------------------------------ intervals
    def confidence_interval(self, confidence_level: float = 0.95, *,
                            interval: str = "percentile") -> ConfidenceInterval:
        r"""Bootstrap confidence intervals for every parameter.

        Parameters
        ----------
        confidence_level : float
            Coverage of the two-sided interval.
        interval : {"percentile", "basic", "bca"}
            ``percentile``: the ``alpha`` and ``1 - alpha`` quantiles of the distribution
            (``alpha = (1 - confidence_level) / 2``); ``basic``: those reflected about the
            estimate, ``(2 t - q_hi, 2 t - q_lo)``; ``bca``: bias-corrected and accelerated.

        Returns
        -------
        ConfidenceInterval
            ``low`` and ``high`` as Series by parameter.

        Notes
        -----
        BCa (Efron 1987) uses the quantiles ``Phi(z0 + (z0 + z) / (1 - a (z0 + z)))`` for
        ``z = Phi^{-1}(alpha)`` and ``Phi^{-1}(1 - alpha)``, with ``z0 = Phi^{-1}`` of the share
        of replicates below the estimate (ties counted half) and the acceleration
        ``a = sum U^3 / (6 (sum U^2)^{3/2})`` from the jackknife values ``U`` of
        leave-one-out refits: one per comparison (computed once per (pair, outcome) cell and
        weighted by its count, which equals the row jackknife exactly), per cluster with
        ``cluster`` (a cell lighter than one comparison is deleted whole).  For fits of the
        general model core with more than ``JACKKNIFE_EXACT_WORK`` (2e6) deletions x cells
        the leave-one-comparison-out values are one Newton step from the full-data estimate
        with the exact leave-one-out gradient and information (Woodbury; its error is of the
        order of the square of a deletion's effect, so its relative error in ``U`` is of the
        order of that effect); deletions that remove an edge of the win graph or leave no
        finite MLE, and clusters, are refitted.  These are the formulas of
        ``scipy.stats.bootstrap`` (quantiles by linear interpolation), computed by
        :mod:`btstats.inference.intervals`.

        Examples
        --------
        >>> import btstats
        >>> boot = btstats.fit(btstats.load_example("citations")).bootstrap(n_resamples=200,
        ...                                                                  rng=1)
        >>> ci = boot.confidence_interval(0.9, interval="basic")
        >>> ci.interval, bool((ci.low <= boot.estimate).all())
        ('basic', True)
        """
        level = _v.check_confidence_level(confidence_level)
        _v.check_choice(interval, "interval", INTERVALS)
        return self._interval(interval, pd.Index(self._names), estimate=self._estimate,
                              draws=self._dist,
                              acceleration=self.acceleration if interval == "bca" else None,
                              confidence_level=level)

    @property
    def acceleration(self):
        """BCa acceleration per parameter, from the jackknife (see :meth:`confidence_interval`;
        :func:`btstats.inference.intervals.jackknife_acceleration`), 0 without a usable
        deletion."""
        values, mult = self.jackknife_values()
        if not mult.sum() > 0:
            return np.zeros(len(self._names))
        return jackknife_acceleration(values, mult)

    def jackknife_values(self):
        """Leave-one-out estimates ``(values, multiplicity)``: one row per deleted unit (a
        (pair, outcome) cell standing for each of its comparisons, a cluster or a row; see
        :meth:`confidence_interval` for the general model core)."""
        if self._jack is None:
            if isinstance(self._design, _CellDesign):
                _progress.announce("core_bca")
            self._jack = self._design.jackknife(self.degenerate, self.fallback_penalty,
                                                REPLICATE_TOL)
        return self._jack

    # ------------------------------------------------------------------ ranks
    def _score_draws(self):
        return pd.DataFrame(self._dist[:, :self._fit.n_items], columns=self._fit.items)

    def rank_distribution(self, ties: str = "min") -> pd.DataFrame:
        """Ranks of the items in every replicate (1 = best); see
        :func:`btstats.inference.ranks.rank_distribution`."""
        return _ranks.rank_distribution(self._score_draws(), ties=ties)

    def rank_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Percentile intervals of each item's rank across replicates, as a
        :class:`~btstats.ConfidenceInterval` (``interval="percentile"``, Series ``rank_low``
        and ``rank_high`` by item; see :func:`btstats.inference.ranks.rank_intervals`).  These
        describe the bootstrap distribution, they are not confidence sets for the true rank:
        use :meth:`rank_sets` for those."""
        level = _v.check_confidence_level(confidence_level)
        frame = _ranks.rank_intervals(self._score_draws(), level)
        low, high = frame.iloc[:, 0], frame.iloc[:, 1]
        return ConfidenceInterval(low.rename("rank_low"), high.rename("rank_high"), level,
                                  "percentile")

    def probability_first(self) -> pd.Series:
        """Share of replicates in which each item has the highest score (ties share)."""
        return _ranks.probability_first(self._score_draws())

    def superiority(self) -> pd.DataFrame:
        """Matrix of ``P(score_i > score_j)`` across replicates (ties count one half)."""
        return _ranks.pairwise_superiority(self._score_draws())

    def rank_sets(self, confidence_level: float = 0.95, *, simultaneous: bool = False,
                  stepdown: bool = True) -> "_ranks.RankSets":
        """Marginal or simultaneous rank confidence sets (Mogstad, Romano, Shaikh and Wilhelm
        2024) from this bootstrap distribution; see
        :func:`btstats.inference.ranks.rank_confidence_sets`."""
        return _ranks.rank_confidence_sets(self._fit.scores, draws=self._score_draws(),
                                           confidence_level=confidence_level,
                                           simultaneous=simultaneous, stepdown=stepdown)

    # ------------------------------------------------------------------ display
    def to_frame(self, *, confidence_level: float = 0.95, interval: str = "percentile",
                 scale: str = "log") -> pd.DataFrame:
        """Leaderboard with bootstrap intervals (of the kind ``interval``, see
        :meth:`confidence_interval`), the arena rank upper bound (``rank_ub``: 1 + the number
        of items whose interval lies entirely above this item's), percentile rank intervals
        and P(first), best first."""
        _v.check_choice(scale, "scale", ("log", "elo"))
        fit = self._fit
        n = fit.n_items
        ci = self.confidence_interval(confidence_level, interval=interval)
        rk = self.rank_interval(confidence_level)
        f = 1.0 if scale == "log" else ELO_PER_UNIT
        off = 0.0 if scale == "log" else ELO_BASE
        score = fit._s * f + off
        df = pd.DataFrame({
            "item": fit.items, "score": score,
            "se": self.standard_error.to_numpy()[:n] * f,
            "ci_low": ci.low.to_numpy()[:n] * f + off,
            "ci_high": ci.high.to_numpy()[:n] * f + off,
            "rank_low": rk.low.to_numpy(), "rank_high": rk.high.to_numpy(),
            "p_first": self.probability_first().to_numpy(),
        })
        # the arena "rank (UB)": 1 + the number of items whose interval lies entirely above
        df.insert(df.columns.get_loc("rank_low"), "rank_ub",
                  _ranks.rank_upper_bound(df["ci_low"].to_numpy(), df["ci_high"].to_numpy()))
        df = df.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
        df.insert(0, "rank", np.arange(1, n + 1))
        return df

    def plot(self, *, confidence_level=0.95, interval="percentile", scale="log", ax=None):
        """Forest plot of the scores with bootstrap intervals, each over the item's bootstrap
        distribution drawn as a violin (needs matplotlib); see
        :func:`btstats.plotting.plot_bootstrap_scores`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_bootstrap_scores(self, confidence_level=confidence_level,
                                     interval=interval, scale=scale, ax=ax)

    def plot_distributions(self, *, parameters=None, kind="kde", bins=30, scale="log",
                           ax=None):
        """The bootstrap distribution of each item's score (or of ``parameters``), stacked,
        as densities (``kind="kde"``) or histograms (``"hist"``) (needs matplotlib); see
        :func:`btstats.plotting.plot_distributions`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_distributions(self, parameters=parameters, kind=kind, bins=bins,
                                  scale=scale, ax=ax)

    # summary() and _repr_html_() come from ResultBase: this header (with the interval kind
    # and level of the table), then to_frame()
    _frame_format = {"index": False, "float_format": lambda x: f"{x:.4f}"}
    _header_takes_options = True

    @property
    def _summary_title(self):
        return f"Bootstrap of the {self._fit.model} fit"

    def _header(self, *, confidence_level=0.95, interval="percentile", scale="log"):
        kept = self._dist.shape[0]
        level = _v.check_confidence_level(confidence_level)
        rows = [("items", f"{self._fit.n_items}"), ("replicates", f"{self.n_resamples} ({kept} kept)"),
                ("kind", self.kind), ("resampled", self.resampling),
                ("intervals", f"{100 * level:g}% {interval}"),
                ("degenerate", f"{self.n_degenerate} ({self.degenerate})")]
        if self.n_unconverged:
            rows.append(("not converged", f"{self.n_unconverged}"))
        return rows

    def __repr__(self):
        return (f"BootstrapResult({self.kind}, {self.resampling} resampled, "
                f"{self.n_resamples} replicates, {self.n_degenerate} degenerate, "
                f"model={self._fit.model!r})")
