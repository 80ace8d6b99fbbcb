"""Data: :class:`Comparisons` and its readers (:mod:`.comparisons`), the table-like inputs
and the wide-to-long reshaping (:mod:`.inputs`), the rows behind units and clusters
(:mod:`.rows`) and the aggregation to cells (:mod:`.cells`)."""
from .comparisons import Comparisons, PairCounts, as_comparisons, read_comparisons
from .inputs import as_pandas, wide_to_long

__all__ = ["Comparisons", "PairCounts", "read_comparisons", "as_comparisons", "as_pandas",
           "wide_to_long"]
