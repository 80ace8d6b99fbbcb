"""The paired-comparison models: a link function and a tie threshold.

With ``d = s_a - s_b`` (scores are log-strengths centred to sum to zero) and a symmetric
link ``F``, every model here is::

    P(a wins) = F(d - eta),   P(b wins) = F(-d - eta),   P(tie) = F(d + eta) - F(d - eta)

=================  ==========================  ===========================================
model              link ``F``                  tie threshold
=================  ==========================  ===========================================
bradley-terry      logistic                    none (``eta = 0``)
thurstone          standard normal CDF ``Phi``  none; Case V with ``Phi(d)``, no ``sqrt(2)``
rao-kupper         logistic                    ``eta = log(theta) >= 0``, estimated
=================  ==========================  ===========================================

Thurstone's Case V is often written ``Phi((s_a - s_b) / sqrt(2))``; btstats (like
BradleyTerry2's probit fits) absorbs the ``sqrt(2)`` into the scale of the scores, so its
Thurstone scores are those of the usual form divided by ``sqrt(2)``.

:meth:`Model.probabilities` and :meth:`Model.rvs` (random outcomes, used by
:mod:`btstats.simulate`) go through the compiled link code of the likelihood, so a model
samples exactly what it fits.
"""
import math
from dataclasses import dataclass

import numpy as np

from . import _validation as _v
from ._kernels import likelihood as _likelihood
from ._kernels import links as _links
from ._kernels import sample as _sample
from .exceptions import DataError

__all__ = ["Model", "MODELS", "get_model"]


@dataclass(frozen=True)
class Model:
    """A paired-comparison model: a link and an outcome family.

    ``family`` is ``"cumulative"`` (binary or threshold ties: a cumulative link with
    symmetric cutpoints and ``n_categories`` outcomes), ``"davidson"`` (Davidson's ties) or
    ``"graded"`` (a cumulative link whose number of ordered categories comes from the data).
    """

    name: str
    link: int
    has_ties: bool
    description: str
    family: str = "cumulative"
    n_categories: int = 2

    @property
    def family_name(self):
        return self.family

    @property
    def link_name(self):
        return "logit" if self.link == _links.LOGISTIC else "probit"

    @property
    def pairwise_kernel(self):
        """Whether the pair-count kernels (bootstrap replicates, ceilings, the annotator
        model, the simulators' samplers) serve this model: the binary and threshold-tie
        families do; Davidson and graded outcomes are fitted by the general core only."""
        return self.family == "cumulative"

    def require_pairwise_kernel(self, what):
        """Raise a clear error when ``what`` is not yet available for this model."""
        if not self.pairwise_kernel:
            raise ValueError(
                f"{what} is not yet available for the {self.name} model (its outcome family "
                f"is fitted by the general model core, which so far gives the fit, its "
                f"covariance, coefficient table and outcome probabilities). Use "
                f"one of 'bradley-terry', 'thurstone', 'rao-kupper', 'glenn-david' for this.")

    def probabilities(self, d, eta=0.0):
        """``P(a wins), P(tie), P(b wins)`` for score differences ``d = s_a - s_b``.

        Parameters
        ----------
        d : array_like
            Score differences.
        eta : float
            Tie threshold (ignored, taken as 0, for models without ties).

        Returns
        -------
        tuple of ndarray
            Three arrays shaped like ``d``; they sum to one.

        Examples
        --------
        >>> from btstats.models import get_model
        >>> [float(p) for p in get_model("bradley-terry").probabilities(0.0)]
        [0.5, 0.0, 0.5]
        """
        self.require_pairwise_kernel("Model.probabilities")
        try:
            d = np.asarray(d, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"`d` must hold numbers (score differences); {exc}.") from exc
        if not np.all(np.isfinite(d)):
            raise ValueError("`d`: score differences must be finite.")
        if self.has_ties:
            eta = float(_v.check_number(eta, "eta", low=0.0))
        else:
            eta = 0.0
        res = _likelihood.probabilities(self.link, np.ascontiguousarray(d.ravel()), eta)
        return tuple(r.reshape(d.shape) for r in res)

    def rvs(self, scores, pairs, *, n=None, theta=None, rng=None):
        r"""Random outcomes of the comparisons ``pairs`` between items with ``scores``.

        Parameters
        ----------
        scores : array_like of float
            Scores (log-strengths) of the items, indexed by the codes in ``pairs``.  Only
            differences matter, so they need not be centred.
        pairs : array_like of int, shape (m, 2)
            Row ``k`` compares item ``pairs[k, 0]`` (side a) with item ``pairs[k, 1]``
            (side b); codes are ``0 .. len(scores) - 1`` and the two differ.
        n : int, optional
            Independent outcomes per comparison.  ``None`` (default): one, in an array of
            shape ``(m,)``; an integer ``n``: an array of shape ``(m, n)`` (as ``size=`` in
            :mod:`scipy.stats`, ``n=1`` keeps the second axis).
        theta : float, optional
            Tie parameter ``theta >= 1`` of a model with ties (Rao-Kupper), required there;
            the threshold is ``eta = log(theta)``.  Must be ``None`` for the other models.
        rng : None, int or numpy.random.Generator
            Source of the uniforms, turned into a Generator by
            :func:`numpy.random.default_rng`.

        Returns
        -------
        ndarray of float64
            ``1.0`` where a won, ``0.5`` for a tie, ``0.0`` where b won: the outcome codes of
            :meth:`btstats.Comparisons.from_frame`.

        Notes
        -----
        With ``d = s_a - s_b`` each outcome is drawn by inversion of one uniform ``u``:
        a wins if ``u < P(a wins)``, tie if ``u < P(a wins) + P(tie)``, else b wins, with the
        probabilities of :meth:`probabilities` (``P(a wins) = F(d - eta)``,
        ``P(tie) = F(d + eta) - F(d - eta)``) computed by the compiled link code the fit
        uses.  Models without a tie threshold never give ``0.5``.

        Examples
        --------
        >>> from btstats.models import get_model
        >>> bt = get_model("bradley-terry")
        >>> bt.rvs([1.0, 0.0, -1.0], [[0, 1], [1, 2], [0, 2]], rng=1)
        array([1., 0., 1.])
        >>> draws = bt.rvs([1.0, 0.0, -1.0], [[0, 2]], n=1000, rng=1)
        >>> draws.shape, round(float(draws.mean()), 3)      # P(a wins) = logistic(2) = 0.881
        ((1, 1000), 0.877)
        """
        self.require_pairwise_kernel("Model.rvs")
        s = _as_scores(scores)
        a, b = _as_pairs(pairs, s.shape[0])
        eta = _eta_from_theta(self, theta)
        m = a.shape[0]
        if n is not None:
            _v.check_number(n, "n", low=1, integer=True)
        rng = _v.as_generator(rng)
        if n is None:
            return _sample_outcomes(self.link, s, eta, a, b, rng.random(m))
        _v.check_memory(16 * m * int(n), "n", n, f"{m:,} x {int(n):,} outcomes",
                        "Draw in batches of fewer outcomes.")
        u = rng.random((m, int(n)))
        out = np.empty_like(u)
        _sample.outcomes(self.link, s, eta, a, b, u, out)
        return out


