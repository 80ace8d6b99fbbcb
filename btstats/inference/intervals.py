r"""Confidence intervals: the one place btstats computes them.

Plain functions on arrays (numpy in, numpy out, no pandas): :func:`wald` from an estimate and
its standard error, :func:`percentile`, :func:`basic` and :func:`bca` from a bootstrap
distribution, :func:`jackknife_acceleration` for BCa, and :func:`compute`, which dispatches on
the interval kind (:data:`INTERVALS`).  Result classes wrap the arrays in a
:class:`btstats.ConfidenceInterval` indexed by parameter (see
:meth:`btstats._results.ResultBase._interval`).

The code is in :mod:`btstats._intervals`, below the result base (:mod:`btstats._results`)
that every result class of this package inherits, so that no import circle joins the two;
this module is where to import it from.
"""
from .._intervals import (INTERVALS, basic, bca, compute, jackknife_acceleration,
                          normal_quantile, percentile, wald)

__all__ = ["INTERVALS", "normal_quantile", "wald", "percentile", "basic", "bca",
           "jackknife_acceleration", "compute"]
