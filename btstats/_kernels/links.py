"""Link functions and the per-pair likelihood pieces, in log-CDF form.

Numba only: scalars in, scalars out, no exceptions, no pandas.

Every model in btstats is a symmetric link ``F`` (``F(-x) = 1 - F(x)``) and a tie threshold
``eta >= 0``.  With ``d = s_a - s_b``::

    P(a wins) = F(d - eta),  P(b wins) = F(-d - eta),  P(tie) = F(d + eta) - F(d - eta).

``eta = 0`` gives the models without ties.  Links are integer codes so that one compiled kernel
serves every model: ``LOGISTIC`` (Bradley-Terry, Rao-Kupper) and ``PROBIT`` (Thurstone Case V,
the standard normal CDF with no sqrt(2)).

Everything is computed from ``log F``, ``lam = (log F)'`` and ``dlam = (log F)''`` so that
``|d|`` of several hundred neither overflows nor returns ``-inf``.
"""
import math

from numba import njit

LOGISTIC = 0
PROBIT = 1

_SQRT1_2 = 0.7071067811865476
_LOG_SQRT_2PI = 0.9189385332046728
_CF_SWITCH = 10.0   # below -_CF_SWITCH the normal tail uses a continued fraction
_CF_TERMS = 80


@njit(cache=True)
def _normal_tail_cf(t):
    """``c(t) = 1 / (t + 2 / (t + 3 / (t + ...)))`` (Laplace's continued fraction), t >= 10.

    The Mills ratio is ``R(t) = 1 / (t + c(t))``, so for ``x = -t``:
    ``Phi(x) = phi(x) R(t)``, ``lam(x) = t + c(t)`` and ``x + lam(x) = c(t)`` without cancellation.
    """
    acc = t
    for k in range(_CF_TERMS, 1, -1):
        acc = t + k / acc
    return 1.0 / acc


@njit(cache=True)
def log_cdf(link, x):
    """``log F(x)``."""
    if link == LOGISTIC:
        if x >= 0.0:
            return -math.log1p(math.exp(-x))
        return x - math.log1p(math.exp(x))
    if x < -_CF_SWITCH:
        t = -x
        return -0.5 * x * x - _LOG_SQRT_2PI - math.log(t + _normal_tail_cf(t))
    if x > 0.0:
        return math.log1p(-0.5 * math.erfc(x * _SQRT1_2))
    return math.log(0.5 * math.erfc(-x * _SQRT1_2))


@njit(cache=True)
def log_cdf_derivs(link, x):
    """``(log F(x), lam(x), dlam(x))``: the log-CDF and its first two derivatives."""
    if link == LOGISTIC:
        # e = exp(-|x|): log F(x) = min(x, 0) - log1p(e), F(-x) and F(x) as selects (the
        # same numbers as a branch on the sign of x, without its misprediction on random
        # signs: a third of a pass over 10**6 cells)
        e = math.exp(-abs(x))
        lf = min(x, 0.0) - math.log1p(e)
        d = 1.0 + e
        fneg = (e if x >= 0.0 else 1.0) / d     # F(-x)
        fpos = (1.0 if x >= 0.0 else e) / d     # F(x)
        return lf, fneg, -fpos * fneg
    if x < -_CF_SWITCH:
        t = -x
        c = _normal_tail_cf(t)
        lam = t + c
        lf = -0.5 * x * x - _LOG_SQRT_2PI - math.log(lam)
        return lf, lam, -lam * c
    if x > 0.0:
        q = 0.5 * math.erfc(x * _SQRT1_2)    # 1 - Phi(x) < 1/2
        lf = math.log1p(-q)
        phi = math.exp(-0.5 * x * x - _LOG_SQRT_2PI)
        lam = phi / (1.0 - q)
    else:
        cdf = 0.5 * math.erfc(-x * _SQRT1_2)
        lf = math.log(cdf)
        phi = math.exp(-0.5 * x * x - _LOG_SQRT_2PI)
        lam = phi / cdf
    return lf, lam, -lam * (x + lam)


@njit(cache=True)
def _logistic_both(x):
    """:func:`log_cdf_derivs` of the logistic at ``x`` and at ``-x`` from one ``exp`` and
    one ``log1p``: ``(lf(x), lam(x), dlam, lf(-x), lam(-x))`` (``dlam`` is even), the same
    numbers as two calls."""
    e = math.exp(-abs(x))
    l1 = math.log1p(e)
    d = 1.0 + e
    fneg = (e if x >= 0.0 else 1.0) / d     # F(-x)
    fpos = (1.0 if x >= 0.0 else e) / d     # F(x)
    return min(x, 0.0) - l1, fneg, -fpos * fneg, min(-x, 0.0) - l1, fpos


