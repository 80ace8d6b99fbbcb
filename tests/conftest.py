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
