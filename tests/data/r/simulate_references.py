"""Regenerate the simulated reference data sets in tests/data/.

    python tests/data/r/simulate_references.py      # writes position.csv, home_ties.csv, graded5.csv

numpy.random.default_rng with a fixed seed per data set (PCG64; written with numpy 2.4.6).
NumPy does not promise identical Generator streams across versions, so the committed CSVs are
the reference; sha256 with numpy 2.4.6:
    position.csv   bc5382706cc3019da0857ad3d6720cb7902c7a900e0409d686e6984aa200aceb
    home_ties.csv  b62c0dc1a7336c969e82f06d1aa91b4d15b9dfdafd97be9dc3d849b7a21a22f1
    graded5.csv    8418dd2e42e40b4aeea716a198baf7e7812c2bce3bb69509b6c0301584dc5a73
Items are the strings "A", "B", ...; in every file item_a / item_b are the two items of a
comparison and all model quantities are from item_a's point of view.

position.csv   (seed 20240601): 8 items, 3000 comparisons, columns item_a,item_b,first,outcome
    first   = +1 if item_a was shown first, -1 if item_b was shown first
    outcome = 1 if item_a won, 0 if item_b won
    P(outcome = 1) = logistic(s_a - s_b + h * first), h = 0.4
home_ties.csv  (seed 20240602): 6 items, 2500 comparisons, columns item_a,item_b,home,outcome
    home    = +1 item_a at home, -1 item_b at home, 0 neutral
    outcome = 1 item_a won, 0.5 tie, 0 item_b won
    z = s_a - s_b + h * home, h = 0.3, eta = 0.6 (Rao-Kupper with threshold eta):
    P(a) = logistic(z - eta), P(b) = logistic(-z - eta), P(tie) = 1 - P(a) - P(b)
graded5.csv    (seed 20240603): 7 items, 4000 comparisons, columns item_a,item_b,grade
    grade in {-2,-1,0,1,2}: +2 = item_a much better, +1 = item_a better, 0 = tie,
    -1 = item_b better, -2 = item_b much better
    P(grade <= k) = logistic(c_k - z), c = (-t2, -t1, t1, t2) for k = -2, -1, 0, 1,
    z = s_a - s_b, t1 = 0.5, t2 = 2.0
"""
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent  # tests/data


def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def random_pairs(rng, n_items, n):
    """n ordered pairs (a, b), a != b, uniform over the n_items*(n_items-1) ordered pairs."""
    a = rng.integers(0, n_items, size=n)
    b = (a + rng.integers(1, n_items, size=n)) % n_items
    return a, b


def write(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(",".join(header) + "\n")
        for r in rows:
            fh.write(",".join(str(v) for v in r) + "\n")


def position():
    rng = np.random.default_rng(20240601)
    names = list("ABCDEFGH")
    s = np.array([1.2, 0.8, 0.5, 0.2, -0.1, -0.4, -0.9, -1.3])  # sums to 0
    h = 0.4
    n = 3000
    a, b = random_pairs(rng, len(names), n)
    first = np.where(rng.random(n) < 0.5, 1, -1)
    p = logistic(s[a] - s[b] + h * first)
    outcome = (rng.random(n) < p).astype(int)
    write(OUT / "position.csv", ["item_a", "item_b", "first", "outcome"],
          [(names[i], names[j], int(f), int(o)) for i, j, f, o in zip(a, b, first, outcome)])


def home_ties():
    rng = np.random.default_rng(20240602)
    names = list("ABCDEF")
    s = np.array([1.0, 0.5, 0.2, -0.3, -0.6, -0.8])  # sums to 0
    h, eta = 0.3, 0.6
    n = 2500
    a, b = random_pairs(rng, len(names), n)
    u = rng.random(n)
    home = np.where(u < 0.4, 1, np.where(u < 0.8, -1, 0))  # 40% / 40% / 20% neutral
    z = s[a] - s[b] + h * home
    pa = logistic(z - eta)
    pb = logistic(-z - eta)
    v = rng.random(n)
    outcome = np.where(v < pa, "1", np.where(v < pa + pb, "0", "0.5"))
    write(OUT / "home_ties.csv", ["item_a", "item_b", "home", "outcome"],
          [(names[i], names[j], int(hm), o) for i, j, hm, o in zip(a, b, home, outcome)])


def graded5():
    rng = np.random.default_rng(20240603)
    names = list("ABCDEFG")
    s = np.array([1.5, 0.9, 0.4, 0.0, -0.4, -1.0, -1.4])  # sums to 0
    t1, t2 = 0.5, 2.0
    cuts = np.array([-t2, -t1, t1, t2])
    n = 4000
    a, b = random_pairs(rng, len(names), n)
    z = s[a] - s[b]
    cum = logistic(cuts[None, :] - z[:, None])          # P(grade <= k), k = -2..1
    v = rng.random(n)
    grade = (v[:, None] >= cum).sum(axis=1) - 2          # -2..2
    write(OUT / "graded5.csv", ["item_a", "item_b", "grade"],
          [(names[i], names[j], int(g)) for i, j, g in zip(a, b, grade)])


if __name__ == "__main__":
    position()
    home_ties()
    graded5()
