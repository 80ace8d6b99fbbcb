"""The hostile-input suite: its helpers on ``sys.path`` and a count of examples at the end.

``fuzzkit`` (the oracle and the settings) and ``hostile`` (the strategies) are plain modules
of this folder, imported by name.  The fuzz tests take their hypothesis settings from
``fuzzkit.fuzz(base)``: the deterministic CI profile ``btstats-fuzz`` (``derandomize=True``,
no database) with ``2 * base`` examples each (``fuzzkit.CI_SCALE``), or, with
``BTSTATS_FUZZ=long``, the profile ``btstats-fuzz-long`` with ``50 * base`` (random, new
examples each run; failures print their reproduction blob); ``BTSTATS_FUZZ_EXAMPLES=N``
gives every test ``N`` (deterministic unless ``BTSTATS_FUZZ=long`` is set too).  The global ``btstats``
profile of ``tests/conftest.py`` is left loaded for every other test.

At the end of the session a table of the calls made per entry point (and how they ended) is
written to the terminal summary.
"""
import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

import fuzzkit  # noqa: E402  (registers the profiles)


def pytest_terminal_summary(terminalreporter):
    calls = fuzzkit.CALLS
    if not calls:
        return
    tr = terminalreporter
    profile = fuzzkit.LONG_PROFILE if fuzzkit._long() else fuzzkit.FUZZ_PROFILE
    tr.write_sep("-", f"btstats fuzz: calls per entry point ({profile}, "
                      f"{sum(calls.values())} calls)")
    width = max(len(k) for k in calls)
    for entry in sorted(calls):
        ends = fuzzkit.OUTCOMES[entry]
        detail = ", ".join(f"{k} {v}" for k, v in ends.most_common())
        secs = fuzzkit.SECONDS.get(entry, 0.0)
        tr.write_line(f"{entry:<{width}}  {calls[entry]:>6}  {secs:7.2f} s  {detail}")
    if fuzzkit.DEBUG:
        tr.write_sep("-", "btstats fuzz: most common errors per entry point")
        for entry in sorted(fuzzkit.MESSAGES):
            for msg, k in fuzzkit.MESSAGES[entry].most_common(8):
                tr.write_line(f"{entry:<{width}}  {k:>5}  {msg}")
