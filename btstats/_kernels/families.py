"""Outcome families over a linear predictor: log-probabilities and their derivatives.

Numba only: scalars and small arrays in, numbers out, no exceptions, no pandas.

A comparison of ``a`` and ``b`` has the linear predictor ``z`` (``s_a - s_b + h o_ab``) and an
outcome category ``k = 0 .. K - 1`` ordered by ``a``'s advantage (``K - 1``: ``a`` best, ``0``:
``b`` best).  A family gives ``log P(k | z, theta)`` for its parameters ``theta``:

- ``CUMULATIVE`` (a cumulative link with symmetric cutpoints, the graded family): with a
  symmetric link ``F`` and cutpoints ``c_0 < ... < c_{K-2}`` mirrored around 0,
  ``P(Y <= k) = F(c_k - z)``.  Its parameters are the positive half of the cutpoints,
  ``0 < t_1 < ... < t_p`` with ``p = (K - 1) // 2``: ``c = (-t_p, ..., -t_1, t_1, ..., t_p)``
  for odd ``K`` (the middle category is a tie), ``(-t_p, ..., -t_1, 0, t_1, ..., t_p)`` for
  even ``K``.  ``K = 2`` is the binary family (Bradley-Terry, Thurstone), ``K = 3`` the
  threshold-tie family (Rao-Kupper, Glenn-David: ``P(a) = F(z - eta)``, ``eta = t_1``).
- ``DAVIDSON``: ``K = 3`` with ``P(a) = e^{z/2} / D``, ``P(tie) = nu / D``,
  ``P(b) = e^{-z/2} / D``, ``D = e^{z/2} + e^{-z/2} + nu`` (Davidson 1970 with
  ``z = log pi_a - log pi_b``); one parameter ``nu >= 0``.

:func:`cell_terms` returns the log-probability of a category with its gradient and Hessian in
``(z, theta)``, in log-CDF forms that stay finite at ``|z|`` of several hundred.
"""
import math

import numpy as np
from numba import njit

from .links import (LOGISTIC, _logistic_both, _probit_both, log_cdf, log_cdf_derivs,
                    logistic_gap, logistic_interval, pair_terms_gap)

CUMULATIVE = 0
DAVIDSON = 1


@njit(cache=True)
def n_family_params(family, n_categories):
    """Number of family parameters: ``(K - 1) // 2`` thresholds, or Davidson's ``nu``."""
    if family == DAVIDSON:
        return 1
    return (n_categories - 1) // 2


@njit(cache=True)
def in_domain(family, n_categories, params, off):
    """Whether the family parameters ``params[off:off + p]`` are strictly inside their domain
    (the solvers' iterates): thresholds positive and increasing, Davidson's ``nu`` positive,
    all finite."""
    p = n_family_params(family, n_categories)
    prev = 0.0
    for a in range(p):
        t = params[off + a]
        if not (t > prev) or not math.isfinite(t):
            return False
        if family != DAVIDSON:
            prev = t
    return True


@njit(cache=True)
def cutpoints(n_categories, theta, out):
    """Fill ``out`` (length ``K - 1``) with the symmetric cutpoints of ``theta``."""
    p = (n_categories - 1) // 2
    m = n_categories - 1
    for q in range(p):
        out[p - 1 - q] = -theta[q]
        out[m - p + q] = theta[q]
    if m % 2 == 1:
        out[p] = 0.0


@njit(cache=True)
def _cut_index(n_categories, c):
    """``(q, sign)``: cutpoint ``c`` is ``sign * theta[q]`` (``q = -1``: the fixed 0)."""
    p = (n_categories - 1) // 2
    m = n_categories - 1
    if c < p:
        return p - 1 - c, -1.0
    if c >= m - p:
        return c - (m - p), 1.0
    return -1, 0.0


@njit(cache=True)
def _middle_cuts(n_categories, k, theta):
    """``(qu, su, cu, qv, sv, cv)`` of middle category ``k``: its upper and lower cutpoints
    ``cu = c_k``, ``cv = c_{k-1}`` and their :func:`_cut_index` (``q = -1``: the fixed 0)."""
    qu, su = _cut_index(n_categories, k)
    qv, sv = _cut_index(n_categories, k - 1)
    cu = 0.0 if qu < 0 else su * theta[qu]
    cv = 0.0 if qv < 0 else sv * theta[qv]
    return qu, su, cu, qv, sv, cv


