"""The problems the fuzz suite has found, one test each, under the same oracle.

``test_issue10_*`` are the items of issue 10 (the bugs the suite was written to catch);
``test_found_*`` are the problems it found on its own (``N<k>`` in the findings list).  The
random tests in the other files reach them too; these pin them down as fixed examples, so
that a regression names its cause.

Huge sizes (terabyte allocations, codes that make the aggregation loop for minutes) run in
a child process with a 4 GiB address-space limit and a time limit, so that a missing check
fails the test instead of taking the machine down.  They are skipped until the size checks
of issue 10 land.
"""
import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import btstats
from btstats import Comparisons

import fuzzkit as fk

HERE = Path(__file__).resolve().parent


def _two_items(w, l, t=0.0):
    return Comparisons.from_counts(pd.DataFrame({"item_a": ["a"], "item_b": ["b"],
                                                 "wins_a": [w], "wins_b": [l], "ties": [t]}))


def _baseball_counts(scale=1.0):
    df = btstats.load_example("baseball", as_frame=True)
    return df.assign(wins_a=df.wins_a * scale, wins_b=df.wins_b * scale)


def _fit_checked(entry, *args, **kw):
    res = fk.returned(entry, btstats.fit, *args, **kw)
    if res is not None:
        fk.check_fit_covariance(res)
    return res


# =========================================================================== issue 10
@pytest.mark.parametrize("data, penalty", [
    (pd.DataFrame({"winner": list("abcd"), "loser": list("badc")}), 0.5),
    (btstats.load_example("baseball"), 0.3),
    (btstats.load_example("baseball"), 50.0),
    (Comparisons.from_arrays([0, 1], [1, 0], items=["a", "b", "lonely"]), 1e-3),
], ids=["disconnected", "baseball", "baseball-strong", "isolated-item"])
def test_issue10_penalised_covariance_is_positive_semidefinite(data, penalty):
    # fk.check_fit_covariance: finite, PSD, rows summing to zero, standard errors > 0
    for kind in ("observed", "expected", "sandwich"):
        _fit_checked("fit", data, penalty=penalty, covariance_type=kind)


@pytest.mark.parametrize("winners, losers, kw", [
    ([0, 2 ** 31 + 5], [2 ** 31 + 5, 0], {}),
    ([0, 2 ** 32 + 1], [1, 0], {"items": ["a", "b", "c"]}),
    (np.array([0, 2 ** 32], dtype=np.uint64), np.array([1, 0], dtype=np.uint64), {}),
    ([0, -(2 ** 32) + 1], [1, 0], {"items": ["a", "b"]}),
], ids=["2**31+5", "2**32+1-with-items", "uint64-2**32", "negative-wrapping"])
def test_issue10_from_arrays_codes_beyond_int32_do_not_wrap(winners, losers, kw):
    def check(c):
        # a result must keep the codes it was given (no wrapping into 0 .. 2**31)
        top = max(int(np.max(winners)), int(np.max(losers)))
        assert c.n_items > top, f"code {top} wrapped into {c.n_items} items"

    fk.call("Comparisons.from_arrays", Comparisons.from_arrays, winners, losers, check=check,
            **kw)


def test_issue10_evaluate_log_loss_is_finite_at_large_gaps():
    test = pd.DataFrame({"winner": ["b", "a", "a"], "loser": ["a", "b", "b"]})
    for gap in (40.0, 800.0, 1e4):
        scorer = pd.Series({"a": gap / 2, "b": -gap / 2})
        for model in ("bradley-terry", "thurstone"):
            ev = fk.returned("evaluate", btstats.evaluate, scorer, test, model=model)
            assert ev is not None
            assert np.isfinite(ev.log_loss) and np.isfinite(ev.log_loss_all)
            # one of three labels is lost at the gap: log loss about gap / 3 (logistic)
            if model == "bradley-terry":
                assert ev.log_loss == pytest.approx(gap / 3, rel=1e-6)


