#!/usr/bin/env python
"""Independent brute-force reference fits of the Plackett-Luce model with ties.

Regenerates every data, score and summary file of this folder:

    python tests/data/plackett_luce/reference.py

The model (Turner, van Etten, Firth & Kosmidis 2020, Computational Statistics 35:1027-1057, and the
vignette of the R package PlackettLuce): a ranking is a sequence of tie groups G1 > G2 > ...; at
stage j the group G_j is chosen from the set A_j of items not yet placed with probability

    f(G_j) / sum_{S subset of A_j, 1 <= |S| <= D} f(S),   f(S) = delta_|S| * (prod_{i in S} alpha_i)^(1/|S|),

delta_1 = 1 and D the largest tie order in the data set. A stage with one item left has probability 1.
For top-k data (data set ``sim8_topk`` only) the items that are in the choice set but unranked
stay in every A_j of that ranking and are never chosen.

The denominators are enumerated explicitly with ``itertools.combinations`` (no elementary
symmetric polynomial recursion), so the numbers here do not share code or algorithm with the
fit that they are used to test. This file does not import btstats.

In the log scale every candidate set S has the linear predictor
    eta_S = log(delta_|S|) + mean_{i in S} beta_i,  beta_i = log(alpha_i),
so each stage is a conditional-logit choice among its candidate sets; the code builds one sparse
row per candidate set (the brute-force enumeration) and evaluates the log-likelihood, the gradient
(analytic), and the Hessian three ways: complex-step differentiation of the analytic gradient
(used for the Newton polish and the standard errors), Richardson-extrapolated central differences
of the gradient, and the analytic conditional-logit formula (both as checks).
"""
from __future__ import annotations

import csv
import itertools
import json
import math
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy import optimize, sparse
from scipy.sparse import csgraph

HERE = Path(__file__).resolve().parent
RAW = HERE / "raw"
GHOST = -1  # the hypothetical item of the pseudo-rankings: log-worth fixed at 0

PL_COMMIT = "411b1ef67e906ecad0b820dd54504712307cc14f"
PL_SOURCE = ("R package PlackettLuce 0.4.5, GitHub hturner/PlackettLuce, commit " + PL_COMMIT)
VIGNETTE = ("PlackettLuce vignette 'Overview' as rendered in the repository file "
            "vignettes_tmp_output/Overview.html (hturner/PlackettLuce, commit " + PL_COMMIT + "); "
            "its text is that of Turner, van Etten, Firth & Kosmidis (2020), Computational "
            "Statistics 35:1027-1057")


# --------------------------------------------------------------------------------------------
# brute-force design: one row per candidate set of every stage
# --------------------------------------------------------------------------------------------
class Design:
    """Candidate sets of every choice stage, enumerated with itertools.

    rankings: list of dicts {"groups": [[item index, ...], ...], "unranked": [...], "weight": w}
    with item indices 0..n-1 (GHOST for the hypothetical item of the pseudo-rankings).
    Parameters theta = (beta_0..beta_{n-1}, log delta_2, ..., log delta_D).
    """

    def __init__(self, rankings, n, D):
        self.n, self.D, self.p = n, D, n + D - 1
        rows, cols, vals = [], [], []
        starts, chosen, weights = [], [], []
        m = 0
        for r in rankings:
            remaining = set(itertools.chain(*r["groups"], r.get("unranked", ())))
            for g in r["groups"]:
                g = tuple(sorted(g))
                assert 1 <= len(g) <= D and set(g) <= remaining
                cand = tuple(sorted(remaining))
                if len(cand) == 1:  # a single item left: probability 1
                    remaining -= set(g)
                    continue
                starts.append(m)
                ch = None
                for size in range(1, min(D, len(cand)) + 1):
                    for S in itertools.combinations(cand, size):
                        for i in S:
                            if i != GHOST:
                                rows.append(m)
                                cols.append(i)
                                vals.append(1.0 / size)
                        if size >= 2:
                            rows.append(m)
                            cols.append(n + size - 2)
                            vals.append(1.0)
                        if S == g:
                            ch = m
                        m += 1
                assert ch is not None
                chosen.append(ch)
                weights.append(float(r.get("weight", 1.0)))
                remaining -= set(g)
        self.M = m
        self.X = sparse.csr_matrix((vals, (rows, cols)), shape=(m, self.p))
        self.starts = np.asarray(starts, dtype=np.intp)
        self.chosen = np.asarray(chosen, dtype=np.intp)
        self.w = np.asarray(weights)
        sizes = np.diff(np.append(self.starts, m))
        self.stage_of = np.repeat(np.arange(len(starts)), sizes)
        self.y = np.zeros(m)
        self.y[self.chosen] = self.w
        self.n_stages = len(starts)

    def _probs(self, theta):
        eta = self.X @ theta
        mx = np.maximum.reduceat(eta.real, self.starts)
        e = np.exp(eta - mx[self.stage_of])
        se = np.add.reduceat(e, self.starts)
        lse = mx + np.log(se)
        return eta, lse, e / se[self.stage_of]

    def loglik(self, theta):
        eta, lse, _ = self._probs(theta)
        return math.fsum(self.w * (eta[self.chosen] - lse).real) if np.isrealobj(theta) \
            else np.sum(self.w * (eta[self.chosen] - lse))

    def grad(self, theta):
        _, _, pr = self._probs(theta)
        return self.X.T @ (self.y - self.w[self.stage_of] * pr)

    def hess_analytic(self, theta):
        _, _, pr = self._probs(theta)
        wp = self.w[self.stage_of] * pr
        XtWX = (self.X.T @ sparse.diags(wp) @ self.X).toarray()
        agg = sparse.csr_matrix((pr, (self.stage_of, np.arange(self.M))),
                                shape=(self.n_stages, self.M))
        Mbar = (agg @ self.X).toarray()  # per-stage expected feature vector
        return -(XtWX - Mbar.T @ (self.w[:, None] * Mbar))


