"""Inference for ranks: rank bounds from intervals, rank confidence sets, rank distributions.

The rank of item ``j`` among scores ``theta`` is ``r_j = 1 + #{k : theta_k > theta_j}``: the
best item has rank 1 and tied items share the best rank of their group.  Every function
here uses that convention unless it says otherwise.

- :func:`rank_upper_bound`, :func:`rank_lower_bound`: the arena leaderboard's bounds from a
  table of score intervals.
- :func:`rank_confidence_sets`: marginal and simultaneous confidence sets for ranks
  (Mogstad, Romano, Shaikh and Wilhelm 2024), from bootstrap draws or a covariance.
- :func:`rank_distribution`, :func:`probability_first`, :func:`pairwise_superiority`,
  :func:`rank_intervals`: summaries of a distribution of draws of the scores (bootstrap
  replicates, posterior draws).

One mechanism serves the confidence sets whatever the source of uncertainty: draws of the
estimation error ``hat(theta) - theta``.  With ``covariance=`` they are Gaussian,
``N(0, covariance)``; with ``draws=`` they are the bootstrap replicates minus the estimate.
"""
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _validation as _v
from .._kernels import ranks as _k
from .._intervals import symmetric_root
from .._results import ConfidenceInterval, ResultBase
from ..plotting import plot_rank_sets

__all__ = ["RankSets", "rank_confidence_sets", "rank_upper_bound", "rank_lower_bound",
           "rank_distribution", "probability_first", "pairwise_superiority",
           "rank_intervals"]

#: Default number of Gaussian draws of the estimation error (``covariance=``).
DEFAULT_N_DRAWS = 10_000
#: A difference ``theta_j - theta_k`` whose variance is at most this multiple of
#: ``var_j + var_k`` is treated as known exactly (no estimation error).
DEGENERATE_RTOL = 1e-12
_MAX_SHOWN = 5


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False, eq=False)
class RankSets(ResultBase):
    """Confidence sets for ranks (returned by :func:`rank_confidence_sets`).

    Item ``j``'s set is the integer range ``lower[j] .. upper[j]``; rank 1 is the best.

    Attributes
    ----------
    lower, upper : pandas.Series
        Best and worst plausible rank of each item (int), by item label.
    estimate_rank : pandas.Series
        Rank of each item by the estimate, ``1 + #{k : estimate_k > estimate_j}``.
    estimate : pandas.Series
        The scores ranked.
    critical_value : pandas.Series
        Studentised critical value used in the last step for each item's family of
        differences (one family for simultaneous sets, so all equal).
    confidence_level : float
    simultaneous : bool
        True: the sets cover all true ranks jointly with probability ``confidence_level``;
        False: each set covers its own item's rank with that probability.
    stepdown : bool
        Whether the step-down refinement was used.
    n_draws : int
        Number of draws of the estimation error.
    n_steps : int
        Largest number of passes any family needed (1 without step-down).
    source : str
        ``"covariance"`` (Gaussian draws) or ``"draws"`` (bootstrap replicates).
    """

    lower: pd.Series
    upper: pd.Series
    estimate_rank: pd.Series
    estimate: pd.Series
    critical_value: pd.Series
    confidence_level: float
    simultaneous: bool
    stepdown: bool
    n_draws: int
    n_steps: int
    source: str

    @property
    def items(self):
        """Item labels."""
        return self.lower.index

    @property
    def size(self):
        """Number of ranks in each set, ``upper - lower + 1``."""
        return (self.upper - self.lower + 1).rename("size")

    def covers(self, ranks):
        """Whether each set contains the given rank (a Series by label, or an array in item
        order): ``lower <= rank <= upper``, a boolean Series."""
        r = _align_vector(ranks, self.items, "ranks")
        return pd.Series((self.lower.to_numpy() <= r) & (r <= self.upper.to_numpy()),
                         index=self.items, name="covers")

    def confidence_interval(self, confidence_level=None):
        """The sets as a :class:`~btstats.ConfidenceInterval` of ranks: ``low`` is
        :attr:`lower`, ``high`` :attr:`upper` (int Series by item), ``interval`` is
        ``"marginal"`` or ``"simultaneous"``.

        Parameters
        ----------
        confidence_level : float, optional
            The sets' own level (:attr:`confidence_level`, the default).  Sets at another
            level need new draws: call :func:`rank_confidence_sets` (or ``rank_sets``) again.

        Returns
        -------
        ConfidenceInterval

        Examples
        --------
        >>> import numpy as np
        >>> from btstats import rank_confidence_sets
        >>> sets = rank_confidence_sets(np.array([1.0, 0.95, 0.0]), covariance=0.01 * np.eye(3),
        ...                             rng=1, labels=list("abc"))
        >>> low, high = sets.confidence_interval()
        >>> low.tolist(), high.tolist()
        ([1, 1, 3], [2, 2, 3])
        """
        if confidence_level is not None:
            level = _v.check_confidence_level(confidence_level)
            if level != self.confidence_level:
                raise ValueError(f"these rank sets are at confidence_level="
                                 f"{self.confidence_level:g}; sets at {level:g} need new "
                                 f"draws: call rank_confidence_sets(..., confidence_level="
                                 f"{level:g}) or fit.rank_sets({level:g}).")
        return ConfidenceInterval(self.lower, self.upper, self.confidence_level,
                                  "simultaneous" if self.simultaneous else "marginal")

    def to_frame(self):
        """The sets as a table, best estimate first.

        Returns
        -------
        pandas.DataFrame
            Columns rank (by the estimate), item, score, lower, upper.
        """
        df = pd.DataFrame({"rank": self.estimate_rank.to_numpy(), "item": self.items,
                           "score": self.estimate.to_numpy(),
                           "lower": self.lower.to_numpy(), "upper": self.upper.to_numpy()})
        return df.sort_values("rank", kind="stable").reset_index(drop=True)

    def plot(self, *, ax=None):
        """Each item's set as a bar from its best to its worst plausible rank, the rank of
        its estimate marked (needs matplotlib); see :func:`btstats.plotting.plot_rank_sets`.

        Returns
        -------
        matplotlib.axes.Axes
        """
        return plot_rank_sets(self, ax=ax)

    # summary() and _repr_html_() come from ResultBase: this header, then to_frame() (the
    # HTML view draws each set from lower to upper, the rank by the estimate marked)
    _frame_format = {"index": False, "float_format": lambda x: f"{x:.4f}"}
    _interval_columns = ("rank", "lower", "upper")

    @property
    def _summary_title(self):
        kind = "Simultaneous" if self.simultaneous else "Marginal"
        return f"{kind} rank confidence sets ({100 * self.confidence_level:g}%)"

    def _header(self):
        source = ("bootstrap draws" if self.source == "draws" else
                  "Gaussian draws from the covariance")
        return [("items", f"{self.lower.size}"), ("source", f"{self.n_draws} {source}"),
                ("step-down", f"{self.stepdown} ({self.n_steps} steps)")]

    def __repr__(self):
        kind = "simultaneous" if self.simultaneous else "marginal"
        return (f"RankSets({kind}, confidence_level={self.confidence_level:g}, "
                f"n_items={self.lower.size}, stepdown={self.stepdown}, source={self.source!r}, "
                f"n_draws={self.n_draws})")


