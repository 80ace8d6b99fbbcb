"""The simulators: goodness of fit, recovery, annotation, designs, reproducibility, errors.

Statistical checks run on fixed seeds and pass at the 1% level (chi-square, binomial or
z-tests against the model's own probabilities, computed independently here with
scipy.special); a failure means the sampler, not the seed, is wrong.
"""
import importlib
import math

import numba
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, special, stats

import btstats
from btstats._kernels import links as _links
from btstats._kernels import sample as _sample
from btstats.exceptions import DataError, NoMLEError
from btstats.models.model import get_model

sm = importlib.import_module("btstats.simulate")   # btstats.simulate is the function

SCORES = np.array([1.2, 0.4, 0.0, -0.7, -1.5])


def naive_probs(model, d, theta=None):
    """P(a wins), P(tie), P(b wins) from scipy.special, independently of btstats' kernels."""
    d = np.asarray(d, dtype=float)
    if model == "thurstone":
        return special.ndtr(d), np.zeros_like(d), special.ndtr(-d)
    eta = 0.0 if theta is None else math.log(theta)
    p_a = special.expit(d - eta)
    p_b = special.expit(-d - eta)
    return p_a, 1.0 - p_a - p_b, p_b


def chi_square_p(observed, expected):
    """Pearson chi-square p-value over the cells with positive expectation."""
    observed = np.asarray(observed, dtype=float).ravel()
    expected = np.asarray(expected, dtype=float).ravel()
    keep = expected > 0
    assert observed[~keep].sum() == 0, "an outcome of probability zero was drawn"
    stat = (((observed - expected) ** 2)[keep] / expected[keep]).sum()
    return float(stats.chi2.sf(stat, keep.sum() - 1))


def outcome_counts(data, items):
    """Counts of (a wins, tie, b wins) per ordered pair (i, j) of codes."""
    a = pd.Index(items).get_indexer(data["item_a"].astype(object))
    b = pd.Index(items).get_indexer(data["item_b"].astype(object))
    code = np.select([data["outcome"] == 1.0, data["outcome"] == 0.5], [0, 1], 2)
    n = len(items)
    counts = np.zeros((n, n, 3))
    np.add.at(counts, (a, b, code), 1)
    return counts


# --------------------------------------------------------------------------- goodness of fit
@pytest.mark.parametrize("model,theta,seed", [("bradley-terry", None, 1),
                                              ("thurstone", None, 2),
                                              ("rao-kupper", 1.8, 3)])
def test_outcome_frequencies_match_the_model(model, theta, seed):
    # 200 rounds of a 5-item round robin: 2,000 comparisons, 10 ordered pairs x 2 or 3 cells.
    sim = sm.simulate(SCORES, sm.round_robin(5, 200), model=model, theta=theta, rng=seed)
    counts = outcome_counts(sim.data, range(5))
    expected = np.zeros_like(counts)
    s = sim.scores.to_numpy()
    for i in range(5):
        for j in range(5):
            if i != j:
                p = naive_probs(model, s[i] - s[j], theta)
                expected[i, j] = counts[i, j].sum() * np.array([float(x) for x in p])
    # one multinomial per ordered pair: df = pairs x (cells - 1)
    n_cells = 3 if model == "rao-kupper" else 2
    keep = expected > 1e-12
    stat = (((counts - expected) ** 2)[keep] / expected[keep]).sum()
    df = 20 * (n_cells - 1)
    assert stats.chi2.sf(stat, df) > 0.01
    if model == "rao-kupper":
        assert 0 < (sim.data["outcome"] == 0.5).sum() < len(sim.data)
    else:
        assert not (sim.data["outcome"] == 0.5).any()


@pytest.mark.parametrize("model,theta", [("bradley-terry", None), ("thurstone", None),
                                         ("rao-kupper", 2.5)])
def test_rvs_frequencies_per_pair(model, theta):
    d = np.array([-2.0, -0.3, 0.0, 0.8, 3.0])
    scores = np.concatenate([d, [0.0]])
    pairs = np.stack([np.arange(5), np.full(5, 5)], axis=1)
    draws = get_model(model).rvs(scores, pairs, n=4000, theta=theta, rng=11)
    assert draws.shape == (5, 4000)
    obs = np.array([[(draws[k] == v).sum() for v in (1.0, 0.5, 0.0)] for k in range(5)])
    exp = 4000 * np.stack(naive_probs(model, d, theta), axis=1)
    # one chi-square over the five multinomials: df = 5 x (cells - 1)
    keep = exp > 0
    assert obs[~keep].sum() == 0
    stat = (((obs - exp) ** 2)[keep] / exp[keep]).sum()
    assert stats.chi2.sf(stat, keep.sum() - 5) > 0.01


