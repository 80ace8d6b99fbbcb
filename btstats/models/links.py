"""Link functions: the symmetric CDF ``F`` a model puts on its linear predictor.

A :class:`Link` is data: its name, the integer code the compiled kernels dispatch on
(:mod:`btstats._kernels.links`, where the likelihood's log-CDF arithmetic lives) and, for the
few places that need plain numbers outside the kernels (start values, closed forms), its CDF
and quantile function in numpy / scipy.

=========  ============================================  ==============================
link       ``F``                                         kernel code
=========  ============================================  ==============================
``logit``  logistic, ``1 / (1 + exp(-x))``                ``_kernels.links.LOGISTIC``
``probit`` standard normal CDF ``Phi`` (no ``sqrt(2)``)   ``_kernels.links.PROBIT``
=========  ============================================  ==============================

Examples
--------
>>> from btstats.models.links import get_link
>>> probit = get_link("probit")
>>> probit.name, round(float(probit.cdf(1.0)), 4), round(float(probit.ppf(0.975)), 4)
('probit', 0.8413, 1.96)
>>> round(float(get_link("logit").ppf(0.75)), 4)       # log(3)
1.0986
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from .._kernels import links as _links

__all__ = ["Link", "LOGIT", "PROBIT", "LINKS", "get_link"]


def _logit_ppf(q):
    q = np.asarray(q, dtype=float)
    return np.log(q / (1 - q))


def _probit_ppf(q):
    from scipy.stats import norm

    return norm.ppf(q)


@dataclass(frozen=True)
class Link:
    """A symmetric link ``F`` (``F(-x) = 1 - F(x)``).

    Attributes
    ----------
    name : str
        ``"logit"`` or ``"probit"``, as ``link=`` takes it.
    code : int
        The kernels' code (:data:`btstats._kernels.links.LOGISTIC` / ``PROBIT``).
    description : str
        What ``F`` is, for reports.
    """

    name: str
    code: int
    description: str
    _cdf: object = field(repr=False, compare=False)
    _ppf: object = field(repr=False, compare=False)
    _pdf: object = field(default=None, repr=False, compare=False)

    def cdf(self, x):
        """``F(x)`` (numpy; the kernels have their own log-CDF code)."""
        return self._cdf(np.asarray(x, dtype=float))

    def pdf(self, x):
        """``F'(x)``, the density (numpy)."""
        return self._pdf(np.asarray(x, dtype=float))

    def ppf(self, q):
        """``F^{-1}(q)``, the quantile function (for start values)."""
        return self._ppf(q)


def _logit_pdf(x):
    p = special.expit(x)
    return p * (1.0 - p)


def _probit_pdf(x):
    return np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)


LOGIT = Link("logit", _links.LOGISTIC, "logistic", special.expit, _logit_ppf, _logit_pdf)
PROBIT = Link("probit", _links.PROBIT, "standard normal CDF Phi (no sqrt(2))", special.ndtr,
              _probit_ppf, _probit_pdf)

#: The links by name.
LINKS = {"logit": LOGIT, "probit": PROBIT}

_ALIASES = {"logistic": "logit", "normal": "probit"}
_BY_CODE = {lk.code: lk for lk in LINKS.values()}


def get_link(link):
    """The :class:`Link` named ``link`` (a name, an alias ``"logistic"`` / ``"normal"``, a
    kernel code or a Link)."""
    if isinstance(link, Link):
        return link
    if isinstance(link, (int, np.integer)) and not isinstance(link, bool):
        if int(link) in _BY_CODE:
            return _BY_CODE[int(link)]
    elif isinstance(link, str):
        key = link.strip().lower()
        key = _ALIASES.get(key, key)
        if key in LINKS:
            return LINKS[key]
    raise ValueError(f"`link` must be one of {sorted(LINKS)}; got {link!r}.")
