"""Shared test configuration: a deterministic hypothesis profile and the data folder.

The profile is deterministic (``derandomize=True``: the same examples on every run), has no
deadline (Numba compiles on first use), keeps no example database and prints nothing for
passing tests. Hypothesis's other on-disk storage (its cache of source constants, the patch
files it writes for failing examples) goes to a temporary directory removed at the end of
the session, so a test run leaves nothing behind in the project.
"""
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Verbosity, settings
from hypothesis.configuration import set_hypothesis_home_dir

_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="btstats-tests-hypothesis-")
set_hypothesis_home_dir(_HYPOTHESIS_HOME)

settings.register_profile(
    "btstats",
    derandomize=True,
    deadline=None,
    max_examples=40,
    database=None,
    print_blob=False,
    verbosity=Verbosity.normal,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("btstats")

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir():
    """Folder of the reference data copied from /work/shared/reference (see its README)."""
    return DATA_DIR


def pytest_unconfigure(config):
    shutil.rmtree(_HYPOTHESIS_HOME, ignore_errors=True)


# Defects the hostile-input suite found that are not fixed yet (see the closing notes of
# issue 10 and the open issues): each listed test is expected to fail, strictly, so that a
# fix shows up as an unexpected pass and the entry is removed.  Nothing here is silently
# skipped: the test still runs.
KNOWN_DEFECTS = {
    "tests/fuzz/test_fuzz_known.py::test_found_N16_rao_kupper_newton_with_counts_of_2_64":
        "N16: Rao-Kupper MM on counts of 2**64 with unit ties stops at a non-finite loglik",
    "tests/fuzz/test_fuzz_known.py::test_found_N31_rao_kupper_without_an_mle_is_not_converged":
        "N31: ties connect the graph but theta diverges; the existence check misses it",
    "tests/fuzz/test_fuzz_known.py::test_found_N37_standard_errors_with_weights_of_mixed_scale":
        "N37: 1e-300 wins with unit ties under ties='half' give standard errors of exactly 0",
    "tests/test_extreme_gaps.py::test_two_items_thurstone[1.0-1e-300-newton]":
        "N22: Thurstone Newton at a 1:1e-300 count ratio needs more than 100 iterations",
    "tests/test_extreme_gaps.py::test_two_items_thurstone[1e+150-1e-150-newton]":
        "N22: Thurstone Newton at a 1e150:1e-150 count ratio",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper[1e+200-1e-100-1e+50-newton]":
        "N23: the eta gradient is the difference of two 1e50 terms; its rounding hides 1e-100",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper[1e+305-1e-300-1.0-newton]":
        "N23: as above at 1e305:1e-300:1",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper[1.0-1.0-1e+300-newton]":
        "N25: tie-dominated extremes (theta near the top of double range)",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper[1.0-1.0-1e+300-mm]":
        "N25: Hunter's MM divides by zero at tie-dominated extremes",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper[2.0-3.0-1e-300-newton]":
        "N25: tie-starved extremes (eta ~ 4e-301)",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper_beyond_double_range"
    "[1e-300-1e-300-1e+300-mm]": "N25: MM beyond double range",
    "tests/test_extreme_gaps.py::test_two_items_rao_kupper_beyond_double_range"
    "[1e-300-1.0-1e+305-mm]": "N25: MM beyond double range",
    "tests/test_extreme_gaps.py::test_chain_of_1000_items[path-random-bradley-terry-newton]":
        "N27: Newton from the item-total start needs > 100 iterations on a 1,000-item path "
        "with counts over 8 orders of magnitude (a least-squares start would fix it)",
    "tests/test_extreme_gaps.py::test_chain_of_1000_items[path-random-rao-kupper-newton]":
        "N27: as above, Rao-Kupper",
    "tests/test_extreme_gaps.py::test_chain_of_1000_items[cycle-random-bradley-terry-newton]":
        "N27: as above, a cycle",
    "tests/test_extreme_gaps.py::test_chain_of_1000_items[cycle-random-rao-kupper-newton]":
        "N27: as above, a cycle, Rao-Kupper",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        reason = KNOWN_DEFECTS.get(item.nodeid)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=True))


# -------------------------------------------------------------- the Numba cache, once
# With a cold Numba cache the suite took 604 s against 434 s warm (2026-12-03, 2 workers):
# left to the tests, the two xdist workers often compiled the same kernel at the same time,
# each in full.  Instead each worker first runs its share of btstats.compile()'s steps
# (instant when cached), so the work is split and mostly done once (552 s cold).  The tests
# that check a cold compile use caches of their own (tests/test_compile.py,
# tests/test_threaded_passes.py).
_COMPILE_SHARES = (
    ("fit", "tie models (newton)", "bootstrap", "threaded passes (large data)"),
    ("order effect (model core)", "model core bootstrap"),
)


@pytest.fixture(scope="session", autouse=True)
def _compile_share_of_the_kernels():
    import os

    import btstats
    from btstats import _compile

    steps = {name for name, _, _ in _compile.STEPS}
    shared = {name for share in _COMPILE_SHARES for name in share}
    assert shared == steps, f"tests/conftest.py: _COMPILE_SHARES must list the steps {steps}"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if not worker.startswith("gw") or count < 2:
        return
    k = int(worker[2:])
    btstats.compile(steps=[name for i, share in enumerate(_COMPILE_SHARES) if i % count == k
                           for name in share], progress=False)
