"""A model is data: links and outcome families own their parameters.

- ``btstats.Model(link=..., ties=...)`` composes every registry model (equal to it, with its
  name), refuses the one combination that would only rename a model (Davidson has its own
  scale, so ``link="probit"`` is refused), and is accepted by ``fit``, ``get_model`` and the
  CLI;
- composed models fit to an independent ``scipy.optimize`` maximisation of a likelihood written
  here with ``scipy.special`` (1e-6);
- each family's start values lie inside its bounds and its transform to the unconstrained
  scale round-trips (hypothesis);
- no module outside ``btstats/models`` branches on a model or family name (read with ast);
- arena data keep ``"tie"`` and ``"tie (bothbad)"`` apart (``Comparisons.extra["bothbad"]``)
  while every model reads both as ties, so the fits do not change.
"""
import ast
import json
import math
import pathlib
import pickle
from importlib import resources

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, special

import btstats
from btstats import Comparisons, DataError, Model, get_model
from btstats.cli.commands import main
from btstats.models import families as fam
from btstats.models.links import LINKS, get_link
from btstats.models.model import MODELS

ROOT = pathlib.Path(btstats.__file__).parent


# ---------------------------------------------------------------------------- composition
@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_registry_model_is_its_composition(name):
    mdl = MODELS[name]
    composed = Model(link=mdl.link_name, ties=mdl.ties)
    assert composed == mdl and hash(composed) == hash(mdl)
    assert composed.name == name and composed.description == mdl.description
    assert get_model(name) == composed == get_model(composed)
    assert get_model(f"{mdl.family_name}-{mdl.link_name}") == mdl
    assert get_model(name, link=mdl.link_name) == mdl
    assert pickle.loads(pickle.dumps(mdl)) == mdl
    assert repr(mdl) == f"Model({name!r}, link={mdl.link_name!r}, ties={mdl.ties!r})"
    # the fields every caller reads
    assert mdl.link == get_link(mdl.link_name).code
    assert mdl.link_function is LINKS[mdl.link_name]
    assert mdl.family is fam.get_family(mdl.ties)
    assert mdl.family_name == mdl.family.name
    assert mdl.n_categories == mdl.family.n_categories
    assert mdl.has_ties == mdl.family.has_ties
    assert mdl.pairwise_kernel == mdl.family.pairwise


def test_composition_examples():
    assert Model(link="probit", ties="threshold") == get_model("glenn-david")
    assert Model(link="probit", ties="threshold").name == "glenn-david"
    assert Model() == get_model("bradley-terry")
    assert Model(ties="davidson").name == "davidson"
    assert Model(link="probit", ties="graded") == get_model("graded", link="probit")
    # link= replaces a model's link and keeps its family
    assert get_model("rao-kupper", link="probit").name == "glenn-david"
    assert get_model("thurstone", link="logit").name == "bradley-terry"
    assert get_model("graded-probit", link="logit").name == "graded"
    assert Model(link="probit") != Model(link="logit")
    assert Model(ties="threshold") != Model(ties="davidson")
    with pytest.raises(AttributeError, match="immutable"):
        Model().name = "x"


def test_davidson_with_the_probit_link_is_refused():
    for call in (lambda: Model(link="probit", ties="davidson"),
                 lambda: get_model("davidson", link="probit"),
                 lambda: btstats.fit(btstats.load_example("home_ties"), "davidson",
                                     link="probit")):
        with pytest.raises(ValueError, match="Allowed combinations: .*ties='davidson' with "
                                             "link='logit'"):
            call()
    with pytest.raises(ValueError, match="`ties` must be one of"):
        Model(ties="bothbad")
    with pytest.raises(ValueError, match="`link` must be one of"):
        Model(link="cauchit")


