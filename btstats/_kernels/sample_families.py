"""Outcome sampling for every outcome family: categories drawn by inversion of uniforms.

Numba only: arrays and scalars in, arrays out, no exceptions, no random number generation.
As in :mod:`.sample`, the uniforms are drawn by the caller (``numpy.random.Generator``) and
passed in, and every loop is serial, so a draw depends only on the generator's state.

The probabilities are those of the likelihood the general core maximises:
:func:`.families.log_probabilities` (family, link, ``K`` categories, parameters ``theta``) at
the linear predictor ``z = s_a - s_b + h o`` (``o``: the order indicator of side a, ``+1`` at
home / shown first, ``-1`` side b, ``0`` neutral).  A category is decided by one uniform ``u``,
inverting from ``a``'s best category down (the order :mod:`.sample` uses for win / tie / loss,
so the threshold-tie models decide alike)::

    u < P(K - 1)                                ->  K - 1   (a best)
    u < P(K - 1) + P(K - 2)                     ->  K - 2
    ...
    otherwise                                   ->  0       (b best)

A category of probability zero (a Davidson tie with ``nu = 0``) is never drawn.
"""
import math

import numpy as np
from numba import njit

from .families import log_probabilities


@njit(cache=True)
def _upper_tail(family, link, n_categories, z, theta, lp, tail):
    """``tail[k] = P(K - 1) + ... + P(k)`` for ``k = 1 .. K - 1`` (``tail[0]`` unused)."""
    log_probabilities(family, link, n_categories, z, theta, lp)
    acc = 0.0
    for k in range(n_categories - 1, 0, -1):
        acc += math.exp(lp[k])
        tail[k] = acc


@njit(cache=True)
def _invert(tail, n_categories, u):
    for k in range(n_categories - 1, 0, -1):
        if u < tail[k]:
            return k
    return 0


@njit(cache=True)
def categories(family, link, n_categories, s, theta, h, a, b, o, u, out):
    """``out[k, r]``: category of draw ``r`` of comparison ``k`` (``a[k]`` against ``b[k]``).

    ``s`` are the scores, ``a`` and ``b`` integer codes into ``s``, ``o`` the order indicators
    (float64, one per comparison), ``h`` the order effect; ``u`` (float64) and ``out`` (int64)
    have shape ``(m, n)``.  A row's probabilities are computed once for its ``n`` draws.
    """
    lp = np.empty(n_categories)
    tail = np.empty(n_categories)
    n = u.shape[1]
    for k in range(a.shape[0]):
        z = s[a[k]] - s[b[k]] + h * o[k]
        _upper_tail(family, link, n_categories, z, theta, lp, tail)
        for r in range(n):
            out[k, r] = _invert(tail, n_categories, u[k, r])


@njit(cache=True)
def categories_1d(family, link, n_categories, s, theta, h, a, b, o, u, out):
    """One category per comparison: :func:`categories` on flat arrays."""
    lp = np.empty(n_categories)
    tail = np.empty(n_categories)
    for k in range(a.shape[0]):
        z = s[a[k]] - s[b[k]] + h * o[k]
        _upper_tail(family, link, n_categories, z, theta, lp, tail)
        out[k] = _invert(tail, n_categories, u[k])


@njit(cache=True)
def category_probabilities(family, link, n_categories, z, theta, out):
    """``out[r, k] = P(k | z[r], theta)`` for ``k = 0 .. K - 1`` (``K - 1``: a best)."""
    lp = np.empty(n_categories)
    for r in range(z.shape[0]):
        log_probabilities(family, link, n_categories, z[r], theta, lp)
        for k in range(n_categories):
            out[r, k] = math.exp(lp[k])
