"""The general model core: any outcome family over the linear predictor
``z = s_a - s_b + x_ab' beta`` (``x_ab``: the order indicator ``o_ab`` with an order effect,
then the comparison-level covariates), fitted by one Newton solver on cells.

:func:`fit_core` is what :func:`btstats.fit` runs for Davidson ties, graded outcomes and any
model with ``order_effect=True`` or ``covariates``; :class:`CoreFit` is its result (a
:class:`PairwiseFit` with a coefficient table for the parameters beyond the scores).
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .. import _progress
from ..data import cells as _cells
from .._checks import DENSE_MAX, _status_message, check_mle_exists
from .._kernels import cells as _kc
from .._kernels import gradient_cells as _kg
from .._kernels import families as _kf
from .._kernels import resample_cells as _krs
from .._kernels import robust_cells as _krc
from .results import PairProbabilities, PairwiseFit
from ..data.cells import (cell_groups, cluster_units, comparison_atoms, expand_groups,
                          pair_structure, row_atoms, row_cells)
from ..exceptions import DataError, NoMLEError

__all__ = ["CoreFit", "fit_core"]


def extra_names(mdl, n_categories, order_effect, covariates=()):
    """Names of the parameters beyond the scores, in the kernels' order: ``h`` (with an
    order effect), the covariates' coefficients (by the covariates' names), then the
    family's (:meth:`btstats.models.families.Family.param_names`)."""
    return ((["h"] if order_effect else []) + [str(c) for c in covariates]
            + list(mdl.family.param_names(n_categories)))


#: The solvers of the general core (MM is specific to the models of the pair counts).
_SOLVERS = ("newton", "gradient")


def fit_core(comparisons, mdl, *, method, penalty, ties, tol, max_iter, order_effect,
             covariates=()):
    """Fit ``mdl`` to ``comparisons`` by the general core (Newton on cells)."""
    covariates = tuple(covariates)
    if method not in _SOLVERS:
        what = ' with covariates' if covariates else \
            (' with an order effect' if order_effect else '')
        raise ValueError(f"method={method!r} is not available for the {mdl.name} model"
                         f"{what}: the general "
                         f"model core fits it by method='newton' or 'gradient' (MM exists "
                         f"for Bradley-Terry and Rao-Kupper without an order effect).")
    cells = _cells.build_cells(comparisons, mdl, ties, order_effect, covariates)
    mdl.family.check_data(np.bincount(cells.ck, weights=cells.cw,
                                      minlength=cells.n_categories), mdl.name)
    gram = None
    if cells.n_lin:
        gram = _cells.column_gram(cells)
        _check_columns_identified(gram, _column_labels(order_effect, covariates))

    def check_existence():
        if penalty == 0.0:
            # a covariate cannot rescue an item that never loses: the same check of the pair
            # counts as without covariates, then separation along one covariate
            check_mle_exists(comparisons.pairs, comparisons.items, True)
            if covariates:
                _check_covariate_separation(cells, order_effect, covariates, gram)

    n = comparisons.n_items
    fam = mdl.family.code
    if _overlap_start(mdl, cells, penalty, covariates):
        # the existence checks and the start values (a fit to a subsample of the cells)
        # are independent and release the GIL: on two cores they overlap (10**6 rows, four
        # covariates: 18 + 23 ms -> 23 ms); the start then runs no parallel kernel
        with ThreadPoolExecutor(max_workers=1) as pool:
            started = pool.submit(_start_values, comparisons, mdl, ties, order_effect,
                                  cells, penalty, False)
            check_existence()
            s, extra = started.result()
    else:
        check_existence()
        s, extra = _start_values(comparisons, mdl, ties, order_effect, cells, penalty)
    solver_args = (fam, mdl.link, cells.n_categories, cells.n_lin, s, extra, *cells.arrays(),
                   float(penalty), float(tol), int(max_iter))
    threaded = _threads(cells, extra.shape[0])
    last_pass = None
    if method == "newton":
        status, n_iter, gnorm, *last_pass = _kc.newton_cells(*solver_args, DENSE_MAX,
                                                             threaded)
    else:
        status, n_iter, gnorm = _kg.gradient_cells(*solver_args, threaded)
    res = CoreFit(model=mdl, comparisons=comparisons, cells=cells, scores=s, extra=extra,
                  order_effect=order_effect, penalty=penalty, n_iter=int(n_iter),
                  status=int(status), gradient_norm=float(gnorm), tol=tol, ties=ties,
                  method=method, covariates=covariates)
    if status in (0, 1, 2):
        # the solver's last pass is at the estimate: its Hessian pieces are the observed
        # information (one pass over every cell fewer for the standard errors)
        res._last_pass = tuple(last_pass) if last_pass is not None else None
    if covariates and not res.converged:
        res._message += (" With covariates this can mean that the outcomes are separated "
                         "along a combination of covariates (no finite MLE): see "
                         "fit.coefficients for a runaway coefficient; drop or merge that "
                         "covariate, or add penalty= (it bounds the scores only).")
    return res


