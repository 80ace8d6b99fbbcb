"""The first call: Numba compiling btstats' kernels, said once, or done ahead by
:func:`compile`.

Every kernel is compiled on its first call and its machine code cached on disk
(``@njit(cache=True)``), so the compilation is paid once per environment (per Python, Numba
and btstats version, and CPU); a new process then loads it in a fraction of a second.

Where the cache goes is Numba's choice (numba 0.68, ``numba.core.caching``, first that
works): ``NUMBA_CACHE_DIR`` if set; the ``__pycache__`` folder beside the kernel's module when
it is writable (``InTreeCacheLocator``); else the user-wide cache
(``UserWideCacheLocator``: ``$XDG_CACHE_HOME/numba`` or ``~/.cache/numba`` on Linux,
``~/Library/Caches/numba``, ``%LOCALAPPDATA%\\numba``).  A read-only site-packages therefore
caches per user with nothing set by btstats; :func:`cache_dir` says where it went.

A cold first call says so once on standard error (:func:`btstats._progress.announce`, which
keeps the tables of what each path compiles); :func:`compile` compiles every main path ahead
(``python -m btstats compile``), for instance when an image or environment is built.
"""
import dataclasses
import sys
import time
import warnings

from . import _progress
from ._progress import PATHS, cache_dir
from .data.comparisons import Comparisons
from .estimation.fit import fit
from .examples import load_example

__all__ = ["compile", "CompileReport", "STEPS", "main"]


# ------------------------------------------------------------------------ compile ahead
# Tiny fits that run every main path, with the argument types of real calls (the wrappers
# normalise them: one signature per kernel).  A bootstrap's BCa part is its jackknife
# (``jackknife_values``): the interval itself could be undefined for so few replicates.
def _step_fit():
    import numpy as np

    from .data.comparisons import NUMPY_MAX_ROWS

    fit(Comparisons.from_arrays([0, 1, 2, 0, 1, 2, 1], [1, 2, 0, 2, 0, 1, 0])).to_frame()
    fit(load_example("baseball")).to_frame()    # pair counts: weighted rows
    # ties counted as half a win each way: counts derived from the validated ones
    fit(load_example("home_ties"), ties="half")
    # the compiled aggregation, unweighted and weighted (what all but the bundled examples
    # use; more rows than they may count with numpy)
    m = NUMPY_MAX_ROWS + 1
    winners = np.arange(m) % 3
    losers = (winners + 1 + np.arange(m) % 2) % 3
    Comparisons.from_arrays(winners, losers)
    Comparisons.from_arrays(winners, losers, weights=np.ones(m))
    # many items, few rows: the sorted aggregation
    Comparisons.from_arrays(np.arange(300) % 150, (np.arange(300) + 1) % 150)


def _step_threaded():
    # The passes over large data run on Numba's threads, a signature of their own (small data
    # never compile it: see btstats._kernels.cells.threads).  The arguments are those of real
    # fits; on these tiny data the threaded signatures run their serial branch.
    import numpy as np

    from ._checks import DENSE_MAX
    from ._kernels import cells as _kc
    from ._kernels import robust_cells as _krc
    from .data.rows import kernel_array

    core = fit(load_example("baseball_home"), order_effect=True)
    args, cells = core._kernel_args(), core._cells.arrays()
    _, _, _, hcell, cross, hpp = _kc.newton_cells(*args, *cells, 0.0, 1e-8, 5, DENSE_MAX, True)
    _kc.information_cells(*core._kernel_args(), *cells, True)
    _kc.information_from_pass(core.n_items, cells[0], cells[1], hcell, cross, hpp)
    _kc.loglik_cells(*core._kernel_args(), *cells, True)
    g = _kc.cell_scores(*core._kernel_args(), *cells[:4], True)
    m = cells[0].shape[0]
    _krc.meat_units(core.n_items, core._cells.n_lin, *cells[:3], g,
                    np.arange(m + 1, dtype=np.int64), np.arange(m, dtype=np.int64),
                    np.ones(m), cells[4], True)
    _krc.meat_kinds(core.n_items, core._cells.n_lin, *cells[:3], g,
                    np.arange(m + 1, dtype=np.int64), np.arange(m, dtype=np.int64),
                    np.ones(m), cells[4], True)
    _krc.halved_row_units(kernel_array(np.zeros(m, np.bool_)), kernel_array(cells[4]))
    # Newman's MM on many pairs (the default fit of large data)
    from ._kernels import mm as _kmm

    pairs = fit(load_example("baseball"))
    pi, pj, wab, wba, tie = pairs._counts.arrays()
    _kmm.mm_bradley_terry(np.array(pairs.scores, dtype=np.float64), pi, pj, wab, wba, tie,
                          1e-8, 100, True)
    # the sorted aggregation of many rows, in blocks on the threads (forced on tiny data):
    # 32-bit keys (up to 32,768 items) and 64-bit ones
    from ._kernels import aggregate as _kagg
    from .data.rows import kernel_codes

    threshold = _kagg.THREADED_SORT_ROWS, _kagg.THREADED_COUNT_ROWS
    _kagg.THREADED_SORT_ROWS = _kagg.THREADED_COUNT_ROWS = 0
    try:
        a, b = kernel_codes(np.array([0, 1, 2]), np.array([1, 2, 0]))
        no_outcome = kernel_array(np.zeros(0, np.int8))
        no_weight = kernel_array(np.zeros(0), np.float64)
        for n in (3, 40_000):
            _kagg.aggregate_sorted(n, a, b, no_outcome, no_weight, False, False, [])
        # and the dense counting of many unweighted rows
        _kagg.aggregate_dense(3, a, b, no_outcome, no_weight, False, False)
    finally:
        _kagg.THREADED_SORT_ROWS, _kagg.THREADED_COUNT_ROWS = threshold