@njit(cache=True)
def _interval_terms(link, u, v, gap_e, gap_c, gap_logc):
    """``log(F(u) - F(v))`` for ``u > v`` and its derivatives in ``(u, v)``.

    Returns ``(l, l_u, l_v, l_uu, l_uv, l_vv, l_zz)`` where ``l_zz`` is the second
    derivative along ``u = v + const`` moving together, written without cancellation
    (``l = -inf`` and zero derivatives when the difference is not representable).
    Computed on the lower tail (reflecting ``(u, v) -> (-v, -u)`` when their middle is
    positive) as ``log F(u) + log(1 - F(v) / F(u))``; for the logistic from the gap
    ``u - v``'s constants ``gap_*`` (:func:`.links.logistic_gap`, unused for the probit)
    by :func:`.links.logistic_interval`, with no transcendental beyond the two log-CDF
    evaluations.
    """
    flip = u + v > 0.0
    if flip:
        u, v = -v, -u
    lu, lam_u, dlam_u = log_cdf_derivs(link, u)
    lf_nv = f_v = 0.0
    if link == LOGISTIC:
        # v < 0 here: F(v), F(-v) and log F(-v) come with v's evaluation
        lv, lam_v, dlam_v, lf_nv, f_v = _logistic_both(v)
    else:
        lv, lam_v, dlam_v = log_cdf_derivs(link, v)
    return _interval_from(link, flip, lu, lam_u, dlam_u, lv, lam_v, dlam_v, lf_nv, f_v,
                          gap_e, gap_c, gap_logc)


@njit(cache=True)
def _interval_from(link, flip, lu, lam_u, dlam_u, lv, lam_v, dlam_v, lf_nv, f_v, gap_e,
                   gap_c, gap_logc):
    """:func:`_interval_terms` from the log-CDF evaluations at its (reflected, when
    ``flip``) arguments ``u > v`` (``lf_nv = log F(-v)``, ``f_v = F(v)``: the logistic
    only)."""
    if link == LOGISTIC:
        if lv < lu:
            l_, om, r = logistic_interval(lu, f_v, lam_v, lf_nv, gap_e, gap_c, gap_logc)
        else:
            l_, om, r = -math.inf, 0.0, 1.0
    else:
        r = math.exp(lv - lu)
        om = -math.expm1(lv - lu)
        l_ = lu + math.log(om) if om > 0.0 else -math.inf
    if om <= 0.0:
        return -math.inf, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
    g_u = lam_u / om
    g_v = -lam_v * r / om
    base = dlam_u / om
    rd = r * dlam_v / om
    q = r / om / om
    h_uu = base - q * lam_u * lam_u
    h_vv = -rd - q * lam_v * lam_v
    h_uv = q * lam_u * lam_v
    h_zz = base - rd - q * (lam_u - lam_v) ** 2
    if flip:
        # l(u, v) = l'(-v, -u): swap the roles and the signs of the first derivatives
        g_u, g_v = -g_v, -g_u
        h_uu, h_vv = h_vv, h_uu
    return l_, g_u, g_v, h_uu, h_uv, h_vv, h_zz


@njit(cache=True)
def is_binary(family, n_categories):
    """Whether the family is the binary one (two categories, no parameters)."""
    return n_categories == 2 and family != DAVIDSON


@njit(cache=True)
def binary_terms(link, z, k):
    """``(log P(k | z), d/dz, d2/dz2)`` of the binary family: ``log F(z)`` for ``k = 1``,
    ``log F(-z)`` for ``k = 0`` (scalars only: the passes over cells call it directly, a
    third of the time of :func:`cell_terms` through its arrays)."""
    sgn = 1.0 if k == 1 else -1.0
    lf, lam, dlam = log_cdf_derivs(link, sgn * z)
    return lf, sgn * lam, dlam


