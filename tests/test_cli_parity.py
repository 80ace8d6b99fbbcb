"""One vocabulary for the command line and the API.

Every parameter of ``btstats.fit`` has a ``btstats fit`` flag (or is in the documented
exclusion list), every option of ``btstats agreement`` is a keyword of the Python functions
and the other way round, each flag gives what the API gives on the bundled examples, and the
command line's errors and warnings name flags (``--ties drop``), not Python keywords
(``ties='drop'``).
"""
import inspect
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import agreement as ag
from btstats.cli import commands, main
from btstats.cli.messages import flag_names, flag_syntax

ROOT = Path(__file__).resolve().parents[1]


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def run_json(argv, capsys):
    code, out, err = run(argv + ["--format", "json"], capsys)
    assert code == 0, err
    return json.loads(out), err


def subparser(name):
    parser = commands._parser()
    return parser._subparsers._group_actions[0].choices[name]


def option_strings(name):
    return {s for a in subparser(name)._actions for s in a.option_strings}


def assert_one_line_error(code, out, err):
    assert code == 2 and out == ""
    assert err.startswith("btstats: error:") and err.count("\n") == 1, err
    assert "Traceback" not in err


# ============================================================ parity of the parameters
def test_every_parameter_of_fit_has_a_flag():
    params = set(inspect.signature(btstats.fit).parameters)
    assert params == set(commands.FIT_FLAGS), (
        f"parameters of btstats.fit without an entry in FIT_FLAGS: "
        f"{sorted(params - set(commands.FIT_FLAGS))}; stale entries: "
        f"{sorted(set(commands.FIT_FLAGS) - params)}")
    flags = option_strings("fit")
    for name, flag in commands.FIT_FLAGS.items():
        for f in flag.replace("/", " ").split():
            if f.startswith("--"):
                assert f in flags, f"{name}: {f} is not a flag of btstats fit"


def test_every_column_role_has_a_flag_or_a_documented_exclusion():
    roles = set(inspect.signature(btstats.Comparisons.from_frame).parameters) - {"df"}
    flags = option_strings("fit")
    excluded = set()
    for key in commands.FIT_EXCLUDED:
        excluded |= {r.strip() for r in key.split("(")[0].split(",")}
    missing = [r for r in roles
               if f"--{r.replace('_', '-')}" not in flags and r not in excluded]
    assert not missing, f"column roles without a flag or an exclusion: {missing}"
    assert excluded <= roles            # the exclusions name real roles
    # the `ties` role is excluded because `--ties` is the tie handling of fit(ties=)
    assert "ties" in excluded and "ties" in inspect.signature(btstats.fit).parameters
    docs = (ROOT / "docs" / "cli.md").read_text()
    assert "FIT_EXCLUDED" in docs and "`annotator`, `position`, `bothbad`" in docs


def test_agreement_options_are_keywords_of_the_api_and_back():
    cli = {a.dest for a in subparser("agreement")._actions if a.option_strings} - {"help"}
    api = set(inspect.signature(ag.agreement).parameters)
    # CLI-only options that rewrite the label table are now keywords of the API, with the
    # same names, in agreement, label_units and fit_annotators
    for name in ("tie_values", "within", "encoding"):
        assert name in cli
        for func in (ag.agreement, ag.label_units, btstats.fit_annotators):
            assert name in inspect.signature(func).parameters, (func.__name__, name)
    # every keyword of agreement() has a flag: rng is --seed, the roles are column flags
    aliases = {"rng": "seed", "data": None, "columns": None}
    for name in api:
        flag = aliases.get(name, name)
        assert flag is None or flag in cli, f"agreement({name}=) has no flag"
    for role in ("item_a", "item_b", "outcome", "winner", "loser", "annotator", "cluster",
                 "position"):
        assert role in cli
    # the options of the report that are not keywords of agreement() belong to the fits
    # it runs (the ceilings' fit and fit_annotators) or to the output
    fit_ann = set(inspect.signature(btstats.fit_annotators).parameters)
    others = cli - api - {"seed", "annotator", "item_a", "item_b", "outcome", "winner",
                          "loser", "cluster", "position"}
    assert others <= fit_ann | {"model", "ties", "format"}, others - fit_ann


