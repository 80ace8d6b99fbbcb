"""Hostile data for the constructors, the file reader and the command line.

Every call goes through ``fuzzkit.call`` (the oracle); a returned ``Comparisons`` is checked
(finite non-negative pair counts, codes in order, a positive finite total) and, when it
holds a strongly connected win graph, fitted once more so that what the constructor let
through is also something the fit survives.
"""
import os
import pathlib
import tempfile

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats import Comparisons

import fuzzkit as fk
import hostile as h


def _fit_through(comps, **kw):
    """Fit what a constructor returned (a named error is fine)."""
    res = fk.returned("fit", btstats.fit, comps, **kw)
    if res is not None:
        fk.check_fit_covariance(res)
    return res


role_names = h.sometimes([None, "winner", "loser", "item_a", "item_b", "outcome", "weight",
                          "wins_a", "ties", "annotator", "prompt"],
                         ["missing", "", 0, ("winner",), None, "WINNER"])


@fk.fuzz(60)
@given(df=h.comparison_frames(), roles=h.kwargs_of(
    winner=h.maybe(role_names, 4), loser=h.maybe(role_names, 4),
    weight=h.maybe(role_names, 6), cluster=h.maybe(role_names, 6),
    annotator=h.maybe(role_names, 6)))
def test_from_frame(df, roles):
    c = fk.returned("Comparisons.from_frame", Comparisons.from_frame, df, **roles)
    if c is not None:
        _fit_through(c, penalty=0.1)


@fk.fuzz(30)
@given(df=h.comparison_frames(layouts=("arena",)),
       kw=h.kwargs_of(model_a=h.maybe(h.sometimes(["model_a"], ["model_b", "x", None, 0]), 4),
                      winner=h.maybe(h.sometimes(["winner"], ["model_a", "w", None]), 4),
                      weight=h.maybe(h.sometimes(["weight", "count"], ["model_a", "x", 1]))))
def test_from_arena(df, kw):
    c = fk.returned("Comparisons.from_arena", Comparisons.from_arena, df, **kw)
    if c is not None:
        _fit_through(c, model="rao-kupper" if c.n_ties else "bradley-terry", penalty=0.05)


@fk.fuzz(40)
@given(df=h.comparison_frames(layouts=("counts",)),
       kw=h.kwargs_of(ties=h.maybe(h.sometimes(["ties"], [None, "wins_a", "nope", 3]), 4),
                      wins_a=h.maybe(h.sometimes(["wins_a"], ["item_a", "wins_b", None]), 6)))
def test_from_counts(df, kw):
    c = fk.returned("Comparisons.from_counts", Comparisons.from_counts, df, **kw)
    if c is not None:
        model = "rao-kupper" if c.n_ties and c.n_ties < c.n_comparisons else "bradley-terry"
        _fit_through(c, model=model, ties=None if model == "rao-kupper" else "half")


@fk.fuzz(40)
@given(wins_kw=h.win_matrices())
def test_from_matrix(wins_kw):
    wins, kw = wins_kw
    c = fk.returned("Comparisons.from_matrix", Comparisons.from_matrix, wins, **kw)
    if c is not None:
        _fit_through(c, ties="half")


@fk.fuzz(60)
@given(arrays=h.code_arrays())
def test_from_arrays(arrays):
    winners, losers, kw = arrays
    c = fk.returned("Comparisons.from_arrays", Comparisons.from_arrays, winners, losers, **kw)
    if c is not None:
        _fit_through(c, ties="drop", penalty=0.01)


