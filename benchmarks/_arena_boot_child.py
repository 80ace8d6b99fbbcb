"""Child of bench_bootstrap.py: times arena-rank's bootstrap inside benchmarks/.venv-arena.

Usage (done by bench_bootstrap.py):

    .venv-arena/bin/python _arena_boot_child.py DATA.npz BUDGET_S N_JOBS MAX_ROUNDS

Reads int32 ``winners`` / ``losers`` and ``n`` from the .npz and builds what an LMArena user
has: a pandas frame with model_a / model_b / winner columns (each row randomly oriented,
winner "model_a" or "model_b"; not timed).  Then, timed in phases:

1. ``PairDataset.from_pandas(df)`` (factorize, unique (a, b, outcome) rows, counts);
2. ``BradleyTerry(n).fit(ds)`` (the full-data fit, optax L-BFGS, defaults);
3. ``model.compute_ratings_and_cis(ds, ci_method="bootstrap", num_bootstrap=K, seed=0,
   n_jobs=N_JOBS)``: arena-rank's bootstrap (multinomial counts over the unique rows drawn
   with JAX, then one fresh ``fit`` per round in a ``multiprocessing.Pool``).

The pool's start method is set to "spawn" before anything else: with Linux's default "fork"
the pool hangs (the parent has JAX's threads running).  A warm-up bootstrap call with
``2 * N_JOBS`` rounds (untimed for the result, timed for the estimate) sets K so that the
timed call takes about BUDGET seconds (at most MAX_ROUNDS rounds).  Every call starts a new
pool whose spawned workers import JAX and arena-rank before their first round: that start-up
is timed apart (a spawn pool of N_JOBS workers running a probe that imports arena-rank and
starts JAX's backend) and returned as ``call_overhead_s``; the parent counts it once per run
and takes it out of the time per round.

Prints one line ``@@BENCH_RESULT@@{json}`` with the phase times, the rounds, the bootstrap
standard errors (natural-log scale, ddof=1) and memory: this process's peak-RSS increase
(``_memory._Mem``) and the peak summed PSS of its pool workers (``TreeMem``, sampled).

The module's top level is stdlib-only (``TreeMem`` is imported by bench_bootstrap.py from the
main environment, and the spawned workers re-import this file as ``__mp_main__``).
"""
import gc
import json
import os
import sys
import threading
import time
import traceback
import warnings

from _memory import _Mem  # benchmarks/ is on sys.path: run as a script

MARKER = "@@BENCH_RESULT@@"


