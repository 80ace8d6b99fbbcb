"""Item-level covariates (structured scores): ``s_i = x_i' beta`` (+ an item effect ``u_i``).

:func:`fit_structured` is what :func:`btstats.fit` runs with ``item_covariates=``; its result
is a :class:`StructuredFit`.  The predictor of a comparison of ``a`` and ``b`` is

    z = (x_a - x_b)' beta + [u_a - u_b] + h o_ab + x_ab' gamma

so the item covariates enter the general core as comparison columns ``x_a - x_b`` on cells
(:func:`btstats.data.cells.build_item_cells`).  Without item effects there is no free score:
the Newton solver of the core runs on the same cells with every item mapped to one code, so
``s_a - s_b`` is identically 0 and only the coefficients move (the scores' block of the
bordered system is then empty in effect).  Items with a missing covariate value are handled
as BradleyTerry2's ``BTm`` does: their covariates are set to 0 and each gets its own ability
parameter ``ability[<label>]`` (a column +1 when it is ``a``, -1 when it is ``b``).
"""
import numpy as np
import pandas as pd

from .._checks import DENSE_MAX
from .._kernels import cells as _kc
from .._kernels import gradient_cells as _kg
from .._kernels import resample_cells as _krs
from ..data import cells as _cells
from ..data.cells import pair_structure
from ..exceptions import DataError, NoMLEError
from .core import CoreFit, _SOLVERS, _start_scores
from .results import _SINGULAR, MAX_DENSE_COVARIANCE, PairwiseFit

__all__ = ["StructuredFit", "fit_structured", "item_design"]


def item_design(item_covariates, items):
    """``(x, names, separate, missing)``: the item covariates as a float64 matrix in the order
    of ``items`` (rows of the separate items set to 0), the column names, the codes of the
    items with a missing value (they get their own ability) and, for each, the columns it
    lacks.  Raises :class:`DataError` / ``TypeError`` naming what is wrong."""
    frame = item_covariates
    if isinstance(frame, pd.Series):
        frame = frame.to_frame(name="x" if frame.name is None else frame.name)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`item_covariates` must be a DataFrame indexed by item label, one "
                        f"numeric column per covariate (or a Series); got "
                        f"{type(item_covariates).__name__}.")
    if frame.shape[1] == 0:
        raise ValueError("`item_covariates` has no columns: give at least one covariate.")
    names = [str(c) for c in frame.columns]
    if len(set(names)) != len(names):
        raise ValueError(f"`item_covariates` has repeated column names: {names}.")
    if frame.index.has_duplicates:
        dup = frame.index[frame.index.duplicated()].unique().tolist()[:5]
        raise DataError(f"`item_covariates` must have one row per item; repeated labels in "
                        f"its index: {dup}.")
    bad = [c for c in frame.columns if not (pd.api.types.is_numeric_dtype(frame[c])
                                            or pd.api.types.is_bool_dtype(frame[c]))]
    if bad:
        raise DataError(f"`item_covariates` columns {[str(c) for c in bad]} are not numeric: "
                        f"encode them as numbers (a factor as indicator columns, e.g. "
                        f"pd.get_dummies(frame, columns=[...], drop_first=True, dtype=float)) "
                        f"or leave them out (item_covariates=frame[[...]]).")
    idx = frame.index.get_indexer(pd.Index(items))
    if np.any(idx < 0):
        absent = pd.Index(items)[idx < 0]
        raise DataError(f"{absent.shape[0]} item(s) of the comparisons have no row in "
                        f"`item_covariates`: {absent[:10].tolist()}"
                        f"{' ...' if absent.shape[0] > 10 else ''}. Add a row for each (an "
                        f"item with a row of NaN gets its own ability parameter) or drop its "
                        f"comparisons.")
    x = np.column_stack([frame[c].to_numpy(dtype=float, na_value=np.nan) for c in frame.columns])
    x = x[idx]
    if np.any(np.isinf(x)):
        r, c = np.argwhere(np.isinf(x))[0]
        raise DataError(f"`item_covariates` holds an infinite value (item {items[r]!r}, "
                        f"column {names[c]!r}): covariates must be finite (NaN marks a missing "
                        f"value).")
    nan = np.isnan(x)
    separate = np.flatnonzero(nan.any(axis=1))
    missing = {items[i]: [names[c] for c in np.flatnonzero(nan[i])] for i in separate}
    x[separate] = 0.0
    return np.ascontiguousarray(x), names, separate.astype(np.int64), missing


