"""Item-level covariates, structured scores ``s_i = x_i' beta`` (issue 12, item 3).

Reference: ``tests/data/flatlizards.bt_covariates.json`` and ``flatlizards.abilities.csv``,
written by ``tests/data/r/issue12_references.R`` (BradleyTerry2 1.1.2; see
``tests/data/README_issue12.md``, section 2)::

    library(BradleyTerry2); data(flatlizards)
    BTm(1, winner, loser, ~ throat.PC1[..] + throat.PC3[..] + head.length[..] + SVL[..],
        family = binomial(link = "probit"), data = flatlizards)     # and link = "logit"
    # lizard096 and lizard099 lack throat.PC1/PC3: BTm sets their covariates to 0 and gives
    # each its own ability ..lizard096 / ..lizard099. lizard096 won all its 3 contests, so
    # its ability is +Inf: the JSON's limit_fit is the MLE of the other parameters, which is
    # the fit to the 97 contests without lizard096 (glm, then Newton-polished).

btstats refuses the full data (NoMLEError naming lizard096) and is checked against the limit
by dropping lizard096's contests. R's loglik is that of the limit (lizard096's contests add
0); its AIC counts lizard096's parameter (6 parameters), ours 5, so ``aic + 2`` is R's.
"""
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import btstats
from btstats.exceptions import DataError, NoMLEError

TOL = 1e-6
COLUMNS = ["throat.PC1", "throat.PC3", "head.length", "SVL"]
CASES = [("thurstone", "fixed_probit", "probit"), ("bradley-terry", "fixed_logit", "logit")]


@pytest.fixture(scope="module")
def lizards(data_dir):
    comp = pd.read_csv(data_dir / "flatlizards.comparisons.csv")
    cov = pd.read_csv(data_dir / "flatlizards.covariates.csv").set_index("lizard")
    ref = json.loads((data_dir / "flatlizards.bt_covariates.json").read_text())
    abilities = pd.read_csv(data_dir / "flatlizards.abilities.csv").set_index("lizard")
    return comp, cov, ref, abilities


def _without_096(comp):
    return comp[(comp["winner"] != "lizard096") & (comp["loser"] != "lizard096")]


def _name(r_name):
    """R's coefficient names to btstats': ``x[..]`` -> ``x``, ``..lizard099`` ->
    ``ability[lizard099]``."""
    return f"ability[{r_name[2:]}]" if r_name.startswith("..") else r_name.replace("[..]", "")


# --------------------------------------------------------------------------- references
@pytest.mark.parametrize("model,key,link", CASES)
def test_flatlizards_reference(lizards, model, key, link):
    comp, cov, ref, abilities = lizards
    lim = ref[key]["limit_fit"]
    res = btstats.fit(_without_096(comp), model, item_covariates=cov[COLUMNS])
    assert res.converged
    assert res.separate_items == ["lizard099"]
    assert res.missing_covariates == {"lizard099": ["throat.PC1", "throat.PC3"]}
    assert list(res.params.index) == COLUMNS + ["ability[lizard099]"]
    exp = res.with_covariance("expected")
    for r_name, c in lim["coefficients"].items():
        name = _name(r_name)
        obs = res.coefficients.loc[name]
        assert obs["estimate"] == pytest.approx(c["estimate"], abs=TOL)
        assert obs["se"] == pytest.approx(c["se_obs"], abs=TOL)
        assert obs["z"] == pytest.approx(c["z_obs"], abs=TOL)
        assert obs["p"] == pytest.approx(c["p_obs"], abs=TOL)
        # summary(BTm) reports the expected information's se, z, p (= observed for logit)
        row = exp.coefficients.loc[name]
        assert row["se"] == pytest.approx(c["se"], abs=TOL)
        assert row["z"] == pytest.approx(c["z"], abs=TOL)
        assert row["p"] == pytest.approx(c["p"], abs=TOL)
    names = [_name(r) for r in lim["cov_observed"]["rownames"]]
    cov_obs = np.array(lim["cov_observed"]["matrix"])
    got = res.parameter_covariance.loc[names, names].to_numpy()
    np.testing.assert_allclose(got, cov_obs, atol=TOL, rtol=0)
    assert res.loglik == pytest.approx(lim["loglik"], abs=TOL)
    assert res.deviance == pytest.approx(lim["deviance"], abs=TOL)
    assert res.n_params == lim["reduced_data_view"]["n_params"] == 5
    assert res.aic == pytest.approx(lim["reduced_data_view"]["aic"], abs=TOL)
    assert res.aic + 2 == pytest.approx(lim["aic"], abs=TOL)   # BTm counts ..lizard096
    # BTabilities: x_i' beta (not centred), lizard099's own ability; delta-method se
    want = abilities.drop(index="lizard096")
    got = res.abilities.loc[want.index]
    np.testing.assert_allclose(got["ability"], want[f"ability_{link}"], atol=TOL, rtol=0)
    np.testing.assert_allclose(got["se"], want[f"se_{link}"], atol=TOL, rtol=0)
    if link == "probit":
        np.testing.assert_allclose(exp.abilities.loc[want.index, "se"],
                                   want["se_exp_probit"], atol=TOL, rtol=0)
    # fit.scores: the same abilities centred to sum to zero over the fitted items
    np.testing.assert_allclose(res.scores, res.abilities["ability"]
                               - res.abilities["ability"].mean(), atol=1e-12)
    assert abs(res.scores.sum()) < 1e-12


