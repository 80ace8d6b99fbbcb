"""Command line: ``btstats fit FILE``, ``btstats fit --example NAME`` and ``btstats simulate``.

Bad input ends with exit status 2 and a one-line message on standard error, never a
traceback: the named errors say what to fix, and a last-resort handler in :func:`main`
turns anything unexpected into ``btstats: error: <Type>: <message>``.  Messages of the
library name its keywords (``ties='drop'``); they are printed as flags (``--ties drop``) by
:func:`.messages.flag_syntax`.

Every parameter of :func:`btstats.fit` has a flag (:data:`FIT_FLAGS`), except those in
:data:`FIT_EXCLUDED`.
"""
import argparse
import json
import sys
import warnings

from . import agreement as cli_agreement
from .messages import error_line, flag_names, flag_syntax, one_line
from .._checks import COVARIANCE_TYPES
from .._validation import covariate_names
from ..data.comparisons import Comparisons
from ..data.comparisons import read_path
from ..examples import _RANKINGS, EXAMPLES, load_example
from ..exceptions import ConvergenceWarning, DataError, DegenerateResampleWarning
from ..estimation.fit import METHODS, fit
from ..models.model import MODELS, get_model

EXIT_USAGE = 2
#: The column roles of ``btstats fit`` (``--item-a COLUMN`` is ``item_a="COLUMN"``).
_ROLES = ("winner", "loser", "item_a", "item_b", "outcome", "wins_a", "wins_b", "weight",
          "order", "grade", "cluster")
#: The flag of every parameter of :func:`btstats.fit` (``**columns``: the column roles).
FIT_FLAGS = {
    "data": "FILE / --example", "model": "--model", "method": "--method",
    "penalty": "--penalty", "ties": "--ties", "tol": "--tol", "max_iter": "--max-iter",
    "covariance_type": "--covariance", "order_effect": "--order-effect",
    "covariates": "--covariates", "item_covariates": "--item-covariates",
    "item_effects": "--item-effects", "link": "--link",
    "columns": " ".join(f"--{r.replace('_', '-')}" for r in _ROLES),
}
#: Parameters of :func:`btstats.fit` (column roles of ``**columns``) without a flag, and why.
FIT_EXCLUDED = {
    "ties (column role)": "the tie counts of a pair-count file must be in a column named "
                          "`ties`: `--ties` is the tie handling of `fit(ties=)`",
    "annotator, position, bothbad (column roles)": "kept for later analyses; they change "
                                                   "no fit (see `btstats agreement`)",
}
#: Library names of options whose flag differs from them.
_FIT_ALIASES = {"covariance_type": "--covariance", "rng": "--seed", "n_resamples": "--bootstrap"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # one line, like every other failure (the usage is one --help away)
        msg = " ".join(str(message).split())
        sys.stderr.write(f"btstats: error: {msg} (see `{self.prog} --help`)\n")
        raise SystemExit(EXIT_USAGE)


def _version():
    """The installed distribution's version, else the package's ``__version__``."""
    from importlib import metadata

    try:
        return metadata.version("btstats")
    except metadata.PackageNotFoundError:
        from .. import __version__

        return __version__


def _parser():
    p = _Parser(prog="btstats", description="Paired-comparison statistics.")
    p.add_argument("--version", action="version", version=f"btstats {_version()}")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit a model and print the leaderboard",
                       description="Fit a paired-comparison model and print the leaderboard. "
                                   "FILE is .csv, .tsv, .json, .jsonl or .parquet in any layout "
                                   "btstats reads (winner/loser, item_a/item_b/outcome, pair "
                                   "counts, arena battles).")
    f.add_argument("file", nargs="?", help="comparison data file")
    f.add_argument("--example", choices=[e for e in EXAMPLES if e not in _RANKINGS],
                   help="fit a bundled example of comparisons instead")
    f.add_argument("--model", default="bradley-terry", choices=sorted(MODELS))
    f.add_argument("--link", choices=("logit", "probit"),
                   help="replace the link of --model, keeping its outcome family (--model "
                        "rao-kupper --link probit is glenn-david; --model graded --link "
                        "probit the cumulative probit); default: the model's own")
    f.add_argument("--order-effect", action="store_true",
                   help="estimate an order / home effect h (needs an order column: 1 = "
                        "item_a at home or shown first, -1 = item_b, 0 = neutral; arena "
                        "data: model_a was shown first)")
    f.add_argument("--covariates", metavar="COLUMNS",
                   help="comparison-level covariates: comma-separated numeric columns, a "
                        "row's values for item_a against item_b (e.g. --covariates x1,x2)")
    f.add_argument("--item-covariates", metavar="FILE",
                   help="item-level covariates, scores s_i = x_i' beta: a CSV with an item "
                        "column (named item, or the first column) and numeric columns")
    f.add_argument("--item-effects", action="store_true",
                   help="with --item-covariates: add a ridge-penalised free item effect "
                        "(needs --penalty > 0)")
    f.add_argument("--method", default="auto", choices=METHODS)
    f.add_argument("--tol", type=float,
                   help="convergence tolerance on the score scale (default 1e-10)")
    f.add_argument("--max-iter", type=int, metavar="N",
                   help="iteration limit (default 100 for newton, 10,000 for mm, 20,000 for "
                        "gradient)")
    f.add_argument("--penalty", type=float, default=0.0,
                   help="L2 prior on the scores (makes every graph fittable)")
    f.add_argument("--ties", choices=("drop", "half"),
                   help="ties under a model without ties: drop them or count half a win each")
    f.add_argument("--scale", choices=("log", "elo"), default="log",
                   help="score scale of the leaderboard (elo: 1000 + 400/ln(10) * score)")
    f.add_argument("--confidence-level", type=float, default=0.95)
    f.add_argument("--covariance", choices=COVARIANCE_TYPES, default="observed",
                   help="covariance of the Wald intervals (cluster: the cluster-robust "
                        "sandwich over the clusters of --cluster)")
    f.add_argument("--bootstrap", type=int, metavar="N",
                   help="add bootstrap intervals, rank intervals and P(first) from N replicates")
    f.add_argument("--interval", choices=("percentile", "basic", "bca"), default="percentile",
                   help="kind of bootstrap interval (with --bootstrap)")
    f.add_argument("--seed", type=int, help="seed of the bootstrap (with --bootstrap)")
    f.add_argument("--format", choices=("table", "csv", "json"), default="table")
    for role in _ROLES[:-1]:
        f.add_argument(f"--{role.replace('_', '-')}", metavar="COLUMN",
                       help=f"name of the {role} column")
    f.add_argument("--cluster", metavar="COLUMN",
                   help="column of the clusters (prompts, annotators): of --covariance "
                        "cluster, and with --bootstrap whole clusters are resampled")
    f.set_defaults(_flags=flag_names(f, _FIT_ALIASES))
    _simulate_parser(sub)
    cli_agreement.add_parser(sub)
    # listed for --help; main() hands `btstats compile ...` to btstats._compile.main
    sub.add_parser("compile", help="compile the Numba kernels ahead (once per environment)")
    return p


