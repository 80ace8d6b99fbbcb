"""The simulators: :func:`simulate` (a design, true scores and a model) and
:func:`simulate_annotation` (RLHF-shaped data), and their result :class:`Simulation`."""
import math
import numbers
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _validation as _v
from .._results import ResultBase
from .._kernels import graph as _graph
from .._kernels import sample as _sample
from ..data.comparisons import Comparisons
from ..exceptions import DataError, NoMLEError
from ..models.model import (_as_scores, _draw_categories, _order_iv, _outcomes_iv, _sample_outcomes,
                            get_model, pairwise_model)
from ..models.model import Model
from .designs import Design, _check_items, _check_rows, _design, given_pairs
from ._common import MAX_MLE_ATTEMPTS, PAIRINGS, _BYTES_PER_ITEM, _MAX_ITEMS, _POOL_COLUMNS
from .annotators import _annotators_iv, annotator_pool


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, eq=False, repr=False)
class Simulation(ResultBase):
    """Simulated comparisons and the truth they were drawn from.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per comparison (per label with annotators): ``item_a``, ``item_b``
        (categorical item labels), ``outcome`` (1.0 a won, 0.5 tie, 0.0 b won); for a
        graded model also ``grade`` (int, ``-m .. m``, ``+m``: a much better; ``outcome`` is
        its sign), with an order effect ``order`` (int8: ``+1`` a at home / shown first,
        ``-1`` b, ``0`` neutral); with annotators also ``annotator`` and ``position``
        (``"a"`` or ``"b"``: the side shown first); from :func:`simulate_annotation` also
        ``prompt`` (same-prompt pairings) or ``prompt_a`` and ``prompt_b`` (cross-prompt).
        :func:`btstats.fit` reads it as it is (``model="graded"`` the grades,
        ``order_effect=True`` the order).
    scores : pandas.Series
        True scores by item label, centred to sum to zero (the scale of a fit's scores).
    utilities : pandas.Series
        The uncentred true scores (for :func:`simulate_annotation`, prompt effect plus
        response effect).
    model : str
        The model the outcomes were drawn from.
    theta : float or None
        Its tie parameter (``None`` for models without ties).
    annotators : pandas.DataFrame or None
        The annotator pool (:func:`annotator_pool`).
    design : Design
        The comparisons before labelling.
    item_info : pandas.DataFrame or None
        Per item: ``prompt``, ``prompt_effect``, ``response_effect``, ``utility``
        (:func:`simulate_annotation` only).
    attempts : int
        Draws of the outcomes made (above 1 only with ``ensure_mle``).
    params : pandas.Series or None
        The true parameters beyond the scores, named and ordered as the ``params`` of a fit
        of the same model (:attr:`btstats.estimation.core.CoreFit.params`, with ``order_effect=True``
        when ``h`` is there): ``h``, then ``eta`` (``log(theta)`` for Rao-Kupper), ``nu``
        or ``t1 .. tp``; empty for Bradley-Terry and Thurstone.
    n_categories : int or None
        Number of outcome categories ``K`` of the model (2 binary, 3 with ties, the number
        of grades for a graded model).
    """

    data: pd.DataFrame
    scores: pd.Series
    utilities: pd.Series
    model: str
    theta: float | None = None
    annotators: pd.DataFrame | None = None
    design: Design | None = None
    item_info: pd.DataFrame | None = None
    attempts: int = 1
    params: pd.Series | None = None
    n_categories: int | None = None

    @property
    def n_items(self):
        return int(self.scores.shape[0])

    @property
    def n_comparisons(self):
        """Number of rows of :attr:`data` (labels, with several annotators per pair)."""
        return int(len(self.data))

    @cached_property
    def comparisons(self):
        """``Comparisons.from_frame(self.data)``: the data as :func:`btstats.fit` sees them."""
        return self.to_comparisons()

    def to_comparisons(self):
        """The data as :class:`btstats.Comparisons` (``Comparisons.from_frame(self.data)``)."""
        return Comparisons.from_frame(self.data)

    def compare(self, fitted):
        """True and fitted scores side by side, both centred over the items they share.

        Parameters
        ----------
        fitted : PairwiseFit or pandas.Series
            A fit of :attr:`data` (or its scores by item label).

        Returns
        -------
        pandas.DataFrame
            Indexed by item: ``true``, ``fitted`` and ``error = fitted - true``.  Items the
            data never compare (absent from the fit) are left out and both columns are
            re-centred over the rest, so that a difference in centring is not an error.
        """
        est = fitted.scores if hasattr(fitted, "scores") and not isinstance(
            fitted, pd.Series) else fitted
        if not isinstance(est, pd.Series):
            raise TypeError("`fitted` must be a PairwiseFit or a pandas Series of scores by "
                            "item label.")
        common = self.scores.index[self.scores.index.isin(est.index)]
        if len(common) == 0:
            raise ValueError("`fitted` shares no item label with the simulation.")
        if est.index.has_duplicates:
            raise ValueError("`fitted` must have one score per item; its labels repeat.")
        true = self.scores.loc[common].to_numpy(dtype=float)
        try:
            got = est.loc[common].to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"`fitted` scores must be numbers; {exc}.") from exc
        if not np.all(np.isfinite(got)):
            bad = common[~np.isfinite(got)][:5].tolist()
            raise ValueError(f"`fitted` scores must be finite; items {bad} are not.")
        true = true - true.mean()
        got = got - got.mean()
        return pd.DataFrame({"true": true, "fitted": got, "error": got - true},
                            index=pd.Index(common, name="item"))

    def to_frame(self):
        """The truth by item: ``score`` (centred), ``utility`` (uncentred) and
        ``comparisons`` (rows of :attr:`data` the item is in).  The simulated comparisons
        themselves are :attr:`data`."""
        index = pd.Index(self.scores.index, name="item")
        seen = pd.concat([pd.Series(np.asarray(self.data["item_a"], dtype=object)),
                          pd.Series(np.asarray(self.data["item_b"], dtype=object))],
                         ignore_index=True).value_counts()
        return pd.DataFrame({"score": self.scores.to_numpy(),
                             "utility": self.utilities.reindex(index).to_numpy(),
                             "comparisons": seen.reindex(index, fill_value=0).to_numpy()},
                            index=index)

    # summary() and _repr_html_() come from ResultBase: this header, to_frame() and the true
    # parameters beyond the scores (a simulation is the truth: it has no
    # confidence_interval)
    _frame_format = {"float_format": lambda x: f"{x:.4f}", "max_rows": 20}

    @property
    def _summary_title(self):
        return f"Simulation ({self.model})"

    def _header(self):
        kind = self.design.kind if self.design is not None else "given"
        rows = [("items", f"{self.n_items:,}"), ("rows", f"{self.n_comparisons:,}"),
                ("design", kind)]
        if self.theta is not None:
            rows.append(("theta", f"{self.theta:g}"))
        if self.annotators is not None:
            rows.append(("annotators", f"{len(self.annotators):,}"))
        if self.attempts > 1:
            rows.append(("attempts", f"{self.attempts} (ensure_mle)"))
        return rows

    def _sections(self):
        if self.params is None or not len(self.params):
            return []
        return [("True parameters", self.params.rename("value").to_frame())]

    def __repr__(self):
        extra = "" if self.annotators is None else f", {len(self.annotators)} annotators"
        theta = "" if self.theta is None else f", theta={self.theta:g}"
        if self.params is not None:
            theta += "".join(f", {k}={v:g}" for k, v in self.params.items()
                             if not (k == "eta" and self.theta is not None))
        kind = self.design.kind if self.design is not None else "given"
        return (f"Simulation({self.model}{theta}, {self.n_items:,} items, "
                f"{self.n_comparisons:,} rows, {kind} design{extra})")


