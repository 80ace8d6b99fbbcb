"""Gradient ascent on cells (btstats._kernels.gradient_cells): every family of the general
core reaches Newton's maximum, and the kernel's steps keep the family parameters feasible."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import btstats

CASES = [
    ("home_ties", dict(model="davidson")),
    ("home_ties", dict(model="davidson", order_effect=True)),
    ("home_ties", dict(model="rao-kupper", order_effect=True)),
    ("home_ties", dict(model="glenn-david", order_effect=True)),
    ("graded5", dict(model="graded")),
    ("graded5", dict(model="graded-probit")),
    ("baseball_home", dict(model="bradley-terry", order_effect=True)),
    ("baseball_home", dict(model="thurstone", order_effect=True)),
]


@pytest.mark.parametrize("example, kw", CASES, ids=[f"{e}-{'-'.join(map(str, k.values()))}"
                                                     for e, k in CASES])
def test_gradient_equals_newton(example, kw):
    data = btstats.load_example(example)
    newton = btstats.fit(data, method="newton", **kw)
    grad = btstats.fit(data, method="gradient", tol=1e-12, **kw)
    assert grad.converged, grad.message
    assert grad.method == "gradient"
    np.testing.assert_allclose(grad.scores, newton.scores, atol=1e-7)
    np.testing.assert_allclose(grad.params, newton.params, atol=1e-7)
    assert abs(grad.loglik - newton.loglik) <= 1e-9 * abs(newton.loglik)


def test_gradient_with_a_penalty_equals_newton():
    data = btstats.load_example("home_ties")
    newton = btstats.fit(data, model="davidson", penalty=0.5)
    grad = btstats.fit(data, model="davidson", penalty=0.5, method="gradient", tol=1e-12)
    np.testing.assert_allclose(grad.scores, newton.scores, atol=1e-7)


def test_mm_is_refused_with_the_alternatives_named():
    with pytest.raises(ValueError, match="'newton' or 'gradient'"):
        btstats.fit(btstats.load_example("home_ties"), model="davidson", method="mm")


def test_too_few_iterations_warn_with_a_named_warning():
    with pytest.warns(btstats.ConvergenceWarning, match="gradient did not converge"):
        res = btstats.fit(btstats.load_example("graded5"), model="graded", method="gradient",
                          max_iter=2)
    assert not res.converged


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), nu=st.floats(0.2, 2.0))
def test_gradient_recovers_newton_on_simulated_davidson_data(seed, nu):
    scores = np.linspace(-1, 1, 5)
    sim = btstats.simulate(scores, btstats.round_robin(5, 30), model="davidson",
                           params={"nu": nu}, rng=seed)
    try:
        newton = btstats.fit(sim.data, model="davidson")
    except btstats.NoMLEError:
        return
    grad = btstats.fit(sim.data, model="davidson", method="gradient", tol=1e-12)
    np.testing.assert_allclose(grad.scores, newton.scores, atol=1e-6)
    np.testing.assert_allclose(grad.params, newton.params, atol=1e-6)
