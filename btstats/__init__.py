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
from .data.comparisons import Comparisons, PairCounts, read_comparisons
from .data.rankings import Rankings
from .data.inputs import wide_to_long
from .examples import EXAMPLES, load_example
from . import agreement, arena, evaluation
from .agreement import annotators
from .agreement.empirical import Agreement, accuracy_bounds
from .agreement.ceilings import Ceilings, ceilings
from .agreement.kappas import cohen_kappa, fleiss_kappa, krippendorff_alpha
from .agreement.annotators import AnnotatorFit, fit_annotators
from ._results import ConfidenceInterval
from .inference.quasi import QuasiVariances, quasi_variances
from .inference.comparison import Contrast, ModelComparison, ModelComparisonWarning, compare
from .inference.bootstrap import BootstrapResult
from .estimation.fit import bootstrap
from .evaluation import (AboveCeilingWarning, Evaluation, evaluate, order_consistency,
                         win_rate_scores)
from .inference.ranks import (RankSets, pairwise_superiority, probability_first,
                              rank_confidence_sets, rank_distribution, rank_intervals,
                              rank_lower_bound, rank_upper_bound)
from .exceptions import (ConvergenceWarning, DataError, DegenerateResampleWarning, NoMLEError,
                         TiesError)
from .estimation.fit import fit
from .models.model import MODELS, Model, get_model
from .estimation.results import PairProbabilities, PairwiseFit
from .estimation.plackett_luce import PlackettLuceFit, RankingBootstrap, fit_rankings
# The simulators.  ``btstats.simulate`` is the function (it shadows the module of the same
# name as an attribute); ``from btstats.simulate import ...`` still reaches the module.
from .simulate.designs import Design, given_pairs, random_pairs, round_robin, sparse_connected
from .simulate.simulators import Simulation, simulate, simulate_annotation
from .simulate.annotators import annotation_accuracy, annotator_pool
from .simulate.adaptive import AdaptiveStudy, PairProposal, adaptive_study, propose_pairs

# ``btstats.compile()`` compiles the kernels ahead (not in ``__all__``: a star import must not
# shadow the builtin ``compile``)
from ._compile import compile  # noqa: F401, A004

__version__ = "0.1.0"

__all__ = [
    "Comparisons", "PairCounts", "read_comparisons", "wide_to_long", "fit", "PairwiseFit",
    "PairProbabilities", "Model", "MODELS", "get_model", "load_example", "EXAMPLES",
    "DataError", "NoMLEError", "TiesError", "ConvergenceWarning", "__version__",
    "bootstrap", "BootstrapResult", "ConfidenceInterval", "DegenerateResampleWarning",
    "QuasiVariances", "quasi_variances",
    "compare", "ModelComparison", "Contrast", "ModelComparisonWarning",
    "agreement", "annotators", "arena", "evaluation", "Agreement", "Ceilings", "accuracy_bounds",
    "ceilings", "cohen_kappa", "fleiss_kappa", "krippendorff_alpha", "AnnotatorFit",
    "fit_annotators", "AboveCeilingWarning", "Evaluation", "evaluate", "order_consistency",
    "win_rate_scores",
    "RankSets", "rank_confidence_sets", "rank_upper_bound", "rank_lower_bound",
    "rank_distribution", "probability_first", "pairwise_superiority", "rank_intervals",
    "simulate", "simulate_annotation", "Simulation", "Design", "round_robin", "random_pairs",
    "sparse_connected", "given_pairs", "annotator_pool", "annotation_accuracy",
    "AdaptiveStudy", "PairProposal", "adaptive_study", "propose_pairs",
    "Rankings", "fit_rankings", "PlackettLuceFit", "RankingBootstrap",
]