@pytest.mark.parametrize("w, l", [(1e308, 1.0), (1e308, 1e308), (1.7e308, 1.0), (1e307, 1e307)])
@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_issue10_counts_near_the_largest_double(w, l, method):
    c = fk.returned("Comparisons.from_counts", _two_items, w, l)
    if c is not None:
        _fit_checked("fit", c, method=method)
    c = fk.returned("Comparisons.from_matrix", Comparisons.from_matrix, [[0, w], [l, 0]])
    if c is not None:
        _fit_checked("fit", c, method=method)


@pytest.mark.parametrize("w", [5e-324, 1e-320, 2.2250738585072014e-308])
@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_issue10_denormal_counts(w, method):
    c = fk.returned("Comparisons.from_counts", _two_items, w, 1.0)
    if c is not None:
        _fit_checked("fit", c, method=method)
    counts = btstats.load_example("baseball", as_frame=True).astype({"wins_b": float})
    counts.loc[0, "wins_b"] = w
    c = fk.returned("Comparisons.from_counts", Comparisons.from_counts, counts)
    if c is not None:
        _fit_checked("fit", c, method=method)


@pytest.mark.parametrize("scale", [1e-300, 1e-200, 1e200, 1e300])
@pytest.mark.parametrize("method", ["newton", "mm", "gradient"])
def test_issue10_scaled_weights_give_the_same_scores(scale, method):
    # scores depend only on the ratios of the weights: every weight times 1e-300 changes none
    ref = btstats.fit(btstats.load_example("baseball"), method="newton")
    c = fk.returned("Comparisons.from_counts", Comparisons.from_counts,
                    _baseball_counts(scale))
    if c is None:
        return
    res = _fit_checked("fit", c, method=method)
    if res is not None and res.converged:
        np.testing.assert_allclose(res.scores, ref.scores, atol=1e-8)


@pytest.mark.parametrize("kind", ["nonparametric", "parametric"])
def test_issue10_bootstrap_of_fractional_counts(kind):
    c = Comparisons.from_counts(pd.DataFrame({
        "item_a": ["a", "b", "a", "c"], "item_b": ["b", "c", "c", "d"],
        "wins_a": [1.5, 2.25, 0.5, 3.0], "wins_b": [0.5, 1.0, 1.5, 0.75]}))
    res = fk.returned("fit", btstats.fit, c, penalty=0.01)
    boot = fk.returned("PairwiseFit.bootstrap", res.bootstrap, n_resamples=40, kind=kind,
                       rng=0)
    if boot is not None:
        fk.call("BootstrapResult.confidence_interval", boot.confidence_interval)
        fk.call("BootstrapResult.to_frame", boot.to_frame)
    boot = fk.returned("bootstrap", btstats.bootstrap, c, n_resamples=40, kind=kind,
                       penalty=0.01, rng=1)


@pytest.mark.parametrize("call", [
    lambda: btstats.cohen_kappa(["a", "a", "a"], ["a", "a", "a"]),
    lambda: btstats.cohen_kappa([[3, 0], [0, 0]]),
    lambda: btstats.cohen_kappa([[0, 0], [0, 0]]),
    lambda: btstats.cohen_kappa([None, "a"], ["b", None]),
    lambda: btstats.fleiss_kappa([["a", "a"], ["a", "a"]]),
    lambda: btstats.fleiss_kappa([[2, 0], [2, 0]], counts=True),
    lambda: btstats.fleiss_kappa([["a", None], [None, "b"]]),
    lambda: btstats.krippendorff_alpha([["a", "a"], ["a", "a"]]),
    lambda: btstats.krippendorff_alpha([[2, 0], [3, 0]], counts=True),
], ids=["cohen-one-category", "cohen-table-one-cell", "cohen-empty-table",
        "cohen-no-common-unit", "fleiss-one-category", "fleiss-counts-one-category",
        "fleiss-no-pairable-unit", "alpha-one-category", "alpha-counts-one-category"])
def test_issue10_kappas_are_never_nan(call):
    fk.call("kappa", call)


