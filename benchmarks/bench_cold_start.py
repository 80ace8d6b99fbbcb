#!/usr/bin/env python
"""Benchmark: the first calls in a new environment, while Numba compiles btstats' kernels.

Run from the repository root:

    python benchmarks/bench_cold_start.py [--repeats K] [--quick] [--here] [--fresh-venv]

Default: a wheel of this checkout is built (from a copy, so nothing is written into the
checkout) and pip-installed, non-editable and with its dependencies, into the virtual
environment ``benchmarks/.venv-cold`` (``python -m venv``, gitignored; created once, or again
with ``--fresh-venv``; the wheel is reinstalled on every run, which pip's caches make quick).
Before every cold run the Numba cache files of the installed package are deleted
(``site-packages/btstats/**/__pycache__/*.nbi, *.nbc`` and the user-wide directory Numba falls
back to when the package directory is not writable): that is what "cold" means for the
kernels.  The children run with ``NUMBA_CACHE_DIR`` unset, so Numba picks its cache directory
as it does for a user.  ``--here`` uses the current interpreter and this checkout instead,
cold meaning a new empty ``NUMBA_CACHE_DIR``.

Each repeat runs, in fresh processes (working directory outside the checkout):

* ``import``: ``import btstats`` alone (nothing may compile at import);
* ``session`` (cold): ``import btstats``, then the first ``load_example("baseball")``,
  ``btstats.fit``, ``res.to_frame()``, ``res.bootstrap(n_resamples=200, rng=0)``, its BCa
  interval, ``fit(load_example("baseball_home"), order_effect=True)`` and
  ``fit(load_example("springall"), "rao-kupper")``, then the bootstrap and BCa interval of the
  order-effect fit (the general model core), each timed (wall and CPU) as the first such call
  of the process.  Numba's ``numba:compile`` events give the compile time of every
  kernel (a kernel's time includes the Numba-internal overloads it pulled in, not the
  btstats kernels it calls, which have their own rows) and the kernels compiled for more
  than one signature;
* ``alone`` (not with ``--quick``): a cold process whose first call is an order-effect fit,
  and one whose first call is a tie-model (Rao-Kupper) fit;
* ``warm``: the session again, on the cache the cold one left.

Targets (issue 13), printed as PASS/FAIL on the median of the repeats: import + first fit
(``load_example`` + ``fit``) <= 5 s, first bootstrap <= 10 s more.  The machine is shared, so
min and median are shown; CPU seconds are less disturbed by other load than wall seconds.
Results are written to ``benchmarks/results/bench_cold_start-<time>.json`` and
``bench_cold_start-latest.json`` (gitignored).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
VENV = BENCH_DIR / ".venv-cold"
MARKER = "@@COLD_START@@"
TARGET_FIRST_FIT_S = 5.0
TARGET_BOOTSTRAP_S = 10.0
#: what the message of a cold compile starts with (btstats/_compile.py)
COLD_MESSAGE = "compiling btstats kernels"

# The child: times the steps named on its command line, in order, each the first such call of
# the process, and records Numba's compile events.  It prints one JSON line after MARKER.
CHILD_CODE = r"""
import json, sys, time
MARKER = sys.argv[1]
steps = sys.argv[2].split(",")
events = []
times = {}
t0, c0 = time.perf_counter(), time.process_time()
if "import" not in steps:           # record compile events (importing numba.core.event
    from numba.core import event    # imports numba, so not when timing the import alone)

    class _Recorder(event.Listener):
        def on_start(self, ev):
            events.append((time.perf_counter(), True, ev.data["dispatcher"], ev.data["args"]))

        def on_end(self, ev):
            events.append((time.perf_counter(), False, ev.data["dispatcher"], ev.data["args"]))

    event.register("numba:compile", _Recorder())
import btstats
times["import"] = (time.perf_counter() - t0, time.process_time() - c0)
state = {}


