r"""
Home advantage in baseball
==========================

The 1987 American League East: 7 teams, 273 games, each pair playing 13 times, some at one
team's ground and some at the other's (Agresti, *Categorical Data Analysis*, Table 10.11, as
shipped in R's BradleyTerry2). Does playing at home help, by how much, and does it change the
standings?

The model is Bradley-Terry with an order effect ``h`` added for the home side,

.. math:: P(\text{home } a \text{ beats visitor } b) = \operatorname{logistic}(s_a - s_b + h),

fitted with ``btstats.fit(..., order_effect=True)``. Scores are log-strengths centred to sum
to zero.
"""

# %%
# The data: one row per (home team, visitor)
# ------------------------------------------
# ``baseball_home`` is stored as pair counts with ``home_a = 1`` when ``item_a`` played at
# home; :func:`btstats.load_example` reads it into :class:`btstats.Comparisons` with the
# order column in place.
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import btstats

games = btstats.load_example("baseball_home", as_frame=True)
print(games.head())
data = btstats.load_example("baseball_home")
print(data)

# %%
# Home teams win more often than they lose
# ----------------------------------------
# Before any model: every row has ``home_a = 1``, so ``wins_a`` counts home wins. The home
# side won 154 of the 273 games, 56%.
home_wins = games["wins_a"].sum()
n_games = games[["wins_a", "wins_b"]].to_numpy().sum()
print(f"home wins {home_wins} of {n_games} games ({home_wins / n_games:.1%})")

# %%
# Fits with and without the home effect
# -------------------------------------
# The estimate ``h = 0.302`` (se 0.131) is BradleyTerry2's for these data. In odds, playing
# at home multiplies a team's odds of winning by ``exp(h)``.
plain = btstats.fit(data)
home = btstats.fit(data, order_effect=True)
print(home.summary())

h = home.coefficient_table().loc["h"]
print(f"\nodds ratio for playing at home: {np.exp(h['estimate']):.2f} "
      f"(95% CI {np.exp(h['ci_low']):.2f} to {np.exp(h['ci_high']):.2f})")

# %%
# Is the home effect needed? The likelihood-ratio test of :func:`btstats.compare` (one extra
# parameter) gives p = 0.02, and the AIC prefers the model with it; the BIC, which charges
# ``log(273)`` per parameter, is indifferent.
comparison = btstats.compare(plain, home)
print(comparison.to_frame()[["n_params", "loglik", "aic", "bic", "lr_statistic", "p"]]
      .round(3))

# %%
# The standings barely move: the schedule is balanced (each pair plays at both grounds), so
# the home effect is nearly orthogonal to the team scores.
table = pd.DataFrame({"without h": plain.scores, "with h": home.scores}).round(3)
print(table.sort_values("with h", ascending=False))

# %%
# What the home effect is worth
# -----------------------------
# The probability that each team beats Baltimore, the weakest, at home, on neutral ground
# and away, and the scores with their 95% intervals.
teams = home.scores.sort_values(ascending=False).index
others = [t for t in teams if t != "Baltimore"]
d = home.scores[others] - home.scores["Baltimore"]
hv = h["estimate"]
chance = pd.DataFrame({"away": 1 / (1 + np.exp(-(d - hv))),
                       "neutral": 1 / (1 + np.exp(-d)),
                       "home": 1 / (1 + np.exp(-(d + hv)))})
print(chance.round(3))

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.2), layout="constrained")
home.plot(ax=ax1)
ax1.set_title("scores with the home effect (95% Wald)")
y = np.arange(len(others))
for col, marker in (("away", "<"), ("neutral", "o"), ("home", ">")):
    ax2.plot(chance[col], y, marker, label=col, markersize=7)
ax2.hlines(y, chance["away"], chance["home"], color="0.7", zorder=0)
ax2.set_yticks(y, others)
ax2.invert_yaxis()
ax2.set_xlabel("P(beats Baltimore)")
ax2.set_title(f"the home effect, h = {hv:.2f}")
ax2.legend(loc="lower right")
plt.show()