# --------------------------------------------------------------------------- simulators
def _scores_iv(scores):
    """``(items, s)``: labels and float scores from a Series or an array."""
    if isinstance(scores, pd.Series):
        items = pd.Index(scores.index)
        if items.has_duplicates:
            raise DataError(f"`scores` must have unique item labels; repeated: "
                            f"{items[items.duplicated()].unique().tolist()[:5]}.")
        if items.hasnans:
            raise DataError("`scores` has a missing (NaN / None) item label.")
        return items, _as_scores(scores.to_numpy())
    s = _as_scores(scores)
    return pd.RangeIndex(s.shape[0]), s


def _design_codes(design, items):
    """The design's codes into ``items`` (labels matched, sizes checked)."""
    n = len(items)
    if design.items is not None:
        pos = items.get_indexer(design.items)
        missing = design.items[pos < 0]
        if len(missing):
            raise DataError(f"`design` compares items that have no score: "
                            f"{missing.tolist()[:5]}. Give `scores` as a Series with every "
                            f"label.")
        pos = pos.astype(np.int32)
        return pos[design.a], pos[design.b]
    if design.exact and design.n_items != n:
        raise ValueError(f"`design` is for {design.n_items:,} items but `scores` has {n:,}; "
                         f"build the design with n_items={n}.")
    if design.n_items > n:
        raise ValueError(f"`design` uses item codes up to {design.n_items - 1} but `scores` "
                         f"has only {n:,} items.")
    return design.a, design.b