def run(name):
    if name == "load":
        state["data"] = btstats.load_example("baseball")
    elif name == "fit":
        state["res"] = btstats.fit(state["data"])
    elif name == "table":
        state["res"].to_frame()
    elif name == "bootstrap":
        state["boot"] = state["res"].bootstrap(n_resamples=200, rng=0)
    elif name == "bca":
        state["boot"].confidence_interval(interval="bca")
    elif name == "fit_order":
        state["core"] = btstats.fit(btstats.load_example("baseball_home"), order_effect=True)
    elif name == "boot_order":
        state["core_boot"] = state["core"].bootstrap(n_resamples=200, rng=0)
    elif name == "bca_order":
        state["core_boot"].confidence_interval(interval="bca")
    elif name == "fit_ties":
        btstats.fit(btstats.load_example("springall"), "rao-kupper")
    else:
        raise ValueError(name)


marks = []
for name in steps:
    if name == "import":
        continue
    t1, c1 = time.perf_counter(), time.process_time()
    marks.append((name, t1))
    run(name)
    times[name] = (time.perf_counter() - t1, time.process_time() - c1)
marks.append(("", time.perf_counter()))


def label(disp):
    mod = disp.py_func.__module__
    return (mod.replace("btstats._kernels.", "") + "." + disp.py_func.__name__,
            mod.startswith("btstats."))


def step_of(t):
    for (name, a), (_, b) in zip(marks, marks[1:]):
        if a <= t < b:
            return name
    return "import"


# a kernel's own time: its compile minus the btstats kernels compiled inside it (Numba's
# overloads of numpy functions count for the btstats kernel that needed them)
kernels = {}
stack = []
for t, start, disp, args in events:
    name, ours = label(disp)
    if start:
        stack.append([name, ours, t, 0.0])
        continue
    name, ours, t_start, nested = stack.pop()
    total = t - t_start
    if ours:
        row = kernels.setdefault(name, {"own_s": 0.0, "total_s": 0.0, "n": 0,
                                        "step": step_of(t_start)})
        row["own_s"] += total - nested
        row["total_s"] += total
        row["n"] += 1
    for frame in reversed(stack):
        if frame[1]:
            frame[3] += total if ours else 0.0
            break
dups = {}
if events:
    seen = {}
    for _, start, disp, _ in events:
        if start and label(disp)[1]:
            seen[id(disp)] = disp
    for disp in seen.values():
        if len(disp.signatures) > 1:
            dups[label(disp)[0]] = [str(s) for s in disp.signatures]
print(MARKER + json.dumps({"times": times, "kernels": kernels, "duplicates": dups}))
"""

SESSION = ["load", "fit", "table", "bootstrap", "bca", "fit_order", "fit_ties", "boot_order",
           "bca_order"]
ALONE = {"order effect fit alone": ["fit_order"], "tie-model fit alone": ["fit_ties"]}


# ------------------------------------------------------------------------ environments
def build_wheel(dest):
    """A wheel of this checkout, built from a copy of the files the package needs."""
    src = Path(dest) / "src"
    src.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md", "LICENSE"):
        if (REPO_ROOT / name).exists():
            shutil.copy2(REPO_ROOT / name, src / name)
    shutil.copytree(REPO_ROOT / "btstats", src / "btstats",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.nbi", "*.nbc"))
    out = Path(dest) / "wheel"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                           "-w", str(out), str(src)], capture_output=True, text=True,
                          env=_clean_env())
    if proc.returncode != 0:
        sys.exit("could not build the wheel: " + proc.stderr.strip()[-2000:])
    return next(out.glob("btstats-*.whl"))


def _clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "NUMBA_CACHE_DIR", "PYTEST_CURRENT_TEST")}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra)
    return env


def ensure_venv(fresh):
    """benchmarks/.venv-cold with this checkout's wheel installed.  Returns its python."""
    py = VENV / "bin" / "python"
    if fresh and VENV.exists():
        shutil.rmtree(VENV)
    with tempfile.TemporaryDirectory(prefix="btstats-wheel-") as tmp:
        t0 = time.perf_counter()
        wheel = build_wheel(tmp)
        print(f"  built {wheel.name} ({time.perf_counter() - t0:.0f} s)", flush=True)
        if not py.exists():
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True,
                           capture_output=True, text=True)
            print(f"  created {VENV} ({time.perf_counter() - t0:.0f} s)", flush=True)
            cmd = [str(py), "-m", "pip", "install", "--quiet", str(wheel)]
        else:
            cmd = [str(py), "-m", "pip", "install", "--quiet", "--force-reinstall",
                   "--no-deps", str(wheel)]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=_clean_env())
        if proc.returncode != 0:
            err = [x for x in proc.stderr.splitlines() if "is ignored" not in x]
            sys.exit("pip install failed: " + " | ".join(err[-8:]))
        print(f"  pip install {wheel.name} into {VENV} ({time.perf_counter() - t0:.0f} s)",
              flush=True)
    return py


