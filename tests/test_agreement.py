"""Labeler agreement, kappas, alpha, the model-implied ceilings and the agreement CLI.

Reference values and their sources are given beside each test.  Real data: the PandaLM human
test set and the MTurk music-similarity judgments (tests/data, see its README).
"""
import argparse
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from scipy.special import expit, ndtr

import btstats
from btstats import agreement as ag
from btstats.cli import agreement as cli_agreement
from btstats.exceptions import DataError

# --------------------------------------------------------------------------- fixtures
# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists, 5 diagnoses; R irr's `diagnoses`
# (as used by statsmodels' tests).  R irr 0.84.1: kappam.fleiss(diagnoses)$value = 0.4302445,
# kappa2(diagnoses[, 1:2])$value = 0.651 (printed to 3 digits).
DIAGNOSES = np.array([
    [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
    [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
    [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
    [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
    [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
    [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
    [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
    [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5]])

# Wikipedia, "Fleiss' kappa", worked example: 10 subjects, 14 raters, counts per category;
# kappa = 0.210 (0.20993 to 5 digits).
WIKI_FLEISS = [[0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
               [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
               [6, 5, 2, 1, 0], [0, 2, 2, 3, 7]]

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", example C: 4 observers
# (rows here transposed to units x observers), 12 units, nominal alpha = 0.743.
NAN = np.nan
KRIPP = np.array([[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
                  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
                  [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
                  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]).T

# SAS PROC FREQ example as reproduced in statsmodels' test_inter_rater.py: kappa 0.4842,
# ASE 0.1380, 95% limits 0.2137, 0.7547.
SAS_TABLE = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]


def pandalm_frame(data_dir):
    """Long format: one row per (pair, annotator); response1 is the first model of cmp_key."""
    records = json.loads((data_dir / "pandalm_testset.json").read_text(encoding="utf-8"))
    rows = []
    for r in records:
        x, y = r["cmp_key"].split("_", 1)
        for k in (1, 2, 3):
            rows.append({"item_a": x, "item_b": y, "outcome": {0: "tie", 1: "a", 2: "b"}[
                r[f"annotator{k}"]], "annotator": f"annotator{k}", "cluster": r["idx"]})
    return pd.DataFrame(rows)


def music_frame(data_dir):
    """The MTurk judgments as labels of 'query:doc' items (the 5 unanswered rows dropped)."""
    df = pd.read_csv(data_dir / "music_judgments.csv", encoding="latin-1")
    df = df[df["Answer.radio"].notna()]
    q = df["Input.query"]
    return pd.DataFrame({"item_a": (q + ":" + df["Input.docA"]).to_numpy(),
                         "item_b": (q + ":" + df["Input.docB"]).to_numpy(),
                         "outcome": df["Answer.radio"].map({"a": "a", "b": "b", "s": "tie"})
                         .to_numpy(),
                         "annotator": df["WorkerId"].to_numpy(),
                         "query": q.to_numpy()})


def simulate_labels(rng, s, n_units, labels_per_unit, *, eta=0.0):
    """Seeded labels from Rao-Kupper (eta > 0) or Bradley-Terry: repeated per unit."""
    s = np.asarray(s, float)
    n = s.size
    a = rng.integers(0, n, n_units)
    b = (a + rng.integers(1, n, n_units)) % n
    a = np.repeat(a, labels_per_unit)
    b = np.repeat(b, labels_per_unit)
    d = s[a] - s[b]
    pa, pb = expit(d - eta), expit(-d - eta)
    u = rng.random(a.size)
    out = np.where(u < pa, 1.0, np.where(u < 1.0 - pb, 0.5, 0.0))
    return pd.DataFrame({"item_a": a, "item_b": b, "outcome": out,
                         "annotator": np.tile(np.arange(labels_per_unit), n_units),
                         "cluster": np.repeat(np.arange(n_units), labels_per_unit)})


# --------------------------------------------------------------------------- textbook values
def test_fleiss_kappa_fleiss_1971_diagnoses():
    assert ag.fleiss_kappa(DIAGNOSES) == pytest.approx(0.4302445, abs=5e-8)


def test_fleiss_kappa_wikipedia_counts():
    assert ag.fleiss_kappa(WIKI_FLEISS, counts=True) == pytest.approx(0.20993, abs=5e-6)


def test_fleiss_kappa_by_hand():
    # 3 units x 2 raters, categories x/y: P_u = 1, 0, 1 -> P_bar = 2/3; p = (3/6, 3/6)
    # P_e = 1/2 -> kappa = (2/3 - 1/2) / (1/2) = 1/3
    assert ag.fleiss_kappa([["x", "x"], ["x", "y"], ["y", "y"]]) == pytest.approx(1 / 3)


def test_cohen_kappa_sas_example():
    res = ag.cohen_kappa(SAS_TABLE)
    assert res.kappa == pytest.approx(0.4842, abs=5e-5)
    assert res.se == pytest.approx(0.1380, abs=5e-5)
    ci = res.confidence_interval(0.95)
    assert isinstance(ci, btstats.ConfidenceInterval) and ci.is_scalar and ci.interval == "wald"
    low, high = ci
    assert (low, high) == pytest.approx((0.2137, 0.7547), abs=1e-4)


def test_cohen_kappa_diagnoses_raters_1_2():
    res = ag.cohen_kappa(DIAGNOSES[:, 0], DIAGNOSES[:, 1])
    assert round(res.kappa, 3) == 0.651
    assert res.n == 30


def test_cohen_kappa_matches_sklearn():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    x = rng.integers(0, 3, 200)
    y = np.where(rng.random(200) < 0.6, x, rng.integers(0, 3, 200))
    assert ag.cohen_kappa(x, y).kappa == pytest.approx(
        sklearn_metrics.cohen_kappa_score(x, y), abs=1e-12)


def test_cohen_kappa_drops_missing_pairs():
    res = ag.cohen_kappa(["a", "b", None, "a"], ["a", "b", "a", np.nan])
    assert res.n == 2 and res.kappa == pytest.approx(1.0)


def test_krippendorff_2011_example():
    assert round(ag.krippendorff_alpha(KRIPP), 3) == 0.743


def test_krippendorff_matches_package_with_missing():
    krippendorff = pytest.importorskip("krippendorff")
    rng = np.random.default_rng(11)
    for rep in range(20):
        n_units, n_raters = rng.integers(5, 40), rng.integers(2, 7)
        truth = rng.integers(0, 3, n_units)
        data = np.where(rng.random((n_units, n_raters)) < 0.6, truth[:, None],
                        rng.integers(0, 3, (n_units, n_raters))).astype(float)
        data[rng.random(data.shape) < 0.25] = np.nan
        pairable = (~np.isnan(data)).sum(axis=1) >= 2
        if not pairable.any() or np.unique(data[pairable][~np.isnan(data[pairable])]).size < 2:
            continue
        ours = ag.krippendorff_alpha(data)
        theirs = krippendorff.alpha(reliability_data=data.T, level_of_measurement="nominal")
        assert ours == pytest.approx(theirs, abs=1e-10), rep


def test_alpha_and_fleiss_from_counts_equal_from_ratings():
    counts = np.stack([(DIAGNOSES == c).sum(axis=1) for c in range(1, 6)], axis=1)
    assert ag.fleiss_kappa(counts, counts=True) == pytest.approx(ag.fleiss_kappa(DIAGNOSES))
    assert ag.krippendorff_alpha(counts, counts=True) == pytest.approx(
        ag.krippendorff_alpha(DIAGNOSES))


def test_degenerate_agreement_raises():
    # one category only: chance agreement is 1, the statistic is 0 / 0 (a clear error, not NaN)
    with pytest.raises(DataError, match=r"undefined.*same category \('x'\)"):
        ag.fleiss_kappa([["x", "x"], ["x", "x"]])
    with pytest.raises(DataError, match=r"undefined.*same category \('x'\)"):
        ag.krippendorff_alpha([["x", "x"], ["x", "x"]])


def test_bad_generic_inputs():
    with pytest.raises(DataError, match="two-dimensional"):
        ag.fleiss_kappa([1, 2, 3])
    with pytest.raises(DataError, match="square"):
        ag.cohen_kappa([[1, 2, 3], [4, 5, 6]])
    with pytest.raises(DataError, match="non-negative"):
        ag.krippendorff_alpha([[1, -2]], counts=True)
    with pytest.raises(DataError, match="equally"):
        ag.cohen_kappa([1, 2], [1, 2, 3])


# --------------------------------------------------------------------------- raw agreement
def test_mt_bench_convention_by_hand():
    # unit (x, y): labels a, a, tie -> pairs: (a,a) agree, (a,tie) x2 -> 1/3; no ties: 1/1
    # unit (y, z) seen as (z, y) by one labeller: b, b(as z,y a) , b -> all "z wins"
    df = pd.DataFrame({"item_a": ["x", "y", "x", "y", "z", "y"],
                       "item_b": ["y", "x", "y", "z", "y", "z"],
                       "outcome": ["a", "b", "tie", "b", "a", "b"],
                       "annotator": [1, 2, 3, 1, 2, 3]})
    res = ag.agreement(df, n_resamples=0)
    assert (res.agreeing_pairs, res.n_pairs) == (1 + 3, 3 + 3)
    assert (res.agreeing_pairs_no_ties, res.n_pairs_no_ties) == (1 + 3, 1 + 3)
    assert res.n_units == 2 and res.n_labels == 6
    units = res.units.set_index(["item_1", "item_2"])
    assert units.loc[("y", "z"), "n_item_2"] == 3
    assert units.loc[("x", "y"), "majority"] == "item_1"


def test_units_are_split_by_cluster():
    df = pd.DataFrame({"item_a": ["x"] * 4, "item_b": ["y"] * 4, "outcome": ["a", "b", "a", "a"],
                       "prompt": [1, 1, 2, 2]})
    assert ag.agreement(df, n_resamples=0).n_units == 2
    assert ag.agreement(df.drop(columns="prompt"), n_resamples=0).n_units == 1
    # one label per unit: nothing to agree on, a clear error rather than NaN
    with pytest.raises(btstats.DataError, match="labelled twice"):
        ag.agreement(df.assign(prompt=[1, 2, 3, 4]), n_resamples=0)
    with pytest.raises(btstats.DataError, match="two or more labels"):
        ag.krippendorff_alpha(np.array([[1.0, np.nan], [np.nan, 2.0]]))


def test_agreement_bootstrap_is_seeded_and_resamples_units():
    df = simulate_labels(np.random.default_rng(0), [0.0, 0.5, 1.0], 60, 4, eta=0.3)
    r1 = ag.agreement(df, n_resamples=300, rng=5)
    r2 = ag.agreement(df, n_resamples=300, rng=5)
    np.testing.assert_array_equal(r1.bootstrap_distribution, r2.bootstrap_distribution)
    ci = r1.confidence_interval(0.9)
    assert ci.low["agreement"] < r1.agreement < ci.high["agreement"]
    # resampling units: a unit-level statistic recomputed from resampled unit sums equals a
    # plain recomputation on the resampled frame
    rng = np.random.default_rng(1)
    idx = rng.integers(0, 60, (1, 60))
    lab = ag.empirical._as_labels(df, {})
    stats_ = np.column_stack([ag.empirical._pair_stats(lab.counts), ag.kappas._kappa_stats(lab.counts)])
    out = np.empty((1, stats_.shape[1]))
    from btstats._kernels import annotators as ka
    ka.resampled_sums(idx, stats_, out)
    np.testing.assert_allclose(out[0], stats_[idx[0]].sum(axis=0))


def test_agreement_to_frame_and_summary():
    df = simulate_labels(np.random.default_rng(2), [0.0, 1.0], 30, 3)
    res = ag.agreement(df, n_resamples=50, rng=0)
    tab = res.to_frame()
    assert list(tab.index) == list(ag.AGREEMENT_STATISTICS)
    assert tab.loc["agreement", "numerator"] == res.agreeing_pairs
    text = res.summary()
    assert "raw agreement" in text and "Annotators" in text and "Cohen" in text
    assert "Agreement(" in repr(res)


def test_agreement_rejects_weighted_rows():
    df = pd.DataFrame({"item_a": ["x"], "item_b": ["y"], "outcome": [1], "weight": [2.0]})
    with pytest.raises(DataError, match="individual labels"):
        ag.agreement(df)


def test_agreement_by_groups():
    df = music_frame(pytest.importorskip("pathlib").Path(__file__).parent / "data")
    tab = ag.agreement_by(df, "query", cluster="query")
    assert len(tab) == 11 and tab["n_units"].sum() == 281 and tab["n_labels"].sum() == 2805
    with pytest.raises(DataError, match="not in the data"):
        ag.agreement_by(df, "nope")


# --------------------------------------------------------------------------- real data
def test_pandalm_reproduces_published_kappas_and_counts(data_dir):
    df = pandalm_frame(data_dir)
    res = ag.agreement(df, n_resamples=200, rng=0)
    # PandaLM README (published): 0.85, 0.88, 0.86; unrounded values computed in
    # /work/shared/data/README.md: 0.8520, 0.8789, 0.8617.
    kap = res.cohen.set_index(["annotator_1", "annotator_2"])["kappa"]
    assert kap[("annotator1", "annotator2")] == pytest.approx(0.8520, abs=5e-5)
    assert kap[("annotator1", "annotator3")] == pytest.approx(0.8789, abs=5e-5)
    assert kap[("annotator2", "annotator3")] == pytest.approx(0.8617, abs=5e-5)
    assert [round(k, 2) for k in kap] == [0.85, 0.88, 0.86]
    # published label distribution 0 (tie): 105, 1 (response1): 422, 2 (response2): 472
    maj = res.units["majority"].value_counts()
    assert (maj["tie"], maj["item_1"], maj["item_2"]) == (105, 422, 472)
    # MT-Bench convention, computed in the data README: 2757/2997 and 2482/2620
    assert (res.agreeing_pairs, res.n_pairs) == (2757, 2997)
    assert (res.agreeing_pairs_no_ties, res.n_pairs_no_ties) == (2482, 2620)
    ties = res.annotators["tie_rate"] * res.annotators["n_labels"]
    assert ties.round().astype(int).tolist() == [97, 116, 113]


def test_pandalm_alpha_matches_package(data_dir):
    krippendorff = pytest.importorskip("krippendorff")
    df = pandalm_frame(data_dir)
    res = ag.agreement(df, n_resamples=0)
    wide = df.pivot(index="cluster", columns="annotator", values="outcome")
    codes = wide.replace({"a": 0, "b": 1, "tie": 2}).to_numpy(dtype=float)
    assert res.krippendorff_alpha == pytest.approx(krippendorff.alpha(
        reliability_data=codes.T, level_of_measurement="nominal"), abs=1e-12)
    assert res.fleiss_kappa == pytest.approx(ag.fleiss_kappa(wide), abs=1e-12)


def test_music_judgments_agreement_alpha_and_table(data_dir):
    krippendorff = pytest.importorskip("krippendorff")
    df = music_frame(data_dir)
    res = ag.agreement(df, n_resamples=200, rng=0, cluster="query", orientation="given")
    # data README (computed): 6597/12600 with ties, 2704/3876 with 's' dropped
    assert (res.agreeing_pairs, res.n_pairs) == (6597, 12600)
    assert (res.agreeing_pairs_no_ties, res.n_pairs_no_ties) == (2704, 3876)
    assert res.n_units == 281 and len(res.annotators) == 79
    # alpha against the krippendorff package on the units x workers matrix
    wide = df.assign(unit=df["item_a"] + "|" + df["item_b"]).pivot(
        index="unit", columns="annotator", values="outcome")
    # orientation="given": docA / docB of each HIT, as the package sees the raw answers
    codes = wide.replace({"a": 0, "b": 1, "tie": 2}).to_numpy(dtype=float)
    assert res.krippendorff_alpha == pytest.approx(krippendorff.alpha(
        reliability_data=codes.T, level_of_measurement="nominal"), abs=1e-12)
    assert round(res.krippendorff_alpha, 4) == 0.2326
    # label order instead (raw agreement unchanged, chance agreement slightly different)
    res_sorted = ag.agreement(df, n_resamples=0, cluster="query")
    assert res_sorted.agreeing_pairs == res.agreeing_pairs
    assert round(res_sorted.krippendorff_alpha, 4) == 0.2373
    tab = res.annotators
    assert tab["n_labels"].sum() == 2805
    assert tab.loc[4, "tie_rate"] == 0.0 and tab.loc[4, "majority_agreement"] < 0.3


# --------------------------------------------------------------------------- ceilings
def test_ceilings_closed_form_two_items():
    p = 0.8
    res = ag.ceilings([math.log(p / (1 - p)), 0.0], [[0, 1]])
    assert res.agreement == pytest.approx(p ** 2 + (1 - p) ** 2)          # 0.68
    assert res.accuracy == pytest.approx(p)                                # 0.80
    assert res.log_loss == pytest.approx(-(p * math.log(p) + (1 - p) * math.log(1 - p)))
    assert res.brier == pytest.approx(1 - 0.68)
    assert res.brier_no_ties == pytest.approx(p * (1 - p))
    assert res.agreement_no_ties == pytest.approx(0.68)
    assert res.accuracy_no_ties == pytest.approx(0.8)
    assert res.draws is None and np.isnan(res.confidence_interval().low).all()


def test_ceilings_closed_form_thurstone_and_rao_kupper():
    d, theta = 0.7, 2.0
    eta = math.log(theta)
    th = ag.ceilings([d, 0.0], [[0, 1], [1, 0]], model="thurstone")
    p = ndtr(d)
    assert th.agreement == pytest.approx(p ** 2 + (1 - p) ** 2)
    assert th.accuracy == pytest.approx(p)
    rk = ag.ceilings([d, 0.0], [[0, 1]], model="rao-kupper", theta=theta)
    pa, pb = expit(d - eta), expit(-d - eta)
    pt = 1 - pa - pb
    assert rk.agreement == pytest.approx(pa ** 2 + pb ** 2 + pt ** 2)
    assert rk.accuracy == pytest.approx(max(pa, pb, pt))
    assert rk.agreement_no_ties == pytest.approx((pa ** 2 + pb ** 2) / (pa + pb) ** 2)
    assert rk.accuracy_no_ties == pytest.approx(max(pa, pb) / (pa + pb))
    ent = -sum(x * math.log(x) for x in (pa, pb, pt))
    assert rk.log_loss == pytest.approx(ent)
    r = pa / (pa + pb)
    assert rk.log_loss_no_ties == pytest.approx(-(r * math.log(r) + (1 - r) * math.log(1 - r)))


@given(st.lists(st.floats(-4, 4), min_size=2, max_size=6),
       st.lists(st.tuples(st.integers(0, 5), st.integers(1, 5)), min_size=1, max_size=12),
       st.floats(0.0, 1.5))
def test_ceiling_kernel_matches_naive(scores, pairs, eta):
    n = len(scores)
    s = np.array(scores)
    pr = np.array([(i % n, (i + j) % n) for i, j in pairs])
    pr = pr[pr[:, 0] != pr[:, 1]]
    if pr.shape[0] == 0:
        return
    theta = math.exp(eta)
    res = ag.ceilings(s, pr, model="rao-kupper", theta=max(theta, 1.0))
    sc = s - s.mean()
    d = sc[pr[:, 0]] - sc[pr[:, 1]]
    pa, pb = expit(d - eta), expit(-d - eta)
    pt = np.clip(1 - pa - pb, 0, None)
    p = np.stack([pa, pb, pt], 1)
    assert res.agreement == pytest.approx(np.mean((p ** 2).sum(1)), abs=1e-12)
    assert res.accuracy == pytest.approx(np.mean(p.max(1)), abs=1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        ent = -np.nansum(np.where(p > 0, p * np.log(p), 0.0), 1)
    assert res.log_loss == pytest.approx(np.mean(ent), abs=1e-9)
    assert res.accuracy_no_ties == pytest.approx(np.maximum(pa, pb).sum() / (pa + pb).sum(),
                                                 abs=1e-12)


def test_ceilings_from_a_fit_and_its_design():
    fit = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    res = ag.ceilings(fit, n_draws=200, rng=3)
    counts = fit.comparisons.counts_frame()
    w = (counts["wins_a"] + counts["wins_b"] + counts["ties"]).to_numpy()
    p = fit.probabilities(counts["item_a"], counts["item_b"])
    probs = np.stack([p.a_wins, p.b_wins, p.tie], 1)
    assert res.agreement == pytest.approx(np.sum(w * (probs ** 2).sum(1)) / w.sum())
    assert res.accuracy == pytest.approx(np.sum(w * probs.max(1)) / w.sum())
    assert res.n_comparisons == fit.n_comparisons
    again = ag.ceilings(fit, n_draws=200, rng=3)
    np.testing.assert_array_equal(res.draws, again.draws)
    ci = res.confidence_interval()
    assert (ci["low"] <= ci["high"]).all()
    pct = res.confidence_interval(interval="percentile")
    assert ci.interval == "basic" and pct.interval == "percentile"
    assert np.allclose(pct.low + ci.high, 2 * res.estimates)
    assert "Bayes accuracy ceiling" in res.summary()
    assert set(res.to_frame().columns) == {"estimate", "bias", "low", "high"}


def test_ceilings_accept_bootstrap_draws_by_duck_typing():
    fit = btstats.fit(btstats.load_example("baseball"))
    draws = fit.scores.to_numpy() + np.random.default_rng(0).normal(0, 0.1, (50, 7))

    class FakeBootstrap:
        bootstrap_distribution = draws

    a = ag.ceilings(fit, bootstrap=draws)
    b = ag.ceilings(fit, bootstrap=FakeBootstrap())
    np.testing.assert_array_equal(a.draws, b.draws)
    assert a.draws.shape == (50, 8) and a.source == "bootstrap"
    with pytest.raises(DataError, match="shape"):
        ag.ceilings(fit, bootstrap=draws[:, :3])
    rk = btstats.fit(btstats.load_example("springall"), "rao-kupper")
    d2 = np.column_stack([np.tile(rk.scores.to_numpy(), (10, 1)), np.full(10, rk.theta)])
    res = ag.ceilings(rk, bootstrap=d2)
    assert np.allclose(res.draws, res.estimates)
    with pytest.raises(DataError, match="theta"):
        ag.ceilings(rk, bootstrap=np.column_stack([d2[:, :-1], np.full(10, 0.5)]))


def test_ceilings_design_inputs_and_errors():
    s = pd.Series([1.0, 0.0, -1.0], index=["x", "y", "z"])
    comp = btstats.Comparisons.from_frame(pd.DataFrame(
        {"item_a": ["x", "z"], "item_b": ["y", "y"], "outcome": [1, 0]}))
    by_comp = ag.ceilings(s, comp)
    by_codes = ag.ceilings(s, [[0, 1], [2, 1]])
    assert by_comp.agreement == pytest.approx(by_codes.agreement)

    class Design:
        a = np.array([0, 2])
        b = np.array([1, 1])

    assert ag.ceilings(s, Design()).accuracy == pytest.approx(by_codes.accuracy)
    with pytest.raises(DataError, match="design"):
        ag.ceilings(s)
    with pytest.raises(DataError, match="itself"):
        ag.ceilings(s, [[0, 0]])


def test_simulated_agreement_falls_in_model_interval():
    """Empirical agreement of iid labels lies in the model-implied interval ~95% of the time."""
    rng = np.random.default_rng(20240611)
    inside = 0
    reps = 30
    for rep in range(reps):
        s = rng.normal(size=8)
        df = simulate_labels(rng, s, 300, 5, eta=0.4)
        emp = ag.agreement(df, n_resamples=0)
        fit = btstats.fit(df, "rao-kupper")
        ci = ag.ceilings(fit, n_draws=300, rng=rep).confidence_interval(0.95)
        inside += ci.low["agreement"] <= emp.agreement <= ci.high["agreement"]
    # at least nominal coverage is not rejected (one-sided binomial test at 1%)
    assert stats.binomtest(inside, reps, 0.95, alternative="less").pvalue > 0.01


# --------------------------------------------------------------------------- CLI
def _parse(argv):
    parser = argparse.ArgumentParser(prog="btstats")
    sub = parser.add_subparsers(dest="command")
    cli_agreement.add_parser(sub)
    return parser.parse_args(["agreement"] + argv)


def _pandalm_csv(tmp_path, data_dir):
    path = tmp_path / "pandalm.csv"
    df = pandalm_frame(data_dir).rename(columns={"annotator": "who", "cluster": "idx"})
    df.to_csv(path, index=False)
    return path


def test_cli_agreement_table(tmp_path, data_dir, capsys):
    path = _pandalm_csv(tmp_path, data_dir)
    code = cli_agreement.run(_parse([str(path), "--annotator", "who", "--cluster", "idx",
                                     "--n-resamples", "100"]))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "2757/2997" in out and "0.8520" in out and "Bayes accuracy ceiling" in out
    assert "beta" in out and "flag" in out


def test_cli_agreement_json_and_csv(tmp_path, data_dir, capsys):
    path = _pandalm_csv(tmp_path, data_dir)
    assert cli_agreement.run(_parse([str(path), "--annotator", "who", "--cluster", "idx",
                                     "--n-resamples", "0", "--format", "json"])) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["agreeing_pairs"] == 2757 and len(out["annotators"]) == 3
    assert {r["statistic"] for r in out["statistics"]} >= {"krippendorff_alpha", "accuracy"}
    assert cli_agreement.run(_parse([str(path), "--annotator", "who", "--n-resamples", "0",
                                     "--format", "csv"])) == 0
    text = capsys.readouterr().out
    assert text.startswith("section,statistic,estimate,low,high")


def test_cli_agreement_music_latin1(data_dir, capsys):
    args = [str(data_dir / "music_judgments.csv"), "--annotator", "WorkerId",
            "--item-a", "Input.docA", "--item-b", "Input.docB", "--outcome", "Answer.radio",
            "--tie-values", "s", "--within", "Input.query", "--penalty", "0.01",
            "--annotator-penalty", "1", "--n-resamples", "0"]
    bad = cli_agreement.run(_parse(args))
    err = capsys.readouterr().err
    assert bad == 2 and err.count("\n") == 1 and "--encoding" in err
    assert cli_agreement.run(_parse(args + ["--encoding", "latin-1"])) == 0
    out, err = capsys.readouterr()
    assert "6597/12600" in out and "dropped 5 row(s)" in err


@pytest.mark.parametrize("argv, message", [
    (["missing.csv", "--annotator", "who"], "no such file"),
    (["{csv}", "--annotator", "nobody"], "nobody"),
    (["{csv}", "--annotator", "who", "--outcome", "nope"], "nope"),
    (["{csv}", "--annotator", "who", "--confidence-level", "2"], "confidence"),
])
def test_cli_agreement_bad_input_exits_2(tmp_path, data_dir, capsys, argv, message):
    path = _pandalm_csv(tmp_path, data_dir)
    argv = [a.replace("{csv}", str(path)) for a in argv]
    assert cli_agreement.run(_parse(argv)) == 2
    err = capsys.readouterr().err
    assert err.startswith("btstats: error:") and err.count("\n") == 1 and message in err


# --------------------------------------------------------------------------- agreement bounds
@given(st.lists(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3), min_size=1,
                max_size=8), st.sampled_from([2, 3]))
def test_accuracy_bounds_contain_the_bayes_accuracy(rows, k):
    p = np.array(rows)[:, :k] + 1e-9
    p /= p.sum(axis=1, keepdims=True)
    a = float(np.mean((p ** 2).sum(1)))
    lo, hi = ag.accuracy_bounds(min(max(a, 1 / k), 1.0), k)
    bayes = float(np.mean(p.max(1)))
    assert lo - 1e-9 <= bayes <= hi + 1e-9


def test_accuracy_bounds_values_and_errors():
    assert ag.accuracy_bounds(0.68) == pytest.approx((0.68, 0.8))
    assert ag.accuracy_bounds(0.5) == pytest.approx((0.5, 0.5))
    assert ag.accuracy_bounds(1 / 3, 3) == pytest.approx((1 / 3, 1 / 3))
    with pytest.raises(ValueError, match="lies in"):
        ag.accuracy_bounds(0.4, 2)
    df = simulate_labels(np.random.default_rng(9), [0.0, 2.0], 50, 4)
    tab = ag.agreement(df, n_resamples=0).accuracy_bounds()
    assert list(tab.index) == ["all_labels", "decisive_labels"]
    assert (tab["lower"] <= tab["upper"]).all()


def test_ceilings_of_comparison_data_say_to_fit_first():
    df = pd.DataFrame({"item_a": list("aab"), "item_b": list("bcc"), "outcome": [1, 0, 0.5]})
    with pytest.raises(TypeError, match="fit them first"):
        btstats.ceilings(df)
    with pytest.raises(ValueError, match="`rng` must be"):
        btstats.ceilings(pd.Series([0.5, -0.5], index=["a", "b"]), np.array([[0, 1]]), rng="x")
