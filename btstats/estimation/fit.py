"""fit(): validate, check the comparison graph, dispatch to a solver, build the result."""
import math
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _progress
from .. import _validation as _v
from .._kernels import gradient as _gradient
from .._kernels import likelihood as _likelihood
from .._kernels import links as _links
from .._kernels import mm as _mm
from .._kernels import newton as _newton
from . import core as _core
from . import structured as _structured
from .._checks import COVARIANCE_TYPES, DENSE_MAX, METHODS, _status_message, check_mle_exists
from ..data.comparisons import Comparisons, as_comparisons
from ..exceptions import ConvergenceWarning, DataError, TiesError
from ..inference.bootstrap import BootstrapResult
from ..models.model import Model, get_model
from .results import PairwiseFit

__all__ = ["fit", "bootstrap"]

_DEFAULT_MAX_ITER = {"newton": 100, "mm": 10_000, "gradient": 20_000}
_DEFAULT_TOL = 1e-10


def fit(data: Comparisons | pd.DataFrame | str | os.PathLike[str],
        model: str | Model = "bradley-terry", *, method: str = "auto", penalty: float = 0.0,
        ties: str | None = None, tol: float | None = None, max_iter: int | None = None,
        covariance_type: str = "observed", order_effect: bool = False,
        covariates: str | Sequence[str] | None = None,
        item_covariates: pd.DataFrame | None = None, item_effects: bool = False,
        link: str | None = None, **columns: Any) -> PairwiseFit:
    r"""Fit a paired-comparison model by maximum likelihood (or MAP with ``penalty``).

    Parameters
    ----------
    data : Comparisons, DataFrame or path
        The comparisons.  A DataFrame or a file is read with
        :meth:`Comparisons.from_frame` (column roles inferred from the names, or given as
        keyword arguments such as ``winner="w"``).
    model : {"bradley-terry", "thurstone", "rao-kupper", "glenn-david", "davidson", "graded"}
        The model; see :mod:`btstats.models`.  ``"glenn-david"`` is Thurstone with threshold
        ties, ``"davidson"`` Davidson's (1970) ties, ``"graded"`` a cumulative link with
        symmetric thresholds for graded outcomes (a ``grade`` column, ``-m .. m``).  Or a
        composed model, ``btstats.Model(link="probit", ties="threshold")`` (which is
        ``"glenn-david"``).
    method : {"auto", "newton", "mm", "gradient"}
        ``"auto"`` (the default) runs the fastest solver that reaches ``tol`` for the model
        and data, and the result's :attr:`~PairwiseFit.method` says which ran: Newman's MM
        for Bradley-Terry without a penalty, order effect or covariates (on 100 items and
        10**6 comparisons 0.3 ms against 2.3 ms for Newton; on 10,000 sparse items 60 ms
        against 0.5 s), run to ``tol / 100`` so that its estimate is as accurate as Newton's
        at ``tol`` (MM converges linearly, Newton quadratically), and continued by Newton
        from where it stopped if it has not converged in 500 iterations; Newton for every
        other model (Hunter's MM for Rao-Kupper is 7-20x slower than Newton).
        ``"newton"``: safeguarded Newton in the sum-to-zero subspace (joint in the scores and
        ``eta`` for Rao-Kupper), dense Cholesky for up to 500 items, preconditioned conjugate
        gradients beyond.  ``"mm"``: Newman's (2023) iteration for Bradley-Terry, Hunter's
        (2004) MM for Rao-Kupper; Thurstone has none.  ``"gradient"``: gradient ascent with
        mean anchoring after every step and Armijo backtracking.
    penalty : float, default 0
        L2 prior on the centred scores: maximise ``l(s) - penalty / 2 * sum(s**2)`` (the MAP
        under independent ``N(0, 1 / penalty)`` priors).  With ``penalty > 0`` an estimate
        exists for every comparison graph.  Not available with ``method="mm"``.
    ties : {None, "drop", "half"}
        What to do with ties under a model without a tie parameter: ``None`` raises
        :class:`TiesError`, ``"drop"`` ignores them, ``"half"`` counts each as half a win
        each way (as arena leaderboards do).  Tie models use the ties as they are.
    tol : float, optional
        Stop when ``max_i |g_i| / h_ii < tol``, with ``g`` the gradient of the (penalised)
        log-likelihood and ``h_ii`` the diagonal of the information (plus ``penalty``), and
        the same for ``eta``: the largest one-coordinate Newton step, an estimate of the
        distance to the optimum on the score scale.  Default ``1e-10``.
    max_iter : int, optional
        Iteration limit (default 100 for Newton, 10,000 for MM, 20,000 for gradient).
    covariance_type : {"observed", "expected", "sandwich", "cluster"}
        Covariance of the estimates: the inverse observed information (the Hessian), the
        inverse expected (Fisher) information (they coincide for Bradley-Terry), the sandwich
        ``J^-1 G J^-1`` with ``G`` the sum of outer products of per-comparison scores
        (robust to misspecification), or its cluster-robust version (scores summed within
        each cluster; the cluster column is the ``cluster=`` column role, e.g.
        ``fit(df, covariance_type="cluster", cluster="prompt")``).  See
        :meth:`PairwiseFit.with_covariance`.
    order_effect : bool, default False
        Estimate an order / home effect ``h``: the linear predictor becomes
        ``z = s_a - s_b + h o`` with ``o`` the order column (+1: ``item_a`` at home or shown
        first, -1: ``item_b``, 0: neutral).  For arena data ``model_a`` was shown first, so
        ``h`` is the position bias.  Fitted by the general core (``method="newton"``).
    covariates : list of str, optional
        Comparison-level covariates: names of numeric columns of the comparison rows (of
        ``data``'s frame, or of ``Comparisons.extra`` for data built with
        ``Comparisons.from_frame(df, covariates=[...])``).  The linear predictor becomes
        ``z = s_a - s_b + h o + x' beta``, with ``x`` a row's values for its first item
        (``item_a``, or the winner in the winner / loser layout) against its second: they
        are antisymmetric, so swapping the sides negates them (a length difference, a
        style feature).  Every model and family takes them; the coefficients are named by
        the covariates in :attr:`CoreFit.params` and :attr:`CoreFit.coefficients`.  Fitted
        by the general core on cells of distinct (pair, order, covariate values, outcome):
        with continuous covariates about one cell per row.  Existence: besides the win
        graph (a covariate cannot rescue an item that never loses; :class:`NoMLEError` as
        without covariates), each covariate alone is checked for separating the outcomes
        (then :class:`NoMLEError` names it); separation along a combination of covariates is
        not looked for, and shows as a :class:`ConvergenceWarning`.
    item_covariates : DataFrame, optional
        Structured scores (BradleyTerry2's ``BTm(..., ~ x1[..] + x2[..])``): a frame indexed
        by item label, one numeric column per item covariate (all columns are used: pass
        ``frame[[...]]`` for a subset).  Each score is ``s_i = x_i' beta``, so the predictor
        is ``z = (x_a - x_b)' beta`` (+ the order effect, ``covariates`` and the family's
        parameters).  An item with a NaN in any column keeps its comparisons, has its
        covariates set to 0 and gets its own ability ``ability[<label>]`` (as BTm does); an
        item of the comparisons without a row is refused (:class:`DataError`).  Returns a
        :class:`~btstats.estimation.structured.StructuredFit`: ``scores`` are the implied
        scores centred to sum to zero, ``abilities`` the uncentred ones with standard errors,
        ``coefficients`` the table of ``beta`` and the separate items' abilities.
    item_effects : bool, default False
        With ``item_covariates``: add a free item effect, ``s_i = x_i' beta + u_i``, with the
        ridge ``penalty / 2 sum u_i^2`` (``penalty > 0`` required; not a random-effect fit).
    link : {"logit", "probit"}, optional
        Replaces the link of ``model``, keeping its outcome family: ``model="graded",
        link="probit"`` is the cumulative probit, ``model="rao-kupper", link="probit"`` is
        Glenn-David.  Default: the model's own link.
    **columns
        Column roles for a DataFrame or file (see :meth:`Comparisons.from_frame`).

    Returns
    -------
    PairwiseFit
        Scores centred to sum to zero, standard errors, log-likelihood and diagnostics.

    Raises
    ------
    NoMLEError
        When the win graph is not strongly connected and ``penalty == 0``, or when one
        covariate separates the outcomes; with ``item_covariates``, when an item with its
        own ability never loses or never wins, or one predictor column separates the
        outcomes (the message names it).
    TiesError
        When the data hold ties, the model has none and ``ties`` is not set.

    Notes
    -----
    With ``d = s_a - s_b``, a link ``F`` and a tie threshold ``eta >= 0``,
    ``P(a wins) = F(d - eta)``, ``P(b wins) = F(-d - eta)`` and
    ``P(tie) = F(d + eta) - F(d - eta)``; the log-likelihood is
    ``sum_pairs w_ab log P(a wins) + w_ba log P(b wins) + t_ab log P(tie)``.
    A finite MLE exists iff the directed graph with an edge ``a -> b`` whenever ``a`` beat
    ``b`` (ties in both directions for tie models) is strongly connected [1]_.

    References
    ----------
    .. [1] Hunter, D. R. (2004). MM algorithms for generalized Bradley-Terry models.
       Annals of Statistics 32(1), 384-406.
    .. [2] Newman, M. E. J. (2023). Efficient computation of rankings from pairwise
       comparisons. JMLR 24(238), 1-25.

    Examples
    --------
    >>> import btstats
    >>> res = btstats.fit(btstats.load_example("baseball"))
    >>> res.scores.round(4)
    Baltimore   -1.0502
    Boston       0.0575
    Cleveland   -0.3663
    Detroit      0.3862
    Milwaukee    0.5312
    New York     0.1974
    Toronto      0.2443
    Name: score, dtype: float64
    >>> round(res.loglik, 4)
    -172.2482
    """
    mdl = get_model(model, link)
    _v.check_choice(method, "method", METHODS)
    _v.check_choice(order_effect, "order_effect", (False, True))
    _v.check_choice(ties, "ties", (None, "drop", "half"))
    _v.check_choice(covariance_type, "covariance_type", COVARIANCE_TYPES)
    covariates = _v.covariate_names(covariates)
    _v.check_choice(item_effects, "item_effects", (False, True))
    penalty = float(_v.check_number(penalty, "penalty", low=0.0))
    tol = _DEFAULT_TOL if tol is None else float(_v.check_number(tol, "tol", low=0.0,
                                                                  low_open=True))
    auto = method == "auto"
    if auto:
        method = _auto_method(mdl, penalty, order_effect, covariates, item_covariates)
    if max_iter is None:
        max_iter = _DEFAULT_MAX_ITER[method]
    max_iter = int(_v.check_number(max_iter, "max_iter", low=1, integer=True))
    if method == "mm" and mdl.link != _links.LOGISTIC:
        raise ValueError(f"method='mm' has no MM iteration for the {mdl.name} model (a probit "
                         f"link); use method='newton' or method='gradient'.")
    if method == "mm" and penalty > 0:
        raise ValueError("method='mm' does not take a penalty; use method='newton' or "
                         "method='gradient' with penalty > 0.")

    if covariates and not isinstance(data, Comparisons):
        columns["covariates"] = list(covariates)
    comparisons = as_comparisons(data, **columns)
    if covariance_type == "cluster" and (comparisons.extra is None or
                                         "cluster" not in comparisons.extra.columns):
        raise DataError("covariance_type='cluster' needs a cluster column: name it with "
                        "cluster='<column>' (e.g. fit(df, covariance_type='cluster', "
                        "cluster='prompt')), or use PairwiseFit.with_covariance('cluster', "
                        "cluster=labels).")
    if comparisons.n_items < 2:
        raise DataError("only one item: scores need comparisons between at least two items.")
    if item_covariates is not None:
        res = _structured.fit_structured(
            comparisons, mdl, item_covariates, item_effects=item_effects, method=method,
            penalty=penalty, ties=ties, tol=tol, max_iter=max_iter,
            order_effect=bool(order_effect), covariates=covariates)
        if not res.converged:
            warnings.warn(res.message, ConvergenceWarning, stacklevel=2)
        if covariance_type != "observed":
            res = res.with_covariance(covariance_type)
        return res
    if item_effects:
        raise ValueError("item_effects=True is the free item effect of a fit with "
                         "`item_covariates` (s_i = x_i' beta + u_i); without item covariates "
                         "the scores are the item effects.")
    if order_effect or covariates or not mdl.pairwise_kernel:
        _progress.announce("core")
        if covariance_type == "cluster" and (comparisons.extra is None or
                                             "cluster" not in comparisons.extra.columns):
            raise DataError("covariance_type='cluster' needs a cluster column: name it with "
                            "cluster='<column>'.")
        res = _core.fit_core(comparisons, mdl, method=method, penalty=penalty, ties=ties,
                             tol=tol, max_iter=max_iter, order_effect=bool(order_effect),
                             covariates=covariates)
        if not res.converged:
            warnings.warn(res.message, ConvergenceWarning, stacklevel=2)
        if covariance_type != "observed":
            res = res.with_covariance(covariance_type)
        return res
    _progress.announce("fit", *(("newton",) if method == "newton" else ()))
    counts = _counts_for_model(comparisons, mdl, ties)
    n = comparisons.n_items
    if penalty == 0.0 and counts.n_pairs >= _OVERLAP_PAIRS:
        # the existence check and the start values are independent passes over the pairs
        # (both release the GIL): on two cores they overlap (10**5 items, 5 x 10**6 pairs:
        # 45 + 25 ms -> 45 ms)
        with ThreadPoolExecutor(max_workers=1) as pool:
            started = pool.submit(_scaled_start, counts, penalty, n)
            check_mle_exists(counts, comparisons.items, mdl.has_ties)
            pi, pj, wab, wba, tie, solver_penalty, s, n_total = started.result()
    else:
        if penalty == 0.0:
            check_mle_exists(counts, comparisons.items, mdl.has_ties)
        pi, pj, wab, wba, tie, solver_penalty, s, n_total = _scaled_start(counts, penalty, n)
    eta = _start_eta(mdl, counts, n_total)
    fit_eta = mdl.has_ties
    threaded = _mm.threads(pi.shape[0], n)       # None: the plain pass (small data)
    if threaded and method in ("mm", "auto") and not fit_eta:
        _progress.announce("threaded_fit")

    if method == "newton":
        status, n_iter, eta, gnorm = _newton.newton(
            mdl.link, fit_eta, s, eta, pi, pj, wab, wba, tie, solver_penalty, tol, max_iter,
            DENSE_MAX)
    elif method == "gradient":
        status, n_iter, eta, gnorm = _gradient.gradient_ascent(
            mdl.link, fit_eta, s, eta, pi, pj, wab, wba, tie, solver_penalty, tol, max_iter)
    elif fit_eta:
        status, n_iter, eta, gnorm = _mm.mm_rao_kupper(s, eta, pi, pj, wab, wba, tie, tol,
                                                        max_iter)
    elif auto:
        status, n_iter, gnorm = _mm.mm_bradley_terry(s, pi, pj, wab, wba, tie, tol * 1e-2,
                                                     min(max_iter, _AUTO_MM_ITER), threaded)
        if status != 0 and gnorm <= tol and math.isfinite(gnorm):
            status = 0          # tol reached; only the extra accuracy was not
        if status != 0:
            # slow (or stalled) MM: Newton from where it stopped
            s_mm = s.copy()
            status, n_more, eta, gnorm = _newton.newton(
                mdl.link, fit_eta, s, eta, pi, pj, wab, wba, tie, solver_penalty, tol,
                _DEFAULT_MAX_ITER["newton"], DENSE_MAX)
            n_iter += n_more
            method = "newton"
            if not np.all(np.isfinite(s)):
                s[:] = s_mm
    else:
        status, n_iter, gnorm = _mm.mm_bradley_terry(s, pi, pj, wab, wba, tie, tol, max_iter,
                                                     threaded)
    converged, message = _status_message(status, n_iter, gnorm, tol, method)
    # (only a tie term can be -inf at a finite estimate: log P(tie) underflows as eta -> 0)
    if converged and fit_eta and not math.isfinite(float(_likelihood.loglik(
            mdl.link, s, eta, *counts.arrays()))):
        converged, message = False, (
            f"{method} stopped where the log-likelihood is not finite (score gaps or a tie "
            f"parameter beyond what double precision resolves for these counts); the "
            f"estimate is not an MLE. Add a small penalty= or try method='newton'.")
    if not converged:
        warnings.warn(message, ConvergenceWarning, stacklevel=2)
    res = PairwiseFit(model=mdl, method=method, comparisons=comparisons, counts=counts,
                      scores=s, eta=eta if fit_eta else None, penalty=penalty,
                      n_iter=int(n_iter), converged=converged, message=message,
                      gradient_norm=float(gnorm), covariance_type="observed", ties=ties)
    if covariance_type != "observed":
        res = res.with_covariance(covariance_type)
    return res