@pytest.mark.parametrize("model", ["thurstone", "bradley-terry"])
def test_flatlizards_lizard096_refused(lizards, model):
    comp, cov, ref, _ = lizards
    with pytest.raises(NoMLEError, match="lizard096") as err:
        btstats.fit(comp, model, item_covariates=cov[COLUMNS])
    assert err.value.never_lose == ["lizard096"]
    assert "penalty" in str(err.value) and "Drop" in str(err.value)
    # the penalised fit with free item effects exists (a ridge on every item's effect)
    res = btstats.fit(comp, model, item_covariates=cov[COLUMNS], item_effects=True,
                      penalty=1.0)
    assert res.converged
    assert res.item_effects is not None
    assert res.scores["lizard096"] > res.scores.median()


def test_delta_method_covariance(lizards):
    """Var(scores) = C M V M' C, with M the map from the coefficients to the scores."""
    comp, cov, _, _ = lizards
    res = btstats.fit(_without_096(comp), "bradley-terry", item_covariates=cov[COLUMNS])
    v = res.parameter_covariance.loc[res.params.index, res.params.index].to_numpy()
    x = cov.loc[res.items, COLUMNS].to_numpy(dtype=float)
    sep = np.isnan(x).any(axis=1)          # lizard099: all its covariates set to 0
    m = np.column_stack([np.where(sep[:, None], 0.0, x), sep.astype(float)])
    c = np.eye(res.n_items) - 1.0 / res.n_items
    want = c @ m @ v @ m.T @ c
    np.testing.assert_allclose(res.covariance.to_numpy(), want, atol=1e-12)
    # a contrast of two implied scores: (x_a - x_b)' V (x_a - x_b)
    con = res.contrast("lizard003", "lizard005")
    d = m[0] - m[1]
    assert con.estimate == pytest.approx(d @ res.params.to_numpy(), abs=1e-12)
    assert con.standard_error == pytest.approx(np.sqrt(d @ v @ d), abs=1e-12)


def test_sandwich_cluster_and_summary(lizards):
    comp, cov, _, _ = lizards
    data = _without_096(comp).reset_index(drop=True)
    data["cluster"] = np.arange(len(data)) // 3
    res = btstats.fit(data, "bradley-terry", item_covariates=cov[COLUMNS])
    sw = res.with_covariance("sandwich")
    assert np.all(sw.coefficients["se"] > 0)
    assert not np.allclose(sw.coefficients["se"], res.coefficients["se"])
    cl = res.with_covariance("cluster", cluster="cluster")
    assert np.all(np.isfinite(cl.standard_errors))
    text = res.summary()
    assert "x_i' beta" in text and "lizard099" in text and "Coefficients" in text
    assert "ability[lizard099]" in res._repr_html_()
    with pytest.raises(NotImplementedError, match="bootstrap"):
        res.bootstrap(n_resamples=10)


