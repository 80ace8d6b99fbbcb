"""Child of bench_arena_style.py: arena-rank's ContextualBradleyTerry in benchmarks/.venv-arena.

Usage (done by bench_arena_style.py):
    .venv-arena/bin/python _arena_style_child.py BATTLES.npz OUT.npz CONFIG_JSON

``BATTLES.npz`` holds int32 ``item_a`` / ``item_b`` (model codes), int8 ``winner`` (0
"model_a", 1 "model_b", 2 "tie", 3 "tie (bothbad)"), ``n_models`` and one int64 ``(n, 2)``
array of per-side counts per feature (``count_<feature>``, columns side a, side b).
``CONFIG_JSON``: ``{"features": [...], "reweighted": bool, "runs": [{"name": ..., "reg": ...,
"hessian_reg": ...}, ...]}``.

What an LMArena user does, timed from a pandas frame of model names, winner strings and
per-side counts:
1. ``features``: the style transform of arena-rank's example notebook
   (``examples/example_utils.py``, ``add_style_feature_cols``, written out here from its
   description): ``d = (a - b) / (a + b)`` with a zero total replaced by 1, then
   ``(d - d.mean()) / d.std()`` (pandas, ddof=1);
2. ``dataset``: ``ContextualPairDataset.from_pandas(df, feature_cols, reweighted=...)`` (its
   default ``normalize_features=True`` z-scores again, with ``jnp.std``, ddof=0);
3. per run, ``fit``: ``ContextualBradleyTerry(n, k, reg=..., hessian_reg=...)`` fitted by
   arena-rank's own ``lbfgs_minimize`` exactly as ``RatingSystem.fit`` calls it (called here
   directly to keep the final L-BFGS state: iterations, final mean loss), and ``sandwich``:
   ``compute_ratings_and_cis(dataset)`` (its sandwich intervals); results read back with
   ``np.asarray`` inside the timed region (JAX dispatches asynchronously).
Untimed afterwards: the gradient of the mean loss at the stop (what its ``gtol`` is compared
with), the unpenalised summed-scale gradient, and the standard errors of the coefficients
(the same sandwich, from its ``compute_hessian_and_covariance``).

Writes the features and weights the model saw to ``OUT.npz`` and prints one line
``@@BENCH_RESULT@@{json}``.  Needs only this venv and _memory.py beside it.
"""
import gc
import json
import sys
import time
import traceback
import warnings
from functools import partial

from _memory import _Mem  # benchmarks/ is on sys.path: run as a script

MARKER = "@@BENCH_RESULT@@"
WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")


def lmarena_style_columns(df, feature_cols):
    """The notebook's transform (``add_style_feature_cols`` after its metadata flattening)."""
    for f in feature_cols:
        a, b = df[f + "_a"], df[f + "_b"]
        d = (a - b) / (a + b).replace(0, 1)
        df[f] = (d - d.mean()) / d.std()
    return df