#: ``method="auto"``: MM iterations before Newton takes over.
_AUTO_MM_ITER = 500


def _auto_method(mdl, penalty, order_effect, covariates, item_covariates):
    """The solver ``method="auto"`` runs: Newman's MM for Bradley-Terry on the pair counts
    (no penalty, order effect, covariates or item covariates), else Newton."""
    plain = (not order_effect and not covariates and item_covariates is None
             and mdl.pairwise_kernel and not mdl.has_ties and penalty == 0.0)
    return "mm" if plain and mdl.link == _links.LOGISTIC else "newton"


def bootstrap(data: Comparisons | pd.DataFrame | str | os.PathLike[str],
              model: str | Model = "bradley-terry", *, n_resamples: int = 1000,
              kind: str = "nonparametric", cluster: str | ArrayLike | None = None,
              method: str = "auto", penalty: float = 0.0, ties: str | None = None,
              order_effect: bool = False, covariates: str | Sequence[str] | None = None,
              link: str | None = None, degenerate: str = "penalize",
              fallback_penalty: float = 0.01, rng: int | np.random.Generator | None = None,
              progress: bool | None = None, **columns: Any) -> BootstrapResult:
    r"""Bootstrap distribution of the scores (and the other parameters): fit, resample, refit.

    ``bootstrap(data, ...)`` is ``fit(data, ...).bootstrap(...)`` in one call; the resampling
    itself lives in :mod:`btstats.inference.bootstrap`.

    Parameters
    ----------
    data : Comparisons, DataFrame or path
        The comparisons (as for :func:`btstats.fit`).
    model, method, penalty, ties, order_effect, covariates, link
        As for :func:`btstats.fit`; the replicates use the same model, method and penalty
        (and refit the covariates' coefficients).
    n_resamples : int, default 1000
        Number of bootstrap replicates.
    kind : {"nonparametric", "parametric"}
        ``"nonparametric"`` resamples comparisons (or whole clusters, with ``cluster``) with
        replacement; ``"parametric"`` redraws every comparison's outcome from the fitted model
        on the observed design (the same pairs, the same number of comparisons per pair, and
        per pair and order with ``order_effect``).
    cluster : str or array_like, optional
        Resample whole clusters instead of comparisons: the name of a per-row column (for a
        DataFrame, any of its columns, e.g. ``"prompt"``; for :class:`Comparisons`, one of its
        ``extra`` columns) or one cluster label per row.
    degenerate : {"penalize", "drop"}
        A replicate whose comparison graph has no finite MLE is refitted with
        ``penalty=fallback_penalty`` (``"penalize"``) or left out (``"drop"``); either way the
        count is reported (``n_degenerate``) with a :class:`DegenerateResampleWarning`.  With
        ``order_effect`` a replicate whose outcomes are separated along the order effect
        counts as degenerate too; the penalty bounds the scores only, so ``h`` may stay
        large in such a refit: ``"drop"`` leaves them out.
    fallback_penalty : float, default 0.01
        L2 penalty for degenerate replicates.
    rng : None, int or numpy.random.Generator
        Seeds the replicates; the result does not depend on the number of threads.
    progress : bool, optional
        Show a progress bar (default: when the run is expected to take over 2 seconds).
    **columns
        Column roles for a DataFrame or file (see :meth:`Comparisons.from_frame`).

    Returns
    -------
    BootstrapResult
        Its distribution holds the centred scores, then ``theta`` for the Rao-Kupper and
        Glenn-David fits of the pair counts, or the parameters of :attr:`CoreFit.params`
        (``h``, ``eta`` / ``nu`` / ``t1 .. tp``) for the fits of the general model core
        (Davidson, graded, any ``order_effect=True`` fit).

    Notes
    -----
    Resampling ``N`` comparison rows with replacement and aggregating them gives pair counts
    distributed as a multinomial over the (pair, outcome) cells with probabilities
    ``count / N``; btstats draws that multinomial directly (sequential binomials), so a replicate
    costs ``O(pairs)`` whatever the number of rows, and the result is exactly that of row
    resampling.  Fractional weights are read as counts, as the fit and its Wald standard
    errors read them: a replicate draws ``round(total weight)`` comparisons from the cells
    with probabilities proportional to their weights, so its standard errors agree with the
    Wald ones (weights must add up to at least one comparison).  To resample whole units
    instead (rows that stand for several comparisons, prompts, annotators), pass them as
    ``cluster``: whole clusters are then resampled (Davison and Hinkley 1997, section 3.8).
    Every replicate starts from the full-data estimate.

    The fits of the general model core are resampled the same way over their cells
    (pair, order, covariate values, outcome category): a multinomial draw of
    ``round(total weight)`` comparisons (a tie under ``ties="half"`` is one comparison adding
    half to each side), whole clusters, or, parametrically, each (pair, order, covariate
    values) group's count redrawn over the categories with the fitted probabilities.  A replicate is refitted by Newton on the
    cells, its first step taken from the full-data information (no extra likelihood pass).

    References
    ----------
    .. [1] Efron, B. and Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman
       and Hall.
    .. [2] Davison, A. C. and Hinkley, D. V. (1997). Bootstrap Methods and their Application.
       Cambridge University Press.

    Examples
    --------
    >>> import btstats
    >>> boot = btstats.bootstrap(btstats.load_example("baseball"), n_resamples=200, rng=1)
    >>> boot.n_resamples, boot.n_degenerate
    (200, 0)
    >>> ci = boot.confidence_interval(interval="percentile")
    >>> [round(float(x), 2) for x in (ci.low["Milwaukee"], ci.high["Milwaukee"])]
    [0.13, 1.04]
    """
    if isinstance(cluster, str) and not isinstance(data, Comparisons):
        columns.setdefault("cluster", cluster)
        cluster = "cluster"
    res = fit(data, model, method=method, penalty=penalty, ties=ties,
              order_effect=order_effect, covariates=covariates, link=link, **columns)
    return res.bootstrap(n_resamples=n_resamples, kind=kind, cluster=cluster,
                         degenerate=degenerate, fallback_penalty=fallback_penalty, rng=rng,
                         progress=progress)


