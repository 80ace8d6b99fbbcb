"""Command line: ``btstats agreement FILE --annotator COL``.

Prints the labelers' agreement (raw, without ties, Fleiss' kappa, Krippendorff's alpha, with
bootstrap intervals over units), Cohen's kappa of the annotator pairs, the model-implied
ceilings of a fit to all labels and the annotator table (agreement with the others'
majority, fitted quality ``beta`` with its interval and flag).

Wired into :mod:`btstats.cli` (``add_parser`` in its parser, ``run`` in its ``main``); this
module imports nothing from it, so the two form no import circle.

Bad input ends with exit status 2 and a one-line message on standard error.
"""
import json
import sys
import warnings

import numpy as np
import pandas as pd

from ..exceptions import DataError
from .messages import error_line, flag_names, flag_syntax, one_line

EXIT_USAGE = 2
_ROLES = ("item_a", "item_b", "outcome", "winner", "loser", "cluster", "position")


def add_parser(subparsers):
    """Add the ``agreement`` subcommand to an argparse ``subparsers`` object."""
    from ..models.model import MODELS

    p = subparsers.add_parser(
        "agreement", help="labeler agreement, kappa, alpha, ceilings and annotator quality",
        description="Agreement between labelers who labelled the same comparisons: raw "
                    "agreement with and without ties (MT-Bench convention: every pair of "
                    "labels of the same unit), Cohen's and Fleiss' kappa, Krippendorff's "
                    "alpha, the model-implied agreement and Bayes accuracy ceiling, and a "
                    "table of annotators. FILE holds one row per label (.csv, .tsv, .json, "
                    ".jsonl or .parquet) with two item columns and an outcome column "
                    "(1/0/0.5 or a/b/tie), or winner/loser columns.")
    p.add_argument("file", help="label file, one row per label")
    p.add_argument("--annotator", metavar="COL", required=True,
                   help="column naming who gave each label")
    for role in ("item-a", "item-b", "outcome", "winner", "loser"):
        p.add_argument(f"--{role}", metavar="COL", help=f"name of the {role} column")
    p.add_argument("--cluster", metavar="COL",
                   help="column of the prompt / query: a unit is a pair of items within it")
    p.add_argument("--within", metavar="COL",
                   help="items are only compared within groups of COL (e.g. a search query): "
                        "item labels become 'group:item' and COL is the cluster")
    p.add_argument("--position", metavar="COL",
                   help="column saying which side was shown first ('a' or 'b'): fits a "
                        "position bias per annotator")
    p.add_argument("--tie-values", metavar="VALUE", nargs="+", default=(),
                   help="extra outcome values that mean a tie (e.g. 's')")
    p.add_argument("--orientation", choices=("sorted", "given"), default="sorted",
                   help="which item of a unit is item_1 for kappa and alpha: label order "
                        "(MT-Bench) or as in the file (e.g. the order shown)")
    p.add_argument("--encoding", default="utf-8", help="text encoding of a CSV file "
                   "(e.g. latin-1)")
    p.add_argument("--model", default="auto", choices=["auto"] + sorted(MODELS),
                   help="model of the ceilings (auto: rao-kupper if there are ties, else "
                        "bradley-terry); the annotator fit uses its link")
    p.add_argument("--ties", choices=("drop", "half"), default="half",
                   help="ties under a model without ties (for the ceilings' fit)")
    p.add_argument("--penalty", type=float, default=0.0,
                   help="L2 prior on the scores (needed when items form separate groups)")
    p.add_argument("--annotator-penalty", type=float, default=0.0,
                   help="L2 prior on each annotator's beta - 1 (needed for annotators with "
                        "few labels)")
    p.add_argument("--n-resamples", type=int, default=2000,
                   help="bootstrap resamples of the units (0: no intervals)")
    p.add_argument("--min-common", type=int, default=10,
                   help="units two annotators must share to get a Cohen's kappa")
    p.add_argument("--seed", type=int, default=0, help="seed of the resampling")
    p.add_argument("--confidence-level", type=float, default=0.95)
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    # the library's keywords as this command's flags, for its messages
    p.set_defaults(run=run, _flags=flag_names(p, {"rng": "--seed"}))
    return p


def _read(path, encoding):
    from ..agreement.empirical import _read_labels

    return _read_labels(path, encoding)


def _frame(args):
    """The label frame with standard column names, and the notes to print (``--tie-values``
    and ``--within`` rewrite it as the keywords of :func:`btstats.agreement.agreement` do)."""
    from ..agreement.empirical import _recode_ties, _within_items

    df = _read(args.file, args.encoding)
    notes = []
    names = {role: getattr(args, role) for role in _ROLES if getattr(args, role, None)}
    for col in [args.annotator, args.within] + list(names.values()):
        if col is not None and col not in df.columns:
            raise DataError(f"column {col!r} is not in {args.file}; columns are "
                            f"{sorted(map(str, df.columns))}.")
    if "winner" in names or "loser" in names:
        if not ("winner" in names and "loser" in names):
            raise DataError("give both --winner and --loser.")
        out = pd.DataFrame({"item_a": df[names["winner"]], "item_b": df[names["loser"]],
                            "outcome": "a"})
    else:
        cols = {role: names.get(role, role) for role in ("item_a", "item_b", "outcome")}
        missing = [c for c in cols.values() if c not in df.columns]
        if missing:
            raise DataError(f"{args.file} has no column {missing[0]!r}; name the item and "
                            f"outcome columns with --item-a, --item-b and --outcome (columns: "
                            f"{sorted(map(str, df.columns))}).")
        out = pd.DataFrame({role: df[c] for role, c in cols.items()})
        no_outcome = out["outcome"].isna().to_numpy()
        if no_outcome.any():
            notes.append(f"dropped {int(no_outcome.sum())} row(s) with no outcome")
        if args.tie_values:
            out["outcome"] = _recode_ties(out["outcome"], args.tie_values)
        keep = ~no_outcome
        out = out[keep]
        df = df[keep]
    out["annotator"] = df[args.annotator].to_numpy()
    if args.within is not None:
        out["item_a"] = _within_items(df[args.within], out["item_a"])
        out["item_b"] = _within_items(df[args.within], out["item_b"])
    cluster = names.get("cluster", args.within)
    if cluster is not None:
        out["cluster"] = df[cluster].to_numpy()
    if "position" in names:
        out["position"] = df[names["position"]].to_numpy()
    return out.reset_index(drop=True), notes