def _threads(cells, n_extra):
    """The ``threaded`` argument of the cell passes over ``cells`` (see
    :func:`btstats._kernels.cells.threads`), saying so once when they are about to be
    compiled."""
    threaded = _kc.threads(cells.ci.shape[0], cells.n_items, n_extra)
    if threaded:
        _progress.announce("threaded_core")
    return threaded


def _column_labels(order_effect, covariates):
    """The linear-predictor columns as messages name them (the order effect first)."""
    return (["the order effect h"] if order_effect else []) + [
        f"the covariate {str(c)!r}" for c in covariates]


def _check_columns_identified(gram, names):
    """Raise :class:`DataError` when the linear-predictor columns (the order effect, the
    covariates) cannot be told apart: columns with a combination ``sum_l v_l x_l = 0`` in
    every comparison (a covariate that repeats the order column, two copies of one
    feature).  Their coefficients would not be identified: the fit would split the effect
    arbitrarily and have no standard errors.  (A column that is 0 throughout is fitted, its
    coefficient held at 0: see :meth:`CoreFit._singular_hint`.)

    The check is on ``gram``, the weighted Gram matrix of the columns
    (:func:`btstats.data.cells.column_gram`), scaled to unit diagonal; a smallest
    eigenvalue below 1e-10 is collinearity.  ``names``: :func:`_column_labels`.  (A column that only repeats the item
    differences, ``x_ab = f(a) - f(b)``, is not seen here: it shows as a singular
    information matrix when the standard errors are asked for.)
    """
    # a column that is 0 throughout leaves the likelihood flat in its coefficient, which stays
    # at 0 (an order effect asked of neutral rows reduces to the fit without it); its missing
    # standard error is explained by CoreFit._singular_hint
    keep = [l for l in range(len(names)) if gram[l, l] > 0.0]
    if len(keep) < 2:
        return
    names = [names[l] for l in keep]
    gram = gram[np.ix_(keep, keep)]
    scale = 1.0 / np.sqrt(np.diag(gram))
    vals, vecs = np.linalg.eigh(gram * np.outer(scale, scale))
    if vals[0] > 1e-10 * max(vals[-1], 1.0):
        return
    v = vecs[:, 0] * scale
    v = v / np.max(np.abs(v))
    involved = [(names[l], v[l]) for l in range(len(names)) if abs(v[l]) > 1e-6]
    combo = ""
    for k, (nm, c) in enumerate(involved):
        sign = ("-" if c < 0 else "") if k == 0 else (" - " if c < 0 else " + ")
        combo += sign + (f"{abs(c):.3g} x " if abs(abs(c) - 1.0) > 1e-9 else "") + f"[{nm}]"
    raise DataError(f"the linear-predictor columns are collinear: {combo} = 0 in every "
                    f"comparison, so " + ", ".join(nm for nm, _ in involved) + " are not "
                    f"separately identified. Drop one of them (a covariate that repeats the "
                    f"order column is already the order effect).")