class Model:
    """Log-likelihood of the data plus, optionally, the pseudo-ranking prior."""

    def __init__(self, rankings, items, npseudo=0.0):
        self.items = list(items)
        n = len(items)
        self.D = max(len(g) for r in rankings for g in r["groups"])
        self.data = Design(rankings, n, self.D)
        self.npseudo = npseudo
        self.prior = None
        if npseudo > 0:
            pseudo = []
            for i in range(n):
                pseudo.append({"groups": [[i], [GHOST]], "weight": npseudo})
                pseudo.append({"groups": [[GHOST], [i]], "weight": npseudo})
            self.prior = Design(pseudo, n, self.D)
        self.n, self.p = n, n + self.D - 1

    def loglik(self, theta):
        ll = self.data.loglik(theta)
        return ll + self.prior.loglik(theta) if self.prior is not None else ll

    def grad(self, theta):
        g = self.data.grad(theta)
        return g + self.prior.grad(theta) if self.prior is not None else g

    def hess_analytic(self, theta, data_only=False):
        h = self.data.hess_analytic(theta)
        if self.prior is not None and not data_only:
            h = h + self.prior.hess_analytic(theta)
        return h

    def hess_complex_step(self, theta, data_only=False, h=1e-30):
        gfun = self.data.grad if data_only or self.prior is None else self.grad
        H = np.empty((self.p, self.p))
        for k in range(self.p):
            t = theta.astype(complex)
            t[k] += 1j * h
            H[:, k] = gfun(t).imag / h
        return 0.5 * (H + H.T)

    def hess_richardson(self, theta, h=1e-2, levels=4):
        """Central differences of the analytic gradient, Richardson-extrapolated over h/2^k."""
        H = np.empty((self.p, self.p))
        for k in range(self.p):
            table = []
            for lev in range(levels):
                s = h / 2 ** lev
                e = np.zeros(self.p)
                e[k] = s
                table.append((self.grad(theta + e) - self.grad(theta - e)) / (2 * s))
            for j in range(1, levels):  # error terms in s^2, s^4, ...
                f = 4.0 ** j
                table = [(f * table[i + 1] - table[i]) / (f - 1) for i in range(len(table) - 1)]
            H[:, k] = table[0]
        return 0.5 * (H + H.T)

    def sum_zero_basis(self):
        """T (p x p-1): orthonormal basis of {beta: sum(beta) = 0}, identity on log delta."""
        n, p = self.n, self.p
        Q, _ = np.linalg.qr(np.eye(n)[:, :n - 1] - 1.0 / n)
        T = np.zeros((p, p - 1))
        T[:n, :n - 1] = Q
        T[n:, n - 1:] = np.eye(self.D - 1)
        return T

    def transform(self):
        """theta = T z with z the free coordinates: beta is identified only up to a constant
        without the prior (sum-to-zero basis); with the pseudo-rankings' fixed ghost item it is
        identified (identity)."""
        return np.eye(self.p) if self.prior is not None else self.sum_zero_basis()


# --------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------
def newton_polish(model, theta, T, tol=1e-11, maxit=60):
    history = []
    best = (np.inf, theta)
    for _ in range(maxit):
        g = T.T @ model.grad(theta)
        gmax = float(np.max(np.abs(g)))
        history.append(gmax)
        if gmax < best[0]:
            best = (gmax, theta.copy())
        if gmax < tol or (len(history) > 8 and gmax >= min(history[:-1])):
            break
        H = T.T @ model.hess_complex_step(theta) @ T
        step = np.linalg.solve(H, g)
        # step halving on the (concave) objective for safety far from the optimum
        ll0 = model.loglik(theta)
        lam = 1.0
        while lam > 1e-8:
            cand = theta - lam * (T @ step)
            if model.loglik(cand) >= ll0 - 1e-9 * abs(ll0):
                break
            lam /= 2
        theta = cand
    return best[1], history


def fit(model, seed, n_random_starts=2):
    T = model.transform()
    q = T.shape[1]
    rng = np.random.default_rng(seed)
    base = np.zeros(model.p)
    base[model.n:] = np.log(0.5)

    def f(z):
        return -model.loglik(base + T @ z)

    def g(z):
        return -(T.T @ model.grad(base + T @ z))

    def h(z):
        return -(T.T @ model.hess_analytic(base + T @ z) @ T)

    starts = [np.zeros(q)] + [rng.normal(0.0, 1.0, q) for _ in range(n_random_starts)]
    raw = []
    for k, z0 in enumerate(starts):
        res = optimize.minimize(f, z0, jac=g, method="BFGS", options={"gtol": 1e-9, "maxiter": 20000})
        raw.append(("BFGS start %d" % k, base + T @ res.x))
    res = optimize.minimize(f, starts[-1], jac=g, hess=h, method="trust-constr",
                            options={"gtol": 1e-10, "xtol": 1e-14, "maxiter": 5000})
    raw.append(("trust-constr start %d" % (len(starts) - 1), base + T @ res.x))
    polished = []
    for label, th in raw:
        th_p, hist = newton_polish(model, th, T)
        polished.append((label, th, th_p, hist))
    lls = [model.loglik(tp) for _, _, tp, _ in polished]
    ib = int(np.argmax(lls))
    theta = polished[ib][2]
    agree_raw = max(float(np.max(np.abs(th - theta))) for _, th, _, _ in polished)
    agree_pol = max(float(np.max(np.abs(tp - theta))) for _, _, tp, _ in polished)
    info = {
        "optimisers": [lab for lab, _, _, _ in polished],
        "max_abs_diff_raw_optimiser_results_vs_final": agree_raw,
        "max_abs_diff_polished_results_vs_final": agree_pol,
        "newton_gradient_history_final_run": polished[ib][3],
    }
    return theta, T, info


def cov_sum_zero(T, H):
    """Covariance of (centred beta, log delta) from a Hessian H whose only null direction is
    beta + constant: T (T' (-H) T)^-1 T' with T = Model.sum_zero_basis()."""
    return T @ np.linalg.inv(-(T.T @ H @ T)) @ T.T


