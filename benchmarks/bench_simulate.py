#!/usr/bin/env python
"""Benchmark: simulating Bradley-Terry comparisons, btstats against choix and plain numpy.

Run from the repository root:

    python benchmarks/bench_simulate.py [--n 10000000] [--items 100] [--repeats 5]
                                        [--choix-n 100000]

Scenario: ``--items`` items with scores ~ N(0, 1), ``--n`` comparisons between uniformly
random pairs, outcomes from ``P(a beats b) = logistic(s_a - s_b)``, one core (the thread
pools of numpy's BLAS and of Numba are pinned to one thread before they load; btstats'
sampling kernels are serial anyway).  Rows, all in this process and run:

- ``btstats simulate (+ DataFrame)``: ``random_pairs`` + ``simulate`` -> a ``Simulation``
  whose ``data`` is the long DataFrame (categorical item_a / item_b, float64 outcome): the
  whole user-facing call, what the issue's one-second target is about;
- ``btstats Model.rvs (arrays)``: ``get_model("bradley-terry").rvs(scores, pairs)`` on
  ready-made pairs, outcomes only;
- ``numpy (arrays)`` and ``numpy (+ DataFrame)``: the vectorised recipe ``a, b ~ integers``,
  ``y = rng.random(m) < 1 / (1 + exp(-(s[a] - s[b])))`` (and the same DataFrame);
- two more btstats rows: ``--large-items`` items (more pairs than comparisons, so the
  probabilities are computed per comparison instead of looked up in a table of the pairs),
  and a pool of 20 annotators (quality, position lapse, ties; two more columns);
- ``choix.generate_pairwise``: a Python loop over comparisons; it is timed on ``--choix-n``
  comparisons and extrapolated linearly to ``--n`` (said so in the table).  choix draws from
  the global ``random`` / ``np.random`` state, seeded here.

Each row: one untimed warm-up (Numba loads or compiles its kernels), then the median of
``--repeats`` timed calls.  ``ratio`` is time / btstats' full call.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # use the checkout's btstats, not an installed copy
    sys.path.insert(0, str(REPO_ROOT))

import btstats  # noqa: E402
from btstats.simulate.designs import random_pairs
from btstats.simulate.simulators import simulate


def timed(fn, repeats):
    """``(first call, median of the timed calls)`` in seconds."""
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000, help="comparisons (default 1e7)")
    p.add_argument("--items", type=int, default=100)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--large-items", type=int, default=100_000,
                   help="items of the extra row without a pair table (default 1e5)")
    p.add_argument("--choix-n", type=int, default=100_000,
                   help="comparisons choix is timed on (then extrapolated to --n)")
    args = p.parse_args(argv)
    n, m = args.items, args.n
    scores = np.random.default_rng(0).standard_normal(n)
    labels = pd.RangeIndex(n)

    def btstats_full():
        rng = np.random.default_rng(1)
        return simulate(scores, random_pairs(n, m, rng=rng), rng=rng)

    pairs = random_pairs(n, m, rng=2).pairs
    bt = btstats.get_model("bradley-terry")

    def btstats_rvs():
        return bt.rvs(scores, pairs, rng=3)

    def numpy_arrays():
        rng = np.random.default_rng(4)
        a = rng.integers(0, n, m, dtype=np.int32)
        b = rng.integers(0, n - 1, m, dtype=np.int32)
        b += b >= a
        y = rng.random(m) < 1.0 / (1.0 + np.exp(-(scores[a] - scores[b])))
        return a, b, y

    def numpy_frame():
        a, b, y = numpy_arrays()
        dtype = pd.CategoricalDtype(labels)
        return pd.DataFrame({"item_a": pd.Categorical.from_codes(a, dtype=dtype),
                             "item_b": pd.Categorical.from_codes(b, dtype=dtype),
                             "outcome": y.astype(np.float64)}, copy=False)

    print(f"Simulating {m:,} Bradley-Terry comparisons among {n} items (uniform random pairs), "
          f"one core; median of {args.repeats} runs after one warm-up.")
    sim = btstats_full()
    print(f"  btstats frame: {sim.data.memory_usage(deep=True).sum() / 1e6:.0f} MB, dtypes "
          f"{', '.join(str(t) for t in sim.data.dtypes.map(lambda d: d.name))}")
    rows = []
    first, med = timed(btstats_full, args.repeats)
    rows.append(("btstats simulate (+ DataFrame)", m, med, first, ""))
    rng = np.random.default_rng(1)
    t_pairs = timed(lambda: random_pairs(n, m, rng=rng), args.repeats)[1]
    _, t_rvs = timed(btstats_rvs, args.repeats)
    rows.append(("btstats Model.rvs (arrays)", m, t_rvs, None, ""))
    _, t_np = timed(numpy_arrays, args.repeats)
    rows.append(("numpy (arrays)", m, t_np, None, ""))
    _, t_npf = timed(numpy_frame, args.repeats)
    rows.append(("numpy (+ DataFrame)", m, t_npf, None, ""))
    # two harder cases for btstats (not in the ratios' spirit: the peers have no equivalent)
    big = np.random.default_rng(6).standard_normal(args.large_items)

    def btstats_large():
        rng = np.random.default_rng(7)
        return simulate(big, random_pairs(args.large_items, m, rng=rng), rng=rng)

    pool = btstats.annotator_pool(20, beta=np.linspace(0.5, 4.0, 20), position_lapse=0.05,
                                  tie_propensity=0.05)

    def btstats_annotated():
        rng = np.random.default_rng(8)
        return simulate(scores, random_pairs(n, m, rng=rng), annotators=pool, rng=rng)

    rows.append((f"btstats simulate, {args.large_items:,} items", m,
                 timed(btstats_large, args.repeats)[1], None,
                 "probabilities per comparison (n^2 > m: no pair table)"))
    rows.append(("btstats simulate, 20 annotators", m, timed(btstats_annotated, args.repeats)[1],
                 None, "beta, position lapse, ties; + annotator, position columns"))
    try:
        import choix
    except ImportError as exc:  # pragma: no cover - depends on the environment
        rows.append(("choix.generate_pairwise", m, float("nan"), None, f"not run: {exc}"))
    else:
        k = min(args.choix_n, m)

        def choix_run():
            random.seed(5)
            np.random.seed(5)
            return choix.generate_pairwise(scores, k)

        _, t_choix = timed(choix_run, max(1, min(args.repeats, 3)))
        note = f"timed on {k:,}, x{m / k:g} (linear)" if k < m else ""
        rows.append(("choix.generate_pairwise", m, t_choix * m / k, None, note))

    base = rows[0][2]
    print(f"\n{'row':34s} {'comparisons':>12s} {'time':>10s} {'ns/comp':>8s} {'ratio':>8s}  note")
    for name, count, t, first_t, note in rows:
        extra = note if first_t is None else f"first call {first_t:.2f} s (kernel load)"
        print(f"{name:34s} {count:12,d} {t:9.3f}s {1e9 * t / count:8.1f} {t / base:8.2f}  "
              f"{extra}")
    print(f"\n  of which random_pairs (the design) {t_pairs:.3f} s; the one-second target "
          f"{'PASS' if base <= 1.0 else 'FAIL'} ({base:.2f} s)")


if __name__ == "__main__":
    main()