def _ability_name(label):
    return f"ability[{label}]"


def fit_structured(comparisons, mdl, item_covariates, *, item_effects, method, penalty, ties,
                   tol, max_iter, order_effect, covariates=()):
    """Fit ``mdl`` with structured scores ``s_i = x_i' beta`` (+ ``u_i``) (see
    :func:`btstats.fit`)."""
    covariates = tuple(covariates)
    if method not in _SOLVERS:
        raise ValueError(f"method={method!r} is not available with `item_covariates`: the "
                         f"general core fits it by method='newton' or 'gradient'.")
    if item_effects and penalty == 0.0:
        raise ValueError("item_effects=True needs penalty > 0: the free item effects u_i and "
                         "the covariates' coefficients are not identified otherwise (u "
                         "absorbs any x' beta). penalty is the ridge on u (a N(0, 1/penalty) "
                         "prior); a random-effect fit is not implemented.")
    if not item_effects and penalty != 0.0:
        raise ValueError("`penalty` is the ridge on the item effects u_i: with "
                         "`item_covariates` it needs item_effects=True (the structured model "
                         "s_i = x_i' beta has no scores to penalise).")
    items = comparisons.items
    x, names, separate, missing = item_design(item_covariates, items)
    if item_effects:
        # the separate items' own abilities are their item effects u_i (penalised alike)
        sep_cols = np.zeros(0, np.int64)
    else:
        sep_cols = separate
    cells = _cells.build_item_cells(comparisons, mdl, ties, order_effect, covariates, x,
                                    sep_cols)
    mdl.family.check_data(np.bincount(cells.ck, weights=cells.cw,
                                      minlength=cells.n_categories), mdl.name)
    reserved = {"h", *covariates, *mdl.family.param_names(cells.n_categories)}
    clash = [c for c in names if c in reserved]
    if clash:
        raise ValueError(f"`item_covariates` columns {clash} clash with the names of other "
                         f"parameters of the fit ({sorted(reserved)}): rename them.")
    lin_names = ((["h"] if order_effect else []) + list(covariates) + names
                 + [_ability_name(items[k]) for k in sep_cols])
    if not item_effects:
        _check_separate(cells, items, sep_cols, missing)
    _check_rank(cells, lin_names)
    _check_separation(cells, lin_names)
    n = comparisons.n_items
    fam = mdl.family.code
    extra = _cells.start_extra(mdl, cells, cells.n_lin)
    if item_effects:
        u = _start_scores(cells, n)
        ci, cj = cells.ci, cells.cj
    else:
        # no free score: every item is code 0 of a one-item score vector, so s_a - s_b = 0
        u = np.zeros(1)
        ci = np.zeros_like(cells.ci)
        cj = ci
    args = (fam, mdl.link, cells.n_categories, cells.n_lin, u, extra, ci, cj, cells.cx,
            cells.ck, cells.cw, float(penalty), float(tol), int(max_iter))
    threaded = _kc.threads(ci.shape[0], u.shape[0], extra.shape[0])
    if method == "newton":
        status, n_iter, gnorm = _kc.newton_cells(*args, DENSE_MAX, threaded)[:3]
    else:
        status, n_iter, gnorm = _kg.gradient_cells(*args, threaded)
    if not item_effects:
        u = np.zeros(n)
    res = StructuredFit(model=mdl, comparisons=comparisons, cells=cells, item_effects=u,
                        fit_item_effects=bool(item_effects), extra=extra,
                        order_effect=order_effect, penalty=penalty, n_iter=int(n_iter),
                        status=int(status), gradient_norm=float(gnorm), tol=tol, ties=ties,
                        method=method, covariates=covariates, item_x=x,
                        item_covariate_names=names, separate=sep_cols,
                        missing=missing, lin_names=lin_names)
    if not res.converged:
        res._message += (" With item covariates this can mean that the outcomes are "
                         "separated along a combination of covariates (no finite MLE): see "
                         "fit.coefficients for a runaway coefficient.")
    return res


def _outcome_classes(cells):
    mid = (cells.n_categories - 1) / 2.0
    return np.where(cells.ck > mid, 0, np.where(cells.ck < mid, 1, 2))