# --------------------------------------------------------------------------- properties
def _indicators(items):
    """One indicator column per item but the first (the reference item)."""
    return pd.DataFrame(np.eye(len(items))[:, 1:], index=items,
                        columns=[f"is_{i}" for i in items[1:]])


@pytest.mark.parametrize("model,kw", [("bradley-terry", {}), ("thurstone", {}),
                                      ("davidson", {"order_effect": True})])
def test_indicator_columns_give_the_plain_fit(model, kw):
    data = btstats.load_example("home_ties" if model == "davidson" else "baseball")
    plain = btstats.fit(data, model, **kw)
    res = btstats.fit(data, model, item_covariates=_indicators(plain.items), **kw)
    np.testing.assert_allclose(res.scores, plain.scores, atol=1e-8)
    np.testing.assert_allclose(res.covariance, plain.covariance, atol=1e-8)
    assert res.loglik == pytest.approx(plain.loglik, abs=1e-9)
    assert res.aic == pytest.approx(plain.aic, abs=1e-8)
    for name in getattr(plain, "params", pd.Series(dtype=float)).index:
        assert res.params[name] == pytest.approx(plain.params[name], abs=1e-8)
    if kw:
        p = res.probabilities("A", "B", order=1)
        q = plain.probabilities("A", "B", order=1)
        np.testing.assert_allclose(tuple(p), tuple(q), atol=1e-8)


@given(seed=st.integers(0, 2**31 - 1), n=st.integers(3, 9))
def test_indicators_equal_plain_fit_property(seed, n):
    """x = identity (less one reference column): the structured fit is the plain fit."""
    rng = np.random.default_rng(seed)
    s = rng.normal(size=n)
    m = 30 * n
    a = rng.integers(0, n, m)
    b = (a + rng.integers(1, n, m)) % n
    win = rng.random(m) < 1.0 / (1.0 + np.exp(-(s[a] - s[b])))
    # one win each way around a cycle keeps the MLE finite
    a = np.concatenate([a, np.arange(n), (np.arange(n) + 1) % n])
    b = np.concatenate([b, (np.arange(n) + 1) % n, np.arange(n)])
    win = np.concatenate([win, np.ones(2 * n, bool)])
    df = pd.DataFrame({"winner": np.where(win, a, b), "loser": np.where(win, b, a)})
    plain = btstats.fit(df)
    res = btstats.fit(df, item_covariates=_indicators(plain.items))
    np.testing.assert_allclose(res.scores, plain.scores, atol=1e-7)
    np.testing.assert_allclose(res.standard_errors, plain.standard_errors, atol=1e-7)
    assert res.loglik == pytest.approx(plain.loglik, abs=1e-8)


@given(shift=st.floats(-50, 50), scale=st.floats(0.1, 10))
def test_shift_and_scale_invariance(shift, scale):
    """Adding a constant to a covariate changes no centred score (it cancels in x_a - x_b);
    rescaling it rescales its coefficient only."""
    data = btstats.load_example("baseball")
    items = data.items
    x = pd.DataFrame({"z": np.arange(len(items), dtype=float),
                      "w": np.cos(np.arange(len(items)))}, index=items)
    base = btstats.fit(data, item_covariates=x)
    moved = x.assign(z=scale * x["z"] + shift)
    res = btstats.fit(data, item_covariates=moved)
    np.testing.assert_allclose(res.scores, base.scores, atol=1e-8)
    np.testing.assert_allclose(res.standard_errors, base.standard_errors, atol=1e-8)
    assert res.params["z"] == pytest.approx(base.params["z"] / scale, rel=1e-7, abs=1e-10)
    assert res.params["w"] == pytest.approx(base.params["w"], abs=1e-8)
    assert res.loglik == pytest.approx(base.loglik, abs=1e-9)