def cov_centred(model, H):
    """P (-H)^-1 P for a nonsingular H (the pseudo-prior posterior): covariance of the centred
    beta and log delta."""
    n, p = model.n, model.p
    P = np.eye(p)
    P[:n, :n] -= 1.0 / n
    return P @ np.linalg.inv(-H) @ P


def centred_cov_checks(model, H, C):
    """The same covariance by the pseudo-inverse and by fixing item 0 and transforming."""
    n, p = model.n, model.p
    P = np.eye(p)
    P[:n, :n] -= 1.0 / n
    C_pinv = P @ np.linalg.pinv(-H, rcond=1e-12, hermitian=True) @ P
    keep = np.arange(1, p)
    C_ref = np.linalg.inv(-H[np.ix_(keep, keep)])
    E = np.zeros((p, p - 1))
    E[1:, :] = np.eye(p - 1)  # theta = (0, b, logdelta)
    C_ref = P @ E @ C_ref @ E.T @ P
    return float(np.max(np.abs(C_pinv - C))), float(np.max(np.abs(C_ref - C)))


def summarise(model, theta, T, fitinfo):
    n, D = model.n, model.D
    g_full = model.grad(theta)
    Hc = model.hess_complex_step(theta)
    Ha = model.hess_analytic(theta)
    Hr = model.hess_richardson(theta)
    out = {
        "gradient": {
            "max_abs": float(np.max(np.abs(g_full))),
            "l2": float(np.linalg.norm(g_full)),
            "coordinates": "d(objective)/d(beta_i, log delta_d) at the reported optimum; objective = "
                           + ("log-likelihood + pseudo-ranking log-prior" if model.prior is not None
                              else "log-likelihood"),
        },
        "hessian_checks": {
            "max_abs_complex_step_minus_analytic": float(np.max(np.abs(Hc - Ha))),
            "max_abs_complex_step_minus_richardson": float(np.max(np.abs(Hc - Hr))),
            "max_abs_hessian_entry": float(np.max(np.abs(Hc))),
        },
    }
    beta = theta[:n] - theta[:n].mean()
    if model.prior is not None:
        Hd = model.hess_complex_step(theta, data_only=True)
        C = cov_sum_zero(model.sum_zero_basis(), Hd)
        C_post = cov_centred(model, Hc)
        out["covariance_used"] = ("data-only observed information at the posterior mode, "
                                  "sum-to-zero constraint (as vcov.PlackettLuce: its information "
                                  "uses the rankings without the pseudo-rankings)")
        out["se_with_prior_information"] = [float(s) for s in np.sqrt(np.diag(C_post))[:n]]
        out["covariance_checks"] = dict(zip(
            ["max_abs_pinv_minus_basis", "max_abs_fix_item0_minus_basis"],
            centred_cov_checks(model, Hd, C)))
    else:
        C = cov_sum_zero(T, Hc)
        out["covariance_used"] = ("inverse observed information (complex-step Hessian) under the "
                                  "sum-to-zero constraint: T (T' (-H) T)^-1 T' with T an orthonormal "
                                  "basis of the sum-zero subspace of beta (identity on log delta)")
        out["covariance_checks"] = dict(zip(
            ["max_abs_pinv_minus_basis", "max_abs_fix_item0_minus_basis"],
            centred_cov_checks(model, Hc, C)))
    se = np.sqrt(np.diag(C))
    out["scores"] = [float(b) for b in beta]
    out["se"] = [float(s) for s in se[:n]]
    ties = []
    for d in range(2, D + 1):
        k = n + d - 2
        ld, sld = float(theta[k]), float(se[k])
        ties.append({"order": d, "delta": math.exp(ld), "se": math.exp(ld) * sld,
                     "log_delta": ld, "se_log_delta": sld})
    out["ties"] = ties
    out["vcov"] = {"parameters": list(model.items) + ["log_delta_%d" % d for d in range(2, D + 1)],
                   "matrix": [[float(v) for v in row] for row in C]}
    out["loglik"] = model.data.loglik(theta)
    if model.prior is not None:
        out["log_prior_pseudo"] = model.prior.loglik(theta)
        out["log_posterior"] = out["loglik"] + out["log_prior_pseudo"]
    out["fit"] = fitinfo
    return out, C


# --------------------------------------------------------------------------------------------
# data sets
# --------------------------------------------------------------------------------------------
def rk(*groups, unranked=(), weight=1.0):
    return {"groups": [list(g) if isinstance(g, (list, tuple)) else [g] for g in groups],
            "unranked": list(unranked), "weight": weight}


def strongly_connected(rankings, n):
    """Directed graph i -> j when i is placed above j (or tied with j) in some ranking."""
    rows, cols = [], []
    for r in rankings:
        below = set(itertools.chain(*r["groups"], r["unranked"]))
        for g in r["groups"]:
            for i in g:
                for j in below:
                    if i != j:
                        rows.append(i)
                        cols.append(j)
            below -= set(g)
    A = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    return csgraph.connected_components(A, directed=True, connection="strong")[0] == 1


def sim_two_items():
    items = ["A", "B"]
    rankings = [rk(0, 1) for _ in range(7)] + [rk(1, 0) for _ in range(3)]
    return items, rankings


def sim_three_items():
    # counts N1, N2, N3 of the patterns A first / A second / A last, each with both orders of B, C
    N1, N2, N3 = 5, 3, 2
    A, B, C = 0, 1, 2
    rankings = []
    for _ in range(N1):
        rankings += [rk(A, B, C), rk(A, C, B)]
    for _ in range(N2):
        rankings += [rk(B, A, C), rk(C, A, B)]
    for _ in range(N3):
        rankings += [rk(B, C, A), rk(C, B, A)]
    return ["A", "B", "C"], rankings, (N1, N2, N3)


