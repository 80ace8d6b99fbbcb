"""Outcome families: what a comparison's outcome is, and the parameters that go with it.

A comparison of ``a`` and ``b`` has the linear predictor ``z = s_a - s_b + h o_ab`` and an
outcome category ``k = 0 .. K - 1`` ordered by ``a``'s advantage (``K - 1``: ``a`` best, ``0``:
``b`` best).  A :class:`Family` says which categories there are and owns the parameters
``theta`` of ``P(k | z, theta)``:

==============  ====  ==========================================  =======================
family          K     ``P(k | z)``                                parameters
==============  ====  ==========================================  =======================
``binary``      2     ``P(a) = F(z)``                             none
``threshold``   3     ``P(a) = F(z - eta)``, ``P(b) = F(-z - eta)``  ``eta >= 0``
``davidson``    3     ``P(a) : P(tie) : P(b) = e^{z/2} : nu : e^{-z/2}``  ``nu >= 0``
``graded``      data  ``P(grade <= k) = F(c_k - z)``, cutpoints   ``0 <= t1 <= ... <= tp``
                      ``(-t_p, ..., -t_1, [0,] t_1, ..., t_p)``
==============  ====  ==========================================  =======================

Each family knows its kernel code (:mod:`btstats._kernels.families`: the log-probabilities
and their derivatives, which the solver, the covariances, the bootstrap, the ceilings and the
samplers all use), the names of its parameters given ``K``, their bounds and a transform to an
unconstrained scale, start values from the observed category shares, how a data row's outcome
(or grade) becomes a category, how to check parameters a user passes and how to print them.
Nothing outside :mod:`btstats.models` asks which family a model has: it asks the family.

Adding a family is a subclass here (and a ``cell_terms`` / ``log_probabilities`` branch in
:mod:`btstats._kernels.families`, whose code it names); :class:`btstats.Model` composes it with
either link.

Examples
--------
>>> import numpy as np
>>> from btstats.models.families import GRADED, get_family
>>> GRADED.param_names(5)
('t1', 't2')
>>> t = GRADED.start(np.array([10.0, 20.0, 40.0, 20.0, 10.0]), "logit")
>>> t.round(4), GRADED.contains(t)
(array([0.8473, 2.1982]), True)
>>> np.allclose(GRADED.from_unconstrained(GRADED.to_unconstrained(t)), t)
True
>>> get_family("davidson").param_names(), get_family(None).name
(('nu',), 'binary')
"""
import math

import numpy as np

from .. import _validation as _v
from .._kernels import families as _kf
from ..exceptions import DataError, TiesError
from .links import get_link

__all__ = ["Family", "Binary", "ThresholdTies", "Davidson", "Graded", "BINARY", "THRESHOLD",
           "DAVIDSON", "GRADED", "FAMILIES", "get_family"]

#: Clip for the category shares behind start values (no category is ever quite empty).
_MIN_SHARE = 1e-6


def _symmetric_shares(counts):
    """Category shares averaged with their mirror images (the shares at ``z = 0``), each at
    least ``_MIN_SHARE``."""
    c = np.asarray(counts, dtype=float)
    total = c.sum()
    if not (total > 0) or not np.isfinite(total):
        c = np.ones_like(c)
        total = c.sum()
    share = 0.5 * (c + c[::-1]) / total
    share = np.maximum(share, _MIN_SHARE)
    return share / share.sum()


def _three_categories(outcome):
    """Outcome codes (0 a wins, 1 b wins, 2 tie) to categories in ``a``'s favour
    (2 a, 1 tie, 0 b)."""
    return np.where(outcome == 0, 2, np.where(outcome == 1, 0, 1))