def test_annotator_mixture_frequencies():
    # position bias and tie propensity combine with the model as documented in annotator_pool
    pool = sm.annotator_pool(3, beta=[0.5, 1.0, 3.0], position_bias=[0.0, -0.4, 0.8],
                             position_lapse=[0.0, 0.3, -0.2], tie_propensity=[0.1, 0.0, 0.25])
    sim = sm.simulate(SCORES, sm.round_robin(5, 60), model="rao-kupper", theta=1.5,
                      annotators=pool, labels_per_pair=2, rng=5)
    d = sim.data
    a = d["item_a"].astype(int).to_numpy()
    b = d["item_b"].astype(int).to_numpy()
    j = pool.index.get_indexer(d["annotator"].astype(object))
    b_first = (d["position"] == "b").to_numpy()
    s = sim.scores.to_numpy()
    beta, gamma, q, t = (pool[c].to_numpy()[j] for c in ("beta", "position_bias",
                                                         "position_lapse", "tie_propensity"))
    x = np.where(b_first, -1.0, 1.0)
    pa, ptie, _ = naive_probs("rao-kupper", beta * (s[a] - s[b]) + gamma * x, 1.5)
    favours_a = np.where(q > 0, ~b_first, b_first)
    p_a = (1 - t) * (1 - np.abs(q)) * pa + (1 - t) * np.abs(q) * favours_a
    p_tie = t + (1 - t) * (1 - np.abs(q)) * ptie
    probs = np.stack([p_a, p_tie, 1 - p_a - p_tie], axis=1)
    code = np.select([d["outcome"] == 1.0, d["outcome"] == 0.5], [0, 1], 2)
    # group the labels by (annotator, ordered pair, shown order): a multinomial per group
    key = ((j * 5 + a) * 5 + b) * 2 + b_first
    groups, inv = np.unique(key, return_inverse=True)
    obs = np.zeros((groups.size, 3))
    np.add.at(obs, (inv, code), 1)
    exp = np.zeros((groups.size, 3))
    np.add.at(exp, inv, probs)
    keep = exp > 1e-12
    assert obs[~keep].sum() == 0
    stat = (((obs - exp) ** 2)[keep] / exp[keep]).sum()
    df = keep.sum() - groups.size
    assert stats.chi2.sf(stat, df) > 0.01
    # every label from a different annotator within a comparison
    pairs_of_labels = j.reshape(-1, 2)
    assert np.all(pairs_of_labels[:, 0] != pairs_of_labels[:, 1])


# --------------------------------------------------------------------------- the kernels
@pytest.mark.parametrize("link,eta", [(_links.LOGISTIC, 0.0), (_links.PROBIT, 0.0),
                                      (_links.LOGISTIC, 0.6)])
def test_kernel_against_naive_inversion(link, eta):
    rng = np.random.default_rng(3)
    s = rng.normal(0, 2, 30)
    a, b = sm.designs._uniform_pairs(30, 5000, rng)
    u = rng.random(5000)
    out = np.empty(5000)
    _sample.outcomes_1d(link, s, eta, a, b, u, out)
    model = "thurstone" if link == _links.PROBIT else "rao-kupper"
    p_a, p_tie, _ = naive_probs(model, s[a] - s[b], math.exp(eta))
    want = np.where(u < p_a, 1.0, np.where(u < p_a + p_tie, 0.5, 0.0))
    close = (np.abs(u - p_a) < 1e-12) | (np.abs(u - p_a - p_tie) < 1e-12)
    assert np.array_equal(out[~close], want[~close])
    # the table path gives the very same outcomes
    out2 = np.empty(5000)
    _sample.outcomes_table(*_sample.pair_table(link, s, eta), a, b, u, out2)
    assert np.array_equal(out, out2)
    # and the probabilities are those of the fit's likelihood kernel
    lp = np.empty(3)
    for k in range(20):
        _links.outcome_log_probs(link, s[a[k]] - s[b[k]], eta, lp)
        assert _sample.win_tie_probs(link, s[a[k]] - s[b[k]], eta) == \
            (math.exp(lp[0]), math.exp(lp[2]) if eta > 0 else 0.0)


