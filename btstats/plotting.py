"""Plots of fits, bootstraps, rank sets and evaluations (matplotlib, an optional extra).

``pip install 'btstats[plot]'`` installs matplotlib; it is imported only when a plot is
drawn, so btstats itself does not need it.

One vocabulary: each plot is a function ``plot_<what>(result, ..., ax=None)`` here, and the
result it draws has the same plot as a method without the argument (``plot`` for the result's
main plot).  Every function draws on ``ax`` (a new figure when it is omitted) and returns the
matplotlib Axes.

=================================  ==========================================================
function                           method
=================================  ==========================================================
:func:`plot_scores`                ``fit.plot()`` (Wald), ``fit.plot(quasi=True)``,
                                   ``quasi_variances.plot()`` (comparison intervals)
:func:`plot_bootstrap_scores`      ``boot.plot()``: intervals over the bootstrap
                                   distribution of each score, drawn as a violin
:func:`plot_distributions`         ``boot.plot_distributions()``: a density or histogram per
                                   item (or parameter), stacked
:func:`plot_rank_sets`             ``rank_sets.plot()``: each item's set of plausible ranks
:func:`plot_win_probabilities`     ``fit.plot_win_probabilities()``: the fitted
                                   ``P(row beats column)``
:func:`plot_win_fractions`         ``fit.plot_win_fractions()``: the observed share won
:func:`plot_battle_counts`         ``fit.plot_battle_counts()``: comparisons per pair
:func:`plot_calibration`           ``evaluation.plot_calibration()``: reliability diagram
:func:`forest_plot`                the forest plot of any leaderboard frame
=================================  ==========================================================

Items run best first: top to bottom in the forest, rank and distribution plots, left to right
and top to bottom in the heatmaps.
"""
import numpy as np
import pandas as pd

from ._scale import ELO_BASE, ELO_PER_UNIT
from ._validation import check_choice as _check_choice

__all__ = ["forest_plot", "plot_scores", "plot_bootstrap_scores", "plot_distributions",
           "plot_rank_sets", "plot_win_probabilities", "plot_win_fractions",
           "plot_battle_counts", "plot_calibration"]

#: ``gid`` of the filled density of each item in :func:`plot_bootstrap_scores` and
#: :func:`plot_distributions` (so that the artists can be found on the Axes).
DENSITY_GID = "bootstrap-density"
#: Heatmaps annotate their cells up to this many items (``annotate=None``).
ANNOTATE_MAX_ITEMS = 12
_RIDGE_HEIGHT = 0.85
_VIOLIN_HALF = 0.38


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plots need matplotlib: pip install 'btstats[plot]'") from exc
    return plt


def _axes(ax, figsize):
    if ax is not None:
        return ax
    _, ax = _pyplot().subplots(figsize=figsize)
    return ax


def _scale_of(scale):
    _check_choice(scale, "scale", ("log", "elo"))
    return (ELO_PER_UNIT, ELO_BASE) if scale == "elo" else (1.0, 0.0)


def _labels(items):
    return [str(x) for x in items]


def _positions(items, order):
    """Positions in ``items`` (a pandas Index) of the labels ``order`` (any hashables,
    tuples included)."""
    labels = np.empty(len(order), dtype=object)
    labels[:] = list(order)
    return items.get_indexer(pd.Index(labels, dtype=object, tupleize_cols=False))


