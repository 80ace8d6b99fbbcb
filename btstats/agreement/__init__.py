r"""Labeler agreement and the ceilings it puts on held-out accuracy.

Two different numbers are often confused:

* **Agreement** -- how often two labelers give the same label to the same comparison.  If a
  comparison's outcome probabilities are ``p = (P(a), P(tie), P(b))`` and both labels are
  independent draws, they agree with probability ``sum p**2``.
* **The Bayes accuracy ceiling** -- the best held-out accuracy any scorer can reach on labels
  drawn from ``p``: predict the most probable label, right with probability ``max p``.

For a comparison with ``P(a) = 0.8`` two labelers agree ``0.8**2 + 0.2**2 = 0.68`` of the
time, but the best scorer is right ``0.80`` of the time: agreement is *lower* than the
ceiling, so a reward model whose accuracy exceeds the labelers' agreement is not for that
reason overfit.  See ``docs/agreement.md``.

Empirical agreement (repeated labels of the same comparison)
------------------------------------------------------------
=====================================  ===================================================
:func:`agreement`                      raw agreement (with / without ties, bootstrap
                                       intervals over units), Fleiss' kappa, Krippendorff's
                                       alpha, Cohen's kappa of every pair of annotators,
                                       per-annotator agreement with the others' majority
:func:`agreement_by`                   the same statistics per group (e.g. per query)
:func:`cohen_kappa`                    two raters, labels or a contingency table
:func:`fleiss_kappa`                   many raters, missing labels allowed
:func:`krippendorff_alpha`             nominal alpha, missing labels allowed
=====================================  ===================================================

A *unit* is what is labelled repeatedly: an unordered pair of items within a cluster (the
``cluster`` or ``prompt`` column), or an unordered pair of items when there is no cluster
column.  Labels are oriented to the unit's items in label order (``item_1 < item_2``), so
every label is one of three categories: ``item_1`` wins, ``item_2`` wins, tie.

Model-implied ceilings
----------------------
:func:`ceilings` takes a fit (or true scores and a model) and a design and returns the
expected agreement, the Bayes accuracy ceiling, the smallest expected log loss (the entropy)
and Brier score, each over all labels and over decisive labels only, with intervals from
bootstrap draws of the scores or a seeded parametric draw from the fit's covariance.  Every
outcome family serves (binary, threshold and Davidson ties, graded outcomes, order effects):
through its outcome probabilities (graded categories summed by side), and for graded models
also over the exact grades.
"""
from ._common import AGREEMENT_STATISTICS, CEILING_STATISTICS, GRADE_STATISTICS
from .kappas import KappaResult, cohen_kappa, fleiss_kappa, krippendorff_alpha
from .empirical import Agreement, accuracy_bounds, agreement, agreement_by, label_units
from .ceilings import Ceilings, ceilings
from . import annotators
from .annotators import AnnotatorFit, fit_annotators

__all__ = ["Agreement", "Ceilings", "KappaResult", "AnnotatorFit", "accuracy_bounds",
           "agreement", "agreement_by", "ceilings", "cohen_kappa", "fleiss_kappa",
           "krippendorff_alpha", "label_units", "fit_annotators", "annotators", "AGREEMENT_STATISTICS",
           "CEILING_STATISTICS", "GRADE_STATISTICS"]
