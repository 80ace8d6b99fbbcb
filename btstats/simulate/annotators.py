"""Simulated annotator pools: quality, position bias and lapses, tie propensity."""
import math
import numbers

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .. import _validation as _v
from ..models.model import pairwise_model
from ._common import _POOL_COLUMNS


# --------------------------------------------------------------------------- annotators
def _pool_column(value, name, n, low, high):
    raw = np.asarray(value) if not isinstance(value, pd.Series) else value.to_numpy()
    if raw.dtype.kind not in "iuf" and not (raw.dtype.kind == "O" and all(
            isinstance(v, numbers.Real) and not isinstance(v, bool) for v in raw.ravel())):
        raise ValueError(f"`{name}` must be a number or one number per annotator; got "
                         f"{value!r:.60} (dtype {raw.dtype}).")
    try:
        x = np.asarray(raw, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"`{name}` must be a number or one number per annotator; {exc}.") \
            from exc
    if x.ndim == 0:
        x = np.full(n, float(x))
    if x.shape != (n,):
        raise ValueError(f"`{name}` must be a scalar or have one entry per annotator "
                         f"({n}); got shape {x.shape}.")
    bad = ~np.isfinite(x)
    if low is not None:
        bad |= (x < low) | (x > high)
    if bad.any():
        where = "finite" if low is None else f"in [{low:g}, {high:g}]"
        raise ValueError(f"`{name}` must be {where}; got {x[bad][:5].tolist()}.")
    return x


def annotator_pool(n_annotators: int, *, beta: float | ArrayLike = 1.0,
                   position_bias: float | ArrayLike = 0.0,
                   position_lapse: float | ArrayLike = 0.0,
                   tie_propensity: float | ArrayLike = 0.0) -> pd.DataFrame:
    r"""A pool of simulated annotators, one row each (the ``annotators=`` of :func:`simulate`).

    Parameters
    ----------
    n_annotators : int
        Pool size, at least 1.  Annotators are labelled ``ann0``, ``ann1``, ...
    beta : float or array_like, default 1
        Quality: the annotator judges the score difference ``beta * (s_a - s_b)``, so with
        the Bradley-Terry link she labels correctly (picks the item with the larger score)
        with probability ``sigma(beta * |s_a - s_b|)``.  ``0`` labels at random; a negative
        value describes an adversarial annotator.
    position_bias : float or array_like, default 0
        Position bias ``gamma``, a pull towards the item shown first on the link scale: she
        judges ``beta * (s_a - s_b) + gamma * x`` with ``x = +1`` when a was shown first and
        ``-1`` when b was (the position model, and the ``position_bias`` column, of
        :func:`btstats.agreement.annotators.fit_annotators`).
    position_lapse : float or array_like in [-1, 1], default 0
        Probability ``q`` of picking the item shown first whatever the items (a negative
        value: the item shown second, with probability ``|q|``).
    tie_propensity : float or array_like in [0, 1], default 0
        Probability of answering "tie" regardless of the items.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``annotator``, columns ``beta``, ``position_bias``, ``position_lapse``,
        ``tie_propensity``.

    Notes
    -----
    An annotator with parameters ``(beta, gamma, q, t)`` shown the items in some order (``x =
    +1`` if a first, ``-1`` if b first) answers, for a model with link ``F`` and tie threshold
    ``eta``::

        tie                                  with probability t
        the side q favours                   with probability (1 - t) |q|
        the model at beta * d + gamma * x    with probability (1 - t)(1 - |q|)

    With ``gamma = q = t = 0``, ``P(correct) = F(beta |d|)``: for ``F = sigma`` the
    cognitive-bottleneck model of Sun, Shen & Ton (2024).  The two position effects differ:
    the bias ``gamma`` is a lean that matters most for close pairs, the lapse ``q`` a
    mistake that strikes close and distant pairs alike.

    Examples
    --------
    >>> from btstats.simulate import annotator_pool
    >>> annotator_pool(3, beta=[0.5, 1.0, 4.0], tie_propensity=0.1)
               beta  position_bias  position_lapse  tie_propensity
    annotator
    ann0        0.5             0.0            0.0             0.1
    ann1        1.0             0.0            0.0             0.1
    ann2        4.0             0.0            0.0             0.1
    """
    _v.check_number(n_annotators, "n_annotators", low=1, integer=True)
    # four float columns and a label per annotator
    _v.check_memory(100 * int(n_annotators), "n_annotators", n_annotators,
                    f"a pool of {int(n_annotators):,} annotators",
                    "Use a pool of at most a few million annotators.")
    n = int(n_annotators)
    cols = {"beta": _pool_column(beta, "beta", n, None, None),
            "position_bias": _pool_column(position_bias, "position_bias", n, None, None),
            "position_lapse": _pool_column(position_lapse, "position_lapse", n, -1.0, 1.0),
            "tie_propensity": _pool_column(tie_propensity, "tie_propensity", n, 0.0, 1.0)}
    return pd.DataFrame(cols, index=pd.Index([f"ann{j}" for j in range(n)],
                                             name="annotator"))