# ---------------------------------------------------------------------------- validation
def _labels_of(*objs):
    for obj in objs:
        if isinstance(obj, pd.Series):
            return pd.Index(obj.index)
        if isinstance(obj, pd.DataFrame):
            return pd.Index(obj.columns)
    return None


def _check_labels(labels, n, name="labels"):
    labels = pd.Index(labels)
    if labels.size != n:
        raise ValueError(f"`{name}` must have one label per item ({n}); got {labels.size}.")
    if labels.has_duplicates:
        dup = labels[labels.duplicated()].unique()[:_MAX_SHOWN].tolist()
        raise ValueError(f"`{name}` must be unique; repeated: {dup}.")
    return labels


def _finite_float(x, name, ndim):
    try:
        arr = np.asarray(x, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must hold numbers; {exc}.") from exc
    if arr.ndim != ndim:
        shape = "one-dimensional" if ndim == 1 else "two-dimensional"
        raise ValueError(f"`{name}` must be {shape}; got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[:_MAX_SHOWN].tolist()
        raise ValueError(f"`{name}` must be finite; NaN or infinite at positions {bad}. "
                         f"Drop or fix those entries first.")
    return arr


def _align_vector(x, labels, name):
    """A float vector in the order of ``labels`` (a Series is aligned by label)."""
    if isinstance(x, pd.Series):
        if len(x) != len(labels) or set(x.index) != set(labels):
            raise ValueError(f"`{name}` must be indexed by the same items as the estimate.")
        x = x.reindex(labels)
    return _finite_float(x, name, 1)


def _align_columns(x, labels, name):
    """A float matrix whose columns follow ``labels`` (DataFrame columns aligned by label)."""
    if isinstance(x, pd.DataFrame):
        if set(x.columns) != set(labels) or len(x.columns) != len(labels):
            raise ValueError(f"`{name}` columns must be the same item labels as the estimate; "
                             f"got {list(x.columns[:_MAX_SHOWN])}... for "
                             f"{list(labels[:_MAX_SHOWN])}...")
        x = x[labels]
    return _finite_float(x, name, 2)


def _rank_confidence_sets_iv(estimate, draws, covariance, confidence_level, simultaneous,
                             n_draws, stepdown, labels):
    if (draws is None) == (covariance is None):
        raise ValueError("give exactly one of `draws` (an n_resamples x n_items array of "
                         "bootstrap estimates) and `covariance` (the n_items x n_items "
                         "covariance of the estimate).")
    if isinstance(estimate, pd.DataFrame):
        raise ValueError("`estimate` must be one-dimensional (a Series or array of scores); "
                         "got a DataFrame.")
    x = _finite_float(estimate.to_numpy() if isinstance(estimate, pd.Series) else estimate,
                      "estimate", 1)
    n = x.size
    if n < 2:
        raise ValueError(f"`estimate` must hold at least 2 items to rank; got {n}.")
    if labels is None:
        labels = _labels_of(estimate, draws, covariance)
    labels = _check_labels(pd.RangeIndex(n) if labels is None else labels, n)
    confidence_level = _v.check_confidence_level(confidence_level)
    for flag, name in ((simultaneous, "simultaneous"), (stepdown, "stepdown")):
        if not isinstance(flag, (bool, np.bool_)):
            raise ValueError(f"`{name}` must be True or False; got {flag!r}.")
    if draws is not None:
        if n_draws is not None:
            raise ValueError("`n_draws` is for `covariance=` only: with `draws=` the number "
                             "of draws is the number of rows of `draws`. Leave `n_draws` out.")
        d = _align_columns(draws, labels, "draws")
        if d.shape[1] != n:
            raise ValueError(f"`draws` must have one column per item ({n}); got shape "
                             f"{d.shape}. Rows are resamples, columns items.")
        if d.shape[0] < 2:
            raise ValueError(f"`draws` must have at least 2 rows (resamples); got "
                             f"{d.shape[0]}. Use 1,000 or more.")
        return x, labels, confidence_level, d, None, None
    if isinstance(covariance, pd.DataFrame):
        if not pd.Index(covariance.index).equals(pd.Index(covariance.columns)):
            raise ValueError("`covariance` DataFrame must have the same labels on rows and "
                             "columns.")
        if set(covariance.columns) == set(labels) and len(covariance.columns) == n:
            covariance = covariance.loc[labels, labels]
        else:
            raise ValueError("`covariance` labels must be the item labels of the estimate.")
    s = _finite_float(covariance, "covariance", 2)
    if s.shape != (n, n):
        raise ValueError(f"`covariance` must be {n} x {n} (one row and column per item); got "
                         f"shape {s.shape}.")
    scale = float(np.max(np.abs(s))) if s.size else 0.0
    if np.max(np.abs(s - s.T)) > 1e-8 * scale:
        raise ValueError("`covariance` must be symmetric; symmetrise it, e.g. "
                         "(cov + cov.T) / 2.")
    s = 0.5 * (s + s.T)
    if n_draws is None:
        n_draws = DEFAULT_N_DRAWS
    if isinstance(n_draws, bool) or not isinstance(n_draws, numbers.Integral) or n_draws < 2:
        raise ValueError(f"`n_draws` must be an integer >= 2 (10,000 is plenty); got "
                         f"{n_draws!r}.")
    # the draws, the normal deviates they are made from and the family maxima: three
    # n_items x n_draws float arrays
    _v.check_memory(3 * 8 * n * int(n_draws), "n_draws", n_draws,
                    f"{n:,} items x {int(n_draws):,} Gaussian draws",
                    f"Use n_draws={DEFAULT_N_DRAWS:_} (the default), which is plenty.")
    lam, vec = np.linalg.eigh(s)
    if lam[0] < -1e-8 * max(lam[-1], 0.0):
        raise ValueError(f"`covariance` must be positive semi-definite; its smallest "
                         f"eigenvalue is {lam[0]:.3g} (largest {lam[-1]:.3g}).")
    factor = symmetric_root(lam, vec)
    return x, labels, confidence_level, None, (s, factor), int(n_draws)


# ---------------------------------------------------------------------------- confidence sets
def rank_confidence_sets(estimate: ArrayLike, *, draws: ArrayLike | None = None,
                         covariance: ArrayLike | None = None, confidence_level: float = 0.95,
                         simultaneous: bool = False, stepdown: bool = True,
                         n_draws: int | None = None,
                         rng: int | np.random.Generator | None = None,
                         labels: Sequence[Any] | None = None) -> RankSets:
    r"""Marginal or simultaneous confidence sets for the ranks of the items.

    The sets of Mogstad, Romano, Shaikh and Wilhelm (2024), as in the R package csranks:
    each item gets the range of ranks compatible with simultaneous confidence intervals
    for the differences of its score with every other item's (marginal), or for all
    differences at once (simultaneous).

    Parameters
    ----------
    estimate : array_like or pandas.Series, shape (n_items,)
        Estimated scores (e.g. ``fit.scores``, centred log-strengths); higher is better.
    draws : array_like or pandas.DataFrame, shape (n_resamples, n_items), optional
        Bootstrap replicates of the estimate (e.g. ``BootstrapResult.bootstrap_distribution``)
        on the same scale; the estimation error is approximated by ``draws - estimate``.
    covariance : array_like or pandas.DataFrame, shape (n_items, n_items), optional
        Covariance of the estimate (e.g. ``fit.covariance``, the sandwich or inverse
        information); the estimation error is approximated by ``N(0, covariance)``.  It may
        be singular, as the covariance of centred scores is.  Give exactly one of ``draws``
        and ``covariance``.
    confidence_level : float
        Coverage probability, 0.95 by default.
    simultaneous : bool
        False (default): marginal sets, each covering its own item's rank with probability
        ``confidence_level``.  True: sets that cover all the items' ranks jointly.
    stepdown : bool
        Use the step-down refinement (default; never wider than the single-step sets).
    n_draws : int, optional
        Number of Gaussian draws with ``covariance=`` (default 10,000).  Not allowed with
        ``draws=``.
    rng : None, int or numpy.random.Generator
        Source of the Gaussian draws (``covariance=`` only).
    labels : sequence, optional
        Item labels; by default the index of ``estimate`` (or the labels of ``draws`` /
        ``covariance``), else 0..n-1.

    Returns
    -------
    RankSets
        ``lower`` and ``upper`` (best and worst plausible rank) by item, ``estimate_rank``,
        ``to_frame()``.

    Notes
    -----
    Ranks are ``r_j = 1 + #{k : theta_k > theta_j}``.  Write ``D_jk = hat_j - hat_k``,
    ``s_jk`` for the standard error of ``D_jk`` and ``Z`` for a draw of the estimation error
    (``Z ~ N(0, covariance)``, or ``Z = draw - estimate``).  For a family ``F`` of ordered
    pairs let

    .. math:: c(F) = \max\left(0,\ \text{quantile}_{1-\alpha}
              \max_{(j,k) \in F} \frac{Z_j - Z_k}{s_{jk}}\right),

    the quantile taken over the draws (linear interpolation, R's type 7, as csranks).  The
    pair ``(j, k)`` is *rejected*, i.e. ``theta_j > theta_k`` is declared, when
    ``D_jk - s_jk c(F) > 0``.  With ``N^-_j`` the number of items declared better than ``j``
    and ``N^+_j`` the number declared worse, the set is

    .. math:: \{1 + N^-_j, \dots, n - N^+_j\}.

    *Marginal* sets use for item ``j`` the family ``F_j = {(j,k), (k,j) : k != j}``; because
    it holds both orientations, ``max_F_j`` is ``max_k |Z_j - Z_k| / s_jk`` and the
    intervals ``D_jk -/+ s_jk c(F_j)`` hold jointly over ``k`` with probability
    ``1 - alpha``.  *Simultaneous* sets use one family of all ordered pairs.
    *Step-down* (Romano and Wolf 2005; csranks's ``stepdown=TRUE``): rejected pairs leave
    the family, ``c`` is recomputed on the rest, and this repeats until nothing new is
    rejected; it controls the same family-wise error, so the coverage is kept while the
    sets can only shrink.  One set of draws serves every family and step (common random
    numbers), so simultaneous sets always contain the marginal ones and step-down sets
    are contained in single-step ones.

    Standard errors: from ``covariance``, ``s_jk^2 = S_jj + S_kk - 2 S_jk``; from ``draws``,
    the sample standard deviation (divisor ``B - 1``) of the replicates' differences.  The
    draws are not re-studentised one by one (as csranks).

    Ties and degenerate differences: a tied estimate (``D_jk = 0``) is never rejected in
    either direction (the critical value is at least 0, which also makes every set contain
    all the ranks the tied estimate could take).  A difference whose variance is at most
    ``1e-12 (var_j + var_k)`` is treated as known exactly: it is declared when
    ``D_jk > 0`` and left out of the max statistic; so no NaN arises.

    Cost: the draws are ``n_draws x n_items``; each pass is ``O(n_draws n_items^2)``
    (numba, parallel over draws).

    References
    ----------
    Mogstad, M., Romano, J. P., Shaikh, A. M. and Wilhelm, D. (2024). Inference for ranks
    with applications to mobility across neighbourhoods and academic achievement across
    countries. *Review of Economic Studies* 91(1), 476-518. doi:10.1093/restud/rdad006.

    Romano, J. P. and Wolf, M. (2005). Exact and approximate stepdown methods for multiple
    hypothesis testing. *Journal of the American Statistical Association* 100, 94-108.

    Wilhelm, D. et al. csranks: statistical tools for ranks (R package).

    Examples
    --------
    Four items, two of them close; independent errors of standard deviation 0.1:

    >>> import numpy as np
    >>> from btstats import rank_confidence_sets
    >>> est = np.array([1.0, 0.95, 0.0, -2.0])
    >>> cov = np.diag([0.01, 0.01, 0.01, 0.01])
    >>> sets = rank_confidence_sets(est, covariance=cov, rng=1, labels=list("abcd"))
    >>> sets.to_frame()
       rank item  score  lower  upper
    0     1    a   1.00      1      2
    1     2    b   0.95      1      2
    2     3    c   0.00      3      3
    3     4    d  -2.00      4      4
    """
    x, labels, level, d, cov, n_draws = _rank_confidence_sets_iv(
        estimate, draws, covariance, confidence_level, simultaneous, n_draws, stepdown, labels)
    n = x.size
    if d is not None:
        source = "draws"
        zt = np.ascontiguousarray((d - x).T)
        var = _k.difference_variance(zt)
        var_item = np.var(zt, axis=1, ddof=1)
    else:
        source = "covariance"
        s, factor = cov
        gen = _v.as_generator(rng)
        zt = factor @ gen.standard_normal((n, n_draws))
        diag = np.diag(s)
        var = np.maximum(diag[:, None] + diag[None, :] - 2.0 * s, 0.0)
        var_item = diag
    lower, upper, crit, n_steps = _rank_sets(x, zt, var, var_item, level, simultaneous,
                                             stepdown)
    est = pd.Series(x, index=labels, name="score")
    return RankSets(
        lower=pd.Series(lower, index=labels, name="lower"),
        upper=pd.Series(upper, index=labels, name="upper"),
        estimate_rank=pd.Series(_min_ranks(x), index=labels, name="rank"),
        estimate=est,
        critical_value=pd.Series(crit, index=labels, name="critical_value"),
        confidence_level=level, simultaneous=bool(simultaneous), stepdown=bool(stepdown),
        n_draws=int(zt.shape[1]), n_steps=n_steps, source=source)


def _min_ranks(x):
    """``1 + #{k : x_k > x_j}``."""
    s = np.sort(x)
    return (1 + x.size - np.searchsorted(s, x, side="right")).astype(np.int64)


def _families(n, simultaneous):
    """Ordered pairs grouped by family: ``(first, second, family_of_pair, ptr)``."""
    if simultaneous:
        first, second = np.nonzero(~np.eye(n, dtype=bool))
        fam = np.zeros(first.size, np.int64)
        ptr = np.array([0, first.size], np.int64)
        return first.astype(np.int64), second.astype(np.int64), fam, ptr
    # family j: (j, k) for k != j, then (k, j) for k != j
    others = np.nonzero(~np.eye(n, dtype=bool))[1].reshape(n, n - 1)
    own = np.repeat(np.arange(n), n - 1).reshape(n, n - 1)
    first = np.concatenate([own, others], axis=1).ravel()
    second = np.concatenate([others, own], axis=1).ravel()
    fam = np.repeat(np.arange(n), 2 * (n - 1))
    ptr = np.arange(n + 1, dtype=np.int64) * 2 * (n - 1)
    return first.astype(np.int64), second.astype(np.int64), fam.astype(np.int64), ptr


def _rank_sets(x, zt, var, var_item, level, simultaneous, stepdown):
    """The (step-down) procedure on arrays: ``(lower, upper, critical values, steps)``.

    ``zt`` is the ``(n_items, n_draws)`` array of error draws, ``var`` the ``n x n``
    variances of the differences, ``var_item`` the items' variances."""
    n = x.size
    first, second, fam, ptr = _families(n, simultaneous)
    n_fam = ptr.size - 1
    diff = x[first] - x[second]
    v = var[first, second]
    degenerate = v <= DEGENERATE_RTOL * (var_item[first] + var_item[second])
    se = np.where(degenerate, 0.0, np.sqrt(v))
    weight = np.where(degenerate, 0.0, 1.0 / np.where(degenerate, 1.0, se))
    # a difference without error is known: declared when positive, outside the statistic
    rejected = degenerate & (diff > 0)
    active = ~degenerate
    crit = np.zeros(n_fam)
    todo = np.nonzero(np.bincount(fam[active], minlength=n_fam) > 0)[0]
    n_steps = 0
    while todo.size:
        # the active pairs of the families to (re)compute, grouped by family
        sel = np.nonzero(active & np.isin(fam, todo))[0]
        counts = np.bincount(np.searchsorted(todo, fam[sel]), minlength=todo.size)
        sub_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        out = np.empty((zt.shape[1], todo.size))
        _k.family_max(zt, first[sel], second[sel], weight[sel], sub_ptr, out)
        q = np.maximum(np.quantile(out, level, axis=0), 0.0)
        crit[todo] = q
        new = np.zeros(first.size, bool)
        new[sel] = diff[sel] - se[sel] * np.repeat(q, counts) > 0
        rejected |= new
        active &= ~new
        n_steps += 1
        if not stepdown or not new.any():
            break
        changed = np.zeros(n_fam, bool)
        changed[fam[new]] = True
        changed &= np.bincount(fam[active], minlength=n_fam) > 0
        todo = np.nonzero(changed)[0]
    if simultaneous:
        plus = rejected
        minus = rejected
        crit = np.full(n, crit[0])
    else:
        plus = rejected & (first == fam)
        minus = rejected & (second == fam)
    n_plus = np.bincount(first[plus], minlength=n)
    n_minus = np.bincount(second[minus], minlength=n)
    return (1 + n_minus).astype(np.int64), (n - n_plus).astype(np.int64), crit, max(n_steps, 1)


# ---------------------------------------------------------------------------- interval bounds
def _interval_table(low, high, func):
    if high is None and isinstance(low, ConfidenceInterval):
        if low.is_scalar:
            raise ValueError(f"{func}() needs one interval per item; got the "
                             f"ConfidenceInterval of a single statistic.")
        low, high = low.low, low.high
    if high is None:
        if not isinstance(low, pd.DataFrame):
            raise ValueError(f"{func}() takes `low` and `high`, a ConfidenceInterval (as "
                             f"fit.confidence_interval() returns), or one DataFrame with "
                             f"columns 'low' and 'high' (or 'ci_low' and 'ci_high').")
        cols = [c for c in (("low", "high"), ("ci_low", "ci_high"))
                if c[0] in low.columns and c[1] in low.columns]
        if not cols:
            raise ValueError(f"the DataFrame given to {func}() needs columns 'low' and 'high' "
                             f"(or 'ci_low' and 'ci_high'); got {list(low.columns)}.")
        low, high = low[cols[0][0]], low[cols[0][1]]
    index = _labels_of(low, high)
    lo = _finite_float(low, "low", 1)
    hi = _finite_float(high.reindex(index) if isinstance(high, pd.Series) and index is not None
                       and isinstance(low, pd.Series) else high, "high", 1)
    if lo.shape != hi.shape:
        raise ValueError(f"`low` and `high` must have the same length; got {lo.size} and "
                         f"{hi.size}.")
    index = pd.RangeIndex(lo.size) if index is None else index
    bad = np.nonzero(lo > hi)[0]
    if bad.size:
        raise ValueError(f"every interval needs `low` <= `high`; not so for items "
                         f"{index[bad[:_MAX_SHOWN]].tolist()}.")
    return lo, hi, index


def rank_upper_bound(low: Any, high: ArrayLike | None = None) -> pd.Series:
    """The arena leaderboard's "Rank (UB)": 1 + the number of items whose whole interval
    lies above this item's interval.

    Parameters
    ----------
    low, high : array_like or pandas.Series
        Lower and upper ends of each item's score interval.  Alternatively pass one
        :class:`~btstats.ConfidenceInterval` (``fit.confidence_interval()``), or one
        DataFrame with columns ``low`` and ``high`` or ``ci_low`` and ``ci_high`` (a
        leaderboard).

    Returns
    -------
    pandas.Series
        ``rank_ub`` (int) by item: the best rank the item can claim.  "Upper" is the
        leaderboard's sense (higher up the table); the number is the smallest plausible rank.

    Notes
    -----
    .. math:: UB_j = 1 + \\#\\{k : low_k > high_j\\}

    (LMArena: "Rank (UB) = 1 + number of models whose lower bound exceeds this model's upper
    bound").  Touching intervals (``low_k == high_j``) do not count.  The intervals are taken
    as given: they are usually marginal 95% intervals, so the bound carries no joint
    coverage guarantee; :func:`rank_confidence_sets` gives ranks sets that do.

    Examples
    --------
    >>> import pandas as pd
    >>> from btstats import rank_upper_bound, rank_lower_bound
    >>> ci = pd.DataFrame({"low": [10, 8, 5, 0], "high": [12, 11, 9, 4]},
    ...                   index=["a", "b", "c", "d"])
    >>> rank_upper_bound(ci).tolist()
    [1, 1, 2, 4]
    >>> rank_lower_bound(ci).tolist()
    [2, 3, 3, 4]
    """
    lo, hi, index = _interval_table(low, high, "rank_upper_bound")
    above = lo.size - np.searchsorted(np.sort(lo), hi, side="right")
    return pd.Series((1 + above).astype(np.int64), index=index, name="rank_ub")


def rank_lower_bound(low: Any, high: ArrayLike | None = None) -> pd.Series:
    """The counterpart of :func:`rank_upper_bound`: ``n`` minus the number of items whose
    whole interval lies below this item's interval.

    Parameters
    ----------
    low, high : array_like or pandas.Series
        As in :func:`rank_upper_bound`.

    Returns
    -------
    pandas.Series
        ``rank_lb`` (int) by item: the worst rank the item can plausibly have (the largest
        number).

    Notes
    -----
    .. math:: LB_j = n - \\#\\{k : high_k < low_j\\}

    Examples
    --------
    >>> from btstats import rank_lower_bound
    >>> rank_lower_bound([10, 8, 5, 0], [12, 11, 9, 4]).tolist()
    [2, 3, 3, 4]
    """
    lo, hi, index = _interval_table(low, high, "rank_lower_bound")
    below = np.searchsorted(np.sort(hi), lo, side="left")
    return pd.Series((lo.size - below).astype(np.int64), index=index, name="rank_lb")


# ---------------------------------------------------------------------------- distributions
def _as_draws(draws, labels):
    x = _finite_float(draws, "draws", 2)
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"`draws` must have at least one row (draw) and one column (item); "
                         f"got shape {x.shape}.")
    if labels is None:
        labels = _labels_of(draws)
    labels = _check_labels(pd.RangeIndex(x.shape[1]) if labels is None else labels,
                           x.shape[1])
    return np.ascontiguousarray(x), labels


def rank_distribution(draws: ArrayLike, *, ties: str = "min",
                      labels: Sequence[Any] | None = None) -> pd.DataFrame:
    """The rank of every item in every draw of the scores (1 = best).

    Parameters
    ----------
    draws : array_like or pandas.DataFrame, shape (n_draws, n_items)
        Draws of the scores: bootstrap replicates, posterior draws.
    ties : {"min", "max", "average"}
        Rank given to tied scores within a draw: the best rank of the tied group
        (``1 + #{k : x_k > x_j}``, default), the worst (``#{k : x_k >= x_j}``) or their mean.
    labels : sequence, optional
        Item labels (default: the DataFrame's columns, else 0..n-1).

    Returns
    -------
    pandas.DataFrame
        ``n_draws x n_items``, int for "min" and "max", float for "average".

    Examples
    --------
    >>> from btstats import rank_distribution
    >>> rank_distribution([[3.0, 1.0, 2.0], [1.0, 1.0, 0.0]]).to_numpy().tolist()
    [[1, 3, 2], [1, 1, 3]]
    >>> rank_distribution([[1.0, 1.0, 0.0]], ties="average").to_numpy().tolist()
    [[1.5, 1.5, 3.0]]
    """
    _v.check_choice(ties, "ties", ("min", "max", "average"))
    x, labels = _as_draws(draws, labels)
    greater, greater_equal = _k.rank_counts(x)
    if ties == "min":
        r = greater + 1
    elif ties == "max":
        r = greater_equal
    else:
        r = (greater + 1 + greater_equal) / 2.0
    return pd.DataFrame(r, columns=labels)


def probability_first(draws: ArrayLike, *, labels: Sequence[Any] | None = None
                      ) -> pd.Series:
    """The share of draws in which each item has the highest score.

    Parameters
    ----------
    draws : array_like or pandas.DataFrame, shape (n_draws, n_items)
    labels : sequence, optional

    Returns
    -------
    pandas.Series
        ``p_first`` by item; the values sum to 1.

    Notes
    -----
    ``p_j = (1/B) sum_b 1{x_bj = max_k x_bk} / #{k : x_bk = max_k x_bk}``: a draw with
    ``m`` items tied at the top gives each of them ``1/m``.

    Examples
    --------
    >>> from btstats import probability_first
    >>> probability_first([[3.0, 1.0], [0.0, 2.0], [5.0, 5.0], [2.0, 1.0]]).tolist()
    [0.625, 0.375]
    """
    x, labels = _as_draws(draws, labels)
    greater, greater_equal = _k.rank_counts(x)
    share = np.where(greater == 0, 1.0 / greater_equal, 0.0)
    return pd.Series(share.mean(axis=0), index=labels, name="p_first")


def pairwise_superiority(draws: ArrayLike, *, labels: Sequence[Any] | None = None
                         ) -> pd.DataFrame:
    """The matrix of ``P(score_i > score_j)`` over the draws.

    Parameters
    ----------
    draws : array_like or pandas.DataFrame, shape (n_draws, n_items)
    labels : sequence, optional

    Returns
    -------
    pandas.DataFrame
        ``n_items x n_items``, row ``i`` column ``j``: the share of draws with
        ``x_i > x_j``, ties counting one half; so ``P + P.T = 1`` and the diagonal is 0.5.

    Examples
    --------
    >>> from btstats import pairwise_superiority
    >>> pairwise_superiority([[3.0, 1.0], [0.0, 2.0], [5.0, 5.0], [2.0, 1.0]])
          0      1
    0  0.500  0.625
    1  0.375  0.500
    """
    x, labels = _as_draws(draws, labels)
    c = _k.superiority_counts(x) / x.shape[0]
    return pd.DataFrame(c, index=labels, columns=labels)


def rank_intervals(draws: ArrayLike, confidence_level: float = 0.95, *,
                   labels: Sequence[Any] | None = None) -> pd.DataFrame:
    """Equal-tailed percentile intervals of each item's rank over the draws.

    Parameters
    ----------
    draws : array_like or pandas.DataFrame, shape (n_draws, n_items)
    confidence_level : float
        Share of the draws inside each interval (at least), 0.95 by default.
    labels : sequence, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``lower`` and ``upper`` (int ranks, 1 = best), by item.

    Notes
    -----
    With ``R_j`` the rank ``1 + #{k : x_k > x_j}`` in a draw and ``F_j`` its empirical
    distribution, ``lower = min{r : F_j(r) >= alpha/2}`` and
    ``upper = min{r : F_j(r) >= 1 - alpha/2}`` (inverse-CDF quantiles), so at most
    ``alpha/2`` of the draws fall on either side.  These are marginal intervals of the
    resampling distribution of the rank, not confidence sets for the true rank: near ties
    they can miss it far more often than ``alpha`` (a bootstrapped rank is a discontinuous
    function of the scores).  For sets with a coverage guarantee use
    :func:`rank_confidence_sets` with ``draws=``.

    Examples
    --------
    >>> import numpy as np
    >>> from btstats import rank_intervals
    >>> rng = np.random.default_rng(0)
    >>> draws = np.array([2.0, 1.9, 0.0]) + 0.1 * rng.standard_normal((1000, 3))
    >>> rank_intervals(draws)
       lower  upper
    0      1      2
    1      1      2
    2      3      3
    """
    level = _v.check_confidence_level(confidence_level)
    x, labels = _as_draws(draws, labels)
    greater, _ = _k.rank_counts(x)
    r = greater + 1
    alpha = 1.0 - level
    lo = np.quantile(r, alpha / 2, axis=0, method="inverted_cdf")
    hi = np.quantile(r, 1 - alpha / 2, axis=0, method="inverted_cdf")
    return pd.DataFrame({"lower": lo.astype(np.int64), "upper": hi.astype(np.int64)},
                        index=labels)