#: working directory of the children: an empty directory (a stray ``bisect.py`` in /tmp
#: once shadowed the standard library)
CHILD_CWD = tempfile.mkdtemp(prefix="btstats-cold-cwd-")


def package_dir(py):
    out = subprocess.run([str(py), "-c", "import btstats, os; "
                          "print(os.path.dirname(btstats.__file__))"],
                         capture_output=True, text=True, cwd=CHILD_CWD,
                         env=_clean_env(), check=True)
    return Path(out.stdout.strip())


def clear_numba_cache(pkg):
    """Delete the Numba cache files of the package at ``pkg`` (in-tree and user-wide)."""
    n = 0
    for pattern in ("*.nbi", "*.nbc"):
        for f in pkg.rglob(pattern):
            f.unlink()
            n += 1
    try:
        from numba.misc.appdirs import AppDirs
        user_dir = Path(AppDirs(appname="numba", appauthor=False).user_cache_dir)
    except ImportError:
        return n
    for d in [pkg, *[p for p in pkg.rglob("*") if p.is_dir()]]:
        # UserWideCacheLocator.get_suitable_cache_subpath
        sub = user_dir / f"{d.name}_{hashlib.sha1(str(d).encode()).hexdigest()}"
        if sub.exists():
            n += sum(1 for _ in sub.iterdir())
            shutil.rmtree(sub)
    return n