#: The solvers see the weights rescaled by a power of two when every positive weight lies
#: above (or every one below) this range, so that no step rule, start value or rounding test
#: depends on the scale of the weights.
_WEIGHT_SCALE_RANGE = (2.0 ** -20, 2.0 ** 20)


#: Pairs from which the fit overlaps the existence check with the start values (threads).
_OVERLAP_PAIRS = 1 << 20


def _scaled_start(counts, penalty, n):
    """``(pi, pj, wab, wba, tie, solver_penalty, s, n_total)``: the solver's arrays
    (:func:`_solver_scale`) and the start values on them."""
    pi, pj, wab, wba, tie, solver_penalty = _solver_scale(counts, penalty)
    s, n_total = _likelihood.start_scores(n, pi, pj, wab, wba, tie)
    return pi, pj, wab, wba, tie, solver_penalty, s, n_total


def _solver_scale(counts, penalty):
    """The kernels' arrays ``(pi, pj, wab, wba, tie)`` and penalty, rescaled by a power of two
    ``c`` when all the weights are far above 1 (the smallest becomes about 1) or all far below
    it (the largest becomes about 1).

    Maximising ``c l(s) - c penalty / 2 |s|^2`` is maximising ``l(s) - penalty / 2 |s|^2``,
    and multiplying by a power of two is exact in floating point, so this changes no estimate:
    it keeps weights of ``1e-300`` or ``1e300`` away from the under- and overflow of the
    solvers' intermediate sums (the convergence measure ``max |g_i| / h_ii`` is scale-free).
    Data mixing huge and small weights are left as they are.
    """
    pi, pj, wab, wba, tie = counts.arrays()
    lo, hi = counts.positive_range()
    low, high = _WEIGHT_SCALE_RANGE
    if hi < low and hi > 0.0:
        c = math.ldexp(1.0, -math.frexp(hi)[1])
    elif lo > high and math.isfinite(lo):
        c = math.ldexp(1.0, -math.frexp(lo)[1])
    else:
        return pi, pj, wab, wba, tie, penalty
    return pi, pj, wab * c, wba * c, tie * c, penalty * c


