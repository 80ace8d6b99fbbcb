"""The paired-comparison models: a link (:mod:`.links`) times an outcome family
(:mod:`.families`) over the linear predictor ``z = s_a - s_b (+ h o)``.

``Model(link=..., ties=...)`` composes them; the named ones (:data:`MODELS`) are

=================  ==========  ===============  ====================================================
model              ``link``    ``ties``         outcomes
=================  ==========  ===============  ====================================================
bradley-terry      logit       ``None``         ``P(a) = logistic(z)``
thurstone          probit      ``None``         ``P(a) = Phi(z)``; Case V without ``sqrt(2)``
rao-kupper         logit       ``"threshold"``  ``P(a) = logistic(z - eta)``, ``eta = log theta``
glenn-david        probit      ``"threshold"``  ``P(a) = Phi(z - eta)``
davidson           logit       ``"davidson"``   ``P(a) : P(tie) : P(b) = pi_a : nu sqrt(.) : pi_b``
graded             logit       ``"graded"``     ``P(grade <= k) = logistic(c_k - z)``
graded-probit      probit      ``"graded"``     ``P(grade <= k) = Phi(c_k - z)``
=================  ==========  ===============  ====================================================

The family owns its parameters (names, bounds, start values, how to read them from data and
how to print them), so nothing outside this package branches on a model's name.

Thurstone's Case V is often written ``Phi((s_a - s_b) / sqrt(2))``; btstats (like
BradleyTerry2's probit fits) absorbs the ``sqrt(2)`` into the scale of the scores, so its
Thurstone scores are those of the usual form divided by ``sqrt(2)``.

:meth:`Model.probabilities` and :meth:`Model.rvs` (random outcomes, used by
:mod:`btstats.simulate`) go through the compiled link code of the likelihood, so a model
samples exactly what it fits: the pair-count kernels (:mod:`._kernels.sample`) for the models
above, the outcome families of the general core (:mod:`._kernels.families`, drawn by
:mod:`._kernels.sample_families`) for Davidson ties, graded outcomes and an order effect.
Their parameters are passed as ``params=``, named as in :attr:`btstats.estimation.core.CoreFit.params`:
``h`` (order effect: ``z = s_a - s_b + h o``), ``eta`` (threshold ties), ``nu`` (Davidson),
``t1 .. tp`` (graded thresholds).
"""
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .. import _validation as _v
from .._kernels import likelihood as _likelihood
from .._kernels import sample as _sample
from .._kernels import sample_families as _sample_families
from ..exceptions import DataError
from . import families as _fam

__all__ = ["Model", "MODELS", "get_model"]


#: The named models: ``(link, ties)`` -> ``(name, description)``.  Every other combination a
#: family allows is named ``"<family>-<link>"``.
_NAMED = {
    ("logit", None): ("bradley-terry", "Bradley-Terry: P(a wins) = logistic(s_a - s_b)"),
    ("probit", None): ("thurstone", "Thurstone Case V: P(a wins) = Phi(s_a - s_b)"),
    ("logit", "threshold"): ("rao-kupper",
                             "Rao-Kupper: P(a wins) = logistic(s_a - s_b - log theta)"),
    ("probit", "threshold"): ("glenn-david", "Glenn-David: P(a wins) = Phi(s_a - s_b - eta)"),
    ("logit", "davidson"): ("davidson", "Davidson: P(a wins) = pi_a / (pi_a + pi_b + "
                                        "nu sqrt(pi_a pi_b))"),
    ("logit", "graded"): ("graded", "Graded (cumulative logit, symmetric thresholds): "
                                    "P(grade <= k) = logistic(c_k - (s_a - s_b))"),
    ("probit", "graded"): ("graded-probit", "Graded (cumulative probit, symmetric "
                                            "thresholds): P(grade <= k) = Phi(c_k - (s_a - "
                                            "s_b))"),
}