NA_CALLS = [
    ("fit", lambda v: btstats.fit(btstats.load_example("baseball"), method=v)),
    ("fit", lambda v: btstats.fit(btstats.load_example("springall"), ties=v)),
    ("fit", lambda v: btstats.fit(btstats.load_example("baseball"), covariance_type=v)),
    ("fit", lambda v: btstats.fit(btstats.load_example("baseball"), model=v)),
    ("fit", lambda v: btstats.fit(btstats.load_example("baseball"), penalty=v)),
    ("fit", lambda v: btstats.fit(btstats.load_example("baseball"), tol=v)),
    ("fit", lambda v: btstats.fit(btstats.load_example("baseball"), max_iter=v)),
    ("bootstrap", lambda v: btstats.bootstrap(btstats.load_example("baseball"), kind=v,
                                              n_resamples=5)),
    ("bootstrap", lambda v: btstats.bootstrap(btstats.load_example("baseball"),
                                              degenerate=v, n_resamples=5)),
    ("bootstrap", lambda v: btstats.bootstrap(btstats.load_example("baseball"),
                                              n_resamples=v)),
    ("PairwiseFit.to_frame", lambda v: btstats.fit(btstats.load_example("baseball")).to_frame(
        scale=v)),
    ("PairwiseFit.with_covariance", lambda v: btstats.fit(
        btstats.load_example("baseball")).with_covariance(v)),
    ("rank_distribution", lambda v: btstats.rank_distribution(np.eye(3), ties=v)),
    ("simulate_annotation", lambda v: btstats.simulate_annotation(3, 3, pairing=v, rng=0)),
    ("simulate", lambda v: btstats.simulate([0.0, 1.0], btstats.round_robin(2), model=v)),
    ("simulate", lambda v: btstats.simulate([0.0, 1.0], btstats.round_robin(2),
                                            ensure_mle=v)),
    ("ceilings", lambda v: btstats.ceilings([0.0, 1.0], [[0, 1]], model=v)),
    ("evaluation.split", lambda v: btstats.evaluation.split(
        btstats.load_example("baseball", as_frame=True), test_size=v)),
    ("agreement.agreement", lambda v: btstats.agreement.agreement(pd.DataFrame(
        {"item_a": ["x", "x"], "item_b": ["y", "y"], "outcome": ["a", "b"]}),
        orientation=v)),
    ("fit_annotators", lambda v: btstats.fit_annotators(pd.DataFrame(
        {"winner": ["a", "b", "a"], "loser": ["b", "a", "b"], "annotator": [1, 2, 1]}),
        model=v)),
    ("Model.probabilities", lambda v: btstats.get_model("rao-kupper").probabilities([0.0],
                                                                                     eta=v)),
    ("accuracy_bounds", lambda v: btstats.accuracy_bounds(0.8, v)),
]


@pytest.mark.parametrize("value", [pd.NA, np.nan, None, "0.5", 0.5, [1]],
                         ids=["NA", "nan", "None", "str", "float", "list"])
@pytest.mark.parametrize("entry, call", NA_CALLS, ids=[f"{e}-{i}" for i, (e, _) in
                                                       enumerate(NA_CALLS)])
def test_issue10_na_and_odd_values_for_choice_and_numeric_arguments(entry, call, value):
    fk.call(entry, call, value)


def _dup(df, col):
    return pd.concat([df, df[[col]]], axis=1)


WL = pd.DataFrame({"winner": list("abcab"), "loser": list("bcaca"),
                   "annotator": [1, 2, 1, 2, 1], "prompt": [1, 1, 2, 2, 3]})


