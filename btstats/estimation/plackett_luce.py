r"""The Plackett-Luce model for rankings (with ties): :func:`fit_rankings` and its result.

Validation and the existence check here; the arithmetic (log-likelihood, gradient, Hessian,
the MM pass) in :mod:`btstats._kernels.plackett_luce`; the bootstrap over whole rankings in
:meth:`PlackettLuceFit.bootstrap`.
"""
import math
import warnings

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .. import _intervals
from .. import _validation as _v
from .._checks import _head
from .._kernels import plackett_luce as _pl
from .._results import ConfidenceInterval, ResultBase
from ..data.rankings import Rankings, _group_sizes
from ..inference.quasi import QuasiVariances, quasi_variances
from .results import _count, _fmt
from ..exceptions import (ConvergenceWarning, DataError, DegenerateResampleWarning, NoMLEError,
                          TiesError)

__all__ = ["fit_rankings", "PlackettLuceFit", "RankingBootstrap"]

METHODS = ("auto", "newton", "mm")
TIES = (None, "error")
_DEFAULT_TOL = 1e-10
_DEFAULT_MAX_ITER = {"newton": 100, "mm": 10_000}
#: ``method="auto"``: MM iterations before Newton takes over.
_AUTO_MM_ITER = 500
#: ``method="auto"`` runs MM (tie-free model, no penalty) when the dense Hessian costs more
#: than this many times one MM pass (rankings of more than about eight items), else Newton.
#: Measured (2 cores, 2026-12): 10**5 rankings of 10 items, MM 0.27 s (19 passes) against
#: Newton 0.44 s; 10**4 rankings of 100 items, MM 0.41 s against Newton 1.6 s.
_AUTO_MM_RATIO = 0.5
#: Newton solves dense systems: the largest number of items (a 5,000 x 5,000 matrix).
MAX_NEWTON_ITEMS = 5_000
#: Newton takes a full step without a line search when its predicted gain is below this
#: fraction of the objective (what double precision can tell apart).
_RESOLVED = 1e-11
#: Tolerance of the bootstrap replicate fits.
REPLICATE_TOL = 1e-9


# ---------------------------------------------------------------------------- the data
class _Data:
    """The kernels' arrays: the rankings, plus the pseudo-rankings of the prior against a
    hypothetical item (code ``n_items``), and the tie orders."""

    def __init__(self, rankings, prior):
        self.rankings = rankings
        self.n_items = rankings.n_items
        item = rankings.item
        level = rankings.level
        offsets = rankings.offsets
        w = rankings.weight_array
        unranked = rankings.unranked
        self.prior = prior
        if prior > 0:
            n = self.n_items
            ghost = n
            codes = np.arange(n, dtype=np.int64)
            extra_item = np.empty(4 * n, np.int64)
            extra_item[0::4] = codes          # i above the hypothetical item
            extra_item[1::4] = ghost
            extra_item[2::4] = ghost          # and below it
            extra_item[3::4] = codes
            extra_level = np.tile(np.array([0, 1], np.int64), 2 * n)
            item = np.concatenate([item, extra_item])
            level = np.concatenate([level, extra_level])
            offsets = np.concatenate([offsets, offsets[-1] + 2 * np.arange(1, 2 * n + 1)])
            w = np.concatenate([w, np.full(2 * n, float(prior))])
            unranked = np.concatenate([unranked, np.zeros(2 * n, np.int64)])
        self.n = self.n_items + (prior > 0)
        self.item = np.ascontiguousarray(item, dtype=np.int64)
        self.level = np.ascontiguousarray(level, dtype=np.int64)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        self.w = np.ascontiguousarray(w, dtype=np.float64)
        self.unranked = np.ascontiguousarray(unranked, dtype=np.int64)
        self.n_real = rankings.n_rankings
        sizes = _group_sizes(self.level, self.offsets, self.unranked)
        self.D = int(sizes.max())
        observed = np.unique(sizes[sizes >= 2])
        self.tie_orders = [int(d) for d in observed]

    def weights(self, real_weights):
        """The kernels' weights with the real rankings' weights replaced."""
        if self.prior > 0:
            return np.concatenate([real_weights, self.w[self.n_real:]])
        return np.ascontiguousarray(real_weights, dtype=np.float64)


