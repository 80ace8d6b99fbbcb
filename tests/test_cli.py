"""The command line: `btstats fit FILE` / `btstats fit --example NAME`.

Expected numbers come from the reference fits in tests/data (R's BradleyTerry2, see
tests/data/README.md); bad input must end with exit status 2 and one line on stderr.
"""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats.cli import main

DATA = Path(__file__).parent / "data"


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_example_prints_the_leaderboard(capsys):
    code, out, err = run(["fit", "--example", "baseball"], capsys)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert "bradley-terry" in out and "log-likelihood  -172.2482" in out
    board = [ln for ln in lines if ln.strip().startswith("1 ")]
    assert board and "Milwaukee" in board[0]


def test_json_and_csv_formats_carry_the_reference_fit(capsys):
    ref = pd.read_csv(DATA / "baseball.bt.csv").set_index("item")
    code, out, _ = run(["fit", "--example", "baseball", "--format", "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["loglik"] == pytest.approx(-172.248175994716, abs=1e-8)   # baseball.bt.json
    got = {row["item"]: row["score"] for row in doc["leaderboard"]}
    for item, score in ref["score"].items():
        assert got[item] == pytest.approx(score, abs=1e-8)
    code, out, _ = run(["fit", "--example", "baseball", "--format", "csv", "--scale", "elo"],
                       capsys)
    table = pd.read_csv(pd.io.common.StringIO(out)).set_index("item")
    elo = 1000 + 400 / np.log(10) * ref["score"]
    np.testing.assert_allclose(table.loc[elo.index, "score"], elo, atol=1e-6)


def test_rao_kupper_example_reports_theta(capsys):
    code, out, _ = run(["fit", "--example", "springall", "--model", "rao-kupper", "--format",
                        "json"], capsys)
    assert code == 0
    doc = json.loads(out)
    assert doc["theta"] == pytest.approx(2.00790727667517, abs=1e-6)    # springall.raokupper
    assert doc["theta_se"] == pytest.approx(0.0921161938855224, abs=1e-6)


def test_files_of_each_layout(tmp_path, capsys):
    games = pd.DataFrame({"winner": ["a", "b", "c", "a", "c"], "loser": ["b", "c", "a", "c", "b"]})
    path = tmp_path / "games.csv"
    games.to_csv(path, index=False)
    code, out, _ = run(["fit", str(path), "--format", "json"], capsys)
    assert code == 0
    want = btstats.fit(games).scores
    got = {row["item"]: row["score"] for row in json.loads(out)["leaderboard"]}
    for item in want.index:
        assert got[item] == pytest.approx(want[item], abs=1e-10)

    arena = tmp_path / "battles.jsonl"
    rows = [{"model_a": "x", "model_b": "y", "winner": w}
            for w in ["model_a", "model_a", "model_b", "tie", "tie (bothbad)"]]
    rows += [{"model_a": "y", "model_b": "z", "winner": w} for w in ["model_a", "model_b"]]
    rows += [{"model_a": "z", "model_b": "x", "winner": w} for w in ["model_a", "model_b"]]
    arena.write_text("\n".join(json.dumps(r) for r in rows))
    code, out, err = run(["fit", str(arena), "--ties", "half"], capsys)
    assert code == 0 and "btstats fit of" in out
    code, out, err = run(["fit", str(arena), "--model", "rao-kupper"], capsys)
    assert code == 0 and "theta" in out

    renamed = games.rename(columns={"winner": "w", "loser": "l"})
    path2 = tmp_path / "renamed.csv"
    renamed.to_csv(path2, index=False)
    code, out, _ = run(["fit", str(path2), "--winner", "w", "--loser", "l"], capsys)
    assert code == 0


@pytest.mark.parametrize("case", ["missing", "no_mle", "unknown_label", "ties", "both"])
def test_bad_input_exits_2_with_one_line(case, tmp_path, capsys):
    if case == "missing":
        argv, needle = ["fit", str(tmp_path / "nope.csv")], "no such file"
    elif case == "no_mle":
        argv, needle = ["fit", str(DATA / "three_items_no_mle.csv")], "--penalty"
    elif case == "unknown_label":
        path = tmp_path / "bad.json"
        path.write_text(json.dumps([{"model_a": "x", "model_b": "y", "winner": "model_c"}]))
        argv, needle = ["fit", str(path)], "model_c"
    elif case == "ties":
        argv, needle = ["fit", "--example", "springall"], "--ties half"
    else:
        argv, needle = ["fit", str(DATA / "baseball.csv"), "--example", "baseball"], "either"
    code, out, err = run(argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("btstats: error:") and err.count("\n") == 1
    assert needle in err and "Traceback" not in err


def test_unknown_option_values_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["fit", "--example", "baseball", "--model", "elo"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_module_entry_point_runs():
    # the installed command and `python -m btstats` share main(); run the module once for real
    proc = subprocess.run([sys.executable, "-m", "btstats", "fit", "--example", "citations"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "JRSS-B" in proc.stdout.splitlines()[-4]


def test_many_items_give_a_leaderboard_without_intervals(monkeypatch, capsys):
    # Above MAX_DENSE_COVARIANCE items the n x n covariance is refused with a clear error;
    # the scores, the leaderboard without intervals, the summary and the CLI still work.
    from btstats.estimation import results

    monkeypatch.setattr(results, "MAX_DENSE_COVARIANCE", 5)
    # and no sparse factorisation either (btstats.inference.large: beyond the dense limit
    # the exact standard errors come from one when its envelope is small enough)
    monkeypatch.setattr(btstats._checks, "MAX_ENVELOPE_ENTRIES", 0)
    res = btstats.fit(btstats.load_example("baseball"))       # 7 items > 5
    with pytest.raises(MemoryError, match="intervals=False"):
        res.standard_errors
    table = res.to_frame(intervals=False)
    assert list(table.columns) == ["rank", "item", "score", "wins", "losses", "ties"]
    assert "Milwaukee" in res.summary()
    code, out, err = run(["fit", "--example", "baseball"], capsys)
    assert code == 0 and "no standard errors" in err and "Milwaukee" in out


# ------------------------------------------------------------------ btstats simulate
def test_simulate_prints_csv_that_fit_reads(tmp_path, capsys):
    argv = ["simulate", "--items", "6", "--comparisons", "3000", "--seed", "4", "--truth",
            str(tmp_path / "truth.csv")]
    code, out, err = run(argv, capsys)
    assert code == 0 and err == ""
    data = pd.read_csv(pd.io.common.StringIO(out))
    assert list(data.columns) == ["item_a", "item_b", "outcome"] and len(data) == 3000
    assert set(data["outcome"]) <= {0.0, 1.0}
    code2, out2, _ = run(argv, capsys)
    assert out2 == out                                    # --seed makes it reproducible
    truth = pd.read_csv(tmp_path / "truth.csv").set_index("item")["score"]
    assert truth.sum() == pytest.approx(0.0, abs=1e-12)
    res = btstats.fit(data)
    assert np.corrcoef(res.scores.loc[truth.index], truth)[0, 1] > 0.95


def test_simulate_writes_csv_and_parquet_files(tmp_path, capsys):
    pytest.importorskip("pyarrow")
    for name in ("sim.csv", "sim.parquet"):
        path = tmp_path / name
        code, out, err = run(["simulate", "--items", "4", "--design", "round-robin",
                              "--per-pair", "5", "--model", "rao-kupper", "--theta", "2",
                              "--annotators", "3", "--labels-per-pair", "2",
                              "--position-lapse", "0.1", "--position-bias", "0.2", "--seed",
                              "1", "--out", str(path)],
                             capsys)
        assert code == 0 and "wrote 60 comparisons among 4 items" in out
        data = pd.read_csv(path) if name.endswith(".csv") else pd.read_parquet(path)
        assert list(data.columns) == ["item_a", "item_b", "outcome", "annotator", "position"]
        assert (data["outcome"] == 0.5).any()
    code, out, _ = run(["fit", str(tmp_path / "sim.parquet"), "--model", "rao-kupper"], capsys)
    assert code == 0 and "theta" in out


def test_simulate_sparse_design_and_given_scores(tmp_path, capsys):
    scores = tmp_path / "scores.csv"
    pd.DataFrame({"item": ["x", "y", "z"], "score": [1.0, 0.0, -1.0]}).to_csv(scores,
                                                                            index=False)
    code, out, _ = run(["simulate", "--scores", str(scores), "--design", "sparse",
                        "--comparisons", "30", "--ensure-mle", "--seed", "2"], capsys)
    assert code == 0
    data = pd.read_csv(pd.io.common.StringIO(out))
    assert set(data["item_a"]) | set(data["item_b"]) == {"x", "y", "z"}
    btstats.fit(data)                                     # a finite MLE exists


@pytest.mark.parametrize("argv,needle", [
    (["--items", "5", "--design", "round-robin", "--comparisons", "9"], "--per-pair"),
    (["--items", "5"], "needs --comparisons"),
    (["--items", "5", "--comparisons", "9", "--per-pair", "2"], "round-robin only"),
    (["--items", "5", "--comparisons", "9", "--out", "x.txt"], ".csv or .parquet"),
    (["--items", "5", "--comparisons", "9", "--theta", "2"], "--theta applies only"),
    (["--items", "1", "--comparisons", "9"], "--items must be >= 2"),
    (["--comparisons", "9"], "--items N"),
    (["--items", "5", "--comparisons", "9", "--beta", "2"], "--annotators N"),
    (["--items", "5", "--comparisons", "9", "--annotators", "2", "--labels-per-pair", "3"],
     "must not exceed"),
    (["--items", "5", "--comparisons", "0"], "--comparisons must be >= 1"),
])
def test_simulate_bad_input_exits_2_with_one_line(argv, needle, capsys):
    code, out, err = run(["simulate"] + argv, capsys)
    assert code == 2 and out == ""
    assert err.startswith("btstats: error:") and err.count("\n") == 1
    assert needle in err and "Traceback" not in err


# --------------------------------------------------------------------- fit --bootstrap
def test_bootstrap_adds_intervals_to_the_leaderboard(capsys):
    code, out, err = run(["fit", "--example", "baseball", "--bootstrap", "300", "--seed", "1",
                          "--interval", "bca"], capsys)
    assert code == 0 and err == ""
    assert "Bootstrap: 300 replicates" in out and "95% bca intervals" in out
    code, out, _ = run(["fit", "--example", "baseball", "--bootstrap", "300", "--seed", "1",
                        "--format", "csv"], capsys)
    table = pd.read_csv(pd.io.common.StringIO(out))
    for col in ("boot_se", "boot_low", "boot_high", "rank_low", "rank_high", "p_first"):
        assert col in table.columns
    assert table["p_first"].sum() == pytest.approx(1.0)
    # the same seed gives the same intervals
    again = pd.read_csv(pd.io.common.StringIO(run(
        ["fit", "--example", "baseball", "--bootstrap", "300", "--seed", "1", "--format", "csv"],
        capsys)[1]))
    pd.testing.assert_frame_equal(table, again)


def test_sandwich_covariance_from_the_command_line(capsys):
    code, out, _ = run(["fit", "--example", "baseball", "--covariance", "sandwich",
                        "--format", "json"], capsys)
    doc = json.loads(out)
    se = {r["item"]: r["se"] for r in doc["leaderboard"]}
    fit = btstats.fit(btstats.load_example("baseball"), covariance_type="sandwich")
    assert se["Boston"] == pytest.approx(fit.standard_errors["Boston"])
    assert doc["covariance"] == "sandwich"


@pytest.mark.parametrize("argv, needle", [
    (["--bootstrap", "0"], "--bootstrap"),
    (["--seed", "3"], "--bootstrap N"),
    (["--interval", "bca"], "--bootstrap N"),
])
def test_bootstrap_options_misused_exit_2(argv, needle, capsys):
    code, out, err = run(["fit", "--example", "baseball"] + argv, capsys)
    assert code == 2 and out == ""
    assert needle in err and len(err.strip().splitlines()) == 1