def sim_pairs5(seed=20261205):
    rng = np.random.default_rng(seed)
    beta = np.array([0.9, 0.4, 0.0, -0.5, -0.8])
    rankings = []
    for _ in range(250):
        i, j = rng.choice(5, size=2, replace=False)
        pij = 1.0 / (1.0 + math.exp(beta[j] - beta[i]))
        rankings.append(rk(i, j) if rng.random() < pij else rk(j, i))
    return ["m%d" % k for k in range(1, 6)], rankings, beta


def pl_order(rng, beta, S):
    """A Plackett-Luce ordering of the items S (Gumbel-max: sort beta + Gumbel noise)."""
    S = np.asarray(S)
    u = beta[S] + rng.gumbel(size=len(S))
    return [int(i) for i in S[np.argsort(-u)]]


SIM8_BETA = np.array([1.0, 0.7, 0.4, 0.2, 0.0, -0.3, -0.7, -1.3])


def sim_sim8(seed=20261202):
    rng = np.random.default_rng(seed)
    rankings = []
    for _ in range(300):
        m = int(rng.integers(3, 9))  # 3..8 items
        S = np.sort(rng.choice(8, size=m, replace=False))
        rankings.append(rk(*pl_order(rng, SIM8_BETA, S)))
    return ["i%d" % k for k in range(1, 9)], rankings


def sim_sim8_topk(seed=20261203):
    rng = np.random.default_rng(seed)
    rankings = []
    for _ in range(300):
        m = int(rng.integers(3, 9))  # choice set of 3..8 items
        S = np.sort(rng.choice(8, size=m, replace=False))
        k = int(rng.integers(1, m))  # top 1..m-1 are ranked
        order = pl_order(rng, SIM8_BETA, S)
        rankings.append(rk(*order[:k], unranked=sorted(order[k:])))
    return ["i%d" % k for k in range(1, 9)], rankings


SIM6_BETA = np.array([0.8, 0.5, 0.2, -0.1, -0.5, -0.9])
SIM6_DELTA = {2: 0.5, 3: 0.2}


def sim_sim6_ties(seed=20261204):
    rng = np.random.default_rng(seed)
    alpha = np.exp(SIM6_BETA)
    rankings = []
    for _ in range(400):
        m = int(rng.integers(3, 7))  # 3..6 items
        remaining = sorted(int(i) for i in rng.choice(6, size=m, replace=False))
        groups = []
        while remaining:
            cands = [S for d in range(1, min(3, len(remaining)) + 1)
                     for S in itertools.combinations(remaining, d)]
            f = np.array([(SIM6_DELTA.get(len(S), 1.0)) * np.prod(alpha[list(S)]) ** (1 / len(S))
                          for S in cands])
            S = cands[int(rng.choice(len(cands), p=f / f.sum()))]
            groups.append(list(S))
            remaining = [i for i in remaining if i not in S]
        rankings.append(rk(*groups))
    return ["t%d" % k for k in range(1, 7)], rankings


