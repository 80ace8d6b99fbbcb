"""Command line: ``btstats fit FILE`` and ``btstats fit --example NAME``.

Bad input ends with exit status 2 and a one-line message on standard error, never a
traceback.
"""
import argparse
import json
import sys
import warnings

from .data import read_comparisons
from .examples import EXAMPLES, load_example
from .exceptions import ConvergenceWarning
from .fit import METHODS, fit
from .models import MODELS

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        sys.stderr.write(f"btstats: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def _parser():
    p = _Parser(prog="btstats", description="Paired-comparison statistics.")
    sub = p.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fit", help="fit a model and print the leaderboard",
                       description="Fit a paired-comparison model and print the leaderboard. "
                                   "FILE is .csv, .tsv, .json, .jsonl or .parquet in any layout "
                                   "btstats reads (winner/loser, item_a/item_b/outcome, pair "
                                   "counts, arena battles).")
    f.add_argument("file", nargs="?", help="comparison data file")
    f.add_argument("--example", choices=EXAMPLES, help="fit a bundled example instead")
    f.add_argument("--model", default="bradley-terry", choices=sorted(MODELS))
    f.add_argument("--method", default="newton", choices=METHODS)
    f.add_argument("--penalty", type=float, default=0.0,
                   help="L2 prior on the scores (makes every graph fittable)")
    f.add_argument("--ties", choices=("drop", "half"),
                   help="ties under a model without ties: drop them or count half a win each")
    f.add_argument("--scale", choices=("log", "elo"), default="log",
                   help="score scale of the leaderboard (elo: 1000 + 400/ln(10) * score)")
    f.add_argument("--confidence-level", type=float, default=0.95)
    f.add_argument("--format", choices=("table", "csv", "json"), default="table")
    for role in ("winner", "loser", "item-a", "item-b", "outcome", "weight"):
        f.add_argument(f"--{role}", metavar="COLUMN", help=f"name of the {role} column")
    return p


def _columns(args):
    roles = {}
    for role in ("winner", "loser", "item_a", "item_b", "outcome", "weight"):
        value = getattr(args, role)
        if value is not None:
            roles[role] = value
    return roles


def _run_fit(args):
    if (args.file is None) == (args.example is None):
        raise ValueError("give either a FILE or --example NAME (one of them).")
    if args.example is not None:
        data, source = load_example(args.example), f"example {args.example!r}"
    else:
        data, source = read_comparisons(args.file, **_columns(args)), args.file
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        res = fit(data, args.model, method=args.method, penalty=args.penalty, ties=args.ties)
    for w in caught:
        sys.stderr.write(f"btstats: warning: {w.message}\n")
    if not res.has_intervals:
        sys.stderr.write(f"btstats: warning: {res.n_items:,} items is too many for the dense "
                         f"covariance; the leaderboard has no standard errors or intervals.\n")
    table = res.to_frame(scale=args.scale, confidence_level=args.confidence_level,
                         intervals=res.has_intervals)
    if args.format == "csv":
        sys.stdout.write(table.to_csv(index=False))
    elif args.format == "json":
        out = {"source": source, "model": res.model, "method": res.method,
               "n_items": res.n_items, "n_comparisons": res.n_comparisons,
               "loglik": res.loglik, "aic": res.aic, "bic": res.bic,
               "converged": res.converged, "n_iter": res.n_iter,
               "theta": res.theta,
               "theta_se": res.theta_se if res.has_intervals else None, "scale": args.scale,
               "leaderboard": json.loads(table.to_json(orient="records"))}
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
    else:
        sys.stdout.write(f"btstats fit of {source}\n{res.summary(scale=args.scale)}\n")
    return 0


def main(argv=None):
    """Entry point of the ``btstats`` command."""
    args = _parser().parse_args(argv)
    try:
        return _run_fit(args)
    except (ValueError, KeyError, TypeError, OSError, ImportError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        sys.stderr.write(f"btstats: error: {msg}\n")
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