def _check_covariate_separation(cells, order_effect, covariates, gram):
    """Raise :class:`NoMLEError` when one covariate alone separates the outcomes: some
    direction ``(x, beta_l = +-1)`` (``x`` any scores, the other coefficients 0) with
    ``x_ci - x_cj + beta_l cx_l >= 0`` for every win of ``ci``, ``<= 0`` for every loss and
    ``= 0`` for every tie (:func:`btstats._kernels.resample_cells.separable_columns`: difference
    constraints, a Bellman-Ford pass).  The log-likelihood then does not decrease along it,
    so that coefficient has no finite MLE.  ``gram``: as in :func:`_check_columns_identified`
    (a covariate that is 0 throughout is flat, not separated)."""
    cpair, cclass, pi, pj = pair_structure(cells.n_items, cells.n_categories, cells.ci,
                                            cells.cj, cells.ck)
    off = 1 if order_effect else 0
    cols = np.ascontiguousarray(cells.cx[:, off:off + len(covariates)])
    separable = _krs.separable_columns(cells.n_items, cols, cclass, cells.cw, cpair, pi, pj)
    zero = np.diag(gram)[off:off + len(covariates)] == 0.0
    for l, name in enumerate(covariates):
        if zero[l]:         # flat, not separated: held at 0 (see _check_columns_identified)
            continue
        for s, sign in enumerate((1.0, -1.0)):
            if separable[l, s]:
                raise NoMLEError(
                    f"the outcomes are separated along the covariate {name!r}: together "
                    f"with some scores, {'larger' if sign > 0 else 'smaller'} values of "
                    f"{name!r} never go with a worse outcome, so its coefficient has no "
                    f"finite MLE (it runs off to {'+' if sign > 0 else '-'}infinity). Drop "
                    f"or coarsen that covariate, or collect comparisons where it varies "
                    f"both ways.")


#: With covariates and at least this many cells, the solver starts from the fit of the same
#: model to a subsample of the cells (every k-th cell, :data:`START_SAMPLE_PER_ITEM` per
#: item, when that is at most a quarter of them), or else, or should that fit fail, from the
#: fit without the covariates (on the pair counts).  Newton then needs fewer iterations over
#: every cell (10**6 battles of 100 models, four style covariates: 3 from the subsample fit,
#: 4 from the fit without the covariates, 5 from the crude start).
PREFIT_MIN_CELLS = 20_000
#: Cells per item of the subsample of :data:`PREFIT_MIN_CELLS`, fitted to
#: :data:`START_SAMPLE_TOL` only (its own noise is larger): its estimate is then within about
#: 0.1 of the full one, where Newton on all the cells reaches the default ``tol`` (1e-10) in
#: three iterations (10**6 battles of 100 models: 55 ms for the subsample, 60-80 ms an
#: iteration over all the cells; with half the subsample, four iterations).
START_SAMPLE_PER_ITEM = 1024
START_SAMPLE_TOL = 1e-2


def _overlap_start(mdl, cells, penalty, covariates):
    """Whether :func:`fit_core` runs :func:`_start_values` on a thread beside the existence
    checks: with covariates to check, on cells enough for the subsample start
    (:data:`PREFIT_MIN_CELLS`) whose subsample is small enough for the plain passes (so
    that the start loses no threads by running beside the checks)."""
    if penalty != 0.0 or not covariates or cells.ci.shape[0] < PREFIT_MIN_CELLS:
        return False
    n = cells.n_items
    q = _kc.n_extra(mdl.family.code, cells.n_categories, cells.n_lin)
    return _kc.threads(2 * START_SAMPLE_PER_ITEM * n, n, q) is None


