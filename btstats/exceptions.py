"""Named errors and warnings.

A user mistake is an exception that says what to do; a statistical outcome (an iteration
that did not converge) is a flag on the result plus a named warning.
"""

__all__ = ["DataError", "NoMLEError", "TiesError", "ConvergenceWarning",
           "DegenerateResampleWarning"]


class DataError(ValueError):
    """The comparison data cannot be used as given (the message names the rows or items)."""


class NoMLEError(DataError):
    """No finite maximum-likelihood estimate exists for this comparison graph.

    Attributes
    ----------
    n_groups : int
        Number of strongly connected groups of items in the win graph.
    never_win, never_lose : list
        Labels of items that never win / never lose.
    """

    def __init__(self, message, *, n_groups=None, never_win=(), never_lose=()):
        super().__init__(message)
        self.n_groups = n_groups
        self.never_win = list(never_win)
        self.never_lose = list(never_lose)


class TiesError(DataError):
    """The data hold ties but the model has no tie parameter."""


class ConvergenceWarning(RuntimeWarning):
    """An iterative fit stopped before its convergence criterion was met."""


class DegenerateResampleWarning(RuntimeWarning):
    """Some bootstrap or jackknife replicates had no finite MLE (or did not converge); the
    result says how many and how they were handled."""