def _simulate_parser(sub):
    s = sub.add_parser("simulate", help="simulate comparisons from known scores",
                       description="Simulate paired comparisons from true scores and write them "
                                   "in the long format `btstats fit` reads (item_a, item_b, "
                                   "outcome; annotator and position with --annotators).")
    s.add_argument("--items", type=int, metavar="N",
                   help="number of items; scores drawn from N(0, SD^2) with --seed")
    s.add_argument("--scores", metavar="FILE",
                   help="true scores instead: a CSV with columns item, score")
    s.add_argument("--score-sd", type=float, default=1.0, metavar="SD",
                   help="spread of the drawn scores (default 1)")
    s.add_argument("--design", choices=("random", "round-robin", "sparse"), default="random",
                   help="random: uniform random pairs; round-robin: every pair --per-pair "
                        "times; sparse: a random spanning cycle plus random pairs (connected)")
    s.add_argument("--comparisons", type=int, metavar="M",
                   help="number of comparisons (random and sparse designs)")
    s.add_argument("--per-pair", type=int, metavar="K",
                   help="comparisons per pair (round-robin design, default 1)")
    s.add_argument("--ensure-mle", action="store_true",
                   help="redraw the outcomes until a finite MLE exists")
    s.add_argument("--model", default="bradley-terry", choices=sorted(MODELS))
    s.add_argument("--link", choices=("logit", "probit"),
                   help="replace the link of --model, keeping its outcome family")
    s.add_argument("--theta", type=float, help="tie parameter theta >= 1 (rao-kupper)")
    s.add_argument("--annotators", type=int, metavar="N",
                   help="label by a pool of N annotators (adds annotator, position columns)")
    s.add_argument("--beta", type=float, default=1.0, help="annotator quality (default 1)")
    s.add_argument("--position-bias", type=float, default=0.0,
                   help="pull towards the item shown first, on the link scale (default 0)")
    s.add_argument("--position-lapse", type=float, default=0.0,
                   help="probability of picking the item shown first whatever the items "
                        "(default 0)")
    s.add_argument("--tie-propensity", type=float, default=0.0,
                   help="probability of answering tie (default 0)")
    s.add_argument("--labels-per-pair", type=int, default=1, metavar="L",
                   help="distinct annotators labelling each comparison (default 1)")
    s.add_argument("--seed", type=int, help="seed of the random numbers (reproducible output)")
    s.add_argument("--out", metavar="FILE",
                   help="write .csv or .parquet (default: CSV on standard output)")
    s.add_argument("--truth", metavar="FILE",
                   help="also write the true centred scores (item, score) as CSV")
    s.set_defaults(_flags=flag_names(s, {"rng": "--seed", "n_items": "--items",
                                         "n_comparisons": "--comparisons", "k": "--per-pair",
                                         "n_annotators": "--annotators"}))