class Family:
    """An outcome family (see the module docstring); subclasses fill in the parameters.

    Attributes
    ----------
    name : str
        ``"binary"``, ``"threshold"``, ``"davidson"`` or ``"graded"``.
    ties : str or None
        The ``ties=`` value of :class:`btstats.Model` that selects it (``None`` for binary).
    code : int
        The kernels' family code (:data:`btstats._kernels.families.CUMULATIVE` or
        ``DAVIDSON``).
    n_categories : int
        ``K``, or 0 when it comes from the data (graded).
    has_ties : bool
        Whether a tie (or a middle grade) is an outcome.
    pairwise : bool
        Whether the pair-count kernels (the fast path of :func:`btstats.fit`, its bootstrap,
        the annotator model) serve it.
    graded : bool
        Whether its outcomes are grades (a ``grade`` column; :meth:`btstats.Model.rvs`
        returns grades).
    links : tuple of str
        The links it combines with.
    """

    name = ""
    ties: str | None = None
    code = _kf.CUMULATIVE
    n_categories = 2
    has_ties = False
    pairwise = False
    graded = False
    links: tuple[str, ...] = ("logit", "probit")
    description = ""
    #: How the pair-count API's users pass the parameters (for error messages).
    params_hint = "params={...}"

    # ------------------------------------------------------------------ parameters
    def param_names(self, n_categories=None):
        """Names of the parameters given ``K`` categories, in the kernels' order."""
        return ()

    def n_params(self, n_categories=None):
        return len(self.param_names(n_categories))

    def bounds(self, n_categories=None):
        """``(low, high)`` of each parameter on its natural scale."""
        return [(0.0, math.inf)] * self.n_params(n_categories)

    def contains(self, theta):
        """Whether ``theta`` lies in the parameter space (finite and within the bounds)."""
        t = np.asarray(theta, dtype=float)
        return bool(np.all(np.isfinite(t)) and np.all(t >= 0.0))

    def to_unconstrained(self, theta):
        """``theta`` (last axis) on an unconstrained scale (``log``: ``-inf`` at a bound)."""
        with np.errstate(divide="ignore"):
            return np.log(np.asarray(theta, dtype=float))

    def from_unconstrained(self, u):
        """The inverse of :meth:`to_unconstrained`."""
        return np.exp(np.asarray(u, dtype=float))

    def project(self, theta):
        """Draws of ``theta`` (rows) moved into the parameter space (clipped at the bounds,
        as a threshold's bootstrap draw is clipped at 0)."""
        return np.maximum(np.asarray(theta, dtype=float), 0.0)

    def start(self, counts, link):
        """Start values of ``theta`` from the total weight of each category (``counts``,
        length ``K``), for the link ``link``: those giving the observed shares at ``z = 0``.
        Always strictly inside the parameter space."""
        return np.zeros(0)

    def param_text(self, name, value, se, link):
        """``(label, text)`` of a parameter for a fit's report (``se`` may be None)."""
        tail = "" if se is None else f" (se {se:.4f})"
        return name, f"{value:.4f}{tail}"

    # ------------------------------------------------------------------ data
    def row_categories(self, a, b, outcome, weight, extra, *, ties, model):
        """``(a, b, k, weight, K)``: the category ``k`` in ``a``'s favour of every row.

        ``outcome`` holds the codes of :class:`btstats.Comparisons` (0 ``a`` wins, 1 ``b``
        wins, 2 tie), ``extra`` its per-row columns (rows of weight 0 already removed),
        ``ties`` what :func:`btstats.fit` does with ties under a model without them, ``model``
        the model's name for messages.
        """
        raise NotImplementedError

    def check_data(self, counts, model):
        """Refuse data (total weight per category, ``counts``) the family cannot be fitted
        to."""

    def check_params(self, p, *, n_categories, tie, tie_name, model):
        """``(theta, K)`` from the parameters ``p`` a user passed (a dict without ``h``).

        ``tie`` is the tie parameter of the pair-count API (``theta`` of
        :meth:`btstats.Model.rvs`, ``eta`` of :meth:`btstats.Model.probabilities`),
        ``tie_name`` its name.
        """
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers
    def check_link(self, link):
        """Raise a clear error when the family does not combine with ``link``."""
        lk = get_link(link)
        if lk.name not in self.links:
            raise ValueError(
                f"the {self.name} family does not take link={lk.name!r}: {self.link_note} "
                f"Allowed combinations: {allowed_combinations()}.")
        return lk

    link_note = ""

    def _check_names(self, p, allowed, model):
        unknown = sorted(set(p) - set(allowed))
        if unknown:
            names = ", ".join(repr(x) for x in ("h",) + tuple(allowed))
            raise ValueError(f"`params` of the {model} model are among {names}; unknown: "
                             f"{unknown}.")

    def _check_fixed_k(self, n_categories, model):
        if n_categories is not None:
            _v.check_number(n_categories, "n_categories", integer=True)
            if int(n_categories) != self.n_categories:
                raise ValueError(f"`n_categories` applies to graded models; the {model} model "
                                 f"has {self.n_categories} outcomes. Drop it.")

    def _refuse_tie(self, tie, tie_name, model):
        if tie is not None:
            raise ValueError(f"`{tie_name}` applies to the threshold-tie models (rao-kupper, "
                             f"glenn-david); pass the parameters of the {model} model as "
                             f"{self.params_hint}.")

    #: The string ``Model.family`` was before families were objects (``"cumulative"`` for the
    #: binary and threshold families).  A family still compares equal to it, and to its name,
    #: so that code written against the string keeps working; new code asks the family
    #: (``family.pairwise``, ``family.graded``, ``family.has_ties``) instead.
    _legacy_name = "cumulative"

    def __eq__(self, other):
        if isinstance(other, str):
            return other in (self.name, self._legacy_name)
        return type(self) is type(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self):
        return f"{type(self).__name__}()"