@pytest.mark.parametrize("entry, call", [
    ("fit", lambda: btstats.fit(_dup(WL, "winner"))),
    ("fit", lambda: btstats.fit(_dup(WL, "loser"))),
    ("fit", lambda: btstats.fit(_dup(WL, "prompt"), covariance_type="cluster",
                                cluster="prompt")),
    ("Comparisons.from_counts", lambda: Comparisons.from_counts(
        _dup(btstats.load_example("baseball", as_frame=True), "wins_a"))),
    ("Comparisons.from_arena", lambda: Comparisons.from_arena(_dup(pd.DataFrame(
        {"model_a": ["a", "b"], "model_b": ["b", "a"], "winner": ["model_a", "tie"]}),
        "winner"))),
    ("fit_annotators", lambda: btstats.fit_annotators(_dup(WL, "annotator"))),
    ("evaluate", lambda: btstats.evaluate(pd.Series({"a": 1.0, "b": 0.0, "c": -1.0}),
                                          _dup(WL, "winner"))),
    ("win_rate_scores", lambda: btstats.win_rate_scores(_dup(WL, "loser"))),
    ("evaluation.split", lambda: btstats.evaluation.split(_dup(WL, "prompt"), by="prompt")),
    ("agreement.agreement", lambda: btstats.agreement.agreement(_dup(WL, "annotator"))),
], ids=["fit-winner", "fit-loser", "fit-cluster", "from_counts", "from_arena",
        "fit_annotators", "evaluate", "win_rate_scores", "split", "agreement"])
def test_issue10_duplicated_column_names(entry, call):
    fk.call(entry, call)


@functools.lru_cache(maxsize=1)
def _results_with_intervals():
    fit = btstats.fit(btstats.load_example("baseball"))
    boot = fit.bootstrap(n_resamples=20, rng=0)
    kappa = btstats.cohen_kappa([[5, 1], [2, 7]])
    ceil = btstats.ceilings(fit, n_draws=10, rng=0)
    sim = btstats.simulate_annotation(20, 3, n_annotators=3, labels_per_pair=2, rng=0)
    ann = btstats.fit_annotators(sim.data, penalty=0.1)
    agr = btstats.agreement.agreement(sim.data, n_resamples=10, rng=0)
    return {"PairwiseFit.confidence_interval": fit.confidence_interval,
            "PairwiseFit.to_frame": lambda level: fit.to_frame(confidence_level=level),
            "PairwiseFit.rank_sets": lambda level: fit.rank_sets(level, n_draws=50, rng=0),
            "BootstrapResult.confidence_interval": boot.confidence_interval,
            "KappaResult.confidence_interval": kappa.confidence_interval,
            "Ceilings.confidence_interval": ceil.confidence_interval,
            "AnnotatorFit.confidence_interval": ann.confidence_interval,
            "AnnotatorFit.item_frame": ann.item_frame,
            "Agreement.confidence_interval": agr.confidence_interval,
            "rank_intervals": lambda level: btstats.rank_intervals(np.eye(3), level)}


@pytest.mark.parametrize("level", ["0.9", pd.NA, np.nan, None, [0.9], 0.0, 1.0, True],
                         ids=["str", "NA", "nan", "None", "list", "0", "1", "True"])
def test_issue10_confidence_level_as_string_and_other_odd_values(level):
    for entry, method in _results_with_intervals().items():
        fk.call(entry, method, level)


@pytest.mark.parametrize("by", [[0.5], 0.5, ("prompt",), ["prompt"], np.nan, pd.NA, 1])
def test_issue10_split_by_a_list_or_number(by):
    df = WL.copy()
    fk.call("evaluation.split", btstats.evaluation.split, df, by=by)
    c = Comparisons.from_frame(df, cluster="prompt")
    fk.call("evaluation.split", btstats.evaluation.split, c, by=by)


@pytest.mark.parametrize("n_draws", [5 * 10 ** 11, 10 ** 13, 2 ** 62, 2 ** 63, 10 ** 30])
def test_issue10_rank_sets_with_a_huge_number_of_draws(n_draws):
    fit = btstats.fit(btstats.load_example("baseball"))
    fk.call("PairwiseFit.rank_sets", fit.rank_sets, n_draws=n_draws)
    fk.call("rank_confidence_sets", btstats.rank_confidence_sets, fit.scores,
            covariance=fit.covariance, n_draws=n_draws)


JSON_NOT_RECORDS = ["null", "42", '"text"', "true", "{}", "[null]", "[1, 2]", "[[1, 2]]",
                    "null\nnull\n", '{"winner": "a", "loser": "b"}\nnull\n', "[]", "\n"]


