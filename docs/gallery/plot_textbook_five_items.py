"""
The 5-item textbook example: simulate, fit, compare with the truth
==================================================================

The textbook exercise of paired comparisons: five items with hidden scores 2, 1, 0.5, -0.5
and -1.5 play a round robin, 40 matches per pair (400 matches), under the Bradley-Terry model
``P(a beats b) = logistic(s_a - s_b)``. Fit the model to the outcomes and see how well the
scores come back, once and over many repetitions.

No bundled data set is this example: the matches are **simulated** with
:func:`btstats.simulate` (seeded), exactly as on the user guide's simulation page, because
what the exercise needs is the truth beside the data. (The smallest *real* data set shipped
with btstats is ``load_example("citations")``, four journals citing each other.)
"""

# %%
# One tournament
# --------------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import btstats

truth = pd.Series([2.0, 1.0, 0.5, -0.5, -1.5], index=["A", "B", "C", "D", "E"])
design = btstats.round_robin(5, 40)
sim = btstats.simulate(truth, design, rng=11)
print(sim)
print(sim.data.head())

# %%
# The scores enter only through their differences, so the truth is kept centred, on the
# scale of every fit (``sim.scores``). Fit, and put the truth, the estimate, its error and
# its standard error side by side:
res = btstats.fit(sim.data)
table = sim.compare(res)
table["se"] = res.standard_errors
print(table.round(3))

# %%
# Many tournaments
# ----------------
# One seed is one draw. Repeating the tournament 200 times shows what to expect: the typical
# error of a score, and whether the 95% Wald intervals cover the truth 95% of the time.
rng = np.random.default_rng(1)
errors, covered = [], []
for _ in range(200):
    rep = btstats.simulate(truth, design, rng=rng)
    fit = btstats.fit(rep.data)
    t = rep.compare(fit)
    low, high = fit.confidence_interval(0.95)
    errors.append(t["error"])
    covered.append((low[t.index] <= t["true"]) & (t["true"] <= high[t.index]))
errors = pd.DataFrame(errors)
covered = pd.DataFrame(covered)
summary = pd.DataFrame({"rmse": np.sqrt((errors ** 2).mean()),
                        "se (seed 11)": res.standard_errors,
                        "coverage": covered.mean()})
print(summary.round(3))
print(f"all five intervals cover at once in {covered.all(axis=1).mean():.0%} of the "
      f"tournaments")

# %%
# The figure: the fitted scores of the first tournament with their 95% intervals against the
# truth, and the spread of the estimates over the 200 tournaments.
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
low, high = res.confidence_interval(0.95)
true = sim.scores[res.scores.index]
ax1.errorbar(true, res.scores, yerr=[res.scores - low, high - res.scores], fmt="o",
             capsize=4, label="fitted, 95% Wald")
lim = [true.min() - 0.5, true.max() + 0.5]
ax1.plot(lim, lim, color="0.6", ls="--", lw=1, label="fitted = true")
for item in true.index:
    ax1.annotate(item, (true[item], res.scores[item]), xytext=(6, -4),
                 textcoords="offset points")
ax1.set_xlabel("true score (centred)")
ax1.set_ylabel("fitted score")
ax1.legend(loc="upper left")
ax1.set_title("one tournament (seed 11)")

fitted = errors + sim.scores[errors.columns]
ax2.boxplot([fitted[c] for c in fitted.columns])
ax2.set_xticks(np.arange(1, 6), list(fitted.columns))
ax2.plot(np.arange(1, 6), sim.scores[fitted.columns], "D", color="C3", label="truth")
ax2.set_ylabel("fitted score")
ax2.legend(loc="upper right")
ax2.set_title("200 tournaments")
plt.show()
