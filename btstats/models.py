"""The paired-comparison models: a link function and a tie threshold.

With ``d = s_a - s_b`` (scores are log-strengths centred to sum to zero) and a symmetric
link ``F``, every model here is::

    P(a wins) = F(d - eta),   P(b wins) = F(-d - eta),   P(tie) = F(d + eta) - F(d - eta)

=================  ==========================  ===========================================
model              link ``F``                  tie threshold
=================  ==========================  ===========================================
bradley-terry      logistic                    none (``eta = 0``)
thurstone          standard normal CDF ``Phi``  none; Case V with ``Phi(d)``, no ``sqrt(2)``
rao-kupper         logistic                    ``eta = log(theta) >= 0``, estimated
=================  ==========================  ===========================================

Thurstone's Case V is often written ``Phi((s_a - s_b) / sqrt(2))``; btstats (like
BradleyTerry2's probit fits) absorbs the ``sqrt(2)`` into the scale of the scores, so its
Thurstone scores are those of the usual form divided by ``sqrt(2)``.
"""
from dataclasses import dataclass

import numpy as np

from ._kernels import likelihood as _likelihood
from ._kernels import links as _links

__all__ = ["Model", "MODELS", "get_model"]


@dataclass(frozen=True)
class Model:
    """A paired-comparison model: a name, a link code and whether it has a tie threshold."""

    name: str
    link: int
    has_ties: bool
    description: str

    def probabilities(self, d, eta=0.0):
        """``P(a wins), P(tie), P(b wins)`` for score differences ``d = s_a - s_b``.

        Parameters
        ----------
        d : array_like
            Score differences.
        eta : float
            Tie threshold (ignored, taken as 0, for models without ties).

        Returns
        -------
        tuple of ndarray
            Three arrays shaped like ``d``; they sum to one.

        Examples
        --------
        >>> from btstats.models import get_model
        >>> [float(p) for p in get_model("bradley-terry").probabilities(0.0)]
        [0.5, 0.0, 0.5]
        """
        d = np.asarray(d, dtype=float)
        if not np.all(np.isfinite(d)):
            raise ValueError("score differences must be finite.")
        eta = float(eta) if self.has_ties else 0.0
        res = _likelihood.probabilities(self.link, np.ascontiguousarray(d.ravel()), eta)
        return tuple(r.reshape(d.shape) for r in res)


MODELS = {
    "bradley-terry": Model("bradley-terry", _links.LOGISTIC, False,
                           "Bradley-Terry: P(a wins) = logistic(s_a - s_b)"),
    "thurstone": Model("thurstone", _links.PROBIT, False,
                       "Thurstone Case V: P(a wins) = Phi(s_a - s_b)"),
    "rao-kupper": Model("rao-kupper", _links.LOGISTIC, True,
                        "Rao-Kupper: P(a wins) = logistic(s_a - s_b - log theta)"),
}

_ALIASES = {"bt": "bradley-terry", "bradley_terry": "bradley-terry", "bradleyterry":
            "bradley-terry", "probit": "thurstone", "thurstone-mosteller": "thurstone",
            "rao_kupper": "rao-kupper", "raokupper": "rao-kupper", "rk": "rao-kupper"}


def get_model(model):
    """Return the :class:`Model` named ``model`` (a name, an alias or a Model)."""
    if isinstance(model, Model):
        return model
    key = str(model).strip().lower()
    key = _ALIASES.get(key, key)
    if key not in MODELS:
        raise ValueError(f"`model` must be one of {sorted(MODELS)}; got {model!r}.")
    return MODELS[key]