def _columns(args):
    roles = {}
    for role in _ROLES:
        value = getattr(args, role, None)
        if value is not None:
            roles[role] = value
    return roles


def _item_covariates(path, items):
    """The ``--item-covariates`` CSV as a frame indexed by the comparisons' item labels."""
    import pandas as pd

    try:
        table = pd.read_csv(path, dtype=str)
    except FileNotFoundError:
        raise DataError(f"--item-covariates {path}: no such file.") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"--item-covariates {path}: not a readable CSV table ({exc}).") \
            from exc
    if table.shape[1] < 2:
        raise DataError(f"--item-covariates {path}: needs an item column and at least one "
                        f"numeric covariate column; got the columns {list(table.columns)}.")
    key = "item" if "item" in table.columns else table.columns[0]
    labels = {str(item): item for item in items}
    index = pd.Index([labels.get(v, v) for v in table[key]], name="item")
    values = table.drop(columns=[key]).set_axis(index, axis=0)
    try:
        return values.astype(float)
    except ValueError as exc:
        raise DataError(f"--item-covariates {path}: the covariate columns must be numeric "
                        f"({exc}).") from None


def _read_data(args):
    """The comparisons of FILE or --example, with the column roles of the flags."""
    roles = _columns(args)
    if args.covariates:
        roles["covariates"] = covariate_names(args.covariates)
    if args.example is None:
        # Parquet is streamed into pair counts unless the fit needs the rows
        return read_path(args.file, stream=not args.order_effect, **roles), args.file
    source = f"example {args.example!r}"
    if not roles:
        return load_example(args.example), source
    # column roles name columns of the example's table (load_example(name, as_frame=True))
    return Comparisons.from_frame(load_example(args.example, as_frame=True), **roles), source