def test_item_effects_penalty_path():
    """item_effects=True: s = x' beta + u with a ridge on u; a large penalty tends to the
    structured fit, and the covariate-free part equals the plain penalised fit when x is
    uninformative (a covariate 0 for all items but one, whose u it absorbs)."""
    data = btstats.load_example("baseball")
    items = data.items
    x = pd.DataFrame({"z": np.arange(len(items), dtype=float)}, index=items)
    structured = btstats.fit(data, item_covariates=x)
    big = btstats.fit(data, item_covariates=x, item_effects=True, penalty=1e8)
    assert big.params["z"] == pytest.approx(structured.params["z"], abs=1e-5)
    np.testing.assert_allclose(big.scores, structured.scores, atol=1e-5)
    small = btstats.fit(data, item_covariates=x, item_effects=True, penalty=0.5)
    np.testing.assert_allclose(small.scores, small.abilities["ability"]
                               - small.abilities["ability"].mean(), atol=1e-12)
    np.testing.assert_allclose(small.abilities["ability"],
                               small.item_effects + small.params["z"] * x["z"], atol=1e-12)
    assert small.n_params == len(items) - 1 + 1
    assert "item effects" in small.summary()


# --------------------------------------------------------------------------- bad input
def test_bad_input_is_named(lizards):
    comp, cov, _, _ = lizards
    data = _without_096(comp)
    with pytest.raises(DataError, match="lizard003"):
        btstats.fit(data, item_covariates=cov[COLUMNS].drop(index="lizard003"))
    with pytest.raises(DataError, match="repro.tactic"):
        btstats.fit(data, item_covariates=cov[COLUMNS + ["repro.tactic"]])
    bad = cov[COLUMNS].copy()
    bad.loc["lizard005", "SVL"] = np.inf
    with pytest.raises(DataError, match="lizard005"):
        btstats.fit(data, item_covariates=bad)
    with pytest.raises(DataError, match="repeated"):
        btstats.fit(data, item_covariates=pd.concat([cov[COLUMNS], cov[COLUMNS].iloc[:1]]))
    with pytest.raises(DataError, match="intercept"):
        btstats.fit(data, item_covariates=cov[COLUMNS].assign(one=1.0))
    with pytest.raises(DataError, match="SVL2"):
        btstats.fit(data, item_covariates=cov[COLUMNS].assign(SVL2=2 * cov["SVL"]))
    with pytest.raises(TypeError, match="item_covariates"):
        btstats.fit(data, item_covariates=cov[COLUMNS].to_numpy())
    with pytest.raises(ValueError, match="item_effects=True"):
        btstats.fit(data, item_covariates=cov[COLUMNS], penalty=1.0)
    with pytest.raises(ValueError, match="penalty > 0"):
        btstats.fit(data, item_covariates=cov[COLUMNS], item_effects=True)
    with pytest.raises(ValueError, match="item_covariates"):
        btstats.fit(data, item_effects=True, penalty=1.0)
    with pytest.raises(ValueError, match="method"):
        btstats.fit(data, item_covariates=cov[COLUMNS], method="mm")


def test_nan_gives_own_ability_and_unused_columns_ignored(lizards):
    """A NaN in a used column makes the item separate (own ability, covariates 0); NaN in
    columns left out of the frame plays no role (testosterone has NaN, it is not used);
    items of the frame without comparisons are ignored."""
    comp, cov, _, _ = lizards
    data = _without_096(comp)
    assert cov["testosterone"].isna().any()
    res = btstats.fit(data, item_covariates=cov[COLUMNS])
    assert "lizard096" in cov.index and "lizard096" not in list(res.items)
    x = cov[COLUMNS].copy()
    x.loc["lizard176", "SVL"] = np.nan
    res2 = btstats.fit(data, item_covariates=x)
    assert res2.separate_items == ["lizard099", "lizard176"]
    assert res2.missing_covariates["lizard176"] == ["SVL"]
    assert "ability[lizard176]" in res2.params.index
    assert res2.abilities.loc["lizard176", "ability"] == res2.params["ability[lizard176]"]


def test_separation_along_an_item_covariate():
    """An item covariate that orders every outcome has no finite coefficient."""
    df = pd.DataFrame({"winner": ["a", "b", "a", "b"], "loser": ["b", "c", "c", "c"]})
    x = pd.DataFrame({"q": [3.0, 2.0, 1.0]}, index=["a", "b", "c"])
    with pytest.raises(NoMLEError, match="'q'"):
        btstats.fit(df, item_covariates=x)