def test_kernels_agree_with_their_python_versions():
    rng = np.random.default_rng(4)
    s = rng.normal(size=6)
    a, b = sm.designs._uniform_pairs(6, 300, rng)
    who = rng.integers(0, 3, 300).astype(np.int32)
    first = rng.integers(0, 2, 300).astype(np.int8)
    args = (0, s, 0.4, a, b, who, first, np.array([0.5, 1.0, 2.0]), np.array([0.2, 0.0, -1.0]),
            np.array([0.0, 0.3, -0.5]), np.array([0.1, 0.0, 0.2]), rng.random(300))
    jit_out, py_out = np.empty(300), np.empty(300)
    _sample.annotated_outcomes(*args, jit_out)
    _sample.annotated_outcomes.py_func(*args, py_out)
    assert np.array_equal(jit_out, py_out)
    u = rng.random((2000, 3))
    c1 = np.empty((2000, 3), np.int32)
    c2 = np.empty((2000, 3), np.int32)
    _sample.distinct_choices(5, u, c1)
    _sample.distinct_choices.py_func(5, u, c2)
    assert np.array_equal(c1, c2)


def test_distinct_choices_are_uniform_without_replacement():
    u = np.random.default_rng(8).random((30000, 2))
    out = np.empty((30000, 2), np.int32)
    _sample.distinct_choices(4, u, out)
    assert np.all(out[:, 0] != out[:, 1]) and out.min() == 0 and out.max() == 3
    counts = np.bincount(out[:, 0] * 4 + out[:, 1], minlength=16).reshape(4, 4)
    off = ~np.eye(4, dtype=bool)
    assert np.all(counts[~off] == 0)
    assert chi_square_p(counts[off], np.full(12, 30000 / 12)) > 0.01


# --------------------------------------------------------------------------- recovery
def test_recovery_error_shrinks_like_one_over_sqrt_n():
    truth = np.linspace(-1.0, 1.0, 8)
    sizes = 250 * 2 ** np.arange(7)                       # 250 .. 16,000 comparisons
    rng = np.random.default_rng(2024)
    rmse = []
    for m in sizes:
        errs = []
        for _ in range(24):
            sim = sm.simulate(truth, sm.random_pairs(8, int(m), rng=rng), rng=rng)
            res = btstats.fit(sim.comparisons)
            errs.append(np.sqrt(np.mean(sim.compare(res)["error"] ** 2)))
        rmse.append(np.mean(errs))
    slope = np.polyfit(np.log(sizes), np.log(rmse), 1)[0]
    assert -0.6 <= slope <= -0.4, slope


def test_textbook_example_and_both_fit_inputs():
    truth = pd.Series([2.0, 1.0, 0.5, -0.5, -1.5], index=list("ABCDE"))
    sim = sm.simulate(truth, sm.round_robin(5, 40), rng=7)
    assert len(sim.data) == 400 and sim.scores.sum() == pytest.approx(0, abs=1e-12)
    assert np.allclose(sim.scores, truth - truth.mean())
    assert sim.utilities.equals(truth.rename("utility"))
    r1 = btstats.fit(sim.data)
    r2 = btstats.fit(sim.comparisons)
    assert np.allclose(r1.scores, r2.scores, atol=1e-12)
    cmp = sim.compare(r1)
    assert list(cmp.columns) == ["true", "fitted", "error"]
    assert np.corrcoef(cmp["true"], cmp["fitted"])[0, 1] > 0.99
    assert cmp["error"].abs().max() < 3 * r1.standard_errors.max()


# --------------------------------------------------------------------------- annotation
def sigma_abs_expectation(beta, sd):
    """E[sigma(beta |D|)], D ~ N(0, sd^2), by quadrature (Example 1 of Sun, Shen & Ton)."""
    # |D| is half-normal with density 2 phi(x / sd) / sd on x > 0
    f = lambda x: special.expit(beta * x) * 2.0 * stats.norm.pdf(x, scale=sd)  # noqa: E731
    return integrate.quad(f, 0.0, np.inf)[0]


def correct_labels(sim):
    u = sim.utilities
    ua = u.loc[sim.data["item_a"].astype(str)].to_numpy()
    ub = u.loc[sim.data["item_b"].astype(str)].to_numpy()
    a_better = ua > ub
    return (sim.data["outcome"].to_numpy() == 1.0) == a_better, np.abs(ua - ub)