class TreeMem:
    """Peak of the summed PSS (MB) of this process's descendants, sampled by a thread.

    For pool rows: the workers' memory is not in the parent's RSS.  PSS (proportional set
    size, /proc/PID/smaps_rollup) splits shared pages among the processes sharing them, so
    forked workers are not charged for the parent's pages in full.  The resource tracker
    that ``spawn`` starts is left out.  Sampled every ``interval`` seconds: a peak shorter
    than that can be missed.
    """

    def __init__(self, interval=0.1):
        self.pid = os.getpid()
        self.interval = interval
        self.peak_mb = 0.0
        self.max_procs = 0
        self._skip = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _descendants(self):
        children = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as fh:
                    s = fh.read()
            except OSError:
                continue
            ppid = int(s[s.rfind(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(name))
        out, stack = [], [self.pid]
        while stack:
            for c in children.get(stack.pop(), ()):
                out.append(c)
                stack.append(c)
        return out

    def _ignored(self, pid):
        if pid not in self._skip:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as fh:
                    cmd = fh.read()
            except OSError:
                cmd = b""
            self._skip[pid] = b"resource_tracker" in cmd
        return self._skip[pid]

    @staticmethod
    def _pss_mb(pid):
        try:
            with open(f"/proc/{pid}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        return int(line.split()[1]) / 1024.0
        except OSError:
            pass
        return 0.0

    def _run(self):
        while not self._stop.is_set():
            pids = [p for p in self._descendants() if not self._ignored(p)]
            total = sum(self._pss_mb(p) for p in pids)
            self.peak_mb = max(self.peak_mb, total)
            self.max_procs = max(self.max_procs, len(pids))
            self._stop.wait(self.interval)

    def finish(self):
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def _pool_probe(_):
    """What a spawned pool worker pays before its first round: import arena-rank (JAX) and
    start JAX's CPU backend."""
    import jax.numpy as jnp
    from arena_rank.models import bradley_terry  # noqa: F401

    jnp.zeros(1).block_until_ready()
    return os.getpid()


def pool_startup(n_jobs):
    """Seconds to start a spawn pool of ``n_jobs`` workers that import arena-rank, and stop it."""
    import multiprocessing as mp

    t0 = time.perf_counter()
    with mp.get_context("spawn").Pool(processes=n_jobs) as pool:
        pids = pool.map(_pool_probe, range(n_jobs), chunksize=1)
    return time.perf_counter() - t0, len(set(pids))


def main():
    out = {"tool": "arena-rank"}
    try:
        import multiprocessing as mp

        mp.set_start_method("spawn", force=True)  # "fork" hangs (JAX threads in the parent)
        import numpy as np
        import pandas as pd
        from arena_rank.models.bradley_terry import BradleyTerry
        from arena_rank.utils.data_utils import PairDataset

        path, budget = sys.argv[1], float(sys.argv[2])
        n_jobs, max_rounds = int(sys.argv[3]), int(sys.argv[4])
        d = np.load(path)
        winners, losers, n = d["winners"], d["losers"], int(d["n"])

        def frame(w, l):
            flip = np.random.default_rng(12345).random(len(w)) < 0.5
            return pd.DataFrame({
                "model_a": np.where(flip, l, w),
                "model_b": np.where(flip, w, l),
                "winner": np.where(flip, "model_b", "model_a"),
            })

        # tiny warm-up: imports, JAX initialisation (not the pool: every call starts its own)
        tw, tl = [], []
        for i in range(5):
            for j in range(i + 1, 5):
                tw += [i] * 4 + [j] * 2
                tl += [j] * 4 + [i] * 2
        tds = PairDataset.from_pandas(frame(np.array(tw), np.array(tl)))
        BradleyTerry(n_competitors=len(tds.competitors)).fit(tds)
        df = frame(winners, losers)
        gc.collect()
        mem = _Mem()
        mem.restart()
        tree = TreeMem()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            ds = PairDataset.from_pandas(df)
            t_prep = time.perf_counter() - t0
            t0 = time.perf_counter()
            model = BradleyTerry(n_competitors=len(ds.competitors))
            model.fit(ds)
            np.asarray(model.params["ratings"])  # blocks until JAX is done
            t_fit = time.perf_counter() - t0

            def boot(k, seed):
                res = model.compute_ratings_and_cis(ds, ci_method="bootstrap", num_bootstrap=k,
                                                    seed=seed, n_jobs=n_jobs)
                return {key: np.asarray(v) if key != "competitors" else v
                        for key, v in res.items()}

            # every compute_ratings_and_cis call starts a new pool: its start-up (spawned
            # workers importing JAX) is timed apart and counted once per run, not per round
            t_pool, n_started = pool_startup(n_jobs)
            k0 = 2 * n_jobs
            t0 = time.perf_counter()
            boot(k0, 1)
            t_warm = time.perf_counter() - t0
            est = max(t_warm - t_pool, 0.1 * t_warm) / k0
            k = int(min(max_rounds, max(k0, (budget - t_pool) / est)))
            k -= k % n_jobs  # whole rounds per worker
            t0 = time.perf_counter()
            res = boot(k, 0)
            t_boot = time.perf_counter() - t0
        peak, _ = mem.finish()
        workers = tree.finish()

        # variances: jnp.var (ddof=0) of the Elo-scaled samples; back to natural-log units
        var = np.asarray(res["variances"], dtype=np.float64) * k / (k - 1)
        se = np.full(n, np.nan)
        se[np.asarray(res["competitors"], dtype=np.int64)] = np.sqrt(var) / model.alpha
        marginal = (t_boot - t_warm) / (k - k0) if k > k0 else None
        out.update(
            ok=True, rounds=k, boot_s=t_boot, fixed_s=t_prep + t_fit, call_overhead_s=t_pool,
            phases={"PairDataset.from_pandas": t_prep, "full fit": t_fit,
                    f"pool start-up ({n_started} spawned workers importing arena-rank)": t_pool,
                    f"warm-up bootstrap call ({k0} rounds)": t_warm},
            marginal_s_per_round=marginal, se=se.tolist(), peak_mb=peak, workers_mb=workers,
            workers_max=tree.max_procs, mem_method=mem.method,
            info={"numpy": np.__version__, "n_jobs": n_jobs, "start_method": "spawn",
                  "competitors": len(ds.competitors)},
            warnings=sorted({f"{c.category.__name__}: {c.message}"[:200] for c in caught}),
        )
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc()[-3000:])
    print(MARKER + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