def _step_newton():
    fit(load_example("springall"), "rao-kupper").to_frame()


def _step_bootstrap():
    fit(load_example("baseball")).bootstrap(n_resamples=8, rng=0,
                                            progress=False).jackknife_values()
    # the refits by Newton (tie models), with their first step from the full-data fit
    fit(load_example("springall"), "rao-kupper").bootstrap(n_resamples=4, rng=0,
                                                            progress=False)


def _step_core():
    fit(load_example("baseball_home"), order_effect=True).to_frame()
    # comparison-level covariates: a discrete one (grouped cells) and a continuous one
    rows = load_example("home_ties", as_frame=True)
    rows = rows.assign(x=(rows.index % 7) / 7.0 - 0.5)
    fit(rows, "rao-kupper", covariates=["home"]).to_frame()
    fit(rows, "rao-kupper", covariates=["x"]).to_frame()
    # a large covariate fit whose subsample is too small to start from starts from the fit
    # without the covariates on the pair counts (estimation.core._start_values): its cells
    from .data import cells as _cells

    _cells.drop_covariates(fit(rows, covariates=["x"], ties="half")._cells, 0)


def _step_core_bootstrap():
    fit(load_example("baseball_home"), order_effect=True).bootstrap(
        n_resamples=8, rng=0, progress=False).jackknife_values()


#: What :func:`compile` runs, in order: ``(name, the kernels it calls from Python, what it
#: does)``; a step runs only when one of its kernels is not cached.
STEPS = (
    ("fit", PATHS["fit"] + PATHS["aggregate_counts"] + PATHS["aggregate_weighted"]
     + PATHS["aggregate_sorted"] + ("aggregate.positive_range", "likelihood.item_totals",
                                    "likelihood.information"), _step_fit),
    ("tie models (newton)", PATHS["newton"] + ("likelihood.loglik",), _step_newton),
    ("bootstrap", PATHS["bootstrap"] + PATHS["bootstrap_newton"], _step_bootstrap),
    ("order effect (model core)", ("cell_build.any_nonzero", "cell_build.group_row_keys",
                                   "cell_build.merge_sorted_groups", "cell_build.radix_sort",
                                   "cells.newton_cells", "cells.information_from_pass",
                                   "cell_build.orient_covariate_rows",
                                   "cell_build.dense_pair_structure",
                                   "cell_build.dense_accumulate", "cell_build.dense_emit"),
     _step_core),
    ("model core bootstrap", PATHS["core_bootstrap"] + PATHS["core_bca"],
     _step_core_bootstrap),
    ("threaded passes (large data)", PATHS["threaded_core"] + (
        "cells.information_cells[threaded]", "cells.loglik_cells[threaded]",
        "cells.cell_scores[threaded]", "robust_cells.meat_units[threaded]",
        "robust_cells.meat_kinds[threaded]", "robust_cells.halved_row_units")
     + PATHS["threaded_fit"] + PATHS["aggregate_sorted_threaded"]
     + PATHS["aggregate_counts_threaded"], _step_threaded),
)


