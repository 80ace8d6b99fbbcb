"""Constants and helpers shared by the agreement modules."""

import numpy as np

from .. import _validation as _v


#: Statistics of :class:`Agreement` that have bootstrap intervals, in this order.
AGREEMENT_STATISTICS = ("agreement", "agreement_no_ties", "fleiss_kappa", "krippendorff_alpha")
#: Quantities of :class:`Ceilings`, in this order.
CEILING_STATISTICS = ("agreement", "agreement_no_ties", "accuracy", "accuracy_no_ties",
                      "log_loss", "log_loss_no_ties", "brier", "brier_no_ties")
#: Quantities over the categories of a graded family (more than three categories), after
#: those of CEILING_STATISTICS.
GRADE_STATISTICS = ("agreement_grades", "accuracy_grades", "log_loss_grades", "brier_grades")
_CATEGORIES = ("item_1", "item_2", "tie")
#: Resamples drawn per block by the unit bootstrap (bounds its memory).
_BOOT_BLOCK = 256


# =========================================================================== validation
def _check_level(confidence_level):
    return _v.check_confidence_level(confidence_level)


def _percentile_interval(draws, confidence_level, n_columns):
    """Arrays ``low``, ``high``: percentile interval of each column of ``draws`` (NaN-safe)."""
    low = np.full(n_columns, np.nan)
    high = np.full(n_columns, np.nan)
    if draws is None or draws.shape[0] == 0:
        return low, high
    alpha = (1.0 - confidence_level) / 2.0
    for c in range(n_columns):
        col = draws[:, c]
        col = col[np.isfinite(col)]
        if col.size:
            low[c], high[c] = np.quantile(col, [alpha, 1.0 - alpha])
    return low, high
