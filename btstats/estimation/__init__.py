"""Estimation: :func:`fit` (validation, the existence check, the solvers: :mod:`.fit` for
the pair-count models, :mod:`.core` for the general core) and the fit results
(:mod:`.results`)."""
from .fit import fit
from .results import PairProbabilities, PairwiseFit
from .core import CoreFit

__all__ = ["fit", "PairwiseFit", "PairProbabilities", "CoreFit"]