# ---------------------------------------------------------------------------- existence
def _win_graph_groups(n, item, level, offsets, unranked, w):
    """Strongly connected groups, out- and in-degrees of the graph of
    :func:`btstats._kernels.plackett_luce.ranking_edges`."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a, b = _pl.ranking_edges(item, level, offsets, unranked, w)
    adj = coo_matrix((np.ones(a.shape[0]), (a, b)), shape=(n, n)).tocsr()
    n_groups, _ = connected_components(adj, directed=True, connection="strong")
    return n_groups, np.bincount(a, minlength=n), np.bincount(b, minlength=n)


def _check_exists(data, items, penalty):
    """Raise :class:`NoMLEError` unless the scores and tie parameters have a finite MLE."""
    if penalty == 0 and not _pl.win_graph_connected(data.n, data.item, data.level,
                                                    data.offsets, data.unranked, data.w):
        n_groups, out_deg, in_deg = _win_graph_groups(data.n, data.item, data.level,
                                                      data.offsets, data.unranked, data.w)
        if n_groups > 1:
            labels = list(items)
            never_win = [labels[i] for i in np.flatnonzero(out_deg[:len(labels)] == 0)]
            never_lose = [labels[i] for i in np.flatnonzero(in_deg[:len(labels)] == 0)]
            parts = [f"No finite maximum-likelihood estimate exists: the graph of 'i ranked "
                     f"above j' (tied items both ways) splits into {n_groups} strongly "
                     f"connected groups, so some scores run off to +/- infinity."]
            if never_win:
                parts.append(f"Items never ranked above another: {_head(never_win)}.")
            if never_lose:
                parts.append(f"Items never ranked below another: {_head(never_lose)}.")
            parts.append("Fix: pass prior= (pseudo-rankings of every item against a "
                         "hypothetical item, e.g. prior=0.5, as PlackettLuce's npseudo) or "
                         "penalty= (an L2 prior on the scores, e.g. penalty=0.01), or add "
                         "rankings that connect the groups.")
            raise NoMLEError(" ".join(parts), n_groups=n_groups, never_win=never_win,
                             never_lose=never_lose)
    # a tie parameter delta_d runs off to infinity when every stage that could choose d items
    # chose d items
    if not data.tie_orders:
        return
    size, remaining, wg = _stages(data)
    for d in data.tie_orders:
        if not np.any((remaining >= d) & (size != d) & (wg > 0)):
            raise NoMLEError(
                f"No finite maximum-likelihood estimate exists for the tie parameter of ties "
                f"of {d} items: every choice among {d} or more remaining items was a tie of "
                f"{d} (delta_{d} -> infinity). Add rankings with strict preferences, or merge "
                f"the tied items.")


def _stages(data):
    """Per tie group: its size, the number of items remaining when it is chosen, the
    ranking's weight (stages with one remaining item left out)."""
    level, offsets = data.level, data.offsets
    new = np.ones(level.shape[0], bool)
    new[1:] = level[1:] != level[:-1]
    new[offsets[:-1]] = True
    starts = np.flatnonzero(new)
    size = np.diff(np.append(starts, level.shape[0]))
    rid = np.searchsorted(offsets, starts, side="right") - 1
    remaining = offsets[rid + 1] - starts
    keep = (remaining >= 2) & (starts < offsets[rid + 1] - data.unranked[rid])
    return size[keep], remaining[keep], data.w[rid[keep]]


# ---------------------------------------------------------------------------- the solvers
class _Model:
    """Log-likelihood and derivatives in ``theta = (s, log delta_d for the free d)``."""

    def __init__(self, data, w, penalty):
        self.data = data
        self.w = w
        self.penalty = penalty
        self.n = data.n
        self.free = data.tie_orders            # tie orders with a parameter
        self.tied = data.D >= 2
        self.n_par = self.n + len(self.free)

    def _log_delta(self, theta):
        ld = np.full(self.data.D + 1, -np.inf)
        ld[:2] = 0.0
        for k, d in enumerate(self.free):
            ld[d] = theta[self.n + k]
        return ld

    def _full_index(self):
        return np.concatenate([np.arange(self.n),
                               self.n + np.array(self.free, dtype=np.int64) - 2])

    def objective(self, theta):
        s = np.ascontiguousarray(theta[:self.n])
        d = self.data
        if self.tied:
            g = np.empty(0)
            h = np.empty((0, 0))
            ll = _pl.tie_derivatives(self.n, d.D, d.item, d.level, d.offsets, d.unranked,
                                     self.w, s, self._log_delta(theta), 0, g, h)
        else:
            ll = _pl.free_loglik(d.item, d.offsets, d.unranked, self.w, s)
        return ll - 0.5 * self.penalty * float(np.sum((s - s.mean()) ** 2))

    def derivatives(self, theta):
        """Penalised log-likelihood, gradient and information (minus the Hessian)."""
        n = self.n
        s = np.ascontiguousarray(theta[:n])
        d = self.data
        if self.tied:
            size = n + d.D - 1
            g = np.empty(size)
            h = np.empty((size, size))
            ll = _pl.tie_derivatives(n, d.D, d.item, d.level, d.offsets, d.unranked, self.w,
                                     s, self._log_delta(theta), 2, g, h)
            idx = self._full_index()
            g = g[idx]
            h = h[np.ix_(idx, idx)]
        else:
            g = np.empty(n)
            q = np.empty(n)
            hd = np.empty(n)
            ll = _pl.free_pass(n, d.item, d.offsets, d.unranked, self.w, s, g, q, hd, True)
            h = np.zeros((n, n))
            _pl.free_hessian(n, d.item, d.offsets, d.unranked, self.w, s, h)
        if self.penalty:
            sc = s - s.mean()
            ll -= 0.5 * self.penalty * float(np.sum(sc ** 2))
            g[:n] -= self.penalty * sc
            h[np.arange(n), np.arange(n)] += self.penalty
        return ll, g, h


def _measure(g, h):
    """``max |g_i| / h_ii``: the largest one-coordinate Newton step."""
    diag = np.diag(h)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.abs(g) / diag
    r = np.where(diag > 0, r, np.where(g == 0, 0.0, np.inf))
    return float(np.max(r)) if r.size else 0.0


def _newton(model, theta, tol, max_iter):
    """Newton in the sum-to-zero subspace of the scores with a backtracking line search.
    Returns ``(status, n_iter, measure)``; status as the pair-count solvers."""
    n = model.n
    gnorm = math.inf
    for it in range(max_iter + 1):
        ll, g, h = model.derivatives(theta)
        if not math.isfinite(ll):
            return 3, it, gnorm
        gnorm = _measure(g, h)
        if gnorm <= tol:
            return 0, it, gnorm
        if it == max_iter:
            return 1, it, gnorm
        c = float(np.mean(np.diag(h)[:n]))
        c = c if c > 0 and math.isfinite(c) else 1.0
        a = h.copy()
        a[:n, :n] += c / n
        try:
            step = np.linalg.solve(a, g)
        except np.linalg.LinAlgError:
            return 3, it, gnorm
        step[:n] -= step[:n].mean()
        slope = float(g @ step)
        t = 1.0
        new = theta + step
        if slope > _RESOLVED * max(1.0, abs(ll)):
            # (a step whose predicted gain is below what the objective resolves in double
            # precision is taken as it is: near the optimum Newton needs no safeguard)
            for _ in range(40):
                new = theta + t * step
                ll_new = model.objective(new)
                if math.isfinite(ll_new) and ll_new >= ll + 1e-4 * t * slope:
                    break
                t *= 0.5
            else:
                return 2, it, gnorm
        theta[:] = new
        theta[:n] -= theta[:n].mean()
    return 1, max_iter, gnorm


