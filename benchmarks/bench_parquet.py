#!/usr/bin/env python
"""Benchmark: 10**8 comparisons of 10**6 items streamed from Parquet and fitted (issue 13).

Run from the repository root:

    python benchmarks/bench_parquet.py                         # 10**8 rows (data cached)
    python benchmarks/bench_parquet.py --rows 10000000         # a quicker run at 10**7
    python benchmarks/bench_parquet.py --labels string         # string labels (slower)

Data (seeded, generated once and cached under ``benchmarks/.data/``, which git ignores):
``--items`` items (default 10**6) with true scores ~ N(0, 0.5**2); a fixed set of about
``--pairs`` distinct pairs (default 5 x 10**6: a random spanning cycle, so the graph is
connected, plus uniformly random pairs); each of the ``--rows`` comparisons (default 10**8,
about 20 per pair, 200 per item) is a uniformly random pair of that set in random orientation,
``outcome = 1`` (item_a won) with probability ``logistic(s_a - s_b)``, else 0.  Columns:
``item_a``, ``item_b`` (int32 item ids, the realistic fast case: ids are their own codes, no
hashing; ``--labels string`` writes ``"item0001234"`` strings instead) and ``outcome`` (int8),
written with pyarrow's defaults (snappy, row groups of 2**20 rows) in files of 10**7 rows.

Measured in a fresh child process, after a warm-up on a small file (Numba loads its cached
kernels; compile time is excluded): the floor, pyarrow alone reading the same three columns in
record batches of the same size (``Dataset.to_batches``, nothing converted); then
``Comparisons.from_parquet(folder)`` and ``btstats.fit(comparisons)`` (default method, scores
only: standard errors for 10**6 items would need an n x n matrix, so none are asked for).  The
floor read goes first, so both read from the page cache.  Peak memory is the process's peak
resident set (VmHWM, reset just before the read) during read + fit, absolute (what the 4 GB
target is about: interpreter, libraries and all) and as an increase over the resident set
before the read.  PASS/FAIL: read + fit within 60 s and 4 GB.  Results also go to
``benchmarks/results/bench_parquet-latest.json``.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
DATA_DIR = BENCH_DIR / ".data"
RESULTS_DIR = BENCH_DIR / "results"
if str(REPO_ROOT) not in sys.path:  # use the checkout's btstats, not an installed copy
    sys.path.insert(0, str(REPO_ROOT))

TARGET_SECONDS = 60.0
TARGET_BYTES = 4 * 2 ** 30
FILE_ROWS = 10 ** 7
COMPLETE = "_COMPLETE"      # written last; names starting with "_" are not data files


def data_folder(rows, items, pairs, seed, labels):
    return DATA_DIR / f"bt-{rows:.0e}rows-{items:.0e}items-{pairs:.0e}pairs-{labels}-seed{seed}"


def generate(folder, rows, items, pairs, seed, labels):
    """Write the data set in files of ``FILE_ROWS`` rows (skipped if already complete)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if (folder / COMPLETE).exists():
        return False
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.parquet"):
        old.unlink()
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 0.5, items)
    cycle = rng.permutation(items).astype(np.int32)
    first = np.concatenate([cycle, rng.integers(0, items, pairs - items, dtype=np.int32)])
    second = np.concatenate([np.roll(cycle, -1),
                             rng.integers(0, items, pairs - items, dtype=np.int32)])
    second = np.where(first == second, (second + 1) % items, second).astype(np.int32)
    names = None
    if labels == "string":
        names = pa.array([f"item{k:07d}" for k in range(items)])
    t0 = time.perf_counter()
    for k, start in enumerate(range(0, rows, FILE_ROWS)):
        m = min(FILE_ROWS, rows - start)
        pick = rng.integers(0, pairs, m)
        flip = rng.random(m) < 0.5
        a = np.where(flip, second[pick], first[pick])
        b = np.where(flip, first[pick], second[pick])
        won = rng.random(m) < 1.0 / (1.0 + np.exp(scores[b] - scores[a]))
        cols = {"item_a": a, "item_b": b, "outcome": won.astype(np.int8)}
        if names is not None:
            cols["item_a"] = names.take(pa.array(a))
            cols["item_b"] = names.take(pa.array(b))
        pq.write_table(pa.table(cols), folder / f"part-{k:03d}.parquet")
        print(f"  wrote {start + m:,} / {rows:,} rows ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    np.save(folder / "_scores.npy", scores)
    (folder / COMPLETE).write_text("done\n")
    return True


def _warm_up(tmp):
    """Load (or compile) every kernel the timed run uses: more than 3000 items (the sorted
    aggregation path), several buffers (the merge), and the default fit."""
    import pandas as pd

    import btstats

    rng = np.random.default_rng(1)
    n = 4000
    cycle = rng.permutation(n)
    a = np.concatenate([cycle, rng.integers(0, n, 4 * n)])
    b = np.concatenate([np.roll(cycle, -1), rng.integers(0, n, 4 * n)])
    keep = a != b
    a, b = np.repeat(a[keep], 30), np.repeat(b[keep], 30)
    s = rng.normal(0, 0.5, n)
    won = rng.random(a.shape[0]) < 1 / (1 + np.exp(s[b] - s[a]))
    path = os.path.join(tmp, "warm.parquet")
    pd.DataFrame({"item_a": a.astype(np.int32), "item_b": b.astype(np.int32),
                  "outcome": won.astype(np.int8)}).to_parquet(path, index=False)
    comps = btstats.Comparisons.from_parquet(path, batch_size=20_000)
    btstats.fit(comps).scores


def floor_child(folder, batch_size):
    """pyarrow alone reads the columns in record batches (a process of its own, so that the
    memory pyarrow's allocator keeps does not count against the read + fit)."""
    import pyarrow.dataset as ds

    sys.path.insert(0, str(BENCH_DIR))
    from _memory import _mem_status

    t0 = time.perf_counter()
    n_rows = 0
    for batch in ds.dataset(str(folder), format="parquet").to_batches(
            columns=["item_a", "item_b", "outcome"], batch_size=batch_size):
        n_rows += batch.num_rows
    print(json.dumps({"rows": n_rows, "floor_s": time.perf_counter() - t0,
                      "floor_peak_mb": _mem_status()["VmHWM"]}))


def child(folder, batch_size):
    """The measurement, in a fresh process; prints one JSON line."""
    sys.path.insert(0, str(BENCH_DIR))
    import btstats
    from _memory import _mem_status, _reset_hwm

    with tempfile.TemporaryDirectory() as tmp:
        _warm_up(tmp)
    reset = _reset_hwm()
    base = _mem_status()["VmRSS"]
    t0 = time.perf_counter()
    comps = btstats.Comparisons.from_parquet(str(folder), batch_size=batch_size)
    t1 = time.perf_counter()
    read_peak = _mem_status()["VmHWM"]
    penalty = 0.0
    try:
        res = btstats.fit(comps)
    except btstats.NoMLEError:      # too few comparisons per item (a small --rows)
        penalty = 0.01
        res = btstats.fit(comps, penalty=penalty)
    scores = res.scores.to_numpy()
    t2 = time.perf_counter()
    total_peak = _mem_status()["VmHWM"]
    truth = np.load(folder / "_scores.npy")
    truth = truth[np.asarray(comps.items, dtype=np.int64)] if comps.items.dtype.kind in "iu" \
        else truth[[int(str(x)[4:]) for x in comps.items]]
    truth = truth - truth.mean()
    print(json.dumps({
        "read_s": t1 - t0, "fit_s": t2 - t1,
        "total_s": t2 - t0, "base_mb": base, "read_peak_mb": read_peak,
        "total_peak_mb": total_peak, "hwm_reset": reset, "n_items": comps.n_items,
        "n_pairs": comps.pairs.n_pairs, "n_comparisons": comps.n_comparisons,
        "penalty": penalty, "method": res.method, "converged": bool(res.converged),
        "n_iter": int(res.n_iter),
        "rmse_vs_truth": float(np.sqrt(np.mean((scores - truth) ** 2)))}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=float, default=1e8, help="comparisons (default 1e8)")
    p.add_argument("--items", type=float, default=1e6, help="items (default 1e6)")
    p.add_argument("--pairs", type=float, default=5e6, help="distinct pairs (default 5e6)")
    p.add_argument("--labels", choices=("int", "string"), default="int")
    p.add_argument("--batch-size", type=int, default=1 << 20)
    p.add_argument("--seed", type=int, default=20261202)
    p.add_argument("--child", metavar="FOLDER", help=argparse.SUPPRESS)
    p.add_argument("--floor-child", metavar="FOLDER", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(Path(args.child), args.batch_size)
        return 0
    if args.floor_child:
        floor_child(Path(args.floor_child), args.batch_size)
        return 0
    rows, items, pairs = int(args.rows), int(args.items), int(args.pairs)
    folder = data_folder(rows, items, pairs, args.seed, args.labels)
    print(f"data: {folder.relative_to(REPO_ROOT)}")
    t0 = time.perf_counter()
    if generate(folder, rows, items, pairs, args.seed, args.labels):
        print(f"  generated in {time.perf_counter() - t0:.0f} s")
    size = sum(f.stat().st_size for f in folder.glob("*.parquet"))
    print(f"  {rows:,} rows, {items:,} items, about {pairs:,} pairs, {args.labels} labels, "
          f"{size / 2 ** 20:,.0f} MiB of Parquet in {len(list(folder.glob('*.parquet')))} "
          f"files")
    r = {}
    for flag in ("--floor-child", "--child"):    # the floor first: both read the page cache
        proc = subprocess.run([sys.executable, __file__, flag, str(folder), "--batch-size",
                               str(args.batch_size)], capture_output=True, text=True)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            return 1
        r.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    gib = 2 ** 30 / 2 ** 20
    print(f"\n{'step':<44}{'time':>9}{'peak RSS':>12}")
    print(f"{'pyarrow floor: read the 3 columns, batches':<44}{r['floor_s']:>8.2f}s"
          f"{r['floor_peak_mb'] / gib:>10.2f}GB")
    print(f"{'Comparisons.from_parquet':<44}{r['read_s']:>8.2f}s"
          f"{r['read_peak_mb'] / gib:>10.2f}GB")
    print(f"{'btstats.fit (' + r['method'] + ', ' + str(r['n_iter']) + ' iterations)':<44}"
          f"{r['fit_s']:>8.2f}s{r['total_peak_mb'] / gib:>10.2f}GB")
    print(f"{'read + fit':<44}{r['total_s']:>8.2f}s{r['total_peak_mb'] / gib:>10.2f}GB")
    print(f"\nread / floor: {r['read_s'] / r['floor_s']:.1f}x; peak RSS increase over the "
          f"{r['base_mb'] / gib:.2f} GB before the read: "
          f"{(r['total_peak_mb'] - r['base_mb']) / gib:.2f} GB"
          f"{'' if r['hwm_reset'] else ' (VmHWM could not be reset: includes the warm-up)'}")
    if r["penalty"]:
        print(f"no finite MLE at this size: the fit is timed with penalty={r['penalty']}")
    print(f"{r['n_items']:,} items, {r['n_pairs']:,} pairs, {r['n_comparisons']:,.0f} "
          f"comparisons; converged: {r['converged']}; RMSE of the scores against the true "
          f"centred scores: {r['rmse_vs_truth']:.4f}")
    ok_time = r["total_s"] <= TARGET_SECONDS
    ok_mem = r["total_peak_mb"] * 2 ** 20 <= TARGET_BYTES
    print(f"\n{'PASS' if ok_time else 'FAIL'}: read + fit {r['total_s']:.1f} s "
          f"(target <= {TARGET_SECONDS:.0f} s)")
    print(f"{'PASS' if ok_mem else 'FAIL'}: peak RSS {r['total_peak_mb'] / gib:.2f} GB "
          f"(target <= 4 GB)")
    if rows < 10 ** 8:
        print(f"(measured at {rows:,} rows; the target is stated for 10**8)")
    RESULTS_DIR.mkdir(exist_ok=True)
    r.update(rows=rows, items=items, pairs=pairs, labels=args.labels,
             batch_size=args.batch_size, seed=args.seed, parquet_mib=size / 2 ** 20)
    (RESULTS_DIR / "bench_parquet-latest.json").write_text(json.dumps(r, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
