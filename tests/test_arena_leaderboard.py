"""btstats.arena.leaderboard: LMArena's recipe (style covariates, 1/max(n_pair, 50) importance
weights, ties as half wins, HC0 sandwich with each battle a unit) against a hand computation
in numpy / scipy that shares no code with the fit."""
import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy.special import expit

import btstats
from btstats import arena
from btstats.exceptions import DataError

ELO = 400.0 / np.log(10.0)


def _battles(seed=11, m=2500, models="ABCDEF"):
    rng = np.random.default_rng(seed)
    a = rng.choice(list(models), m)
    b = np.array([rng.choice([x for x in models if x != y]) for y in a])
    ta, tb = rng.integers(20, 900, m), rng.integers(20, 900, m)
    ha, hb = rng.integers(0, 6, m), rng.integers(0, 6, m)
    s = dict(zip(models, np.linspace(0.7, -0.7, len(models))))
    z = (np.array([s[x] - s[y] for x, y in zip(a, b)]) + 0.6 * (ta - tb) / (ta + tb)
         - 0.2 * np.where(ha + hb > 0, (ha - hb) / np.maximum(ha + hb, 1), 0.0))
    u = rng.random(m)
    p = expit(z)
    winner = np.where(u < 0.1, "tie", np.where(rng.random(m) < p, "model_a", "model_b"))
    return pd.DataFrame({"model_a": a, "model_b": b, "winner": winner,
                         "sum_assistant_tokens_a": ta, "sum_assistant_tokens_b": tb,
                         "header_count_a": ha, "header_count_b": hb})


def _hand(battles, features, reweight):
    """The weighted MLE and the importance-weight HC0 sandwich, written out."""
    sf = arena.style_features(battles, features)
    x = sf.features.to_numpy()
    items = sorted(set(battles.model_a) | set(battles.model_b))
    code = {k: i for i, k in enumerate(items)}
    ia = battles.model_a.map(code).to_numpy()
    ib = battles.model_b.map(code).to_numpy()
    y = np.where(battles.winner == "model_a", 1.0, np.where(battles.winner == "tie", 0.5, 0.0))
    w = (arena.battle_weights(battles.model_a, battles.model_b) if reweight
         else np.ones(len(battles)))
    n, k = len(items), x.shape[1]
    # design: item columns 1..n-1 (item 0 the reference), then the features
    d = np.zeros((len(battles), n - 1 + k))
    for col, sign in ((ia, 1.0), (ib, -1.0)):
        keep = col > 0
        d[np.flatnonzero(keep), col[keep] - 1] += sign
    d[:, n - 1:] = x

    def nll(t):
        z = d @ t
        return -np.sum(w * (y * np.log(expit(z)) + (1 - y) * np.log(expit(-z))))

    def grad(t):
        return -d.T @ (w * (y - expit(d @ t)))

    t = optimize.minimize(nll, np.zeros(d.shape[1]), jac=grad, method="BFGS",
                          options={"gtol": 1e-11, "maxiter": 10_000}).x
    for _ in range(5):  # Newton polish
        p = expit(d @ t)
        info = (d * (w * p * (1 - p))[:, None]).T @ d
        t = t + np.linalg.solve(info, d.T @ (w * (y - p)))
    p = expit(d @ t)
    info = (d * (w * p * (1 - p))[:, None]).T @ d
    g = d * (w * (y - p))[:, None]
    bread = np.linalg.inv(info)
    v = bread @ (g.T @ g) @ bread
    scores = np.concatenate([[0.0], t[:n - 1]])
    return items, scores, t[n - 1:], v, sf.names