def _start_values(comparisons, mdl, ties, order_effect, cells, penalty, parallel=True):
    """Start values ``(s, extra)``: the scores of :func:`_start_scores` and
    :func:`btstats.data.cells.start_extra` or, with covariates on many cells
    (:data:`PREFIT_MIN_CELLS`), the fit to a subsample of the cells (see there), or the fit
    of the same model without the covariates (their coefficients at 0).  Only where the
    solver starts: the estimate is that of any start.  ``parallel=False``: no parallel
    kernel (the start then runs on a thread beside others, :func:`_overlap_start`)."""
    n = comparisons.n_items
    extra = _cells.start_extra(mdl, cells, cells.n_lin)
    n_order = 1 if order_effect else 0
    m = cells.ci.shape[0]
    if cells.n_lin == n_order or m < PREFIT_MIN_CELLS:
        return _start_scores(cells, n), extra
    fam, link = mdl.family.code, mdl.link
    stride = m // (START_SAMPLE_PER_ITEM * n)
    sub = None
    if stride >= 4:
        sub = _cells.Cells(cells.n_items, cells.n_categories,
                           *(np.ascontiguousarray(a[::stride]) for a in cells.arrays()))
    # (only when every item is in the subsample)
    if sub is not None and np.all(np.bincount(sub.ci, minlength=n)
                                  + np.bincount(sub.cj, minlength=n) > 0):
        s1 = _start_scores(sub, n)
        e1 = extra.copy()
        status = _kc.newton_cells(fam, link, sub.n_categories, sub.n_lin, s1, e1,
                                  *sub.arrays(), float(penalty), START_SAMPLE_TOL, 50,
                                  DENSE_MAX,
                                  _threads(sub, e1.shape[0]) if parallel else None)[0]
        if status == 0 and np.all(np.isfinite(s1)) and np.all(np.isfinite(e1)):
            return s1, e1
    base = _cells.drop_covariates(cells, n_order)
    s0 = _start_scores(base, n)
    e0 = _cells.start_extra(mdl, base, base.n_lin)
    status = _kc.newton_cells(fam, link, base.n_categories, base.n_lin,
                              s0, e0, *base.arrays(), float(penalty), 1e-6, 100,
                              DENSE_MAX,
                              _threads(base, e0.shape[0]) if parallel else None)[0]
    if status != 0 or not np.all(np.isfinite(s0)) or not np.all(np.isfinite(e0)):
        return _start_scores(cells, n), extra
    extra[:n_order] = e0[:n_order]
    extra[cells.n_lin:] = e0[n_order:]
    return np.ascontiguousarray(s0), extra


def _start_scores(cells, n):
    """Half the log of each item's (wins + 1/2) / (losses + 1/2), centred."""
    mid = (cells.n_categories - 1) / 2.0
    win_i = np.where(cells.ck > mid, cells.cw, 0.0) + np.where(cells.ck == mid, 0.5 * cells.cw, 0)
    los_i = np.where(cells.ck < mid, cells.cw, 0.0) + np.where(cells.ck == mid, 0.5 * cells.cw, 0)
    wins = np.bincount(cells.ci, win_i, n) + np.bincount(cells.cj, los_i, n)
    losses = np.bincount(cells.ci, los_i, n) + np.bincount(cells.cj, win_i, n)
    s = 0.5 * (np.log(wins + 0.5) - np.log(losses + 0.5))
    return np.ascontiguousarray(s - s.mean())


