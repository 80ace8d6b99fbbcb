"""
Every plot of a fit, on one real data set
=========================================

The plots btstats draws (the ``plot`` extra, matplotlib), each on the 1987 American League
East games (``load_example("baseball")``, Agresti's Table 10.11) unless a plot needs ties or
graded outcomes: forest plots of the Wald, quasi-variance and bootstrap intervals, the
bootstrap distributions, the rank sets, the fitted win probabilities, the observed win
fractions and battle counts, and the calibration of held-out predictions. Each is a function
``btstats.plotting.plot_<what>(result, ax=...)`` and a method of the result; each returns the
matplotlib Axes. ``docs/output.md`` shows the same figures one by one with their tests.
"""

# %%
# Intervals: Wald, quasi-variances and the bootstrap
# ---------------------------------------------------
import matplotlib.pyplot as plt

import btstats
from btstats.evaluation import split

fit = btstats.fit(btstats.load_example("baseball"))
boot = fit.bootstrap(n_resamples=500, rng=1)

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), constrained_layout=True)
fit.plot(ax=axes[0])
fit.plot(quasi=True, ax=axes[1])
boot.plot(ax=axes[2])

# %%
# The bootstrap distributions and the rank sets
# ---------------------------------------------
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), constrained_layout=True)
boot.plot_distributions(kind="hist", bins=20, ax=axes[0])
fit.rank_sets(rng=0).plot(ax=axes[1])

# %%
# Heatmaps: fitted win probabilities, observed win fractions, battle counts
# -------------------------------------------------------------------------
# The win fractions and counts need several comparisons per pair; Springall's (1973)
# experiment with ties (``"springall"``, Rao-Kupper) has them.
springall = btstats.fit(btstats.load_example("springall"), "rao-kupper")
fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
fit.plot_win_probabilities(ax=axes[0])
springall.plot_win_fractions(ax=axes[1])
springall.plot_battle_counts(ax=axes[2])

# %%
# Calibration of held-out predictions
# -----------------------------------
# A random split of the simulated graded outcomes shipped with btstats (``"graded5"``), the
# graded model fitted to the training part and evaluated on the rest.
train, test = split(btstats.load_example("graded5"), rng=0)
graded = btstats.fit(train, "graded")
ev = btstats.evaluate(graded, test, reference=graded, n_draws=200, rng=0)
ev.plot_calibration(n_bins=8)
plt.show()
