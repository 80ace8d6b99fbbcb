"""Independent scipy re-derivation of every R reference fit in tests/data/ made by tests/data/r/.

    python tests/data/r/check_scipy.py | tee tests/data/r/check_scipy.log

For each fit the exact log-likelihood is written here from scratch with log-CDF forms
(scipy.special.log_expit / log_ndtr), maximised with scipy.optimize.minimize (BFGS, analytic
gradient) in a sum-to-zero parametrisation (last score = -sum of the others), then polished by
Newton steps with a Hessian from central differences of the analytic gradient until
max |gradient| < 1e-9. Standard errors: Moore-Penrose inverse of the observed information in
the full (all items + extra parameters) parametrisation, which equals C V C (a different route
from the R scripts' reference-item inverse). Every number in the R .csv/.json is compared.
Also re-checks the four fits copied from /work/shared/reference.
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, special

DATA = Path(__file__).resolve().parent.parent
TOL = 1e-6
LOG_SQRT_2PI = 0.5 * np.log(2 * np.pi)


# ------------------------------------------------------------------ link functions (log forms)
def log_cdf(x, link):
    return special.log_expit(x) if link == "logit" else special.log_ndtr(x)


def log_pdf(x, link):
    if link == "logit":
        return special.log_expit(x) + special.log_expit(-x)
    return -0.5 * x * x - LOG_SQRT_2PI


def log_cell(u, l, link):
    """log(F(u) - F(l)), u > l, either may be +-inf; stable in both tails (F symmetric)."""
    out = np.empty_like(u, dtype=float)
    top = np.isposinf(u)
    bot = np.isneginf(l)
    out[top] = log_cdf(-l[top], link)          # 1 - F(l) = F(-l)
    out[bot] = log_cdf(u[bot], link)
    mid = ~(top | bot)
    um, lm = u[mid], l[mid]
    right = lm > 0                              # both in the right tail: use survival functions
    a = np.where(right, log_cdf(-lm, link), log_cdf(um, link))
    b = np.where(right, log_cdf(-um, link), log_cdf(lm, link))
    out[mid] = a + np.log1p(-np.exp(b - a))
    return out


# ------------------------------------------------------------------ cumulative-link models
class CumLink:
    """P(y = k) = F(c_k - z) - F(c_{k-1} - z), y = 0..K-1, z = s_a - s_b + h * cov.

    kind: 'binary' (c = 0), 'ties' (c = -eta, eta), 'graded5' (c = -t2, -t1, t1, t2).
    Parameters (full): scores (n items), then h (if cov given), then the threshold parameters.
    """

    def __init__(self, a, b, y, n, link, kind, cov=None):
        self.a, self.b, self.y, self.n, self.link, self.kind, self.cov = a, b, y, n, link, kind, cov
        self.K = {"binary": 2, "ties": 3, "graded5": 5}[kind]
        self.nh = 0 if cov is None else 1
        self.extra_names = (["h"] if cov is not None else []) + \
            {"binary": [], "ties": ["eta"], "graded5": ["t1", "t2"]}[kind]

    def cuts(self, t):
        if self.kind == "binary":
            return np.array([0.0])
        if self.kind == "ties":
            return np.array([-t[0], t[0]])
        return np.array([-t[1], -t[0], t[0], t[1]])

    def cut_jac(self):  # d cuts / d t
        if self.kind == "binary":
            return np.zeros((1, 0))
        if self.kind == "ties":
            return np.array([[-1.0], [1.0]])
        return np.array([[0, -1.0], [-1.0, 0], [1.0, 0], [0, 1.0]])

    def _split(self, th):
        n = self.n
        s = th[:n]
        h = th[n] if self.nh else 0.0
        t = th[n + self.nh:]
        return s, h, t

    def loglik_grad(self, th):
        s, h, t = self._split(th)
        z = s[self.a] - s[self.b] + (h * self.cov if self.nh else 0.0)
        c = np.concatenate([[-np.inf], self.cuts(t), [np.inf]])
        u = c[self.y + 1] - z
        l = c[self.y] - z
        lp = log_cell(u, l, self.link)
        with np.errstate(invalid="ignore"):
            fu = np.where(np.isfinite(u), np.exp(log_pdf(np.where(np.isfinite(u), u, 0), self.link) - lp), 0.0)
            fl = np.where(np.isfinite(l), np.exp(log_pdf(np.where(np.isfinite(l), l, 0), self.link) - lp), 0.0)
        dz = -(fu - fl)                                     # d log P / d z
        g_s = np.bincount(self.a, dz, self.n) - np.bincount(self.b, dz, self.n)
        g = [g_s]
        if self.nh:
            g.append([np.sum(dz * self.cov)])
        # d log P / d c_k  (k = 0..K-2)
        g_c = np.zeros(self.K - 1)
        up_idx = self.y < self.K - 1
        np.add.at(g_c, self.y[up_idx], fu[up_idx])
        lo_idx = self.y > 0
        np.add.at(g_c, self.y[lo_idx] - 1, -fl[lo_idx])
        g.append(self.cut_jac().T @ g_c)
        return lp.sum(), np.concatenate(g)

    def expected_info_binary(self, th):
        """Fisher information (binary models only), full parametrisation."""
        s, h, _ = self._split(th)
        z = s[self.a] - s[self.b] + (h * self.cov if self.nh else 0.0)
        w = np.exp(2 * log_pdf(z, self.link) - log_cdf(z, self.link) - log_cdf(-z, self.link))
        m = len(z)
        Xd = np.zeros((m, self.n + self.nh))
        Xd[np.arange(m), self.a] += 1
        Xd[np.arange(m), self.b] -= 1
        if self.nh:
            Xd[:, self.n] = self.cov
        return Xd.T @ (Xd * w[:, None])


class DavidsonHome:
    """z = s_a - s_b + h*cov; log P(a) = z/2 - log D, log P(b) = -z/2 - log D,
    log P(tie) = log nu - log D, D = exp(z/2) + exp(-z/2) + nu. y: 0 b, 1 tie, 2 a.
    Full parameters: scores, (h), nu."""

    def __init__(self, a, b, y, n, cov=None):
        self.a, self.b, self.y, self.n, self.cov = a, b, y, n, cov
        self.nh = 0 if cov is None else 1
        self.extra_names = (["h"] if cov is not None else []) + ["nu"]

    def loglik_grad(self, th):
        n = self.n
        s = th[:n]
        h = th[n] if self.nh else 0.0
        nu = th[n + self.nh]
        if nu <= 0:
            return -np.inf, np.zeros_like(th)
        lam = np.log(nu)
        u = (s[self.a] - s[self.b] + (h * self.cov if self.nh else 0.0)) / 2
        logD = np.logaddexp(np.logaddexp(u, -u), lam)
        num = np.where(self.y == 2, u, np.where(self.y == 0, -u, lam))
        wa, wb, wt = np.exp(u - logD), np.exp(-u - logD), np.exp(lam - logD)
        dz = ((self.y == 2).astype(float) - (self.y == 0)) / 2 - (wa - wb) / 2
        dnu = ((self.y == 1).astype(float) - wt) / nu
        g = [np.bincount(self.a, dz, n) - np.bincount(self.b, dz, n)]
        if self.nh:
            g.append([np.sum(dz * self.cov)])
        g.append([dnu.sum()])
        return np.sum(num - logD), np.concatenate(g)


# ------------------------------------------------------------------ fitting
def fd_hessian(grad, th, step=1e-5):
    q = len(th)
    H = np.zeros((q, q))
    for j in range(q):
        e = np.zeros(q)
        e[j] = step * max(1.0, abs(th[j]))
        H[:, j] = (grad(th + e) - grad(th - e)) / (2 * e[j])
    return (H + H.T) / 2


def fit(model, start_extra, kinds):
    """kinds: per extra parameter, 'free', 'pos' (> 0) or 'incr' (> the previous one); used only
    for the BFGS stage (optimised on log scales so that it cannot leave the valid region)."""
    n = model.n
    ne = len(start_extra)
    # free parameters x = (s_0..s_{n-2}, extras); s_{n-1} = -sum
    A = np.zeros((n + ne, n - 1 + ne))
    A[: n - 1, : n - 1] = np.eye(n - 1)
    A[n - 1, : n - 1] = -1.0
    A[n:, n - 1:] = np.eye(ne)
    full = lambda x: A @ x
    f = lambda x: -model.loglik_grad(full(x))[0]
    g = lambda x: -A.T @ model.loglik_grad(full(x))[1]

    def w_to_x(w):
        x = w.copy()
        J = np.eye(len(w))
        for j, k in enumerate(kinds):
            i = n - 1 + j
            if k == "pos":
                x[i] = np.exp(w[i]); J[i, i] = x[i]
            elif k == "incr":
                x[i] = x[i - 1] + np.exp(w[i]); J[i, :] = J[i - 1, :]; J[i, i] = np.exp(w[i])
        return x, J

    def fw(w):
        x, _ = w_to_x(w)
        v = f(x)
        return v if np.isfinite(v) else 1e300

    def gw(w):
        x, J = w_to_x(w)
        return J.T @ g(x)

    w0 = np.zeros(n - 1 + ne)
    for j, (k, v) in enumerate(zip(kinds, start_extra)):
        i = n - 1 + j
        w0[i] = v if k == "free" else np.log(v if k == "pos" else v - start_extra[j - 1])
    res = optimize.minimize(fw, w0, jac=gw, method="BFGS", options={"gtol": 1e-8, "maxiter": 10000})
    x, _ = w_to_x(res.x)
    for _ in range(50):
        gx = g(x)
        if np.max(np.abs(gx)) < 1e-9:
            break
        x = x - np.linalg.solve(fd_hessian(g, x), gx)
    th = full(x)
    ll, gr = model.loglik_grad(th)
    H = fd_hessian(lambda t: model.loglik_grad(t)[1], th)
    cov = np.linalg.pinv(-H, rcond=1e-12, hermitian=True)
    # cross-check: inverse in the sum-to-zero parametrisation mapped back (same matrix)
    cov2 = A @ np.linalg.inv(fd_hessian(g, x)) @ A.T
    return dict(theta=th, loglik=ll, cov=cov, cov_alt_diff=np.max(np.abs(cov - cov2)),
                max_abs_grad=np.max(np.abs(g(x))), bfgs_ok=res.success)


# ------------------------------------------------------------------ comparisons
def load_ref(stem):
    tab = pd.read_csv(DATA / f"{stem}.csv", dtype={"item": str})
    with open(DATA / f"{stem}.json", encoding="utf-8") as fh:
        js = json.load(fh)
    return tab, js


WORST = {}


def compare(stem, items, r, extras, se_keys=None, extra_checks=()):
    """extras: list of (name_in_model, json_value_key, json_se_key)."""
    tab, js = load_ref(stem)
    assert list(tab["item"]) == list(items), (stem, list(tab["item"]), items)
    n = len(items)
    se = np.sqrt(np.diag(r["cov"]))
    diffs = {
        "score": np.max(np.abs(r["theta"][:n] - tab["score"].to_numpy())),
        "se": np.max(np.abs(se[:n] - tab["se"].to_numpy())),
        "loglik": abs(r["loglik"] - js["loglik"]),
    }
    for j, (name, key, sekey) in enumerate(extras):
        diffs[key] = abs(r["theta"][n + j] - js[key])
        diffs[sekey] = abs(se[n + j] - js[sekey])
    for label, got, want in extra_checks:
        diffs[label] = float(np.max(np.abs(np.asarray(got) - np.asarray(want))))
    worst = max(diffs.values())
    WORST[stem] = worst
    print(f"{stem}: loglik {r['loglik']:.10f}  max|grad| {r['max_abs_grad']:.1e}  "
          f"(pinv vs sum-to-zero inverse {r['cov_alt_diff']:.1e})")
    for k, v in diffs.items():
        print(f"    {k:<12} max |scipy - R| = {v:.2e}")
    print(f"    => worst {worst:.2e} {'ok' if worst < TOL else '** DISAGREES **'}")
    return diffs


def codes(df):
    items = sorted(set(df["item_a"]) | set(df["item_b"]))
    idx = {it: i for i, it in enumerate(items)}
    return items, df["item_a"].map(idx).to_numpy(), df["item_b"].map(idx).to_numpy()


def read(name):
    return pd.read_csv(DATA / name, dtype={"item_a": str, "item_b": str})


def expand(cnt):
    rows = []
    for r in cnt.itertuples(index=False):
        home = getattr(r, "home_a", 0)
        rows += [(r.item_a, r.item_b, home, 1.0)] * int(r.wins_a)
        rows += [(r.item_a, r.item_b, home, 0.0)] * int(r.wins_b)
        rows += [(r.item_a, r.item_b, home, 0.5)] * int(getattr(r, "ties", 0))
    return pd.DataFrame(rows, columns=["item_a", "item_b", "home", "outcome"])


def main():
    # ---- position: bt_order, thurstone_order
    d = read("position.csv")
    items, a, b = codes(d)
    for link, model_name in [("logit", "bt_order"), ("probit", "thurstone_order")]:
        m = CumLink(a, b, d["outcome"].to_numpy(), len(items), link, "binary", cov=d["first"].to_numpy(float))
        r = fit(m, [0.0], ["free"])
        checks = []
        if link == "probit":
            tab, js = load_ref(f"position.{model_name}")
            ce = np.linalg.pinv(m.expected_info_binary(r["theta"]), rcond=1e-12, hermitian=True)
            sexp = np.sqrt(np.diag(ce))
            checks = [("se_exp", sexp[:len(items)], tab["se_exp"]), ("h_se_exp", sexp[-1], js["h_se_exp"])]
        compare(f"position.{model_name}", items, r, [("h", "h", "h_se")], extra_checks=checks)

    # ---- home_ties: raokupper_home, glenndavid_home, davidson_home
    d = read("home_ties.csv")
    items, a, b = codes(d)
    y = d["outcome"].map({0.0: 0, 0.5: 1, 1.0: 2}).to_numpy()
    home = d["home"].to_numpy(float)
    for link, model_name in [("logit", "raokupper_home"), ("probit", "glenndavid_home")]:
        m = CumLink(a, b, y, len(items), link, "ties", cov=home)
        r = fit(m, [0.0, 0.5], ["free", "pos"])
        compare(f"home_ties.{model_name}", items, r, [("h", "h", "h_se"), ("eta", "eta", "eta_se")])
    m = DavidsonHome(a, b, y, len(items), cov=home)
    r = fit(m, [0.0, 1.0], ["free", "pos"])
    compare("home_ties.davidson_home", items, r, [("h", "h", "h_se"), ("nu", "nu", "nu_se")])

    # ---- graded5: graded_logit, graded_probit
    d = read("graded5.csv")
    items, a, b = codes(d)
    y = d["grade"].to_numpy() + 2
    for link, model_name in [("logit", "graded_logit"), ("probit", "graded_probit")]:
        m = CumLink(a, b, y, len(items), link, "graded5")
        r = fit(m, [0.5, 1.5], ["pos", "incr"])
        tab, js = load_ref(f"graded5.{model_name}")
        cov_ns = np.array(js["cov_nonscore"]["matrix"])
        compare(f"graded5.{model_name}", items, r, [("t1", "t1", "t1_se"), ("t2", "t2", "t2_se")],
                extra_checks=[("cov_nonscore", r["cov"][len(items):, len(items):], cov_ns),
                              ("cov_full", r["cov"], np.array(js["cov_full"]["matrix"]))])

    # ---- the four copied shared fits (their own JSON keys)
    d = expand(read("baseball.directed.csv"))
    items, a, b = codes(d)
    for link, stem in [("logit", "baseball.bt_home"), ("probit", "baseball.thurstone_home")]:
        m = CumLink(a, b, (d["outcome"] == 1).astype(int).to_numpy(), len(items), link, "binary",
                    cov=d["home"].to_numpy(float))
        r = fit(m, [0.0], ["free"])
        ce = np.linalg.pinv(m.expected_info_binary(r["theta"]), rcond=1e-12, hermitian=True)
        sexp = np.sqrt(np.diag(ce))
        tab, js = load_ref(stem)
        r_exp = dict(r, cov=ce)                       # the files' `se` / `se_h` are expected information
        checks = [("se_obs", np.sqrt(np.diag(r["cov"]))[:len(items)], tab["se_obs"]),
                  ("se_h_obs", np.sqrt(r["cov"][-1, -1]), js["se_h_obs"])] if link == "probit" else []
        compare(stem, items, r_exp, [("h", "h", "se_h")], extra_checks=checks)
    d = expand(read("springall.csv"))
    items, a, b = codes(d)
    y = d["outcome"].map({0.0: 0, 0.5: 1, 1.0: 2}).to_numpy()
    r = fit(DavidsonHome(a, b, y, len(items)), [1.0], ["pos"])
    compare("springall.davidson", items, r, [("nu", "nu", "se_nu")])
    r = fit(CumLink(a, b, y, len(items), "probit", "ties"), [0.5], ["pos"])
    compare("springall.thurstone_ties", items, r, [("eta", "eta", "se_eta")])

    print(f"\nworst |scipy - R| over all fits: {max(WORST.values()):.2e} (tolerance {TOL:g})")
    for k, v in WORST.items():
        print(f"    {k:<28} {v:.2e}")


if __name__ == "__main__":
    main()
