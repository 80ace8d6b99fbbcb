"""Constants shared by the simulation modules."""




#: Pairings of :func:`simulate_annotation`.
PAIRINGS = ("same-prompt", "cross-prompt", "similar", "diversified")
#: Draws of the outcomes tried by ``ensure_mle=True`` before giving up.
MAX_MLE_ATTEMPTS = 100
_POOL_COLUMNS = ("beta", "position_bias", "position_lapse", "tie_propensity")
#: Designs store item codes as 32-bit integers.
_MAX_ITEMS = 2 ** 31 - 1
#: Working memory per simulated label (codes, uniforms, outcomes, the data frame), in bytes.
_BYTES_PER_ROW = 64
#: Working memory per item (scores, centred scores, labels), in bytes.
_BYTES_PER_ITEM = 48