def test_each_annotator_is_as_accurate_as_the_bottleneck_model():
    betas = [0.25, 1.0, 2.0, 5.0]
    sim = sm.simulate_annotation(4000, 4, pairing="same-prompt", n_annotators=4, beta=betas,
                                 rng=21)
    correct, gap = correct_labels(sim)
    who = sim.data["annotator"].astype(str).to_numpy()
    closed_form = [sigma_abs_expectation(bt, math.sqrt(2.0)) for bt in betas]
    for j, beta in enumerate(betas):
        mine = who == f"ann{j}"
        p = special.expit(beta * gap[mine])              # given the pairs drawn
        z = (correct[mine].sum() - p.sum()) / np.sqrt((p * (1 - p)).sum())
        assert 2 * stats.norm.sf(abs(z)) > 0.01
        # and unconditionally, E[sigma(beta |D|)] with D ~ N(0, 2): one pair per prompt, iid
        test = stats.binomtest(int(correct[mine].sum()), int(mine.sum()), closed_form[j])
        assert test.pvalue > 0.01
    assert closed_form == sorted(closed_form)


def test_cross_prompt_pairs_differ_more_than_same_prompt_pairs():
    # Proposition 10 of Sun, Shen & Ton (2024): with prompt effects, cross-prompt pairs have a
    # larger mean |delta u| and so more accurate labels.
    common = dict(prompt_sd=1.0, response_sd=1.0, rng=9)
    same = sm.simulate_annotation(5000, 4, pairing="same-prompt", **common)
    cross = sm.simulate_annotation(5000, 4, pairing="cross-prompt", **common)
    _, gap_same = correct_labels(same)
    _, gap_cross = correct_labels(cross)
    assert gap_cross.mean() > gap_same.mean()
    # E|N(0, v)| = sqrt(2 v / pi): v = 2 (same prompt) and 4 (cross prompt)
    for gap, v in ((gap_same, 2.0), (gap_cross, 4.0)):
        z = (gap.mean() - math.sqrt(2 * v / math.pi)) / (gap.std() / math.sqrt(gap.size))
        assert abs(z) < 3.3
    assert (cross.data["prompt_a"] != cross.data["prompt_b"]).all()
    item_prompt = same.item_info["prompt"]
    assert (item_prompt.loc[same.data["item_a"].astype(str)].to_numpy() ==
            same.data["prompt"].astype(str).to_numpy()).all()
    assert (item_prompt.loc[same.data["item_b"].astype(str)].to_numpy() ==
            same.data["prompt"].astype(str).to_numpy()).all()


@pytest.mark.parametrize("beta,response_sd,seed", [(1.0, 1.0, 1), (2.0, 0.5, 2),
                                                   (0.7, 2.0, 3)])
def test_same_prompt_quality_matches_example_1(beta, response_sd, seed):
    sim = sm.simulate_annotation(6000, 3, pairing="same-prompt", prompt_sd=2.0,
                                 response_sd=response_sd, beta=beta, rng=seed)
    correct, _ = correct_labels(sim)
    q = sigma_abs_expectation(beta, math.sqrt(2.0) * response_sd)
    assert sm.annotation_accuracy(beta, math.sqrt(2.0) * response_sd) == \
        pytest.approx(q, abs=1e-9)
    assert stats.binomtest(int(correct.sum()), correct.size, q).pvalue > 0.01


def test_cross_prompt_quality_and_the_probit_closed_form():
    sim = sm.simulate_annotation(6000, 3, pairing="cross-prompt", prompt_sd=1.5,
                                 response_sd=0.5, beta=1.0, rng=4)
    correct, _ = correct_labels(sim)
    q = sigma_abs_expectation(1.0, math.sqrt(2 * (1.5 ** 2 + 0.5 ** 2)))
    assert stats.binomtest(int(correct.sum()), correct.size, q).pvalue > 0.01
    # for the normal link E[Phi(c |Z|)] = 1/2 + arcsin(c / sqrt(1 + c^2)) / pi
    c = 1.3 * 0.8
    assert sm.annotation_accuracy(1.3, 0.8, model="thurstone") == \
        pytest.approx(0.5 + math.asin(c / math.sqrt(1 + c * c)) / math.pi, abs=1e-10)
    assert sm.annotation_accuracy(0.0, 1.0) == 0.5