def load_nascar():
    drivers = (RAW / "nascar_drivers.txt").read_text(encoding="utf-8").splitlines()
    assert len(drivers) == 87
    with open(RAW / "nascar_orderings.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    orderings = [[int(float(v)) - 1 for v in row] for row in rows]
    assert len(orderings) == 36 and all(len(o) == 43 for o in orderings)
    return drivers, orderings


def load_pudding():
    with open(RAW / "pudding.csv", newline="", encoding="utf-8") as fh:
        rows = [{k: int(v) for k, v in r.items()} for r in csv.DictReader(fh)]
    rankings = []
    for r in rows:
        i, j = r["i"] - 1, r["j"] - 1
        assert r["w_ij"] + r["w_ji"] + r["t_ij"] == r["r_ij"]
        rankings += [rk(i, j) for _ in range(r["w_ij"])]
        rankings += [rk(j, i) for _ in range(r["w_ji"])]
        rankings += [rk((i, j)) for _ in range(r["t_ij"])]
    return ["brand%d" % k for k in range(1, 7)], rankings, rows


# --------------------------------------------------------------------------------------------
# independent checks
# --------------------------------------------------------------------------------------------
def bradley_terry_pairs(rankings, n):
    """Bradley-Terry MLE from the winner/loser pairs, by scipy on its own log-likelihood."""
    W = np.array([r["groups"][0][0] for r in rankings])
    L = np.array([r["groups"][1][0] for r in rankings])

    def full(b):
        return np.concatenate([[0.0], b])

    def nll(b):
        bb = full(b)
        return float(np.sum(np.logaddexp(0.0, bb[L] - bb[W])))

    def ngrad(b):
        bb = full(b)
        q = 1.0 / (1.0 + np.exp(bb[W] - bb[L]))  # P(loser wins)
        gr = np.zeros(n)
        np.add.at(gr, W, -q)
        np.add.at(gr, L, q)
        return gr[1:]

    res = optimize.minimize(nll, np.zeros(n - 1), jac=ngrad, method="L-BFGS-B",
                            options={"gtol": 1e-13, "ftol": 1e-16, "maxiter": 10000})
    res = optimize.minimize(nll, res.x, jac=ngrad, method="BFGS", options={"gtol": 1e-11})
    bb = full(res.x)
    pw = 1.0 / (1.0 + np.exp(bb[L] - bb[W]))
    info = np.zeros((n, n))
    for w_, l_, p_ in zip(W, L, pw):
        v = np.zeros(n)
        v[w_], v[l_] = 1.0, -1.0
        info += p_ * (1 - p_) * np.outer(v, v)
    P = np.eye(n) - 1.0 / n
    C = P @ np.linalg.pinv(info, hermitian=True) @ P
    return bb - bb.mean(), np.sqrt(np.diag(C)), -nll(res.x)


def davidson_pairs(rows):
    """Davidson (1970) model from the pudding pair counts, by scipy on its own log-likelihood."""
    I = np.array([r["i"] - 1 for r in rows])
    J = np.array([r["j"] - 1 for r in rows])
    wi = np.array([r["w_ij"] for r in rows], float)
    wj = np.array([r["w_ji"] for r in rows], float)
    t = np.array([r["t_ij"] for r in rows], float)
    rr = wi + wj + t

    def ll(par):
        b = np.concatenate([[0.0], par[:5]])
        lnu = par[5]
        bi, bj = b[I], b[J]
        denom = np.logaddexp(np.logaddexp(bi, bj), lnu + 0.5 * (bi + bj))
        return float(np.sum(wi * bi + wj * bj + t * (lnu + 0.5 * (bi + bj)) - rr * denom))

    res = optimize.minimize(lambda x: -ll(x), np.zeros(6), method="Nelder-Mead",
                            options={"xatol": 1e-12, "fatol": 1e-14, "maxiter": 40000,
                                     "maxfev": 80000})
    res = optimize.minimize(lambda x: -ll(x), res.x, method="BFGS", options={"gtol": 1e-9})
    b = np.concatenate([[0.0], res.x[:5]])
    return b - b.mean(), math.exp(res.x[5]), ll(res.x)


def topk_loglik_by_completion(rankings, beta):
    """Top-k log-likelihood as the log of the summed probabilities of all full orderings
    that complete each ranking (plain products of Plackett-Luce stage probabilities)."""
    a = np.exp(beta)
    total = []
    for r in rankings:
        top = [g[0] for g in r["groups"]]
        prob = 0.0
        for rest in itertools.permutations(r["unranked"]):
            order = top + list(rest)
            pr, left = 1.0, float(sum(a[order]))
            for i in order:
                pr *= a[i] / left
                left -= a[i]
            prob += pr
        total.append(math.log(prob))
    return math.fsum(total)


def ordered_partitions(items, D):
    if not items:
        yield []
        return
    for d in range(1, min(D, len(items)) + 1):
        for S in itertools.combinations(items, d):
            rest = [i for i in items if i not in S]
            for tail in ordered_partitions(rest, D):
                yield [list(S)] + tail


def total_probability(theta, n, D, items):
    """Sum over every tied ranking of `items` (blocks of size <= D) of its probability."""
    design = Design([rk(*part) for part in ordered_partitions(list(items), D)], n, D)
    eta, lse, _ = design._probs(theta)
    stage_lp = eta[design.chosen] - lse
    # rankings are consecutive blocks of stages: sum per ranking, then sum probabilities
    lp, tot, k = [], 0.0, 0
    for part in ordered_partitions(list(items), D):
        nst = sum(1 for j in range(len(part)) if len(set(itertools.chain(*part[j:]))) > 1)
        tot += math.exp(float(np.sum(stage_lp[k:k + nst])))
        k += nst
    assert k == design.n_stages
    return tot


# --------------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------------
def versions():
    return {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "platform": platform.platform(),
            "script": "tests/data/plackett_luce/reference.py"}


def write_rankings(name, items, rankings):
    with open(HERE / f"{name}.rankings.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["ranking", "item", "rank"])
        for k, r in enumerate(rankings, start=1):
            for pos, g in enumerate(r["groups"], start=1):
                for i in sorted(g):
                    w.writerow([k, items[i], pos])
            for i in sorted(r["unranked"]):
                w.writerow([k, items[i], ""])


def write_scores(name, items, summ):
    with open(HERE / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["item", "score", "se"])
        for it, s, e in zip(items, summ["scores"], summ["se"]):
            w.writerow([it, repr(float(s)), repr(float(e))])


def run(name, items, rankings, meta, npseudo=0.0, seed=1, write_data=True):
    t0 = time.time()
    n = len(items)
    model = Model(rankings, items, npseudo=npseudo)
    sc = strongly_connected(rankings, n)
    if npseudo == 0:
        assert sc, f"{name}: comparison graph not strongly connected, no MLE"
    theta, T, fitinfo = fit(model, seed=seed)
    summ, C = summarise(model, theta, T, fitinfo)
    if write_data:
        write_rankings(name, items, rankings)
    write_scores(name, items, summ)
    sizes = [sum(len(g) for g in r["groups"]) + len(r["unranked"]) for r in rankings]
    tie_counts = {}
    for r in rankings:
        for g in r["groups"]:
            if len(g) > 1:
                tie_counts[str(len(g))] = tie_counts.get(str(len(g)), 0) + 1
    out = {
        "name": name,
        **meta,
        "n_items": n,
        "n_rankings": len(rankings),
        "ranking_sizes": {str(s): sizes.count(s) for s in sorted(set(sizes))},
        "tie_groups_by_order": tie_counts,
        "max_tie_order_D": model.D,
        "n_choice_stages": model.data.n_stages,
        "n_candidate_sets": model.data.M,
        "strongly_connected": bool(sc),
        "npseudo": npseudo,
        "items": list(items),
        "score_definition": "log(alpha_i) centred to sum to zero over the items of this data set",
        **{k: summ[k] for k in ["loglik", "scores", "se", "ties", "gradient", "hessian_checks",
                                "covariance_used", "covariance_checks"]},
    }
    for k in ["log_prior_pseudo", "log_posterior", "se_with_prior_information"]:
        if k in summ:
            out[k] = summ[k]
    out["optimisation"] = summ["fit"]
    out["vcov"] = summ["vcov"]
    out["versions"] = versions()
    out["_seconds"] = round(time.time() - t0, 2)
    return out, model, theta, C


def dump(name, out):
    secs = out.pop("_seconds")
    with open(HERE / f"{name}.json", "w", encoding="utf-8", newline="\n") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    g = out["gradient"]["max_abs"]
    print(f"{name:16s} n={out['n_items']:3d} rankings={out['n_rankings']:4d} D={out['max_tie_order_D']} "
          f"loglik={out['loglik']:.10f} max|grad|={g:.2e} ({secs} s)")
    assert g < 1e-10, f"{name}: gradient {g}"


def main():
    t_start = time.time()

    # (a1) two items: closed form
    items, rankings = sim_two_items()
    out, model, theta, C = run("two_items", items, rankings, {
        "description": "2 items, A beats B 7 times and B beats A 3 times (rankings of 2)",
        "source": "constructed", "seed": None})
    wa, wb = 7, 3
    cf_score = math.log(wa / wb) / 2
    cf_se = 0.5 / math.sqrt(wa * wb / (wa + wb))
    out["closed_form"] = {
        "formula": "score_A = -score_B = log(w_A/w_B)/2; se = 1/(2 sqrt(w_A w_B/(w_A+w_B))); "
                   "loglik = w_A log(w_A/n) + w_B log(w_B/n)",
        "score_A": cf_score, "se": cf_se,
        "loglik": wa * math.log(wa / 10) + wb * math.log(wb / 10),
        "max_abs_diff_scores": max(abs(out["scores"][0] - cf_score), abs(out["scores"][1] + cf_score)),
        "max_abs_diff_se": max(abs(s - cf_se) for s in out["se"]),
    }
    out["closed_form"]["abs_diff_loglik"] = abs(out["loglik"] - out["closed_form"]["loglik"])
    assert out["closed_form"]["max_abs_diff_scores"] < 1e-12
    assert out["closed_form"]["max_abs_diff_se"] < 1e-10
    dump("two_items", out)

    # (a2) three items with B, C exchangeable: closed form (root of a quadratic)
    items, rankings, (N1, N2, N3) = sim_three_items()
    out, model, theta, C = run("three_items", items, rankings, {
        "description": ("3 items, full rankings: N1 = 5 each of A>B>C and A>C>B, N2 = 3 each of "
                        "B>A>C and C>A>B, N3 = 2 each of B>C>A and C>B>A"),
        "source": "constructed", "seed": None})
    a2, a1, a0 = (N2 + 2 * N3), -(2 * N1 - 3 * N3), -2.0 * (N1 + N2)
    x = (-a1 + math.sqrt(a1 * a1 - 4 * a2 * a0)) / (2 * a2)
    cf = [2 * math.log(x) / 3, -math.log(x) / 3, -math.log(x) / 3]
    out["closed_form"] = {
        "formula": ("alpha_B = alpha_C = 1, alpha_A = x with (N2 + 2 N3) x^2 - (2 N1 - 3 N3) x "
                    "- 2 (N1 + N2) = 0 (positive root); scores (2 log x/3, -log x/3, -log x/3)"),
        "x": x, "scores": cf,
        "max_abs_diff_scores": max(abs(a - b) for a, b in zip(out["scores"], cf)),
    }
    assert out["closed_form"]["max_abs_diff_scores"] < 1e-12
    dump("three_items", out)

    # K = 2: Bradley-Terry
    items, rankings, beta_true = sim_pairs5()
    out, model, theta, C = run("pairs5", items, rankings, {
        "description": "5 items, 250 paired comparisons (rankings of 2) simulated from Bradley-Terry",
        "source": "simulated", "seed": 20261205, "true_log_worth": beta_true.tolist(),
        "simulation": "numpy default_rng(20261205): 250 times a random pair i != j (rng.choice(5, 2, "
                      "replace=False)), i wins with probability 1/(1+exp(beta_j-beta_i)) (rng.random())"},
        seed=20261205 + 1)
    bt_s, bt_se, bt_ll = bradley_terry_pairs(rankings, len(items))
    out["bradley_terry_check"] = {
        "method": "separate Bradley-Terry log-likelihood on winner/loser pairs, scipy L-BFGS-B then "
                  "BFGS, expected information sum p(1-p) (e_i - e_j)(e_i - e_j)', pseudo-inverse",
        "scores": bt_s.tolist(), "se": bt_se.tolist(), "loglik": bt_ll,
        "max_abs_diff_scores": float(np.max(np.abs(bt_s - np.array(out["scores"])))),
        "max_abs_diff_se": float(np.max(np.abs(bt_se - np.array(out["se"])))),
        "abs_diff_loglik": abs(bt_ll - out["loglik"]),
    }
    assert out["bradley_terry_check"]["max_abs_diff_scores"] < 1e-7
    dump("pairs5", out)

    # (b) simulated tie-free, sub-rankings
    items, rankings = sim_sim8()
    out, model, theta, C = run("sim8", items, rankings, {
        "description": "8 items, 300 sub-rankings of random subsets of 3..8 items (full orderings of "
                       "each subset; items not in a ranking are absent from it)",
        "source": "simulated", "seed": 20261202, "true_log_worth": SIM8_BETA.tolist(),
        "simulation": "numpy default_rng(20261202); per ranking m = rng.integers(3, 9), subset "
                      "rng.choice(8, m, replace=False), ordering by sorting beta + rng.gumbel(size=m) "
                      "descending (exact Plackett-Luce sampling)"},
        seed=20261202 + 1)
    dump("sim8", out)

    # (b') simulated tie-free, top-k of a choice set
    items, rankings = sim_sim8_topk()
    out, model, theta, C = run("sim8_topk", items, rankings, {
        "description": "8 items, 300 top-k rankings: choice set of 3..8 items, its top k (1..m-1) "
                       "ranked, the other m-k items present but unranked (rank left empty in "
                       "sim8_topk.rankings.csv); they stay in every choice set of the ranking and "
                       "are never chosen. k = m-1 is a full ordering of the set.",
        "source": "simulated", "seed": 20261203, "true_log_worth": SIM8_BETA.tolist(),
        "simulation": "numpy default_rng(20261203); per ranking m = rng.integers(3, 9), set "
                      "rng.choice(8, m, replace=False), k = rng.integers(1, m), full PL ordering by "
                      "beta + rng.gumbel(size=m), top k kept"},
        seed=20261203 + 1)
    ll_c = topk_loglik_by_completion(rankings, np.array(out["scores"]))
    out["completion_check"] = {
        "method": "log-likelihood at the optimum recomputed as the log of the summed probabilities "
                  "of all full orderings completing each top-k ranking (itertools.permutations)",
        "loglik": ll_c, "abs_diff_loglik": abs(ll_c - out["loglik"]),
    }
    assert out["completion_check"]["abs_diff_loglik"] < 1e-9
    dump("sim8_topk", out)

    # (c) simulated with ties of order 2 and 3
    items, rankings = sim_sim6_ties()
    out, model, theta, C = run("sim6_ties", items, rankings, {
        "description": "6 items, 400 rankings of random subsets of 3..6 items with ties of order 2 "
                       "and 3 (D = 3)",
        "source": "simulated", "seed": 20261204, "true_log_worth": SIM6_BETA.tolist(),
        "true_delta": {str(k): v for k, v in SIM6_DELTA.items()},
        "simulation": "numpy default_rng(20261204); per ranking m = rng.integers(3, 7), set "
                      "sorted(rng.choice(6, m, replace=False)); then stage by stage a candidate set S "
                      "of the remaining items (1 <= |S| <= 3, enumerated by size then "
                      "itertools.combinations order) is drawn with rng.choice(len, p = f/sum f)"},
        seed=20261204 + 1)
    tp = total_probability(theta, len(items), 3, range(6))
    out["normalisation_check"] = {
        "method": "at the optimum, the probabilities of all %d tied rankings of the 6 items "
                  "(ordered set partitions with blocks of size <= 3) sum to 1"
                  % sum(1 for _ in ordered_partitions(list(range(6)), 3)),
        "total_probability": tp, "abs_diff_from_1": abs(tp - 1.0),
    }
    assert out["normalisation_check"]["abs_diff_from_1"] < 1e-12
    dump("sim6_ties", out)

    # (d) NASCAR 2002
    drivers, orderings = load_nascar()
    avrank = {}
    for o in orderings:
        for pos, d in enumerate(o, start=1):
            avrank.setdefault(d, []).append(pos)
    avrank = {d: sum(v) / len(v) for d, v in avrank.items()}
    # drivers that never beat anybody: always last among the drivers of the data
    full_rankings = [rk(*o) for o in orderings]
    nascar_src = {
        "source": ("Hunter (2004), Annals of Statistics 32:384-406, 2002 NASCAR season, as the data "
                   "set `nascar` of the " + PL_SOURCE + " (data/nascar.rda, converted to "
                   "raw/nascar_orderings.csv and raw/nascar_drivers.txt by raw/extract_rda.R)"),
        "seed": None,
    }
    keep = list(range(83))
    r83 = [rk(*[d for d in o if d in set(keep)]) for o in orderings]
    pub83 = {"PJ Jones": 4.15, "Scott Pruett": 3.62, "Mark Martin": 2.08,
             "Dave Marcis": 0.03, "Dick Trickle": -0.31, "Joe Varde": -0.15}
    out, model, theta, C = run("nascar83", drivers[:83], r83, {
        "description": "NASCAR 2002: 36 races, drivers 1..83 (the 4 drivers 84..87, last in every "
                       "race they entered, dropped as in Hunter 2004 and the PlackettLuce vignette; "
                       "the rankings are the races' finishing orders of the remaining drivers), "
                       "maximum likelihood (npseudo = 0)", **nascar_src}, seed=83)
    sc = dict(zip(drivers[:83], out["scores"]))
    order = sorted(keep, key=lambda d: avrank[d])  # stable, as R's order()
    ordered_names = [drivers[d] for d in order]
    out["published"] = {
        "document": VIGNETTE,
        "what": ("coef(mod) of mod <- PlackettLuce(R2, npseudo = 0), R2 = drivers 1..83, i.e. "
                 "log-worth minus that of the first item Austin Cameron, printed rounded to 2 "
                 "decimals as head(coefs, 3) and tail(coefs, 3) after ordering by average rank"),
        "values": pub83,
        "reference_item": "Austin Cameron",
        "ours": {k: sc[k] - sc["Austin Cameron"] for k in pub83},
        "ours_rounded_2dp": {k: round(sc[k] - sc["Austin Cameron"], 2) for k in pub83},
        "max_abs_diff": max(abs(sc[k] - sc["Austin Cameron"] - v) for k, v in pub83.items()),
        "all_match_at_2dp": all(round(sc[k] - sc["Austin Cameron"], 2) == v for k, v in pub83.items()),
        "first3_last3_by_average_rank_ours": ordered_names[:3] + ordered_names[-3:],
    }
    dump("nascar83", out)

    pub87 = {"PJ Jones": 3.20, "Scott Pruett": 2.77, "Mark Martin": 1.91,
             "Dave Marcis": 0.02, "Dick Trickle": -0.38, "Joe Varde": -0.12,
             "Andy Hillenburg": -2.17, "Gary Bradberry": -1.74, "Jason Hedlesky": -1.59,
             "Randy Renfrow": -1.77}
    pub87_se = {"Andy Hillenburg": (-2.171065, 1.812994), "Gary Bradberry": (-1.744754, 1.855365),
                "Jason Hedlesky": (-1.590764, 1.881708), "Randy Renfrow": (-1.768629, 1.904871)}
    out, model, theta, C = run("nascar87_pseudo", drivers, full_rankings, {
        "description": ("NASCAR 2002: all 36 races and 87 drivers (4 of them never beat anybody, so "
                        "there is no MLE), fitted with the pseudo-ranking prior npseudo = 0.5 as "
                        "PlackettLuce(R) does by default: a hypothetical item 0 with log-worth fixed "
                        "at 0; for every real item i two paired rankings, i > 0 with weight 0.5 and "
                        "0 > i with weight 0.5, are added to the log-likelihood; the estimate is the "
                        "maximiser of log-likelihood + that log-prior (the posterior mode). loglik "
                        "is the data log-likelihood at that mode; se uses the data-only information "
                        "(as vcov.PlackettLuce); se_with_prior_information adds the pseudo-rankings' "
                        "information"), **nascar_src}, npseudo=0.5, seed=87)
    sc = dict(zip(drivers, out["scores"]))
    V = np.asarray(C)
    i0 = drivers.index("Austin Cameron")

    def se_ref(name):
        i = drivers.index(name)
        return math.sqrt(V[i, i] + V[i0, i0] - 2 * V[i, i0])

    out["published"] = {
        "document": VIGNETTE,
        "what": ("coef(mod2) and coef(summary(mod2))[84:87, ] of mod2 <- PlackettLuce(R) (default "
                 "npseudo = 0.5), all 87 drivers; log-worth minus that of Austin Cameron; the "
                 "coefficients printed rounded to 2 decimals, the 4 rows of coef(summary()) with "
                 "7 significant digits (Estimate, Std. Error)"),
        "values_2dp": pub87,
        "estimate_se_84_87": {k: {"estimate": v[0], "se": v[1]} for k, v in pub87_se.items()},
        "reference_item": "Austin Cameron",
        "ours_2dp": {k: round(sc[k] - sc["Austin Cameron"], 2) for k in pub87},
        "all_match_at_2dp": all(round(sc[k] - sc["Austin Cameron"], 2) == v for k, v in pub87.items()),
        "ours_84_87": {k: {"estimate": sc[k] - sc["Austin Cameron"], "se": se_ref(k)}
                       for k in pub87_se},
        "max_abs_diff_estimate_84_87": max(abs(sc[k] - sc["Austin Cameron"] - v[0])
                                           for k, v in pub87_se.items()),
        "max_abs_diff_se_84_87": max(abs(se_ref(k) - v[1]) for k, v in pub87_se.items()),
    }
    dump("nascar87_pseudo", out)

    # (d2) pudding: paired comparisons with ties (Davidson 1970)
    items, rankings, prow = load_pudding()
    out, model, theta, C = run("pudding", items, rankings, {
        "description": ("Davidson (1970) chocolate pudding paired comparisons: 6 brands, 15 pairs, "
                        "each comparison a ranking of 2 (i > j, j > i, or i = j tied), expanded from "
                        "the pair counts w_ij, w_ji, t_ij; with D = 2 the model is Davidson's"),
        "source": ("data set `pudding` of the " + PL_SOURCE + " (data/pudding.rda, converted to "
                   "raw/pudding.csv by raw/extract_rda.R)"), "seed": None}, seed=6)
    dv_s, dv_nu, dv_ll = davidson_pairs(prow)
    out["davidson_check"] = {
        "method": "separate Davidson log-likelihood on the 15 pair counts, scipy Nelder-Mead then BFGS",
        "scores": dv_s.tolist(), "delta": dv_nu, "loglik": dv_ll,
        "max_abs_diff_scores": float(np.max(np.abs(dv_s - np.array(out["scores"])))),
        "abs_diff_delta": abs(dv_nu - out["ties"][0]["delta"]),
        "abs_diff_loglik": abs(dv_ll - out["loglik"]),
    }
    assert out["davidson_check"]["max_abs_diff_scores"] < 1e-5
    sc = np.array(out["scores"])
    worth = np.exp(sc) / np.exp(sc).sum()
    V = np.asarray(C)
    se1 = [math.sqrt(V[i, i] + V[0, 0] - 2 * V[i, 0]) for i in range(6)]
    pub_worth = [0.1388005, 0.1729985, 0.1617420, 0.1653930, 0.1586805, 0.2023855]
    pub_ref1 = [(0.0, None), (0.2202, 0.1872), (0.1530, 0.1935), (0.1753, 0.1882),
                (0.1339, 0.1927), (0.3771, 0.1924)]
    pub_mean = [(-0.176581, 0.121949), (0.043664, 0.121818), (-0.023617, 0.126823),
                (-0.001295, 0.122003), (-0.042726, 0.127054), (0.200555, 0.126594)]
    pub_qv = [(0.0, 0.0), (0.2202447, 0.1872168), (0.1529644, 0.1935181), (0.1752864, 0.1882110),
              (0.1338550, 0.1927043), (0.3771362, 0.1924059)]  # summary(qvcalc(mod)): estimate, SE
    pub_tie = {"log_delta": -0.291938, "se_log_delta": 0.082499, "delta": 0.7468147}
    out["published"] = {
        "document": VIGNETTE,
        "caveat": ("the vignette fits mod <- PlackettLuce(R, weights = w, npseudo = 0, maxit = 7), "
                   "stopping after 7 iterations ('Iterations have not converged') to reproduce "
                   "Davidson's (1970) worths, so the printed numbers are NOT the converged MLE; "
                   "differences of order 1e-4 are expected"),
        "worth_sum_to_one": pub_worth, "tie2_delta": pub_tie["delta"],
        "summary_ref1": [{"estimate": a, "se": b} for a, b in pub_ref1],
        "summary_ref_null_centred": [{"estimate": a, "se": b} for a, b in pub_mean],
        "tie2_log": {"estimate": pub_tie["log_delta"], "se": pub_tie["se_log_delta"]},
        "qvcalc_ref1_estimate_se": [{"estimate": a, "se": b} for a, b in pub_qv],
        "max_abs_diff_ref1_estimate_vs_qvcalc": float(max(abs(sc[i] - sc[0] - pub_qv[i][0])
                                                          for i in range(6))),
        "max_abs_diff_ref1_se_vs_qvcalc": float(max(abs(se1[i] - pub_qv[i][1]) for i in range(6))),
        "ours_worth_sum_to_one": worth.tolist(),
        "ours_summary_ref1": [{"estimate": float(sc[i] - sc[0]), "se": se1[i]} for i in range(6)],
        "max_abs_diff_worth": float(np.max(np.abs(worth - np.array(pub_worth)))),
        "max_abs_diff_centred_estimate": float(np.max(np.abs(sc - np.array([a for a, _ in pub_mean])))),
        "max_abs_diff_centred_se": float(np.max(np.abs(np.array(out["se"]) -
                                                       np.array([b for _, b in pub_mean])))),
        "abs_diff_delta": abs(out["ties"][0]["delta"] - pub_tie["delta"]),
        "abs_diff_log_delta_se": abs(out["ties"][0]["se_log_delta"] - pub_tie["se_log_delta"]),
    }
    dump("pudding", out)
    print(f"total {time.time() - t_start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
