#!/usr/bin/env python
"""Benchmark: annotator-quality fits, btstats against crowd-kit's NoisyBradleyTerry.

Run from the repository root:

    python benchmarks/bench_annotators.py [--repeats K] [--no-crowdkit] [--n-iter N]

Simulated data (seeded): 200 items with true scores ~ N(0, 1), 50 annotators, 10,000 labels;
each label is a uniformly random pair labelled by a uniformly random annotator with
P(a) = logistic(beta_k (s_a - s_b)).  Two scenarios: ``A`` all qualities positive
(beta ~ U(0.25, 2.5)), ``B`` the same with 4 random (beta = 0) and 2 adversarial
(beta = -1) annotators.

Both tools start from the same pandas DataFrame and are timed in the same process, one after
the other, over ``--repeats`` calls after one untimed warm-up call (btstats' Numba compile /
cache load and crowd-kit's imports are excluded; the cold btstats call is printed apart).
Recovery errors compare the estimates with the truth:

* btstats fixes the scale by ``sum_k n_k beta_k / sum_k n_k = 1``, so its truth is
  ``beta / c`` and ``s * c`` with ``c`` the label-weighted mean of the true betas; the RMSE of
  betas and scores is direct, and the coverage of the 95% beta intervals is reported.
* NoisyBT returns ``expit`` of its scores and skills in (0, 1) (a mixture model: with
  probability ``skill`` the worker follows Bradley-Terry, else picks a side at random), so
  its scores are read back with ``logit`` and centred; its skill has no beta scale.  For both
  tools the table gives scale-free measures: the RMSE of the centred scores after the best
  scale factor, Kendall's tau of the scores with the truth, and Spearman's rho of the
  qualities (beta or skill) with the true betas.

crowd-kit 1.4.2 declares ``transformers`` (and so torch) as a dependency, which NoisyBT never
imports.  The script therefore installs ``crowd-kit==1.4.2`` with ``--no-deps`` plus the few
pure-Python modules ``crowdkit.aggregation`` imports at load (nltk, click, joblib, regex,
tqdm, attrs) into ``benchmarks/.venv-crowdkit/site`` (gitignored) on first use, and puts that
folder at the end of ``sys.path``; numpy, pandas, scipy and scikit-learn come from the
environment (the ``bench`` extra).
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CROWDKIT_DIR = BENCH_DIR / ".venv-crowdkit" / "site"
CROWDKIT_REQUIREMENTS = ["crowd-kit==1.4.2", "nltk", "click", "joblib", "regex", "tqdm",
                         "attrs"]

if str(REPO_ROOT) not in sys.path:  # use the checkout's btstats, not an installed copy
    sys.path.insert(0, str(REPO_ROOT))

N_ITEMS, N_ANNOTATORS, N_LABELS = 200, 50, 10_000


# ----------------------------------------------------------------------------- data
def draw(scenario, seed):
    """Seeded labels and the truth: ``(frame, true scores, true betas)``."""
    rng = np.random.default_rng(seed)
    s = rng.standard_normal(N_ITEMS)
    beta = rng.uniform(0.25, 2.5, N_ANNOTATORS)
    if scenario == "B":
        beta[:4] = 0.0
        beta[4:6] = -1.0
    a = rng.integers(0, N_ITEMS, N_LABELS)
    b = (a + rng.integers(1, N_ITEMS, N_LABELS)) % N_ITEMS
    k = rng.integers(0, N_ANNOTATORS, N_LABELS)
    p = 1.0 / (1.0 + np.exp(-beta[k] * (s[a] - s[b])))
    y = rng.random(N_LABELS) < p
    frame = pd.DataFrame({"item_a": a, "item_b": b, "outcome": y.astype(float),
                          "annotator": k})
    return frame, s, beta


# ----------------------------------------------------------------------------- metrics
def _centre(x):
    x = np.asarray(x, float)
    return x - x.mean()


def scale_free_rmse(est, truth):
    """RMSE of centred ``est`` against centred ``truth`` after the best scale factor."""
    e, t = _centre(est), _centre(truth)
    c = float(e @ t / (e @ e)) if e @ e > 0 else 0.0
    return float(np.sqrt(np.mean((c * e - t) ** 2)))


def rank_measures(scores, truth, quality, beta):
    from scipy import stats

    return {"kendall_scores": float(stats.kendalltau(scores, truth).statistic),
            "spearman_quality": float(stats.spearmanr(quality, beta).statistic)}


# ----------------------------------------------------------------------------- tools
def time_calls(fn, repeats):
    fn()                                        # warm-up (compile, imports, caches)
    times = []
    out = None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def run_btstats(frame, s, beta, repeats):
    from btstats.agreement.annotators import fit_annotators

    t0 = time.perf_counter()
    with warnings.catch_warnings():              # first call in this process: compile / cache
        warnings.simplefilter("ignore")
        fit_annotators(frame.iloc[:200], penalty=0.1, annotator_penalty=1.0)
    cold = time.perf_counter() - t0
    times, res = time_calls(lambda: fit_annotators(frame), repeats)
    w = np.bincount(frame["annotator"], minlength=N_ANNOTATORS) / len(frame)
    c = float(w @ beta)
    est_beta = res.beta.to_numpy()
    est_s = res.scores.to_numpy()
    ci = res.confidence_interval(0.95)
    truth_b = beta / c
    out = {"tool": "btstats fit_annotators (joint Newton)", "times": times,
           "median_s": float(np.median(times)), "first_call_s": cold,
           "converged": bool(res.converged), "n_iter": res.n_iter,
           "beta_rmse": float(np.sqrt(np.mean((est_beta - truth_b) ** 2))),
           "score_rmse": float(np.sqrt(np.mean((est_s - _centre(s) * c) ** 2))),
           "beta_coverage_95": float(np.mean((ci["low"] <= truth_b) & (truth_b <= ci["high"]))),
           "score_rmse_scaled": scale_free_rmse(est_s, s),
           "flags": res.to_frame()["flag"].value_counts().to_dict()}
    out.update(rank_measures(est_s, s, est_beta, beta))
    # given the true scores: one logistic regression per annotator
    times_g, res_g = time_calls(lambda: fit_annotators(frame, scores=s), repeats)
    out["given_scores_median_s"] = float(np.median(times_g))
    out["given_scores_beta_rmse"] = float(np.sqrt(np.mean((res_g.beta.to_numpy() - beta) ** 2)))
    return out


def ensure_crowdkit():
    """Import NoisyBradleyTerry, installing crowd-kit (no deps) into the bench folder once."""
    if str(CROWDKIT_DIR) not in sys.path:
        sys.path.append(str(CROWDKIT_DIR))
    try:
        from crowdkit.aggregation import NoisyBradleyTerry  # noqa: F401
        return NoisyBradleyTerry, None
    except ImportError:
        pass
    print(f"installing {' '.join(CROWDKIT_REQUIREMENTS)} (--no-deps) into {CROWDKIT_DIR} ...",
          flush=True)
    cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
           str(CROWDKIT_DIR)] + CROWDKIT_REQUIREMENTS
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        return None, f"pip failed: {proc.stderr.strip().splitlines()[-1:]}"
    try:
        import importlib

        importlib.invalidate_caches()
        from crowdkit.aggregation import NoisyBradleyTerry
        return NoisyBradleyTerry, None
    except ImportError as exc:
        return None, f"import failed after install: {exc}"


def run_noisybt(frame, s, beta, repeats, n_iter):
    cls, err = ensure_crowdkit()
    if cls is None:
        return {"tool": "crowd-kit NoisyBradleyTerry", "error": err}
    a = frame["item_a"].to_numpy()
    b = frame["item_b"].to_numpy()
    won_a = frame["outcome"].to_numpy() == 1.0
    data = pd.DataFrame({"worker": frame["annotator"].to_numpy(), "left": a, "right": b,
                         "label": np.where(won_a, a, b)})
    caught = []

    def call():
        with warnings.catch_warnings(record=True) as w, np.errstate(all="warn"):
            warnings.simplefilter("always")
            model = cls(n_iter=n_iter).fit(data)
        caught.extend(str(x.message) for x in w)
        return model

    times, model = time_calls(call, repeats)
    sc = model.scores_.reindex(range(N_ITEMS)).to_numpy(dtype=float)
    skill = model.skills_.reindex(range(N_ANNOTATORS)).to_numpy(dtype=float)
    with np.errstate(divide="ignore"):
        logit = np.log(sc) - np.log1p(-sc)
    finite = bool(np.all(np.isfinite(logit)) and np.all(np.isfinite(skill)))
    out = {"tool": f"crowd-kit 1.4.2 NoisyBradleyTerry (n_iter={n_iter})", "times": times,
           "median_s": float(np.median(times)), "finite": finite,
           "warnings": sorted(set(caught))[:5], "n_warnings": len(caught),
           "score_logit_range": [float(np.nanmin(logit)), float(np.nanmax(logit))],
           "skill_range": [float(np.nanmin(skill)), float(np.nanmax(skill))]}
    if finite:
        out["score_rmse_scaled"] = scale_free_rmse(logit, s)
        out.update(rank_measures(logit, s, skill, beta))
    return out


# ----------------------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=5, help="timed calls per tool")
    ap.add_argument("--scenarios", default="A,B")
    ap.add_argument("--seed", type=int, default=12345)
    ap.add_argument("--n-iter", type=int, default=100,
                    help="NoisyBT's n_iter (L-BFGS iterations; its default is 100)")
    ap.add_argument("--no-crowdkit", action="store_true", help="skip NoisyBT")
    args = ap.parse_args(argv)
    rows = []
    for scen in args.scenarios.split(","):
        frame, s, beta = draw(scen, args.seed)
        print(f"\nscenario {scen}: {N_ITEMS} items, {N_ANNOTATORS} annotators, {N_LABELS:,} "
              f"labels (seed {args.seed}); true beta in [{beta.min():.2f}, {beta.max():.2f}]",
              flush=True)
        bt = run_btstats(frame, s, beta, args.repeats)
        bt["scenario"] = scen
        rows.append(bt)
        given_ms = bt["given_scores_median_s"] * 1e3
        print(f"  btstats   median {bt['median_s'] * 1e3:8.1f} ms  (first call in process "
              f"{bt['first_call_s']:.2f} s; given true scores {given_ms:.1f} ms)  "
              f"converged={bt['converged']} in {bt['n_iter']} Newton steps", flush=True)
        print(f"            beta RMSE {bt['beta_rmse']:.4f}  score RMSE {bt['score_rmse']:.4f}  "
              f"95% beta coverage {bt['beta_coverage_95']:.2f}  flags {bt['flags']}")
        if not args.no_crowdkit:
            nb = run_noisybt(frame, s, beta, max(1, min(args.repeats, 3)), args.n_iter)
            nb["scenario"] = scen
            rows.append(nb)
            if "error" in nb:
                print(f"  NoisyBT   not run: {nb['error']}")
            else:
                print(f"  NoisyBT   median {nb['median_s'] * 1e3:8.1f} ms  ratio "
                      f"{nb['median_s'] / bt['median_s']:.0f}x btstats; finite={nb['finite']}, "
                      f"{nb['n_warnings']} numpy warnings {nb['warnings'][:2]}", flush=True)
        print(f"  {'':10}{'time (ms)':>10}{'score RMSE*':>13}{'tau(scores)':>13}"
              f"{'rho(quality)':>14}")
        for r in rows[-2 if not args.no_crowdkit else -1:]:
            if "median_s" not in r:
                continue
            name = "btstats" if r["tool"].startswith("btstats") else "NoisyBT"
            print(f"  {name:10}{r['median_s'] * 1e3:10.1f}"
                  f"{r.get('score_rmse_scaled', np.nan):13.4f}"
                  f"{r.get('kendall_scores', np.nan):13.4f}"
                  f"{r.get('spearman_quality', np.nan):14.4f}")
        print("  (* RMSE of the centred scores after the best scale factor; rho: Spearman of "
              "beta or skill with the true beta)")
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    payload = {"when": stamp, "args": vars(args), "cpu_count": os.cpu_count(), "rows": rows}
    for name in (f"bench_annotators-{stamp}.json", "bench_annotators-latest.json"):
        (RESULTS_DIR / name).write_text(json.dumps(payload, indent=2))
    print(f"\nwritten to {RESULTS_DIR / 'bench_annotators-latest.json'}")


if __name__ == "__main__":
    main()