def _counts_for_model(comparisons, mdl, ties):
    counts = comparisons.pairs
    n_ties = float(counts.tie.sum())
    if mdl.has_ties:
        n_decisive = float(counts.wab.sum() + counts.wba.sum())
        if n_ties == 0:
            raise TiesError(f"the {mdl.name} model estimates a tie parameter but the data hold "
                            f"no ties (its estimate would sit on the boundary theta = 1). Fit "
                            f"model='bradley-terry' instead.")
        if n_decisive == 0:
            raise TiesError(f"every comparison is a tie, so the {mdl.name} tie parameter has no "
                            f"finite estimate (theta -> infinity).")
        return counts
    if n_ties == 0:
        return counts
    if ties == "drop":
        kept = counts.without_ties()
        if kept.n_pairs == 0:
            raise TiesError("every comparison is a tie, so ties='drop' leaves nothing to fit. "
                            "Use ties='half', or a tie model (model='rao-kupper').")
        return kept
    if ties == "half":
        return counts.with_ties_as_half()
    tied = comparisons.items[np.unique(np.concatenate([counts.pi[counts.tie > 0],
                                                       counts.pj[counts.tie > 0]]))]
    raise TiesError(f"the data hold {n_ties:g} ties (involving e.g. {list(tied[:5])}) but the "
                    f"{mdl.name} model has no tie outcome. Choose one: ties='drop' to ignore "
                    f"them, ties='half' to count each as half a win each way (as arena "
                    f"leaderboards do), or model='rao-kupper' to model them.")


def _start_eta(mdl, counts, n_total):
    """The threshold that makes P(tie) at d = 0 equal to the tie fraction."""
    if not mdl.has_ties:
        return 0.0
    frac = min(max(float(counts.tie.sum()) / n_total, 1e-6), 1 - 1e-6)
    q = 0.5 * (1.0 + frac)
    return math.log(q / (1.0 - q)) if mdl.link == _links.LOGISTIC else NormalDist().inv_cdf(q)