def test_similar_and_diversified_pairings_pick_by_rank():
    sim = sm.simulate_annotation(50, 5, pairing="similar", pairs_per_prompt=2, rng=1)
    info = sim.item_info
    rank = info.groupby("prompt")["utility"].rank(method="first").astype(int) - 1
    ra = rank.loc[sim.data["item_a"].astype(str)].to_numpy()
    rb = rank.loc[sim.data["item_b"].astype(str)].to_numpy()
    lo, hi = np.minimum(ra, rb).reshape(-1, 2), np.maximum(ra, rb).reshape(-1, 2)
    assert (lo[:, 0] == 2).all() and (hi[:, 0] == 3).all()     # middle pair of 5: ranks 2, 3
    assert (lo[:, 1] == 1).all() and (hi[:, 1] == 2).all()     # next closest to the middle
    div = sm.simulate_annotation(50, 4, pairing="diversified", pairs_per_prompt=2, rng=1)
    rank = div.item_info.groupby("prompt")["utility"].rank(method="first").astype(int) - 1
    ra = rank.loc[div.data["item_a"].astype(str)].to_numpy()
    rb = rank.loc[div.data["item_b"].astype(str)].to_numpy()
    pair = np.sort(np.stack([ra, rb], axis=1), axis=1).reshape(-1, 2, 2)
    assert (pair[:, 0] == [0, 3]).all() and (pair[:, 1] == [1, 2]).all()
    # random orientation: both sides win sometimes
    assert 0 < (ra > rb).mean() < 1


# --------------------------------------------------------------------------- designs
def test_round_robin_counts_and_orientation():
    d = sm.round_robin(4, 3)
    assert d.n_comparisons == 18
    pairs = np.sort(d.pairs, axis=1)
    _, counts = np.unique(pairs, axis=0, return_counts=True)
    assert (counts == 3).all()
    assert (d.a[6:12] > d.b[6:12]).all() and (d.a[:6] < d.b[:6]).all()


def test_random_pairs_are_uniform_and_follow_weights():
    d = sm.random_pairs(5, 40000, rng=3)
    counts = np.bincount(d.a * 5 + d.b, minlength=25).reshape(5, 5)
    off = ~np.eye(5, dtype=bool)
    assert np.all(np.diag(counts) == 0)
    assert chi_square_p(counts[off], np.full(20, 40000 / 20)) > 0.01
    w = np.outer([1.0, 2.0, 3.0, 0.0], [1.0, 2.0, 3.0, 0.0])
    np.fill_diagonal(w, 0)
    d = sm.random_pairs(4, 30000, weights=w, rng=4)
    counts = np.bincount(d.a * 4 + d.b, minlength=16).reshape(4, 4)
    assert chi_square_p(counts.ravel(), 30000 * w.ravel() / w.sum()) > 0.01


def test_sparse_connected_is_connected_with_every_item_twice():
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    d = sm.sparse_connected(5000, 6000, rng=2)
    assert d.n_comparisons == 6000 and not (d.a == d.b).any()
    adj = coo_matrix((np.ones(6000), (d.a, d.b)), shape=(5000, 5000))
    assert connected_components(adj, directed=False)[0] == 1
    assert np.bincount(np.concatenate([d.a, d.b]), minlength=5000).min() >= 2


def test_ensure_mle_redraws_until_a_finite_mle_exists():
    truth = np.random.default_rng(0).normal(0, 1, 300)
    design = sm.sparse_connected(300, 3000, ensure_mle=True, rng=1)
    sim = sm.simulate(truth, design, rng=2)
    assert sim.attempts > 1                    # a plain draw has no MLE here (seed-checked)
    btstats.fit(sim.data)                      # no NoMLEError
    plain = sm.simulate(truth, design, ensure_mle=False, rng=2)
    with pytest.raises(NoMLEError):
        btstats.fit(plain.data)
    with pytest.raises(NoMLEError, match="none of 100 draws"):
        sm.simulate(np.linspace(-40, 40, 50), sm.sparse_connected(50, 50, rng=0),
                    ensure_mle=True, rng=0)
    with pytest.raises(ValueError, match="unconnected groups"):
        sm.simulate(np.zeros(4), [[0, 1], [2, 3]], ensure_mle=True, rng=0)


