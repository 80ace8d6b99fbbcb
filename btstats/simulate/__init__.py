r"""Simulated paired-comparison data: designs, annotators and the simulators.

A simulation is a *design* (which pairs are compared, how often), *true scores* and a *model*
(:mod:`btstats.models`), optionally with a pool of *annotators* who label each comparison.
The result, :class:`Simulation`, holds the data in the long format :func:`btstats.fit` reads
(``item_a, item_b, outcome`` with outcome 1 / 0.5 / 0, plus ``grade`` for graded models,
``order`` with an order effect, ``annotator``, ``prompt`` and ``position`` where they apply)
together with the truth (scores and the parameters ``sim.params``), so that "simulate, fit,
compare" is three lines::

    sim = simulate(scores, round_robin(5, 40), rng=1)
    res = btstats.fit(sim.data)
    sim.compare(res)                    # true and fitted scores side by side

Designs
-------
=======================================  ================================================
:func:`round_robin`                      every pair ``k`` times (the classic tournament)
:func:`random_pairs`                     ``m`` pairs uniformly at random, or by pair weights
:func:`sparse_connected`                 a random spanning cycle plus random pairs: always
                                         connected, for large item counts
:func:`given_pairs`                      a user-given list of pairs (codes or labels)
:func:`simulate_annotation`              RLHF-shaped data: prompts, responses, pairings
=======================================  ================================================

Randomness
----------
Every function that draws takes ``rng`` (``None``, an int seed or a
:class:`numpy.random.Generator`), turned into a Generator once by
:func:`numpy.random.default_rng`; passing one Generator to a design and then to
:func:`simulate` draws both from one stream.  All random numbers are drawn by numpy and passed
to serial Numba kernels (:mod:`btstats._kernels.sample`, and
:mod:`btstats._kernels.sample_families` for Davidson ties, grades and order effects), so a
seed gives the same data whatever the number of threads.  The outcome probabilities are
computed by the link code of the likelihood the fit maximises.

The public names are also exported as ``btstats.<name>``; there ``btstats.simulate`` is the
function :func:`simulate` (``from btstats.simulate import ...`` still reaches this module).
"""
from ._common import PAIRINGS
from .designs import Design, given_pairs, random_pairs, round_robin, sparse_connected
from .annotators import annotation_accuracy, annotator_pool
from .simulators import Simulation, simulate, simulate_annotation

__all__ = ["Design", "Simulation", "round_robin", "random_pairs", "sparse_connected",
           "given_pairs", "annotator_pool", "simulate", "simulate_annotation",
           "annotation_accuracy", "PAIRINGS"]