def _draw(mdl, s, spec, a, b, o, pool, labels_per_pair, rng):
    """One draw of the labels: ``(a, b, outcome, annotator codes, b-first flags)`` and the
    categories (``0 .. K - 1``, ``None`` from the pair-count sampler)."""
    eta = spec.eta
    if pool is None and not spec.pairwise:
        k = _draw_categories(spec, mdl.link, s, a, b, o, rng.random(a.shape[0]))
        return (a, b, spec.outcomes(k), None, None), k
    if pool is None:
        return (a, b, _sample_outcomes(mdl.link, s, eta, a, b, rng.random(a.shape[0])), None,
                None), None
    n_pool = len(pool)
    m = a.shape[0]
    if labels_per_pair > 1:
        a = np.repeat(a, labels_per_pair)
        b = np.repeat(b, labels_per_pair)
        who = np.empty((m, labels_per_pair), np.int32)
        _sample.distinct_choices(n_pool, rng.random((m, labels_per_pair)), who)
        who = who.ravel()
    else:
        who = rng.integers(0, n_pool, m, dtype=np.int32)
    b_first = rng.integers(0, 2, a.shape[0], dtype=np.int8)
    out = np.empty(a.shape[0])
    beta, bias, lapse, ties = (np.ascontiguousarray(pool[c].to_numpy(dtype=float))
                               for c in _POOL_COLUMNS)
    _sample.annotated_outcomes(mdl.link, s, eta, a, b, who, b_first, beta, bias, lapse, ties,
                               rng.random(a.shape[0]), out)
    return (a, b, out, who, b_first), None


def _mle_exists(n_items, a, b, outcome, ties_both_ways):
    codes = np.where(outcome == 1.0, 0, np.where(outcome == 0.0, 1, 2)).astype(np.int8)
    counts = Comparisons(pd.RangeIndex(n_items), a, b, codes).pairs
    return bool(_graph.strongly_connected(n_items, *counts.arrays(), ties_both_ways))


def _check_connected(n_items, a, b):
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    adj = coo_matrix((np.ones(a.shape[0]), (a, b)), shape=(n_items, n_items))
    n_groups, _ = connected_components(adj, directed=False)
    if n_groups > 1:
        raise ValueError(f"`ensure_mle=True` cannot be met: the design's comparison graph "
                         f"splits into {n_groups} unconnected groups of items (or leaves items "
                         f"out), so no outcomes give every score a finite MLE. Use "
                         f"sparse_connected(), more comparisons, or fit with penalty=.")


def _centred(s, name):
    """``s - mean(s)``, the mean taken without overflow; scores whose centred values (or
    differences) overflow are an error naming ``name``."""
    top = float(np.max(np.abs(s)))
    mean = top * float(np.mean(s / top)) if top > 0 else 0.0
    with np.errstate(over="ignore", invalid="ignore"):
        sc = s - mean
        spread = float(np.max(sc) - np.min(sc))
    if not math.isfinite(spread):
        raise DataError(f"`{name}` span more than the largest float ({float(np.min(s)):.3g} "
                        f"to {float(np.max(s)):.3g}), so their differences overflow. Only "
                        f"differences matter: shrink the scores (a gap of 40 already makes "
                        f"an outcome certain to double precision).")
    return sc


def _categorical(codes, labels):
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(labels))