def _run_fit(args):
    if (args.file is None) == (args.example is None):
        raise ValueError("give either a FILE or --example NAME (one of them).")
    if not 0.0 < args.confidence_level < 1.0:
        raise ValueError(f"--confidence-level must lie in (0, 1), e.g. 0.95; got "
                         f"{args.confidence_level}.")
    if args.bootstrap is not None and args.bootstrap < 1:
        raise ValueError(f"--bootstrap must be a positive number of replicates; got "
                         f"{args.bootstrap}.")
    if args.bootstrap is None and (args.seed is not None or args.interval != "percentile"):
        raise ValueError("--seed and --interval apply to bootstrap intervals: add "
                         "--bootstrap N.")
    if args.cluster is not None and args.covariance != "cluster" and args.bootstrap is None:
        raise ValueError(f"--cluster {args.cluster} names the clusters of --covariance "
                         f"cluster or of a cluster bootstrap: add --covariance cluster or "
                         f"--bootstrap N.")
    if args.item_effects and args.item_covariates is None:
        raise ValueError("--item-effects is the free item effect of a fit with "
                         "--item-covariates FILE: add it.")
    if args.item_covariates is not None and args.bootstrap is not None:
        raise ValueError("--bootstrap is not available with --item-covariates; use "
                         "--covariance sandwich or --covariance cluster for robust "
                         "standard errors.")
    data, source = _read_data(args)
    if args.cluster is not None or args.covariance == "cluster":
        if data.extra is None or "cluster" not in data.extra.columns:
            if args.cluster is None:
                raise DataError("--covariance cluster needs a cluster column: name it with "
                                "--cluster COLUMN (e.g. --cluster prompt).")
            raise DataError(f"--cluster {args.cluster}: {source} holds pair counts (wins "
                            f"per pair), which keep no clusters; clusters need one row per "
                            f"comparison (winner / loser, item_a / item_b / outcome or "
                            f"arena battles).")
    item_covariates = None
    if args.item_covariates is not None:
        item_covariates = _item_covariates(args.item_covariates, data.items)
    boot = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        warnings.simplefilter("always", DegenerateResampleWarning)
        res = fit(data, args.model, method=args.method, penalty=args.penalty, ties=args.ties,
                  tol=args.tol, max_iter=args.max_iter, covariance_type=args.covariance,
                  order_effect=args.order_effect, covariates=covariate_names(args.covariates),
                  item_covariates=item_covariates, item_effects=args.item_effects,
                  link=args.link)
        if args.bootstrap is not None:
            boot = res.bootstrap(n_resamples=args.bootstrap, rng=args.seed,
                                 cluster=None if args.cluster is None else "cluster")
    # warnings are written once everything has been computed, so that a failure is one line
    notes = [str(w.message) for w in caught]
    if not res.has_intervals:
        notes.append(f"{res.n_items:,} items is too many for the dense covariance; the "
                     f"leaderboard has no standard errors or intervals.")
    table = res.to_frame(scale=args.scale, confidence_level=args.confidence_level,
                         intervals=res.has_intervals)
    boot_table = None
    if boot is not None:
        boot_table = boot.to_frame(confidence_level=args.confidence_level,
                                   interval=args.interval, scale=args.scale)
        extra = boot_table.drop(columns=["rank", "score"]).rename(
            columns={"se": "boot_se", "ci_low": "boot_low", "ci_high": "boot_high"})
        table = table.merge(extra, on="item", how="left")
    for note in notes:
        sys.stderr.write(f"btstats: warning: {flag_syntax(one_line(note), args._flags)}\n")
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "json":
        out = {"source": source, "model": res.model, "method": res.method,
               "n_items": res.n_items, "n_comparisons": res.n_comparisons,
               "loglik": res.loglik, "aic": res.aic, "bic": res.bic,
               "converged": res.converged, "n_iter": res.n_iter,
               "theta": res.theta,
               "theta_se": res.theta_se if res.has_intervals else None, "scale": args.scale,
               "parameters": (json.loads(res.coefficients.to_json(orient="index"))
                              if res.has_intervals else None),
               "covariance": args.covariance, "cluster": args.cluster,
               "leaderboard": json.loads(table.to_json(orient="records"))}
        if boot is not None:
            out["bootstrap"] = {"n_resamples": boot.n_resamples, "interval": args.interval,
                                "n_degenerate": boot.n_degenerate, "seed": args.seed,
                                "cluster": args.cluster}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(f"btstats fit of {source}\n{res.summary(scale=args.scale)}\n")
        if boot_table is not None:
            sys.stdout.write(f"\nBootstrap: {boot.n_resamples} replicates "
                             f"({boot.n_degenerate} without a finite MLE), "
                             f"{args.confidence_level:.0%} {args.interval} intervals, "
                             f"rank intervals and P(first)\n"
                             f"{boot_table.to_string(index=False, float_format=_fmt_float)}\n")
    return 0


def _fmt_float(x):
    return f"{x:.4f}"


def _simulation_scores(args, rng):
    import pandas as pd

    if (args.items is None) == (args.scores is None):
        raise ValueError("give either --items N (scores drawn at random) or --scores FILE "
                         "(one of them).")
    if args.scores is not None:
        table = pd.read_csv(args.scores)
        if not {"item", "score"} <= set(table.columns):
            raise ValueError(f"--scores {args.scores}: needs the columns item and score; got "
                             f"{list(table.columns)}.")
        return pd.Series(table["score"].to_numpy(dtype=float), index=table["item"])
    from ..simulate.designs import _check_items, _n_items_iv

    if args.items < 2:
        raise ValueError(f"--items must be >= 2; got {args.items}.")
    _n_items_iv(args.items, "--items")
    _check_items(args.items, "--items", args.items, "Simulate fewer items.")
    if not args.score_sd >= 0:
        raise ValueError(f"--score-sd must be >= 0; got {args.score_sd}.")
    return pd.Series(rng.normal(0.0, args.score_sd, args.items), index=range(args.items))