# ---------------------------------------------------------------------------- forest plots
def forest_plot(frame, *, ax=None, title=None, xlabel="score"):
    """Draw a leaderboard frame (``item``, ``score``, ``ci_low``, ``ci_high``) as a forest plot.

    Items run top (best) to bottom; each is a point at its score with a horizontal bar for its
    interval.

    Parameters
    ----------
    frame : pandas.DataFrame
        A leaderboard from ``to_frame()`` (sorted best first).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.
    title, xlabel : str, optional
        Labels.

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, (6.0, 0.3 * len(frame) + 1.2))
    y = np.arange(len(frame))[::-1]
    score = frame["score"].to_numpy(dtype=float)
    if "ci_low" in frame.columns:
        low = frame["ci_low"].to_numpy(dtype=float)
        high = frame["ci_high"].to_numpy(dtype=float)
        ax.errorbar(score, y, xerr=[score - low, high - score], fmt="o", color="C0",
                    ecolor="C0", capsize=2, markersize=4)
    else:
        ax.plot(score, y, "o", color="C0", markersize=4)
    ax.set_yticks(y)
    ax.set_yticklabels(_labels(frame["item"]))
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return ax


def plot_scores(result, *, confidence_level=0.95, scale="log", quasi=False, ax=None):
    """Forest plot of the scores of a fit with Wald or quasi-variance intervals.

    Parameters
    ----------
    result : PairwiseFit or QuasiVariances
        A fit: its scores with Wald intervals ``score -/+ z se``, or with ``quasi=True`` the
        comparison intervals ``score -/+ z quasi_se`` drawn over the Wald ones (thin, grey).
        Quasi-variances (:meth:`PairwiseFit.quasi_variances`): their comparison intervals.
    confidence_level : float
        Level of the intervals.
    scale : {"log", "elo"}
        Centred log-strengths or the Elo scale ``1000 + 400 / ln(10) * score``.
    quasi : bool
        For a fit: comparison intervals from its quasi-variances (two items whose bars do not
        overlap differ at about the stated level, whatever pair is looked at).
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        One row per item, best on top.
    """
    mult, base = _scale_of(scale)
    xlabel = "Elo" if scale == "elo" else "score"
    if hasattr(result, "quasi_se"):                       # QuasiVariances
        ci = result.confidence_interval(confidence_level)
        est = result.estimate
        frame = pd.DataFrame({"item": est.index, "score": base + mult * est.to_numpy(),
                              "ci_low": base + mult * ci.low.to_numpy(),
                              "ci_high": base + mult * ci.high.to_numpy()})
        frame = frame.sort_values("score", ascending=False, kind="stable")
        return forest_plot(frame.reset_index(drop=True), ax=ax, xlabel=xlabel,
                           title=f"{confidence_level:.0%} quasi-variance comparison "
                                 f"intervals")
    frame = result.to_frame(scale=scale, confidence_level=confidence_level)
    kind = "Wald"
    if quasi:
        ax = _axes(ax, (6.0, 0.3 * len(frame) + 1.2))
        y = np.arange(len(frame))[::-1]
        ax.hlines(y, frame["ci_low"], frame["ci_high"], color="0.75", lw=6, alpha=0.7,
                  label=f"Wald ({result.covariance_type})", zorder=1)
        ci = result.quasi_variances().confidence_interval(confidence_level)
        frame["ci_low"] = base + mult * ci.low[frame["item"]].to_numpy()
        frame["ci_high"] = base + mult * ci.high[frame["item"]].to_numpy()
        kind = "quasi-variance comparison"
    ax = forest_plot(frame, ax=ax, xlabel=xlabel,
                     title=f"{result.model}: {confidence_level:.0%} {kind} intervals "
                           f"({result.covariance_type})")
    if quasi:
        ax.legend(loc="lower right", fontsize=8, frameon=False)
    return ax


def _density(values, grid):
    """A Gaussian kernel density of ``values`` on ``grid`` (None for a constant sample)."""
    from scipy.stats import gaussian_kde

    values = values[np.isfinite(values)]
    if values.size < 2 or not np.ptp(values) > 0:
        return None
    try:
        return gaussian_kde(values)(grid)
    except (np.linalg.LinAlgError, ValueError):   # pragma: no cover - degenerate samples
        return None


def _grid(values, n=200):
    lo, hi = np.quantile(values, [0.001, 0.999])
    pad = 0.1 * (hi - lo) if hi > lo else 0.5
    return np.linspace(lo - pad, hi + pad, n)


def plot_bootstrap_scores(boot, *, confidence_level=0.95, interval="percentile", scale="log",
                          ax=None):
    """Forest plot of a bootstrap: each item's bootstrap distribution as a thin violin, its
    interval as a band across it and the full-data estimate as a dot.

    Parameters
    ----------
    boot : BootstrapResult
    confidence_level : float
        Level of the intervals.
    interval : {"percentile", "basic", "bca"}
        The interval kind (see :meth:`BootstrapResult.confidence_interval`).
    scale : {"log", "elo"}
        Centred log-strengths or the Elo scale.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One row per item, best on top; the violins have ``gid`` :data:`DENSITY_GID`.
    """
    mult, base = _scale_of(scale)
    frame = boot.to_frame(confidence_level=confidence_level, interval=interval, scale=scale)
    draws = boot.score_distribution.to_numpy(dtype=float)
    pos = _positions(boot.items, frame["item"])
    ax = _axes(ax, (6.5, 0.4 * len(frame) + 1.3))
    y = np.arange(len(frame))[::-1]
    for k in range(len(frame)):
        values = base + mult * draws[:, pos[k]]
        grid = _grid(values)
        dens = _density(values, grid)
        if dens is None:
            continue
        half = _VIOLIN_HALF * dens / dens.max()
        ax.fill_between(grid, y[k] - half, y[k] + half, color="C0", alpha=0.22, lw=0,
                        gid=DENSITY_GID)
    ax.hlines(y, frame["ci_low"], frame["ci_high"], color="C0", lw=3,
              label=f"{confidence_level:.0%} {interval} interval")
    ax.plot(frame["score"], y, "o", mfc="white", mec="C0", mew=1.5, ms=5,
            label="full-data estimate")
    ax.set_yticks(y)
    ax.set_yticklabels(_labels(frame["item"]))
    ax.set_xlabel("Elo" if scale == "elo" else "score")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    ax.set_title(f"{boot.fit.model}: {confidence_level:.0%} {interval} bootstrap intervals "
                 f"({boot.n_resamples} replicates)")
    return ax


def plot_distributions(boot, *, parameters=None, kind="kde", bins=30, scale="log", ax=None):
    """The bootstrap distribution of each item's score (or of other parameters), stacked: a
    density or a histogram per row, the full-data estimate marked.

    Parameters
    ----------
    boot : BootstrapResult
    parameters : list, optional
        Names among ``boot.estimate.index`` (item labels, then the parameters beyond the
        scores such as ``theta``); default: the items, best first.
    kind : {"kde", "hist"}
        Gaussian kernel density or histogram (``bins`` bins).
    bins : int
        Histogram bins (``kind="hist"``).
    scale : {"log", "elo"}
        Scale of the item scores (other parameters are drawn as they are).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        Each row scaled to the same height; the filled shapes have ``gid``
        :data:`DENSITY_GID`.
    """
    _check_choice(kind, "kind", ("kde", "hist"))
    mult, base = _scale_of(scale)
    names = list(boot.estimate.index)
    items = set(boot.items)
    if parameters is None:
        parameters = list(boot.to_frame()["item"])
    else:
        unknown = [p for p in parameters if p not in names]
        if unknown:
            raise KeyError(f"unknown parameter(s) {unknown[:5]}; the bootstrap has "
                           f"{names[:10]}{' ...' if len(names) > 10 else ''}.")
    dist = boot.bootstrap_distribution
    est = boot.estimate
    ax = _axes(ax, (6.5, 0.45 * len(parameters) + 1.3))
    offsets = np.arange(len(parameters))[::-1].astype(float)
    for k, name in enumerate(parameters):
        m, b = (mult, base) if name in items else (1.0, 0.0)
        values = b + m * dist[:, names.index(name)]
        y0 = offsets[k]
        if kind == "kde":
            grid = _grid(values)
            dens = _density(values, grid)
            if dens is not None:
                dens = _RIDGE_HEIGHT * dens / dens.max()
                ax.fill_between(grid, y0, y0 + dens, color=f"C{k % 10}", alpha=0.35, lw=0,
                                gid=DENSITY_GID)
                ax.plot(grid, y0 + dens, color=f"C{k % 10}", lw=1)
        else:
            heights, edges = np.histogram(values, bins=bins)
            heights = _RIDGE_HEIGHT * heights / heights.max()
            ax.stairs(y0 + heights, edges, baseline=y0, fill=True, color=f"C{k % 10}",
                      alpha=0.45, gid=DENSITY_GID)
        ax.vlines(b + m * float(est[name]), y0, y0 + _RIDGE_HEIGHT, color="k", lw=1)
    ax.set_yticks(offsets + 0.3)
    ax.set_yticklabels(_labels(parameters))
    ax.set_ylim(-0.2, len(parameters) + 0.1)
    ax.set_xlabel(("Elo" if scale == "elo" else "score") if set(parameters) <= items else
                  "value")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title(f"Bootstrap distributions ({boot.bootstrap_distribution.shape[0]} "
                 f"replicates; line: full-data estimate)")
    return ax


# ---------------------------------------------------------------------------- ranks
def plot_rank_sets(rank_sets, *, ax=None):
    """Each item's rank confidence set as a bar from its best to its worst plausible rank,
    the rank of its estimate as a dot.

    Parameters
    ----------
    rank_sets : RankSets
        From :meth:`PairwiseFit.rank_sets`, :meth:`BootstrapResult.rank_sets` or
        :func:`btstats.rank_confidence_sets`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One bar per item (``ax.patches``), best estimate on top; rank 1 on the left.
    """
    frame = rank_sets.to_frame()
    n = len(frame)
    ax = _axes(ax, (6.0, 0.3 * n + 1.3))
    y = np.arange(n)[::-1]
    lower = frame["lower"].to_numpy(dtype=float)
    upper = frame["upper"].to_numpy(dtype=float)
    ax.barh(y, upper - lower + 1.0, left=lower - 0.5, height=0.6, color="C0", alpha=0.35,
            edgecolor="C0")
    ax.plot(frame["rank"].to_numpy(dtype=float), y, "o", color="C0", ms=4)
    ax.set_yticks(y)
    ax.set_yticklabels(_labels(frame["item"]))
    step = max(1, int(np.ceil(n / 15)))
    ax.set_xticks(np.arange(1, n + 1, step))
    ax.set_xlim(0.4, n + 0.6)
    ax.set_xlabel("rank (1 = best)")
    ax.grid(axis="x", alpha=0.3)
    kind = "simultaneous" if rank_sets.simultaneous else "marginal"
    ax.set_title(f"{rank_sets.confidence_level:.0%} {kind} rank confidence sets")
    return ax


# ---------------------------------------------------------------------------- heatmaps
def _comparisons_of(data):
    """``(Comparisons, item order)``: the data of a fit (items best first) or the data
    themselves (items by their share won, best first)."""
    if hasattr(data, "pairs") and hasattr(data, "items"):
        comp = data
        rec = comp.record_counts()
        played = (rec["wins"] + rec["losses"] + rec["ties"]).to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = (rec["wins"] + 0.5 * rec["ties"]).to_numpy(dtype=float) / played
        order = np.argsort(-np.nan_to_num(share, nan=-1.0), kind="stable")
        return comp, [comp.items[i] for i in order]
    if hasattr(data, "comparisons"):
        return data.comparisons, list(data.to_frame(intervals=False)["item"])
    raise TypeError(f"expected a fit or Comparisons; got {type(data).__name__}.")


def _pair_matrices(comp, order):
    """``(wins, totals)``: ``wins[i, j]`` the weight of ``order[i]`` beating ``order[j]``
    plus half their ties, ``totals[i, j]`` the weight of their comparisons."""
    p = comp.pairs
    n = comp.n_items
    wins = np.zeros((n, n))
    ties = np.zeros((n, n))
    np.add.at(wins, (p.pi, p.pj), p.wab)
    np.add.at(wins, (p.pj, p.pi), p.wba)
    np.add.at(ties, (p.pi, p.pj), p.tie)
    ties = ties + ties.T
    pos = _positions(comp.items, order)
    wins = wins[np.ix_(pos, pos)] + 0.5 * ties[np.ix_(pos, pos)]
    totals = wins + wins.T
    return wins, totals


def _heatmap(ax, matrix, labels, *, cmap, vmin, vmax, annotate, fmt, title, cbar_label):
    n = len(labels)
    ax = _axes(ax, (0.45 * n + 2.6, 0.45 * n + 1.6))
    data = np.ma.masked_invalid(np.asarray(matrix, dtype=float))
    im = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, aspect="equal",
                   interpolation="nearest")
    ax.set_xticks(np.arange(n))
    ax.set_yticks(np.arange(n))
    ax.set_xticklabels(_labels(labels), rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticklabels(_labels(labels))
    ax.set_xlabel("column item")
    ax.set_ylabel("row item")
    if annotate is None:
        annotate = n <= ANNOTATE_MAX_ITEMS
    if annotate:
        mid = 0.5 * (vmin + vmax)
        span = (vmax - vmin) or 1.0
        for i in range(n):
            for j in range(n):
                v = data[i, j]
                if v is np.ma.masked:
                    continue
                dark = abs(float(v) - mid) > 0.3 * span if cmap != "Blues" else \
                    float(v) > vmin + 0.6 * span
                ax.text(j, i, fmt(float(v)), ha="center", va="center", fontsize=7,
                        color="white" if dark else "black")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label=cbar_label)
    ax.set_title(title)
    return ax


def plot_win_probabilities(fit, *, annotate=None, ax=None):
    """Heatmap of the fitted ``P(row item beats column item)``, items best first.

    Parameters
    ----------
    fit : PairwiseFit
        Any fit with ``probabilities(a, b)`` (on neutral ground for an order effect; for a
        tie model the probability of a win, ties excluded).
    annotate : bool, optional
        Print the values in the cells (default: up to :data:`ANNOTATE_MAX_ITEMS` items).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The image (``ax.images[0]``) holds the matrix, the diagonal masked.
    """
    order = list(fit.to_frame(intervals=False)["item"])
    n = len(order)
    rows = np.repeat(np.arange(n), n)
    cols = np.tile(np.arange(n), n)
    labels = np.empty(n, dtype=object)
    labels[:] = order
    prob = np.asarray(fit.probabilities(labels[rows], labels[cols]).a_wins, dtype=float)
    prob = prob.reshape(n, n)
    np.fill_diagonal(prob, np.nan)
    return _heatmap(ax, prob, order, cmap="RdBu_r", vmin=0.0, vmax=1.0, annotate=annotate,
                    fmt=lambda v: f"{v:.2f}", cbar_label="P(row beats column)",
                    title=f"{fit.model}: predicted win probabilities")


def plot_win_fractions(data, *, annotate=None, ax=None):
    """Heatmap of the observed share of comparisons the row item won against the column
    item (ties count one half), blank for pairs never compared.

    Parameters
    ----------
    data : PairwiseFit or Comparisons
        A fit (its data, items best first by score) or the comparisons themselves (items by
        their overall share won).
    annotate : bool, optional
        Print the values (default: up to :data:`ANNOTATE_MAX_ITEMS` items).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The image holds the shares (``NaN``, masked, on the diagonal and for pairs never
        compared).
    """
    comp, order = _comparisons_of(data)
    wins, totals = _pair_matrices(comp, order)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(totals > 0, wins / np.where(totals > 0, totals, 1.0), np.nan)
    np.fill_diagonal(share, np.nan)
    return _heatmap(ax, share, order, cmap="RdBu_r", vmin=0.0, vmax=1.0, annotate=annotate,
                    fmt=lambda v: f"{v:.2f}", cbar_label="share won by the row item",
                    title="Observed win fractions (ties count 1/2)")


def plot_battle_counts(data, *, annotate=None, ax=None):
    """Heatmap of the number (total weight) of comparisons of each pair.

    Parameters
    ----------
    data : PairwiseFit or Comparisons
        As for :func:`plot_win_fractions`.
    annotate : bool, optional
        Print the counts (default: up to :data:`ANNOTATE_MAX_ITEMS` items).
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The image holds the symmetric count matrix (diagonal masked).
    """
    comp, order = _comparisons_of(data)
    _, totals = _pair_matrices(comp, order)
    totals = totals.astype(float)
    np.fill_diagonal(totals, np.nan)
    top = float(np.nanmax(totals)) if np.isfinite(totals).any() else 1.0
    return _heatmap(ax, totals, order, cmap="Blues", vmin=0.0, vmax=max(top, 1.0),
                    annotate=annotate, fmt=lambda v: f"{v:.0f}" if v == round(v) else
                    f"{v:.1f}", cbar_label="comparisons", title="Comparisons per pair")


# ---------------------------------------------------------------------------- evaluation
def plot_calibration(evaluation, n_bins=10, *, ax=None):
    """Reliability diagram of :meth:`Evaluation.calibration`: the observed share won by the
    favoured item against the predicted probability, per bin, with binomial error bars
    (1.96 se) and the Bayes accuracy ceiling when the evaluation has ceilings.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`btstats.evaluate`.
    n_bins : int
        Equal bins of ``[1/2, 1]``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The scorer's line (``ax.lines`` labelled ``scorer ...``) runs through
        ``(mean_predicted, observed)`` of the non-empty bins.
    """
    tab = evaluation.calibration(n_bins)
    ax = _axes(ax, (4.5, 4.5))
    ax.plot([0.5, 1.0], [0.5, 1.0], color="0.6", lw=1, ls="--", label="perfect")
    ax.errorbar(tab["mean_predicted"], tab["observed"], yerr=1.96 * tab["se"], fmt="o-",
                ms=4, capsize=2, label=f"scorer (ECE {tab.attrs['ece']:.3f})")
    if evaluation.ceilings is not None:
        ax.axhline(evaluation.ceilings.accuracy_no_ties, color="C3", lw=1, ls=":",
                   label="Bayes accuracy ceiling")
    ax.set_xlabel("predicted probability of the favoured item")
    ax.set_ylabel("observed share won by it")
    ax.set_xlim(0.5, 1.0)
    ax.set_ylim(0.0, 1.0)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title(f"Calibration ({evaluation.model}, {evaluation.n_decisive:g} decisive "
                 f"labels)")
    return ax