def _run(s_items, s, design, mdl, theta, pool, labels_per_pair, ensure_mle, rng, params=None,
         order=None, n_categories=None):
    """Validate what is shared, draw (with the MLE rejection loop), return the pieces:
    ``(centred scores, drawn labels, attempts, theta, outcome spec, extra frame columns)``."""
    spec = _outcomes_iv(mdl, params, n_categories, theta, "theta")
    if pool is not None and not spec.pairwise:
        raise ValueError(
            f"`annotators` are available for the binary and threshold-tie models without an "
            f"order effect `h` (an annotator's position_bias plays its part); for the "
            f"{mdl.name} model{' with an order effect' if spec.has_h else ''} drop "
            f"`annotators`, the outcomes are then drawn from the model itself.")
    _v.check_number(labels_per_pair, "labels_per_pair", low=1, integer=True)
    labels_per_pair = int(labels_per_pair)
    if pool is None and labels_per_pair > 1:
        raise ValueError("`labels_per_pair` > 1 needs an annotator pool (`annotators=`); "
                         "for repeated comparisons without annotators use a design with "
                         "more comparisons, e.g. round_robin(n_items, k).")
    if pool is not None and labels_per_pair > len(pool):
        raise ValueError(f"`labels_per_pair` ({labels_per_pair}) must not exceed the number of "
                         f"annotators ({len(pool)}): each label comes from a different "
                         f"annotator.")
    if ensure_mle is None:
        ensure_mle = design.ensure_mle
    _check_rows(design.n_comparisons * labels_per_pair, "labels_per_pair", labels_per_pair,
                f"The design has {design.n_comparisons:,} comparisons; label each fewer "
                f"times.")
    a, b = _design_codes(design, s_items)
    if isinstance(order, str) and order == "random":
        if not spec.has_h:
            _order_iv(order, a.shape[0], False)
        o = rng.integers(0, 2, a.shape[0]) * 2.0 - 1.0
    else:
        o = _order_iv(order, a.shape[0], spec.has_h)
    n = s.shape[0]
    sc = _centred(s, "scores")
    if ensure_mle:
        _check_connected(n, a, b)
    attempts = 0
    while True:
        attempts += 1
        drawn, k = _draw(mdl, sc, spec, a, b, o, pool, labels_per_pair, rng)
        if not ensure_mle or _mle_exists(n, drawn[0], drawn[1], drawn[2], mdl.has_ties):
            break
        if attempts >= MAX_MLE_ATTEMPTS:
            raise NoMLEError(
                f"`ensure_mle=True`: none of {MAX_MLE_ATTEMPTS} draws of the outcomes gave a "
                f"strongly connected win graph (a finite MLE). The design is too sparse for "
                f"these scores: add comparisons, shrink the score spread, or keep "
                f"ensure_mle=False and fit with penalty=.")
    extra = {}
    if spec.graded:
        extra["grade"] = spec.grades(k)
    if spec.has_h:
        extra["order"] = o.astype(np.int8)
    theta = None if theta is None or not mdl.has_ties else float(theta)
    return sc, drawn, attempts, theta, spec, extra


def _frame(items, drawn, pool, extra=None, family_cols=None):
    a, b, outcome, who, b_first = drawn
    cols = {"item_a": _categorical(a, items), "item_b": _categorical(b, items),
            "outcome": outcome}
    cols.update(family_cols or {})
    if who is not None:
        cols["annotator"] = _categorical(who, pool.index)
    for name, col in (extra or {}).items():
        cols[name] = col
    if b_first is not None:
        cols["position"] = _categorical(b_first, pd.Index(["a", "b"]))
    return pd.DataFrame(cols, copy=False)