MODELS = {
    "bradley-terry": Model("bradley-terry", _links.LOGISTIC, False,
                           "Bradley-Terry: P(a wins) = logistic(s_a - s_b)"),
    "thurstone": Model("thurstone", _links.PROBIT, False,
                       "Thurstone Case V: P(a wins) = Phi(s_a - s_b)"),
    "rao-kupper": Model("rao-kupper", _links.LOGISTIC, True,
                        "Rao-Kupper: P(a wins) = logistic(s_a - s_b - log theta)",
                        n_categories=3),
    "glenn-david": Model("glenn-david", _links.PROBIT, True,
                         "Glenn-David: P(a wins) = Phi(s_a - s_b - eta)", n_categories=3),
    "davidson": Model("davidson", _links.LOGISTIC, True,
                      "Davidson: P(a wins) = pi_a / (pi_a + pi_b + nu sqrt(pi_a pi_b))",
                      family="davidson", n_categories=3),
    "graded": Model("graded", _links.LOGISTIC, True,
                    "Graded (cumulative logit, symmetric thresholds): "
                    "P(grade <= k) = logistic(c_k - (s_a - s_b))", family="graded",
                    n_categories=0),
    "graded-probit": Model("graded-probit", _links.PROBIT, True,
                           "Graded (cumulative probit, symmetric thresholds): "
                           "P(grade <= k) = Phi(c_k - (s_a - s_b))", family="graded",
                           n_categories=0),
}

_ALIASES = {"bt": "bradley-terry", "bradley_terry": "bradley-terry", "bradleyterry":
            "bradley-terry", "probit": "thurstone", "thurstone-mosteller": "thurstone",
            "rao_kupper": "rao-kupper", "raokupper": "rao-kupper", "rk": "rao-kupper",
            "glenn_david": "glenn-david", "thurstone-ties": "glenn-david",
            "graded-logit": "graded", "ordinal": "graded"}


#: One outcome per comparison is looked up in an n x n table of the pair probabilities when
#: there are at least n**2 comparisons and n is at most this (two tables of 8 n**2 bytes).
_TABLE_MAX_ITEMS = 2048


def _sample_outcomes(link, s, eta, a, b, u):
    """One outcome per comparison from the uniforms ``u`` (see :mod:`._kernels.sample`).

    With many more comparisons than pairs the probabilities are computed once per ordered
    pair and looked up: the same numbers, so the same outcomes, without two transcendental
    functions per comparison.
    """
    out = np.empty(a.shape[0])
    n = s.shape[0]
    if n <= _TABLE_MAX_ITEMS and n * n <= a.shape[0]:
        p_a, p_tie = _sample.pair_table(link, s, eta)
        _sample.outcomes_table(p_a, p_tie, a, b, u, out)
    else:
        _sample.outcomes_1d(link, s, eta, a, b, u, out)
    return out


