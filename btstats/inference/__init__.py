"""Inference: covariances, the bootstrap, one intervals module, rank sets, and standard
errors at scale (:mod:`.large`: sparse solves, a sparse factorisation and a stochastic
diagonal, no n x n matrix)."""
from .large import Variances, variances

__all__ = ["Variances", "variances"]