def simulate(scores: ArrayLike | pd.Series, design: Any, *,
             model: str | Model = "bradley-terry", theta: float | None = None,
             params: Any = None, order: ArrayLike | None = None,
             n_categories: int | None = None, annotators: int | pd.DataFrame | None = None,
             labels_per_pair: int = 1, ensure_mle: bool | None = None,
             rng: int | np.random.Generator | None = None) -> Simulation:
    r"""Simulate comparisons of items with known scores.

    Parameters
    ----------
    scores : pandas.Series or array_like
        True scores (log-strengths) by item; a Series' index gives the item labels, an
        array gives labels ``0 .. n - 1``.  Finite, at least two items; only differences
        matter (they are centred in :attr:`Simulation.scores`).
    design : Design or array_like
        The comparisons (:func:`round_robin`, :func:`random_pairs`,
        :func:`sparse_connected`), or an ``(m, 2)`` array of pairs (:func:`given_pairs`).
    model : str, default "bradley-terry"
        The model of the outcomes (:mod:`btstats.models`): ``"bradley-terry"``,
        ``"thurstone"``, ``"rao-kupper"``, ``"glenn-david"``, ``"davidson"``, ``"graded"``
        or ``"graded-probit"`` (or an alias, or a :class:`btstats.Model`).
    theta : float, optional
        Tie parameter ``theta >= 1`` of Rao-Kupper or Glenn-David (threshold
        ``eta = log(theta)``): required for them unless ``params`` has ``"eta"``, refused
        for the others.
    params : dict or pandas.Series, optional
        The true parameters beyond the scores, named as in
        :attr:`btstats.estimation.core.CoreFit.params` (a fit's ``params`` can be passed as it is):
        ``"h"`` an order (home / position) effect, ``"eta"`` the threshold of Rao-Kupper or
        Glenn-David (instead of ``theta``), ``"nu"`` Davidson's tie parameter (required for
        it, ``>= 0``), ``"t1" .. "tp"`` the thresholds of a graded model
        (``0 <= t1 <= ... <= tp``).  E.g. ``params={"h": 0.3, "nu": 0.8}``.
    order : None, "random" or array_like, optional
        Order indicator of side a in each comparison of the design (needs ``"h"`` in
        ``params``): ``+1`` a at home / shown first, ``-1`` b, ``0`` neutral, as a scalar
        or one per comparison; ``"random"`` draws ``+1`` or ``-1`` with probability 1/2 for
        each comparison (before the outcomes).  Default with ``"h"``: ``+1`` on every row
        (side a at home, as in arena data; :func:`round_robin` alternates the sides by
        round, so every pair plays at both homes).
    n_categories : int, optional
        Graded models only: the number of grades ``K``.  With ``p`` thresholds it is
        ``2p + 1`` (grades ``-p .. p``, ``0`` a tie; the default) or ``2p + 2`` (grades
        ``-(p + 1) .. -1, 1 .. p + 1``, no tie).
    annotators : None, int or pandas.DataFrame
        Who labels the comparisons: ``None`` (the model itself), a number of identical
        annotators, or a pool from :func:`annotator_pool` (columns among ``beta``,
        ``position_bias``, ``position_lapse``, ``tie_propensity``, index the labels).
        Only for the binary and threshold-tie models without ``"h"``.
    labels_per_pair : int, default 1
        Annotators labelling each comparison, chosen uniformly without replacement from the
        pool (at most its size), so repeated labels of one comparison exist for agreement
        studies.  Needs ``annotators``.
    ensure_mle : bool, optional
        Redraw the outcomes (up to :data:`MAX_MLE_ATTEMPTS` times) until the win graph is
        strongly connected, i.e. a finite MLE of every score exists; ties count both ways
        only for a model with ties.  Default: the design's setting
        (:func:`sparse_connected`).  See the Notes there on what this conditioning means.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Simulation
        The data (``sim.data``, the long format :func:`btstats.fit` reads: with a ``grade``
        column for a graded model, an ``order`` column with ``"h"``) and the truth
        (``sim.scores``, ``sim.params``).

    Raises
    ------
    NoMLEError
        With ``ensure_mle``, when no draw had a finite MLE.

    Notes
    -----
    With ``d = s_a - s_b``, a link ``F`` and the tie threshold ``eta = log(theta)``
    (``0`` without ties)::

        P(a wins) = F(d - eta),   P(b wins) = F(-d - eta),   P(tie) = 1 - both

    and each outcome is one uniform inverted against these, computed by the fit's own link
    code (:meth:`btstats.Model.rvs`).  With an order effect ``d`` becomes
    ``z = d + h * order``; Davidson's ties and the graded categories are drawn the same way
    from the outcome families the general core fits (:mod:`btstats._kernels.families`):
    ``P(a) : P(tie) : P(b) = e^{z/2} : nu : e^{-z/2}`` (Davidson) and
    ``P(grade <= g) = F(c_g - z)`` with the symmetric cutpoints
    ``c = (-tp, ..., -t1, t1, ..., tp)`` (with a ``0`` in the middle for even ``K``).

    With annotators, each label is drawn by an annotator chosen uniformly from the pool
    (distinct ones for the labels of one comparison), who is shown the two items in a random
    order (``position``) and answers as described in :func:`annotator_pool`: a tie with
    probability ``t``, else the side her position lapse ``q`` favours with probability
    ``|q|``, else the model at ``beta * d + gamma * x`` with her position bias ``gamma``
    (``x = +1`` if a was shown first, ``-1`` if b was).

    References
    ----------
    .. [1] Bradley, R. A. and Terry, M. E. (1952). Rank analysis of incomplete block
       designs I. Biometrika 39, 324-345.
    .. [2] Rao, P. V. and Kupper, L. L. (1967). Ties in paired-comparison experiments: a
       generalization of the Bradley-Terry model. JASA 62, 194-204.
    .. [3] Sun, H., Shen, Y. and Ton, J.-F. (2024). Rethinking Bradley-Terry models in
       preference-based reward modeling: foundations, theory, and alternatives.
       arXiv:2411.04991.

    Examples
    --------
    >>> import pandas as pd, btstats
    >>> from btstats.simulate import simulate, round_robin
    >>> truth = pd.Series([2.0, 1.0, 0.5, -0.5, -1.5], index=list("ABCDE"))
    >>> sim = simulate(truth, round_robin(5, 40), rng=7)
    >>> sim
    Simulation(bradley-terry, 5 items, 400 rows, round-robin design)
    >>> sim.data.head(3)
      item_a item_b  outcome
    0      A      B      1.0
    1      A      C      0.0
    2      A      D      1.0
    >>> res = btstats.fit(sim.data)
    >>> sim.compare(res).round(2)
          true  fitted  error
    item
    A      1.7    1.74   0.04
    B      0.7    0.63  -0.07
    C      0.2    0.38   0.18
    D     -0.8   -0.85  -0.05
    E     -1.8   -1.90  -0.10

    Graded outcomes with a home effect, fitted back by the general core:

    >>> sim = simulate(truth, round_robin(5, 100), model="graded",
    ...                params={"h": 0.3, "t1": 0.4, "t2": 1.5}, rng=7)
    >>> sim
    Simulation(graded, h=0.3, t1=0.4, t2=1.5, 5 items, 1,000 rows, round-robin design)
    >>> sim.data.head(3)
      item_a item_b  outcome  grade  order
    0      A      B      1.0      1      1
    1      A      C      0.5      0      1
    2      A      D      1.0      2      1
    >>> res = btstats.fit(sim.data, "graded", order_effect=True)
    >>> res.params.round(2)
    h     0.37
    t1    0.42
    t2    1.50
    Name: estimate, dtype: float64
    """
    mdl = get_model(model)
    items, s = _scores_iv(scores)
    if not isinstance(design, Design):
        design = given_pairs(design)
    pool = _annotators_iv(annotators)
    if ensure_mle is not None and not isinstance(ensure_mle, (bool, np.bool_)):
        raise ValueError(f"`ensure_mle` must be None, True or False; got {ensure_mle!r}.")
    rng = _v.as_generator(rng)
    sc, drawn, attempts, theta, spec, cols = _run(items, s, design, mdl, theta, pool,
                                                  labels_per_pair, ensure_mle, rng, params,
                                                  order, n_categories)
    return Simulation(data=_frame(items, drawn, pool, family_cols=cols),
                      scores=pd.Series(sc, index=items, name="score"),
                      utilities=pd.Series(s, index=items, name="utility"),
                      model=mdl.name, theta=theta, annotators=pool, design=design,
                      attempts=attempts, params=_params_series(spec),
                      n_categories=spec.n_categories)


