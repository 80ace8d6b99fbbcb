"""Bundled example data sets (see PROVENANCE.md beside this file for their sources).

- ``baseball``: 1987 American League East, 7 teams, 273 games (Agresti 2002, Table 10.11).
- ``citations``: cross-citations among 4 statistics journals, 3727 citations (Stigler 1994).
- ``springall``: Springall (1973) flavour experiment, 9 treatments, 885 comparisons, 198 ties.
- ``baseball_home``: the baseball games by home team (``home_a = 1``: item_a at home), for
  ``fit(..., order_effect=True)`` (BradleyTerry2's home-advantage example).
- ``home_ties``: simulated (seed 20240602) Rao-Kupper outcomes with ties and a home column
  (1 / -1 / 0), 6 items, 2500 comparisons.
- ``graded5``: simulated (seed 20240603) graded outcomes ``grade`` in -2 .. 2 (+2: item_a
  much better), 7 items, 4000 comparisons.
- ``battles``: a simulated (seed 20240614) arena, ``battles.jsonl``: 8 models, 1200 battles
  (``model_a, model_b, winner, prompt``), ties and "tie (bothbad)".
- ``pandalm``: the PandaLM human test set (Wang et al. 2024), one row per label: 999 pairs of
  responses of 5 LLMs, 3 annotators, ``item_a, item_b, outcome, annotator, prompt``.
- ``music``: MTurk music-similarity judgments (Urbano et al. 2010), one row per label: 281
  pairs, 79 workers, items ``query:doc``, ``item_a, item_b, outcome, annotator, query``.
- ``nascar``: the 36 races of the 2002 NASCAR season, 87 drivers (Hunter 2004), one row per
  (race, driver) with the finishing position: ``ranking, item, rank``, loaded as
  :class:`~btstats.Rankings` (for :func:`~btstats.fit_rankings`).
"""
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from ..data.comparisons import Comparisons
    from ..data.rankings import Rankings

EXAMPLES = ("baseball", "citations", "springall", "baseball_home", "home_ties", "graded5",
            "battles", "pandalm", "music", "nascar")
#: Examples stored as long rows (read by Comparisons.from_frame) rather than pair counts.
_LONG = ("home_ties", "graded5", "pandalm", "music")
#: Examples stored as arena battles in JSON lines (read by Comparisons.from_arena).
_ARENA = ("battles",)
#: Examples stored as rankings (read by Rankings.from_long).
_RANKINGS = ("nascar",)


def load_example(name: str, *,
                 as_frame: bool = False) -> "Comparisons | Rankings | pd.DataFrame":
    """Load a bundled example as :class:`~btstats.Comparisons` (``nascar``:
    :class:`~btstats.Rankings`), or as the table it is stored as.

    Parameters
    ----------
    name : str
        One of :data:`EXAMPLES`: ``"baseball"``, ``"citations"``, ``"springall"``,
        ``"baseball_home"``, ``"home_ties"``, ``"graded5"``, ``"battles"``, ``"pandalm"``,
        ``"music"``, ``"nascar"``.
    as_frame : bool
        Return the raw table instead: pair counts ``item_a, item_b, wins_a, wins_b, ties``
        (with ``home_a`` for ``baseball_home``), the long rows of ``home_ties``
        (``item_a, item_b, home, outcome``), ``graded5`` (``item_a, item_b, grade``),
        ``pandalm`` (``item_a, item_b, outcome, annotator, prompt``) and ``music``
        (``item_a, item_b, outcome, annotator, query``), or the battles of ``battles``
        (``model_a, model_b, winner, prompt``), or the race results of ``nascar``
        (``ranking, item, rank``).

    Examples
    --------
    >>> from btstats import load_example
    >>> load_example("springall")
    Comparisons(9 items, 108 rows, 885 comparisons, 198 ties, 36 pairs)
    >>> load_example("nascar").n_rankings
    36
    """
    from ..data.comparisons import Comparisons, numpy_counts

    from .._validation import check_choice

    check_choice(name, "name", EXAMPLES)
    check_choice(as_frame, "as_frame", (False, True))
    here = resources.files(__name__)
    if name in _ARENA:
        with here.joinpath(f"{name}.jsonl").open("r", encoding="utf-8") as fh:
            df = pd.read_json(fh, lines=True, dtype={"model_a": str, "model_b": str})
        return df if as_frame else Comparisons.from_arena(df)
    with here.joinpath(f"{name}.csv").open("r", encoding="utf-8") as fh:
        df = pd.read_csv(fh, dtype={"item_a": str, "item_b": str})
    if as_frame:
        return df
    if name in _RANKINGS:
        from ..data.rankings import Rankings

        return Rankings.from_long(df)
    if name in _LONG:
        with numpy_counts():
            return Comparisons.from_frame(df)
    # (counted with numpy: loading an example compiles nothing)
    with numpy_counts():
        return Comparisons.from_counts(df, order="home_a" if "home_a" in df.columns else None)