@njit(cache=True)
def category_gaps(family, link, n_categories, theta, gap_e, gap_c, gap_logc):
    """Fill ``gap_*[k]`` with :func:`.links.logistic_gap` of the middle category ``k``'s
    interval ``c_k - c_{k-1}`` (the cumulative family with the logistic link; zeros
    otherwise): once per pass, for :func:`cell_terms_gap`."""
    gap_e[:] = 0.0
    gap_c[:] = 0.0
    gap_logc[:] = 0.0
    if family == DAVIDSON or link != LOGISTIC or n_categories < 3:
        return
    cuts = np.empty(n_categories - 1)
    cutpoints(n_categories, theta, cuts)
    for k in range(1, n_categories - 1):
        gap_e[k], gap_c[k], gap_logc[k] = logistic_gap(cuts[k] - cuts[k - 1])


@njit(cache=True)
def cell_terms(family, link, n_categories, z, k, theta, grad, hess):
    """``log P(k | z, theta)`` with its derivatives.

    ``grad`` (length ``1 + p``) receives ``(d/dz, d/dtheta_1, ...)`` and ``hess`` (``(1 + p)``
    square) the second derivatives.  Returns the log-probability (``-inf`` when it is not
    representable, with zero derivatives).  (A pass over many cells calls
    :func:`cell_terms_gap` with :func:`category_gaps` computed once.)
    """
    gap_e = gap_c = gap_logc = 0.0
    if family != DAVIDSON and link == LOGISTIC and 0 < k < n_categories - 1:
        _, _, cu, _, _, cv = _middle_cuts(n_categories, k, theta)
        gap_e, gap_c, gap_logc = logistic_gap(cu - cv)
    return cell_terms_gap(family, link, n_categories, z, k, theta, gap_e, gap_c, gap_logc,
                          grad, hess)


@njit(cache=True)
def cell_terms_gap(family, link, n_categories, z, k, theta, gap_e, gap_c, gap_logc, grad,
                   hess):
    """:func:`cell_terms` given the constants of category ``k``'s gap (:func:`category_gaps`;
    used by middle categories of the logistic only)."""
    if is_binary(family, n_categories):
        lf, grad[0], hess[0, 0] = binary_terms(link, z, k)
        return lf
    m = grad.shape[0]
    for a in range(m):
        grad[a] = 0.0
        for b in range(m):
            hess[a, b] = 0.0
    if family == DAVIDSON:
        return _davidson_terms(z, k, theta[0], grad, hess)
    top = n_categories - 1
    if n_categories == 2 or k == 0 or k == top:
        # an end category: log F(c_0 - z) (k = 0) or log F(z - c_{K-2}) (k = K - 1)
        c = 0 if k == 0 else top - 1
        q, sgn = _cut_index(n_categories, c)
        cut = 0.0 if q < 0 else sgn * theta[q]
        lf, lam, dlam = log_cdf_derivs(link, cut - z if k == 0 else z - cut)
        _add_end(n_categories, k, lam, dlam, 1.0, grad, hess)
    else:
        # a middle category: log(F(c_k - z) - F(c_{k-1} - z))
        _, _, cu, _, _, cv = _middle_cuts(n_categories, k, theta)
        lf, g_u, g_v, h_uu, h_uv, h_vv, h_zz = _interval_terms(link, cu - z, cv - z, gap_e,
                                                               gap_c, gap_logc)
        if lf == -math.inf:
            return -math.inf
        _add_middle(n_categories, k, g_u, g_v, h_uu, h_uv, h_vv, h_zz, 1.0, grad, hess)
    for a in range(1, m):
        hess[a, 0] = hess[0, a]
    return lf


@njit(cache=True, inline="always")
def _add_end(n_categories, k, lam, dlam, w, grad, hess):
    """Add ``w`` times the derivatives of end category ``k`` (0: ``log F(c_0 - z)``,
    ``K - 1``: ``log F(z - c_{K-2})``) in ``(z, theta)``, given ``lam``, ``dlam`` of the
    log-CDF at its argument, to ``grad`` and the upper triangle of ``hess``."""
    c = 0 if k == 0 else n_categories - 2
    q, sgn = _cut_index(n_categories, c)
    dx_dz = -1.0 if k == 0 else 1.0         # and d x / d c = -dx_dz
    grad[0] += w * (lam * dx_dz)
    hess[0, 0] += w * dlam
    if q >= 0:
        grad[1 + q] += w * (lam * -dx_dz * sgn)
        hess[0, 1 + q] += w * (dlam * dx_dz * -dx_dz * sgn)
        hess[1 + q, 1 + q] += w * dlam