def test_fit_and_the_cli_take_a_composed_model(tmp_path, capsys):
    data = btstats.load_example("home_ties")
    a = btstats.fit(data, Model(link="probit", ties="threshold"))
    b = btstats.fit(data, "glenn-david")
    assert a.model == "glenn-david"
    np.testing.assert_array_equal(a.scores, b.scores)
    c = btstats.fit(data, "rao-kupper", link="probit")
    np.testing.assert_array_equal(c.scores, b.scores)
    path = tmp_path / "home_ties.csv"
    data.to_frame().to_csv(path, index=False)
    assert main(["fit", str(path), "--model", "rao-kupper", "--link", "probit",
                 "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["model"] == "glenn-david"


# ---------------------------------------------------------------- independent scipy fits
def _scipy_cumulative_fit(a, b, k, w, n, n_cat, link):
    """Maximise ``sum w log P(k | s_a - s_b)`` of a cumulative link with symmetric cutpoints
    (``P(Y <= k) = F(c_k - z)``, ``c = (-t_p .. -t_1, t_1 .. t_p)``, odd ``K``) in
    ``(s_2 .. s_n, log t_1, log(t_2 - t_1), ...)`` (``s_1 = 0``): L-BFGS-B with the analytic
    gradient, then Newton steps on a central-difference Hessian of that gradient until it
    vanishes; the scores are centred afterwards."""
    cdf, pdf = ((special.expit, lambda x: special.expit(x) * special.expit(-x))
                if link == "logit" else (special.ndtr, lambda x: np.exp(-0.5 * x * x) /
                                         math.sqrt(2 * math.pi)))
    p = (n_cat - 1) // 2
    # the cutpoint c_j as +-t_q: index into t and sign, for j = 0 .. K - 2
    q_of = np.array([p - 1 - j for j in range(p)] + [j for j in range(p)])
    sign = np.array([-1.0] * p + [1.0] * p)

    def negll(x):
        s = np.concatenate([[0.0], x[:n - 1]])
        e = np.exp(x[n - 1:])
        t = np.cumsum(e)
        c = np.concatenate([[-np.inf], sign * t[q_of], [np.inf]])
        z = s[a] - s[b]
        u = c[k + 1] - z
        v = c[k] - z
        prob = np.maximum(cdf(u) - cdf(v), 1e-300)
        fu = np.where(np.isfinite(u), pdf(np.where(np.isfinite(u), u, 0.0)), 0.0)
        fv = np.where(np.isfinite(v), pdf(np.where(np.isfinite(v), v, 0.0)), 0.0)
        g_z = -(fu - fv) / prob
        g_s = np.bincount(a, w * g_z, n) - np.bincount(b, w * g_z, n)
        g_t = np.zeros(p)
        for j in range(2 * p):
            # u uses cutpoint k (j = k), v cutpoint k - 1 (j = k - 1)
            dj = np.where(k == j, fu / prob, 0.0) - np.where(k - 1 == j, fv / prob, 0.0)
            g_t[q_of[j]] += sign[j] * np.sum(w * dj)
        g_u = e * np.cumsum(g_t[::-1])[::-1]        # t_q = sum_{r <= q} exp(u_r)
        return -np.sum(w * np.log(prob)), -np.concatenate([g_s[1:], g_u])

    x0 = np.concatenate([np.zeros(n - 1), np.log(np.full(p, 0.5))])
    bounds = [(-10.0, 10.0)] * (n - 1) + [(-10.0, 3.0)] * p
    x = optimize.minimize(negll, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"ftol": 1e-15, "gtol": 1e-9, "maxiter": 10_000}).x
    for _ in range(20):
        g = negll(x)[1]
        if np.max(np.abs(g)) < 1e-9:
            break
        step = 1e-5
        hess = np.column_stack([(negll(x + step * e)[1] - negll(x - step * e)[1]) / (2 * step)
                                for e in np.eye(x.shape[0])])
        x = x - np.linalg.solve(0.5 * (hess + hess.T), g)
    assert np.max(np.abs(negll(x)[1])) < 1e-8
    s = np.concatenate([[0.0], x[:n - 1]])
    return s - s.mean(), np.cumsum(np.exp(x[n - 1:])), -negll(x)[0]


def _example_csv(name):
    with resources.as_file(resources.files("btstats.examples") / f"{name}.csv") as path:
        return pd.read_csv(path)


@pytest.mark.parametrize("link", ["probit", "logit"])
def test_composed_graded_model_matches_scipy(link):
    df = _example_csv("graded5")
    items = sorted(set(df.item_a) | set(df.item_b))
    code = {x: i for i, x in enumerate(items)}
    a = df.item_a.map(code).to_numpy()
    b = df.item_b.map(code).to_numpy()
    k = df.grade.to_numpy() + 2
    s, t, ll = _scipy_cumulative_fit(a, b, k, np.ones(len(df)), len(items), 5, link)
    res = btstats.fit(df, model=Model(link=link, ties="graded"))
    assert res.model == ("graded-probit" if link == "probit" else "graded")
    np.testing.assert_allclose(res.scores.loc[items].to_numpy(), s, atol=1e-6)
    np.testing.assert_allclose(res.params[["t1", "t2"]].to_numpy(), t, atol=1e-6)
    assert res.loglik == pytest.approx(ll, abs=1e-6)


def test_composed_threshold_probit_matches_scipy():
    df = _example_csv("home_ties")
    items = sorted(set(df.item_a) | set(df.item_b))
    code = {x: i for i, x in enumerate(items)}
    a = df.item_a.map(code).to_numpy()
    b = df.item_b.map(code).to_numpy()
    k = np.where(df.outcome == 1, 2, np.where(df.outcome == 0, 0, 1))
    s, t, ll = _scipy_cumulative_fit(a, b, k, np.ones(len(df)), len(items), 3, "probit")
    for order_effect in (False, True):
        res = btstats.fit(df.drop(columns="home") if not order_effect else
                          df.assign(home=0), model=Model(link="probit", ties="threshold"),
                          order_effect=order_effect)
        np.testing.assert_allclose(res.scores.loc[items].to_numpy(), s, atol=1e-6)
        eta = res.params["eta"] if order_effect else res.eta
        assert eta == pytest.approx(t[0], abs=1e-6)
        assert res.loglik == pytest.approx(ll, abs=1e-6)


# ---------------------------------------------------------------------- family properties
def _families_and_k():
    graded = st.integers(2, 9).map(lambda k: (fam.GRADED, k))
    fixed = st.sampled_from([(f, f.n_categories) for f in fam.FAMILIES.values()
                             if f.n_categories])
    return st.one_of(fixed, graded)


@given(_families_and_k(), st.sampled_from(sorted(LINKS)), st.data())
def test_start_values_lie_inside_the_bounds(family_k, link, data):
    family, k = family_k
    counts = np.array(data.draw(st.lists(
        st.floats(0.0, 1e9, allow_nan=False), min_size=k, max_size=k)))
    if counts.sum() == 0:
        counts[0] = 1.0
    t = family.start(counts, link)
    assert t.shape == (family.n_params(k),)
    assert family.contains(t)
    for value, (low, high) in zip(t, family.bounds(k)):
        assert low < value < high
    if family.code == fam.GRADED.code and t.shape[0] > 1:
        assert np.all(np.diff(t) > 0)          # strictly inside: the kernels' domain


@given(_families_and_k(), st.data())
def test_transform_round_trips(family_k, data):
    family, k = family_k
    p = family.n_params(k)
    u = np.array(data.draw(st.lists(st.floats(-5.0, 5.0), min_size=p, max_size=p)))
    theta = family.from_unconstrained(u)
    assert theta.shape == (p,) and family.contains(theta)
    np.testing.assert_allclose(family.to_unconstrained(theta), u, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(family.from_unconstrained(family.to_unconstrained(theta)),
                               theta, rtol=1e-12)
    # draws outside the space are projected into it
    rows = np.array(data.draw(st.lists(st.lists(st.floats(-3.0, 3.0), min_size=p,
                                                max_size=p), min_size=1, max_size=4)))
    rows = rows.reshape(rows.shape[0], p)
    assert all(family.contains(r) for r in family.project(rows))


def test_family_parameters_and_printing():
    assert fam.BINARY.param_names() == ()
    assert fam.THRESHOLD.param_names() == ("eta",)
    assert fam.DAVIDSON.param_names() == ("nu",)
    assert fam.GRADED.param_names(4) == ("t1",) and fam.GRADED.param_names(7) == \
        ("t1", "t2", "t3")
    assert fam.THRESHOLD.param_text("eta", math.log(2.0), 0.1, "logit") == \
        ("theta", "2.0000 (se 0.2000)")
    assert fam.THRESHOLD.param_text("eta", 0.5, None, "probit") == \
        ("eta (threshold)", "0.5000")
    assert fam.DAVIDSON.param_text("nu", 0.8, 0.05, "logit") == ("nu", "0.8000 (se 0.0500)")
    # the category map of each family
    o = np.array([0, 1, 2])
    one = np.ones(3)
    ab = np.arange(3), np.arange(1, 4)
    assert fam.THRESHOLD.row_categories(*ab, o, one, None, ties=None, model="m")[2].tolist() \
        == [2, 0, 1]
    with pytest.raises(btstats.TiesError):
        fam.BINARY.row_categories(*ab, o, one, None, ties=None, model="m")
    assert fam.BINARY.row_categories(*ab, o, one, None, ties="drop", model="m")[2].tolist() \
        == [1, 0]
    grades = pd.DataFrame({"grade": [2, -1, 0]})
    _, _, k, _, n_cat = fam.GRADED.row_categories(*ab, o, one, grades, ties=None, model="m")
    assert (k.tolist(), n_cat) == ([4, 1, 2], 5)


# ------------------------------------------------------------------ no branches on names
_NAMES = (set(MODELS) | {"bt", "rk", "probit", "logit", "binary", "threshold", "cumulative"} |
          set(fam.FAMILIES))
_FAMILY_CODES = {"CUMULATIVE", "DAVIDSON"}


def _string_constants(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e.value for e in node.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def _branches_on_names(path):
    """``(line, source)`` of every comparison with a model / family / link name literal or a
    family code, and of every ``family_name ==`` / ``link_name ==``."""
    text = path.read_text()
    out = []
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        literal = any(c in _NAMES for x in operands for c in _string_constants(x))
        code = any(isinstance(x, ast.Attribute) and x.attr in _FAMILY_CODES
                   for x in operands)
        named = any(isinstance(x, ast.Attribute) and x.attr in ("family_name", "link_name",
                                                                 "family")
                    for x in operands)
        if literal or code or named:
            out.append((node.lineno, ast.get_source_segment(text, node)))
    return out


def test_no_module_outside_models_branches_on_a_model_or_family_name():
    found = {}
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT)
        # the kernels dispatch on integer family codes: that is their job
        if rel.parts[0] in ("models", "_kernels"):
            continue
        hits = _branches_on_names(path)
        if hits:
            found[str(rel)] = hits
    assert found == {}


def test_the_name_scan_finds_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("if mdl.family_name == 'graded':\n    pass\n"
                   "x = mdl.name == 'rao-kupper'\n"
                   "y = mdl.family == 'davidson'\n"
                   "z = fam != _kf.DAVIDSON\n"
                   "w = model in ('thurstone', 'auto')\n"
                   "ok = args.model == 'auto'\n")
    assert [line for line, _ in _branches_on_names(bad)] == [1, 3, 4, 5, 6]


# ---------------------------------------------------------------------- tie (bothbad)
def _arena(n_rep=3):
    rows = [("x", "y", "model_a"), ("x", "y", "tie"), ("y", "z", "tie (bothbad)"),
            ("y", "z", "model_b"), ("z", "x", "tie"), ("z", "x", "model_a"),
            ("x", "z", "TIE (BothBad)"), ("y", "x", "model_b"), ("z", "y", "model_a"),
            ("y", "x", "model_a"), ("y", "z", "model_a"), ("x", "z", "model_a")]
    rows = rows * n_rep
    return pd.DataFrame(rows, columns=["model_a", "model_b", "winner"])


def test_arena_data_keep_the_two_ties_apart(tmp_path):
    df = _arena()
    n_tie = int((df.winner == "tie").sum())
    n_bad = int(df.winner.str.lower().eq("tie (bothbad)").sum())
    path = tmp_path / "battles.json"
    df.to_json(path, orient="records")
    for c in (Comparisons.from_arena(df), Comparisons.from_frame(df),
              btstats.read_comparisons(path)):
        assert c.n_ties == n_tie + n_bad
        assert c.n_bothbad == n_bad
        flags = c.extra["bothbad"].to_numpy()
        assert flags.dtype == bool and flags.sum() == n_bad
        assert np.all(c.rows()[2][flags] == 2)
        # the frame round trip keeps them apart too
        back = Comparisons.from_frame(c.to_frame())
        assert back.n_ties == c.n_ties and back.n_bothbad == n_bad
        pd.testing.assert_frame_equal(back.counts_frame(), c.counts_frame())
    # weights count
    w = Comparisons.from_arena(df.assign(weight=2.0), weight="weight")
    assert w.n_bothbad == 2 * n_bad and w.n_ties == 2 * (n_tie + n_bad)


@pytest.mark.parametrize("model, kw", [("rao-kupper", {}), ("glenn-david", {}),
                                       ("davidson", {}), ("bradley-terry", {"ties": "half"}),
                                       ("bradley-terry", {"ties": "drop"}),
                                       ("rao-kupper", {"order_effect": True})])
def test_fits_are_unchanged_by_the_distinction(model, kw):
    df = _arena()
    plain = df.assign(winner=df.winner.where(~df.winner.str.lower().eq("tie (bothbad)"),
                                             "tie"))
    a = btstats.fit(df, model, **kw)
    b = btstats.fit(plain, model, **kw)
    assert Comparisons.from_frame(plain).n_bothbad == 0
    np.testing.assert_array_equal(a.scores, b.scores)
    assert a.loglik == b.loglik


def test_a_bothbad_column_of_a_frame():
    df = pd.DataFrame({"item_a": ["x", "x", "y"], "item_b": ["y", "z", "z"],
                       "outcome": [1, 0.5, 0.5], "bad": [False, False, True]})
    c = Comparisons.from_frame(df, bothbad="bad")
    assert c.n_bothbad == 1.0 and c.extra["bothbad"].tolist() == [False, False, True]
    assert Comparisons.from_frame(df).extra is None      # not a bothbad column by name
    with pytest.raises(DataError, match="only a tie can be both bad|Only a tie"):
        Comparisons.from_frame(df.assign(bad=[True, False, False]), bothbad="bad")
    assert Comparisons.from_frame(df.drop(columns="bad")).n_bothbad == 0.0
