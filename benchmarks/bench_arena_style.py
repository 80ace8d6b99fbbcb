#!/usr/bin/env python
"""Parity and timing harness: style control in btstats against arena-rank's ContextualBradleyTerry.

Run from the repository root:

    python benchmarks/bench_arena_style.py                       # 100 models, 10**6 battles
    python benchmarks/bench_arena_style.py --n-battles 20000     # a quick check
    python benchmarks/bench_arena_style.py --reweighted          # with LMArena's 1/max(n_pair, 50)
    python benchmarks/bench_arena_style.py --no-arena            # btstats only

A seeded arena is simulated (``--seed``, default 20261215): ``--n-models`` models with true
scores ``theta ~ N(0, 1)``; every battle a uniform random pair (random orientation); per-side
style counts (response tokens log-normal around a per-model length that grows with theta,
headers / bold / list items Poisson around per-model rates, so zero counts are common); the
style features are btstats.arena.style_features of those counts (LMArena's transform);
``P(a wins) = logistic(theta_a - theta_b + x' beta)`` with ``beta = (0.3, -0.2, 0.1, 0.05)``
for (tokens, headers, bold, lists), and a fraction ``--tie-rate`` (default 0.1) of battles tied
("tie" and "tie (bothbad)" alike, y = 0.5 for arena-rank, ``ties="half"`` for btstats).

The battles (model codes, winner codes, per-side counts) go to a temporary ``.npz``.
arena-rank runs in its own virtual environment (benchmarks/.venv-arena, created as
bench_fit.py does) through ``_arena_style_child.py``: LMArena's feature transform, its
``ContextualPairDataset`` and ``ContextualBradleyTerry`` fitted three times: with its
defaults ``reg=1.0, hessian_reg=1e-5`` (first, as a user runs it in a fresh process: the
sandwich's one-off JIT compile for this number of battles falls in this run), with ``reg=0,
hessian_reg=0`` and with ``reg=0, hessian_reg=1e-8`` (with ``hessian_reg=0`` its Hessian is
singular, the scores' common shift, so its rating intervals are undefined; the 1e-8 ridge
gives usable ones), each followed by its sandwich intervals (``compute_ratings_and_cis``).
The btstats side times ``btstats.fit(frame, covariates=[...], ties="half",
covariance_type="sandwich")`` from a frame of the same battles and the same features (its
standard errors read inside the timed region), if ``btstats.fit`` takes ``covariates``.

Printed: scores, style coefficients and sandwich standard errors / intervals of both, their
differences, the gradient of the (weighted, summed) log-likelihood at each tool's stop
(one numpy function evaluates both), how much arena-rank's defaults shrink the coefficients
and their intervals, and the times with a PASS/FAIL against the target "btstats at least 20x
faster than arena-rank for fit + sandwich at 100 models and 10**6 battles" (arena-rank's time
= dataset + fit + sandwich, btstats' = fit with covariance_type="sandwich"; the feature
transforms are timed apart).  Results also go to benchmarks/results/bench_arena_style-*.json.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import inspect
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
if str(REPO_ROOT) not in sys.path:  # use the checkout's btstats, not an installed copy
    sys.path.insert(0, str(REPO_ROOT))

# the venv, its creation and the child-output protocol are bench_fit.py's
from bench_fit import (BENCH_NUMBA_CACHE, RESULTS_DIR, _parse_child_output,  # noqa: E402
                       ensure_arena_venv)

os.environ.setdefault("NUMBA_CACHE_DIR", str(BENCH_NUMBA_CACHE))

ARENA_CHILD = BENCH_DIR / "_arena_style_child.py"
FEATURES = ("sum_assistant_tokens", "header_count", "bold_count", "list_count")
TRUE_BETA = (0.3, -0.2, 0.1, 0.05)
WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")
ARENA_RUNS = (
    # first, what an LMArena user runs in a fresh process (its sandwich's JIT compile for
    # this number of battles included; the fit compiles again on every call anyway)
    {"name": "defaults (reg=1, hessian_reg=1e-5)", "reg": 1.0, "hessian_reg": 1e-5},
    {"name": "reg=0, hessian_reg=0", "reg": 0.0, "hessian_reg": 0.0},
    # with hessian_reg=0 its Hessian is singular (the scores' common shift), so its rating
    # intervals are undefined; 1e-8 (on the mean-loss scale) is a ridge small enough not to
    # move them (< 1e-5 relative at 2e4 battles) and large enough for a usable inverse
    {"name": "reg=0, hessian_reg=1e-8", "reg": 0.0, "hessian_reg": 1e-8},
)
TARGET_RATIO = 20.0
ELO = 400.0 / math.log(10.0)
Z95 = 1.959963984540054


# ----------------------------------------------------------------------------- data
def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def simulate_arena(n_models, n_battles, seed, tie_rate):
    """Seeded arena with per-side style counts; returns a dict of arrays and the truth."""
    from btstats.arena import style_features
    import pandas as pd

    rng = np.random.default_rng(seed)
    theta = rng.standard_normal(n_models)
    theta -= theta.mean()
    mu_len = 6.0 + 0.2 * theta + 0.3 * rng.standard_normal(n_models)
    rate = {"header_count": np.exp(rng.normal(0.0, 0.8, n_models)),
            "bold_count": np.exp(rng.normal(0.3, 0.8, n_models)),
            "list_count": np.exp(rng.normal(0.5, 0.8, n_models))}
    a = rng.integers(0, n_models, n_battles)
    b = (a + rng.integers(1, n_models, n_battles)) % n_models
    side = np.stack([a, b], axis=1)
    counts = {"sum_assistant_tokens": np.floor(np.exp(
        rng.normal(mu_len[side], 0.7))).astype(np.int64)}
    for f in FEATURES[1:]:
        counts[f] = rng.poisson(rate[f][side]).astype(np.int64)
    frame = pd.DataFrame({f"{f}_{s}": counts[f][:, k] for f in FEATURES
                          for k, s in enumerate("ab")})
    sf = style_features(frame, list(FEATURES))
    x = sf.features.to_numpy()
    z = theta[a] - theta[b] + x @ np.asarray(TRUE_BETA)
    u = rng.random(n_battles)
    win_a = rng.random(n_battles) < _sigmoid(z)
    winner = np.where(win_a, 0, 1).astype(np.int8)
    tied = u < tie_rate
    winner[tied] = np.where(u[tied] < tie_rate / 2, 2, 3)
    return {"item_a": a.astype(np.int32), "item_b": b.astype(np.int32), "winner": winner,
            "counts": counts, "features": x, "theta": theta, "style": sf}


def loglik_gradient_inf(theta, beta, a, b, x, y, w, n_models):
    """max |d l / d param| of the summed weighted log-likelihood
    ``sum w (y z - log(1 + e^z))``, ``z = theta_a - theta_b + x' beta``."""
    z = theta[a] - theta[b] + x @ beta
    r = w * (y - _sigmoid(z))
    g_theta = np.bincount(a, r, n_models) - np.bincount(b, r, n_models)
    g_beta = x.T @ r
    return float(max(np.abs(g_theta).max(), np.abs(g_beta).max()))