def _check_separate(cells, items, separate, missing):
    """A separate item (own ability) that never loses (or never wins) has no finite ability:
    raise :class:`NoMLEError` naming it."""
    if separate.shape[0] == 0:
        return
    cls = _outcome_classes(cells)
    never_lose, never_win = [], []
    for k in separate:
        as_i = cells.ci == k
        as_j = cells.cj == k
        w = cells.cw
        wins = w[(as_i & (cls == 0)) | (as_j & (cls == 1))].sum()
        losses = w[(as_i & (cls == 1)) | (as_j & (cls == 0))].sum()
        ties = w[(as_i | as_j) & (cls == 2)].sum()
        if losses + ties == 0:
            never_lose.append((items[k], wins))
        elif wins + ties == 0:
            never_win.append((items[k], losses))
    if not never_lose and not never_win:
        return
    parts = []
    for label, count in never_lose:
        parts.append(f"{label!r} (missing {', '.join(missing[label])}) won all its {count:g} "
                     f"comparisons, so its ability is +infinity")
    for label, count in never_win:
        parts.append(f"{label!r} (missing {', '.join(missing[label])}) lost all its {count:g} "
                     f"comparisons, so its ability is -infinity")
    raise NoMLEError(
        "items with a missing covariate value get their own ability parameter (as "
        "BradleyTerry2's BTm does), and " + "; ".join(parts) + ": no finite MLE. Drop their "
        "comparisons (the other estimates then equal BTm's, which are this limit), give them "
        "covariate values, or fit item_effects=True with penalty= (a ridge on every item's "
        "effect, these items' abilities included).",
        never_win=[lab for lab, _ in never_win], never_lose=[lab for lab, _ in never_lose])


def _check_rank(cells, names):
    """Refuse predictor columns that are linearly dependent over the comparisons (an
    intercept, a covariate constant over the compared items, one indicator per item): their
    coefficients are not identified."""
    cx = cells.cx[cells.cw > 0]
    if cx.shape[1] == 0:
        return
    scale = np.max(np.abs(cx), axis=0)
    zero = [names[l] for l in np.flatnonzero(scale == 0)]
    if zero:
        raise DataError(f"the predictor columns {zero} are 0 in every comparison (constant "
                        f"over the compared items, e.g. an intercept, which cancels in "
                        f"s_a - s_b): their coefficients are not identified; drop them.")
    cx = cx / scale
    rank = np.linalg.matrix_rank(cx)
    if rank == cx.shape[1]:
        return
    # name the first column that adds nothing to the ones before it
    for l in range(1, cx.shape[1] + 1):
        if np.linalg.matrix_rank(cx[:, :l]) < l:
            break
    raise DataError(f"the predictor columns are linearly dependent over the comparisons: "
                    f"{names[l - 1]!r} is a combination of {names[:l - 1]}, so the "
                    f"coefficients are not identified. Typical causes: an intercept or a "
                    f"covariate constant over the items (it cancels in s_a - s_b; with "
                    f"separate items it mimics their abilities), two columns proportional "
                    f"to each other, or one indicator per item (their sum is constant: "
                    f"leave out one reference item). Drop a column.")


def _check_separation(cells, names):
    """Raise :class:`NoMLEError` when one predictor column alone separates the outcomes: a
    sign of its coefficient under which no comparison goes against it (the scores are pinned
    to ``x' beta``, so this is the check of :func:`btstats._kernels.resample_cells.
    order_separable` with a single item)."""
    ci0 = np.zeros_like(cells.ci)
    cpair, cclass, pi, pj = pair_structure(1, cells.n_categories, ci0, ci0, cells.ck)
    for l, name in enumerate(names):
        col = np.ascontiguousarray(cells.cx[:, l])
        for sign in (1.0, -1.0):
            if _krs.order_separable(1, col, cclass, cells.cw, cpair, pi, pj, sign):
                raise NoMLEError(
                    f"the outcomes are separated along {name!r}: "
                    f"{'larger' if sign > 0 else 'smaller'} values of it never go with a "
                    f"worse outcome, so its coefficient has no finite MLE (it runs off to "
                    f"{'+' if sign > 0 else '-'}infinity). Drop or coarsen that column, or "
                    f"collect comparisons where it varies both ways.")