def _params_series(spec):
    """The parameters beyond the scores as :attr:`btstats.estimation.core.CoreFit.params` names them."""
    return pd.Series(spec.values, index=pd.Index(list(spec.names), dtype=object),
                     dtype=float, name="param")


def _pairing_pairs(pairing, utility, n_prompts, r, k, rng):
    """Codes of the response pairs of each pairing; responses of prompt p are p*r .. p*r+r-1."""
    m = n_prompts * k
    prompt = np.repeat(np.arange(n_prompts, dtype=np.int32), k)
    if pairing == "same-prompt":
        i = rng.integers(0, r, m, dtype=np.int32)
        j = rng.integers(0, r - 1, m, dtype=np.int32)
        j += j >= i
        a, b = prompt * r + i, prompt * r + j
    elif pairing == "cross-prompt":
        other = rng.integers(0, n_prompts - 1, m, dtype=np.int32)
        other += other >= prompt
        a = prompt * r + rng.integers(0, r, m, dtype=np.int32)
        b = other * r + rng.integers(0, r, m, dtype=np.int32)
    else:
        ranked = np.argsort(utility.reshape(n_prompts, r), axis=1, kind="stable")
        if pairing == "similar":
            mid = (r - 1) // 2
            lower = sorted(range(r - 1), key=lambda c: (abs(c - mid), c))[:k]
            lo = np.array(lower)
            hi = lo + 1
        else:   # diversified
            lo = np.arange(k)
            hi = r - 1 - lo
        a = (np.arange(n_prompts)[:, None] * r + ranked[:, lo]).ravel()
        b = (np.arange(n_prompts)[:, None] * r + ranked[:, hi]).ravel()
        flip = rng.random(m) < 0.5
        a, b = np.where(flip, b, a), np.where(flip, a, b)
    return a.astype(np.int32), b.astype(np.int32), prompt