class CoreFit(PairwiseFit):
    """The fit of a model of the general core (see :func:`btstats.fit`).

    Besides the fields of :class:`PairwiseFit` it has :attr:`coefficients`, a table of the
    parameters beyond the scores (order effect ``h``, tie parameter ``eta`` or ``nu``,
    thresholds ``t1 .. tp``) with estimate, standard error, z, p and Wald interval.

    Inference is that of every fit: :meth:`with_covariance` (``"observed"``, ``"expected"``,
    ``"sandwich"``, ``"cluster"``) over all the parameters, and :meth:`bootstrap`, whose
    distribution holds the centred scores and then :attr:`params`.

    Notes
    -----
    With ``g_r`` the score of comparison ``r`` in ``(s, h, theta)`` (``d log P / dz`` times
    ``e_a - e_b + o e_h``, and ``d log P / d theta``), the sandwich's meat is
    ``sum_r g_r g_r'`` (a tie under ``ties="half"`` scores the mean of its two halves), the
    cluster meat ``sum_c U_c U_c'`` with ``U_c`` the sum over cluster ``c`` (times
    ``C/(C-1) (N-1)/(N-K)``), and the expected information
    ``sum over (pair, order) groups of n_g sum_k p_k g_k g_k'`` (``k`` the categories, ``p_k``
    their fitted probabilities).

    Examples
    --------
    >>> import btstats
    >>> res = btstats.fit(btstats.load_example("home_ties"), "davidson", order_effect=True)
    >>> res.with_covariance("sandwich").coefficients["se"].round(3)
    parameter
    h     0.062
    nu    0.040
    Name: se, dtype: float64
    >>> boot = res.bootstrap(n_resamples=200, rng=1)
    >>> list(boot.estimate.index)
    ['A', 'B', 'C', 'D', 'E', 'F', 'h', 'nu']
    >>> boot.standard_error[["h", "nu"]].round(3)
    h     0.061
    nu    0.039
    Name: standard_error, dtype: float64
    """

    #: The bootstrap resamples the cells (pair, order, outcome category).
    resampling_design = "cells"

    def __init__(self, *, model, comparisons, cells, scores, extra, order_effect, penalty,
                 n_iter, status, gradient_norm, tol, ties, method="newton", covariates=()):
        converged, message = _status_message(status, n_iter, gradient_norm, tol, method)
        super().__init__(model=model, method=method, comparisons=comparisons,
                         counts=comparisons.pairs, scores=scores, eta=None, penalty=penalty,
                         n_iter=n_iter, converged=converged, message=message,
                         gradient_norm=gradient_norm, covariance_type="observed", ties=ties)
        self._cells = cells
        self._extra = np.asarray(extra, dtype=float)
        self._extra.setflags(write=False)
        self._order_effect = bool(order_effect)
        self._covariates = tuple(str(c) for c in covariates)
        self._names = extra_names(model, cells.n_categories, order_effect, self._covariates)
        self._row_map = None
        #: ``(hcell, cross, hpp)`` of the solver's pass at the estimate, or None
        self._last_pass = None

    order_effect = property(lambda self: self._order_effect,
                            doc="Whether an order / home effect ``h`` was estimated.")
    covariates = property(lambda self: self._covariates,
                          doc="Names of the comparison-level covariates (a tuple; empty "
                              "without).")
    n_categories = property(lambda self: self._cells.n_categories,
                            doc="Number of outcome categories of the family.")

    @property
    def n_comparisons(self):
        return self._cells.n_comparisons

    def _pass_size(self):
        return int(self._cells.ci.shape[0])

    @property
    def params(self):
        """The parameters beyond the scores, by name (a Series)."""
        return pd.Series(self._extra.copy(), index=self._names, name="estimate")

    @property
    def n_params(self):
        return self.n_items - 1 + self._extra.shape[0]

    def _singular_hint(self):
        if not self._cells.n_lin:
            return ""
        gram = _cells.column_gram(self._cells)
        zero = [nm for l, nm in enumerate(_column_labels(self._order_effect, self._covariates))
                if not gram[l, l] > 0.0]
        if not zero:
            return ""
        fix = " (no comparison has an order: refit without order_effect=True)" \
            if self._order_effect and not gram[0, 0] > 0.0 else ""
        return (f"standard errors do not exist: {', '.join(zero)} is 0 in every comparison, "
                f"so its coefficient is not identified (it is held at 0){fix}. Drop it and "
                f"refit.")

    def _threads(self):
        """The ``threaded`` argument of the passes over this fit's cells."""
        return _threads(self._cells, self._extra.shape[0])

    def _kernel_args(self):
        # writable copies, as newton_cells gets them: a read-only array is another Numba
        # type, and the kernels called by both would be compiled twice
        return (self._model.family.code, self._model.link, self._cells.n_categories,
                self._cells.n_lin, self._s.copy(), self._extra.copy())

    @property
    def loglik(self):
        if self._loglik is None:
            self._loglik = float(_kc.loglik_cells(*self._kernel_args(), *self._cells.arrays(),
                                                  self._threads()))
        return self._loglik

    # ------------------------------------------------------------------ inference
    def _row_cells(self):
        """``(row, cell, weight)`` of every stored row (see :func:`row_cells`)."""
        if self._row_map is None:
            self._row_map = row_cells(self._comparisons, self._model, self._ties,
                                      self._order_effect, self._cells)
        return self._row_map

    def _halved_ties(self):
        """Whether some row adds to two cells (ties as half a win each way)."""
        return (self._ties == "half" and self._cells.n_categories == 2
                and self._comparisons.n_ties > 0)

    def _comparison_atoms(self):
        """The kinds of comparison ``(ptr, cell, coef, mass)`` (see :func:`comparison_atoms`):
        the cells themselves unless ties were halved."""
        c = self._cells
        if not self._halved_ties():
            m = c.ci.shape[0]
            return (np.arange(m + 1, dtype=np.int64), np.arange(m, dtype=np.int64),
                    np.ones(m), c.cw)
        if c.rows_are_cells:
            return row_atoms(self._comparisons, c)
        return comparison_atoms(*self._row_cells(), c.ci.shape[0])

    def _cluster_units(self, labels):
        """Clusters (a code per stored row) as ``(ptr, cell, weight, n_clusters)``."""
        return cluster_units(*self._row_cells(), labels, self._cells.ci.shape[0])

    def _groups(self):
        """``(gi, gj, gx, totals)`` of the ``(pair, linear-predictor row)`` groups (see
        :func:`cell_groups`)."""
        return cell_groups(self._cells)

    def _group_probabilities(self, gi, gj, gx):
        """Fitted category probabilities of the groups (rows) at this estimate."""
        return _krs.category_probabilities(*self._kernel_args(), gi, gj, gx)

    def _information(self):
        """Observed (negative Hessian) or expected (Fisher) information of (scores, extra):
        the expected one is ``sum over groups and categories of n_g p_gk g_gk g_gk'``, with
        ``g_gk`` the score of one comparison of the group with outcome ``k``."""
        if self._covariance_type != "expected":
            c = self._cells
            if self._last_pass is not None:
                return _kc.information_from_pass(self.n_items, c.ci, c.cj, *self._last_pass)
            return _kc.information_cells(*self._kernel_args(), *c.arrays(), self._threads())
        gi, gj, gx, totals = self._groups()
        k = self._cells.n_categories
        prob = self._group_probabilities(gi, gj, gx)
        ci, cj, cx, ck = expand_groups(gi, gj, gx, k)
        g = _kc.cell_scores(*self._kernel_args(), ci, cj, cx, ck,
                            _kc.threads(ci.shape[0], self.n_items, self._extra.shape[0]))
        m = ci.shape[0]
        return _krc.meat_units(self.n_items, self._cells.n_lin, ci, cj, cx, g,
                               np.arange(m + 1, dtype=np.int64), np.arange(m, dtype=np.int64),
                               np.ones(m), (totals[:, None] * prob).ravel(),
                               _krc.threads(self.n_items, self._extra.shape[0], m))

    def _meat(self):
        """``G``: the sum over comparisons of ``g g'`` (``"sandwich"``) or over clusters of
        ``U U'`` with ``U`` the sum of the cluster's comparison scores (``"cluster"``, times
        ``C/(C-1) (N-1)/(N-K)``); scores in (scores, extra)."""
        c = self._cells
        g = _kc.cell_scores(*self._kernel_args(), c.ci, c.cj, c.cx, c.ck, self._threads())
        q = self._extra.shape[0]
        if self._covariance_type == "sandwich":
            ptr, cell, coef, mass = self._comparison_atoms()
            threaded = _krc.threads(self.n_items, q, ptr.shape[0] - 1)
            # a kind of comparison lies in one pair and one linear-predictor row
            meat, ok = _krc.meat_kinds(self.n_items, c.n_lin, c.ci, c.cj, c.cx, g,
                                       ptr, cell, coef, mass, threaded)
            if ok:
                return meat
            return _krc.meat_units(self.n_items, c.n_lin, c.ci, c.cj, c.cx, g,
                                   ptr, cell, coef, mass, threaded)
        ptr, cell, weight, n_clusters = self._cluster_units(self._cluster_codes)
        meat = _krc.meat_units(self.n_items, c.n_lin, c.ci, c.cj, c.cx, g, ptr,
                               cell, weight, np.ones(n_clusters),
                               _krc.threads(self.n_items, q, int(n_clusters)))
        self._n_clusters = int(n_clusters)
        return meat * self._cluster_factor(n_clusters)

    @property
    def parameter_covariance(self):
        names = list(self.items) + self._names
        return pd.DataFrame(self._full_covariance(), index=names, columns=names)

    # the coefficient table, summary() and _repr_html_() are those of PairwiseFit, over
    # these parameters
    def _coefficient_names(self):
        return list(self._names)

    def _coefficient_values(self):
        return self._extra.copy()

    def category_probabilities(self, a, b, order=0.0, covariates=None):
        """``P(category k)`` for ``k = 0 .. K - 1`` (``K - 1``: ``a`` best) of comparisons of
        labels ``a`` and ``b`` with order indicator ``order`` (+1: ``a`` at home or first)
        and, for a fit with covariates, their values ``covariates`` for ``a`` against ``b``
        (one row per comparison, one column per covariate in the fit's order; default 0).

        Returns
        -------
        ndarray, shape (m, K)
        """
        ia = np.atleast_1d(self._codes(a, "a"))
        ib = np.atleast_1d(self._codes(b, "b"))
        ia, ib = np.broadcast_arrays(ia, ib)
        o = np.broadcast_to(np.asarray(order, dtype=float), ia.shape)
        h = self._extra[0] if self._order_effect else 0.0
        off = 1 if self._order_effect else 0
        n_cov = len(self._covariates)
        beta = self._extra[off:off + n_cov]
        if covariates is None:
            xb = np.zeros(ia.shape[0])
        else:
            x = np.asarray(covariates, dtype=float)
            x = np.broadcast_to(x.reshape(-1, n_cov) if x.ndim < 2 else x,
                                (ia.shape[0], n_cov))
            xb = x @ beta
        theta = self._extra[self._cells.n_lin:].copy()     # writable, as the fit passes it
        k = self._cells.n_categories
        out = np.empty((ia.shape[0], k))
        row = np.empty(k)
        fam = self._model.family.code
        for r in range(ia.shape[0]):
            z = self._s[ia[r]] - self._s[ib[r]] + h * o[r] + xb[r]
            _kf.log_probabilities(fam, self._model.link, k, z, theta, row)
            out[r] = np.exp(row)
        return out

    def probabilities(self, a, b, order=0.0, covariates=None):
        """``P(a better)``, ``P(tie)``, ``P(b better)`` (graded categories summed by side;
        ``order`` and ``covariates`` as in :meth:`category_probabilities`)."""
        from .results import _is_many
        p = self.category_probabilities(a, b, order, covariates)
        k = p.shape[1]
        half = k // 2
        pa = p[:, k - half:].sum(axis=1)
        pb = p[:, :half].sum(axis=1)
        pt = p[:, half] if k % 2 == 1 else np.zeros(p.shape[0])
        if not _is_many(a) and not _is_many(b):
            return PairProbabilities(float(pa[0]), float(pt[0]), float(pb[0]))
        return PairProbabilities(pa, pt, pb)

    def _header(self):
        rows = super()._header()
        rows.insert(1, ("family", f"{self._model.family_name}, {self._cells.n_categories} "
                                  f"categories, {self._model.link_name} link"))
        if self._covariates:
            terms = (["h order"] if self._order_effect else []) + \
                [f"b_{c} {c}" for c in self._covariates]
            rows.insert(2, ("predictor", "z = s_a - s_b + " + " + ".join(terms)))
        return rows
