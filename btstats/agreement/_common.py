"""Constants shared by the agreement modules (their intervals come from
:mod:`btstats.inference.intervals`, their level check from :mod:`btstats._validation`)."""

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