def main():
    out = {"tool": "arena-rank ContextualBradleyTerry"}
    try:
        import numpy as np
        import pandas as pd
        import jax
        import jax.numpy as jnp
        import optax
        # importing the model module first turns on jax_enable_x64, as in the notebook;
        # building the dataset before it would silently give float32 features and weights
        from arena_rank.models.contextual_bradley_terry import ContextualBradleyTerry
        from arena_rank.utils.data_utils import ContextualPairDataset
        from arena_rank.utils.math_utils import lbfgs_minimize
        import arena_rank

        path, out_path, config = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
        feats = list(config["features"])
        reweighted = bool(config.get("reweighted", False))
        d = np.load(path)
        n_models = int(d["n_models"])
        names = np.array([f"m{i:03d}" for i in range(n_models)], dtype=object)
        base = {"model_a": names[d["item_a"]], "model_b": names[d["item_b"]],
                "winner": np.array(WINNERS, dtype=object)[d["winner"]]}
        counts = {f: d[f"count_{f}"] for f in feats}

        def frame():
            cols = dict(base)
            for f in feats:
                cols[f + "_a"] = counts[f][:, 0]
                cols[f + "_b"] = counts[f][:, 1]
            return pd.DataFrame(cols)

        def build(df):
            t0 = time.perf_counter()
            df = lmarena_style_columns(df, feats)
            t1 = time.perf_counter()
            ds = ContextualPairDataset.from_pandas(df, feature_cols=feats,
                                                   reweighted=reweighted)
            np.asarray(ds.features)
            t2 = time.perf_counter()
            return ds, t1 - t0, t2 - t1

        def fit_and_sandwich(ds, reg, hessian_reg):
            model = ContextualBradleyTerry(n_competitors=len(ds.competitors),
                                           n_features=len(feats), reg=reg,
                                           hessian_reg=hessian_reg)
            t0 = time.perf_counter()
            opt_fn = partial(model.loss_function, data=ds.as_dict())
            params, state = lbfgs_minimize(function=opt_fn, initial_params=model.params,
                                           max_iter=model.max_iter, gtol=model.gtol,
                                           ftol=model.ftol, verbose=False)
            model.params = params
            model.fitted = True
            np.asarray(params["ratings"])
            t1 = time.perf_counter()
            res = model.compute_ratings_and_cis(ds, significance_level=0.05)
            res = {k: (np.asarray(v) if k != "competitors" else v) for k, v in res.items()}
            t2 = time.perf_counter()
            return model, opt_fn, state, res, t1 - t0, t2 - t1

        # tiny warm-up: imports, JAX initialisation (arena-rank compiles again on every fit)
        rng = np.random.default_rng(0)
        m = 400
        tiny = {"model_a": names[rng.integers(0, 2, m)].astype(object),
                "winner": np.array(WINNERS, dtype=object)[rng.integers(0, 4, m)]}
        tiny["model_b"] = np.where(tiny["model_a"] == names[0], names[1], names[0])
        for f in feats:
            tiny[f + "_a"] = rng.integers(0, 50, m)
            tiny[f + "_b"] = rng.integers(0, 50, m)
        tds, _, _ = build(pd.DataFrame(tiny))
        fit_and_sandwich(tds, 1.0, 1e-5)
        gc.collect()

        mem = _Mem()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            ds, t_feat, t_data = build(frame())
            n_obs = int(ds.pairs.shape[0])
            np.savez(out_path, features=np.asarray(ds.features, dtype=np.float64),
                     weights=np.asarray(ds.weights, dtype=np.float64),
                     competitors=np.array(ds.competitors, dtype=object).astype(str))
            mem.restart()
            runs = []
            for run in config["runs"]:
                gc.collect()
                model, opt_fn, state, res, t_fit, t_sw = fit_and_sandwich(
                    ds, float(run["reg"]), float(run["hessian_reg"]))
                params = model.params
                # the mean-loss gradient at the stop (what gtol = 1e-9 is compared with)
                g = jax.grad(opt_fn)(params)
                g_inf = float(max(jnp.max(jnp.abs(g["ratings"])), jnp.max(jnp.abs(g["coeffs"]))))
                n_iter = int(optax.tree_utils.tree_get(state, "count", -1))
                loss = float(opt_fn(params))
                if n_iter >= model.max_iter:
                    stop = "max_iter"
                elif g_inf < model.gtol:
                    stop = "gtol (max |mean-loss gradient| < 1e-9)"
                else:
                    stop = "ftol (relative change of the mean loss < 1e-9)"
                # the covariance of every parameter (coefficients too), as its sandwich does
                H, G = model.compute_hessian_and_covariance(
                    params["ratings"], params["coeffs"], ds.pairs, ds.features, ds.outcomes,
                    ds.weights, model.reg, model.hessian_reg, model.n_competitors,
                    model.n_features, n_obs)
                Hi = jnp.linalg.inv(H)
                V = np.asarray(Hi @ G @ Hi) / n_obs
                var = np.diag(V)
                cond = float(np.linalg.cond(np.asarray(H)))
                alpha = model.alpha
                runs.append({
                    "name": run["name"], "reg": model.reg, "hessian_reg": model.hessian_reg,
                    "time_fit": t_fit, "time_sandwich": t_sw,
                    "n_iter": n_iter, "stop": stop, "mean_loss": loss,
                    "grad_inf_mean_loss": g_inf,
                    "ratings": np.asarray(params["ratings"]).tolist(),
                    "coeffs": np.asarray(params["coeffs"]).tolist(),
                    "rating_lower": ((res["rating_lower"] - model.init_rating) / alpha).tolist(),
                    "rating_upper": ((res["rating_upper"] - model.init_rating) / alpha).tolist(),
                    "rating_se": (np.sqrt(res["variances"]) / alpha).tolist(),
                    "param_var": var.tolist(), "hessian_cond": cond,
                })
        peak, fit_peak = mem.finish()
        out.update(ok=True, n_obs=n_obs, competitors=list(ds.competitors),
                   time_features=t_feat, time_dataset=t_data, runs=runs, peak_mb=peak,
                   fit_peak_mb=fit_peak,
                   info={"numpy": np.__version__, "jax": jax.__version__,
                         "arena_rank": getattr(arena_rank, "__version__", "0.1.1"),
                         "x64": bool(jax.config.jax_enable_x64)},
                   warnings=sorted({f"{c.category.__name__}: {c.message}"[:200]
                                    for c in caught}))
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        out.update(ok=False, error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc()[-3000:])
    print(MARKER + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
