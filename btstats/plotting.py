"""Forest plots of scores with their intervals (matplotlib, an optional extra)."""
import numpy as np

__all__ = ["forest_plot"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plots need matplotlib: pip install 'btstats[plot]'") from exc
    return plt


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
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(6.0, 0.3 * len(frame) + 1.2))
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
    ax.set_yticklabels([str(x) for x in frame["item"]])
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return ax
