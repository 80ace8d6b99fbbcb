#!/usr/bin/env python
"""Benchmark: Plackett-Luce fits of full rankings, btstats against choix.

Run from the repository root:

    python benchmarks/bench_rankings.py [--quick] [--repeats K] [--no-choix]

Scenarios (seeded, simulated with :func:`btstats.simulate.rankings.simulate_rankings` from
log-worths drawn N(0, 1)):

- R1: 10**5 full rankings of 10 items;
- R2: 10**4 full rankings of 100 items.

``--quick`` divides the number of rankings by 10.  Each row times ``--repeats`` calls after
one untimed call (Numba compile and choix's first call excluded) and reports the best time
and the largest absolute error of the centred scores against a reference fitted by btstats'
Newton to ``tol=1e-13`` (its step estimate is then below 1e-13, far below every error shown).
choix's ``ilsr_rankings`` and ``mm_rankings`` take the rankings as a list of arrays of item
indices, best first (the conversion from btstats' CSR arrays is outside the timed region);
they run at their default tolerance and at ``tol=1e-10``.  The ratios printed are choix's time
over btstats' ``method="auto"`` time.  Results are written to ``benchmarks/results/``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
if str(REPO_ROOT) not in sys.path:  # use the checkout's btstats, not an installed copy
    sys.path.insert(0, str(REPO_ROOT))

import btstats  # noqa: E402
from btstats.simulate.rankings import simulate_rankings  # noqa: E402

SCENARIOS = {
    # name: (items, rankings, seed, description)
    "R1": (10, 100_000, 1, "10**5 full rankings of 10 items"),
    "R2": (100, 10_000, 2, "10**4 full rankings of 100 items"),
}


def _best_time(fn, repeats):
    out = fn()                                    # untimed: compile / warm caches
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def _centred(x):
    x = np.asarray(x, dtype=float)
    return x - x.mean()


def run_scenario(name, n_items, n_rankings, seed, repeats, with_choix):
    rng = np.random.default_rng(seed)
    truth = rng.normal(0.0, 1.0, n_items)
    rankings = simulate_rankings(truth, n_rankings, rng=rng)
    ref = btstats.fit_rankings(rankings, method="newton", tol=1e-13)
    ref_s = ref.scores.to_numpy()
    rows = []

    def row(tool, seconds, scores, note=""):
        err = float(np.max(np.abs(_centred(scores) - ref_s)))
        rows.append({"scenario": name, "tool": tool, "seconds": seconds, "max_abs_error": err,
                     "note": note})

    for method in ("auto", "mm", "newton"):
        sec, res = _best_time(lambda m=method: btstats.fit_rankings(rankings, method=m),
                              repeats)
        row(f"btstats:{method}", sec, res.scores.to_numpy(),
            f"ran {res.method}, {res.n_iter} iterations")
    sec, res = _best_time(lambda: btstats.fit_rankings(rankings).standard_errors, repeats)
    rows.append({"scenario": name, "tool": "btstats:auto + standard errors", "seconds": sec,
                 "max_abs_error": float("nan"), "note": "fit and dense covariance"})
    if with_choix:
        try:
            import choix
        except ImportError:
            print("choix is not installed (pip install choix, or the `bench` extra): its "
                  "rows are skipped.")
            with_choix = False
    if with_choix:
        off = rankings.offsets
        data = [rankings.item[off[r]:off[r + 1]] for r in range(rankings.n_rankings)]
        for fname in ("ilsr_rankings", "mm_rankings"):
            fn = getattr(choix, fname)
            for tol, label in ((None, "default tol"), (1e-10, "tol=1e-10")):
                kwargs = {} if tol is None else {"tol": tol}
                if fname == "mm_rankings":
                    kwargs["max_iter"] = 100_000
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sec, params = _best_time(lambda f=fn, k=kwargs: f(n_items, data, **k),
                                             repeats)
                row(f"choix:{fname}", sec, params, label)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of the rankings (a smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-choix", action="store_true")
    parser.add_argument("--scenarios", default="R1,R2")
    args = parser.parse_args(argv)
    btstats.compile()
    all_rows = []
    for name in args.scenarios.split(","):
        n_items, n_rankings, seed, desc = SCENARIOS[name]
        if args.quick:
            n_rankings //= 10
        print(f"\n{name}: {desc}" + (f" (--quick: {n_rankings:,} rankings)" if args.quick
                                     else ""))
        rows = run_scenario(name, n_items, n_rankings, seed, args.repeats, not args.no_choix)
        base = next(r["seconds"] for r in rows if r["tool"] == "btstats:auto")
        print(f"{'tool':34s} {'seconds':>9s} {'max|err|':>10s} {'x auto':>8s}  note")
        for r in rows:
            print(f"{r['tool']:34s} {r['seconds']:9.3f} {r['max_abs_error']:10.2e} "
                  f"{r['seconds'] / base:8.1f}  {r['note']}")
        all_rows += rows
    RESULTS_DIR.mkdir(exist_ok=True)
    out = RESULTS_DIR / f"bench_rankings{'_quick' if args.quick else ''}.json"
    out.write_text(json.dumps(all_rows, indent=1))
    print(f"\nwritten to {out}")


if __name__ == "__main__":
    main()
