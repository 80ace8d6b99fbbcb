"""Bundled example data sets (see PROVENANCE.md beside this file for their sources).

- ``baseball``: 1987 American League East, 7 teams, 273 games (Agresti 2002, Table 10.11).
- ``citations``: cross-citations among 4 statistics journals, 3727 citations (Stigler 1994).
- ``springall``: Springall (1973) flavour experiment, 9 treatments, 885 comparisons, 198 ties.
"""
from importlib import resources

import pandas as pd

EXAMPLES = ("baseball", "citations", "springall")


def load_example(name, *, as_frame=False):
    """Load a bundled example as :class:`~btstats.Comparisons` (or its pair-count DataFrame).

    Parameters
    ----------
    name : {"baseball", "citations", "springall"}
    as_frame : bool
        Return the raw pair counts ``item_a, item_b, wins_a, wins_b, ties`` instead.

    Examples
    --------
    >>> from btstats import load_example
    >>> load_example("springall")
    Comparisons(9 items, 108 rows, 885 comparisons, 198 ties, 36 pairs)
    """
    from ..data import Comparisons

    if name not in EXAMPLES:
        raise ValueError(f"unknown example {name!r}; choose one of {list(EXAMPLES)}.")
    with resources.files(__name__).joinpath(f"{name}.csv").open("r") as fh:
        df = pd.read_csv(fh, dtype={"item_a": str, "item_b": str})
    return df if as_frame else Comparisons.from_counts(df)