@njit(cache=True)
def _probit_both(x):
    """:func:`log_cdf_derivs` of the probit at ``x`` and at ``-x``:
    ``(lf(x), lam(x), dlam(x), lf(-x), lam(-x), dlam(-x))``, the same numbers as two calls.
    For ``0 < |x| <= _CF_SWITCH`` both come from one ``erfc`` and one ``exp``: ``1 - Phi(|x|)
    = Phi(-|x|)`` is the tail both branches of :func:`log_cdf_derivs` compute, and the
    density is even.  Elsewhere (0, and where a continued fraction takes over) two calls."""
    t = abs(x)
    if not (0.0 < t <= _CF_SWITCH):
        a0, a1, a2 = log_cdf_derivs(PROBIT, x)
        b0, b1, b2 = log_cdf_derivs(PROBIT, -x)
        return a0, a1, a2, b0, b1, b2
    q = 0.5 * math.erfc(t * _SQRT1_2)       # Phi(-t) = 1 - Phi(t)
    phi = math.exp(-0.5 * t * t - _LOG_SQRT_2PI)
    lam_p = phi / (1.0 - q)                 # at +t
    lam_m = phi / q                         # at -t
    lf_p = math.log1p(-q)
    lf_m = math.log(q)
    dlam_p = -lam_p * (t + lam_p)
    dlam_m = -lam_m * (-t + lam_m)
    if x > 0.0:
        return lf_p, lam_p, dlam_p, lf_m, lam_m, dlam_m
    return lf_m, lam_m, dlam_m, lf_p, lam_p, dlam_p


@njit(cache=True)
def log_cdf_grad(link, x):
    """``lam(x) = d log F(x) / dx`` alone (the first value of :func:`log_cdf_derivs`'s
    derivatives, without the log-CDF): one ``exp`` for the logistic link."""
    if link == LOGISTIC:
        e = math.exp(-abs(x))
        return (e if x >= 0.0 else 1.0) / (1.0 + e)
    return log_cdf_derivs(link, x)[1]


@njit(cache=True)
def log_tie(link, d, eta):
    """``log(F(d + eta) - F(d - eta))``; even in ``d``, computed on the lower tail."""
    a = -abs(d)
    lu = log_cdf(link, a + eta)
    lv = log_cdf(link, a - eta)
    om = -math.expm1(lv - lu)
    if om <= 0.0:
        # eta below the resolution of log F at d: the tie probability is not representable
        return -math.inf
    return lu + math.log(om)


@njit(cache=True)
def logistic_gap(delta):
    """``(exp(-delta), 1 - exp(-delta), log(1 - exp(-delta)))`` for a gap ``delta >= 0``
    between the arguments ``u = v + delta`` of an interval ``F(u) - F(v)`` of the logistic,
    without cancellation (``expm1``); ``log`` is ``-inf`` at ``delta = 0``.

    With them the interval needs no transcendental beyond the log-CDF evaluation at ``v``
    (:func:`logistic_interval`); a pass computes them once per gap.
    """
    c = -math.expm1(-delta)
    return math.exp(-delta), c, (math.log(c) if c > 0.0 else -math.inf)


@njit(cache=True)
def tie_gap(link, eta):
    """:func:`logistic_gap` of the tie interval (``2 eta``) for :func:`pair_terms_gap`:
    zeros where it is unused (the probit, or no tie threshold)."""
    if link == LOGISTIC and eta > 0.0:
        return logistic_gap(2.0 * eta)
    return 0.0, 0.0, -math.inf


@njit(cache=True)
def logistic_interval(lf_u, f_v, f_nv, lf_nv, gap_e, gap_c, gap_logc):
    """``(log P, om, r)`` of ``P = F(u) - F(v)`` for the logistic with ``u = v + delta``
    (``gap_*``: :func:`logistic_gap` of ``delta``), from ``lf_u = log F(u)``, ``f_v = F(v)``,
    ``f_nv = F(-v)`` and ``lf_nv = log F(-v)``: ``om = 1 - F(v) / F(u)`` and
    ``r = F(v) / F(u)``.

    For the logistic ``1 - F(v) / F(u) = (1 - e^{-delta}) F(-v)`` exactly, so
    ``log P = log F(u) + log(1 - e^{-delta}) + log F(-v)`` and ``r = F(v) + e^{-delta}
    F(-v)``: sums of positive terms and logs already known, accurate in both tails (the
    general form ``exp`` / ``expm1`` / ``log`` of ``log F(v) - log F(u)`` costs three
    transcendentals per pair).  Callers use it only where ``log F(v) < log F(u)`` in
    floating point, the domain of the general form, so that both forms agree on where the
    interval is representable (where it is not, the solvers step back: a barrier they
    rely on when a tie threshold runs to 0).
    """
    return lf_u + gap_logc + lf_nv, gap_c * f_nv, f_v + gap_e * f_nv