def test_agreement_keywords_match_the_command_line(data_dir, capsys):
    path = data_dir / "music_judgments.csv"
    roles = dict(annotator="WorkerId", item_a="Input.docA", item_b="Input.docB",
                 outcome="Answer.radio")
    # the command drops the 5 rows without an outcome; the API leaves that to the caller
    df = pd.read_csv(path, encoding="latin-1").dropna(subset=["Answer.radio"])
    res = ag.agreement(df, tie_values=["s"], within="Input.query", n_resamples=0, **roles)
    assert (res.agreeing_pairs, res.n_pairs) == (6597, 12600)
    code, out, err = run(["agreement", str(path), "--annotator", "WorkerId", "--item-a",
                          "Input.docA", "--item-b", "Input.docB", "--outcome", "Answer.radio",
                          "--tie-values", "s", "--within", "Input.query", "--encoding",
                          "latin-1", "--penalty", "0.01", "--annotator-penalty", "1",
                          "--n-resamples", "0", "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["agreeing_pairs"], doc["n_pairs"]) == (res.agreeing_pairs, res.n_pairs)
    units = ag.label_units(df, tie_values="s", within="Input.query", **roles)
    assert len(units) == res.n_units and "cluster" in units.columns
    assert units["item_1"].str.contains(":").all()
    fa = btstats.fit_annotators(df, tie_values=["s"], within="Input.query", penalty=0.01,
                                annotator_penalty=1.0, **roles)
    got = {str(r["annotator"]): r["beta"] for r in doc["annotators"]}
    for who, beta in fa.beta.items():
        if np.isnan(beta):                      # an annotator without a fitted quality
            assert got[str(who)] is None
        else:
            assert got[str(who)] == pytest.approx(beta, rel=1e-8)


def test_agreement_encoding_keyword_reads_a_file(tmp_path):
    path = tmp_path / "labels.csv"
    frame = pd.DataFrame({"item_a": ["caf\u00e9", "caf\u00e9", "th\u00e9", "th\u00e9"],
                          "item_b": ["th\u00e9", "th\u00e9", "caf\u00e9", "caf\u00e9"],
                          "outcome": ["a", "same", "b", "a"], "annotator": [1, 2, 1, 2]})
    frame.to_csv(path, index=False, encoding="latin-1")
    with pytest.raises(btstats.DataError, match="encoding='latin-1'"):
        ag.agreement(path, n_resamples=0, encoding="utf-8")
    res = ag.agreement(path, n_resamples=0, encoding="latin-1", tie_values=["same"])
    assert res.n_labels == 4 and set(res.units["item_1"]) <= {"caf\u00e9", "th\u00e9"}
    assert res.units["n_tie"].sum() == 1
    with pytest.raises(TypeError, match="`encoding`.*path"):
        ag.agreement(frame, encoding="latin-1")
    with pytest.raises(btstats.DataError, match="`tie_values`.*outcome"):
        ag.agreement(frame.rename(columns={"item_a": "winner", "item_b": "loser"})
                     .drop(columns="outcome"), tie_values=["same"])
    with pytest.raises(btstats.DataError, match="`within`"):
        ag.agreement(frame, within="nope")
    frame.replace({"same": "tie"}).to_csv(path, index=False)
    assert ag.agreement(path, n_resamples=0).n_labels == 4       # no keyword: as before


# ============================================================ each flag, end to end
@pytest.mark.parametrize("model, example", [
    ("bradley-terry", "baseball"), ("thurstone", "citations"), ("rao-kupper", "springall"),
    ("glenn-david", "springall"), ("davidson", "home_ties"), ("graded", "graded5"),
    ("graded-probit", "graded5"),
])
def test_every_model_from_the_command_line(model, example, capsys):
    doc, _ = run_json(["fit", "--example", example, "--model", model], capsys)
    want = btstats.fit(btstats.load_example(example), model)
    assert doc["model"] == want.model and doc["loglik"] == pytest.approx(want.loglik, abs=1e-8)


@pytest.mark.parametrize("argv, kwargs", [
    (["--link", "probit"], {"link": "probit"}),
    (["--penalty", "0.5"], {"penalty": 0.5}),
    (["--method", "gradient"], {"method": "gradient"}),
    (["--method", "mm"], {"method": "mm"}),
    (["--tol", "1e-6", "--max-iter", "50", "--method", "newton"],
     {"tol": 1e-6, "max_iter": 50, "method": "newton"}),
])
def test_fit_options_match_the_api(argv, kwargs, capsys):
    doc, err = run_json(["fit", "--example", "baseball"] + argv, capsys)
    want = btstats.fit(btstats.load_example("baseball"), **kwargs)
    got = pd.Series({r["item"]: r["score"] for r in doc["leaderboard"]})
    np.testing.assert_allclose(got[want.scores.index], want.scores, atol=1e-9)
    assert doc["n_iter"] == want.n_iter and doc["method"] == want.method


def test_order_effect_and_covariates_match_the_api(capsys):
    doc, _ = run_json(["fit", "--example", "home_ties", "--model", "rao-kupper",
                       "--order-effect"], capsys)
    want = btstats.fit(btstats.load_example("home_ties"), "rao-kupper", order_effect=True)
    assert doc["parameters"]["h"]["estimate"] == pytest.approx(want.params["h"], abs=1e-10)
    # --covariates names a column of the example's table (the home indicator as a covariate)
    doc, _ = run_json(["fit", "--example", "home_ties", "--model", "rao-kupper",
                       "--covariates", "home"], capsys)
    frame = btstats.load_example("home_ties", as_frame=True)
    want = btstats.fit(frame, "rao-kupper", covariates=["home"])
    assert doc["parameters"]["home"]["estimate"] == pytest.approx(want.params["home"],
                                                                  abs=1e-10)
    assert doc["parameters"]["home"]["se"] == pytest.approx(
        want.coefficients.loc["home", "se"], rel=1e-8)


def test_cluster_covariance_matches_the_api(capsys):
    doc, _ = run_json(["fit", "--example", "home_ties", "--model", "rao-kupper",
                       "--covariance", "cluster", "--cluster", "item_a"], capsys)
    frame = btstats.load_example("home_ties", as_frame=True)
    want = btstats.fit(frame, "rao-kupper", covariance_type="cluster", cluster="item_a")
    same = frame.assign(c=frame["item_a"])
    assert want.standard_errors.equals(btstats.fit(same, "rao-kupper", cluster="c")
                                       .with_covariance("cluster").standard_errors)
    got = pd.Series({r["item"]: r["se"] for r in doc["leaderboard"]})
    np.testing.assert_allclose(got[want.scores.index], want.standard_errors, rtol=1e-8)
    observed = btstats.fit(frame, "rao-kupper").standard_errors
    assert not np.allclose(want.standard_errors, observed)
    assert doc["covariance"] == "cluster" and doc["cluster"] == "item_a"


def test_cluster_bootstrap_resamples_whole_clusters(capsys):
    doc, _ = run_json(["fit", "--example", "home_ties", "--model", "rao-kupper",
                       "--cluster", "item_a", "--bootstrap", "40", "--seed", "3"], capsys)
    frame = btstats.load_example("home_ties", as_frame=True)
    boot = btstats.bootstrap(frame, "rao-kupper", n_resamples=40, cluster="item_a", rng=3)
    got = pd.Series({r["item"]: r["boot_se"] for r in doc["leaderboard"]})
    want = boot.standard_error[got.index]
    np.testing.assert_allclose(got, want, rtol=1e-8)
    assert doc["bootstrap"]["cluster"] == "item_a" and doc["bootstrap"]["interval"] == "percentile"


def test_item_covariates_and_item_effects(tmp_path, capsys):
    items = btstats.load_example("baseball").items
    table = pd.DataFrame({"x": np.arange(len(items), dtype=float)}, index=items)
    path = tmp_path / "teams.csv"
    table.rename_axis("item").reset_index().to_csv(path, index=False)
    doc, _ = run_json(["fit", "--example", "baseball", "--item-covariates", str(path)], capsys)
    want = btstats.fit(btstats.load_example("baseball"), item_covariates=table)
    assert doc["parameters"]["x"]["estimate"] == pytest.approx(want.params["x"], abs=1e-10)
    doc, _ = run_json(["fit", "--example", "baseball", "--item-covariates", str(path),
                       "--item-effects", "--penalty", "1"], capsys)
    want = btstats.fit(btstats.load_example("baseball"), item_covariates=table,
                       item_effects=True, penalty=1.0)
    assert doc["loglik"] == pytest.approx(want.loglik, abs=1e-8)


def test_wins_columns_of_a_renamed_pair_count_file(tmp_path, capsys):
    counts = btstats.load_example("baseball", as_frame=True)
    path = tmp_path / "games.csv"
    counts.rename(columns={"wins_a": "won", "wins_b": "lost"}).to_csv(path, index=False)
    doc, _ = run_json(["fit", str(path), "--wins-a", "won", "--wins-b", "lost"], capsys)
    assert doc["loglik"] == pytest.approx(btstats.fit(btstats.load_example("baseball")).loglik)


def test_version_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert capsys.readouterr().out.strip() == f"btstats {btstats.__version__}"


# ============================================================ messages in flag syntax
@pytest.mark.parametrize("argv, needles", [
    (["fit", "--example", "springall"], ["--ties drop", "--ties half", "--model rao-kupper"]),
    (["fit", "--example", "baseball", "--model", "rao-kupper"], ["--model bradley-terry"]),
    (["fit", "--example", "baseball", "--order-effect"], ["--order-effect needs"]),
    (["fit", "--example", "baseball", "--model", "davidson", "--method", "mm"],
     ["--method mm", "--method newton"]),
    (["fit", "--example", "baseball", "--max-iter", "0"], ["--max-iter must be"]),
    (["fit", "--example", "baseball", "--tol", "-1"], ["--tol must be"]),
    (["fit", "--example", "baseball", "--method", "mm", "--penalty", "1"],
     ["--method mm does not take a penalty", "--penalty > 0"]),
    (["fit", "--example", "home_ties", "--covariance", "cluster"], ["--cluster COLUMN"]),
    (["fit", "--example", "home_ties", "--cluster", "item_a"], ["--covariance cluster"]),
    (["fit", "--example", "baseball_home", "--covariance", "cluster", "--cluster", "item_a"],
     ["--cluster item_a", "pair counts"]),
    (["fit", "--example", "baseball", "--cluster", "nope", "--covariance", "cluster"],
     ["'nope'", "--cluster"]),
    (["fit", "--example", "baseball", "--item-effects"], ["--item-covariates FILE"]),
    (["fit", "--example", "baseball", "--item-covariates", "missing.csv"], ["no such file"]),
    (["fit", "--example", "baseball", "--covariates", "order"], ["--covariates", "--order-effect"]),
    (["simulate", "--items", "5", "--comparisons", "9", "--theta", "2"], ["--theta"]),
])
def test_errors_name_flags_not_keywords(argv, needles, capsys):
    code, out, err = run(argv, capsys)
    assert_one_line_error(code, out, err)
    for needle in needles:
        assert needle in err, err
    assert "ties='" not in err and "='" not in err and '="' not in err, err


def test_no_mle_error_names_the_penalty_flag(data_dir, capsys):
    code, out, err = run(["fit", str(data_dir / "three_items_no_mle.csv")], capsys)
    assert_one_line_error(code, out, err)
    assert "--penalty" in err and "penalty=" not in err


def test_warnings_name_flags(capsys):
    code, out, err = run(["fit", "--example", "baseball", "--method", "newton",
                          "--max-iter", "1"], capsys)
    assert code == 0 and err.startswith("btstats: warning:")
    assert "--max-iter" in err and "max_iter" not in err and "method='" not in err


def test_agreement_errors_name_flags(tmp_path, data_dir, capsys):
    path = data_dir / "music_judgments.csv"
    code, out, err = run(["agreement", str(path), "--annotator", "WorkerId", "--item-a",
                          "Input.docA", "--item-b", "Input.docB", "--outcome",
                          "Answer.radio"], capsys)
    assert_one_line_error(code, out, err)
    assert "--encoding latin-1" in err and "encoding=" not in err
    code, out, err = run(["agreement", str(path), "--annotator", "WorkerId", "--encoding",
                          "nope"], capsys)
    assert_one_line_error(code, out, err)
    assert "--encoding 'nope'" in err and "--encoding utf-8" in err


def test_flag_syntax_rewrites_keywords_in_one_place():
    flags = flag_names(subparser("fit"), commands._FIT_ALIASES)
    cases = {
        "Choose ties='drop' or ties=\"half\".": "Choose --ties drop or --ties half.",
        "add a small penalty=.": "add a small --penalty.",
        "pass penalty= (e.g. penalty=0.01), or": "pass --penalty (e.g. --penalty 0.01), or",
        "`max_iter` must be >= 1; got 0.": "--max-iter must be >= 1; got 0.",
        "use method='newton' with penalty > 0.": "use --method newton with --penalty > 0.",
        "order_effect=True needs": "--order-effect needs",
        "covariance_type='cluster' needs": "--covariance cluster needs",
        "covariates=['x1', 'x2']": "--covariates x1,x2",
        "`rng` must be": "--seed must be",
        "Raise max_iter, or": "Raise --max-iter, or",
        "(item_a at home)": "(item_a at home)",
        # left alone: other names, None / False, calls written out, lists of column names
        "`n_items` must be >= 2; ties=None": "`n_items` must be >= 2; ties=None",
        "Model(link='probit', ties='threshold')": "Model(link='probit', ties='threshold')",
        "a column `order` / `home` / `first`": "a column `order` / `home` / `first`",
        "scipy.stats.bootstrap(method='BCa')": "scipy.stats.bootstrap(method='BCa')",
    }
    for text, want in cases.items():
        assert flag_syntax(text, flags) == want
    nargs = flag_names(subparser("agreement"))
    assert flag_syntax("tie_values=['s', 'x']", nargs) == "--tie-values s x"
    assert flag_syntax("ties='drop'", None) == "ties='drop'"