def test_given_pairs_by_label_and_by_code():
    truth = pd.Series([1.0, 0.0, -1.0], index=["x", "y", "z"])
    sim = sm.simulate(truth, sm.given_pairs([["z", "x"], ["y", "x"]]), rng=0)
    assert sim.data["item_a"].astype(str).tolist() == ["z", "y"]
    sim = sm.simulate(np.arange(6.0), [[0, 1], [1, 2]], rng=0)      # codes, scores longer
    assert sim.data["item_b"].astype(int).tolist() == [1, 2] and sim.n_items == 6
    with pytest.raises(DataError, match="have no score"):
        sm.simulate(truth, sm.given_pairs([["x", "w"]]), rng=0)


# --------------------------------------------------------------------------- reproducibility
def test_seeds_reproduce_and_threads_do_not_matter():
    pool = sm.annotator_pool(5, beta=[0.5, 1, 2, 3, 4], tie_propensity=0.1)

    def run():
        rng = np.random.default_rng(123)
        design = sm.random_pairs(50, 20000, rng=rng)
        return sm.simulate(np.linspace(-2, 2, 50), design, annotators=pool,
                           labels_per_pair=3, rng=rng).data

    first = run()
    assert first.equals(run())
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        assert first.equals(run())
    finally:
        numba.set_num_threads(threads)
    a1 = sm.simulate_annotation(20, 3, n_annotators=3, labels_per_pair=2, rng=5).data
    a2 = sm.simulate_annotation(20, 3, n_annotators=3, labels_per_pair=2, rng=5).data
    a3 = sm.simulate_annotation(20, 3, n_annotators=3, labels_per_pair=2, rng=6).data
    assert a1.equals(a2) and not a1.equals(a3)
    model = get_model("thurstone")
    assert np.array_equal(model.rvs(SCORES, [[0, 1]] * 50, rng=1),
                          model.rvs(SCORES, [[0, 1]] * 50, rng=np.random.default_rng(1)))


def test_frame_columns_and_dtypes():
    sim = sm.simulate(pd.Series(SCORES, index=list("vwxyz")), sm.round_robin(5, 2),
                      annotators=2, rng=0)
    assert list(sim.data.columns) == ["item_a", "item_b", "outcome", "annotator", "position"]
    assert isinstance(sim.data["item_a"].dtype, pd.CategoricalDtype)
    assert set(sim.data["position"]) <= {"a", "b"}
    c = sim.comparisons
    assert list(c.extra.columns) == ["annotator", "position"]
    assert sim.annotators.index.tolist() == ["ann0", "ann1"]
    assert "Simulation(bradley-terry, 5 items, 20 rows" in repr(sim)
    cross = sm.simulate_annotation(5, 2, pairing="cross-prompt", rng=0)
    assert list(cross.data.columns) == ["item_a", "item_b", "outcome", "annotator",
                                        "prompt_a", "prompt_b", "position"]


# --------------------------------------------------------------------------- properties
@given(scores=st.lists(st.floats(-6, 6), min_size=2, max_size=6),
       model=st.sampled_from(["bradley-terry", "thurstone", "rao-kupper"]),
       tie_propensity=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 2 ** 32 - 1))
def test_outcomes_are_codes_and_ties_only_when_possible(scores, model, tie_propensity, seed):
    theta = 2.0 if model == "rao-kupper" else None
    annotators = sm.annotator_pool(2, tie_propensity=tie_propensity)
    sim = sm.simulate(scores, sm.round_robin(len(scores), 3), model=model, theta=theta,
                      annotators=annotators, rng=seed)
    out = sim.data["outcome"].to_numpy()
    assert set(np.unique(out)) <= {0.0, 0.5, 1.0}
    if model != "rao-kupper" and tie_propensity == 0.0:
        assert not (out == 0.5).any()
    assert sim.scores.sum() == pytest.approx(0.0, abs=1e-9)


@given(n_items=st.integers(2, 7), m=st.integers(1, 40), n=st.sampled_from([None, 1, 3]),
       seed=st.integers(0, 1000))