@pytest.mark.parametrize("reweight", [True, False])
def test_leaderboard_equals_the_recipe_written_out(reweight):
    battles = _battles()
    feats = ["sum_assistant_tokens", "header_count"]
    items, s_ref, beta, v, names = _hand(battles, feats, reweight)
    lb = arena.leaderboard(battles, features=feats, reweight=reweight)
    style = lb.style
    np.testing.assert_allclose(style.loc[names, "estimate"], beta, atol=1e-8)
    n = len(items)
    np.testing.assert_allclose(style.loc[names, "se"], np.sqrt(np.diag(v)[n - 1:]),
                               rtol=1e-7)
    table = lb.table.set_index("model").loc[items]
    rating = table["rating"].to_numpy()
    np.testing.assert_allclose(rating - rating[0], ELO * (s_ref - s_ref[0]), atol=1e-6)
    # the variance of every score difference against the reference item
    cov = lb.covariance.loc[items, items].to_numpy()
    var_diff = np.array([cov[0, 0] + cov[i, i] - 2 * cov[0, i] for i in range(1, n)])
    np.testing.assert_allclose(var_diff, np.diag(v)[:n - 1], rtol=1e-7)
    np.testing.assert_allclose(table["se"].to_numpy(), ELO * np.sqrt(np.diag(cov)), rtol=1e-12)
    assert lb.fit.converged
    assert np.isclose(rating.mean(), 1000.0)


def test_anchor_rank_ub_and_intervals():
    battles = _battles(seed=5)
    lb = arena.leaderboard(battles, features=["sum_assistant_tokens"])
    lb2 = arena.leaderboard(battles, features=["sum_assistant_tokens"], anchor={"C": 1200.0})
    r1 = lb.table.set_index("model")["rating"]
    r2 = lb2.table.set_index("model")["rating"]
    assert r2["C"] == pytest.approx(1200.0)
    np.testing.assert_allclose((r2 - r1).to_numpy(), (r2 - r1).iloc[0], atol=1e-9)
    expected = btstats.rank_upper_bound(lb.table["ci_low"].to_numpy(),
                                        lb.table["ci_high"].to_numpy()).to_numpy()
    np.testing.assert_array_equal(lb.table["rank_ub"].to_numpy(), expected)
    ci = lb.confidence_interval(0.9)
    assert ((ci.low < r1[ci.low.index]) & (r1[ci.low.index] < ci.high)).all()
    wide = lb.confidence_interval(0.99)
    assert (wide.high - wide.low > ci.high - ci.low).all()
    assert "Arena leaderboard" in lb.summary() and "<table" in lb._repr_html_()


def test_clustered_intervals_are_the_cluster_sandwich():
    battles = _battles(seed=8)
    battles["prompt"] = np.arange(len(battles)) // 5
    lb = arena.leaderboard(battles, features=["sum_assistant_tokens"], cluster="prompt",
                           reweight=False)
    assert "cluster" in lb.covariance_type
    direct = btstats.fit(
        btstats.Comparisons.from_arena(
            battles.join(arena.style_features(battles, ["sum_assistant_tokens"]).features),
            cluster="prompt", covariates=["sum_assistant_tokens"]),
        ties="half", covariates=["sum_assistant_tokens"], covariance_type="cluster")
    np.testing.assert_allclose(lb.style["se"].to_numpy(),
                               direct.coefficients.loc[["sum_assistant_tokens"], "se"],
                               rtol=1e-10)


def test_the_input_is_left_alone_and_bad_input_is_named():
    battles = _battles(seed=2, m=600)
    before = battles.copy()
    arena.leaderboard(battles, features=["sum_assistant_tokens"])
    pd.testing.assert_frame_equal(battles, before)
    with pytest.raises(DataError, match="not in the battles"):
        arena.leaderboard(battles, features=["sum_assistant_tokens"], anchor={"Z": 1000})
    with pytest.raises(TypeError, match="one-entry dict"):
        arena.leaderboard(battles, features=["sum_assistant_tokens"], anchor=1000)
    with pytest.raises(TypeError, match="`style`"):
        arena.leaderboard(battles, style="yes")
    with pytest.raises(DataError, match="cluster='user'"):
        arena.leaderboard(battles, features=["sum_assistant_tokens"], cluster="user")
    with pytest.raises(DataError, match="model_b"):
        arena.leaderboard(battles.drop(columns="model_b"), features=["sum_assistant_tokens"])
    with pytest.raises(ValueError, match="confidence_level"):
        arena.leaderboard(battles, features=["sum_assistant_tokens"], confidence_level=95)