# ------------------------------------------------------------------------------ children
def run_child(py, steps, env, timeout=1800):
    t0 = time.perf_counter()
    proc = subprocess.run([str(py), "-c", CHILD_CODE, MARKER, ",".join(steps)],
                          capture_output=True, text=True, timeout=timeout,
                          cwd=CHILD_CWD, env=env)
    wall = time.perf_counter() - t0
    for line in proc.stdout.splitlines():
        if line.startswith(MARKER):
            res = json.loads(line[len(MARKER):])
            res["process_s"] = wall
            res["n_messages"] = proc.stderr.count(COLD_MESSAGE)
            res["stderr"] = proc.stderr[-2000:]
            return res
    sys.exit(f"child {steps} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


class Runner:
    """Cold and warm children in the venv (``--here``: this interpreter and checkout)."""

    def __init__(self, here, fresh_venv):
        self.here = here
        if here:
            self.py = Path(sys.executable)
            self.tmp = tempfile.mkdtemp(prefix="btstats-cold-cache-")
            self.cache = None
        else:
            self.py = ensure_venv(fresh_venv)
            self.pkg = package_dir(self.py)
            print(f"  package at {self.pkg}", flush=True)

    def _env(self):
        if self.here:
            return _clean_env(PYTHONPATH=str(REPO_ROOT), NUMBA_CACHE_DIR=self.cache)
        return _clean_env()

    def make_cold(self):
        if self.here:
            self.cache = tempfile.mkdtemp(dir=self.tmp)
        else:
            clear_numba_cache(self.pkg)

    def run(self, steps):
        return run_child(self.py, steps, self._env())

    def close(self):
        if self.here:
            shutil.rmtree(self.tmp, ignore_errors=True)


# ------------------------------------------------------------------------------- report
def _stats(values):
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    return min(values), statistics.median(values)


def _fmt(pair):
    lo, med = pair
    return "-" if lo is None else f"{lo:6.2f} {med:6.2f}"


def report(runs, repeats):
    rows = []

    def add(label, key, pick):
        wall = _stats([pick(r[key], 0) for r in runs if key in r])
        cpu = _stats([pick(r[key], 1) for r in runs if key in r])
        rows.append((label, wall, cpu))
        return wall

    def step(name):
        return lambda res, i: res["times"][name][i] if name in res["times"] else None

    def steps_sum(names):
        return lambda res, i: sum(res["times"][n][i] for n in names)

    print(f"\nCold start, {repeats} repeat(s): seconds, min and median (wall | CPU)")
    print(f"{'':50s} {'wall min   med':>14s}   {'CPU min   med':>14s}")
    add("import btstats (alone)", "import", step("import"))
    for name, what in (("import", "import btstats"), ("load", "first load_example('baseball')"),
                       ("fit", "first fit"), ("table", "first to_frame() (standard errors)"),
                       ("bootstrap", "first bootstrap (200 resamples)"),
                       ("bca", "first BCa interval"),
                       ("fit_order", "then fit(order_effect=True)"),
                       ("fit_ties", "then fit(model='rao-kupper')"),
                       ("boot_order", "then its bootstrap (order effect)"),
                       ("bca_order", "then its BCa interval (order effect)")):
        add(f"cold session: {what}", "cold", step(name))
    first_fit = add("cold: import + load + first fit", "cold",
                    steps_sum(["import", "load", "fit"]))
    boot = add("cold: first bootstrap", "cold", step("bootstrap"))
    for label in ALONE:
        add(f"cold: {label} (import included)", label,
            lambda res, i: sum(v[i] for v in res["times"].values()))
    add("warm: import + load + first fit", "warm", steps_sum(["import", "load", "fit"]))
    add("warm: first bootstrap", "warm", step("bootstrap"))
    add("warm: whole session", "warm", lambda res, i: sum(v[i] for v in res["times"].values()))
    for label, wall, cpu in rows:
        print(f"  {label:48s} {_fmt(wall):>14s}   {_fmt(cpu):>14s}")

    messages = [r["cold"]["n_messages"] for r in runs]
    warm_messages = [r["warm"]["n_messages"] for r in runs if "warm" in r]
    print(f"\n  '{COLD_MESSAGE} ...' lines on stderr: cold sessions {messages}, warm "
          f"{warm_messages}")

    # kernels: own compile seconds, median over the repeats
    per = {}
    for r in runs:
        for name, row in r["cold"]["kernels"].items():
            per.setdefault(name, {"own": [], "total": [], "n": row["n"], "step": row["step"]})
            per[name]["own"].append(row["own_s"])
            per[name]["total"].append(row["total_s"])
    table = sorted(((statistics.median(v["own"]), statistics.median(v["total"]), v["n"],
                     v["step"], k) for k, v in per.items()), reverse=True)
    total_own = sum(t[0] for t in table)
    print(f"\nKernels compiled in the cold session: {len(table)}, {total_own:.1f} s of "
          f"compilation (median own seconds; 'with callees' includes the btstats kernels "
          f"compiled inside it)")
    print(f"  {'own s':>6s} {'with callees':>12s} {'sigs':>4s}  {'step':10s} kernel")
    shown = 0
    for own, total, n, step_name, name in table:
        if shown >= 25 and own < 0.2:
            break
        print(f"  {own:6.2f} {total:12.2f} {n:4d}  {step_name:10s} {name}")
        shown += 1
    by_step = {}
    for own, _, _, step_name, _ in table:
        by_step[step_name] = by_step.get(step_name, 0.0) + own
    print("  by step: " + ", ".join(f"{k} {v:.1f} s" for k, v in by_step.items()))
    dups = runs[-1]["cold"]["duplicates"]
    if dups:
        print("\nKernels compiled for more than one signature:")
        for name, sigs in dups.items():
            print(f"  {name}:")
            for s in sigs:
                print(f"      {s}")
    else:
        print("\nNo kernel was compiled for more than one signature.")

    fit_med, boot_med = first_fit[1], boot[1]
    print("\nTargets (median wall seconds):")
    print(f"  import + first fit      {fit_med:6.2f} s  <= {TARGET_FIRST_FIT_S:g} s   "
          f"{'PASS' if fit_med <= TARGET_FIRST_FIT_S else 'FAIL'}")
    print(f"  first bootstrap         {boot_med:6.2f} s  <= {TARGET_BOOTSTRAP_S:g} s  "
          f"{'PASS' if boot_med <= TARGET_BOOTSTRAP_S else 'FAIL'}")
    return {"rows": [{"label": label, "wall_min_med": wall, "cpu_min_med": cpu}
                     for label, wall, cpu in rows],
            "kernels": [{"kernel": k, "own_s": o, "with_callees_s": t, "signatures": n,
                         "step": s} for o, t, n, s, k in table],
            "duplicates": dups,
            "targets": {"first_fit_s": fit_med, "bootstrap_s": boot_med,
                        "first_fit_pass": fit_med <= TARGET_FIRST_FIT_S,
                        "bootstrap_pass": boot_med <= TARGET_BOOTSTRAP_S},
            "messages_cold": messages, "messages_warm": warm_messages}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3, help="cold runs (default 3)")
    ap.add_argument("--quick", action="store_true",
                    help="one repeat, no order-effect / tie-model fits in processes of their own")
    ap.add_argument("--here", action="store_true",
                    help="this interpreter and checkout, cold = an empty NUMBA_CACHE_DIR")
    ap.add_argument("--fresh-venv", action="store_true",
                    help="delete and recreate benchmarks/.venv-cold first")
    args = ap.parse_args(argv)
    repeats = 1 if args.quick else max(1, args.repeats)
    print("Cold start of btstats " + ("(this interpreter, empty NUMBA_CACHE_DIR)" if args.here
                                      else "(a virtual environment, non-editable install)"),
          flush=True)
    runner = Runner(args.here, args.fresh_venv)
    runs = []
    try:
        for rep in range(repeats):
            run = {}
            runner.make_cold()
            run["import"] = runner.run(["import"])
            run["cold"] = runner.run(SESSION)
            run["warm"] = runner.run(SESSION)
            if not args.quick:
                for label, steps in ALONE.items():
                    runner.make_cold()
                    run[label] = runner.run(steps)
            t = run["cold"]["times"]
            print(f"  repeat {rep + 1}/{repeats}: cold session "
                  + ", ".join(f"{k} {v[0]:.1f}" for k, v in t.items())
                  + f" s; warm {sum(v[0] for v in run['warm']['times'].values()):.1f} s",
                  flush=True)
            runs.append(run)
    finally:
        runner.close()
        shutil.rmtree(CHILD_CWD, ignore_errors=True)
    summary = report(runs, repeats)
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    doc = {"when": stamp, "mode": "here" if args.here else "venv", "repeats": repeats,
           "python": sys.version.split()[0], "summary": summary,
           "runs": [{k: {kk: vv for kk, vv in v.items() if kk != "stderr"}
                     for k, v in r.items()} for r in runs]}
    for name in (f"bench_cold_start-{stamp}.json", "bench_cold_start-latest.json"):
        (RESULTS_DIR / name).write_text(json.dumps(doc, indent=1))
    print(f"\nwritten to {RESULTS_DIR / f'bench_cold_start-{stamp}.json'}")


if __name__ == "__main__":
    main()