@njit(cache=True, inline="always")
def _add_middle(n_categories, k, g_u, g_v, h_uu, h_uv, h_vv, h_zz, w, grad, hess):
    """Add ``w`` times the derivatives of middle category ``k`` in ``(z, theta)``, from those
    of ``log(F(u) - F(v))`` in ``u = c_k - z``, ``v = c_{k-1} - z`` (:func:`_interval_terms`),
    to ``grad`` and the upper triangle of ``hess`` (and both entries off it)."""
    qu, su = _cut_index(n_categories, k)
    qv, sv = _cut_index(n_categories, k - 1)
    # d/dz = -(d/du + d/dv)
    grad[0] += w * -(g_u + g_v)
    hess[0, 0] += w * h_zz
    if qu >= 0:
        grad[1 + qu] += w * (su * g_u)
        hess[0, 1 + qu] += w * (-su * (h_uu + h_uv))
        hess[1 + qu, 1 + qu] += w * h_uu
    if qv >= 0:
        grad[1 + qv] += w * (sv * g_v)
        hess[0, 1 + qv] += w * (-sv * (h_uv + h_vv))
        hess[1 + qv, 1 + qv] += w * h_vv
    if qu >= 0 and qv >= 0:
        if qu == qv:
            # the tie of K = 3: both cutpoints are -/+ t_1
            hess[1 + qu, 1 + qu] += w * (2.0 * su * sv * h_uv)
        else:
            hess[1 + qu, 1 + qv] += w * (su * sv * h_uv)
            hess[1 + qv, 1 + qu] += w * (su * sv * h_uv)


@njit(cache=True)
def _log_davidson_denominator(z, nu):
    """``log(e^{z/2} + e^{-z/2} + nu)`` without overflow."""
    a = 0.5 * abs(z)
    return a + math.log1p(math.exp(-2.0 * a) + nu * math.exp(-a))


@njit(cache=True)
def _davidson_core(z, nu):
    """``(log D, P(a) - P(b), P(a) + P(b), 1 / D)`` with ``P(a) = e^{z/2} / D``,
    ``P(b) = e^{-z/2} / D``, ``D = e^{z/2} + e^{-z/2} + nu``, from one ``exp`` and one
    ``log1p``: with ``e = e^{-|z|/2}`` and ``D' = 1 + e^2 + nu e = e^{-|z|/2} D``,
    ``log D = |z|/2 + log1p(e^2 + nu e)``, ``e^{|z|/2} / D = 1 / D'``,
    ``e^{-|z|/2} / D = e^2 / D'`` and ``1 / D = e / D'`` (every ratio in ``[0, 1]``)."""
    a = 0.5 * abs(z)
    e = math.exp(-a)
    t = e * (e + nu)
    log_d = a + math.log1p(t)
    inv = 1.0 / (1.0 + t)
    big = inv                          # e^{|z|/2} / D
    small = e * e * inv                # e^{-|z|/2} / D
    diff = big - small if z >= 0.0 else small - big
    return log_d, diff, big + small, e * inv


@njit(cache=True)
def _davidson_terms(z, k, nu, grad, hess):
    log_d, diff, both, inv_d = _davidson_core(z, nu)
    # derivatives of -log D
    g_z = -0.5 * diff
    g_nu = -inv_d
    h_zz = -0.25 * (both - diff * diff)
    h_znu = 0.5 * diff * inv_d
    h_nunu = inv_d * inv_d
    if k == 2:
        lp = 0.5 * z - log_d
        g_z += 0.5
    elif k == 0:
        lp = -0.5 * z - log_d
        g_z -= 0.5
    else:
        if nu <= 0.0:
            for i in range(2):
                grad[i] = 0.0
            return -math.inf
        lp = math.log(nu) - log_d
        g_nu += 1.0 / nu
        h_nunu -= 1.0 / (nu * nu)
    grad[0] = g_z
    grad[1] = g_nu
    hess[0, 0] = h_zz
    hess[0, 1] = h_znu
    hess[1, 0] = h_znu
    hess[1, 1] = h_nunu
    return lp


