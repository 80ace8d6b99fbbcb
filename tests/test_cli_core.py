"""The command line with the general model core: --model davidson / graded / glenn-david,
--link, --order-effect and the order / grade column roles."""
import json

import pytest

import btstats
from btstats.cli import main


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_order_effect_from_the_command_line(capsys, data_dir):
    code, out, err = run(["fit", str(data_dir / "home_ties.csv"), "--model", "davidson",
                          "--order-effect", "--format", "json"], capsys)
    assert code == 0, err
    res = json.loads(out)
    ref = btstats.fit(btstats.load_example("home_ties"), "davidson", order_effect=True)
    assert res["parameters"]["h"]["estimate"] == pytest.approx(ref.params["h"], abs=1e-10)
    assert res["parameters"]["nu"]["se"] == pytest.approx(ref.coefficients.loc["nu", "se"])


def test_graded_with_a_probit_link(capsys, data_dir):
    code, out, err = run(["fit", str(data_dir / "graded5.csv"), "--model", "graded", "--link",
                          "probit"], capsys)
    assert code == 0, err
    assert "Coefficients" in out and "t2" in out and "probit" in out


def test_order_column_role_and_example(capsys, data_dir):
    code, out, err = run(["fit", str(data_dir / "position.csv"), "--order", "first",
                          "--order-effect"], capsys)
    assert code == 0, err
    assert "0.4424" in out                        # h of tests/data/position.bt_order.json
    code, out, err = run(["fit", "--example", "baseball_home", "--order-effect"], capsys)
    assert code == 0 and "0.3023" in out


@pytest.mark.parametrize("argv, match", [
    (["--model", "graded"], "grade"),
    (["--order-effect"], "--order-effect needs"),
    (["--model", "davidson", "--method", "mm"], "--method newton"),
])
def test_core_errors_are_one_line(capsys, argv, match):
    code, out, err = run(["fit", "--example", "baseball"] + argv, capsys)
    assert code == 2 and match in err and len(err.strip().splitlines()) == 1