class Binary(Family):
    """Two outcomes, ``P(a) = F(z)``: Bradley-Terry (logit), Thurstone Case V (probit).

    A tie in the data is refused, dropped or counted as half a win each way (``ties=``)."""

    name = "binary"
    ties = None
    n_categories = 2
    pairwise = True
    description = "binary: P(a) = F(z)"

    def row_categories(self, a, b, outcome, weight, extra, *, ties, model):
        o, w = outcome, weight
        is_tie = o == 2
        if is_tie.any():
            if ties is None:
                raise TiesError(f"the data hold {float(w[is_tie].sum()):g} ties but the "
                                f"{model} model has no tie outcome. Choose ties='drop', "
                                f"ties='half', or a tie model (model='rao-kupper', "
                                f"'glenn-david', 'davidson').")
            if ties == "drop":
                keep = ~is_tie
                return a[keep], b[keep], np.where(o[keep] == 0, 1, 0), w[keep], 2
            # half: each tie is half a win each way (the copies are appended at the end)
            a2 = np.concatenate([a, a[is_tie]])
            b2 = np.concatenate([b, b[is_tie]])
            k2 = np.concatenate([np.where(o == 1, 0, 1),
                                 np.zeros(int(is_tie.sum()), np.int64)])
            w2 = np.concatenate([np.where(is_tie, 0.5 * w, w), 0.5 * w[is_tie]])
            return a2, b2, k2, w2, 2
        return a, b, np.where(o == 0, 1, 0), w, 2

    def check_params(self, p, *, n_categories, tie, tie_name, model):
        self._check_fixed_k(n_categories, model)
        self._check_names(p, (), model)
        if tie_name == "theta" and tie is not None:
            raise ValueError(f"`theta` applies only to models with ties; the {model} model "
                             f"has none. Drop `theta` or use model='rao-kupper'.")
        # (``eta`` of the pair-count probabilities is ignored, taken as 0, without ties)
        return np.zeros(0), 2


class _Cumulative(Family):
    """A cumulative link with cutpoints mirrored around 0 (kernel code ``CUMULATIVE``): the
    thresholds ``0 <= t_1 <= ... <= t_p`` are the positive half of the cutpoints."""

    code = _kf.CUMULATIVE
    has_ties = True

    def contains(self, theta):
        t = np.asarray(theta, dtype=float)
        return super().contains(t) and bool(np.all(np.diff(t, axis=-1) >= 0.0))

    def to_unconstrained(self, theta):
        """``log`` of the increments ``t_1, t_2 - t_1, ...``."""
        t = np.asarray(theta, dtype=float)
        steps = np.diff(t, axis=-1, prepend=0.0) if t.shape[-1] else t
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(steps)

    def from_unconstrained(self, u):
        return np.cumsum(np.exp(np.asarray(u, dtype=float)), axis=-1)

    def project(self, theta):
        t = np.maximum(np.asarray(theta, dtype=float), 0.0)
        if t.ndim == 2 and t.shape[1] > 1:
            t = np.maximum.accumulate(t, axis=1)
        return t

    def start(self, counts, link):
        share = _symmetric_shares(counts)
        k = share.shape[0]
        p = (k - 1) // 2
        cum = np.cumsum(share)[:-1]
        cuts = get_link(link).ppf(np.clip(cum, 1e-9, 1 - 1e-9))
        upper = cuts[len(cuts) - p:]
        t = np.maximum.accumulate(np.maximum(upper, 1e-3))
        return t + 1e-3 * np.arange(p)