@njit(cache=True)
def shares_terms(family, n_categories):
    """Whether :func:`pattern_terms` serves the family: the categories of one predictor
    share their evaluations (Davidson's denominator; the cutpoints of ``K >= 3``)."""
    return family == DAVIDSON or n_categories >= 3


@njit(cache=True)
def pattern_terms3(family, link, z, theta0, w_b, w_t, w_a, gap_e, gap_c, gap_logc):
    """:func:`pattern_terms` of the three-category families with one parameter (Davidson:
    ``theta0 = nu``; the threshold family of ``K = 3``, Rao-Kupper and Glenn-David:
    ``theta0 = eta``, ``gap_*`` the tie category's :func:`category_gaps`), for the
    weights ``w_b``, ``w_t``, ``w_a`` of b's win, the tie and a's win, returned as the tuple
    ``(l, dl/dz, dl/dtheta0, d2l/dz2, d2l/(dz dtheta0), d2l/dtheta0^2)``: scalars, because a
    kernel that takes arrays costs its caller reference counting on each call (see
    :func:`.links.pair_terms_gap`).  ``l = -inf`` (derivatives unspecified) when a weighted
    category has probability 0."""
    if family != DAVIDSON:
        return pair_terms_gap(link, z, theta0, gap_e, gap_c, gap_logc, w_a, w_b, w_t)
    nu = theta0
    wsum = w_a + w_t + w_b
    log_d, diff, both, inv_d = _davidson_core(z, nu)
    lp = 0.5 * z * (w_a - w_b) - wsum * log_d
    g_nu = -wsum * inv_d
    h_nunu = wsum * inv_d * inv_d
    if w_t != 0.0:
        if nu <= 0.0:
            return -math.inf, 0.0, 0.0, 0.0, 0.0, 0.0
        lp += w_t * math.log(nu)
        g_nu += w_t / nu
        h_nunu -= w_t / (nu * nu)
    return (lp, 0.5 * (w_a - w_b) - 0.5 * wsum * diff, g_nu,
            -0.25 * wsum * (both - diff * diff), 0.5 * wsum * diff * inv_d, h_nunu)


@njit(cache=True, inline="always")
def pattern_terms(family, link, n_categories, z, theta, wk, gap_e, gap_c, gap_logc, grad,
                  hess, work):
    """``sum_k wk[k] log P(k | z, theta)`` with its derivatives in ``(z, theta)`` (into
    ``grad``, ``hess`` as :func:`cell_terms`), the categories of one predictor at once
    (:func:`shares_terms` families; ``gap_*``: :func:`category_gaps`; ``work``: scratch of
    ``max(6, 7 (K - 1))`` doubles).

    Davidson takes one ``exp`` and one ``log1p`` for all three categories
    (:func:`_davidson_core`) against five and one for each; the threshold family of
    ``K = 3`` (Rao-Kupper, Glenn-David: ``eta = theta_0``) is :func:`.links.pair_terms_gap`,
    two log-CDF evaluations against four; larger ``K`` (:func:`_cumulative_pattern`) take
    one evaluation of both signs a cutpoint, ``K - 1``, against ``2 K - 2``.  Categories of
    weight 0 contribute nothing.
    Returns ``-inf`` (derivatives unspecified) when a weighted category has probability 0.
    """
    if n_categories > 3:
        return _cumulative_pattern(link, n_categories, z, theta, wk, gap_e, gap_c, gap_logc,
                                   grad, hess, work)
    l, g_z, g_e, h_zz, h_ze, h_ee = pattern_terms3(family, link, z, theta[0], wk[0], wk[1],
                                                   wk[2], gap_e[1], gap_c[1], gap_logc[1])
    grad[0] = g_z
    grad[1] = g_e
    hess[0, 0] = h_zz
    hess[0, 1] = h_ze
    hess[1, 0] = h_ze
    hess[1, 1] = h_ee
    return l