def test_rvs_shapes_and_values(n_items, m, n, seed):
    rng = np.random.default_rng(seed)
    scores = rng.normal(size=n_items)
    pairs = np.stack(sm.designs._uniform_pairs(n_items, m, rng), axis=1)
    out = get_model("bradley-terry").rvs(scores, pairs, n=n, rng=seed)
    assert out.shape == ((m,) if n is None else (m, n))
    assert set(np.unique(out)) <= {0.0, 1.0}


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize("call,exc,match", [
    (lambda: sm.round_robin(1, 2), ValueError, "`n_items` must be >= 2"),
    (lambda: sm.round_robin(3, 0), ValueError, "`k` must be >= 1"),
    (lambda: sm.round_robin(3, -2), ValueError, "`k`"),
    (lambda: sm.random_pairs(3, 0), ValueError, "`n_comparisons`"),
    (lambda: sm.random_pairs(3, 5, weights=np.ones((2, 2))), ValueError, "`weights`"),
    (lambda: sm.random_pairs(2, 5, weights=[[1, 1], [1, 0]]), ValueError, "fill_diagonal"),
    (lambda: sm.random_pairs(2, 5, weights=[[0, -1], [1, 0]]), ValueError, "non-negative"),
    (lambda: sm.sparse_connected(10, 9), ValueError, "`n_comparisons` must be >= `n_items`"),
    (lambda: sm.given_pairs([[0, 0]]), DataError, "with itself"),
    (lambda: sm.given_pairs([[0, -1]]), DataError, "`pairs` must hold non-negative"),
    (lambda: sm.given_pairs([0, 1, 2]), DataError, r"shape \(m, 2\)"),
    (lambda: sm.given_pairs(np.zeros((0, 2), int)), DataError, "empty"),
    (lambda: sm.simulate([1.0, np.nan], [[0, 1]]), DataError, "`scores` must be finite"),
    (lambda: sm.simulate([1.0], [[0, 1]]), DataError, "at least two items"),
    (lambda: sm.simulate(SCORES, sm.round_robin(4)), ValueError, "n_items=5"),
    (lambda: sm.simulate(SCORES, [[0, 9]]), ValueError, "only 5 items"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), model="rao-kupper", theta=0.5),
     ValueError, "`theta` must be >= 1"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), model="rao-kupper"), ValueError,
     "pass `theta`"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), theta=2.0), ValueError,
     "`theta` applies only"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), model="elo"), ValueError, "`model`"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), labels_per_pair=2), ValueError,
     "needs an annotator pool"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), annotators=2, labels_per_pair=3),
     ValueError, "must not exceed"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), annotators="x"), TypeError,
     "`annotators`"),
    (lambda: sm.simulate(SCORES, sm.round_robin(5), annotators=pd.DataFrame({"Beta": [1]})),
     ValueError, "unknown"),
    (lambda: sm.annotator_pool(3, beta=[1.0, 2.0]), ValueError, "`beta` must be a scalar"),
    (lambda: sm.annotator_pool(2, position_lapse=1.5), ValueError, r"`position_lapse`.*\[-1, 1\]"),
    (lambda: sm.annotator_pool(2, tie_propensity=-0.1), ValueError, "`tie_propensity`"),
    (lambda: sm.annotator_pool(0), ValueError, "`n_annotators`"),
    (lambda: sm.simulate_annotation(5, 1), ValueError, "`responses_per_prompt`"),
    (lambda: sm.simulate_annotation(5, 3, pairing="best"), ValueError, "`pairing`"),
    (lambda: sm.simulate_annotation(1, 3, pairing="cross-prompt"), ValueError, "n_prompts"),
    (lambda: sm.simulate_annotation(5, 4, pairing="diversified", pairs_per_prompt=3),
     ValueError, "`pairs_per_prompt` must be <= 2"),
    (lambda: sm.simulate_annotation(5, 4, prompt_sd=0, response_sd=0), ValueError, "both 0"),
    (lambda: sm.simulate_annotation(5, 4, response_sd=-1), ValueError, "`response_sd`"),
    (lambda: get_model("bt").rvs(SCORES, [[0, 5]]), DataError, "codes 0..4"),
    (lambda: get_model("bt").rvs(SCORES, [["x", "y"]]), DataError, "map labels to codes"),
    (lambda: get_model("bt").rvs(SCORES, [[0, 1]], n=0), ValueError, "`n` must be >= 1"),
    (lambda: sm.annotation_accuracy(1.0, -1.0), ValueError, "`delta_sd`"),
    (lambda: sm.annotation_accuracy(1.0, 1.0, model="rao-kupper"), ValueError, "without ties"),
])
def test_bad_input_raises_a_clear_error(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
