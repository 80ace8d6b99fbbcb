"""Score scales: scores are natural-log strengths centred to sum to zero; the Elo scale is
``ELO_BASE + ELO_PER_UNIT * score`` (400 points per factor of 10 in the odds)."""
import math

#: Elo points per unit of score (natural-log scale): 400 / ln(10).
ELO_PER_UNIT = 400.0 / math.log(10.0)
#: The Elo value of a score of 0 (the mean item).
ELO_BASE = 1000.0