def _as_scores(scores, name="scores"):
    """Scores as a contiguous float64 array: one-dimensional, finite, at least two items."""
    try:
        s = np.asarray(scores, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"`{name}` must be numbers (one score per item); {exc}.") from exc
    if s.ndim != 1:
        raise DataError(f"`{name}` must be one-dimensional (one score per item); got shape "
                        f"{s.shape}.")
    if s.shape[0] < 2:
        raise DataError(f"`{name}` must hold at least two items; got {s.shape[0]}.")
    bad = np.nonzero(~np.isfinite(s))[0]
    if bad.size:
        raise DataError(f"`{name}` must be finite; entries {bad[:5].tolist()} are "
                        f"{s[bad[:5]].tolist()}. Replace them by finite log-strengths.")
    return np.ascontiguousarray(s)


def _as_pairs(pairs, n_items, name="pairs"):
    """``(a, b)``: int32 code arrays from an ``(m, 2)`` array of codes into ``n_items`` items.

    ``n_items=None``: any non-negative codes.
    """
    p = np.asarray(pairs)
    if p.ndim == 1 and p.shape[0] == 0:
        p = p.reshape(0, 2)
    _v.check_memory(24 * p.size, name, p.shape[0] if p.ndim else p.size,
                    f"checking {p.size:,} item codes", "Pass fewer comparisons at a time.")
    if p.ndim != 2 or p.shape[1] != 2:
        raise DataError(f"`{name}` must have shape (m, 2), one row (a, b) per comparison; got "
                        f"shape {p.shape}.")
    what = "non-negative integer item codes" if n_items is None else \
        f"integer item codes 0..{n_items - 1}"
    if p.dtype.kind == "f":
        if not np.all(np.isfinite(p)) or np.any(p != np.round(p)):
            raise DataError(f"`{name}` must hold {what}.")
    elif p.dtype.kind not in "iu":
        raise DataError(f"`{name}` must hold {what} (dtype {p.dtype} given); map labels to "
                        f"codes first.")
    if p.shape[0]:
        hi = np.iinfo(np.int32).max if n_items is None else n_items
        bad = (p < 0) | (p >= hi)
        if bad.any():
            rows = np.nonzero(bad.any(axis=1))[0]
            raise DataError(f"`{name}` must hold {what} (one per score); rows "
                            f"{rows[:5].tolist()} do not ({p[rows[0]].tolist()}).")
    a = np.ascontiguousarray(p[:, 0], dtype=np.int32)
    b = np.ascontiguousarray(p[:, 1], dtype=np.int32)
    same = np.nonzero(a == b)[0]
    if same.size:
        raise DataError(f"`{name}` rows {same[:5].tolist()} compare an item with itself "
                        f"(item {int(a[same[0]])}); every comparison needs two different items.")
    return a, b


def _eta_from_theta(model, theta):
    """The tie threshold ``eta = log(theta)`` of a tie model; 0 for the others."""
    if not model.has_ties:
        if theta is not None:
            raise ValueError(f"`theta` applies only to models with ties; the {model.name} "
                             f"model has none. Drop `theta` or use model='rao-kupper'.")
        return 0.0
    if theta is None:
        raise ValueError(f"the {model.name} model needs its tie parameter: pass `theta` >= 1 "
                         f"(e.g. theta=2.0; theta=1 gives no ties).")
    theta = _v.check_number(theta, "theta", low=1.0)
    return math.log(theta)


def pairwise_model(model, what, fit=None):
    """:func:`get_model` for the functions served by the pair-count kernels (``what`` names
    the function): a clear error for Davidson, graded and order-effect fits, which only the
    general model core handles so far."""
    mdl = get_model(model)
    mdl.require_pairwise_kernel(what)
    if fit is not None and getattr(fit, "order_effect", False):
        raise ValueError(f"{what} is not yet available for fits with an order effect; refit "
                         f"without order_effect=True for this.")
    return mdl


def get_model(model, link=None):
    """Return the :class:`Model` named ``model`` (a name, an alias or a Model).

    ``link="probit"`` with ``model="graded"`` gives ``"graded-probit"``.
    """
    if isinstance(model, Model):
        return model
    key = str(model).strip().lower()
    if link is not None:
        _v.check_choice(link, "link", ("logit", "probit"))
        if key == "graded" and link == "probit":
            key = "graded-probit"
    key = _ALIASES.get(key, key)
    if key not in MODELS:
        raise ValueError(f"`model` must be one of {sorted(MODELS)}; got {model!r}.")
    return MODELS[key]