def _mm(model, theta, tol, max_iter):
    """Hunter's (2004) MM for the tie-free model, ``s_i <- s_i + log W_i - log Q_i``."""
    n = model.n
    d = model.data
    s = np.ascontiguousarray(theta[:n].copy())
    g = np.empty(n)
    q = np.empty(n)
    hd = np.empty(n)
    gnorm = math.inf
    for it in range(max_iter + 1):
        _pl.free_pass(n, d.item, d.offsets, d.unranked, model.w, s, g, q, hd, False)
        if not np.all(np.isfinite(q)):
            theta[:n] = s
            return 3, it, gnorm
        gnorm = _measure(g, np.diag(hd))
        if gnorm <= tol:
            theta[:n] = s
            return 0, it, gnorm
        if it == max_iter:
            break
        with np.errstate(divide="ignore"):
            s += np.log(g + q) - np.log(q)
        if not np.all(np.isfinite(s)):
            theta[:n] = s
            return 3, it, gnorm
        s -= s.mean()
    theta[:n] = s
    return 1, max_iter, gnorm


def _hessian_work(data):
    """(dense Hessian work, MM pass work) of the tie-free model, for ``method="auto"``."""
    sizes = np.diff(data.offsets).astype(float)
    return float(np.sum(sizes * (sizes + 1) / 2)) + data.n ** 3 / 3.0, \
        8.0 * float(np.sum(sizes))


def _solve(model, theta, method, tol, max_iter):
    """Run the solver; returns ``(method that ran, status, n_iter, measure)``."""
    if method == "auto":
        hess, mm = _hessian_work(model.data)
        use_mm = (not model.tied and not model.penalty and hess > _AUTO_MM_RATIO * mm) or \
            model.n > MAX_NEWTON_ITEMS
        if use_mm and not model.tied and not model.penalty:
            status, n_iter, gnorm = _mm(model, theta, tol * 1e-2,
                                        min(max_iter or _AUTO_MM_ITER, _AUTO_MM_ITER))
            if status != 0 and gnorm <= tol and math.isfinite(gnorm):
                status = 0
            if status == 0 or model.n > MAX_NEWTON_ITEMS:
                return "mm", status, n_iter, gnorm
            if not np.all(np.isfinite(theta)):
                theta[:] = 0.0
            status, more, gnorm = _newton(model, theta, tol, _DEFAULT_MAX_ITER["newton"])
            return "newton", status, n_iter + more, gnorm
        method = "newton"
    mi = max_iter or _DEFAULT_MAX_ITER[method]
    if method == "mm":
        status, n_iter, gnorm = _mm(model, theta, tol, mi)
    else:
        status, n_iter, gnorm = _newton(model, theta, tol, mi)
    return method, status, n_iter, gnorm


def _status_message(status, n_iter, gnorm, tol, method):
    if status == 0:
        return True, (f"converged in {n_iter} iterations (step estimate {gnorm:.1e} <= tol "
                      f"{tol:g})")
    if status == 1:
        return False, (f"{method} did not converge in {n_iter} iterations: step estimate "
                       f"max|g_i|/h_ii = {gnorm:.1e} > tol {tol:g}. Raise max_iter, try "
                       f"method='newton', or add a small prior= if some items are nearly "
                       f"always ranked first or last.")
    if status == 2:
        ok = gnorm <= 1e3 * tol
        return ok, (f"{method} stopped after {n_iter} iterations at the floating-point limit "
                    f"(step estimate {gnorm:.1e}, tol {tol:g})."
                    + ("" if ok else " Loosen tol or add a small prior=."))
    return False, (f"{method} met a non-finite log-likelihood after {n_iter} iterations; the "
                   f"scores may be diverging. Add prior= or penalty=.")


