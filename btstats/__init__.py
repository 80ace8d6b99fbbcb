"""btstats: statistics of paired comparisons.

Fit Bradley-Terry, Thurstone (Case V) and Rao-Kupper models by Newton, MM or gradient
iterations compiled with Numba; scores are log-strengths centred to sum to zero.

>>> import btstats
>>> res = btstats.fit(btstats.load_example("citations"))
>>> res.to_frame()[["rank", "item", "score"]].round(3)
   rank          item  score
0     1        JRSS-B  1.059
1     2    Biometrika  0.790
2     3          JASA  0.310
3     4  Comm Statist -2.159
"""
from .data import Comparisons, PairCounts, read_comparisons
from .examples import EXAMPLES, load_example
from .exceptions import ConvergenceWarning, DataError, NoMLEError, TiesError
from .fit import fit
from .models import MODELS, Model, get_model
from .results import PairProbabilities, PairwiseFit

__version__ = "0.1.0"

__all__ = [
    "Comparisons", "PairCounts", "read_comparisons", "fit", "PairwiseFit",
    "PairProbabilities", "Model", "MODELS", "get_model", "load_example", "EXAMPLES",
    "DataError", "NoMLEError", "TiesError", "ConvergenceWarning", "__version__",
]