class _TieOutcomes:
    """The three outcomes (b wins, tie, a wins) of the tie families, read from the rows'
    outcomes; the data must hold ties."""

    def row_categories(self, a, b, outcome, weight, extra, *, ties, model):
        return a, b, _three_categories(outcome), weight, 3

    def check_data(self, counts, model):
        _need_ties(counts, model)


class ThresholdTies(_TieOutcomes, _Cumulative):
    """Ties by a threshold: ``P(a) = F(z - eta)``, ``P(b) = F(-z - eta)``, ``eta >= 0``:
    Rao-Kupper (logit; ``theta = exp(eta)``), Glenn-David (probit)."""

    name = "threshold"
    ties = "threshold"
    n_categories = 3
    pairwise = True
    description = "threshold ties: P(a) = F(z - eta), P(b) = F(-z - eta)"
    params_hint = "params={'eta': ...}"

    def param_names(self, n_categories=None):
        return ("eta",)

    def check_params(self, p, *, n_categories, tie, tie_name, model):
        self._check_fixed_k(n_categories, model)
        self._check_names(p, ("eta",), model)
        if "eta" in p:
            if tie is not None:
                raise ValueError(f"give the tie parameter of the {model} model once: "
                                 f"`{tie_name}` or params['eta'], not both.")
            eta = float(_v.check_number(p["eta"], "params['eta']", low=0.0))
        elif tie_name == "theta":
            if tie is None:
                raise ValueError(f"the {model} model needs its tie parameter: pass `theta` "
                                 f">= 1 (e.g. theta=2.0; theta=1 gives no ties).")
            eta = math.log(_v.check_number(tie, "theta", low=1.0))
        else:
            eta = 0.0 if tie is None else float(_v.check_number(tie, "eta", low=0.0))
        return np.array([eta]), 3

    def param_text(self, name, value, se, link):
        if get_link(link).name == "logit":
            # Rao-Kupper's own parameter, theta = exp(eta) (se by the delta method)
            theta = math.exp(value)
            tail = "" if se is None else f" (se {theta * se:.4f})"
            return "theta", f"{theta:.4f}{tail}"
        tail = "" if se is None else f" (se {se:.4f})"
        return "eta (threshold)", f"{value:.4f}{tail}"


class Davidson(_TieOutcomes, Family):
    """Davidson's (1970) ties: ``P(a) : P(tie) : P(b) = pi_a : nu sqrt(pi_a pi_b) : pi_b``
    with ``log pi_a - log pi_b = z``; ``nu >= 0``.

    The family fixes its own scale (``P(a) / (P(a) + P(b))`` is logistic in ``z``), so it
    takes the logit link only: the compiled kernel does not use a link."""

    name = "davidson"
    ties = "davidson"
    code = _kf.DAVIDSON
    n_categories = 3
    has_ties = True
    links = ("logit",)
    _legacy_name = "davidson"
    description = "Davidson ties: P(a) : P(tie) : P(b) = pi_a : nu sqrt(pi_a pi_b) : pi_b"
    params_hint = "params={'nu': ...}"
    link_note = ("its probabilities are fixed by pi_a / pi_b = exp(z) (P(a) / (P(a) + P(b)) "
                 "is logistic in z), so another link would give the same model under another "
                 "name.")

    def param_names(self, n_categories=None):
        return ("nu",)

    def start(self, counts, link):
        tie = _symmetric_shares(counts)[1]
        return np.array([max(2.0 * tie / (1.0 - tie), 1e-3)])

    def check_params(self, p, *, n_categories, tie, tie_name, model):
        self._check_fixed_k(n_categories, model)
        self._refuse_tie(tie, tie_name, model)
        self._check_names(p, ("nu",), model)
        if "nu" not in p:
            raise ValueError(f"the {model} model needs its tie parameter: pass "
                             f"params={{'nu': ...}} (nu >= 0; nu = 0 gives no ties, nu = 1 a "
                             f"tie as likely as either win at d = 0).")
        nu = _v.check_number(p["nu"], "params['nu']", low=0.0)
        return np.array([float(nu)]), 3


