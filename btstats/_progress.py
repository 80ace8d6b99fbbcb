"""What btstats says on standard error about long work: progress bars, and the one line of a
cold compile.

:class:`Progress` is a bar for the long work of the package (the bootstrap's replicates,
:func:`btstats.compile`), with the elapsed time and an estimate of the time left: tqdm when it
is installed, else a plain text bar.  Whether a bar is shown is decided by :func:`wanted`:
always with ``progress=True``, never with ``progress=False``, and by default
(``progress=None``) only for work expected to take a while when standard error is a terminal
and no test is running (pytest sets ``PYTEST_CURRENT_TEST`` while it runs a test or a
doctest), so that logs, pipes, tests and doctests stay clean.

:func:`announce` writes ``compiling btstats kernels, once per environment (about N s)`` when
an entry point is about to compile kernels that are not cached (see :mod:`btstats._compile`):
each public entry point (aggregating comparisons, :func:`btstats.fit`, the bootstrap, a BCa
interval) names its *path* (:data:`PATHS`), and the first time a path is entered in a process
its kernels' cache indexes are read (:func:`_cached`: the index file Numba writes beside the
machine code, valid for this source file and Numba version; one small pickle per kernel,
about a millisecond in all).  If the kernels that are not cached add up to more than
:data:`MESSAGE_MIN_S` of compilation (:data:`KERNEL_SECONDS`), the line is written, whether
standard error is a terminal or not (it says why the call is slow, once), but not under
pytest.  Reading the indexes, rather than timing the first call from a watchdog thread, says
it before the wait and never when the cache is warm, whatever the machine's load; the price
is that the estimate is the development machine's.
"""
import importlib
import os
import sys
import time

__all__ = ["Progress", "wanted", "quiet", "announce", "announced", "cold_seconds",
           "kernel_seconds", "cache_dir", "PATHS", "KERNEL_SECONDS"]

#: By default a bar is shown for work expected to take longer than this (seconds).
MIN_EXPECTED_S = 2.0


def quiet():
    """Whether messages and bars are held back by default: under pytest (its tests and
    doctests), or when standard error is not a terminal."""
    if os.environ.get("PYTEST_CURRENT_TEST"):
        return True
    stream = sys.stderr
    try:
        return stream is None or not stream.isatty()
    except (AttributeError, ValueError):     # a replaced or closed stream
        return True


def wanted(progress, expected_s=None):
    """Whether to show a bar: ``progress`` if it is ``True`` or ``False``; for ``None``, when
    :func:`quiet` is false and the work is expected to take over :data:`MIN_EXPECTED_S`
    seconds (``expected_s=None``: unknown, shown)."""
    if progress is not None:
        return bool(progress)
    if quiet():
        return False
    return expected_s is None or expected_s > MIN_EXPECTED_S


def _clock(seconds):
    seconds = max(0, int(round(seconds)))
    minutes, s = divmod(seconds, 60)
    return f"{minutes:d}:{s:02d}"


