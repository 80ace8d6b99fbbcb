"""Child of bench_fit.py: times arena-rank's Bradley-Terry fit inside benchmarks/.venv-arena.

Usage (done by bench_fit.py): .venv-arena/bin/python _arena_child.py DATA.npz REPEATS BUDGET_S

Reads int32 ``winners`` / ``losers`` and ``n`` from the .npz, and times, from those raw
arrays, what an LMArena user does: a pandas frame with model_a / model_b / winner columns
(each row randomly oriented, winner "model_a" or "model_b"), ``PairDataset.from_pandas``
(factorize, unique rows, counts) and ``BradleyTerry(n).fit(dataset)`` with its defaults
(optax L-BFGS, ftol = gtol = 1e-9 on the mean loss, max_iter 1000).  The ratings are read
back with np.asarray inside the timed region, so JAX's asynchronous dispatch is included.
Prints one line ``@@BENCH_RESULT@@{json}`` with times, centred scores (natural-log scale)
and peak RSS.  Needs only the stdlib and _memory.py beside it: this venv has its own numpy
(arena-rank pins 2.3.3).
"""
import gc
import json
import sys
import time
import traceback
import warnings

from _memory import _Mem  # benchmarks/ is on sys.path: run as a script

MARKER = "@@BENCH_RESULT@@"


def main():
    out = {"tool": "arena-rank"}
    try:
        import numpy as np
        import pandas as pd
        from arena_rank.models.bradley_terry import BradleyTerry
        from arena_rank.utils.data_utils import PairDataset

        path, repeats, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        d = np.load(path)
        winners, losers, n = d["winners"], d["losers"], int(d["n"])

        def run(w, l):
            flip = np.random.default_rng(12345).random(len(w)) < 0.5
            df = pd.DataFrame({
                "model_a": np.where(flip, l, w),
                "model_b": np.where(flip, w, l),
                "winner": np.where(flip, "model_b", "model_a"),
            })
            ds = PairDataset.from_pandas(df)
            model = BradleyTerry(n_competitors=len(ds.competitors))
            model.fit(ds)
            ratings = np.asarray(model.params["ratings"])  # blocks until JAX is done
            return ratings, ds.competitors

        # tiny warm-up: imports, JAX initialisation
        tw, tl = [], []
        for i in range(5):
            for j in range(i + 1, 5):
                tw += [i] * 4 + [j] * 2
                tl += [j] * 4 + [i] * 2
        run(np.array(tw, np.int32), np.array(tl, np.int32))
        gc.collect()
        mem = _Mem()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t0 = time.perf_counter()
            run(winners, losers)
            warm = time.perf_counter() - t0
        gc.collect()
        mem.restart()
        k = repeats if warm * repeats <= budget else max(1, int(budget / max(warm, 1e-9)))
        times = []
        gc.collect()
        gc.disable()  # as in timeit (and the parent's children)
        try:
            for _ in range(k):
                t0 = time.perf_counter()
                ratings, competitors = run(winners, losers)
                times.append(time.perf_counter() - t0)
        finally:
            gc.enable()
        peak, fit_peak = mem.finish()

        scores = np.full(n, np.nan)
        scores[np.asarray(competitors, dtype=np.int64)] = ratings  # factorize(sort=True) labels
        scores -= np.nanmean(scores)
        out.update(
            ok=True, times=times, warmup_s=warm, peak_mb=peak, fit_peak_mb=fit_peak,
            mem_method=mem.method, scores=scores.tolist(),
            info={"numpy": np.__version__, "competitors": len(competitors)},
            warnings=sorted({f"{c.category.__name__}: {c.message}"[:200] for c in caught}),
        )
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc()[-3000:])
    print(MARKER + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
