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
they run at their default tolerance and at ``tol=1e-10`` (``mm_rankings`` with
``max_iter=100000``).  Each choix row runs in a spawned child process (one untimed call on a
3-item cycle warms its imports), is timed ``--choix-repeats`` times (default 1: its calls take
seconds to minutes, so timer noise is negligible) and is stopped after ``--choix-budget``
seconds (default 900), in which case its time is printed as a lower bound.  The ratios
printed are each row's time over btstats' ``method="auto"`` time.

The btstats reference is checked once per scenario against an independent maximisation: scipy's
L-BFGS-B on the exact Plackett-Luce log-likelihood written here in numpy (the full rankings as
an R x K array; the log-denominators by a reversed cumulative logaddexp), with its analytic
gradient, to a projected gradient below 1e-9 per ranking; the largest difference is printed.  Results are written to ``benchmarks/results/``.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
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


def _choix_child(conn, n_items, item, offsets, fname, kwargs, repeats):
    """Time ``choix.<fname>`` in a child process; send (best seconds, params) back."""
    import choix
    data = [item[offsets[r]:offsets[r + 1]] for r in range(len(offsets) - 1)]
    best, params = np.inf, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cycle = [np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([2, 0, 1])]
        getattr(choix, fname)(3, cycle)                 # warm the imports, untimed
        for _ in range(repeats):
            t0 = time.perf_counter()
            try:
                params = getattr(choix, fname)(n_items, data, **kwargs)
            except Exception as exc:  # choix raises RuntimeError when it does not converge
                conn.send((time.perf_counter() - t0, None, f"{type(exc).__name__}: {exc}"))
                return
            best = min(best, time.perf_counter() - t0)
    conn.send((best, np.asarray(params), ""))


def _choix_row(n_items, rankings, fname, kwargs, repeats, budget):
    """Run one choix row in a spawned child, killed after ``budget`` seconds.

    Returns ``(seconds, params or None, note)``; a row that runs out of budget reports the
    budget as a lower bound on its time.
    """
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_choix_child,
                       args=(child, n_items, np.asarray(rankings.item),
                             np.asarray(rankings.offsets), fname, kwargs, repeats))
    proc.start()
    child.close()
    t0 = time.perf_counter()
    if parent.poll(budget):
        sec, params, note = parent.recv()
        proc.join()
        if params is None:
            return sec, None, note
        return sec, params, "" if repeats == 1 else f", best of {repeats}"
    proc.terminate()
    proc.join()
    return time.perf_counter() - t0, None, f"stopped at the {budget:.0f} s budget (a lower bound)"


def _scipy_reference(rankings, n_items):
    """Independent MLE: L-BFGS-B on the exact full-ranking Plackett-Luce log-likelihood."""
    from scipy.optimize import minimize
    off = np.asarray(rankings.offsets)
    k = int(off[1] - off[0])
    if not np.all(np.diff(off) == k):
        raise ValueError("the scipy reference needs full rankings of one length")
    order = np.asarray(rankings.item).reshape(-1, k)     # best first
    n_r = order.shape[0]

    def nll(theta):
        s = theta[order]                                 # (R, K)
        # log sum_{j >= p} exp(s_j), for every position p: reversed cumulative logaddexp
        logden = np.logaddexp.accumulate(s[:, ::-1], axis=1)[:, ::-1]
        value = -(s[:, :-1] - logden[:, :-1]).sum()
        # d/ds_j of sum_p logden_p = sum_{p <= j, p < K-1} exp(s_j - logden_p)
        cum = np.cumsum(np.exp(-logden[:, :-1]), axis=1)  # sum over p <= j
        cum = np.concatenate([cum, cum[:, -1:]], axis=1)
        gs = np.exp(s) * cum
        gs[:, :-1] -= 1.0
        grad = np.bincount(order.ravel(), weights=gs.ravel(), minlength=n_items)
        gauge = theta.sum()                              # pins the mean at zero
        return value / n_r + 0.5 * gauge ** 2, grad / n_r + gauge

    res = minimize(nll, np.zeros(n_items), jac=True, method="L-BFGS-B",
                   options={"maxiter": 100_000, "gtol": 1e-9, "ftol": 0.0,
                            "maxcor": 30})
    return _centred(res.x)


def _centred(x):
    x = np.asarray(x, dtype=float)
    return x - x.mean()


def run_scenario(name, n_items, n_rankings, seed, repeats, with_choix, choix_repeats,
                 budget):
    rng = np.random.default_rng(seed)
    truth = rng.normal(0.0, 1.0, n_items)
    rankings = simulate_rankings(truth, n_rankings, rng=rng)
    ref = btstats.fit_rankings(rankings, method="newton", tol=1e-13)
    ref_s = ref.scores.to_numpy()
    t0 = time.perf_counter()
    indep = _scipy_reference(rankings, n_items)
    print(f"reference check: btstats Newton (tol=1e-13) vs scipy L-BFGS-B on the exact "
          f"likelihood: max|diff| = {np.max(np.abs(indep - ref_s)):.2e} "
          f"(scipy took {time.perf_counter() - t0:.1f} s)")
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
        for fname in ("ilsr_rankings", "mm_rankings"):
            for tol, label in ((None, "default tol"), (1e-10, "tol=1e-10")):
                kwargs = {} if tol is None else {"tol": tol}
                if fname == "mm_rankings":
                    kwargs["max_iter"] = 100_000
                sec, params, note = _choix_row(n_items, rankings, fname, kwargs,
                                               choix_repeats, budget)
                if params is None:
                    rows.append({"scenario": name, "tool": f"choix:{fname}", "seconds": sec,
                                 "max_abs_error": float("nan"), "note": f"{label}; {note}"})
                else:
                    row(f"choix:{fname}", sec, params, f"{label}{note}")
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--quick", action="store_true",
                        help="a tenth of the rankings (a smoke run)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-choix", action="store_true")
    parser.add_argument("--choix-repeats", type=int, default=1,
                        help="timed choix calls per row (each runs seconds to minutes)")
    parser.add_argument("--choix-budget", type=float, default=900.0,
                        help="seconds a choix row may take before it is stopped (reported "
                             "as a lower bound)")
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
        rows = run_scenario(name, n_items, n_rankings, seed, args.repeats, not args.no_choix,
                            args.choix_repeats, args.choix_budget)
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
