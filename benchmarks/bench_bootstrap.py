#!/usr/bin/env python
"""Benchmark: 1000 bootstrap replicates of a Bradley-Terry fit on S2, btstats against its peers.

Run from the repository root:

    python benchmarks/bench_bootstrap.py [--budget SECONDS] [--repeats K] [--no-arena] [--quick]
                                         [--models | --no-models] [--model NAMES]

Scenario S2 (100 items, 1,000,000 uniform random comparisons, seeded) is drawn once by
``bench_fit.make_scenario("S2")``.  Every row runs in a fresh child process (this script with
the hidden ``--_child`` flag; arena-rank in its own virtual environment through
``benchmarks/_arena_boot_child.py``), so that peak memory is per tool:

* ``btstats``: ``btstats.fit(Comparisons.from_arrays(w, l))`` then
  ``fit.bootstrap(n_resamples=1000, rng=0, progress=False)``, after an untimed warm-up
  (reported as compile time); median of ``--repeats`` runs.
* the peers: as many rounds as fit in ``--budget`` seconds (default 60), extrapolated
  linearly to 1000 rounds: ``fixed + 1000 x (timed wall of the rounds / rounds)``, where
  ``fixed`` is the once-per-run work timed apart (data preparation, the full-data fit, the
  start-up of a process pool).

Results are printed and written to ``benchmarks/results/bench_bootstrap-<time>.{csv,json}``
and ``bench_bootstrap-latest.{csv,json}``.  Targets are printed, not asserted.

Then (unless ``--no-models``; ``--models`` runs this section alone) one row per model of
btstats: 1000 replicates of ``fit.bootstrap`` on 100 items and 2 x 10**5 comparisons simulated
by ``btstats.simulate`` (seeds in ``MODELS``), each model in a fresh child process, against the
0.5 s target; written to ``bench_bootstrap-models-<time>.{csv,json}`` and ``-latest``.
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from functools import partial
from pathlib import Path

import numpy as np

from _memory import _Mem, _mem_status  # noqa: E402  (benchmarks/ is on sys.path: run as a script)
from _arena_boot_child import TreeMem  # stdlib-only sampler of the pool workers' memory
from bench_fit import (  # bench_fit puts the repository root on sys.path (checkout's btstats)
    BENCH_DIR, BENCH_NUMBA_CACHE, MARKER, REPO_ROOT, RESULTS_DIR, SCENARIOS,
    _parse_child_output, ensure_arena_venv, fmt_num, fmt_time, make_scenario, tiny_problem,
)

ARENA_BOOT_CHILD = BENCH_DIR / "_arena_boot_child.py"
N_REPLICATES = 1000
SCENARIO = "S2"

ROWS = {
    # key: label
    "btstats": "btstats fit + fit.bootstrap(1000), Numba prange",
    "arena-recipe": "multinomial weights + scipy L-BFGS-B, Pool(cpu_count) (FastChat compute_bootstrap_bt)",
    "arena-old": "pandas df.sample(frac=1, replace=True) + sklearn LogisticRegression, per round",
    "evalica": "evalica.bootstrap(bradley_terry, bootstrap_method='percentile'), chunked calls",
    "arena-rank": "arena-rank BradleyTerry.compute_ratings_and_cis(ci_method='bootstrap'), spawn Pool",
}


# ----------------------------------------------------------------------------- helpers
def _arena_frame(w, l):
    """What an arena user holds: model_a / model_b / winner, each row randomly oriented."""
    import pandas as pd

    flip = np.random.default_rng(12345).random(len(w)) < 0.5
    return pd.DataFrame({
        "model_a": np.where(flip, l, w),
        "model_b": np.where(flip, w, l),
        "winner": np.where(flip, "model_b", "model_a"),
    })


def _se(dist):
    """Standard errors (ddof=1) of the centred scores, one replicate per row."""
    d = np.asarray(dist, dtype=np.float64)
    d = d - d.mean(axis=1, keepdims=True)
    return d.std(axis=0, ddof=1)


def _warnings(caught):
    return sorted({f"{c.category.__name__}: {c.message}"[:200] for c in caught})


# ------------------------------------------------------------------- row: btstats
def child_btstats(w, l, n, budget, repeats, opts):
    t0 = time.perf_counter()
    import btstats
    import numba
    t_import = time.perf_counter() - t0

    def run(w_, l_, k):
        t0 = time.perf_counter()
        fit = btstats.fit(btstats.Comparisons.from_arrays(w_, l_))
        fit.scores
        t1 = time.perf_counter()
        boot = fit.bootstrap(n_resamples=k, rng=0, progress=False)
        t2 = time.perf_counter()
        return fit, boot, t1 - t0, t2 - t1

    # warm-up = compile (or load from NUMBA_CACHE_DIR): a tiny problem, then the real data
    # with a few replicates (in case S2 takes kernels the tiny problem does not)
    tw, tl, _ = tiny_problem()
    rss0 = _mem_status()["VmRSS"]
    t0 = time.perf_counter()
    run(tw, tl, 32)
    t_tiny = time.perf_counter() - t0
    compile_mb = _mem_status()["VmHWM"] - rss0  # process high-water mark, compile included
    gc.collect()
    mem = _Mem()  # from here: the S2 warm-up and the timed runs (compile excluded)
    t0 = time.perf_counter()
    run(w, l, 32)
    t_real = time.perf_counter() - t0
    gc.collect()
    mem.restart()  # the timed runs alone
    fits, boots = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gc.disable()  # as in timeit
        try:
            for _ in range(repeats):
                fit, boot, tf, tb = run(w, l, N_REPLICATES)
                fits.append(tf)
                boots.append(tb)
                del fit
        finally:
            gc.enable()
    peak, timed_peak = mem.finish()
    se = boot.standard_error
    try:
        se = se.loc[list(range(n))].to_numpy(dtype=np.float64)
    except Exception:  # noqa: BLE001 - labels not 0..n-1: keep the order
        se = se.to_numpy(dtype=np.float64)[:n]
    fit_s, boot_s = float(np.median(fits)), float(np.median(boots))
    return dict(
        rounds=N_REPLICATES, boot_s=boot_s, fixed_s=fit_s, fit_times=fits, boot_times=boots,
        total_times=[a + b for a, b in zip(fits, boots)],
        phases={"import btstats": t_import, "warm-up tiny (fit + 32 replicates)": t_tiny,
                "warm-up S2 (fit + 32 replicates)": t_real},
        compile_s=t_tiny + t_real, se=se[:n].tolist(), peak_mb=peak, workers_mb=0.0,
        mem_method=mem.method, warnings=_warnings(caught),
        info={"numba_threads": numba.get_num_threads(), "timed_runs_peak_mb": round(timed_peak, 1),
              "compile_peak_mb": round(compile_mb, 1), "n_degenerate": boot.n_degenerate,
              "n_unconverged": boot.n_unconverged, "resampling": boot.resampling},
    )


# ------------------------------------------- row: the current arena recipe (FastChat)
# FastChat / LMArena ``compute_bootstrap_bt``: unique (model_a, model_b, outcome) rows with
# counts, multinomial resampling of the counts, one scipy L-BFGS-B fit per round with an
# analytic numpy gradient, rounds spread over a multiprocessing.Pool.  Module-level
# functions so that the pool can pickle them.
def _preprocess_for_bt(df):
    import pandas as pd

    n_rows = len(df)
    schedule = np.full((n_rows, 3), fill_value=1, dtype=np.int32)
    codes, models = pd.factorize(pd.concat([df["model_a"], df["model_b"]]))
    schedule[:, 0] = codes[:n_rows]
    schedule[:, 1] = codes[n_rows:]
    schedule[(df["winner"] == "model_a").to_numpy(), 2] = 2
    schedule[(df["winner"] == "model_b").to_numpy(), 2] = 0
    rows, counts = np.unique(schedule, return_counts=True, axis=0)
    return rows[:, :2], rows[:, 2].astype(np.float64) / 2.0, models.to_list(), counts.astype(np.float64)


def _bt_loss_and_grad(ratings, matchups, outcomes, weights, alpha):
    from scipy.special import expit

    r = ratings[matchups]
    probs = expit(alpha * (r[:, 0] - r[:, 1]))
    loss = -((np.log(probs) * outcomes + np.log(1.0 - probs) * (1.0 - outcomes)) * weights).sum()
    g_rows = -alpha * (outcomes - probs) * weights
    grad = np.zeros_like(ratings)
    np.add.at(grad, matchups, g_rows[:, None] * np.array([1.0, -1.0]))
    return loss, grad


def _fit_bt(matchups, outcomes, weights, n_models, alpha, tol):
    from scipy.optimize import minimize

    res = minimize(_bt_loss_and_grad, np.zeros(n_models), args=(matchups, outcomes, weights, alpha),
                   jac=True, method="L-BFGS-B", options={"maxiter": 100, "gtol": tol})
    return res.x


def _recipe_rounds(matchups, outcomes, counts, n_models, k, procs, seed=0):
    import multiprocessing as mp

    total = counts.sum()
    rng = np.random.default_rng(seed)
    boot_w = rng.multinomial(int(total), counts / total, size=k).astype(np.float64) / total
    fn = partial(_fit_bt, matchups, outcomes, n_models=n_models, alpha=math.log(10.0), tol=1e-6)
    with mp.Pool(procs) as pool:
        return np.array(list(pool.imap_unordered(fn, boot_w)))


def _pool_probe(_):
    return os.getpid()


def pool_startup(procs):
    """Seconds to start (fork) and stop a pool of ``procs`` workers: paid once per call."""
    import multiprocessing as mp

    t0 = time.perf_counter()
    with mp.Pool(procs) as pool:
        pool.map(_pool_probe, range(procs), chunksize=1)
    return time.perf_counter() - t0


def child_arena_recipe(w, l, n, budget, repeats, opts):
    import scipy.optimize  # noqa: F401 - imported before the fork, as FastChat's module does
    import scipy.special  # noqa: F401

    procs = os.cpu_count() or 1
    df = _arena_frame(w, l)  # the user's data: not timed
    tw, tl, tn = tiny_problem()
    tm, to, _, tc = _preprocess_for_bt(_arena_frame(tw, tl))
    _recipe_rounds(tm, to, tc, tn, procs, procs)
    gc.collect()
    mem = _Mem()
    mem.restart()
    tree = TreeMem()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        matchups, outcomes, models, counts = _preprocess_for_bt(df)
        t_prep = time.perf_counter() - t0
        t_pool = pool_startup(procs)
        k0 = 2 * procs
        t0 = time.perf_counter()
        _recipe_rounds(matchups, outcomes, counts, len(models), k0, procs, seed=1)
        t_warm = time.perf_counter() - t0
        est = max(t_warm - t_pool, 0.1 * t_warm) / k0
        k = int(min(N_REPLICATES, max(k0, (budget - t_pool) / est)))
        t0 = time.perf_counter()
        ratings = _recipe_rounds(matchups, outcomes, counts, len(models), k, procs, seed=0)
        t_boot = time.perf_counter() - t0
    peak, _ = mem.finish()
    workers = tree.finish()
    nat = ratings * math.log(10.0)  # FastChat's ratings are on the log10 scale
    order = np.asarray(models, dtype=np.int64)
    se = np.full(n, np.nan)
    se[order] = _se(nat)
    return dict(
        rounds=k, boot_s=t_boot, fixed_s=t_prep, call_overhead_s=t_pool,
        phases={"preprocess_for_bt (factorize + unique rows)": t_prep,
                f"pool start-up ({procs} forked workers)": t_pool,
                f"warm-up call ({k0} rounds)": t_warm},
        marginal_s_per_round=(t_boot - t_warm) / (k - k0) if k > k0 else None,
        se=se.tolist(), peak_mb=peak, workers_mb=workers, workers_max=tree.max_procs,
        mem_method=mem.method, warnings=_warnings(caught),
        info={"processes": procs, "cells": int(len(counts)), "start_method": "fork (default)"},
    )


# ------------------------------------------------------- row: the old arena way (2024)
def child_arena_old(w, l, n, budget, repeats, opts):
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    def one_round(df, gen):
        s = df.sample(frac=1.0, replace=True, random_state=gen)
        a = s["model_a"].to_numpy(np.int64)
        b = s["model_b"].to_numpy(np.int64)
        y = (s["winner"].to_numpy() == "model_a").astype(np.int64)
        keys, counts = np.unique((a * n + b) * 2 + y, return_counts=True)
        yu = keys & 1
        pair = keys >> 1
        rows = len(keys)
        indices = np.empty(2 * rows, np.int64)
        indices[0::2] = pair // n
        indices[1::2] = pair % n
        X = csr_matrix((np.tile(np.array([1.0, -1.0]), rows), indices,
                        np.arange(0, 2 * rows + 1, 2)), shape=(rows, n))
        clf = LogisticRegression(C=np.inf, fit_intercept=False, solver="lbfgs", tol=1e-6)
        clf.fit(X, yu, sample_weight=counts.astype(np.float64))
        return clf.coef_[0].copy(), int(np.max(clf.n_iter_))

    tw, tl, _ = tiny_problem()
    one_round(_arena_frame(tw, tl), np.random.default_rng(1))
    df = _arena_frame(w, l)
    gen = np.random.default_rng(0)
    gc.collect()
    mem = _Mem()
    mem.restart()
    coefs, iters = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        while len(coefs) < N_REPLICATES and (len(coefs) < 2 or time.perf_counter() - t0 < budget):
            c, it = one_round(df, gen)
            coefs.append(c)
            iters.append(it)
        t_boot = time.perf_counter() - t0
    peak, _ = mem.finish()
    return dict(
        rounds=len(coefs), boot_s=t_boot, fixed_s=0.0, se=_se(coefs).tolist(), peak_mb=peak,
        workers_mb=0.0, mem_method=mem.method, warnings=_warnings(caught),
        info={"lbfgs_iterations_max": int(max(iters)), "tol": 1e-6, "processes": 1},
    )


# ------------------------------------------------------------------- row: evalica
def child_evalica(w, l, n, budget, repeats, opts):
    import evalica
    import pandas as pd

    chunk = int(opts.get("evalica_chunk", 10))

    def call(xs, ys, index, k, seed):
        wins = [evalica.Winner.X] * len(xs)
        res = evalica.bootstrap(evalica.bradley_terry, xs, ys, wins, index=index, n_resamples=k,
                                bootstrap_method="percentile", random_state=seed)
        return np.log(res.distribution.reindex(columns=index).to_numpy(dtype=np.float64))

    tw, tl, tn = tiny_problem()
    call(tw, tl, pd.Index(np.arange(tn)), 2, 1)
    index = pd.Index(np.arange(n))
    gc.collect()
    mem = _Mem()
    mem.restart()
    dists, sizes = [], []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        size = 2  # a first small call gives the time per round; then calls of <= chunk rounds
        while True:
            dists.append(call(w, l, index, size, len(sizes)))
            sizes.append(size)
            elapsed = time.perf_counter() - t0
            per = elapsed / sum(sizes)
            size = int(min(chunk, (budget - elapsed) / per, N_REPLICATES - sum(sizes)))
            if size < 2:
                break
        t_boot = time.perf_counter() - t0
    peak, _ = mem.finish()
    dist = np.vstack(dists)
    return dict(
        rounds=int(dist.shape[0]), boot_s=t_boot, fixed_s=0.0, se=_se(dist).tolist(),
        peak_mb=peak, workers_mb=0.0, mem_method=mem.method, warnings=_warnings(caught),
        info={"calls": len(sizes), "rounds_per_call": sizes, "version": evalica.__version__,
              "max_rounds_per_call": chunk},
    )


# --------------------------------------------------- section: every model of btstats
MODEL_ITEMS = 100
MODEL_COMPARISONS = 200_000
MODEL_TARGET_S = 0.5  # 1000 replicates, on this (2-core) machine

#: One row per model: the ``btstats.fit`` call, the model the data are simulated from (its
#: true parameters beyond the scores) and the seed of ``numpy.random.default_rng`` that
#: draws the true scores (N(0, 1)), the pairs (``random_pairs``, uniform a != b) and the
#: outcomes (``simulate``), in that order from one Generator.  Bradley-Terry and Thurstone
#: with ``ties="half"`` are fitted to Rao-Kupper / Glenn-David data, which have ties.
MODELS = {
    "bradley-terry, ties='half'": dict(
        model="bradley-terry", fit={"ties": "half"}, sim="rao-kupper",
        sim_kw={"params": {"eta": 0.4}}, seed=201),
    "thurstone, ties='half'": dict(
        model="thurstone", fit={"ties": "half"}, sim="glenn-david",
        sim_kw={"params": {"eta": 0.25}}, seed=202),
    "rao-kupper": dict(model="rao-kupper", fit={}, sim="rao-kupper",
                       sim_kw={"params": {"eta": 0.4}}, seed=203),
    "glenn-david": dict(model="glenn-david", fit={}, sim="glenn-david",
                        sim_kw={"params": {"eta": 0.25}}, seed=204),
    "davidson": dict(model="davidson", fit={}, sim="davidson",
                     sim_kw={"params": {"nu": 0.5}}, seed=205),
    "graded (K=5)": dict(model="graded", fit={}, sim="graded",
                         sim_kw={"params": {"t1": 0.5, "t2": 1.5}}, seed=206),
    "bradley-terry, order_effect": dict(
        model="bradley-terry", fit={"order_effect": True}, sim="bradley-terry",
        sim_kw={"params": {"h": 0.3}, "order": "random"}, seed=207),
    "rao-kupper, order_effect": dict(
        model="rao-kupper", fit={"order_effect": True}, sim="rao-kupper",
        sim_kw={"params": {"h": 0.3, "eta": 0.4}, "order": "random"}, seed=208),
}


def simulate_model_data(spec):
    """The seeded DataFrame of a model row: item_a, item_b, outcome (+ grade, order)."""
    from btstats.simulate import random_pairs, simulate

    gen = np.random.default_rng(spec["seed"])
    scores = gen.standard_normal(MODEL_ITEMS)
    design = random_pairs(MODEL_ITEMS, MODEL_COMPARISONS, rng=gen)
    return simulate(scores, design, model=spec["sim"], rng=gen, **spec["sim_kw"])


def _fit_call(spec):
    return f"fit(df, {spec['model']!r}" + "".join(
        f", {k}={v!r}" for k, v in spec["fit"].items()) + ")"


def child_model(name, repeats):
    """One model in a fresh process: simulate, fit, an untimed warm-up bootstrap (the compile
    or the Numba cache load), then ``repeats`` timed ``fit.bootstrap(n_resamples=1000, rng=0,
    progress=False)`` calls, and warm full fits for comparison."""
    spec = MODELS[name]
    t0 = time.perf_counter()
    import btstats
    import numba
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    sim = simulate_model_data(spec)
    t_sim = time.perf_counter() - t0
    df = sim.data
    outcome = df["outcome"].to_numpy(dtype=np.float64)

    def fit_once():
        f = btstats.fit(df, spec["model"], **spec["fit"])
        f.scores
        return f

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        fit = fit_once()
        t_first_fit = time.perf_counter() - t0
        fit_times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fit_once()
            fit_times.append(time.perf_counter() - t0)
        gc.collect()
        rss0 = _mem_status()["VmRSS"]
        t0 = time.perf_counter()
        boot = fit.bootstrap(n_resamples=N_REPLICATES, rng=0, progress=False)  # untimed
        t_warm = time.perf_counter() - t0
        warm_mb = _mem_status()["VmHWM"] - rss0  # compile included
        del boot
        gc.collect()
        mem = _Mem()
        mem.restart()
        times = []
        gc.disable()  # as in timeit
        try:
            for _ in range(repeats):
                t0 = time.perf_counter()
                boot = fit.bootstrap(n_resamples=N_REPLICATES, rng=0, progress=False)
                times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
        _, timed_peak = mem.finish()
    se = boot.standard_error
    return dict(
        ok=True, model=name, fit_call=_fit_call(spec), kind=type(fit).__name__,
        method=str(fit.method), n_iter=int(fit.n_iter), converged=bool(fit.converged),
        resampling_design=getattr(fit, "resampling_design", None),
        rows=int(len(df)), tie_fraction=float(np.mean(outcome == 0.5)),
        import_s=t_import, simulate_s=t_sim, first_fit_s=t_first_fit, fit_times=fit_times,
        warmup_s=t_warm, warmup_peak_mb=warm_mb, times=times, timed_peak_mb=timed_peak,
        n_degenerate=int(boot.n_degenerate), n_unconverged=int(boot.n_unconverged),
        max_se=float(np.nanmax(np.asarray(se, dtype=np.float64))),
        numba_threads=int(numba.get_num_threads()), mem_method=mem.method,
        warnings=_warnings(caught),
    )


def run_model_child(name, repeats, timeout, threads=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("NUMBA_CACHE_DIR", str(BENCH_NUMBA_CACHE))
    if threads:
        env["NUMBA_NUM_THREADS"] = str(threads)  # the bootstrap's thread count
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_model_child", name, str(repeats)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=str(REPO_ROOT), env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}
    res = _parse_child_output(proc)
    res["process_wall_s"] = time.perf_counter() - t0
    return res


def model_child_main(name, repeats):
    out = {"model": name}
    try:
        out.update(child_model(name, repeats))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc()[-3000:])
    print(MARKER + json.dumps(out, default=float), flush=True)


def run_models(names, repeats, threads=None):
    """The per-model section: run, print, targets, files.  Returns (rows, targets)."""
    started = time.perf_counter()
    uptime = _uptime()
    print(f"\n=== Bootstrap of every model ({threads or 'all'} thread(s)): {N_REPLICATES} "
          f"replicates, {MODEL_ITEMS} items, "
          f"{MODEL_COMPARISONS:,} comparisons (btstats.simulate, uniform random pairs, scores "
          f"~ N(0, 1)); fit.bootstrap(n_resamples={N_REPLICATES}, rng=0, progress=False), median "
          f"of {repeats} after an untimed warm-up call; target <= {MODEL_TARGET_S:g} s ===")
    print(f"uptime at start: {uptime}", flush=True)
    rows = []
    for name in names:
        spec = MODELS[name]
        res = run_model_child(name, repeats, timeout=1800, threads=threads)
        row = {"model": name, "fit_call": _fit_call(spec),
               "simulated": f"{spec['sim']} {spec['sim_kw']}", "seed": spec["seed"],
               "status": "ok", "note": ""}
        if not res.get("ok"):
            row.update(status="error", note=res.get("error", "?"))
            print(f"  {name}: ERROR {row['note']}")
            if res.get("traceback"):
                print("    " + res["traceback"].strip().splitlines()[-1])
            rows.append(row)
            continue
        med = float(np.median(res["times"]))
        fit_s = float(np.median(res["fit_times"]))
        row.update({k: res[k] for k in (
            "kind", "method", "n_iter", "converged", "resampling_design", "rows",
            "tie_fraction", "import_s", "simulate_s", "first_fit_s", "fit_times", "warmup_s",
            "warmup_peak_mb", "times", "timed_peak_mb", "n_degenerate", "n_unconverged",
            "max_se", "numba_threads", "warnings", "process_wall_s")})
        row.update(boot_s=med, boot_min_s=float(np.min(res["times"])),
                   per_replicate_s=med / N_REPLICATES, fit_s=fit_s,
                   fit_over_replicate=fit_s / (med / N_REPLICATES),
                   passed=bool(med <= MODEL_TARGET_S))
        if row["warnings"]:
            row["note"] = "; ".join(row["warnings"])[:160]
        print(f"  {name:<30} {row['fit_call']}: {row['kind']} ({row['method']}, "
              f"{row['resampling_design']}), ties {100 * row['tie_fraction']:.0f}%; bootstrap "
              f"median {fmt_time(med)}, min {fmt_time(row['boot_min_s'])} "
              f"({', '.join(fmt_time(t) for t in res['times'])}); {fmt_time(row['per_replicate_s'])}"
              f" per replicate vs a warm full fit {fmt_time(fit_s)}; first call "
              f"{fmt_time(row['warmup_s'])}; timed peak +{row['timed_peak_mb']:.0f} MB; "
              f"degenerate {row['n_degenerate']}, unconverged {row['n_unconverged']}"
              + (f"  NOTE {row['note']}" if row["note"] else ""), flush=True)
        rows.append(row)

    print("\n" + "=" * 118)
    head = (f"{'model':<30}{'path':<9}{'ties':>5}{'fit':>10}{'boot med':>10}{'boot min':>10}"
            f"{'/ repl':>10}{'fit/repl':>9}{'1st call':>10}{'peak MB':>8}{'degen':>6}  target")
    print(head)
    print("-" * len(head))
    for r in rows:
        if r["status"] != "ok":
            print(f"{r['model']:<30}ERROR  {r['note'][:80]}")
            continue
        path = "core" if r["kind"] == "CoreFit" else "pairwise"
        print(f"{r['model']:<30}{path:<9}{100 * r['tie_fraction']:>4.0f}%{fmt_time(r['fit_s']):>10}"
              f"{fmt_time(r['boot_s']):>10}{fmt_time(r['boot_min_s']):>10}"
              f"{fmt_time(r['per_replicate_s']):>10}{r['fit_over_replicate']:>9.1f}"
              f"{fmt_time(r['warmup_s']):>10}{r['timed_peak_mb']:>8.0f}{r['n_degenerate']:>6}  "
              f"{'PASS' if r['passed'] else 'FAIL'}")
    print(f"(fit = a warm btstats.fit(df, ...) from the DataFrame, median of 3; boot = "
          f"fit.bootstrap({N_REPLICATES}) wall time, median / min of {repeats};\n / repl = "
          f"boot median / {N_REPLICATES}: each replicate a resample plus a refit warm-started at "
          f"the estimate; fit/repl = how many\n replicates cost one full fit; 1st call = the "
          f"untimed warm-up bootstrap (compile, or Numba cache load); peak MB = peak RSS\n "
          f"increase over the timed calls; degen = degenerate replicates (no finite MLE)); "
          f"path: pairwise = pair counts, core = cells")
    print("\nTargets (printed, not asserted):")
    targets = []
    for r in rows:
        tname = f"{r['model']}: {N_REPLICATES} replicates <= {MODEL_TARGET_S:g} s"
        if r["status"] != "ok":
            targets.append({"target": tname, "status": "N/A", "detail": r["note"]})
            print(f"  N/A  {tname}: {r['note']}")
            continue
        detail = (f"median {fmt_time(r['boot_s'])}, min {fmt_time(r['boot_min_s'])} "
                  f"({fmt_time(r['per_replicate_s'])} per replicate; {r['numba_threads']} threads)")
        status = "PASS" if r["passed"] else "FAIL"
        targets.append({"target": tname, "status": status, "detail": detail})
        print(f"  {status} {tname}: {detail}")
    meta = {"items": MODEL_ITEMS, "comparisons": MODEL_COMPARISONS, "replicates": N_REPLICATES,
            "repeats": repeats, "target_s": MODEL_TARGET_S, "cores": os.cpu_count(),
            "numba_num_threads": threads or "default (all cores)",
            "date": _dt.datetime.now().isoformat(timespec="seconds"), "uptime_start": uptime,
            "uptime_end": _uptime(), "targets": targets,
            "specs": {k: MODELS[k] for k in names}}
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    fields = ["model", "fit_call", "simulated", "seed", "status", "kind", "method",
              "resampling_design", "tie_fraction", "fit_s", "boot_s", "boot_min_s",
              "per_replicate_s", "fit_over_replicate", "warmup_s", "timed_peak_mb",
              "n_degenerate", "n_unconverged", "passed", "note"]
    for path in (RESULTS_DIR / f"bench_bootstrap-models-{stamp}.csv",
                 RESULTS_DIR / "bench_bootstrap-models-latest.csv"):
        with open(path, "w", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            wr.writeheader()
            wr.writerows(rows)
    for path in (RESULTS_DIR / f"bench_bootstrap-models-{stamp}.json",
                 RESULTS_DIR / "bench_bootstrap-models-latest.json"):
        with open(path, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=1, default=str)
    print(f"uptime at the end: {meta['uptime_end']}")
    print(f"wrote {RESULTS_DIR}/bench_bootstrap-models-{stamp}.csv and .json (also "
          f"*-latest.*); section total {time.perf_counter() - started:.0f} s")
    return rows, targets


def _uptime():
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


CHILDREN = {
    "btstats": child_btstats,
    "arena-recipe": child_arena_recipe,
    "arena-old": child_arena_old,
    "evalica": child_evalica,
}


def child_main(tool, npz_path, budget, repeats, opts_json):
    out = {"tool": tool}
    try:
        d = np.load(npz_path)
        w, l, n = d["winners"], d["losers"], int(d["n"])
        out.update(CHILDREN[tool](w, l, n, budget, repeats, json.loads(opts_json)))
        out["ok"] = True
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc()[-3000:])
    print(MARKER + json.dumps(out, default=float), flush=True)


# ------------------------------------------------------------------- parent: running
def run_child(tool, npz_path, budget, repeats, opts, timeout):
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("NUMBA_CACHE_DIR", str(BENCH_NUMBA_CACHE))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--_child", tool, str(npz_path),
           str(budget), str(repeats), json.dumps(opts)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=str(REPO_ROOT), env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}
    res = _parse_child_output(proc)
    res["process_wall_s"] = time.perf_counter() - t0
    return res


def run_arena_boot_child(py, npz_path, budget, n_jobs, timeout):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    cmd = [str(py), str(ARENA_BOOT_CHILD), str(npz_path), str(budget), str(n_jobs),
           str(N_REPLICATES)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=str(BENCH_DIR), env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}
    res = _parse_child_output(proc)
    res["process_wall_s"] = time.perf_counter() - t0
    return res


def _cache_entries():
    try:
        return sum(1 for p in BENCH_NUMBA_CACHE.rglob("*.nbi"))
    except OSError:
        return 0


# ------------------------------------------------------------------------------ main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--budget", type=float, default=None,
                    help="timed seconds per peer; rounds beyond it are extrapolated (default 60)")
    ap.add_argument("--repeats", type=int, default=3,
                    help="btstats runs of fit + 1000 replicates, median reported (default 3)")
    ap.add_argument("--no-arena", action="store_true", help="skip arena-rank (and its venv)")
    ap.add_argument("--quick", action="store_true", help="budget 10 s per peer, skip arena-rank")
    ap.add_argument("--evalica-chunk", type=int, default=10,
                    help="at most this many rounds per evalica.bootstrap call (its memory grows "
                         "~93 MB per round of a call; default 10)")
    ap.add_argument("--models", action="store_true",
                    help="only the per-model section: 1000 replicates for every model of "
                         "btstats on 100 items and 2e5 comparisons (no peers)")
    ap.add_argument("--no-models", action="store_true", help="skip the per-model section")
    ap.add_argument("--threads", type=int, default=None,
                    help="per-model section: NUMBA_NUM_THREADS of its children (default: unset, "
                         "all cores); 1 gives the single-core cost, less sensitive to the load")
    ap.add_argument("--model", default=None,
                    help="comma list of the model rows to run (default all: "
                         + "; ".join(MODELS) + ")")
    ap.add_argument("--_child", nargs=5, help=argparse.SUPPRESS)
    ap.add_argument("--_model_child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._child:
        tool, npz, budget, reps, opts = args._child
        child_main(tool, npz, float(budget), int(reps), opts)
        return 0
    if args._model_child:
        model_child_main(args._model_child[0], int(args._model_child[1]))
        return 0
    model_names = list(MODELS)
    if args.model is not None:
        model_names = [m.strip() for m in args.model.split(";" if ";" in args.model else ",")
                       if m.strip()]
        for m in model_names:
            if m not in MODELS:
                ap.error(f"unknown model row {m!r}; choose from: " + "; ".join(MODELS))
    if args.models and args.no_models:
        ap.error("--models and --no-models exclude each other")
    if args.models:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        print(f"btstats bootstrap benchmark, per-model section only; python "
              f"{sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} cores")
        run_models(model_names, max(1, args.repeats), args.threads)
        return 0

    budget = args.budget if args.budget is not None else (10.0 if args.quick else 60.0)
    no_arena = args.no_arena or args.quick
    repeats = max(1, args.repeats)
    opts = {"evalica_chunk": args.evalica_chunk}
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"btstats bootstrap benchmark: {SCENARIO} ({SCENARIOS[SCENARIO][3]}), "
          f"{N_REPLICATES} replicates; btstats median of {repeats}; peers: {budget:.0f} s of "
          f"rounds each, extrapolated to {N_REPLICATES}; python {sys.version.split()[0]}, "
          f"numpy {np.__version__}, {os.cpu_count()} cores", flush=True)

    arena_py = None
    if not no_arena:
        print("arena-rank: checking its virtual environment", flush=True)
        arena_py = ensure_arena_venv()
        if arena_py is None:
            print("  arena-rank row will be reported as not run")

    tmp = tempfile.TemporaryDirectory(prefix="btstats-bench-boot-")
    w, l, n, _, seed = make_scenario(SCENARIO)
    npz = Path(tmp.name) / f"{SCENARIO}.npz"
    np.savez(npz, winners=w, losers=l, n=n)
    print(f"{SCENARIO}: n={n}, comparisons={len(w):,}, seed={seed}", flush=True)
    meta = {"scenario": SCENARIO, "n": n, "comparisons": int(len(w)), "seed": seed,
            "replicates": N_REPLICATES, "budget_s": budget, "btstats_repeats": repeats,
            "cores": os.cpu_count(), "date": _dt.datetime.now().isoformat(timespec="seconds"),
            "numba_cache_entries_before": _cache_entries()}

    tools = ["btstats", "arena-recipe", "arena-old", "evalica"] + ([] if no_arena else ["arena-rank"])
    rows = []
    for tool in tools:
        row = {"tool": tool, "label": ROWS[tool], "status": "ok", "note": "", "rounds": 0,
               "s_per_round": None, "s_per_1000": None, "fixed_s": None, "peak_mb": None,
               "ratio": None, "extrapolated": None, "se_max_rel_diff": None,
               "se_median_rel_diff": None}
        print(f"\n--- {tool}: {ROWS[tool]}", flush=True)
        if tool == "arena-rank":
            if arena_py is None:
                row.update(status="not run", note="arena-rank venv unavailable")
                rows.append(row)
                print("  NOT RUN: arena-rank venv unavailable")
                continue
            res = run_arena_boot_child(arena_py, npz, budget, os.cpu_count() or 1,
                                       timeout=int(4 * budget) + 900)
        else:
            timeout = 1800 if tool == "btstats" else int(4 * budget) + 900
            res = run_child(tool, npz, budget, repeats, opts, timeout)
        if not res.get("ok"):
            row.update(status="error", note=res.get("error", "?"))
            if res.get("traceback"):
                row["traceback"] = res["traceback"]
                print(res["traceback"])
            print(f"  ERROR: {row['note']}")
            rows.append(row)
            continue
        k = int(res["rounds"])
        # the pool rows start a pool per call: its start-up, timed apart, counts once per run
        over = float(res.get("call_overhead_s") or 0.0)
        if over >= res["boot_s"]:
            row["note"] = "pool start-up >= call time: not subtracted"
            over = 0.0
        per = (res["boot_s"] - over) / k
        fixed = res["fixed_s"] + over
        row.update(
            rounds=k, boot_s=res["boot_s"], s_per_round=per, fixed_s=fixed,
            call_overhead_s=over, s_per_1000=fixed + per * N_REPLICATES,
            extrapolated=k < N_REPLICATES,
            peak_mb=res["peak_mb"] + res.get("workers_mb", 0.0), process_peak_mb=res["peak_mb"],
            workers_peak_mb=res.get("workers_mb", 0.0), se=res["se"], phases=res.get("phases"),
            info=res.get("info", {}), warnings=res.get("warnings", []),
            marginal_s_per_round=res.get("marginal_s_per_round"),
            process_wall_s=res.get("process_wall_s"),
        )
        for key in ("fit_times", "boot_times", "total_times", "compile_s", "mem_method"):
            if key in res:
                row[key] = res[key]
        for name, t in (res.get("phases") or {}).items():
            print(f"  {name}: {fmt_time(t)}")
        if tool == "btstats":
            print(f"  fit (from raw arrays) median {fmt_time(row['fixed_s'])}, bootstrap(1000) "
                  f"median {fmt_time(row['boot_s'])}, total median "
                  f"{fmt_time(float(np.median(res['total_times'])))}  (x{len(res['boot_times'])}: "
                  f"bootstrap {', '.join(fmt_time(t) for t in res['boot_times'])})")
            print(f"  compile (warm-ups, NUMBA_CACHE_DIR had {meta['numba_cache_entries_before']} "
                  f"index files before): {fmt_time(res['compile_s'])}")
        else:
            print(f"  {k} rounds in {fmt_time(res['boot_s'])}"
                  + (f" - pool start-up {fmt_time(over)}" if over else "")
                  + f" = {fmt_time(per)} per round"
                  + (f"; fixed {fmt_time(fixed)}" if fixed else "")
                  + f" -> {N_REPLICATES} rounds {'extrapolated' if k < N_REPLICATES else 'timed'}"
                  f": {fmt_time(row['s_per_1000'])}"
                  + (f"  (marginal from two calls: {fmt_time(row['marginal_s_per_round'])} per "
                     f"round)" if row.get("marginal_s_per_round") else ""))
        print(f"  peak memory +{row['peak_mb']:.0f} MB"
              + (f" (this process +{res['peak_mb']:.0f} MB, pool workers {res['workers_mb']:.0f} MB "
                 f"PSS)" if res.get("workers_mb") else "")
              + f"  {json.dumps(row['info'])}", flush=True)
        if row["warnings"]:
            print("  warnings: " + " | ".join(row["warnings"])[:300])
        rows.append(row)

    # ratio, SE agreement
    bt = next((r for r in rows if r["tool"] == "btstats" and r["status"] == "ok"), None)
    if bt:
        bt_total = bt["s_per_1000"]
        se_bt = np.asarray(bt["se"], dtype=np.float64)
        for r in rows:
            if r["status"] != "ok":
                continue
            r["ratio"] = r["s_per_1000"] / bt_total
            if r is not bt:
                se = np.asarray(r["se"], dtype=np.float64)
                rel = np.abs(se_bt - se) / se_bt
                r["se_max_rel_diff"] = float(np.nanmax(rel))
                r["se_median_rel_diff"] = float(np.nanmedian(rel))
                # sampling noise of an SE from R rounds: relative sd about 1/sqrt(2(R-1))
                r["se_noise_expected"] = 1.0 / math.sqrt(2 * max(1, r["rounds"] - 1))

    # ------------------------------------------------------------------------- table
    print("\n" + "=" * 112)
    head = (f"{'tool':<14}{'rounds':>7}{'s/round':>11}{'s/1000':>10}{'':>4}{'fixed':>9}"
            f"{'peak MB':>9}{'ratio':>9}{'SE max':>8}{'SE med':>8}  label")
    print(head)
    print("-" * len(head))
    for r in rows:
        if r["status"] != "ok":
            print(f"{r['tool']:<14}{r['status'].upper():>7}  {r['note'][:90]}")
            continue
        print(f"{r['tool']:<14}{r['rounds']:>7}{fmt_time(r['s_per_round']):>11}"
              f"{fmt_time(r['s_per_1000']):>10}{'(x)' if r['extrapolated'] else '':>4}"
              f"{fmt_time(r['fixed_s']) if r['fixed_s'] else '-':>9}{fmt_num(r['peak_mb'], '.1f'):>9}"
              f"{fmt_num(r['ratio'], '.1f'):>9}{fmt_num(r['se_max_rel_diff'], '.3f'):>8}"
              f"{fmt_num(r['se_median_rel_diff'], '.3f'):>8}  {r['label'][:60]}")
    print(f"(rounds = rounds actually timed; s/round = their wall time / rounds; s/1000 = fixed + "
          f"1000 x s/round,\n (x) = EXTRAPOLATED linearly from the rounds timed; btstats: s/1000 = "
          f"median fit + median bootstrap(1000),\n fixed = once-per-run work timed apart (btstats: "
          f"the fit; peers: data preparation, full-data fit, pool start-up);\n peak MB = peak RSS increase of the "
          f"child over its RSS after a tiny warm-up (btstats: compile excluded, S2 warm-up included)\n"
          f" + summed PSS of its pool workers; ratio = s/1000 / btstats s/1000;\n SE max / "
          f"med = max / median over items of |se_btstats - se_peer| / se_btstats (natural-log "
          f"scale),\n expect about 3 / 0.7 x 1/sqrt(2 (rounds - 1)) from the peer's few rounds "
          f"alone)")
    for r in rows:
        if r["status"] == "ok" and r.get("se_noise_expected"):
            print(f"  {r['tool']}: SE noise from {r['rounds']} rounds ~ "
                  f"{r['se_noise_expected']:.3f} (sd of relative error)")

    # ----------------------------------------------------------------------- targets
    print("\nTargets (printed, not asserted):")
    targets = []

    def target(name, ok, detail):
        status = "PASS" if ok is True else ("FAIL" if ok is False else "N/A ")
        targets.append({"target": name, "status": status.strip(), "detail": detail})
        print(f"  {status} {name}: {detail}")

    if bt:
        target(f"btstats {N_REPLICATES} replicates <= 1 s on {os.cpu_count()} cores",
               bt["boot_s"] <= 1.0,
               f"bootstrap call median {fmt_time(bt['boot_s'])} (+ fit {fmt_time(bt['fixed_s'])} "
               f"= {fmt_time(bt['s_per_1000'])})")
        peers = [r for r in rows if r["status"] == "ok" and r is not bt]
        if peers:
            best = min(peers, key=lambda r: r["s_per_1000"])
            target(">= 30x faster than the fastest peer", best["s_per_1000"] / bt["s_per_1000"] >= 30,
                   f"{best['s_per_1000'] / bt['s_per_1000']:.1f}x vs {best['tool']} "
                   f"({fmt_time(best['s_per_1000'])}"
                   f"{', extrapolated from ' + str(best['rounds']) + ' rounds' if best['extrapolated'] else ''}"
                   f") against btstats fit + bootstrap {fmt_time(bt['s_per_1000'])} "
                   f"({best['s_per_1000'] / bt['boot_s']:.1f}x against the bootstrap call alone)")
        else:
            target(">= 30x faster than the fastest peer", None, "no peer row ran")
    else:
        target(f"btstats {N_REPLICATES} replicates <= 1 s", None, "btstats row failed")
    meta["targets"] = targets

    # ------------------------------------------------------------------------- files
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    fields = ["tool", "status", "rounds", "extrapolated", "s_per_round", "fixed_s", "s_per_1000",
              "peak_mb", "process_peak_mb", "workers_peak_mb", "ratio", "se_max_rel_diff",
              "se_median_rel_diff", "note", "label"]
    for path in (RESULTS_DIR / f"bench_bootstrap-{stamp}.csv",
                 RESULTS_DIR / "bench_bootstrap-latest.csv"):
        with open(path, "w", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
            wr.writeheader()
            wr.writerows(rows)
    for path in (RESULTS_DIR / f"bench_bootstrap-{stamp}.json",
                 RESULTS_DIR / "bench_bootstrap-latest.json"):
        with open(path, "w") as fh:
            json.dump({"meta": meta, "rows": rows}, fh, indent=1, default=str)
    print(f"\nwrote {RESULTS_DIR}/bench_bootstrap-{stamp}.csv and .json (also *-latest.*); "
          f"total {time.perf_counter() - started:.0f} s")
    tmp.cleanup()
    if not args.no_models:
        run_models(model_names, repeats, args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