def simulate_annotation(n_prompts: int, responses_per_prompt: int, *,
                        pairs_per_prompt: int = 1, pairing: str = "same-prompt",
                        prompt_sd: float = 1.0, response_sd: float = 1.0,
                        n_annotators: int = 1, beta: float = 1.0, position_bias: float = 0.0,
                        position_lapse: float = 0.0, tie_propensity: float = 0.0,
                        labels_per_pair: int = 1, model: str | Model = "bradley-terry",
                        theta: float | None = None,
                        rng: int | np.random.Generator | None = None) -> Simulation:
    r"""Simulate RLHF-style preference annotation: prompts, responses, annotators.

    Prompt ``p`` has effect ``mu_p ~ N(0, prompt_sd**2)``; its response ``i`` has utility
    ``u_pi = mu_p + e_pi`` with ``e_pi ~ N(0, response_sd**2)``, all independent.  Each
    response is an item (labelled ``p<p>_r<i>``), so the true scores are the centred
    utilities.  Pairs of responses are formed by ``pairing`` and labelled by a pool of
    annotators (:func:`annotator_pool`) as in :func:`simulate`.

    Parameters
    ----------
    n_prompts : int
        Number of prompts (at least 2 for cross-prompt pairs).
    responses_per_prompt : int
        Responses per prompt, at least 2.
    pairs_per_prompt : int, default 1
        Comparisons formed per prompt (``n_prompts * pairs_per_prompt`` in all); at most
        ``responses_per_prompt - 1`` for ``"similar"`` and ``responses_per_prompt // 2`` for
        ``"diversified"``.
    pairing : {"same-prompt", "cross-prompt", "similar", "diversified"}
        How the two responses of a comparison are chosen, for each prompt ``p``:

        - ``"same-prompt"``: two different responses of ``p``, uniformly at random;
        - ``"cross-prompt"``: a random response of ``p`` against a random response of a
          random other prompt;
        - ``"similar"``: the two middle-ranked responses of ``p`` by true utility (ranks
          ``floor((r-1)/2)`` and the next, from the bottom); further pairs are the adjacent
          ranks next closest to the middle;
        - ``"diversified"``: the best against the worst response of ``p``; further pairs
          second best against second worst, and so on.

        ``"similar"`` and ``"diversified"`` select by the true utilities (an oracle; in
        practice a proxy reward does it) and list the pair in random order.
    prompt_sd, response_sd : float, default 1
        Spreads of the prompt and response effects, ``>= 0``.
    n_annotators : int, default 1
        Size of the annotator pool.
    beta, position_bias, position_lapse, tie_propensity : float or array_like
        Annotator parameters, scalars or one per annotator (:func:`annotator_pool`).
    labels_per_pair : int, default 1
        Distinct annotators labelling each comparison.
    model : str, default "bradley-terry"
        The annotators' link (and tie threshold): ``P(correct) = F(beta |delta u|)``.
    theta : float, optional
        Tie parameter for ``model="rao-kupper"``.
    rng : None, int or numpy.random.Generator
        Source of randomness.

    Returns
    -------
    Simulation
        ``data`` has ``item_a``, ``item_b``, ``outcome``, ``annotator``, ``prompt`` (the
        prompt of both responses; ``prompt_a`` and ``prompt_b`` for cross-prompt pairs)
        and ``position``; ``utilities`` are the uncentred ``u``, ``item_info`` gives each
        response's prompt and effects.

    Notes
    -----
    Same-prompt pairs differ by ``u_1 - u_2 = e_1 - e_2 ~ N(0, 2 response_sd**2)``; cross-
    prompt pairs by ``N(0, 2 (prompt_sd**2 + response_sd**2))``, so their mean absolute
    difference is larger by ``sqrt(1 + prompt_sd**2 / response_sd**2)`` and, under the
    cognitive-bottleneck model ``P(correct) = sigma(beta |delta u|)``, their labels are
    more often correct (Sun, Shen & Ton 2024, Proposition 10 and Example 1;
    :func:`annotation_accuracy` gives the expected accuracy).  Same-prompt data compare
    responses only within a prompt: their comparison graph has one component per prompt,
    so a fit needs ``penalty=`` and identifies utilities only within each prompt.

    References
    ----------
    .. [1] Sun, H., Shen, Y. and Ton, J.-F. (2024). Rethinking Bradley-Terry models in
       preference-based reward modeling: foundations, theory, and alternatives.
       arXiv:2411.04991.

    Examples
    --------
    >>> from btstats.simulate import simulate_annotation
    >>> sim = simulate_annotation(3, 4, pairs_per_prompt=2, n_annotators=2, rng=0)
    >>> sim.data
      item_a item_b  outcome annotator prompt position
    0  p0_r3  p0_r0      1.0      ann0     p0        a
    1  p0_r0  p0_r1      0.0      ann0     p0        a
    2  p1_r0  p1_r2      0.0      ann0     p1        b
    3  p1_r3  p1_r1      0.0      ann1     p1        a
    4  p2_r0  p2_r2      0.0      ann1     p2        b
    5  p2_r2  p2_r0      0.0      ann1     p2        b
    >>> sim.item_info.round(3).head(2)
          prompt  prompt_effect  response_effect  utility
    item
    p0_r0     p0          0.126            0.105    0.231
    p0_r1     p0          0.126           -0.536   -0.410
    """
    n_prompts = int(_v.check_number(n_prompts, "n_prompts", low=1, integer=True))
    r = int(_v.check_number(responses_per_prompt, "responses_per_prompt", integer=True))
    if r < 2:
        raise ValueError(f"`responses_per_prompt` must be >= 2: a pair needs two responses; "
                         f"got {r}.")
    k = int(_v.check_number(pairs_per_prompt, "pairs_per_prompt", low=1, integer=True))
    _v.check_choice(pairing, "pairing", PAIRINGS)
    prompt_sd = float(_v.check_number(prompt_sd, "prompt_sd", low=0.0))
    response_sd = float(_v.check_number(response_sd, "response_sd", low=0.0))
    if pairing == "cross-prompt" and n_prompts < 2:
        raise ValueError("`pairing='cross-prompt'` needs `n_prompts` >= 2.")
    limit = {"similar": r - 1, "diversified": r // 2}.get(pairing)
    if limit is not None and k > limit:
        raise ValueError(f"`pairs_per_prompt` must be <= {limit} for pairing={pairing!r} with "
                         f"{r} responses per prompt; got {k}.")
    if prompt_sd == 0.0 and response_sd == 0.0:
        raise ValueError("`prompt_sd` and `response_sd` are both 0: every response would have "
                         "the same utility, so there would be nothing to prefer.")
    if n_prompts * r > _MAX_ITEMS:
        raise ValueError(f"`n_prompts` x `responses_per_prompt` = {n_prompts * r:,} responses "
                         f"(items) is more than the {_MAX_ITEMS:,} a design's 32-bit item "
                         f"codes hold; use fewer prompts or responses.")
    # per response: its effects, utility, label and the item_info row
    _check_items(n_prompts * r, "n_prompts", n_prompts,
                 f"{n_prompts:,} prompts x {r:,} responses each are {n_prompts * r:,} items; "
                 f"use fewer prompts or responses.", bytes_per_item=3 * _BYTES_PER_ITEM)
    mdl = pairwise_model(model, "simulate_annotation")
    pool = annotator_pool(n_annotators, beta=beta, position_bias=position_bias,
                          position_lapse=position_lapse, tie_propensity=tie_propensity)
    if isinstance(labels_per_pair, numbers.Integral) and labels_per_pair >= 1:
        _check_rows(n_prompts * k * int(labels_per_pair), "pairs_per_prompt", k,
                    f"{n_prompts:,} prompts x {k:,} pairs x {int(labels_per_pair):,} labels "
                    f"is too many; use fewer pairs per prompt or fewer labels per pair.")
    rng = _v.as_generator(rng)

    mu = rng.normal(0.0, prompt_sd, n_prompts)
    e = rng.normal(0.0, response_sd, n_prompts * r)
    with np.errstate(over="ignore", invalid="ignore"):
        utility = np.repeat(mu, r) + e
        spread = float(np.max(utility) - np.min(utility))
    if not math.isfinite(spread):
        raise ValueError(f"`prompt_sd` = {prompt_sd:g} and `response_sd` = {response_sd:g} "
                         f"give utilities whose differences overflow; use spreads of at most "
                         f"a few dozen (a gap of 40 already makes a label certain).")
    wp = len(str(n_prompts - 1))
    wr = len(str(r - 1))
    prompts = pd.Index([f"p{p:0{wp}d}" for p in range(n_prompts)])
    items = pd.Index([f"p{p:0{wp}d}_r{i:0{wr}d}" for p in range(n_prompts) for i in range(r)])
    a, b, prompt = _pairing_pairs(pairing, utility, n_prompts, r, k, rng)
    design = _design(a, b, len(items), pairing)
    sc, drawn, attempts, theta, spec, _ = _run(items, utility, design, mdl, theta, pool,
                                               labels_per_pair, False, rng)
    rep = int(labels_per_pair)
    if pairing == "cross-prompt":
        extra = {"prompt_a": _categorical(np.repeat(a // r, rep), prompts),
                 "prompt_b": _categorical(np.repeat(b // r, rep), prompts)}
    else:
        extra = {"prompt": _categorical(np.repeat(prompt, rep), prompts)}
    info = pd.DataFrame({"prompt": np.repeat(prompts, r), "prompt_effect": np.repeat(mu, r),
                         "response_effect": e, "utility": utility},
                        index=pd.Index(items, name="item"))
    return Simulation(data=_frame(items, drawn, pool, extra),
                      scores=pd.Series(sc, index=items, name="score"),
                      utilities=pd.Series(utility, index=items, name="utility"),
                      model=mdl.name, theta=theta, annotators=pool, design=design,
                      item_info=info, attempts=attempts, params=_params_series(spec),
                      n_categories=spec.n_categories)