def _start(model):
    """Start values: log of (times ranked above others + 1) / (times ranked), centred;
    tie parameters 0 (delta = 1)."""
    d = model.data
    n = model.n
    theta = np.zeros(model.n_par)
    sizes = np.diff(d.offsets)
    rw = np.repeat(model.w, sizes)
    pos = np.arange(d.item.shape[0]) - np.repeat(d.offsets[:-1], sizes)
    below = np.repeat(sizes, sizes) - 1 - pos
    above = np.bincount(d.item, weights=rw * below, minlength=n)
    seen = np.bincount(d.item, weights=rw * (np.repeat(sizes, sizes) - 1), minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (above + 0.5) / (seen + 1.0)
    s = np.log(frac / (1 - frac + 1e-12) + 1e-12)
    s = np.where(np.isfinite(s), s, 0.0)
    theta[:n] = 0.5 * (s - s.mean())
    return theta


# ---------------------------------------------------------------------------- the function
def _fit_rankings_iv(rankings, method, ties, prior, penalty, tol, max_iter, columns):
    if isinstance(rankings, pd.DataFrame):
        rankings = Rankings.from_long(rankings, **columns)
    elif columns:
        raise TypeError(f"column roles {sorted(columns)} apply to a DataFrame in long form; "
                        f"got a {type(rankings).__name__}.")
    if not isinstance(rankings, Rankings):
        raise TypeError(f"`rankings` must be a btstats.Rankings or a DataFrame in long form "
                        f"(ranking, item, rank columns); got {type(rankings).__name__}.")
    _v.check_choice(method, "method", METHODS)
    _v.check_choice(ties, "ties", TIES)
    prior = float(_v.check_number(prior, "prior", low=0.0))
    penalty = float(_v.check_number(penalty, "penalty", low=0.0))
    tol = _DEFAULT_TOL if tol is None else float(_v.check_number(tol, "tol", low=0.0,
                                                                   low_open=True))
    if max_iter is not None:
        max_iter = int(_v.check_number(max_iter, "max_iter", low=1, integer=True))
    if rankings.n_items < 2:
        raise DataError("only one item: scores need rankings of at least two items.")
    if ties == "error" and rankings.max_tie > 1:
        raise TiesError(f"{rankings.n_tied} rankings hold ties but ties='error'. Leave "
                        f"ties=None to estimate tie parameters (Turner et al. 2020).")
    if method == "mm" and rankings.max_tie > 1:
        raise ValueError("method='mm' fits the Plackett-Luce model without ties; these "
                         "rankings hold ties: use method='newton' (or 'auto').")
    if method == "mm" and penalty:
        raise ValueError("method='mm' takes no penalty; use prior= (pseudo-rankings) with "
                         "MM, or method='newton' with penalty=.")
    if method == "newton" and rankings.n_items + (prior > 0) > MAX_NEWTON_ITEMS:
        raise ValueError(f"method='newton' solves dense systems and stops at "
                         f"{MAX_NEWTON_ITEMS:,} items; use method='mm'.")
    return rankings, prior, penalty, tol, max_iter


def fit_rankings(rankings: "Rankings | pd.DataFrame", *, method: str = "auto",
                 ties: str | None = None, prior: float = 0.0, penalty: float = 0.0,
                 tol: float | None = None, max_iter: int | None = None,
                 **columns: str) -> "PlackettLuceFit":
    r"""Fit the Plackett-Luce model (with ties) to rankings by maximum likelihood.

    Parameters
    ----------
    rankings : Rankings or DataFrame
        The rankings; a DataFrame in long form is read by :meth:`Rankings.from_long` (column
        roles ``ranking=``, ``item=``, ``rank=``, ``weight=`` as keyword arguments).
    method : {"auto", "newton", "mm"}
        ``"newton"``: Newton's method on the analytic gradient and Hessian of the
        log-likelihood, in the sum-to-zero subspace of the scores (jointly in the log tie
        parameters), with a backtracking line search; dense, up to 5,000 items.
        ``"mm"``: Hunter's (2004) MM iteration, for the model without ties (no penalty).
        ``"auto"`` (default): for rankings without ties and no penalty, MM when the dense
        Hessian costs more than a few MM passes (rankings of many items; run to
        ``tol / 100``, continued by Newton if it has not converged in 500 iterations), else
        Newton.  The result's ``method`` says which ran.
    ties : {None, "error"}
        ``None``: rankings with ties get a tie parameter ``delta_d`` for every size ``d``
        of tie observed (a size between 2 and the largest that is never observed is held at
        ``delta_d = 0``); ``"error"``: refuse rankings with ties (:class:`TiesError`).
    prior : float, default 0
        Weight of pseudo-rankings: each item ranked once above and once below a hypothetical
        item, each with weight ``prior`` (PlackettLuce's ``npseudo``).  With ``prior > 0``
        an estimate exists for any data.  The pseudo-rankings enter the estimate only:
        :attr:`~PlackettLuceFit.loglik` and the covariance are those of the real rankings at
        the estimate (as PlackettLuce's ``logLik`` and ``vcov``).
    penalty : float, default 0
        L2 prior on the centred scores, maximise ``l - penalty / 2 sum(s**2)`` (as in
        :func:`btstats.fit`); Newton only.
    tol : float, optional
        Stop when ``max_i |g_i| / h_ii < tol`` (gradient over the diagonal of the
        information, as :func:`btstats.fit`).  Default ``1e-10``.
    max_iter : int, optional
        Iteration limit (default 100 for Newton, 10,000 for MM).
    **columns
        Column roles for a DataFrame.

    Returns
    -------
    PlackettLuceFit
        Scores (log-worths centred to sum to zero), their standard errors and covariance
        (the inverse observed information under the sum-to-zero constraint), the tie
        parameters, the log-likelihood and how the solver went.

    Raises
    ------
    NoMLEError
        When the graph of "i ranked above j" (tied items both ways) is not strongly
        connected and neither ``prior`` nor ``penalty`` is set, or a tie parameter has no
        finite estimate.
    TiesError
        When the rankings hold ties and ``ties="error"``.

    Notes
    -----
    A ranking with ordered tie groups ``G_1 > G_2 > ... > G_J`` has probability
    ``prod_j f(G_j) / sum_{S subset A_j, 1 <= |S| <= D} f(S)`` with ``A_j = G_j + ... + G_J``
    the items not yet chosen, ``f(S) = delta_|S| (prod_{i in S} alpha_i)^(1/|S|)``,
    ``delta_1 = 1``, ``alpha_i = exp(s_i)`` and ``D`` the largest tie [1]_; without ties it
    is the Plackett-Luce model.  The denominator is ``sum_d delta_d e_d(alpha^(1/d))`` over
    ``A_j``, ``e_d`` the elementary symmetric polynomials.  The MLE of the scores exists iff
    the directed graph with an edge ``i -> j`` whenever ``i`` is ranked above ``j``
    (tied items both ways) is strongly connected [2]_.  The tie parameters are reported on
    the log scale (``tie2 = log delta_2``, ...), as PlackettLuce's ``summary`` does.

    References
    ----------
    .. [1] Turner, H. L., van Etten, J., Firth, D. and Kosmidis, I. (2020). Modelling
       rankings in R: the PlackettLuce package. Computational Statistics 35, 1027-1057.
    .. [2] Hunter, D. R. (2004). MM algorithms for generalized Bradley-Terry models.
       Annals of Statistics 32(1), 384-406.

    Examples
    --------
    >>> import pandas as pd
    >>> import btstats
    >>> orders = pd.DataFrame({"first": ["a", "b", "a", "c", "a", "b"],
    ...                        "second": ["b", "c", "c", "a", "b", "a"],
    ...                        "third": ["c", "a", "b", "b", "c", "c"]})
    >>> res = btstats.fit_rankings(btstats.Rankings.from_orderings(orders))
    >>> res.scores.round(4)
    a    0.4590
    b   -0.0278
    c   -0.4312
    Name: score, dtype: float64
    >>> res.method, res.converged, round(res.loglik, 4)
    ('newton', True, -10.0933)

    Ties within a ranking (equal ranks) get a tie parameter, here ``delta_2``:

    >>> long = pd.DataFrame({"ranking": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                      "item": list("abc") * 4,
    ...                      "rank": [1, 2, 3, 1, 1, 2, 2, 1, 3, 3, 1, 1]})
    >>> res = btstats.fit_rankings(long)
    >>> res.coefficients[["estimate", "se"]].round(4)
               estimate      se
    parameter
    tie2         0.0695  0.9991
    """
    rankings, prior, penalty, tol, max_iter = _fit_rankings_iv(
        rankings, method, ties, prior, penalty, tol, max_iter, columns)
    data = _Data(rankings, prior)
    _check_exists(data, rankings.items, penalty)
    model = _Model(data, data.w, penalty)
    theta = _start(model)
    ran, status, n_iter, gnorm = _solve(model, theta, method, tol, max_iter)
    converged, message = _status_message(status, n_iter, gnorm, tol, ran)
    if not converged:
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    return PlackettLuceFit(data=data, model=model, theta=theta, method=ran,
                           n_iter=int(n_iter), converged=converged, message=message,
                           gradient_norm=gnorm, tol=tol)


# ---------------------------------------------------------------------------- the result
class PlackettLuceFit(ResultBase):
    """The fit of the Plackett-Luce model (returned by :func:`fit_rankings`).

    Scores are log-worths centred to sum to zero; their covariance is the inverse observed
    information under that constraint (``P (P' J P)^-1 P'`` with ``P`` a basis of the
    sum-to-zero subspace; with a ``prior``, the information of the rankings alone at the
    estimate, without the pseudo-rankings, as PlackettLuce's ``vcov``; with a ``penalty``,
    plus ``penalty`` on the scores).

    Attributes
    ----------
    scores : pandas.Series
        Centred log-worths by item.
    standard_errors : pandas.Series
        Their standard errors.
    covariance : pandas.DataFrame
        Covariance of the centred scores (``cov`` is the same).
    coefficients : pandas.DataFrame
        The tie parameters ``tie<d> = log delta_d`` with estimate, se, z, p and 95% Wald
        interval (empty without ties).
    delta : pandas.Series
        The tie parameters ``delta_d`` themselves.
    loglik, aic, bic, n_params
        Log-likelihood of the rankings at the estimate, the criteria, free parameters.
    method, converged, n_iter, message, gradient_norm
        How the solver went.
    n_items, n_rankings, items, rankings
        The data.
    """

    def __init__(self, *, data, model, theta, method, n_iter, converged, message,
                 gradient_norm, tol):
        self._data = data
        self._model = model
        self._theta = np.asarray(theta, dtype=float).copy()
        self._theta.setflags(write=False)
        n = data.n_items
        s = self._theta[:n]
        self._s = s - s.mean()
        self._method = method
        self._n_iter = n_iter
        self._converged = converged
        self._message = message
        self._gradient_norm = float(gradient_norm)
        self._tol = tol
        self._cov = None
        self._loglik = None

    # ------------------------------------------------------------------ fields
    method = property(lambda self: self._method, doc="Fitting algorithm that ran.")
    n_iter = property(lambda self: self._n_iter, doc="Iterations used.")
    converged = property(lambda self: self._converged, doc="Whether the criterion was met.")
    message = property(lambda self: self._message, doc="How the solver stopped.")
    gradient_norm = property(lambda self: self._gradient_norm,
                             doc="Final step estimate max|g_i|/h_ii (the convergence "
                                 "measure).")
    prior = property(lambda self: self._data.prior, doc="Weight of the pseudo-rankings.")
    penalty = property(lambda self: self._model.penalty, doc="L2 penalty on the scores.")
    rankings = property(lambda self: self._data.rankings, doc="The rankings fitted.")
    items = property(lambda self: self._data.rankings.items, doc="Item labels.")
    n_items = property(lambda self: self._data.n_items)
    n_rankings = property(lambda self: self._data.rankings.n_rankings)
    tie_orders = property(lambda self: list(self._data.tie_orders),
                          doc="Sizes of tie with a tie parameter.")

    @property
    def scores(self):
        """Centred scores (log-worths summing to zero), by item label."""
        return pd.Series(self._s.copy(), index=self.items, name="score")

    @property
    def worths(self):
        """``alpha_i = exp(s_i)`` normalised to sum to one (PlackettLuce's ``itempar``)."""
        a = np.exp(self._s - self._s.max())
        return pd.Series(a / a.sum(), index=self.items, name="worth")

    def _coefficient_names(self):
        return [f"tie{d}" for d in self._data.tie_orders]

    @property
    def delta(self):
        """Tie parameters ``delta_d`` by tie size (an empty Series without ties)."""
        vals = np.exp(self._theta[self._data.n:])
        return pd.Series(vals, index=pd.Index(self._data.tie_orders, name="d"), name="delta")

    @property
    def n_params(self):
        """Free parameters: ``n_items - 1`` scores plus the tie parameters."""
        return self.n_items - 1 + len(self._data.tie_orders)

    @property
    def loglik(self):
        """Log-likelihood of the rankings (not of the prior's pseudo-rankings)."""
        if self._loglik is None:
            d = self._data
            r = d.rankings
            s = np.ascontiguousarray(self._s)
            w = r.weight_array
            if d.D >= 2:
                ld = np.full(d.D + 1, -np.inf)
                ld[:2] = 0.0
                for k, order in enumerate(d.tie_orders):
                    ld[order] = self._theta[d.n + k]
                # the tie orders of the real rankings are those of the fit (pseudo-rankings
                # have none)
                self._loglik = float(_pl.tie_derivatives(
                    self.n_items, d.D, r.item, r.level, r.offsets, r.unranked, w, s, ld, 0,
                    np.empty(0), np.empty((0, 0))))
            else:
                self._loglik = float(_pl.free_loglik(r.item, r.offsets, r.unranked, w, s))
        return self._loglik

    @property
    def aic(self):
        """``-2 loglik + 2 n_params``."""
        return -2.0 * self.loglik + 2.0 * self.n_params

    @property
    def bic(self):
        """``-2 loglik + n_params log(n)``, ``n`` the total weight of the rankings."""
        return -2.0 * self.loglik + self.n_params * math.log(
            float(self._data.rankings.weight_array.sum()))

    # ------------------------------------------------------------------ covariance
    def _full_covariance(self):
        """Covariance of (centred scores, log tie parameters)."""
        if self._cov is None:
            # the information of the rankings alone (the prior's pseudo-rankings left out,
            # as PlackettLuce's vcov), with the penalty
            data = _Data(self._data.rankings, 0.0)
            model = _Model(data, data.w, self._model.penalty)
            theta = np.concatenate([self._s, self._theta[self._data.n:]])
            _, _, info = model.derivatives(theta)
            n_int = model.n
            info = np.ascontiguousarray(info)
            c = float(np.mean(np.diag(info)[:n_int]))
            c = c if c > 0 and math.isfinite(c) else 1.0
            info[:n_int, :n_int] += c / n_int
            try:
                cov = np.linalg.inv(info)
            except np.linalg.LinAlgError as exc:
                raise np.linalg.LinAlgError(
                    "the information matrix is singular at this estimate, so standard errors "
                    "do not exist; refit with a small prior= or penalty=.") from exc
            cov[:n_int, :n_int] -= 1.0 / ((c + model.penalty) * n_int)
            cov = 0.5 * (cov + cov.T)
            if not np.all(np.isfinite(cov)):
                raise np.linalg.LinAlgError("the covariance is not finite at this estimate; "
                                            "refit with a small prior= or penalty=.")
            self._cov = cov
        return self._cov

    @property
    def covariance(self):
        """Covariance of the centred scores (inverse observed information in the
        sum-to-zero subspace)."""
        n = self.n_items
        return pd.DataFrame(self._full_covariance()[:n, :n], index=self.items,
                            columns=self.items)

    cov = covariance

    @property
    def parameter_covariance(self):
        """Covariance of the centred scores and the log tie parameters."""
        names = list(self.items) + self._coefficient_names()
        return pd.DataFrame(self._full_covariance(), index=names, columns=names)

    @property
    def standard_errors(self):
        """Standard errors of the centred scores."""
        d = np.diag(self._full_covariance())[:self.n_items]
        return pd.Series(np.sqrt(np.maximum(d, 0.0)), index=self.items, name="se")

    def quasi_variances(self) -> QuasiVariances:
        """Quasi-variances of the scores (Firth and de Menezes 2004), as R's
        ``PlackettLuce::qvcalc`` gives them: one variance per item with ``q_i + q_j ~
        Var(s_i - s_j)`` for every pair, from :attr:`covariance`.  See
        :func:`btstats.inference.quasi.quasi_variances`.

        Returns
        -------
        QuasiVariances

        Examples
        --------
        >>> import btstats
        >>> fit = btstats.fit_rankings(btstats.load_example("nascar"), prior=0.5)
        >>> qv = fit.quasi_variances()
        >>> bool(qv.to_frame()["quasi_se"].gt(0).all())
        True
        """
        return quasi_variances(self.scores, self.covariance.to_numpy())

    def confidence_interval(self, confidence_level: float = 0.95, *,
                            interval: str = "wald") -> ConfidenceInterval:
        """Wald intervals ``score -/+ z se`` for the centred scores.

        Parameters
        ----------
        confidence_level : float
            Coverage of the two-sided interval, in ``(0, 1)``.
        interval : {"wald"}
            The interval kind (for percentile intervals see :meth:`bootstrap`).

        Returns
        -------
        ConfidenceInterval
        """
        _v.check_choice(interval, "interval", ("wald",))
        return self._interval("wald", self.items, estimate=self._s,
                              standard_error=self.standard_errors.to_numpy(),
                              confidence_level=confidence_level)

    @property
    def coefficients(self):
        """The tie parameters ``tie<d> = log delta_d``: estimate, se, z (against
        ``delta_d = 1``), p and 95% Wald interval; empty without ties."""
        return self.coefficient_table()

    def coefficient_table(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """:attr:`coefficients` at another confidence level.

        Returns
        -------
        pandas.DataFrame
            Columns ``estimate, se, z, p, ci_low, ci_high`` indexed by ``parameter``.
        """
        level = _v.check_confidence_level(confidence_level)
        names = self._coefficient_names()
        est = np.asarray(self._theta[self._data.n:], dtype=float)
        if names:
            se = np.sqrt(np.maximum(np.diag(self._full_covariance())[self.n_items:], 0.0))
        else:
            se = np.zeros(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(se > 0, est / np.where(se > 0, se, 1.0), np.nan)
        low, high = _intervals.wald(est, se, level)
        return pd.DataFrame({"estimate": est, "se": se, "z": z, "p": 2.0 * ndtr(-np.abs(z)),
                             "ci_low": low, "ci_high": high},
                            index=pd.Index(names, name="parameter", dtype=object))

    # ------------------------------------------------------------------ tables
    def to_frame(self, *, confidence_level: float = 0.95) -> pd.DataFrame:
        """The leaderboard, best first.

        Returns
        -------
        pandas.DataFrame
            Columns ``rank, item, score, se, ci_low, ci_high, rankings`` (total weight of
            the rankings that include the item) and ``first`` (weight of the rankings that
            put it first, ties included).
        """
        ci = self.confidence_interval(confidence_level)
        r = self._data.rankings
        w = r.weight_array
        sizes = r.sizes
        seen = np.bincount(r.item, weights=np.repeat(w, sizes), minlength=self.n_items)
        top = r.level == 0
        first = np.bincount(r.item[top], weights=np.repeat(w, sizes)[top],
                            minlength=self.n_items)
        df = pd.DataFrame({"item": self.items, "score": self._s,
                           "se": self.standard_errors.to_numpy(),
                           "ci_low": ci.low.to_numpy(), "ci_high": ci.high.to_numpy(),
                           "rankings": seen, "first": first})
        df.insert(0, "rank", df["score"].rank(ascending=False, method="min").astype(int))
        try:
            df = df.sort_values(["rank", "item"], kind="stable")
        except TypeError:
            df = df.sort_values("rank", kind="stable")
        return df.reset_index(drop=True)

    _summary_title = "Plackett-Luce fit"

    @property
    def _frame_format(self):
        return {"index": False, "formatters": _FORMATTERS}

    def _header(self):
        rows = [("model", "Plackett-Luce" + (" with ties" if self._data.tie_orders else "")),
                ("method", self.method), ("items", f"{self.n_items}"),
                ("rankings", f"{self.n_rankings}"),
                ("log-likelihood", f"{self.loglik:.4f}"), ("AIC", f"{self.aic:.2f}"),
                ("converged", f"{self.converged} ({self.n_iter} iterations)")]
        if self.prior:
            rows.append(("prior", f"{self.prior:g} (pseudo-rankings)"))
        if self.penalty:
            rows.append(("penalty", f"{self.penalty:g} (MAP, L2 on the scores)"))
        return rows

    def _summary_frame(self, *, confidence_level=0.95):
        return self.to_frame(confidence_level=confidence_level)

    def _sections(self, *, confidence_level=0.95):
        if not self._data.tie_orders:
            return []
        return [("Tie parameters (log delta)", self.coefficient_table(confidence_level),
                 {"float_format": _fmt})]

    def __repr__(self):
        return (f"PlackettLuceFit(method={self.method!r}, n_items={self.n_items}, "
                f"n_rankings={self.n_rankings}, loglik={self.loglik:.4f}, "
                f"converged={self.converged})")

    # ------------------------------------------------------------------ resampling
    def bootstrap(self, *, n_resamples: int = 1000, degenerate: str = "penalize",
                  fallback_penalty: float = 0.01,
                  rng: int | np.random.Generator | None = None) -> "RankingBootstrap":
        """Bootstrap over whole rankings: resample the rankings with replacement, refit from
        this estimate, keep the distribution of the centred scores (and tie parameters).

        Parameters
        ----------
        n_resamples : int, default 1000
            Number of replicates.
        degenerate : {"penalize", "drop"}
            A replicate whose rankings have no finite MLE is refitted with
            ``penalty=fallback_penalty`` (Newton) or left out; counted in ``n_degenerate``
            with a :class:`DegenerateResampleWarning`.  A replicate in which a tie parameter
            has no finite estimate (no tie of that size drawn, say) is always left out.
        fallback_penalty : float, default 0.01
            L2 penalty for degenerate replicates.
        rng : None, int or numpy.random.Generator
            Seeds the replicates.

        Returns
        -------
        RankingBootstrap

        Notes
        -----
        A replicate draws ``N`` rankings with replacement from the ``N`` rankings (a
        weighted ranking keeps its weight in every copy): the multinomial counts multiply
        the weights, so no data are copied.  Same method, prior and penalty as this fit.

        Examples
        --------
        >>> import btstats
        >>> from btstats.simulate.rankings import simulate_rankings
        >>> r = simulate_rankings([0.5, 0.0, -0.5], n_rankings=200, rng=3)
        >>> boot = btstats.fit_rankings(r).bootstrap(n_resamples=200, rng=1)
        >>> boot.n_resamples, boot.n_degenerate
        (200, 0)
        >>> low, high = boot.confidence_interval(interval="percentile")
        >>> bool(low[0] < 0.5 < high[0])
        True
        """
        n_resamples = int(_v.check_number(n_resamples, "n_resamples", low=2, integer=True))
        _v.check_choice(degenerate, "degenerate", ("penalize", "drop"))
        fallback_penalty = float(_v.check_number(fallback_penalty, "fallback_penalty",
                                                 low=0.0, low_open=True))
        gen = _v.as_generator(rng)
        data = self._data
        n_r = data.n_real
        base_w = data.rankings.weight_array
        out = np.full((n_resamples, self.n_items + len(data.tie_orders)), np.nan)
        status = np.zeros(n_resamples, np.int64)
        n_degenerate = 0
        method = self.method
        for b in range(n_resamples):
            counts = gen.multinomial(n_r, np.full(n_r, 1.0 / n_r))
            w = data.weights(base_w * counts)
            penalty = self.penalty
            deg = _replicate_degenerate(data, w, penalty)
            if deg:
                n_degenerate += 1
                # (a penalty on the scores cannot bound a tie parameter)
                if degenerate == "drop" or deg == "ties":
                    status[b] = 20
                    continue
                penalty = fallback_penalty
                status[b] = 10
            model = _Model(data, w, penalty)
            theta = self._theta.copy()
            m = method if not (penalty and method == "mm") else "newton"
            if m == "mm" and model.tied:
                m = "newton"
            _, st, _, _ = _solve(model, theta, m, REPLICATE_TOL, None)
            status[b] += 0 if st in (0, 2) else 1
            s = theta[:self.n_items]
            out[b, :self.n_items] = s - s.mean()
            out[b, self.n_items:] = theta[data.n:]
        return RankingBootstrap(self, out, status, degenerate=degenerate,
                                fallback_penalty=fallback_penalty)


def _replicate_degenerate(data, w, penalty):
    """Why the reweighted rankings have no finite MLE (``"scores"``: the graph, ``"ties"``:
    a tie parameter), or None."""
    if penalty == 0 and not _pl.win_graph_connected(data.n, data.item, data.level,
                                                    data.offsets, data.unranked, w):
        return "scores"
    if data.tie_orders:
        old = data.w
        try:
            data.w = w
            size, remaining, wg = _stages(data)
        finally:
            data.w = old
        for d in data.tie_orders:
            if not np.any((remaining >= d) & (size != d) & (wg > 0)):
                return "ties"
            if not np.any((size == d) & (wg > 0)):
                return "ties"
    return None


class RankingBootstrap(ResultBase):
    """A bootstrap distribution over whole rankings of a :class:`PlackettLuceFit`.

    Attributes
    ----------
    estimate : pandas.Series
        The full-data estimate (centred scores, then ``tie<d> = log delta_d``).
    bootstrap_distribution : ndarray, shape (n_kept, n_parameters)
        One row per kept replicate.
    standard_error : pandas.Series
        Standard deviation of the distribution (``ddof=1``).
    n_resamples, n_degenerate, n_dropped, n_unconverged : int
        Replicates run, without a finite MLE, left out, not converged.
    """

    _summary_title = "Plackett-Luce bootstrap over rankings"

    def __init__(self, fit, out, status, *, degenerate, fallback_penalty):
        self._fit = fit
        self._names = list(fit.items) + fit._coefficient_names()
        self._estimate = np.concatenate([fit._s, fit._theta[fit._data.n:]])
        keep = status < 20
        self._dist = np.ascontiguousarray(out[keep])
        self._dist.setflags(write=False)
        self.n_resamples = int(status.shape[0])
        self.n_degenerate = int(np.sum(status >= 10))
        self.n_dropped = int(np.sum(status >= 20))
        self.n_unconverged = int(np.sum((status % 10) == 1))
        self.degenerate = degenerate
        self.fallback_penalty = fallback_penalty
        if self.n_degenerate:
            what = ("left out" if degenerate == "drop" else
                    f"refitted with penalty={fallback_penalty:g}")
            warnings.warn(f"{self.n_degenerate} of {self.n_resamples} bootstrap replicates had "
                          f"no finite maximum-likelihood estimate and were {what}; a fit with "
                          f"prior= makes every replicate estimable.",
                          DegenerateResampleWarning, stacklevel=3)
        if self.n_unconverged:
            warnings.warn(f"{self.n_unconverged} of {self.n_resamples} bootstrap replicate "
                          f"fits did not converge.", DegenerateResampleWarning, stacklevel=3)
        if self._dist.shape[0] < 2:
            raise ValueError("fewer than two bootstrap replicates could be kept; use "
                             "degenerate='penalize' or fit with prior=.")

    fit = property(lambda self: self._fit, doc="The full-data fit.")
    bootstrap_distribution = property(lambda self: self._dist)

    @property
    def estimate(self):
        return pd.Series(self._estimate, index=self._names, name="estimate")

    @property
    def standard_error(self):
        return pd.Series(self._dist.std(axis=0, ddof=1), index=self._names,
                         name="standard_error")

    def confidence_interval(self, confidence_level: float = 0.95, *,
                            interval: str = "percentile") -> ConfidenceInterval:
        """Bootstrap intervals for every parameter.

        Parameters
        ----------
        confidence_level : float
            Coverage of the two-sided interval.
        interval : {"percentile", "basic"}
            The quantiles of the distribution, or those reflected about the estimate
            (:mod:`btstats.inference.intervals`).

        Returns
        -------
        ConfidenceInterval
        """
        _v.check_choice(interval, "interval", ("percentile", "basic"))
        return self._interval(interval, self._names, estimate=self._estimate,
                              draws=self._dist, confidence_level=confidence_level)

    def to_frame(self, *, confidence_level: float = 0.95,
                 interval: str = "percentile") -> pd.DataFrame:
        """Estimate, bootstrap standard error and interval of every parameter.

        Returns
        -------
        pandas.DataFrame
        """
        ci = self.confidence_interval(confidence_level, interval=interval)
        return pd.DataFrame({"estimate": self._estimate,
                             "se": self.standard_error.to_numpy(),
                             "ci_low": ci.low.to_numpy(), "ci_high": ci.high.to_numpy()},
                            index=pd.Index(self._names, name="parameter", dtype=object))

    def _header(self):
        return [("replicates", f"{self.n_resamples}"),
                ("degenerate", f"{self.n_degenerate}")]

    def __repr__(self):
        return (f"RankingBootstrap(n_resamples={self.n_resamples}, "
                f"n_degenerate={self.n_degenerate}, n_parameters={len(self._names)})")


_FORMATTERS = {"score": _fmt, "se": _fmt, "ci_low": _fmt, "ci_high": _fmt,
               "rankings": _count, "first": _count}

