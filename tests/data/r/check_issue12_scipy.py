"""Independent re-derivation (numpy / scipy, no R) of the issue-12 reference numbers written by
tests/data/r/issue12_references.R.  Run from the repo root:

    python tests/data/r/check_issue12_scipy.py > tests/data/r/check_issue12_scipy.log

Checks: quasi-variances (scipy least_squares on log contrast variances, from the covmat stored
in the JSON), worst relative errors over all contrasts (generalized eigenvalues), the flat-lizard
covariate fits from the two CSV files, the simulated-covariate glm fits with model-based and
sandwich covariances, the centring map, and the likelihood-ratio test.
"""
import itertools
import json
import os

import numpy as np
import pandas as pd
from scipy import linalg, optimize, special, stats

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
worst = {}


def load(name):
    with open(os.path.join(DATA, name)) as f:
        return json.load(f)


def record(label, a, b):
    d = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))
    worst[label] = d
    print(f"{label:60s} {d:.2e}")


def mat(m):
    return np.array(m["matrix"], float)


# ---------------------------------------------------------------- 1. quasi-variances
def qv_fit(V):
    n = V.shape[0]
    pairs = list(itertools.combinations(range(n), 2))
    v = np.array([V[i, i] + V[j, j] - 2 * V[i, j] for i, j in pairs])
    L = np.zeros((len(pairs), n))
    for k, (i, j) in enumerate(pairs):
        L[k, i] = L[k, j] = 1
    res = optimize.least_squares(lambda q: np.log(v) - np.log(L @ q), np.full(n, np.mean(v) / 2),
                                 xtol=1e-15, ftol=1e-15, gtol=1e-15)
    q = res.x
    rel = np.sqrt(L @ q / v) - 1
    D = np.hstack([-np.ones((n - 1, 1)), np.eye(n - 1)])
    e = linalg.eigh(D @ np.diag(q) @ D.T, D @ V @ D.T, eigvals_only=True)
    return q, rel, np.sqrt([e.min(), e.max()]) - 1, float(np.sum((np.log(v) - np.log(L @ q)) ** 2))


for stem in ["baseball.qv_bt", "baseball.qv_thurstone", "baseball.qv_bt_home"]:
    js = load(stem + ".json")
    items = js["items"]
    q, rel, wa, S = qv_fit(mat(js["covmat"]))
    pol = js["polished"]
    record(f"{stem}: quasi_var vs polished", q, [pol["quasi_var"][i] for i in items])
    record(f"{stem}: quasi_var vs qvcalc", q, [js["quasi_var"][i] for i in items])
    record(f"{stem}: relerrs vs polished", rel, list(pol["relerrs"].values()))
    record(f"{stem}: worst all contrasts vs polished", wa, [pol["worst_relerr_all"]["min"], pol["worst_relerr_all"]["max"]])
    record(f"{stem}: objective S vs polished", S, pol["objective_S"])
    if "observed_information" in js:
        ob = js["observed_information"]
        q2, _, _, _ = qv_fit(mat(ob["covmat"]))
        record(f"{stem}: observed-information quasi_var", q2, [ob["polished_quasi_var"][i] for i in items])


# ---------------------------------------------------------------- binary GLM helper
def fit_binary(X, y, link):
    if link == "logit":
        logF = special.log_expit
        lam = lambda t: special.expit(-t)
        dlam = lambda t: -special.expit(t) * special.expit(-t)
        ew = lambda t: special.expit(t) * special.expit(-t)
    else:
        logF = special.log_ndtr
        lam = lambda t: np.exp(stats.norm.logpdf(t) - special.log_ndtr(t))
        dlam = lambda t: -t * lam(t) - lam(t) ** 2
        ew = lambda t: np.exp(2 * stats.norm.logpdf(t) - special.log_ndtr(t) - special.log_ndtr(-t))
    y1, y0 = y, 1 - y

    def nll(b):
        e = X @ b
        return -np.sum(y1 * logF(e) + y0 * logF(-e))

    b = optimize.minimize(nll, np.zeros(X.shape[1]), method="BFGS", options={"gtol": 1e-9}).x
    for _ in range(50):
        e = X @ b
        g = X.T @ (y1 * lam(e) - y0 * lam(-e))
        H = X.T @ (X * (y1 * dlam(e) + y0 * dlam(-e))[:, None])
        b = b - np.linalg.solve(H, g)
        if np.max(np.abs(g)) < 1e-12:
            break
    e = X @ b
    gi = (y1 * lam(e) - y0 * lam(-e))
    H = X.T @ (X * (y1 * dlam(e) + y0 * dlam(-e))[:, None])
    I_exp = X.T @ (X * ew(e)[:, None])
    return dict(b=b, ll=-nll(b), V_obs=np.linalg.inv(-H), V_exp=np.linalg.inv(I_exp), U=X * gi[:, None])


# ---------------------------------------------------------------- 2. flat lizards
cmp_ = pd.read_csv(os.path.join(DATA, "flatlizards.comparisons.csv"))
cov = pd.read_csv(os.path.join(DATA, "flatlizards.covariates.csv")).set_index("lizard")
COVS = ["throat.PC1", "throat.PC3", "head.length", "SVL"]
sep = cov.index[cov[COVS].isna().any(axis=1)].tolist()
Xc = cov[COVS].copy()
Xc.loc[sep] = 0.0
Xl = np.column_stack([(cmp_.winner == s).astype(float) - (cmp_.loser == s).astype(float) for s in sep]
                     + [Xc.loc[cmp_.winner].to_numpy() - Xc.loc[cmp_.loser].to_numpy()])
