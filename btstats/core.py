"""The general model core: any outcome family over the linear predictor
``z = s_a - s_b + h o_ab``, fitted by one Newton solver on cells.

:func:`fit_core` is what :func:`btstats.fit` runs for Davidson ties, graded outcomes and any
model with ``order_effect=True``; :class:`CoreFit` is its result (a :class:`PairwiseFit`
with a coefficient table for the parameters beyond the scores).
"""
import math
from statistics import NormalDist

import numpy as np
import pandas as pd
from scipy import special

from . import _cells
from ._kernels import cells as _kc
from ._kernels import families as _kf
from .results import PairProbabilities, PairwiseFit

__all__ = ["CoreFit", "fit_core"]

#: Newton factorises the dense Laplacian up to this many items, then uses CG on the cells.
DENSE_MAX = 500

_FAMILY_CODES = {"cumulative": _kf.CUMULATIVE, "graded": _kf.CUMULATIVE,
                 "davidson": _kf.DAVIDSON}


def extra_names(mdl, n_categories, order_effect):
    """Names of the parameters beyond the scores, in the kernels' order."""
    names = ["h"] if order_effect else []
    if mdl.family == "davidson":
        return names + ["nu"]
    p = (n_categories - 1) // 2
    if mdl.family == "cumulative" and n_categories == 3:
        return names + ["eta"]
    return names + [f"t{q + 1}" for q in range(p)]