class StructuredFit(CoreFit):
    """The fit of a model with item covariates (``btstats.fit(..., item_covariates=...)``).

    The scores are structured: ``s_i = x_i' beta`` for an item with covariates ``x_i`` (a
    row of the frame), its own ability parameter for an item with a missing value (its
    covariates set to 0, as BradleyTerry2 does), plus a penalised item effect ``u_i`` with
    ``item_effects=True``.

    Attributes
    ----------
    scores : pandas.Series
        The implied scores, centred to sum to zero over the items (btstats' convention);
        their covariance (:attr:`covariance`, :attr:`standard_errors`) is the delta method's
        ``C M V M' C`` with ``M`` the map from the parameters to the scores and ``C`` the
        centring.
    abilities : pandas.Series
        The same scores not centred: ``x_i' beta`` (+ ``u_i``), the separate items' own
        abilities, as BradleyTerry2's ``BTabilities`` reports them.
    coefficients : pandas.DataFrame
        Estimate, se, z, p and Wald interval of ``h`` (order effect), the comparison-level
        covariates, the item covariates' ``beta`` (by column name), the separate items'
        abilities (``ability[<label>]``) and the family's parameters.
    item_effects : pandas.Series or None
        The fitted ``u_i`` (centred) with ``item_effects=True``, else None.
    separate_items : list
        The items with a missing covariate value (own ability), with ``missing_covariates``
        the columns each lacks.

    Notes
    -----
    ``n_params`` counts the coefficients (plus ``n_items - 1`` item effects with
    ``item_effects=True``): AIC, BIC and :func:`btstats.compare` use it. The bootstrap is not
    implemented for these fits; the observed, expected, sandwich and cluster covariances are
    (:meth:`with_covariance`).
    """

    def __init__(self, *, model, comparisons, cells, item_effects, fit_item_effects, extra,
                 order_effect, penalty, n_iter, status, gradient_norm, tol, ties, method,
                 covariates, item_x, item_covariate_names, separate, missing, lin_names):
        n = comparisons.n_items
        self._u = np.ascontiguousarray(item_effects, dtype=float)
        self._fit_u = fit_item_effects
        q = np.asarray(extra).shape[0]
        # the map from the coefficients to the (uncentred) scores
        m_map = np.zeros((n, q))
        off = cells.n_lin - len(item_covariate_names) - separate.shape[0]
        m_map[:, off:off + len(item_covariate_names)] = item_x
        for c, k in enumerate(separate):
            m_map[k, off + len(item_covariate_names) + c] = 1.0
        self._m_map = m_map
        ability = self._u + m_map @ np.asarray(extra, dtype=float)
        super().__init__(model=model, comparisons=comparisons, cells=cells,
                         scores=ability - ability.mean(), extra=extra,
                         order_effect=order_effect, penalty=penalty, n_iter=n_iter,
                         status=status, gradient_norm=gradient_norm, tol=tol, ties=ties,
                         method=method, covariates=covariates)
        self._ability = ability
        self._base_cov = None
        self._item_covariate_names = tuple(item_covariate_names)
        self._separate = separate
        self._missing = dict(missing)
        self._names = list(lin_names) + list(model.family.param_names(cells.n_categories))

    item_covariate_names = property(lambda self: self._item_covariate_names,
                                    doc="Names of the item covariates (a tuple).")

    @property
    def separate_items(self):
        """Items with a missing covariate value, which have their own ability (a list)."""
        return list(self._missing)

    @property
    def missing_covariates(self):
        """For each separate item, the item covariates it lacks (a dict)."""
        return {k: list(v) for k, v in self._missing.items()}

    @property
    def abilities(self):
        """The scores not centred, as BradleyTerry2's ``BTabilities`` gives them: a DataFrame
        by item with ``ability`` (``x_i' beta`` (+ ``u_i``), or the item's own ability) and
        ``se`` (the delta method, ``sqrt(m_i' V m_i)`` with ``m_i`` the item's row of the map
        from the coefficients to the scores, from this fit's covariance; with item effects
        ``u`` is the centred one)."""
        n = self.n_items
        q = self._extra.shape[0]
        t = np.eye(n + q)[:n]
        t[:, n:] = self._m_map
        base = self._base_covariance()
        var = np.einsum("ij,jk,ik->i", t, base, t)
        return pd.DataFrame({"ability": self._ability.copy(),
                             "se": np.sqrt(np.maximum(var, 0.0))}, index=self.items)

    @property
    def item_effects(self):
        """The item effects ``u_i`` (centred; None without ``item_effects=True``)."""
        if not self._fit_u:
            return None
        return pd.Series(self._u.copy(), index=self.items, name="item_effect")

    @property
    def n_params(self):
        return self._extra.shape[0] + (self.n_items - 1 if self._fit_u else 0)

    def _kernel_args(self):
        return (self._model.family.code, self._model.link, self._cells.n_categories,
                self._cells.n_lin, self._u, self._extra.copy())

    def _full_covariance(self):
        """Covariance of (centred implied scores, coefficients): ``T V T'`` with ``V`` that of
        (u, coefficients) (of the coefficients alone without item effects) and ``T`` the
        centred map ``[[C, C M], [0, I]]``."""
        if self._cov is not None:
            return self._cov
        n = self.n_items
        q = self._extra.shape[0]
        base = self._base_covariance()
        t = np.eye(n + q)
        t[:n, n:] = self._m_map
        t[:n] -= t[:n].mean(axis=0)
        cov = t @ base @ t.T
        cov = 0.5 * (cov + cov.T)
        if not np.all(np.isfinite(cov)):
            raise np.linalg.LinAlgError(_SINGULAR)
        self._cov = cov
        return cov

    def _base_covariance(self):
        """Covariance of (centred u, coefficients) in the solver's parametrisation (u = 0
        and its block 0 without item effects)."""
        if self._base_cov is not None:
            return self._base_cov
        n = self.n_items
        q = self._extra.shape[0]
        if n > MAX_DENSE_COVARIANCE:
            raise MemoryError(f"standard errors of the scores of {n:,} items need dense "
                              f"{n:,} x {n:,} matrices; btstats stops at "
                              f"{MAX_DENSE_COVARIANCE:,} items.")
        if self._fit_u:
            base = PairwiseFit._full_covariance(self)
            self._cov = None
        else:
            info = self._information()[n:, n:]
            try:
                v = np.linalg.inv(info)
            except np.linalg.LinAlgError as exc:
                raise np.linalg.LinAlgError(_SINGULAR) from exc
            v = 0.5 * (v + v.T)
            if self._covariance_type in ("sandwich", "cluster"):
                v = v @ self._meat()[n:, n:] @ v
                v = 0.5 * (v + v.T)
            base = np.zeros((n + q, n + q))
            base[n:, n:] = v
        self._base_cov = base
        return base

    def with_covariance(self, covariance_type, *, cluster=None):
        new = super().with_covariance(covariance_type, cluster=cluster)
        new._base_cov = None
        return new

    with_covariance.__doc__ = CoreFit.with_covariance.__doc__

    def bootstrap(self, **kwargs):
        """Not implemented for fits with item covariates (use :meth:`with_covariance`)."""
        raise NotImplementedError("the bootstrap of a fit with item covariates is not "
                                  "implemented; use with_covariance('sandwich') or "
                                  "('cluster') for robust standard errors.")

    def _header(self):
        rows = [r if r[0] != "penalty" else
                ("penalty", f"{self._penalty:g} (MAP, L2 on the item effects u)")
                for r in super()._header() if r[0] != "predictor"]
        terms = ["x_i' beta"] + (["u_i"] if self._fit_u else [])
        x_names = ", ".join(self._item_covariate_names)
        rows.insert(2, ("scores", " + ".join(terms) + f" (x: {x_names})"))
        if self._missing:
            shown = ", ".join(str(k) for k in list(self._missing)[:5])
            more = " ..." if len(self._missing) > 5 else ""
            own = "own effect u_i" if self._fit_u else "own ability"
            rows.insert(3, ("separate items", f"{shown}{more} (missing covariates: {own})"))
        if self._covariates or self._order_effect:
            extra = (["h order"] if self._order_effect else []) + \
                [f"b_{c} {c}" for c in self._covariates]
            rows.insert(3, ("predictor", "z = s_a - s_b + " + " + ".join(extra)))
        return rows

    def __repr__(self):
        return (f"StructuredFit(model={self.model!r}, n_items={self.n_items}, "
                f"item_covariates={list(self._item_covariate_names)}, "
                f"n_comparisons={self.n_comparisons:g}, loglik={self.loglik:.4f}, "
                f"converged={self.converged})")