@njit(cache=True)
def pair_terms(link, d, eta, n_ab, n_ba, n_tie, out):
    """Log-likelihood of one pair's counts and its derivatives in ``(d, eta)``.

    Writes ``out[0] = l``, ``out[1] = dl/dd``, ``out[2] = dl/deta``, ``out[3] = d2l/dd2``,
    ``out[4] = d2l/(dd deta)``, ``out[5] = d2l/deta2``.  Cells with a zero count contribute
    nothing, so ``eta = 0`` with ``n_tie = 0`` is fine.  (A pass over many pairs calls
    :func:`pair_terms_gap` with the tie gap's constants computed once.)
    """
    gap_e, gap_c, gap_logc = tie_gap(link, eta) if n_tie != 0.0 else (0.0, 0.0, -math.inf)
    (out[0], out[1], out[2], out[3], out[4],
     out[5]) = pair_terms_gap(link, d, eta, gap_e, gap_c, gap_logc, n_ab, n_ba, n_tie)


@njit(cache=True)
def pair_terms_gap(link, d, eta, gap_e, gap_c, gap_logc, n_ab, n_ba, n_tie):
    """:func:`pair_terms` given :func:`tie_gap` (once per pass), returned as the tuple
    ``(l, dl/dd, dl/deta, d2l/dd2, d2l/(dd deta), d2l/deta2)``: scalars, not an output
    array, because a kernel that takes arrays costs its caller reference counting on each
    call, as much as the terms themselves (a pass over 5,000 pairs of Davidson ties:
    80 ns a call, 2x the pass)."""
    if link == LOGISTIC and eta == 0.0 and n_tie == 0.0:
        # Bradley-Terry: both outcomes from one exp and one log1p
        ad = abs(d)
        e = math.exp(-ad)
        l1 = math.log1p(e)
        hi = 1.0 / (1.0 + e)
        lo = e * hi
        if d >= 0.0:
            f_pos, f_neg, lf_pos, lf_neg = hi, lo, -l1, -ad - l1
        else:
            f_pos, f_neg, lf_pos, lf_neg = lo, hi, -ad - l1, -l1
        ff = f_pos * f_neg
        return (n_ab * lf_pos + n_ba * lf_neg, n_ab * f_neg - n_ba * f_pos,
                -n_ab * f_neg - n_ba * f_pos, -(n_ab + n_ba) * ff, (n_ab - n_ba) * ff,
                -(n_ab + n_ba) * ff)
    l = 0.0
    g_d = 0.0
    g_e = 0.0
    h_dd = 0.0
    h_de = 0.0
    h_ee = 0.0
    # The tie's arguments u = -|d| + eta and v = -|d| - eta are -x and y for the wins'
    # arguments {x, y} = {d - eta, -d - eta} (x the one of |d| - eta): v's log-CDF is a win's,
    # and for the logistic u's comes with it (:func:`_logistic_both`), so a pair with ties
    # costs two evaluations instead of four (three for the probit), with the same numbers.
    x1 = d - eta
    x2 = -d - eta
    lf1 = lam1 = dlam1 = lf2 = lam2 = dlam2 = 0.0
    lfr1 = lamr1 = lfr2 = lamr2 = 0.0         # the logistic at -x1 and -x2
    tie_first = d < 0.0                      # v = x1 (d < 0) or x2 (d >= 0)
    need1 = n_ab != 0.0 or (n_tie != 0.0 and (tie_first or link == LOGISTIC))
    need2 = n_ba != 0.0 or (n_tie != 0.0 and (not tie_first or link == LOGISTIC))
    # the probit at -x1 / -x2 when a tie needs it and its win is evaluated anyway (one erfc
    # for both, :func:`_probit_both`); and Thurstone's two wins, at d and -d, from one erfc
    dlamr1 = dlamr2 = 0.0
    pboth1 = link == PROBIT and need1 and n_tie != 0.0 and not tie_first
    pboth2 = link == PROBIT and need2 and n_tie != 0.0 and tie_first
    if link == PROBIT and eta == 0.0 and n_tie == 0.0 and need1 and need2:
        lf1, lam1, dlam1, lf2, lam2, dlam2 = _probit_both(x1)
        need1 = need2 = False
    if need1:
        if link == LOGISTIC:
            lf1, lam1, dlam1, lfr1, lamr1 = _logistic_both(x1)
        elif pboth1:
            lf1, lam1, dlam1, lfr1, lamr1, dlamr1 = _probit_both(x1)
        else:
            lf1, lam1, dlam1 = log_cdf_derivs(link, x1)
    if need2:
        if link == LOGISTIC:
            lf2, lam2, dlam2, lfr2, lamr2 = _logistic_both(x2)
        elif pboth2:
            lf2, lam2, dlam2, lfr2, lamr2, dlamr2 = _probit_both(x2)
        else:
            lf2, lam2, dlam2 = log_cdf_derivs(link, x2)
    if n_ab != 0.0:
        l += n_ab * lf1
        g_d += n_ab * lam1
        g_e -= n_ab * lam1
        h_dd += n_ab * dlam1
        h_de -= n_ab * dlam1
        h_ee += n_ab * dlam1
    if n_ba != 0.0:
        l += n_ba * lf2
        g_d -= n_ba * lam2
        g_e -= n_ba * lam2
        h_dd += n_ba * dlam2
        h_de += n_ba * dlam2
        h_ee += n_ba * dlam2
    if n_tie != 0.0:
        # T = log(F(u) - F(v)), u = a + eta, v = a - eta, a = -|d| (T is even in d).
        sgn = 1.0 if d <= 0.0 else -1.0     # dT/dd = sgn * dT/da
        if tie_first:                       # a = d: v = x1, u = -x2
            lv, lam_v, dlam_v = lf1, lam1, dlam1
            if link == LOGISTIC:
                lu, lam_u, dlam_u = lfr2, lamr2, dlam2
            elif pboth2:
                lu, lam_u, dlam_u = lfr2, lamr2, dlamr2
            else:
                lu, lam_u, dlam_u = log_cdf_derivs(link, -x2)
        else:                               # a = -d: v = x2, u = -x1
            lv, lam_v, dlam_v = lf2, lam2, dlam2
            if link == LOGISTIC:
                lu, lam_u, dlam_u = lfr1, lamr1, dlam1
            elif pboth1:
                lu, lam_u, dlam_u = lfr1, lamr1, dlamr1
            else:
                lu, lam_u, dlam_u = log_cdf_derivs(link, -x1)
        if link == LOGISTIC and lv < lu:
            # v's F(v), F(-v), log F(-v) came with its evaluation (lamr, lam, lfr)
            if tie_first:
                lt, om, r = logistic_interval(lu, lamr1, lam1, lfr1, gap_e, gap_c, gap_logc)
            else:
                lt, om, r = logistic_interval(lu, lamr2, lam2, lfr2, gap_e, gap_c, gap_logc)
        else:
            # (lv >= lu: log F does not resolve u from v, om <= 0 below, as for the probit)
            r = math.exp(lv - lu)               # F(v) / F(u) < 1
            om = -math.expm1(lv - lu)           # 1 - r
            lt = lu + math.log(om) if om > 0.0 else -math.inf
        if om <= 0.0:
            # eta below the resolution of log F at d (eta ~ 1e-16 |d|): log P(tie) is not
            # representable.  l = -inf makes every solver step back from here, and the
            # infinite pull of the ties on eta keeps any convergence test from passing.
            return -math.inf, 0.0, math.inf, 0.0, 0.0, -1.0
        l += n_tie * lt
        # With P = F(u) - F(v), f(u)/P = lam_u / om and f(v)/P = lam_v r / om.  The second
        # derivatives are written so that no two large terms cancel in the far tails.
        fu = lam_u / om
        fv = lam_v * r / om
        t_a = fu - fv
        t_e = fu + fv
        base = dlam_u / om
        rd = r * dlam_v / om
        q = r / (om * om)
        t_aa = base - rd - q * (lam_u - lam_v) ** 2
        t_ee = base - rd - q * (lam_u + lam_v) ** 2
        t_ae = base + rd + q * (lam_v - lam_u) * (lam_v + lam_u)
        g_d += n_tie * sgn * t_a
        g_e += n_tie * t_e
        h_dd += n_tie * t_aa
        h_de += n_tie * sgn * t_ae
        h_ee += n_tie * t_ee
    return l, g_d, g_e, h_dd, h_de, h_ee


@njit(cache=True)
def outcome_log_probs(link, d, eta, out):
    """``out = (log P(a wins), log P(b wins), log P(tie))``; the tie is ``-inf`` when eta = 0."""
    out[0] = log_cdf(link, d - eta)
    out[1] = log_cdf(link, -d - eta)
    if eta > 0.0:
        out[2] = log_tie(link, d, eta)
    else:
        out[2] = -math.inf