class Progress:
    """A progress bar over ``total`` units of work on standard error.

    Parameters
    ----------
    total : float
        The amount of work (replicates, or estimated seconds of compilation).
    desc : str
        What is being done, printed before the bar.
    enabled : bool
        ``False`` makes every method a no-op (see :func:`wanted`).
    unit : str
        Name of a unit of work, for the counts (``"s"`` shows no counts, only the time).
    use_tqdm : bool, optional
        ``None`` (default): tqdm if it can be imported, else the plain bar; ``False``: the
        plain bar.
    stream : file, optional
        Where the plain bar goes (default ``sys.stderr`` at the time of each write).

    The plain bar is one line rewritten in place (``\\r``) at most every 0.1 s::

        bootstrap  40% |############                  | 400/1000  0:03 elapsed, 0:05 left

    and ended by a newline on :meth:`close`.
    """

    def __init__(self, total, desc, *, enabled=True, unit="it", use_tqdm=None, stream=None):
        self.total = max(float(total), 0.0)
        self.desc = desc
        self.unit = unit
        self.enabled = bool(enabled)
        self.done = 0.0
        self.note = ""
        self._stream = stream
        self._t0 = time.perf_counter()
        self._last = -1.0
        self._bar = None
        self._closed = False
        if not self.enabled:
            return
        if use_tqdm is not False:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                tqdm = None
            if tqdm is not None:
                fmt = None if unit != "s" else \
                    ("{desc}: {percentage:3.0f}%|{bar}| {elapsed} elapsed, {remaining} left"
                     "{postfix}")
                total_ = int(self.total) if self.total == int(self.total) else self.total
                self._bar = tqdm(total=total_, desc=desc, unit=unit, leave=True,
                                 file=stream if stream is not None else sys.stderr,
                                 bar_format=fmt)
                return
        self._write(force=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def update(self, amount=1, note=None):
        """Add ``amount`` units of work done (``note``: a word on what comes next)."""
        self.done = min(self.done + amount, self.total) if self.total else self.done + amount
        if note is not None:
            self.note = note
        if not self.enabled:
            return
        if self._bar is not None:
            if note is not None:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(amount)
            return
        self._write()

    def line(self):
        """The plain bar as it is now (without the ``\\r``)."""
        elapsed = time.perf_counter() - self._t0
        frac = self.done / self.total if self.total > 0 else 1.0
        width = 30
        filled = int(width * min(frac, 1.0))
        counts = "" if self.unit == "s" else f" {self.done:,.0f}/{self.total:,.0f}"
        if self.done > 0 and frac < 1.0:
            left = f", {_clock(elapsed * (1.0 - frac) / frac)} left"
        else:
            left = ""
        note = f"  {self.note}" if self.note else ""
        return (f"{self.desc} {100 * frac:3.0f}% |{'#' * filled}{' ' * (width - filled)}|"
                f"{counts}  {_clock(elapsed)} elapsed{left}{note}")

    def _write(self, force=False):
        now = time.perf_counter()
        if not force and now - self._last < 0.1 and self.done < self.total:
            return
        self._last = now
        stream = self._stream if self._stream is not None else sys.stderr
        if stream is None:
            return
        stream.write("\r" + self.line())
        stream.flush()

    def close(self):
        """End the bar (idempotent)."""
        if not self.enabled or self._closed:
            return
        self._closed = True
        if self._bar is not None:
            self._bar.close()
            return
        self._write(force=True)
        stream = self._stream if self._stream is not None else sys.stderr
        if stream is not None:
            stream.write("\n")
            stream.flush()


# --------------------------------------------------------------- the first compile
MESSAGE = "compiling btstats kernels, once per environment (about {:.0f} s)"
#: Cold kernels estimated below this many seconds are compiled without a word.
MESSAGE_MIN_S = 1.0

#: Seconds each kernel takes to compile when nothing is cached, the kernels it calls
#: included (``benchmarks/bench_cold_start.py`` in a new virtual environment on the 2-core
#: development machine, median of 3; the first includes Numba's own start, ~0.4 s).
KERNEL_SECONDS = {
    "aggregate._dense_weighted": 1.6, "aggregate._dense_unweighted": 1.6,
    "aggregate._pair_keys": 0.3, "aggregate._radix_sort": 0.4, "aggregate._count_pairs": 0.1,
    "aggregate._merge_pairs": 0.3, "aggregate.weight_range": 0.1, "aggregate.positive_range": 0.1,
    "graph.sweep_reach": 0.5, "likelihood.start_scores": 0.6, "mm.mm_bradley_terry": 2.5,
    "likelihood.item_totals": 0.4, "likelihood.information": 1.5, "likelihood.loglik": 0.2,
    "newton.newton": 4.5,
    "cell_build.any_nonzero": 0.1, "cell_build.group_row_keys": 0.5,
    "cell_build.merge_sorted_groups": 0.7, "cell_build.radix_sort": 0.5,
    "cell_build.dense_accumulate": 0.4, "cell_build.dense_emit": 0.4,
    "cell_build.orient_covariate_rows": 0.5, "cell_build.dense_pair_structure": 0.3,
    "cells.newton_cells": 11.0, "cells.information_cells": 0.6, "cells.cell_scores": 0.4,
    "resample.alias_table": 1.1, "resample.draw_replicate": 2.8,
    "resample.newton_start": 0.4, "robust.cell_scores": 1.7,
    "resample_cells.bootstrap_cells_block": 7.5,
    "resample_cells.jackknife_cells_block": 2.0,
    "cells.newton_cells[threaded]": 12.0,
    "cells.information_cells[threaded]": 0.5, "cells.loglik_cells[threaded]": 0.5,
    "cells.cell_scores[threaded]": 1.5, "robust_cells.meat_units[threaded]": 1.5,
    "robust_cells.meat_kinds[threaded]": 1.0, "cells.information_from_pass": 0.3,
    "robust_cells.halved_row_units": 0.3, "mm.mm_bradley_terry[threaded]": 2.0,
    "aggregate._radix_sort_threaded": 1.0, "aggregate._pair_keys_threaded": 0.8,
    "aggregate._count_blocks": 0.6, "aggregate._merge_blocks": 0.8,
    "aggregate._dense_unweighted_threaded": 1.6,
}

#: The kernels each entry point calls from Python (``module.function`` in
#: ``btstats._kernels``; their callees are compiled with them), by *path*: aggregating
#: comparisons (unweighted rows, or weighted ones) and the default fit of the pair counts
#: (``"fit"``, announced with the aggregation: one message for ``fit(load_example(...))``),
#: Newton on the pair counts (tie models, Thurstone, a penalty), the general model core
#: (order effect, covariates, Davidson, graded), the bootstraps and the jackknife of a BCa
#: interval.  A kernel that only some data reach (the depth-first search of long chains) is
#: left out, and the aggregation announces the path it takes (dense table or sorted keys):
#: a message must not promise a compile that does not come.
PATHS = {
    "fit": ("aggregate.weight_range", "graph.sweep_reach", "likelihood.start_scores",
            "mm.mm_bradley_terry"),
    "aggregate_counts": ("aggregate._dense_unweighted",),
    # many unweighted rows: counted in blocks on Numba's threads
    "aggregate_counts_threaded": ("aggregate._dense_unweighted_threaded",),
    "aggregate_weighted": ("aggregate._dense_weighted",),
    # many items: sorted keys instead of a dense table
    "aggregate_sorted": ("aggregate._pair_keys", "aggregate._radix_sort",
                         "aggregate._count_pairs", "aggregate._merge_pairs"),
    # its sort of many rows on Numba's threads
    "aggregate_sorted_threaded": ("aggregate._pair_keys_threaded",
                                  "aggregate._radix_sort_threaded", "aggregate._count_blocks",
                                  "aggregate._merge_blocks"),
    "newton": ("newton.newton",),
    "core": ("cells.newton_cells",),
    "bootstrap": ("resample.alias_table", "resample.draw_replicate"),
    # the refits by Newton: their first step from the full-data information
    "bootstrap_newton": ("resample.newton_start", "robust.cell_scores"),
    "core_bootstrap": ("cells.cell_scores", "resample_cells.bootstrap_cells_block"),
    "core_bca": ("resample_cells.jackknife_cells_block",),
    # the passes over large data on Numba's threads (a signature of their own)
    "threaded_core": ("cells.newton_cells[threaded]",),
    "threaded_fit": ("mm.mm_bradley_terry[threaded]",),
}

_announced: set[str] = set()


#: A kernel name ending in this suffix stands for the kernel's threaded signature: the one
#: whose last argument (``threaded``) is not ``None``
#: (see :func:`btstats._kernels.cells.threads`).
THREADED = "[threaded]"


def _dispatcher(name):
    module, func = name.removesuffix(THREADED).split(".")
    return getattr(importlib.import_module(f"btstats._kernels.{module}"), func)


def _wanted(name, signatures):
    """Whether ``signatures`` (tuples of Numba argument types) hold the one ``name`` asks
    for: any signature, or for a :data:`THREADED` name one with a last argument not None."""
    sigs = [tuple(s) for s in signatures]
    if not name.endswith(THREADED):
        return bool(sigs)
    from numba.core import types as numba_types

    return any(s and not isinstance(s[-1], numba_types.NoneType) for s in sigs)


def _cached(disp, name=""):
    """Whether Numba's on-disk cache holds machine code of ``disp`` (the signature ``name``
    asks for, see :func:`_wanted`) for this source file and Numba version."""
    cache = getattr(disp, "_cache", None)
    index = getattr(cache, "_cache_file", None)
    if index is None:
        return False
    try:
        return _wanted(name, [key[0] for key in index._load_index()])
    except Exception:       # noqa: BLE001 - unreadable or foreign index: not cached
        return False


def cold_seconds(path):
    """Estimated seconds of compilation of the kernels of ``path`` (a key of :data:`PATHS`)
    that are neither in this process nor in the on-disk cache."""
    return kernel_seconds(PATHS[path])


def kernel_seconds(names):
    """Estimated seconds of compilation of the kernels ``names`` (``module.function``) that
    are neither in this process nor in the on-disk cache."""
    total = 0.0
    for name in names:
        try:
            disp = _dispatcher(name)
        except (ImportError, AttributeError):
            continue
        if not _wanted(name, disp.overloads) and not _cached(disp, name):
            total += KERNEL_SECONDS.get(name, 0.5)
    return total


def announced(*paths):
    """Mark ``paths`` as said (:func:`btstats.compile` compiles them itself)."""
    _announced.update(paths)


def announce(*paths):
    """Say once on standard error that the kernels of ``paths`` are about to be compiled,
    if they are not cached and their compilation is expected to take over
    :data:`MESSAGE_MIN_S` seconds.  Each path is looked at once per process."""
    new = [p for p in paths if p not in _announced]
    if not new:
        return
    _announced.update(new)
    if os.environ.get("PYTEST_CURRENT_TEST"):     # tests and doctests: output unchanged
        return
    seconds = sum(cold_seconds(p) for p in new)
    if seconds >= MESSAGE_MIN_S:
        stream = sys.stderr
        if stream is not None:
            stream.write(MESSAGE.format(max(1.0, seconds)) + "\n")
            stream.flush()


def cache_dir():
    """The directory Numba caches btstats' kernels in (see :mod:`btstats._compile`)."""
    return _dispatcher("mm.mm_bradley_terry")._cache._cache_path