@fk.fuzz(40)
@given(data=st.data())
def test_read_comparisons(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = data.draw(h.hostile_files(tmp))
        kind = data.draw(st.integers(1, 4)) if h.rare(data.draw, 3) else 0
        arg = {0: path, 1: os.fsencode(path), 2: tmp, 3: os.path.join(tmp, "missing.csv"),
               4: pathlib.Path(path)}[kind]
        roles = data.draw(h.kwargs_of(winner=h.maybe(h.sometimes(["winner"], ["zz", 0]), 9)))
        c = fk.returned("read_comparisons", btstats.read_comparisons, arg, **roles)
        if c is not None:
            _fit_through(c, penalty=0.1, ties="half")


# ------------------------------------------------------------------------------- CLI
FLOATS = h.sometimes(["0", "0.1", "1"], ["nan", "inf", "-1", "1e308", "5e-324", "-0"])
LEVELS = h.sometimes(["0.95", "0.5"], ["nan", "0", "1", "1.5", "inf", "-0.1", "1e-320"])


@st.composite
def fit_argv(draw, path):
    """``btstats fit FILE ...`` with options argparse accepts (their values may be hostile)."""
    argv = ["fit", path]
    model = draw(st.sampled_from(h.MODELS))
    argv += ["--model", model]
    if model != "rao-kupper" and not h.rare(draw, 3):
        argv += ["--ties", draw(st.sampled_from(["half", "drop"]))]
    for flag, values, odds in (
            ("--method", st.sampled_from(["newton", "mm", "gradient"]), 3),
            ("--penalty", FLOATS, 3), ("--scale", st.sampled_from(["log", "elo"]), 3),
            ("--confidence-level", LEVELS, 3),
            ("--covariance", st.sampled_from(["observed", "expected", "sandwich"]), 3),
            ("--format", st.sampled_from(["table", "csv", "json"]), 2),
            ("--winner", st.sampled_from(["winner", "item_a", "zz"]), 9),
            ("--weight", st.sampled_from(["weight", "count", "zz"]), 9)):
        if h.rare(draw, odds):
            argv += [flag, draw(values)]
    if h.rare(draw, 5):
        argv += ["--bootstrap", draw(st.sampled_from(["3", "5", "1", "0", "-2"])),
                 "--seed", "1"]
        if draw(st.booleans()):
            argv += ["--interval", draw(st.sampled_from(["percentile", "basic", "bca"]))]
    return argv


@fk.fuzz(30)
@given(data=st.data())
def test_cli_fit(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = data.draw(h.hostile_files(tmp))
        fk.cli(data.draw(fit_argv(path)))


@fk.fuzz(20)
@given(data=st.data())
def test_cli_agreement(data):
    with tempfile.TemporaryDirectory() as tmp:
        frames = h.comparison_frames(layouts=("outcome",) if not h.rare(data.draw, 5) else
                                     ("winner",), annotators=True,
                                     hostile=h.rare(data.draw, 2)).map(h.relabelled)
        path = data.draw(h.hostile_files(tmp, frames))
        argv = ["agreement", path, "--annotator",
                "worker" if h.rare(data.draw, 6) else "annotator",
                "--n-resamples", data.draw(st.sampled_from(["0", "10", "1"]))]
        if not h.rare(data.draw, 3):
            argv += ["--penalty", "0.1", "--annotator-penalty", "0.1"]
        for flag, values in (("--model", st.sampled_from(["auto", "bradley-terry",
                                                          "thurstone", "rao-kupper"])),
                             ("--confidence-level", LEVELS), ("--penalty", FLOATS),
                             ("--annotator-penalty", FLOATS),
                             ("--min-common", h.sometimes(["1", "10"], ["0", "-3"])),
                             ("--tie-values", st.sampled_from(["s", "0.5", ""])),
                             ("--orientation", st.sampled_from(["sorted", "given"])),
                             ("--encoding", h.sometimes(["utf-8", "latin-1"],
                                                        ["no-such-codec"])),
                             ("--cluster", st.sampled_from(["prompt", "cluster", "zz"])),
                             ("--within", st.sampled_from(["prompt", "annotator", "zz"])),
                             ("--position", st.sampled_from(["position", "zz"])),
                             ("--format", st.sampled_from(["table", "csv", "json"]))):
            if h.rare(data.draw, 14):
                argv += [flag, data.draw(values)]
        fk.cli(argv)


@fk.fuzz(25)
@given(data=st.data())
def test_cli_simulate(data):
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["simulate", "--seed", "3"]
        design = data.draw(st.sampled_from(["random", "round-robin", "sparse"]))
        argv += ["--design", design]
        if not h.rare(data.draw, 4):
            argv += ["--items", data.draw(h.sometimes(["2", "5", "8"], ["1", "0", "-3"]))]
        else:
            scores = os.path.join(tmp, "scores.csv")
            df = data.draw(st.sampled_from([
                pd.DataFrame({"item": ["a", "b", "c"], "score": [1.0, 0.0, -1.0]}),
                pd.DataFrame({"item": ["a", "a"], "score": [1.0, 0.0]}),
                pd.DataFrame({"item": ["a", "b"], "score": [np.nan, 0.0]}),
                pd.DataFrame({"item": ["a", "b"], "score": ["x", "y"]}),
                pd.DataFrame({"item": ["a"], "score": [1.0]}),
                pd.DataFrame({"name": ["a", "b"], "score": [1.0, 0.0]}),
                pd.DataFrame({"item": [None, "b"], "score": [1e308, -1e308]}),
            ]))
            df.to_csv(scores, index=False)
            argv += ["--scores", scores]
        if design != "round-robin" or h.rare(data.draw, 5):
            argv += ["--comparisons", data.draw(h.sometimes(["8", "30"], ["0", "-1", "1"]))]
        if design == "round-robin" and data.draw(st.booleans()):
            argv += ["--per-pair", data.draw(h.sometimes(["1", "3"], ["0", "-2"]))]
        model = data.draw(st.sampled_from(h.MODELS))
        argv += ["--model", model]
        if model == "rao-kupper" or h.rare(data.draw, 5):
            argv += ["--theta", data.draw(h.sometimes(["2", "1"], ["0.5", "nan", "inf"]))]
        annotators = h.rare(data.draw, 2)
        if annotators:
            argv += ["--annotators", data.draw(h.sometimes(["1", "3"], ["0", "-1"]))]
        for flag, values in (
                ("--score-sd", h.sometimes(["1", "0"], ["nan", "inf", "-1", "1e308"])),
                ("--out", st.sampled_from([os.path.join(tmp, "o.csv"),
                                           os.path.join(tmp, "o.parquet"),
                                           os.path.join(tmp, "o.txt"),
                                           os.path.join(tmp, "no", "o.csv")])),
                ("--truth", st.sampled_from([os.path.join(tmp, "t.csv"),
                                             os.path.join(tmp, "no", "t.csv")]))):
            if h.rare(data.draw, 3):
                argv += [flag, data.draw(values)]
        for flag, values in (
                ("--beta", h.sometimes(["1", "0.5"], ["nan", "inf", "1e308"])),
                ("--position-lapse", h.sometimes(["0.1"], ["2", "nan"])),
                ("--tie-propensity", h.sometimes(["0.2", "1"], ["1.5", "nan"])),
                ("--labels-per-pair", h.sometimes(["1", "2"], ["0", "9"]))):
            if h.rare(data.draw, 2 if annotators else 12):
                argv += [flag, data.draw(values)]
        if h.rare(data.draw, 5):
            argv += ["--ensure-mle"]
        fk.cli(argv)