names = ["..%s" % s for s in sep] + ["%s[..]" % c for c in COVS]
keep_rows = ~((cmp_.winner == "lizard096") | (cmp_.loser == "lizard096")).to_numpy()
keep_cols = [k for k, nm in enumerate(names) if nm != "..lizard096"]
Xlim = Xl[keep_rows][:, keep_cols]
lj = load("flatlizards.bt_covariates.json")
print("separate lizards from the CSV:", sep, "(JSON:", list(lj["separate_lizards"]), ")")
for link in ["probit", "logit"]:
    f = fit_binary(Xlim, np.ones(Xlim.shape[0]), link)
    lf = lj["fixed_" + link]["limit_fit"]
    cn = [names[k] for k in keep_cols]
    record(f"flatlizards {link}: coefficients", f["b"], [lf["coefficients"][c]["estimate"] for c in cn])
    record(f"flatlizards {link}: se (expected)", np.sqrt(np.diag(f["V_exp"])), [lf["coefficients"][c]["se"] for c in cn])
    record(f"flatlizards {link}: se_obs", np.sqrt(np.diag(f["V_obs"])), [lf["coefficients"][c]["se_obs"] for c in cn])
    record(f"flatlizards {link}: loglik", f["ll"], lf["loglik"])
    record(f"flatlizards {link}: aic", -2 * f["ll"] + 2 * 6, lf["aic"])

# ---------------------------------------------------------------- 3. simulated covariates
sim = pd.read_csv(os.path.join(DATA, "covariates_sim.csv"))
items = sorted(set(sim.item_a) | set(sim.item_b))
Xi = np.column_stack([(sim.item_a == j).astype(float) - (sim.item_b == j).astype(float) for j in items[1:]])
XF = np.column_stack([Xi, sim.x1, sim.x2, sim.order])
XR = np.column_stack([Xi, sim.x1, sim.order])
y = sim.win_a.to_numpy(float)
n_items = len(items)
C = np.eye(n_items) - 1.0 / n_items
P = np.zeros((n_items + 3, n_items - 1 + 3))
P[:n_items, :n_items - 1] = C[:, 1:]
P[n_items:, n_items - 1:] = np.eye(3)
cn = items[1:] + ["x1", "x2", "order"]
for link in ["logit", "probit"]:
    js = load(f"covariates_sim.glm_{link}.json")
    f = fit_binary(XF, y, link)
    V = f["V_obs"] if link == "logit" else f["V_exp"]
    record(f"sim {link}: coefficients", f["b"], [js["coefficients"][c]["estimate"] for c in cn])
    record(f"sim {link}: se", np.sqrt(np.diag(V)), [js["coefficients"][c]["se"] for c in cn])
    record(f"sim {link}: loglik", f["ll"], js["loglik"])
    record(f"sim {link}: aic / bic", [-2 * f["ll"] + 20, -2 * f["ll"] + np.log(len(y)) * 10], [js["aic"], js["bic"]])
    Vc = P @ V @ P.T
    record(f"sim {link}: centred scores", (P @ f["b"])[:n_items], [js["centring"]["score"][i] for i in items])
    record(f"sim {link}: centred cov", Vc, mat(js["centring"]["cov_obs" if link == "logit" else "cov_exp"]))
    B = f["V_exp"]
    U = f["U"]
    Ug = pd.DataFrame(U).groupby(sim.cl.to_numpy()).sum().to_numpy()
    G, nn, k = Ug.shape[0], U.shape[0], U.shape[1]
    hc0 = B @ U.T @ U @ B
    cl0 = B @ Ug.T @ Ug @ B
    sw = js["sandwich"]
    record(f"sim {link}: vcovHC HC0 (vs sandwich)", hc0, mat(sw["HC0"]["cov_reference"]))
    record(f"sim {link}: vcovCL HC0 cadjust=FALSE", cl0, mat(sw["CL_HC0_noadj"]["cov_reference"]))
    record(f"sim {link}: vcovCL default", cl0 * G / (G - 1), mat(sw["CL_default"]["cov_reference"]))
    record(f"sim {link}: vcovCL HC1", cl0 * G / (G - 1) * (nn - 1) / (nn - k), mat(sw["CL_HC1"]["cov_reference"]))
    record(f"sim {link}: vcovCL default at MLE", cl0 * G / (G - 1), mat(sw["CL_default"]["cov_reference_at_mle"]))
    record(f"sim {link}: centred HC0 se", np.sqrt(np.diag(P @ hc0 @ P.T)), list(sw["HC0"]["se_centred_at_mle"].values()))
    # 4. LRT
    f0 = fit_binary(XR, y, link)
    lr = load("covariates_sim.lrt.json")[link]
    stat = 2 * (f["ll"] - f0["ll"])
    record(f"lrt {link}: statistic", stat, lr["lr_statistic"])
    record(f"lrt {link}: p (relative)", stats.chi2.sf(stat, 1) / lr["p"], 1.0)
    record(f"lrt {link}: aic/bic without x2", [-2 * f0["ll"] + 18, -2 * f0["ll"] + np.log(len(y)) * 9],
           [lr["without_x2"]["aic"], lr["without_x2"]["bic"]])

print("\nworst difference overall: %.2e (%s)" % (max(worst.values()), max(worst, key=worst.get)))