# ----------------------------------------------------------------------------- arena-rank
def run_arena(py, npz_path, out_path, reweighted, timeout):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.setdefault("JAX_PLATFORMS", "cpu")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    config = {"features": list(FEATURES), "reweighted": bool(reweighted),
              "runs": list(ARENA_RUNS)}
    cmd = [str(py), str(ARENA_CHILD), str(npz_path), str(out_path), json.dumps(config)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              cwd=str(BENCH_DIR), env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout} s"}
    return _parse_child_output(proc)


# ----------------------------------------------------------------------------- btstats
def run_btstats(sim, weights, repeats):
    import pandas as pd
    import btstats

    if "covariates" not in inspect.signature(btstats.fit).parameters:
        print("btstats covariates not available yet")
        return None
    n_models = len(sim["theta"])
    names = np.array([f"m{i:03d}" for i in range(n_models)], dtype=object)
    cols = {"model_a": names[sim["item_a"]], "model_b": names[sim["item_b"]],
            "winner": np.array(WINNERS, dtype=object)[sim["winner"]]}
    for k, f in enumerate(FEATURES):
        cols[f] = sim["features"][:, k]
    if weights is not None:
        cols["weight"] = weights
    df = pd.DataFrame(cols)
    kw = dict(covariates=list(FEATURES), ties="half", covariance_type="sandwich")

    def once(frame):
        res = btstats.fit(frame, **kw)
        se = np.asarray(res.standard_errors)      # inside the timed region
        return res, se

    # warm-up (Numba compile / cache load) on a frame large enough to take the paths of the
    # full one: one cell per row (more than 4,096 rows of continuous covariates) and the
    # start from the fit without covariates (at least 20,000 cells)
    t0 = time.perf_counter()
    once(df.iloc[:50_000].copy())
    warm_tiny = time.perf_counter() - t0
    times, res = [], None
    gc.collect()
    for _ in range(max(1, repeats)):
        t0 = time.perf_counter()
        res, _ = once(df)
        times.append(time.perf_counter() - t0)
    # the style transform, from the per-side counts (timed apart)
    from btstats.arena import style_features
    counts = pd.DataFrame({f"{f}_{s}": sim["counts"][f][:, k] for f in FEATURES
                           for k, s in enumerate("ab")})
    t0 = time.perf_counter()
    style_features(counts, list(FEATURES))
    t_feat = time.perf_counter() - t0
    scores = res.scores.reindex(names).to_numpy(dtype=float)
    se = res.standard_errors.reindex(names).to_numpy(dtype=float)
    table = res.coefficient_table()
    coef = table["estimate"].reindex(list(FEATURES)).to_numpy(dtype=float)
    coef_se = table["se"].reindex(list(FEATURES)).to_numpy(dtype=float)
    return {"times": times, "warmup_tiny_s": warm_tiny, "time_features": t_feat,
            "scores": scores, "se": se, "coef": coef, "coef_se": coef_se,
            "gradient_norm": float(res.gradient_norm), "n_iter": int(res.n_iter),
            "converged": bool(res.converged)}


