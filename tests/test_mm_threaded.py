"""Newman's MM on Numba's threads (fixed chunks of the pairs) equals the plain pass, and
``None`` selects the plain pass (small data compile no parallel code).

The chunked pass only runs from two chunks of ``CHUNK_PAIRS`` pairs, so these data are that
large; its sums differ from the plain ones only by the order of the additions.
"""
import numpy as np
import pandas as pd
import pytest

import btstats
from btstats._kernels import mm as M


def connected_pairs(rng, n, m_target):
    """About ``m_target`` distinct random pairs of ``n`` items plus the chain ``(i, i + 1)``,
    sorted, with Bradley-Terry counts in which every item wins and loses somewhere (one win
    each way on the chain's pairs): ``(pi, pj, wab, wba, tie)``."""
    i = rng.integers(0, n, 3 * m_target)
    j = rng.integers(0, n, 3 * m_target)
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    keys = np.unique((lo * n + hi)[lo != hi])[:m_target]
    keys = np.union1d(keys, np.arange(n - 1) * n + np.arange(1, n))   # a chain: connected
    pi, pj = (keys // n).astype(np.int32), (keys % n).astype(np.int32)
    s_true = rng.normal(size=n)
    p = 1.0 / (1.0 + np.exp(-(s_true[pi] - s_true[pj])))
    total = 1 + rng.poisson(1.0, pi.shape[0])
    wab = rng.binomial(total, p).astype(np.float64)
    wba = total - wab
    chain = pj == pi + 1
    wab[chain] += 1.0
    wba[chain] += 1.0
    return pi, pj, wab, wba, np.zeros(pi.shape[0])


@pytest.fixture(scope="module")
def many_pairs():
    n = 1500
    return (n, *connected_pairs(np.random.default_rng(5), n, 2 * M.CHUNK_PAIRS + 1000))


def test_threads_selects_the_chunked_pass_only_for_many_pairs(many_pairs):
    n, pi = many_pairs[0], many_pairs[1]
    assert M.threads(pi.shape[0], n) is True
    assert M.n_chunks(pi.shape[0], n) == M.n_chunks.py_func(pi.shape[0], n) >= 2
    assert M.threads(M.CHUNK_PAIRS, n) is None          # one chunk
    assert M.threads(pi.shape[0], pi.shape[0]) is None   # too few pairs per item


def test_threaded_pass_and_fit_equal_the_plain_ones(many_pairs):
    n, pi, pj, wab, wba, tie = many_pairs
    s = np.random.default_rng(1).normal(size=n)
    s -= s.mean()
    strength = np.exp(s)
    acc = [np.zeros((n, 4)), np.zeros((n, 4))]
    part = np.empty((M.n_chunks(pi.shape[0], n), n, 4))
    M._pass(s, strength, True, pi, pj, wab, wba, acc[0], part, True)
    M._pass(s, strength, True, pi, pj, wab, wba, acc[1], part[:0], None)
    np.testing.assert_allclose(acc[0][:, :3], acc[1][:, :3], rtol=1e-12)
    fits = []
    for threaded in (True, None):
        s0 = np.zeros(n)
        status, n_iter, gnorm = M.mm_bradley_terry(s0, pi, pj, wab, wba, tie, 1e-11, 500,
                                                   threaded)
        assert status == 0 and gnorm <= 1e-11
        fits.append(s0)
    np.testing.assert_allclose(fits[0], fits[1], atol=1e-9)


def test_a_large_default_fit_runs_the_threaded_mm_and_matches_newton(many_pairs):
    n, pi, pj, wab, wba, _ = many_pairs
    comps = btstats.Comparisons.from_counts(
        pd.DataFrame({"item_a": pi, "item_b": pj, "wins_a": wab, "wins_b": wba}))
    res = btstats.fit(comps)
    assert res.method == "mm" and res.converged
    ref = btstats.fit(comps, method="newton")
    np.testing.assert_allclose(res.scores.to_numpy(), ref.scores.to_numpy(), atol=1e-8)


def test_tiled_pairs_are_a_stable_sort_by_tile():
    rng = np.random.default_rng(11)
    n = 3 * (1 << M.TILE_BITS) + 17
    m = 20_000
    pi = np.sort(rng.integers(0, n, m)).astype(np.int32)
    pj = rng.integers(0, n, m).astype(np.int32)
    wab, wba = rng.random(m), rng.random(m)
    ti, tj, ta, tb = M.tiled_pairs(pi, pj, wab, wba, n)
    nb = (n - 1) // (1 << M.TILE_BITS) + 1
    order = np.argsort((pi >> M.TILE_BITS).astype(np.int64) * nb + (pj >> M.TILE_BITS),
                       kind="stable")
    for got, want in zip((ti, tj, ta, tb), (pi, pj, wab, wba)):
        np.testing.assert_array_equal(got, want[order])
    assert ti.dtype == pi.dtype and ta.dtype == wab.dtype


def test_threaded_mm_on_tiles_equals_the_plain_mm():
    # more items than a tile side: the threaded MM passes over a tiled copy of the pairs
    n = (1 << M.TILE_BITS) + 9000
    pi, pj, wab, wba, tie = connected_pairs(np.random.default_rng(12), n,
                                            2 * M.CHUNK_PAIRS + 1000)
    assert M.threads(pi.shape[0], n) is True
    fits = []
    for threaded in (True, None):
        s0 = np.zeros(n)
        status, _, gnorm = M.mm_bradley_terry(s0, pi, pj, wab, wba, tie, 1e-11, 500,
                                              threaded)
        assert status == 0 and gnorm <= 1e-11
        fits.append(s0)
    np.testing.assert_allclose(fits[0], fits[1], atol=1e-9)