class Model:
    """A paired-comparison model: a link times an outcome family, over the linear predictor
    ``z = s_a - s_b (+ h o)``.

    A model is data: ``Model(link=..., ties=...)`` composes it, and the family object
    (:mod:`btstats.models.families`) owns its parameters, so nothing else needs to know
    which model it is.  A combination with a name in :data:`MODELS` equals that entry and
    carries its name; any other allowed combination is named ``"<family>-<link>"``.

    Parameters
    ----------
    link : {"logit", "probit"} or Link
        The link ``F``: logistic, or the standard normal CDF (no ``sqrt(2)``).
    ties : {None, "threshold", "davidson", "graded"} or Family
        The outcome family: ``None`` binary (no ties), ``"threshold"`` ties by a threshold
        ``eta`` (``P(a) = F(z - eta)``), ``"davidson"`` Davidson's ties (logit link only:
        the family fixes its own scale), ``"graded"`` ordered grades with symmetric
        thresholds.

    Attributes
    ----------
    name, description : str
    link : int
        The kernels' link code (:mod:`btstats._kernels.links`).
    link_name : str
        ``"logit"`` or ``"probit"``.
    link_function : Link
        The :class:`~btstats.models.links.Link` object.
    family : Family
        The outcome family object.
    family_name : str
        ``"binary"``, ``"threshold"``, ``"davidson"`` or ``"graded"``.
    ties : str or None
        The ``ties=`` that composes it.
    has_ties : bool
    n_categories : int
        Number of outcome categories (0: from the data, for graded models).

    Examples
    --------
    >>> import btstats
    >>> btstats.Model(link="probit", ties="threshold")
    Model('glenn-david', link='probit', ties='threshold')
    >>> btstats.Model(link="probit", ties="threshold") == btstats.get_model("glenn-david")
    True
    >>> btstats.Model().name, btstats.Model(ties="graded").family.param_names(5)
    ('bradley-terry', ('t1', 't2'))
    """

    __slots__ = ("_link", "_family", "_name", "_description")

    def __init__(self, link="logit", ties=None):
        family = _fam.get_family(ties)
        lk = family.check_link(link)
        name, description = _NAMED.get(
            (lk.name, family.ties),
            (f"{family.name}-{lk.name}", f"{family.description}, {lk.description} link"))
        for attr, value in (("_link", lk), ("_family", family), ("_name", name),
                            ("_description", description)):
            object.__setattr__(self, attr, value)

    def __setattr__(self, name, value):
        raise AttributeError(f"a Model is immutable; build another one with "
                             f"Model(link=..., ties=...) instead of setting {name!r}.")

    def __reduce__(self):
        return (Model, (self._link.name, self._family.ties))

    def __eq__(self, other):
        if not isinstance(other, Model):
            return NotImplemented
        return self._link == other._link and self._family == other._family

    def __hash__(self):
        return hash((self._link.code, self._family.name))

    def __repr__(self):
        return (f"Model({self._name!r}, link={self._link.name!r}, "
                f"ties={self._family.ties!r})")

    name = property(lambda self: self._name, doc="The model's name.")
    description = property(lambda self: self._description, doc="A one-line description.")
    link = property(lambda self: self._link.code, doc="The kernels' link code.")
    link_name = property(lambda self: self._link.name, doc="``'logit'`` or ``'probit'``.")
    link_function = property(lambda self: self._link, doc="The :class:`Link` object.")
    family = property(lambda self: self._family, doc="The outcome :class:`Family` object.")
    family_name = property(lambda self: self._family.name, doc="The family's name.")
    ties = property(lambda self: self._family.ties, doc="The ``ties=`` that composes it.")
    has_ties = property(lambda self: self._family.has_ties,
                        doc="Whether a tie (or a middle grade) is an outcome.")
    n_categories = property(lambda self: self._family.n_categories,
                            doc="Number of outcome categories (0: from the data).")

    @property
    def pairwise_kernel(self):
        """Whether the pair-count kernels (bootstrap replicates, ceilings, the annotator
        model, the simulators' samplers) serve this model: the binary and threshold-tie
        families do; Davidson and graded outcomes are fitted by the general core only."""
        return self._family.pairwise

    def require_pairwise_kernel(self, what):
        """Raise a clear error when ``what`` is not yet available for this model."""
        if not self.pairwise_kernel:
            raise ValueError(
                f"{what} is not yet available for the {self.name} model (its outcome family "
                f"is fitted by the general model core, which so far gives the fit, its "
                f"covariance, coefficient table and outcome probabilities). Use "
                f"one of 'bradley-terry', 'thurstone', 'rao-kupper', 'glenn-david' for this.")

    def probabilities(self, d, eta=None, *, params=None, order=None, n_categories=None):
        """Outcome probabilities at score differences ``d = s_a - s_b``.

        Parameters
        ----------
        d : array_like
            Score differences.
        eta : float, optional
            Tie threshold ``eta >= 0`` of a threshold-tie model (Rao-Kupper, Glenn-David);
            ``None`` is ``0`` (no ties).  Ignored, taken as 0, for models without ties;
            refused for Davidson and graded models (their parameters go in ``params``).
        params : dict or pandas.Series, optional
            The parameters beyond the scores, named as in :attr:`btstats.estimation.core.CoreFit.params`
            (a fit's ``params`` can be passed as it is): ``"h"`` the order effect, ``"eta"``
            the threshold of a tie model (instead of ``eta=``), ``"nu"`` Davidson's tie
            parameter (required for it, ``>= 0``), ``"t1" .. "tp"`` the thresholds of a
            graded model (``0 <= t1 <= ... <= tp``).
        order : array_like, optional
            Order indicators of side a, broadcast against ``d``: ``+1`` a at home / shown
            first, ``-1`` b, ``0`` neutral; the linear predictor is ``z = d + h * order``.
            Default ``+1`` when ``params`` has ``"h"``; refused without it.
        n_categories : int, optional
            Graded models only: the number of grades ``K``.  With ``p`` thresholds it is
            ``2p + 1`` (grades ``-p .. p``, ``0`` a tie; the default) or ``2p + 2`` (grades
            ``-(p + 1) .. -1, 1 .. p + 1``, no tie); without thresholds ``K = 2``.

        Returns
        -------
        tuple of ndarray or ndarray
            For every model but the graded ones, ``(P(a wins), P(tie), P(b wins))``: three
            arrays shaped like ``d`` (``P(tie) = 0`` without ties).  For a graded model, one
            array of shape ``d.shape + (K,)`` whose last axis runs over the grades in
            increasing order (column ``k``: grade ``k - p`` for odd ``K``; the last column is
            "a much better").  They sum to one.

        Notes
        -----
        The binary and threshold-tie models without an order effect use the pair-count
        kernel (:func:`._kernels.likelihood.probabilities`); every other case the outcome
        families of the general core (:func:`._kernels.families.log_probabilities`), so the
        numbers are those a fit maximises.

        Examples
        --------
        >>> from btstats.models import get_model
        >>> [float(p) for p in get_model("bradley-terry").probabilities(0.0)]
        [0.5, 0.0, 0.5]
        >>> [round(float(p), 4) for p in get_model("davidson").probabilities(0.0,
        ...                                                               params={"nu": 1.0})]
        [0.3333, 0.3333, 0.3333]
        >>> get_model("graded").probabilities([0.0, 1.0], params={"t1": 0.5, "t2": 2.0}).round(3)
        array([[0.119, 0.258, 0.245, 0.258, 0.119],
               [0.047, 0.135, 0.195, 0.354, 0.269]])
        """
        try:
            d = np.asarray(d, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"`d` must hold numbers (score differences); {exc}.") from exc
        if not np.all(np.isfinite(d)):
            raise ValueError("`d`: score differences must be finite.")
        spec = _outcomes_iv(self, params, n_categories, eta, "eta")
        if spec.pairwise:
            res = _likelihood.probabilities(self.link, np.ascontiguousarray(d.ravel()),
                                            spec.eta)
            return tuple(r.reshape(d.shape) for r in res)
        z = d
        if spec.has_h:
            o = _order_values(1.0 if order is None else order)
            try:
                d, o = np.broadcast_arrays(d, o)
            except ValueError as exc:
                raise ValueError(f"`order` must broadcast against `d` (shape {d.shape}); got "
                                 f"shape {o.shape}.") from exc
            z = d + spec.h * o
        elif order is not None:
            raise ValueError(_ORDER_WITHOUT_H)
        k = spec.n_categories
        out = np.empty((z.size, k))
        _sample_families.category_probabilities(spec.family, self.link, k,
                                                np.ascontiguousarray(z.ravel()), spec.theta,
                                                out)
        if spec.graded:
            return out.reshape(z.shape + (k,))
        tie = out[:, 1] if k == 3 else np.zeros(z.size)
        return tuple(r.reshape(z.shape) for r in (out[:, k - 1], tie, out[:, 0]))

    def rvs(self, scores, pairs, *, n=None, theta=None, params=None, order=None,
            n_categories=None, rng=None):
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
            Tie parameter ``theta >= 1`` of a threshold-tie model (Rao-Kupper, Glenn-David),
            required there unless ``params`` has ``"eta"``; the threshold is
            ``eta = log(theta)``.  Must be ``None`` for the other models.
        params : dict or pandas.Series, optional
            The parameters beyond the scores, named as in :attr:`btstats.estimation.core.CoreFit.params`
            (a fit's ``params`` can be passed as it is): ``"h"`` the order effect, ``"eta"``
            the threshold of a tie model (``>= 0``, instead of ``theta``), ``"nu"``
            Davidson's tie parameter (required for it, ``>= 0``), ``"t1" .. "tp"`` the
            thresholds of a graded model (``0 <= t1 <= ... <= tp``).
        order : array_like, optional
            Order indicator of side a in each comparison (a scalar or one per row): ``+1`` a
            at home / shown first, ``-1`` b, ``0`` neutral.  Default ``+1`` on every row when
            ``params`` has ``"h"`` (as arena data, where ``model_a`` is shown first); refused
            without ``"h"``.
        n_categories : int, optional
            Graded models only: the number of grades ``K``.  With ``p`` thresholds it is
            ``2p + 1`` (grades ``-p .. p``, ``0`` a tie; the default) or ``2p + 2`` (grades
            ``-(p + 1) .. -1, 1 .. p + 1``, no tie); without thresholds ``K = 2``.
        rng : None, int or numpy.random.Generator
            Source of the uniforms, turned into a Generator by
            :func:`numpy.random.default_rng`.

        Returns
        -------
        ndarray
            For every model but the graded ones, float64 ``1.0`` where a won, ``0.5`` for a
            tie, ``0.0`` where b won: the outcome codes of
            :meth:`btstats.Comparisons.from_frame`.  For a graded model, the int64 grade
            (``+m``: a much better, ``0``: a tie, ``-m``: b much better), the ``grade``
            column :func:`btstats.fit` reads with ``model="graded"``.

        Notes
        -----
        With ``d = s_a - s_b`` each outcome is drawn by inversion of one uniform ``u``:
        a wins if ``u < P(a wins)``, tie if ``u < P(a wins) + P(tie)``, else b wins, with the
        probabilities of :meth:`probabilities` (``P(a wins) = F(d - eta)``,
        ``P(tie) = F(d + eta) - F(d - eta)``) computed by the compiled link code the fit
        uses.  Models without a tie threshold never give ``0.5``.

        With an order effect, Davidson ties or grades the same inversion runs over the
        categories of the outcome family at ``z = d + h * order``, from a's best category
        down (:mod:`btstats._kernels.sample_families`): the grade is ``g`` when
        ``P(grade > g) <= u < P(grade >= g)``.  Swapping the sides of a comparison negates
        ``z`` and so mirrors the distribution.  A Davidson tie with ``nu = 0`` is never
        drawn.

        Examples
        --------
        >>> from btstats.models import get_model
        >>> bt = get_model("bradley-terry")
        >>> bt.rvs([1.0, 0.0, -1.0], [[0, 1], [1, 2], [0, 2]], rng=1)
        array([1., 0., 1.])
        >>> draws = bt.rvs([1.0, 0.0, -1.0], [[0, 2]], n=1000, rng=1)
        >>> draws.shape, round(float(draws.mean()), 3)      # P(a wins) = logistic(2) = 0.881
        ((1, 1000), 0.877)
        >>> get_model("davidson").rvs([0.5, 0.0], [[0, 1]] * 6, params={"nu": 1.0}, rng=2)
        array([1. , 1. , 0. , 1. , 0.5, 0.5])
        >>> get_model("graded").rvs([0.5, 0.0], [[0, 1]] * 6,
        ...                         params={"t1": 0.5, "t2": 2.0}, rng=2)
        array([ 1,  1, -1,  2,  0,  0])
        >>> bt.rvs([0.0, 0.0], [[0, 1]] * 6, params={"h": 0.4}, order=[1, 1, 1, -1, -1, -1],
        ...        rng=2)
        array([1., 1., 0., 1., 0., 0.])
        """
        s = _as_scores(scores)
        a, b = _as_pairs(pairs, s.shape[0])
        spec = _outcomes_iv(self, params, n_categories, theta, "theta")
        m = a.shape[0]
        o = _order_iv(order, m, spec.has_h)
        if n is not None:
            _v.check_number(n, "n", low=1, integer=True)
        rng = _v.as_generator(rng)
        if spec.pairwise:
            eta = spec.eta
            if n is None:
                return _sample_outcomes(self.link, s, eta, a, b, rng.random(m))
            _v.check_memory(16 * m * int(n), "n", n, f"{m:,} x {int(n):,} outcomes",
                            "Draw in batches of fewer outcomes.")
            u = rng.random((m, int(n)))
            out = np.empty_like(u)
            _sample.outcomes(self.link, s, eta, a, b, u, out)
            return out
        if n is None:
            return spec.codes(_draw_categories(spec, self.link, s, a, b, o, rng.random(m)))
        _v.check_memory(24 * m * int(n), "n", n, f"{m:,} x {int(n):,} outcomes",
                        "Draw in batches of fewer outcomes.")
        u = rng.random((m, int(n)))
        k = np.empty(u.shape, np.int64)
        _sample_families.categories(spec.family, self.link, spec.n_categories, s, spec.theta,
                                    spec.h, a, b, o, u, k)
        return spec.codes(k)


@dataclass(frozen=True)
class _Outcomes:
    """A model's outcome family with its parameters checked: what the samplers need.

    ``family`` is the kernels' code (:data:`._kernels.families.CUMULATIVE` or ``DAVIDSON``),
    ``theta`` the family parameters in the kernels' order, ``h`` the order effect (``0.0``
    without, ``has_h`` False), ``eta`` the threshold of the pair-count fast path, ``names``
    and ``values`` the parameters as :attr:`btstats.estimation.core.CoreFit.params` names them.
    """

    family: int
    n_categories: int
    theta: np.ndarray
    h: float
    has_h: bool
    graded: bool
    eta: float
    names: tuple
    values: tuple
    family_pairwise: bool = False

    @property
    def pairwise(self):
        """Whether the pair-count sampler (:mod:`._kernels.sample`) draws these outcomes."""
        return self.family_pairwise and not self.has_h

    def outcomes(self, k):
        """Categories ``k`` (``0 .. K - 1``) to the outcome codes 1.0 / 0.5 / 0.0 of side a
        (for grades: their sign)."""
        mid = 0.5 * (self.n_categories - 1)
        return np.where(k > mid, 1.0, np.where(k < mid, 0.0, 0.5))

    def grades(self, k):
        """Categories ``k`` to grades ``-m .. m`` (no 0 when ``K`` is even)."""
        half = self.n_categories // 2
        if self.n_categories % 2 == 1:
            return k - half
        return np.where(k >= half, k - half + 1, k - half)

    def codes(self, k):
        """What :meth:`Model.rvs` returns for categories ``k``."""
        return self.grades(k) if self.graded else self.outcomes(k)


_ORDER_WITHOUT_H = ("`order` needs the order effect: pass params={'h': ...} (h=0 for none); "
                    "without it the order of presentation does not change the outcomes.")


def _params_iv(params):
    """``params`` (a mapping or Series: name -> number) as a dict of floats."""
    if params is None:
        return {}
    if not isinstance(params, Mapping) and not (hasattr(params, "items") and
                                                hasattr(params, "index")):
        raise TypeError(f"`params` must be a dict or a pandas Series of parameters by name "
                        f"(e.g. {{'nu': 1.2}} or fit.params); got {type(params).__name__}.")
    out = {}
    for name, value in params.items():
        if not isinstance(name, str):
            raise ValueError(f"`params` must be named by strings ('h', 'eta', 'nu', 't1', ...); "
                             f"got the name {name!r}.")
        out[name] = float(_v.check_number(value, f"params[{name!r}]"))
    return out


def _outcomes_iv(model, params, n_categories, tie, tie_name):
    """The :class:`_Outcomes` of ``model`` with ``params`` (and the tie parameter ``tie`` of
    the pair-count API: ``theta`` for :meth:`Model.rvs`, ``eta`` for
    :meth:`Model.probabilities`); the family checks its own parameters."""
    p = _params_iv(params)
    has_h = "h" in p
    h = p.pop("h", 0.0)
    family = model.family
    theta, k = family.check_params(p, n_categories=n_categories, tie=tie, tie_name=tie_name,
                                   model=model.name)
    theta = np.ascontiguousarray(theta, dtype=float)
    names = family.param_names(k)
    eta = float(theta[0]) if family.pairwise and theta.shape[0] else 0.0
    all_names = (("h",) if has_h else ()) + tuple(names)
    values = ((float(h),) if has_h else ()) + tuple(float(x) for x in theta)
    return _Outcomes(family.code, int(k), theta, float(h), bool(has_h), bool(family.graded),
                     eta, all_names, values, bool(family.pairwise))


def _order_values(order, name="order"):
    """Order indicators as floats, each ``+1``, ``-1`` or ``0``."""
    try:
        o = np.asarray(order, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must hold order indicators 1 (side a at home / shown "
                         f"first), -1 (side b) or 0 (neutral); {exc}.") from exc
    if not np.all(np.isin(o, (-1.0, 0.0, 1.0))):
        raise ValueError(f"`{name}` must hold order indicators 1 (side a at home / shown "
                         f"first), -1 (side b) or 0 (neutral); got "
                         f"{np.unique(o[~np.isin(o, (-1.0, 0.0, 1.0))])[:5].tolist()}.")
    return o


def _order_iv(order, m, has_h, name="order"):
    """The order indicator of side a of each of ``m`` comparisons (float64, contiguous):
    ``+1`` on every row when ``order`` is None and there is an order effect, ``0``
    without one."""
    if order is None:
        return np.ones(m) if has_h else np.zeros(m)
    if not has_h:
        raise ValueError(_ORDER_WITHOUT_H)
    o = _order_values(order, name)
    if o.ndim == 0:
        return np.full(m, float(o))
    if o.shape != (m,):
        raise ValueError(f"`{name}` must be a scalar or have one entry per comparison "
                         f"({m:,}); got shape {o.shape}.")
    return np.ascontiguousarray(o)


def _draw_categories(spec, link, s, a, b, o, u):
    """One category (``0 .. K - 1``) per comparison from the uniforms ``u``."""
    out = np.empty(a.shape[0], np.int64)
    _sample_families.categories_1d(spec.family, link, spec.n_categories, s, spec.theta,
                                   spec.h, a, b, o, u, out)
    return out


#: The named models, by name: each is ``Model(link=..., ties=...)`` of its row of ``_NAMED``.
MODELS = {name: Model(link=link, ties=ties) for (link, ties), (name, _) in _NAMED.items()}

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
    if fit is not None and getattr(fit, "covariates", ()):
        raise ValueError(f"{what} is not yet available for fits with covariates; refit "
                         f"without covariates= for this.")
    return mdl


def _composed_names():
    """``"<family>-<link>"`` -> ``(link, ties)`` for every allowed combination."""
    return {f"{fam.name}-{lk}": (lk, fam.ties) for fam in _fam.FAMILIES.values()
            for lk in fam.links}


def get_model(model: str | Model, link: str | None = None) -> Model:
    """Return the :class:`Model` ``model``: a name or alias from :data:`MODELS`, a composed
    name ``"<family>-<link>"`` (``"threshold-probit"`` is ``"glenn-david"``) or a Model.

    ``link`` (``"logit"`` or ``"probit"``) replaces the model's link, keeping its family:
    ``get_model("graded", link="probit")`` is ``"graded-probit"``,
    ``get_model("rao-kupper", link="probit")`` is ``"glenn-david"``.

    Examples
    --------
    >>> from btstats.models import get_model
    >>> get_model("rao-kupper", link="probit").name, get_model("threshold-logit").name
    ('glenn-david', 'rao-kupper')
    """
    if isinstance(model, Model):
        mdl = model
    else:
        key = str(model).strip().lower()
        key = _ALIASES.get(key, key)
        if key in MODELS:
            mdl = MODELS[key]
        elif key in _composed_names():
            mdl = Model(*_composed_names()[key])
        else:
            raise ValueError(f"`model` must be one of {sorted(MODELS)} (or a composed name "
                             f"such as 'threshold-probit', or btstats.Model(link=..., "
                             f"ties=...)); got {model!r}.")
    if link is None:
        return mdl
    _v.check_choice(link, "link", ("logit", "probit"))
    return mdl if link == mdl.link_name else Model(link=link, ties=mdl.family)