# ----------------------------------------------------------------------------- report
def _fmt_s(t):
    return f"{t * 1e3:.1f} ms" if t < 1 else f"{t:.2f} s"


def _vec(v, fmt="{:+.6f}"):
    return "(" + ", ".join(fmt.format(x) for x in v) + ")"


def report(args, sim, arena, bt, weights):
    n_models = len(sim["theta"])
    a, b = sim["item_a"].astype(np.int64), sim["item_b"].astype(np.int64)
    y = np.where(sim["winner"] == 0, 1.0, np.where(sim["winner"] == 1, 0.0, 0.5))
    w = np.ones(len(y)) if weights is None else weights
    x = sim["features"]
    out = {"n_models": n_models, "n_battles": int(len(y)), "seed": args.seed,
           "tie_rate": args.tie_rate, "reweighted": bool(args.reweighted),
           "true_beta": list(TRUE_BETA)}
    print(f"\ntrue beta {_vec(TRUE_BETA, '{:+.3f}')} for {', '.join(FEATURES)}"
          + (f" (ties drawn at random, {args.tie_rate:g} of the battles, counted as half a win "
             f"each way, pull the estimates toward 0; --tie-rate 0 to check recovery)"
             if args.tie_rate > 0 else ""))
    verdicts = []
    if bt is not None:
        t_bt = float(np.median(bt["times"]))
        g_bt = loglik_gradient_inf(bt["scores"], bt["coef"], a, b, x, y, w, n_models)
        print(f"\nbtstats  fit + sandwich {_fmt_s(t_bt)} (median of {len(bt['times'])}; tiny "
              f"warm-up {_fmt_s(bt['warmup_tiny_s'])}); style_features "
              f"{_fmt_s(bt['time_features'])}")
        print(f"  beta {_vec(bt['coef'])}  se {_vec(bt['coef_se'])}")
        print(f"  converged={bt['converged']} n_iter={bt['n_iter']} scaled gradient norm "
              f"{bt['gradient_norm']:.2e}; max|dl/dparam| (summed log-lik) {g_bt:.2e}")
        out["btstats"] = {"time": t_bt, "times": bt["times"], "coef": bt["coef"].tolist(),
                          "coef_se": bt["coef_se"].tolist(), "grad_inf": g_bt,
                          "gradient_norm": bt["gradient_norm"], "n_iter": bt["n_iter"],
                          "time_features": bt["time_features"]}
    if arena is None:
        print("\narena-rank: not run")
    elif not arena.get("ok"):
        print(f"\narena-rank failed: {arena.get('error')}\n{arena.get('traceback', '')}")
        out["arena_error"] = arena.get("error")
    else:
        feat = np.load(arena["_out"], allow_pickle=False)
        dfeat = float(np.abs(feat["features"] - x).max())
        dw = float(np.abs(feat["weights"] - w).max())
        t_data = arena["time_dataset"]
        print(f"\narena-rank {arena['info']}  peak +{arena['peak_mb']:.0f} MB")
        print(f"  LMArena feature transform {_fmt_s(arena['time_features'])}, "
              f"ContextualPairDataset {_fmt_s(t_data)}")
        print(f"  features it fitted vs btstats.arena.style_features: max |diff| {dfeat:.1e}; "
              f"weights vs {'battle_weights' if weights is not None else '1'}: {dw:.1e}")
        for wmsg in arena.get("warnings", []):
            print(f"  warning in arena-rank: {wmsg}")
        out["arena"] = {"info": arena["info"], "time_features": arena["time_features"],
                        "time_dataset": t_data, "feature_diff": dfeat, "weight_diff": dw,
                        "runs": []}
        by_name = {}
        for run in arena["runs"]:
            th = np.asarray(run["ratings"])
            shift = th.mean()
            th_c = th - shift
            beta = np.asarray(run["coeffs"])
            var = np.asarray(run["param_var"])
            coef_se = np.sqrt(np.where(var[n_models:] >= 0, var[n_models:], np.nan))
            rse = np.asarray(run["rating_se"])
            g = loglik_gradient_inf(th, beta, a, b, x, y, w, n_models)
            t_ar = t_data + run["time_fit"] + run["time_sandwich"]
            print(f"\n  [{run['name']}] dataset + fit + sandwich {_fmt_s(t_ar)} (fit "
                  f"{_fmt_s(run['time_fit'])}, sandwich {_fmt_s(run['time_sandwich'])})")
            print(f"    L-BFGS {run['n_iter']} iterations, stopped on {run['stop']}; "
                  f"max|mean-loss gradient| {run['grad_inf_mean_loss']:.2e}; "
                  f"max|dl/dparam| (summed log-lik) {g:.2e}")
            print(f"    beta {_vec(beta)}  se {_vec(coef_se)}")
            print(f"    Hessian condition number {run['hessian_cond']:.2e}")
            rec = {"name": run["name"], "time": t_ar, "time_fit": run["time_fit"],
                   "time_sandwich": run["time_sandwich"], "n_iter": run["n_iter"],
                   "stop": run["stop"], "grad_inf": g,
                   "grad_inf_mean_loss": run["grad_inf_mean_loss"], "coef": beta.tolist(),
                   "coef_se": coef_se.tolist(), "hessian_cond": run["hessian_cond"]}
            if bt is not None:
                ds = np.abs(th_c - bt["scores"]).max()
                db = np.abs(beta - bt["coef"]).max()
                with np.errstate(invalid="ignore", divide="ignore"):
                    rr = rse / bt["se"]
                    cr = coef_se / bt["coef_se"]
                lo = np.asarray(run["rating_lower"]) - shift
                hi = np.asarray(run["rating_upper"]) - shift
                dlo = np.abs(lo - (bt["scores"] - Z95 * bt["se"])).max()
                dhi = np.abs(hi - (bt["scores"] + Z95 * bt["se"])).max()
                print(f"    vs btstats: max|score diff| {ds:.2e} ({ds * ELO:.4f} Elo), "
                      f"max|beta diff| {db:.2e}")
                bad = int(np.sum(~np.isfinite(rr)))
                if bad == len(rr) or run["hessian_cond"] > 1e14:
                    noise = ("" if bad == len(rr) else
                             f", the others rounding noise, x{np.nanmin(rr):.1e} to "
                             f"x{np.nanmax(rr):.1e} btstats'")
                    print(f"    score se: undefined (its Hessian is singular, condition "
                          f"{run['hessian_cond']:.1e}: {bad} of {len(rr)} rating variances "
                          f"negative or NaN{noise}); beta se ratio {_vec(cr, '{:.4f}')}")
                    se_ratio = [float("nan")] * 3
                    dlo = dhi = float("nan")
                else:
                    se_ratio = [float(np.nanmin(rr)), float(np.nanmedian(rr)),
                                float(np.nanmax(rr))]
                    print(f"    score se ratio arena/btstats min {se_ratio[0]:.4f} median "
                          f"{se_ratio[1]:.4f} max {se_ratio[2]:.4f}"
                          + (f" ({bad} undefined)" if bad else "")
                          + f"; beta se ratio {_vec(cr, '{:.4f}')}")
                if np.isfinite(dlo) and np.isfinite(dhi):
                    print(f"    95% interval endpoints: max|diff| lower {dlo:.2e}, upper "
                          f"{dhi:.2e} (natural scale; {dlo * ELO:.4f} / {dhi * ELO:.4f} Elo)")
                else:
                    print("    95% interval endpoints: undefined on arena-rank's side")
                ratio = t_ar / float(np.median(bt["times"]))
                ok = ratio >= TARGET_RATIO
                verdicts.append(ok)
                print(f"    time ratio arena-rank / btstats {ratio:.1f}x  -> "
                      f"{'PASS' if ok else 'FAIL'} (target >= {TARGET_RATIO:g}x)")
                rec.update(score_diff=float(ds), coef_diff=float(db),
                           se_ratio=se_ratio,
                           coef_se_ratio=cr.tolist(), lower_diff=float(dlo),
                           upper_diff=float(dhi), time_ratio=float(ratio))
            by_name[run["name"]] = (beta, coef_se, rse)
            out["arena"]["runs"].append(rec)
        names = [r["name"] for r in ARENA_RUNS]
        if all(nm in by_name for nm in names):
            # coefficients: defaults against no penalty; standard errors: defaults against
            # the 1e-8 ridge (with hessian_reg=0 its rating variances are undefined)
            b1, s1, r1 = by_name[names[0]]
            b0 = by_name[names[1]][0]
            _, s2, r2 = by_name[names[2]]
            shrink = {"coef": (b1 / b0).tolist(), "coef_se": (s1 / s2).tolist(),
                      "score_se_median": float(np.median(r1 / r2))}
            print(f"\n  arena-rank's defaults against no penalty: beta x "
                  f"{_vec(shrink['coef'], '{:.4f}')}; beta se x "
                  f"{_vec(shrink['coef_se'], '{:.4f}')}; score se x "
                  f"{shrink['score_se_median']:.4f} (median)")
            out["arena"]["shrinkage"] = shrink
    if verdicts:
        at_target = args.n_models == 100 and args.n_battles >= 1_000_000
        overall = "PASS" if all(verdicts) else "FAIL"
        note = "" if at_target else (f" (the target is stated at 100 models and 10^6 battles;"
                                     f" this run: {args.n_models} models, {args.n_battles} "
                                     f"battles)")
        print(f"\ntarget: btstats >= {TARGET_RATIO:g}x faster than arena-rank for fit + "
              f"sandwich, every arena-rank run: {overall}{note}")
        out["target"] = {"ratio": TARGET_RATIO, "verdict": overall, "at_target_size": at_target}
    return out