@pytest.mark.parametrize("text", JSON_NOT_RECORDS)
@pytest.mark.parametrize("ext", [".json", ".jsonl"])
def test_issue10_json_that_is_not_a_list_of_records(text, ext, tmp_path):
    path = tmp_path / f"data{ext}"
    path.write_text(text)
    fk.call("read_comparisons", btstats.read_comparisons, path)
    fk.call("fit", btstats.fit, str(path))
    fk.cli(["fit", str(path)])
    fk.cli(["agreement", str(path), "--annotator", "annotator"])


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000,
                                  '{"a":' * 50_000 + "1" + "}" * 50_000,
                                  "[" * 5_000 + "]" * 5_000,
                                  '[{"winner": ' + "[" * 50_000 + "]" * 50_000 + "}]"],
                         ids=["list-1e5", "dict-5e4", "list-5e3", "in-a-record"])
def test_issue10_deeply_nested_json(text, tmp_path):
    for ext in (".json", ".jsonl"):
        path = tmp_path / f"data{ext}"
        path.write_text(text)
        fk.call("read_comparisons", btstats.read_comparisons, path)
        fk.cli(["fit", str(path)])
        fk.cli(["agreement", str(path), "--annotator", "annotator"])


# --------------------------------------------------------------------------- isolated calls
_CHILD = textwrap.dedent("""
    import json, resource, sys
    lim = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (lim, lim))
    sys.path.insert(0, sys.argv[2])
    import numpy as np, pandas as pd, btstats, fuzzkit as fk
    print("READY", flush=True)
    for line in sys.stdin:
        entry, expr = json.loads(line)
        try:
            if entry.startswith("cli"):
                fk.cli(eval(expr))
            else:
                fk.call(entry, lambda: eval(expr))
        except fk.OracleFailure as exc:
            print("FAIL", str(exc).splitlines()[0][:400], flush=True)
        except BaseException as exc:  # the oracle itself could not run (e.g. out of memory)
            print("FAIL", type(exc).__name__, str(exc)[:300], flush=True)
        else:
            print("OK", flush=True)
""")


