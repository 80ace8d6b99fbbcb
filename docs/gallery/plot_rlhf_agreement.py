"""
RLHF preference labels: agreement, ceilings and annotator quality
=================================================================

The PandaLM human test set (Wang et al., ICLR 2024): 999 pairs of answers by five 7B LLMs to
170 prompts, each pair labelled by three annotators as *answer 1 better*, *answer 2
better* or *tie*. It ships with btstats as ``load_example("pandalm")``, one row per label.

Three questions a reward-model builder asks of such data:

1. How often do the labelers agree? (raw agreement, Cohen's and Fleiss' kappa)
2. How well can any scorer do on a fresh label? (Bayes accuracy ceilings: from the agreement
   alone, and implied by a fitted model)
3. Is any annotator careless? (annotator quality ``beta_k``)

Agreement is *not* the ceiling: two noisy labels agree less often than a perfect prediction
matches one noisy label, so a reward model may beat the labelers' agreement without being
overfit (see the user guide's agreement page).
"""

# %%
# The labels
# ----------
import matplotlib.pyplot as plt
import numpy as np

import btstats
from btstats import agreement as ag

panda = btstats.load_example("pandalm", as_frame=True)
print(panda.head())
print(panda["outcome"].value_counts())

# %%
# Agreement
# ---------
# A *unit* is what is labelled repeatedly: a model pair within a prompt. Raw agreement counts
# every pair of labels of a unit (MT-Bench's convention); the intervals resample units.
res = ag.agreement(panda, rng=0)
print(res.to_frame()[["estimate", "low", "high"]].round(4))
print(res.cohen.round(3))

# %%
# What accuracy does that agreement allow?
# ----------------------------------------
# With no model at all, the agreement bounds the Bayes ceiling of a scorer that sees the
# answers: at 94.7% agreement on decisive labels it lies between 0.947 and 0.973.
print(res.accuracy_bounds().round(4))

# %%
# What do the model identities alone explain?
# -------------------------------------------
# A Rao-Kupper fit with the five *models* as items (ties as a threshold) and the ceilings it
# implies, with basic intervals from 1000 seeded draws of the scores. A scorer that only
# knows which model wrote an answer reaches about 65% on decisive labels.
fit = btstats.fit(panda, "rao-kupper")
print(fit.to_frame()[["rank", "item", "score", "se"]].round(3))
ceil = ag.ceilings(fit, rng=1)
print(ceil.summary())

# %%
# Annotator quality
# -----------------
# :func:`btstats.fit_annotators` fits ``P(annotator k labels a) = logistic(beta_k (s_a -
# s_b))`` with the label-weighted mean of ``beta`` fixed at 1: ``beta_k`` near 1 is an
# annotator who follows the consensus order as often as the others, near 0 one who labels at
# random, below 0 an adversarial one. Here the three are interchangeable.
ann = btstats.fit_annotators(panda)
quality = ann.to_frame()
print(quality[["n_labels", "n_ties", "beta", "ci_low", "ci_high", "flag"]].round(3))

# %%
# The figure: the empirical agreement against what the model of identities implies, with
# the agreement-based range of the ceiling, and the annotators' ``beta`` with 95% intervals.
ctab = ceil.to_frame()
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
labels = ["labelers agree\n(empirical)", "labelers agree\n(model-implied)",
          "Bayes ceiling\n(model-implied)"]
est = [res.agreement_no_ties, ctab.loc["agreement_no_ties", "estimate"],
       ctab.loc["accuracy_no_ties", "estimate"]]
low = [res.to_frame().loc["agreement_no_ties", "low"], ctab.loc["agreement_no_ties", "low"],
       ctab.loc["accuracy_no_ties", "low"]]
high = [res.to_frame().loc["agreement_no_ties", "high"],
        ctab.loc["agreement_no_ties", "high"], ctab.loc["accuracy_no_ties", "high"]]
x = np.arange(3)
ax1.bar(x, est, color=["C0", "C1", "C1"], alpha=0.8)
ax1.errorbar(x, est, yerr=[np.subtract(est, low), np.subtract(high, est)], fmt="none",
             ecolor="k", capsize=4)
bounds = res.accuracy_bounds().loc["decisive_labels"]
ax1.axhspan(bounds["lower"], bounds["upper"], color="C2", alpha=0.2,
            label="ceiling allowed by the agreement")
ax1.set_xticks(x, labels)
ax1.set_ylim(0, 1)
ax1.set_ylabel("decisive labels")
ax1.legend(loc="lower right")
ax1.set_title("agreement and ceilings (95% intervals)")

y = np.arange(len(quality))
ax2.errorbar(quality["beta"], y, xerr=[quality["beta"] - quality["ci_low"],
                                       quality["ci_high"] - quality["beta"]],
             fmt="o", capsize=4)
ax2.axvline(1.0, color="0.6", ls="--", lw=1)
ax2.axvline(0.0, color="C3", ls=":", lw=1, label="random labelling")
ax2.set_yticks(y, quality.index)
ax2.invert_yaxis()
ax2.set_xlabel("annotator quality beta")
ax2.set_xlim(-0.1, 1.5)
ax2.legend(loc="lower left")
ax2.set_title("annotator quality (95% intervals)")
plt.show()