class Graded(_Cumulative):
    """Graded (ordinal) outcomes: a cumulative link with ``K`` ordered categories and
    symmetric thresholds ``0 <= t_1 <= ... <= t_p``, ``p = (K - 1) // 2``; ``K`` comes from
    the data's ``grade`` column (``-m .. m``: ``K = 2m + 1`` with a 0 grade, ``2m``
    without)."""

    name = "graded"
    ties = "graded"
    n_categories = 0
    graded = True
    _legacy_name = "graded"
    description = "graded: P(grade <= k) = F(c_k - z), symmetric cutpoints"
    params_hint = "params={'t1': ..., 't2': ...}"

    def param_names(self, n_categories=None):
        if n_categories is None:
            raise ValueError("the parameters of a graded family depend on its number of "
                             "categories: pass n_categories.")
        return tuple(f"t{q + 1}" for q in range((int(n_categories) - 1) // 2))

    def row_categories(self, a, b, outcome, weight, extra, *, ties, model):
        if extra is None or "grade" not in extra.columns:
            raise DataError("model='graded' needs graded outcomes: a column `grade` of "
                            "integers -m .. m (+m: item_a much better, 0: a tie) or an "
                            "ordered categorical (name it with grade='<column>').")
        g = extra["grade"].to_numpy().astype(np.int64)
        top = int(np.max(np.abs(g)))
        if top == 0:
            raise DataError("every grade is 0 (a tie): a graded model needs some decisive "
                            "grades.")
        if np.any(g == 0):
            return a, b, g + top, weight, 2 * top + 1
        return a, b, np.where(g > 0, g + top - 1, g + top), weight, 2 * top

    def check_params(self, p, *, n_categories, tie, tie_name, model):
        self._refuse_tie(tie, tie_name, model)
        n_t = len(p)
        names = tuple(f"t{q + 1}" for q in range(n_t))
        unknown = sorted(set(p) - set(names))
        if unknown:
            raise ValueError(f"`params` of the {model} model are among 'h', 't1', 't2', ...; "
                             f"unknown: {unknown}.")
        if n_categories is None:
            k = 2 * n_t + 1 if n_t else 2
        else:
            k = int(_v.check_number(n_categories, "n_categories", low=2, integer=True))
            if (k - 1) // 2 != n_t:
                raise ValueError(f"`n_categories`={k} needs {(k - 1) // 2} thresholds "
                                 f"t1 .. t{(k - 1) // 2} in `params`; got {n_t} "
                                 f"({list(names)}).")
        t = [float(p[nm]) for nm in names]
        for q in range(n_t):
            low = 0.0 if q == 0 else t[q - 1]
            if t[q] < low:
                raise ValueError(f"the thresholds of the {model} model must be >= 0 and "
                                 f"non-decreasing, 0 <= t1 <= t2 <= ...; got "
                                 f"{dict(zip(names, t))}.")
        return np.array(t, dtype=float), k


def _need_ties(counts, model):
    if not np.asarray(counts, dtype=float)[1] > 0:
        raise TiesError(f"the {model} model estimates a tie parameter but the data hold no "
                        f"ties. Fit model='bradley-terry' instead.")


BINARY = Binary()
THRESHOLD = ThresholdTies()
DAVIDSON = Davidson()
GRADED = Graded()

#: The families by name.
FAMILIES = {f.name: f for f in (BINARY, THRESHOLD, DAVIDSON, GRADED)}


def get_family(ties):
    """The :class:`Family` that ``ties`` selects: ``None`` (binary), ``"threshold"``,
    ``"davidson"``, ``"graded"`` (or ``"binary"``, or a Family)."""
    if isinstance(ties, Family):
        return ties
    if ties is None:
        return BINARY
    if isinstance(ties, str) and ties.strip().lower() in FAMILIES:
        return FAMILIES[ties.strip().lower()]
    raise ValueError(f"`ties` must be one of None, 'threshold', 'davidson', 'graded'; got "
                     f"{ties!r}.")


def allowed_combinations():
    """The (link, ties) pairs :class:`btstats.Model` accepts, as text."""
    parts = []
    for fam in FAMILIES.values():
        links = " or ".join(repr(lk) for lk in fam.links)
        parts.append(f"ties={fam.ties!r} with link={links}")
    return "; ".join(parts)
