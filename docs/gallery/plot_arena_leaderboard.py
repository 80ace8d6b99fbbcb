"""
An LLM arena leaderboard with rank intervals and style control
==============================================================

A chatbot arena shows a voter two anonymous answers to one prompt and records which was
better, or a tie. The leaderboard is a Bradley-Terry fit on the Elo scale with LMArena's
battle weights and sandwich intervals, :func:`btstats.arena.leaderboard`. Its ranks are
uncertain: this example gives each model the set of ranks the data cannot rule out, and then
checks whether the answers' length, a *style* covariate, moves the leaderboard.

The battles are **simulated** and ship with btstats, ``load_example("battles")``: 8 models
``m01`` (best) to ``m08`` with true scores evenly spaced from 0.7 to -0.7, 1200 battles, 3
per prompt, Rao-Kupper ties (some marked ``tie (bothbad)``) and a small advantage for the
answer shown first (``btstats/examples/PROVENANCE.md`` has the script that made them).
"""

# %%
# The battles
# -----------
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import btstats
from btstats import arena

battles = btstats.load_example("battles", as_frame=True)
print(battles.head())
print(battles["winner"].value_counts())

# %%
# The leaderboard
# ---------------
# Ties count half a win each way, as LMArena counts them. The three battles of a prompt
# share a cluster (``cluster="prompt"``), so the intervals are cluster-robust. ``rank_ub``
# is LMArena's Rank (UB): 1 + the number of models whose lower limit is above this model's
# upper limit.
board = arena.leaderboard(battles, style=False, cluster="prompt")
print(board.table.round(1))

# %%
# Which ranks are plausible?
# --------------------------
# Rank (UB) compares intervals pair by pair. A simultaneous 95% rank confidence set
# (:func:`btstats.rank_confidence_sets`, Mogstad et al. 2024) covers *all* true ranks at
# once with probability 0.95; it is computed from the scores and their covariance. Only the
# top three are told apart from the bottom two.
fit = board.fit
ranks = btstats.rank_confidence_sets(fit.scores, covariance=board.covariance,
                                     simultaneous=True, rng=1)
print(ranks.to_frame().round(3))

# %%
# The same question by simulation: draws of the scores from their approximate normal
# distribution give the probability that each model is the best
# (:func:`btstats.probability_first`).
rng = np.random.default_rng(0)
draws = pd.DataFrame(rng.multivariate_normal(fit.scores, board.covariance, size=4000),
                     columns=fit.scores.index)
print(btstats.probability_first(draws).round(3))

# %%
# Style control
# -------------
# LMArena adds *style covariates* to the fit, ``P(a beats b) = logistic(s_a - s_b + x'b)``,
# with ``x`` the normalised, z-scored differences of per-side counts (answer length,
# headers, lists, bold), so a model is not ranked up for writing long answers.
#
# The bundled battles carry no answer metadata, so here each battle gets answer lengths
# drawn at random (seeded): three models write three times longer answers on average, but the
# simulated voters never looked at length. Style control should then find a coefficient near
# zero and leave the leaderboard where it was, which is what it does: the coefficient's
# interval covers 0 and no rating moves by more than a few points. (See the user guide's
# style-control page for an arena in which length does sway the votes.)
models = sorted(set(battles["model_a"]) | set(battles["model_b"]))
typical = pd.Series(300, index=models)
typical[["m02", "m05", "m07"]] = 900
lengths = np.random.default_rng(7)
for side in ("a", "b"):
    mean = typical[battles[f"model_{side}"]].to_numpy()
    battles[f"sum_assistant_tokens_{side}"] = np.round(
        mean * np.exp(lengths.normal(0.0, 0.7, len(battles)))).astype(int) + 1

styled = arena.leaderboard(battles, features=["sum_assistant_tokens"], cluster="prompt")
print(styled.style.round(3))
moved = (styled.table.set_index("model")["rating"] - board.table.set_index("model")["rating"])
print(f"largest change of a rating: {moved.abs().max():.1f} Elo points")

# %%
# The figure: the ratings with their 95% intervals without and with style control, and the
# simultaneous rank sets.
fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 4.2), layout="constrained")
board.plot(ax=ax1)
ax1.set_title("without style control")
styled.plot(ax=ax2)
ax2.set_title("with the answer length")
ax2.set_xlim(ax1.get_xlim())
ranks.plot(ax=ax3)
ax3.set_title("simultaneous 95% rank sets")
plt.show()