def run_isolated(cases, mem_gib=4, timeout=60.0):
    """Run each ``(entry, expression)`` under the oracle in a child process whose address
    space is limited to ``mem_gib`` GiB; a case that does not answer within ``timeout`` s is
    a failure (the child is killed and a new one takes the remaining cases).  Returns the
    failures."""
    import select
    import time

    failures, todo = [], list(cases)
    while todo:
        p = subprocess.Popen([sys.executable, "-c", _CHILD, str(int(mem_gib * 2 ** 30)),
                              str(HERE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, text=True, bufsize=1)
        try:
            if p.stdout.readline().strip() != "READY":
                raise AssertionError("the child process could not import btstats")
            while todo:
                entry, expr = todo[0]
                p.stdin.write(json.dumps([entry, expr]) + "\n")
                p.stdin.flush()
                t0 = time.monotonic()
                ready, _, _ = select.select([p.stdout], [], [], timeout)
                line = p.stdout.readline().strip() if ready else ""
                todo.pop(0)
                if not ready:
                    failures.append(f"{expr}: did not return within {timeout:g} s")
                    break                                   # a fresh child for the rest
                if not line:
                    failures.append(f"{expr}: the child died after "
                                    f"{time.monotonic() - t0:.1f} s")
                    break
                if line != "OK":
                    failures.append(f"{expr}: {line}")
        finally:
            p.kill()
            p.communicate()
    return failures


HUGE = [
    ("round_robin", "btstats.round_robin(10 ** 7)"),
    ("round_robin", "btstats.round_robin(2 ** 62)"),
    ("round_robin", "btstats.round_robin(2, 10 ** 13)"),
    ("round_robin", "btstats.round_robin(70_000, 2)"),
    ("random_pairs", "btstats.random_pairs(5, 10 ** 13, rng=0)"),
    ("random_pairs", "btstats.random_pairs(2 ** 31 + 5, 3, rng=0)"),
    ("random_pairs", "btstats.random_pairs(2 ** 62, 3, rng=0)"),
    ("sparse_connected", "btstats.sparse_connected(10 ** 12, 10 ** 12, rng=0)"),
    ("sparse_connected", "btstats.sparse_connected(3 * 10 ** 9, 3 * 10 ** 9, rng=0)"),
    ("sparse_connected", "btstats.sparse_connected(5, 10 ** 13, rng=0)"),
    ("annotator_pool", "btstats.annotator_pool(10 ** 12)"),
    ("simulate", "btstats.simulate([0.0, 1.0], btstats.round_robin(2), annotators=10 ** 12)"),
    ("simulate", "btstats.simulate([0.0, 1.0], btstats.round_robin(2), annotators=3, "
                 "labels_per_pair=10 ** 12)"),
    # zero-memory views of 10**12 rows: btstats must refuse them, not copy or loop over them
    ("simulate", "btstats.simulate(np.zeros(2), np.broadcast_to(np.array([[0, 1]]), "
                 "(10 ** 12, 2)))"),
    ("given_pairs", "btstats.given_pairs(np.broadcast_to(np.array([[0, 1]]), (10 ** 12, 2)))"),
    ("Model.rvs", "btstats.get_model('bt').rvs([0.0, 1.0], np.broadcast_to(np.array([[0, 1]]),"
                  " (10 ** 12, 2)))"),
    ("simulate_annotation", "btstats.simulate_annotation(10 ** 12, 2, rng=0)"),
    ("simulate_annotation", "btstats.simulate_annotation(2, 10 ** 12, rng=0)"),
    ("simulate_annotation", "btstats.simulate_annotation(10, 2, n_annotators=10 ** 12, "
                            "rng=0)"),
    ("simulate_annotation", "btstats.simulate_annotation(10, 2 ** 40, pairs_per_prompt=2 ** 39,"
                            " pairing='diversified', rng=0)"),
    ("Model.rvs", "btstats.get_model('bt').rvs([0.0, 1.0], [[0, 1]], n=10 ** 13)"),
    ("PairwiseFit.bootstrap", "btstats.fit(btstats.load_example('baseball'))"
                              ".bootstrap(n_resamples=10 ** 13)"),
    ("ceilings", "btstats.ceilings(btstats.fit(btstats.load_example('baseball')), "
                 "n_draws=10 ** 13)"),
    ("cli simulate", "['simulate', '--items', '1000000000', '--comparisons', '5']"),
    ("cli simulate", "['simulate', '--items', '5', '--comparisons', '10000000000000']"),
    ("cli simulate", "['simulate', '--items', '100000', '--design', 'round-robin']"),
    ("cli simulate", "['simulate', '--items', '5', '--annotators', '1000000000000']"),
    ("cli fit", "['fit', '--example', 'baseball', '--bootstrap', '10000000000000']"),
]



def test_issue10_huge_sizes_are_refused_at_once():
    failures = run_isolated(HUGE, mem_gib=4, timeout=60.0)
    assert not failures, "\n".join(failures)



def test_issue10_from_arrays_codes_2_62_are_refused_at_once():
    failures = run_isolated([
        ("Comparisons.from_arrays", "btstats.Comparisons.from_arrays([0, 2 ** 62], [2 ** 62, 0])"),
        ("Comparisons.from_arrays", "btstats.Comparisons.from_arrays([0, 1, 2 ** 62], "
                                    "[1, 0, 0], weights=[1.0, 1.0, 0.0])"),
        ("fit", "btstats.fit(btstats.Comparisons.from_arrays([0, 2 ** 62 - 1], "
                "[2 ** 62 - 1, 0]))"),
        ("Comparisons.from_arrays", "btstats.Comparisons.from_arrays(np.array([0, 2 ** 63 - 1]), "
                                    "np.array([2 ** 63 - 1, 0]))"),
    ], mem_gib=4, timeout=30.0)
    assert not failures, "\n".join(failures)


# =========================================================================== found by the fuzz
def test_found_N1_N2_probabilities_of_mismatched_or_unhashable_labels():
    fit = btstats.fit(btstats.load_example("baseball"))
    for a, b in [(["Boston", "Detroit"], ["Boston", "Detroit", "Toronto"]),
                 ([["Boston"]], "Detroit"), ({"Boston": 1}, "Detroit"), ({"a"}, "Detroit"),
                 ("Boston", [[1, 2]]), (np.array([["Boston", "Detroit"]]), "Toronto")]:
        fk.call("PairwiseFit.probabilities", fit.probabilities, a, b)


def test_found_N4_accuracy_bounds_with_an_integer_beyond_float_range():
    fk.call("accuracy_bounds", btstats.accuracy_bounds, 0.9, 10 ** 400)
    fk.call("accuracy_bounds", btstats.accuracy_bounds, 10 ** 400)


def test_found_N5_N6_order_consistency_with_repeated_labels_or_constant_scores():
    def check(r):
        assert np.isfinite(r.kendall_tau) and np.isfinite(r.fraction_concordant), r

    fk.call("order_consistency", btstats.order_consistency,
            pd.Series([1.0, 2.0, 3.0], index=["a", "a", "b"]),
            pd.Series([1.0, 2.0], index=["a", "b"]), check=check)
    fk.call("order_consistency", btstats.order_consistency, [1.0, 1.0, 1.0],
            [1.0, 2.0, 3.0], check=check)


def test_found_N7_to_N10_model_probabilities_arguments():
    rk = btstats.get_model("rao-kupper")

    def check(p):
        fk.check_probability_triple(p)

    fk.call("Model.probabilities", btstats.get_model("bt").probabilities, ["x"], check=check)
    for eta in (pd.NA, -1.0, np.nan, np.inf, "1"):
        fk.call("Model.probabilities", rk.probabilities, [0.0, 3.0], eta=eta, check=check)


def test_found_N13_boolean_outcome_with_a_missing_value():
    df = pd.DataFrame({"item_a": list("ab"), "item_b": list("ba"),
                       "outcome": pd.array([True, None], dtype="boolean")})
    fk.call("Comparisons.from_frame", Comparisons.from_frame, df)


def test_found_N14_arena_weight_column_that_does_not_exist():
    df = pd.DataFrame({"model_a": ["a", "b"], "model_b": ["b", "a"],
                       "winner": ["model_a", "model_a"]})
    for col in ("weight", "count", 0):
        fk.call("Comparisons.from_arena", Comparisons.from_arena, df, weight=col)


@pytest.mark.parametrize("text", ["", "\n", "\n\n\n"])
def test_found_N15_empty_csv(text, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text(text)
    fk.call("read_comparisons", btstats.read_comparisons, path)
    fk.cli(["fit", str(path)])


def test_found_N16_rao_kupper_newton_with_counts_of_2_64():
    df = pd.DataFrame({"item_a": ["alpha"] * 5 + ["bravo", "charlie", "delta"],
                       "item_b": ["bravo"] * 5 + ["charlie", "delta", "alpha"],
                       "wins_a": [2 ** 64] * 8, "wins_b": [1] * 8, "ties": [1] * 8})
    c = Comparisons.from_counts(df)
    for method in ("newton", "mm", "gradient"):
        _fit_checked("fit", c, "rao-kupper", method=method)


def test_found_N17_labels_that_are_not_hashable(tmp_path):
    path = tmp_path / "lists.json"
    path.write_text(json.dumps([{"winner": ["a"], "loser": "b"}, {"winner": "b", "loser": "a"}]))
    fk.call("read_comparisons", btstats.read_comparisons, path)
    df = pd.DataFrame({"winner": [["a"], "b"], "loser": ["b", {"x": 1}]})
    fk.call("Comparisons.from_frame", Comparisons.from_frame, df)


def test_found_N18_ties_dropped_leave_nothing():
    c = Comparisons.from_arrays([0, 0], [1, 1], ties=[True, True])
    for kw in ({"ties": "drop", "penalty": 0.01}, {"ties": "drop"}):
        res = fk.returned("fit", btstats.fit, c, **kw)
        if res is not None:
            fk.call("PairwiseFit.summary", res.summary)


def test_found_N19_max_iter_beyond_int64():
    for max_iter in (2 ** 63, 2 ** 64, 10 ** 30):
        fk.call("fit", btstats.fit, btstats.load_example("baseball"), max_iter=max_iter)


def test_found_N28_given_pairs_with_a_tuple_label():
    fk.call("given_pairs", btstats.given_pairs, [["b", ("t", 0)]])
    fk.call("given_pairs", btstats.given_pairs, [[("a", 1), ("b", 2)], [("b", 2), "c"]])


def test_found_N29_negative_zero_spread():
    fk.call("simulate_annotation", btstats.simulate_annotation, 1, 2, response_sd=-0.0)
    fk.call("simulate_annotation", btstats.simulate_annotation, 2, 2, prompt_sd=-0.0)


@pytest.mark.parametrize("value", [pd.NA, np.nan, "yes", None])
def test_found_N30_boolean_flags(value):
    fk.call("load_example", btstats.load_example, "baseball", as_frame=value)
    fit = btstats.fit(btstats.load_example("baseball"))
    fk.call("PairwiseFit.to_frame", fit.to_frame, intervals=value)
    fk.call("fleiss_kappa", btstats.fleiss_kappa, [[1, 2], [2, 2]], counts=value)


def test_found_N31_rao_kupper_without_an_mle_is_not_converged():
    w = [0, 0, 0, 0, 0, 0, 0, 2, 0, 1, 2, 3, 4]
    l_ = [1, 1, 1, 1, 1, 1, 1, 3, 1, 2, 3, 4, 0]
    c = Comparisons.from_arrays(w, l_, ties=[True] * 10 + [False, False, True])
    _fit_checked("fit", c, "rao-kupper")
    w = [0, 0, 0, 2, 1, 0, 0, 3, 0, 1, 2, 3, 4]
    l_ = [3, 4, 4, 0, 2, 4, 4, 1, 1, 2, 3, 4, 0]
    c = Comparisons.from_arrays(w, l_, ties=[True] * 6 + [False, True, False] + [True] * 4)
    _fit_checked("fit", c, "rao-kupper")


def test_found_N32_a_file_that_is_not_parquet(tmp_path):
    path = tmp_path / "x.parquet"
    path.write_text("not parquet")
    fk.call("read_comparisons", btstats.read_comparisons, path)
    fk.cli(["fit", str(path)])


def test_found_N33_annotator_fit_converged_with_nan_standard_errors():
    df = pd.DataFrame({"item_a": ["alpha", "alpha", "bravo"],
                       "item_b": ["bravo", "bravo", "alpha"],
                       "outcome": ["draw", 1, 1], "annotator": ["ann", "ann", "bob"]})
    fk.call("fit_annotators", btstats.fit_annotators, df)


def test_found_N34_order_consistency_of_strings():
    fk.call("order_consistency", btstats.order_consistency,
            pd.Series([0.0, 1.0], index=["a", "b"]),
            pd.Series(["x", "y"], index=["a", "b"], dtype="str"))
    fk.call("order_consistency", btstats.order_consistency, [0.0, 1.0], ["x", "y"])


def test_found_N36_evaluate_with_a_dict_scorer_holding_a_string():
    test = pd.DataFrame({"winner": ["a", "b"], "loser": ["b", "a"]})
    for scorer in ({"a": "x", "b": 0.0}, {"a": None, "b": 0.0}, {"a": [1.0], "b": 0.0}):
        fk.call("evaluate", btstats.evaluate, scorer, test)


def test_found_N37_standard_errors_with_weights_of_mixed_scale():
    w = np.full((5, 5), 1e-300)
    np.fill_diagonal(w, 0.0)
    t = np.zeros((5, 5))
    t[1, 4] = t[2, 4] = 1.0
    t[3, 4] = 2.0
    c = fk.returned("Comparisons.from_matrix", Comparisons.from_matrix, w, ties=t)
    if c is not None:
        _fit_checked("fit", c, ties="half")


def test_found_N38_annotator_fit_with_a_huge_tolerance():
    df = pd.DataFrame({"winner": ["alpha", "alpha", "bravo", "charlie"],
                       "loser": ["bravo", "bravo", "charlie", "alpha"],
                       "annotator": ["ann", "ann", "ann", "bob"]})
    fk.call("fit_annotators", btstats.fit_annotators, df, tol=1e308)