def _analyse(args):
    from .. import agreement as ag
    from ..agreement.annotators import fit_annotators
    from ..estimation.fit import fit
    from ..models.model import Model, get_model

    if args.n_resamples < 0:
        raise ValueError(f"--n-resamples must be >= 0 (0: no intervals); got "
                         f"{args.n_resamples}.")
    if args.min_common < 1:
        raise ValueError(f"--min-common must be >= 1; got {args.min_common}.")
    if not 0.0 < args.confidence_level < 1.0:
        raise ValueError(f"--confidence-level must lie in (0, 1); got {args.confidence_level}.")
    df, notes = _frame(args)
    res = ag.agreement(df, confidence_level=args.confidence_level,
                       n_resamples=args.n_resamples, min_common=args.min_common,
                       orientation=args.orientation, rng=args.seed)
    has_ties = bool((res.units["n_tie"] > 0).any())
    # auto: threshold ties (Rao-Kupper) when there are ties, else Bradley-Terry
    mdl = (Model(ties="threshold" if has_ties else None) if args.model == "auto"
           else get_model(args.model))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = fit(df, mdl, penalty=args.penalty,
                     ties=None if mdl.has_ties or not has_ties else args.ties)
        ceil = ag.ceilings(fitted, n_draws=1000 if args.n_resamples else 0, rng=args.seed)
        # the annotator model drops ties: the binary model of the same link
        link = Model(link=mdl.link_name)
        ann_fit = None
        try:
            ann_fit = fit_annotators(df, link, position_bias="position" in df.columns,
                                     penalty=args.penalty,
                                     annotator_penalty=args.annotator_penalty)
        except (ValueError, np.linalg.LinAlgError) as exc:
            notes.append(f"annotator qualities not fitted: {str(exc).splitlines()[0]}")
    notes += [str(w.message).splitlines()[0] for w in caught]
    table = res.annotators.copy()
    if ann_fit is not None:
        q = ann_fit.to_frame(args.confidence_level)
        keep = ["beta", "se", "ci_low", "ci_high"]
        if "position_bias" in q.columns:
            keep += ["position_bias"]
        keep += ["expected_accuracy", "flag"]
        table = table.join(q[keep])
    return res, fitted, ceil, table, notes


def _stats_frame(res, ceil, level):
    a = res.to_frame(level)[["estimate", "low", "high"]]
    a.insert(0, "section", "empirical")
    c = ceil.to_frame(level)[["estimate", "low", "high"]]
    c.insert(0, "section", f"model ({ceil.model})")
    a.index.name = c.index.name = "statistic"
    return pd.concat([a, c]).reset_index()[["section", "statistic", "estimate", "low", "high"]]


def run(args):
    """Run ``btstats agreement`` for parsed ``args``; returns the exit status (2, with one
    line on standard error, on any failure)."""
    try:
        # warnings are held back until the analysis has succeeded: a failure is one line
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("default")
            res, fitted, ceil, table, notes = _analyse(args)
            out = _render(args, res, ceil, table)
    except Exception as exc:    # noqa: BLE001 - the last resort: never a traceback
        sys.stderr.write(error_line(exc, args.file, getattr(args, "_flags", None)) + "\n")
        return EXIT_USAGE
    for note in notes + [str(w.message) for w in caught]:
        note = flag_syntax(one_line(note), getattr(args, "_flags", None))
        sys.stderr.write(f"btstats: warning: {note}\n")
    sys.stdout.write(out)
    return 0


def _render(args, res, ceil, table):
    """The report of ``btstats agreement`` in the chosen format, as one string."""
    level = args.confidence_level
    if args.format == "csv":
        return (_stats_frame(res, ceil, level).to_csv(index=False) + "\n"
                + table.reset_index().to_csv(index=False))
    if args.format == "json":
        out = {"source": args.file, "n_units": res.n_units, "n_labels": res.n_labels,
               "agreeing_pairs": res.agreeing_pairs, "n_pairs": res.n_pairs,
               "agreeing_pairs_no_ties": res.agreeing_pairs_no_ties,
               "n_pairs_no_ties": res.n_pairs_no_ties, "model": ceil.model,
               "confidence_level": level,
               "statistics": json.loads(_stats_frame(res, ceil, level).to_json(
                   orient="records")),
               "cohen": json.loads(res.cohen.to_json(orient="records")),
               "annotators": json.loads(table.reset_index().to_json(orient="records"))}
        return json.dumps(out, indent=2) + "\n"
    parts = [f"btstats agreement of {args.file}", res.summary(level).split("\nAnnotators")[0],
             "", ceil.summary(level), "", "Annotators", table.to_string(float_format="%.4f")]
    return "\n".join(parts) + "\n"