@dataclasses.dataclass(frozen=True)
class CompileReport:
    """What :func:`compile` did.

    Attributes
    ----------
    steps : dict
        Seconds taken by each step that had something to compile (empty when everything
        was cached).
    kernels : tuple of str
        The kernels compiled (``module.function``, Numba's internals left out).
    cache_dir : str
        Where Numba caches them (:func:`cache_dir`).
    """

    steps: dict
    kernels: tuple
    cache_dir: str

    def __str__(self):
        if not self.steps:
            return f"btstats kernels: all cached (in {self.cache_dir})"
        lines = [f"compiled {len(self.kernels)} btstats kernels in "
                 f"{sum(self.steps.values()):.1f} s, cached in {self.cache_dir}:"]
        lines += [f"  {name}: {sec:.1f} s" for name, sec in self.steps.items()]
        return "\n".join(lines)


def compile(*, steps=None, progress=None):
    """Compile the kernels of btstats' main paths now, so that no later call waits for Numba.

    Runs tiny fits of every main path whose kernels are not in Numba's on-disk cache: the
    default fit, the tie models (Newton), the bootstrap and BCa interval, the general model
    core (order effect) and its bootstrap.  Once per environment; with a warm cache it
    returns at once.  The same as ``python -m btstats compile``.

    Parameters
    ----------
    steps : str or iterable of str, optional
        Name(s) of the steps to run (of ``btstats._compile.STEPS``: ``"fit"``,
        ``"bootstrap"``, ...); default every step.
    progress : bool, optional
        Show a progress bar on standard error (default: when it is a terminal).

    Returns
    -------
    CompileReport
        The steps run with their seconds, the kernels compiled and the cache directory.

    Examples
    --------
    >>> import btstats
    >>> report = btstats.compile()    # up to a minute the first time (all paths)
    >>> btstats.compile().steps       # then there is nothing left to compile
    {}
    """
    names = [name for name, _, _ in STEPS]
    wanted = set(names) if steps is None else {steps} if isinstance(steps, str) else set(steps)
    unknown = sorted(wanted - set(names))
    if unknown:
        raise ValueError(f"compile(steps=...): unknown step(s) {unknown}; the steps are "
                         f"{names}")
    todo = [(name, kernels, run) for name, kernels, run in STEPS
            if name in wanted and _progress.kernel_seconds(kernels) > 0]
    compiled = []
    steps = {}
    if todo:
        from numba.core import event

        class _Names(event.Listener):
            def on_start(self, ev):
                func = ev.data["dispatcher"].py_func
                if func.__module__.startswith("btstats."):
                    compiled.append(func.__module__.rsplit(".", 1)[-1] + "." + func.__name__)

            def on_end(self, ev):
                pass

        estimates = [max(_progress.kernel_seconds(kernels), 0.5) for _, kernels, _ in todo]
        _progress.announced(*PATHS)     # compiled here: nothing left to announce
        listener = _Names()
        event.register("numba:compile", listener)
        bar = _progress.Progress(sum(estimates), "compiling btstats kernels", unit="s",
                                 enabled=_progress.wanted(progress))
        try:
            for (name, _, run), est in zip(todo, estimates):
                bar.update(0, note=name)
                t0 = time.perf_counter()
                with warnings.catch_warnings():     # tiny data: not the user's business
                    warnings.simplefilter("ignore")
                    run()
                steps[name] = time.perf_counter() - t0
                bar.update(est)
        finally:
            bar.close()
            event.unregister("numba:compile", listener)
    return CompileReport(steps=steps, kernels=tuple(dict.fromkeys(compiled)),
                         cache_dir=str(cache_dir()))


def main(argv=None):
    """``python -m btstats compile [--quiet]``: :func:`compile`, then its report on stdout."""
    import argparse

    p = argparse.ArgumentParser(prog="btstats compile",
                                description="Compile btstats' Numba kernels ahead (once per "
                                            "environment; instant when they are cached).")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no report")
    args = p.parse_args(argv)
    report = compile(progress=False if args.quiet else None)
    if not args.quiet:
        sys.stdout.write(str(report) + "\n")
    return 0