@njit(cache=True, inline="always")
def _cumulative_pattern(link, n_categories, z, theta, wk, gap_e, gap_c, gap_logc, grad, hess,
                        work):
    """:func:`pattern_terms` of the cumulative family: the log-CDF at ``x_c = c_c - z`` and
    at ``-x_c`` for each cutpoint ``c`` a weighted category uses (one ``exp`` and one
    ``log1p`` for the logistic, :func:`.links._logistic_both`; one ``erfc`` and one ``exp``
    for the probit, :func:`.links._probit_both`), then each category's terms from them, the
    same numbers as :func:`cell_terms_gap`'s own evaluations."""
    top = n_categories - 1
    ev = work[:7 * top].reshape((7, top))  # rows: lf, lam, dlam at x_c, then at -x_c; x_c
    for c in range(top):
        if wk[c] == 0.0 and wk[c + 1] == 0.0:
            continue
        q, sgn = _cut_index(n_categories, c)
        x = (0.0 if q < 0 else sgn * theta[q]) - z
        ev[6, c] = x
        if link == LOGISTIC:
            ev[0, c], ev[1, c], ev[2, c], ev[3, c], ev[4, c] = _logistic_both(x)
            ev[5, c] = ev[2, c]
        else:
            ev[0, c], ev[1, c], ev[2, c], ev[3, c], ev[4, c], ev[5, c] = _probit_both(x)
    m = grad.shape[0]
    for a in range(m):
        grad[a] = 0.0
        for b in range(m):
            hess[a, b] = 0.0
    lp = 0.0
    for k in range(n_categories):
        w = wk[k]
        if w == 0.0:
            continue
        if k == 0 or k == top:
            r = 0 if k == 0 else 3                   # log F(x_0), log F(-x_{K-2})
            c = 0 if k == 0 else top - 1
            lp += w * ev[r, c]
            _add_end(n_categories, k, ev[r + 1, c], ev[r + 2, c], w, grad, hess)
            continue
        # u = x_k > v = x_{k-1}, reflected to (-x_{k-1}, -x_k) when u + v > 0
        if ev[6, k] + ev[6, k - 1] > 0.0:
            lf, g_u, g_v, h_uu, h_uv, h_vv, h_zz = _interval_from(
                link, True, ev[3, k - 1], ev[4, k - 1], ev[5, k - 1], ev[3, k], ev[4, k],
                ev[5, k], ev[0, k], ev[1, k], gap_e[k], gap_c[k], gap_logc[k])
        else:
            lf, g_u, g_v, h_uu, h_uv, h_vv, h_zz = _interval_from(
                link, False, ev[0, k], ev[1, k], ev[2, k], ev[0, k - 1], ev[1, k - 1],
                ev[2, k - 1], ev[3, k - 1], ev[4, k - 1], gap_e[k], gap_c[k], gap_logc[k])
        if lf == -math.inf:
            return -math.inf
        lp += w * lf
        _add_middle(n_categories, k, g_u, g_v, h_uu, h_uv, h_vv, h_zz, w, grad, hess)
    for a in range(1, m):
        hess[a, 0] = hess[0, a]
    return lp


@njit(cache=True)
def log_probabilities(family, link, n_categories, z, theta, out):
    """``out[k] = log P(k | z, theta)`` for every category ``k``."""
    if family == DAVIDSON:
        log_d = _log_davidson_denominator(z, theta[0])
        out[2] = 0.5 * z - log_d
        out[0] = -0.5 * z - log_d
        out[1] = math.log(theta[0]) - log_d if theta[0] > 0.0 else -math.inf
        return
    top = n_categories - 1
    cuts = np.empty(top)
    cutpoints(n_categories, theta, cuts)
    for k in range(n_categories):
        if k == 0:
            out[k] = log_cdf(link, cuts[0] - z)
        elif k == top:
            out[k] = log_cdf(link, z - cuts[top - 1])
        else:
            gap_e, gap_c, gap_logc = logistic_gap(cuts[k] - cuts[k - 1])
            out[k] = _interval_terms(link, cuts[k] - z, cuts[k - 1] - z, gap_e, gap_c,
                                     gap_logc)[0]