def fit_core(comparisons, mdl, *, method, penalty, ties, tol, max_iter, order_effect):
    """Fit ``mdl`` to ``comparisons`` by the general core (Newton on cells)."""
    if method != "newton":
        raise ValueError(f"method={method!r} is not available for the {mdl.name} model"
                         f"{' with an order effect' if order_effect else ''}: the general "
                         f"model core fits it by method='newton'.")
    cells = _cells.build_cells(comparisons, mdl, ties, order_effect)
    if cells.n_categories > 2 and mdl.family != "graded":
        if not np.any(cells.ck == 1):
            from .exceptions import TiesError
            raise TiesError(f"the {mdl.name} model estimates a tie parameter but the data "
                            f"hold no ties. Fit model='bradley-terry' instead.")
    if penalty == 0.0:
        from .fit import check_mle_exists
        check_mle_exists(comparisons.pairs, comparisons.items, True)
    n = comparisons.n_items
    fam = _FAMILY_CODES[mdl.family]
    s = _start_scores(cells, n)
    extra = _cells.start_extra(mdl, cells, order_effect)
    status, n_iter, gnorm = _kc.newton_cells(
        fam, mdl.link, cells.n_categories, order_effect, s, extra, *cells.arrays(),
        float(penalty), float(tol), int(max_iter), DENSE_MAX)
    return CoreFit(model=mdl, comparisons=comparisons, cells=cells, scores=s, extra=extra,
                   order_effect=order_effect, penalty=penalty, n_iter=int(n_iter),
                   status=int(status), gradient_norm=float(gnorm), tol=tol, ties=ties)


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
    """

    def __init__(self, *, model, comparisons, cells, scores, extra, order_effect, penalty,
                 n_iter, status, gradient_norm, tol, ties):
        from .fit import _status_message
        converged, message = _status_message(status, n_iter, gradient_norm, tol, "newton")
        super().__init__(model=model, method="newton", comparisons=comparisons,
                         counts=comparisons.pairs, scores=scores, eta=None, penalty=penalty,
                         n_iter=n_iter, converged=converged, message=message,
                         gradient_norm=gradient_norm, covariance_type="observed", ties=ties)
        self._cells = cells
        self._extra = np.asarray(extra, dtype=float)
        self._extra.setflags(write=False)
        self._order_effect = bool(order_effect)
        self._names = extra_names(model, cells.n_categories, order_effect)

    order_effect = property(lambda self: self._order_effect,
                            doc="Whether an order / home effect ``h`` was estimated.")
    n_categories = property(lambda self: self._cells.n_categories,
                            doc="Number of outcome categories of the family.")

    @property
    def n_comparisons(self):
        return self._cells.n_comparisons

    @property
    def params(self):
        """The parameters beyond the scores, by name (a Series)."""
        return pd.Series(self._extra.copy(), index=self._names, name="estimate")

    @property
    def n_params(self):
        return self.n_items - 1 + self._extra.shape[0]

    def _kernel_args(self):
        return (_FAMILY_CODES[self._model.family], self._model.link, self._cells.n_categories,
                self._order_effect, np.ascontiguousarray(self._s), self._extra.copy())

    @property
    def loglik(self):
        if self._loglik is None:
            self._loglik = float(_kc.loglik_cells(*self._kernel_args(), *self._cells.arrays()))
        return self._loglik

    def _information(self):
        if self._covariance_type != "observed":
            raise ValueError(f"covariance_type={self._covariance_type!r} is not yet available "
                             f"for fits of the general model core; use 'observed'.")
        return _kc.information_cells(*self._kernel_args(), *self._cells.arrays())

    def with_covariance(self, covariance_type, *, cluster=None):
        if covariance_type != "observed":
            raise ValueError(f"covariance_type={covariance_type!r} is not yet available for "
                             f"fits of the general model core ({self.model}"
                             f"{', order effect' if self._order_effect else ''}); the observed "
                             f"information is.")
        return super().with_covariance(covariance_type, cluster=cluster)

    def bootstrap(self, **kwargs):
        raise ValueError(f"the bootstrap is not yet available for fits of the general model "
                         f"core ({self.model}{', order effect' if self._order_effect else ''}"
                         f"); use the Wald intervals (confidence_interval) or rank_sets().")

    @property
    def parameter_covariance(self):
        names = list(self.items) + self._names
        return pd.DataFrame(self._full_covariance(), index=names, columns=names)

    @property
    def coefficients(self):
        """Estimate, standard error, z (against 0), two-sided p and 95% Wald interval of each
        parameter beyond the scores."""
        return self.coefficient_table()

    def coefficient_table(self, confidence_level=0.95):
        """:attr:`coefficients` at another confidence level."""
        from . import _validation as _v
        confidence_level = _v.check_confidence_level(confidence_level)
        n = self.n_items
        cov = self._full_covariance()
        se = np.sqrt(np.maximum(np.diag(cov)[n:], 0.0))
        est = self._extra
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / se, np.nan)
        p = 2.0 * special.ndtr(-np.abs(z))
        q = NormalDist().inv_cdf(0.5 + confidence_level / 2)
        return pd.DataFrame({"estimate": est, "se": se, "z": z, "p": p,
                             "ci_low": est - q * se, "ci_high": est + q * se},
                            index=pd.Index(self._names, name="parameter"))

    def category_probabilities(self, a, b, order=0.0):
        """``P(category k)`` for ``k = 0 .. K - 1`` (``K - 1``: ``a`` best) of comparisons of
        labels ``a`` and ``b`` with order indicator ``order`` (+1: ``a`` at home or first).

        Returns
        -------
        ndarray, shape (m, K)
        """
        ia = np.atleast_1d(self._codes(a, "a"))
        ib = np.atleast_1d(self._codes(b, "b"))
        ia, ib = np.broadcast_arrays(ia, ib)
        o = np.broadcast_to(np.asarray(order, dtype=float), ia.shape)
        h = self._extra[0] if self._order_effect else 0.0
        theta = np.ascontiguousarray(self._extra[1 if self._order_effect else 0:])
        k = self._cells.n_categories
        out = np.empty((ia.shape[0], k))
        row = np.empty(k)
        fam = _FAMILY_CODES[self._model.family]
        for r in range(ia.shape[0]):
            z = self._s[ia[r]] - self._s[ib[r]] + h * o[r]
            _kf.log_probabilities(fam, self._model.link, k, z, theta, row)
            out[r] = np.exp(row)
        return out

    def probabilities(self, a, b, order=0.0):
        """``P(a better)``, ``P(tie)``, ``P(b better)`` (graded categories summed by side;
        ``order`` as in :meth:`category_probabilities`)."""
        from .results import _is_many
        p = self.category_probabilities(a, b, order)
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
        rows.insert(1, ("family", f"{self._model.family}, {self._cells.n_categories} "
                                  f"categories, {self._model.link_name} link"))
        return rows

    def summary(self, *, scale="log"):
        text = super().summary(scale=scale)
        if not self._names:
            return text
        table = self.coefficients.to_string(float_format=lambda x: f"{x:.4f}")
        return f"{text}\n\nCoefficients\n{table}"

    def _repr_html_(self):
        html = super()._repr_html_()
        return html[:-6] + self.coefficients.to_html(float_format=lambda x: f"{x:.4f}") + \
            "</div>"