def _annotators_iv(annotators):
    if annotators is None:
        return None
    if isinstance(annotators, pd.DataFrame):
        unknown = [c for c in annotators.columns if c not in _POOL_COLUMNS]
        if unknown:
            raise ValueError(f"`annotators` columns must be among {list(_POOL_COLUMNS)}; "
                             f"unknown: {unknown}.")
        if len(annotators) == 0:
            raise ValueError("`annotators` is empty: give at least one annotator.")
        if annotators.index.has_duplicates:
            raise ValueError("`annotators` must have unique labels (its index).")
        n = len(annotators)
        pool = annotator_pool(n, **{c: annotators[c].to_numpy() for c in annotators.columns})
        pool.index = pd.Index(annotators.index, name="annotator")
        return pool
    if isinstance(annotators, (int, np.integer)) and not isinstance(annotators, bool):
        return annotator_pool(annotators)
    raise TypeError(f"`annotators` must be None, a number of annotators or a DataFrame like "
                    f"annotator_pool() returns; got {type(annotators).__name__}.")


def annotation_accuracy(beta: float, delta_sd: float, *, model: str = "bradley-terry"
                        ) -> float:
    r"""Expected share of correct labels, ``E[F(beta |D|)]`` with ``D ~ N(0, delta_sd**2)``.

    The annotation quality of an annotator of quality ``beta`` (no position effects, no ties)
    on pairs whose score difference is centred normal, e.g. ``delta_sd = sqrt(2) *
    response_sd`` for same-prompt pairs of :func:`simulate_annotation` and
    ``sqrt(2 * (prompt_sd**2 + response_sd**2))`` for cross-prompt pairs.

    Parameters
    ----------
    beta : float
        Annotator quality.
    delta_sd : float
        Standard deviation of the score difference, ``>= 0``.
    model : str, default "bradley-terry"
        Whose link ``F`` (logistic or normal CDF); a model with ties is refused.

    Returns
    -------
    float

    Notes
    -----
    ``2 * int_0^inf F(beta * delta_sd * x) phi(x) dx`` by adaptive quadrature
    (:func:`scipy.integrate.quad`).  For ``F = Phi`` it is
    ``1/2 + arcsin(c / sqrt(1 + c**2)) / pi`` with ``c = beta * delta_sd``.  Example 1 of
    Sun, Shen & Ton (2024) is the logistic case with ``D = r_1 - r_2 ~ N(0, 2 sigma**2)``.

    Examples
    --------
    >>> from btstats.simulate import annotation_accuracy
    >>> round(annotation_accuracy(1.0, 2 ** 0.5), 4)
    0.7252
    """
    from scipy import integrate

    mdl = pairwise_model(model, "annotation_accuracy")
    if mdl.has_ties:
        raise ValueError(f"`model` must be a model without ties; {mdl.name} has a tie "
                         f"threshold, so 'correct' is not one event.")
    beta = float(_v.check_number(beta, "beta"))
    delta_sd = float(_v.check_number(delta_sd, "delta_sd", low=0.0))
    c = beta * delta_sd
    if c == 0.0:
        return 0.5
    cdf = mdl.link_function.cdf
    val, _ = integrate.quad(lambda x: cdf(c * x) * math.exp(-0.5 * x * x), 0.0, np.inf,
                            epsabs=1e-13, epsrel=1e-12)
    return float(2.0 * val / math.sqrt(2.0 * math.pi))
