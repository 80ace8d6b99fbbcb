"""Data: :class:`Comparisons` and its readers (:mod:`.comparisons`), the rows behind units
and clusters (:mod:`.rows`) and the aggregation to cells (:mod:`.cells`)."""
from .comparisons import Comparisons, PairCounts, as_comparisons, read_comparisons

__all__ = ["Comparisons", "PairCounts", "read_comparisons", "as_comparisons"]