def _run_simulate(args):
    import numpy as np

    from ..simulate.annotators import annotator_pool
    from ..simulate.designs import random_pairs, round_robin, sparse_connected
    from ..simulate.simulators import simulate

    out = args.out
    if out is not None and not out.lower().endswith((".csv", ".parquet", ".pq")):
        raise ValueError(f"--out {out}: the extension must be .csv or .parquet.")
    # the design options are checked before any score is drawn
    if args.design == "round-robin":
        if args.comparisons is not None:
            raise ValueError("--comparisons does not apply to --design round-robin; give the "
                             "comparisons per pair with --per-pair K.")
    else:
        if args.per_pair is not None:
            raise ValueError(f"--per-pair applies to --design round-robin only; give the total "
                             f"with --comparisons M for --design {args.design}.")
        if args.comparisons is None:
            raise ValueError(f"--design {args.design} needs --comparisons M.")
    rng = np.random.default_rng(args.seed)
    scores = _simulation_scores(args, rng)
    n = len(scores)
    if args.design == "round-robin":
        design = round_robin(n, 1 if args.per_pair is None else args.per_pair)
    else:
        if args.design == "random":
            design = random_pairs(n, args.comparisons, rng=rng)
        else:
            design = sparse_connected(n, args.comparisons, rng=rng)
    annotators = None
    if args.annotators is not None:
        annotators = annotator_pool(args.annotators, beta=args.beta,
                                    position_bias=args.position_bias,
                                    position_lapse=args.position_lapse,
                                    tie_propensity=args.tie_propensity)
    elif (args.beta, args.position_bias, args.position_lapse, args.tie_propensity,
          args.labels_per_pair) != (1.0, 0.0, 0.0, 0.0, 1):
        raise ValueError("--beta, --position-bias, --position-lapse, --tie-propensity and "
                         "--labels-per-pair describe annotators: add --annotators N.")
    sim = simulate(scores, design, model=get_model(args.model, args.link), theta=args.theta,
                   annotators=annotators,
                   labels_per_pair=args.labels_per_pair,
                   ensure_mle=True if args.ensure_mle else None, rng=rng)
    if args.truth is not None:
        sim.scores.rename_axis("item").reset_index().to_csv(args.truth, index=False)
    if out is None:
        sys.stdout.write(sim.data.to_csv(index=False))
        return 0
    if out.lower().endswith(".csv"):
        sim.data.to_csv(out, index=False)
    else:
        try:
            sim.data.to_parquet(out, index=False)
        except ImportError as exc:
            raise ImportError("writing Parquet needs pyarrow: pip install 'btstats[parquet]'"
                              ) from exc
    sys.stdout.write(f"btstats simulate: wrote {sim.n_comparisons:,} comparisons among {n:,} "
                     f"items ({sim.model}, {design.kind} design) to {out}\n")
    return 0


def main(argv=None):
    """Entry point of the ``btstats`` command (exit status 0, or 2 with one line on standard
    error)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["compile"]:
        from .._compile import main as compile_main

        return compile_main(argv[1:])
    try:
        args = _parser().parse_args(argv)      # bad options exit 2 in _Parser.error
    except Exception as exc:    # noqa: BLE001 - the last resort: never a traceback
        sys.stderr.write(error_line(exc) + "\n")
        return EXIT_USAGE
    if args.command == "agreement":
        return cli_agreement.run(args)
    try:
        # other warnings are held back until the command has succeeded: a failure is one line
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            code = _run_simulate(args) if args.command == "simulate" else _run_fit(args)
    except Exception as exc:    # noqa: BLE001 - the last resort: never a traceback
        flags = getattr(args, "_flags", None)
        sys.stderr.write(error_line(exc, getattr(args, "file", None), flags) + "\n")
        return EXIT_USAGE
    for w in caught:
        note = flag_syntax(one_line(w.message), getattr(args, "_flags", None))
        sys.stderr.write(f"btstats: warning: {note}\n")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