def _jsonable(o):
    if isinstance(o, dict):
        return {k: _jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_jsonable(v) for v in o]
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    return o


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-models", type=int, default=100)
    ap.add_argument("--n-battles", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20261215)
    ap.add_argument("--tie-rate", type=float, default=0.1)
    ap.add_argument("--reweighted", action="store_true",
                    help="LMArena's 1/max(n_pair, 50) weights on both sides")
    ap.add_argument("--repeats", type=int, default=5, help="timed btstats calls (median)")
    ap.add_argument("--no-arena", action="store_true", help="skip arena-rank (and its venv)")
    ap.add_argument("--timeout", type=float, default=3600.0, help="arena-rank child, seconds")
    args = ap.parse_args(argv)

    print(f"simulating {args.n_models} models, {args.n_battles} battles, seed {args.seed}, "
          f"tie rate {args.tie_rate}", flush=True)
    t0 = time.perf_counter()
    sim = simulate_arena(args.n_models, args.n_battles, args.seed, args.tie_rate)
    print(f"  {time.perf_counter() - t0:.1f} s", flush=True)
    weights = None
    if args.reweighted:
        from btstats.arena import battle_weights
        weights = battle_weights(sim["item_a"], sim["item_b"])

    arena = None
    with tempfile.TemporaryDirectory(prefix="bench-arena-style-") as tmp:
        if not args.no_arena:
            print("arena-rank: checking its virtual environment", flush=True)
            py = ensure_arena_venv()
            if py is None:
                print("  arena-rank will be reported as not run")
            else:
                npz = Path(tmp) / "battles.npz"
                out_npz = Path(tmp) / "arena_out.npz"
                np.savez(npz, item_a=sim["item_a"], item_b=sim["item_b"],
                         winner=sim["winner"], n_models=np.int64(args.n_models),
                         **{f"count_{f}": sim["counts"][f] for f in FEATURES})
                print(f"arena-rank: running {ARENA_CHILD.name} ({len(ARENA_RUNS)} fits) ...",
                      flush=True)
                arena = run_arena(py, npz, out_npz, args.reweighted, args.timeout)
                if arena.get("ok"):
                    arena["_out"] = str(out_npz)
        print("btstats: fitting ...", flush=True)
        bt = run_btstats(sim, weights, args.repeats)
        out = report(args, sim, arena, bt, weights)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = RESULTS_DIR / f"bench_arena_style-{stamp}.json"
    path.write_text(json.dumps(_jsonable(out), indent=1))
    print(f"\nwritten {path.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
