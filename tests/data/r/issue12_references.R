## Issue 12 reference numbers: quasi-variances, item covariates, comparison covariates,
## sandwich covariances and likelihood-ratio tests.  One script, run from the repo root:
##
##     Rscript tests/data/r/issue12_references.R
##
## Writes into tests/data/ (see tests/data/README_issue12.md for what each file holds):
##   1. baseball.qv_bt.{csv,json}, baseball.qv_thurstone.{csv,json}, baseball.qv_bt_home.{csv,json}
##   2. flatlizards.comparisons.csv, flatlizards.covariates.csv, flatlizards.bt_covariates.json,
##      flatlizards.abilities.csv
##   3. covariates_sim.csv, covariates_sim.glm_logit.{csv,json}, covariates_sim.glm_probit.{csv,json}
##   4. covariates_sim.lrt.json
##
## Self-contained (does not source common.R). Numbers are written with the shortest of
## %.15g / %.16g / %.17g that reads back to the identical double (JSON and CSV), so every
## number round-trips exactly.

suppressPackageStartupMessages({
  library(BradleyTerry2); library(qvcalc); library(sandwich)
})

script_dir <- function() {
  a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else getwd()
}
DATA_DIR <- normalizePath(file.path(script_dir(), ".."))   # tests/data
data_path <- function(f) file.path(DATA_DIR, f)
SCRIPT <- "tests/data/r/issue12_references.R"

versions <- function(pkgs) {
  list(r_version = R.version.string,
       packages = setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs))
}
VERS <- versions(c("stats", "BradleyTerry2", "qvcalc", "sandwich", "MASS", "lme4"))
TIGHT <- glm.control(epsilon = 1e-14, maxit = 500)

## ---------------------------------------------------------------------------------
## exact number formatting, JSON and CSV writers
fmt_num <- function(x) {
  out <- character(length(x))
  for (i in seq_along(x)) {
    xi <- x[i]
    if (is.na(xi)) { out[i] <- NA_character_; next }
    if (is.infinite(xi)) { out[i] <- if (xi > 0) "Infinity" else "-Infinity"; next }
    for (d in 15:17) { s <- sprintf(paste0("%.", d, "g"), xi); if (as.numeric(s) == xi) break }
    out[i] <- s
  }
  out
}
json_str <- function(s) {
  s <- gsub("\\\\", "\\\\\\\\", s); s <- gsub("\"", "\\\\\"", s)
  s <- gsub("\n", "\\\\n", s); s <- gsub("\t", "\\\\t", s)
  paste0("\"", s, "\"")
}
json_atom <- function(v) {
  if (is.factor(v)) v <- as.character(v)
  if (is.logical(v)) return(ifelse(is.na(v), "null", ifelse(v, "true", "false")))
  if (is.character(v)) return(ifelse(is.na(v), "null", json_str(v)))
  if (is.integer(v)) return(ifelse(is.na(v), "null", as.character(v)))
  f <- fmt_num(as.numeric(v))
  ## +-Inf are not JSON: written as null (noted wherever it can occur)
  ifelse(is.na(f) | f %in% c("Infinity", "-Infinity"), "null", f)
}
## named list -> object; unnamed list -> array; atomic length 1 -> scalar unless AsIs
## (I()) or named (named atomic vector -> object); matrix -> {rownames, colnames, matrix}
to_json <- function(x, ind = "") {
  ind2 <- paste0(ind, "  ")
  if (is.null(x)) return("null")
  if (is.matrix(x)) return(to_json(mat_json(x), ind))
  if (is.list(x)) {
    if (!length(x)) return(if (is.null(names(x))) "[]" else "{}")
    items <- vapply(x, to_json, "", ind = ind2)
    if (!is.null(names(x)))
      return(paste0("{\n", paste0(ind2, json_str(names(x)), ": ", items, collapse = ",\n"), "\n", ind, "}"))
    return(paste0("[\n", paste0(ind2, items, collapse = ",\n"), "\n", ind, "]"))
  }
  a <- json_atom(unclass(x))
  if (!is.null(names(x)))
    return(paste0("{", paste0(json_str(names(x)), ": ", a, collapse = ", "), "}"))
  if (length(x) == 1 && !inherits(x, "AsIs")) return(a)
  paste0("[", paste(a, collapse = ", "), "]")
}
mat_json <- function(M) {
  M <- as.matrix(M)
  list(rownames = I(rownames(M)), colnames = I(colnames(M)),
       matrix = unname(lapply(seq_len(nrow(M)), function(i) I(unname(M[i, ])))))
}
write_json <- function(obj, file) {
  writeLines(to_json(obj), data_path(file))
  cat("wrote", file, "\n")
}
write_csv_exact <- function(df, file) {
  out <- df
  quote_cols <- integer(0)
  for (j in seq_along(out)) {
    if (is.numeric(out[[j]]) && !is.integer(out[[j]])) {
      out[[j]] <- fmt_num(out[[j]])
      out[[j]][out[[j]] %in% "Infinity"] <- "Inf"; out[[j]][out[[j]] %in% "-Infinity"] <- "-Inf"
    }
    else if (is.factor(out[[j]]) || is.character(out[[j]])) {
      out[[j]] <- as.character(out[[j]]); quote_cols <- c(quote_cols, j)
    }
  }
  write.csv(out, data_path(file), row.names = FALSE, quote = quote_cols, na = "NA")
  cat("wrote", file, "\n")
}

## ---------------------------------------------------------------------------------
## +1/-1 item design: column j (items[-1]) is +1 where item_a == j, -1 where item_b == j
item_design <- function(a, b, items) {
  X <- sapply(items[-1], function(j) (a == j) - (b == j))
  matrix(as.numeric(X), nrow = length(a), dimnames = list(NULL, items[-1]))
}
## full-rank map from (reference-anchored item parameters items[-1], extras) to
## (mean-anchored scores in item order, extras):  s = C [0; beta], C = I - 11'/n.
centre_map <- function(items, extra_names) {
  n <- length(items); m <- length(extra_names)
  C <- diag(n) - matrix(1 / n, n, n)
  P <- matrix(0, n + m, n - 1 + m)
  P[1:n, 1:(n - 1)] <- C[, -1]
  if (m) P[n + seq_len(m), n - 1 + seq_len(m)] <- diag(m)
  dimnames(P) <- list(c(items, extra_names), c(items[-1], extra_names))
  P
}
centre_fit <- function(theta, V, items, extra_names) {
  P <- centre_map(items, extra_names)
  est <- drop(P %*% theta); names(est) <- rownames(P)
  Vc <- P %*% V %*% t(P); dimnames(Vc) <- list(rownames(P), rownames(P))
  list(est = est, cov = Vc, se = sqrt(diag(Vc)), P = P)
}

## binary / binomial log-likelihood with logit or probit link, written out directly.
## Successes y1 (item_a won) and failures y0 per row, eta = X theta, P(a) = F(eta).
## Returns loglik, gradient, observed Hessian and expected information.
lam_fns <- function(link) {
  if (link == "logit") list(
    logF = function(t) plogis(t, log.p = TRUE),
    lam  = function(t) plogis(-t),                        # f/F
    dlam = function(t) -plogis(t) * plogis(-t),           # d(f/F)/dt
    ew   = function(t) plogis(t) * plogis(-t))            # f^2 / (F (1-F))
  else list(
    logF = function(t) pnorm(t, log.p = TRUE),
    lam  = function(t) exp(dnorm(t, log = TRUE) - pnorm(t, log.p = TRUE)),
    dlam = function(t) { l <- exp(dnorm(t, log = TRUE) - pnorm(t, log.p = TRUE)); -t * l - l^2 },
    ew   = function(t) exp(2 * dnorm(t, log = TRUE) - pnorm(t, log.p = TRUE) - pnorm(-t, log.p = TRUE)))
}
bin_derivs <- function(theta, X, y1, y0, link) {
  L <- lam_fns(link)
  eta <- drop(X %*% theta)
  ll <- sum(y1 * L$logF(eta) + y0 * L$logF(-eta))
  gi <- y1 * L$lam(eta) - y0 * L$lam(-eta)                # d ll_i / d eta
  hi <- y1 * L$dlam(eta) + y0 * L$dlam(-eta)              # d2 ll_i / d eta2
  list(loglik = ll, grad = drop(crossprod(X, gi)), hess = crossprod(X, X * hi),
       expected = crossprod(X, X * ((y1 + y0) * L$ew(eta))), score_i = X * gi)
}
newton_polish <- function(theta, fn, tol = 1e-11, maxit = 50) {
  for (it in 1:maxit) {
    d <- fn(theta)
    if (max(abs(d$grad)) < tol) break
    theta <- theta - solve(d$hess, d$grad)
  }
  d <- fn(theta)
  list(theta = theta, d = d, iter = it, max_abs_grad = max(abs(d$grad)))
}
coef_table <- function(est, se) {
  z <- est / se
  list(estimate = est, se = se, z = z, p = 2 * pnorm(-abs(z)))
}

## =================================================================================
## 1. Quasi-variances on baseball
## =================================================================================
## qvcalc's objective, written out (qvcalc 1.0.2, qvcalc:::qvcalc.default):
qv_objective <- function(q, covmat) {
  n <- nrow(covmat); pr <- t(combn(n, 2))
  v <- covmat[pr[, c(1, 1)]] + covmat[pr[, c(2, 2)]] - 2 * covmat[pr]
  sum((log(v) - log(q[pr[, 1]] + q[pr[, 2]]))^2)
}
## Newton on that objective (exact gradient / Hessian), started at qvcalc's answer
qv_polish <- function(q, covmat, tol = 1e-13, maxit = 100) {
  n <- nrow(covmat); pr <- t(combn(n, 2))
  v <- covmat[pr[, c(1, 1)]] + covmat[pr[, c(2, 2)]] - 2 * covmat[pr]
  Lm <- matrix(0, nrow(pr), n); Lm[cbind(seq_len(nrow(pr)), pr[, 1])] <- 1
  Lm[cbind(seq_len(nrow(pr)), pr[, 2])] <- 1
  y <- log(v)
  der <- function(q) {
    eta <- drop(Lm %*% q); r <- y - log(eta)
    list(S = sum(r^2), grad = -2 * drop(crossprod(Lm, r / eta)),
         hess = 2 * crossprod(Lm, Lm * ((1 + r) / eta^2)))
  }
  for (it in 1:maxit) {
    d <- der(q)
    if (max(abs(d$grad)) < tol) break
    q <- q - solve(d$hess, d$grad)
  }
  d <- der(q)
  list(q = q, S = d$S, max_abs_grad = max(abs(d$grad)), iter = it,
       relerrs = sqrt(drop(Lm %*% q) / v) - 1)
}
worst_all <- function(covmat, q) {              # same algebra as qvcalc:::worstErrors
  n <- nrow(covmat); D <- cbind(-1, diag(n - 1))  # contrasts beta_i - beta_1
  R <- D %*% covmat %*% t(D); Q <- D %*% diag(q) %*% t(D)
  Ui <- solve(chol(R))
  ev <- eigen(t(Ui) %*% Q %*% Ui, symmetric = TRUE, only.values = TRUE)$values
  sqrt(range(ev)) - 1
}

QV_METHOD <- paste(
  "qvcalc 1.0.2, qvcalc:::qvcalc.default(covmat) (reached from qvcalc(BTabilities(fit)) via",
  "BradleyTerry2:::qvcalc.BTabilities, which passes vcov(BTabilities(fit)): the covariance of the",
  "item abilities with the reference item's row and column zero, and the ability estimates).",
  "For the n items, all choose(n, 2) pairs i < j (in the row order of covmat) are formed; the",
  "'response' is y_ij = log(v_ij) with v_ij = covmat[i,i] + covmat[j,j] - 2 covmat[i,j], the",
  "variance of the simple contrast beta_i - beta_j (it stops if any v_ij <= 0). It then fits",
  "glm(y ~ 0 + L, family = expLinear) where L is the choose(n,2) x n 0/1 matrix with ones in",
  "columns i and j of row (i,j), and expLinear is a custom family with linear predictor",
  "eta_ij = q_i + q_j, mean mu = log(eta) (linkinv = log, linkfun = exp), variance function 1,",
  "deviance residuals (y - mu)^2, mustart = y. That is an unweighted nonlinear least-squares",
  "fit: the quasi-variances q minimise S(q) = sum_{i<j} (log v_ij - log(q_i + q_j))^2, solved by",
  "IRLS (= Gauss-Newton) with glm's default control (epsilon = 1e-8 on the relative deviance",
  "change, maxit = 25), started from eta = exp(y) = v_ij. q is not constrained to be positive",
  "(quasiSE = sqrt(q) would be NaN for a negative q). quasiVar = q, quasiSE = sqrt(q),",
  "SE = sqrt(diag(covmat)). relerrs_ij = sqrt(exp(-r_ij)) - 1 with r_ij = y_ij - log(q_i + q_j)",
  "(the glm deviance residual), i.e. relerrs_ij = sqrt((q_i + q_j) / v_ij) - 1 = (quasi-SE of the",
  "contrast) / (true SE of the contrast) - 1, named 'item_i,item_j'. summary.qv prints",
  "min/max(relerrs) ('worst relative errors in SEs of simple contrasts') and",
  "qvcalc:::worstErrors ('over *all* contrasts'): with R = Var(beta_i - beta_1)_{i,j>=2} =",
  "covmat[i,j] + covmat[1,1] - covmat[1,j] - covmat[i,1] and Qr = diag(q_2..q_n) + q_1 11',",
  "the eigenvalues e of t(U^-1) Qr U^-1 (U = chol(R), upper triangular) are the extreme values",
  "of c'diag(q)c / c'covmat c over all contrast vectors c (sum c = 0); worst errors =",
  "sqrt(min e) - 1, sqrt(max e) - 1. S(q), relerrs and worstErrors depend on covmat only through",
  "the contrast variances, so the quasi-variances are the same whichever item is the reference",
  "or if the mean-anchored covariance C V C is used (checked: qv_invariance_max_abs_diff).")

bb <- read.csv(data_path("baseball.csv"), colClasses = c(item_a = "character", item_b = "character"))
bb_items <- sort(unique(c(bb$item_a, bb$item_b)))
bbd <- read.csv(data_path("baseball.directed.csv"), colClasses = c(item_a = "character", item_b = "character"))

qv_fit_json <- function(stem, model, ab, fit_info, extra = list()) {
  ## ab: BTabilities object (or a list with vcov / estimates)
  covmat <- vcov(ab); est <- coef(ab)
  qv <- qvcalc(ab)
  qf <- qv$qvframe
  n <- nrow(covmat)
  C <- diag(n) - matrix(1 / n, n, n)
  qv_c <- qvcalc.default(C %*% covmat %*% C, labels = rownames(covmat))
  pol <- qv_polish(qf$quasiVar, covmat)
  we <- qvcalc:::worstErrors(qv)
  ## refit glm to get iteration count / convergence of qvcalc's internal glm: reproduce it
  S_qv <- qv_objective(qf$quasiVar, covmat)
  tab <- data.frame(item = rownames(qf), estimate = unname(est), se = qf$SE,
                    quasi_se = qf$quasiSE, quasi_var = qf$quasiVar,
                    quasi_var_polished = pol$q, stringsAsFactors = FALSE)
  write_csv_exact(tab, paste0(stem, ".csv"))
  json <- c(list(dataset = "baseball", model = model), fit_info,
    list(r_script = SCRIPT), VERS,
    list(
    items = I(rownames(qf)),
    qvcalc_call = "qv <- qvcalc(BTabilities(fit)); summary(qv); qvcalc:::worstErrors(qv)",
    method = QV_METHOD,
    covmat_note = "qvcalc's input: vcov(BTabilities(fit)), item order as 'items', reference item (first) row/column zero",
    covmat = covmat,
    estimate = setNames(unname(est), rownames(qf)),
    se = setNames(qf$SE, rownames(qf)),
    quasi_var = setNames(qf$quasiVar, rownames(qf)),
    quasi_se = setNames(qf$quasiSE, rownames(qf)),
    relerrs = qv$relerrs,
    worst_relerr_simple = c(min = min(qv$relerrs), max = max(qv$relerrs)),
    worst_relerr_all = c(min = we[1], max = we[2]),
    worst_relerr_all_recomputed = setNames(worst_all(covmat, qf$quasiVar), c("min", "max")),
    objective_S = S_qv,
    objective_note = "S(q) = sum_{i<j} (log v_ij - log(q_i + q_j))^2 at qvcalc's q (= deviance of qvcalc's internal glm)",
    qv_invariance_max_abs_diff = max(abs(qv_c$qvframe$quasiVar - qf$quasiVar)),
    polished = list(
      note = "Newton on S(q) (exact gradient and Hessian) from qvcalc's q to max|grad S| < 1e-13; qvcalc's glm stops at relative deviance change 1e-8",
      quasi_var = setNames(pol$q, rownames(qf)),
      quasi_se = setNames(sqrt(pol$q), rownames(qf)),
      relerrs = setNames(pol$relerrs, names(qv$relerrs)),
      worst_relerr_simple = c(min = min(pol$relerrs), max = max(pol$relerrs)),
      worst_relerr_all = setNames(worst_all(covmat, pol$q), c("min", "max")),
      objective_S = pol$S, max_abs_grad = pol$max_abs_grad, newton_iter = pol$iter,
      max_abs_diff_vs_qvcalc = max(abs(pol$q - qf$quasiVar)))),
    extra)
  write_json(json, paste0(stem, ".json"))
  cat(stem, ":\n"); print(cbind(qf, polished = pol$q)); print(c(simple = range(qv$relerrs), all = we))
  invisible(list(qv = qv, pol = pol))
}

## --- 1a. Bradley-Terry (logit), no home effect
p1 <- data.frame(item = factor(bb$item_a, levels = bb_items))
p2 <- data.frame(item = factor(bb$item_b, levels = bb_items))
fit_bt <- BTm(cbind(bb$wins_a, bb$wins_b), p1, p2, formula = ~ item, id = "item",
              family = binomial("logit"), control = TIGHT)
Xb <- item_design(bb$item_a, bb$item_b, bb_items)
glm_bt <- glm(cbind(wins_a, wins_b) ~ Xb - 1, data = bb, family = binomial("logit"), control = TIGHT)
d_bt <- newton_polish(unname(coef(glm_bt)), function(th) bin_derivs(th, Xb, bb$wins_a, bb$wins_b, "logit"))
ab_bt <- BTabilities(fit_bt)
qv_fit_json("baseball.qv_bt", "bt", ab_bt, list(
  data_file = "baseball.csv",
  formula = "P(a beats b) = logistic(beta_a - beta_b), beta_Baltimore = 0",
  r_call = "fit <- BTm(cbind(wins_a, wins_b), data.frame(item = item_a), data.frame(item = item_b), ~ item, id = 'item', family = binomial('logit'), control = glm.control(epsilon = 1e-14, maxit = 500))",
  covariance_source = "vcov(fit) = inverse Fisher information (observed = expected for the logit link)",
  loglik = d_bt$d$loglik,
  max_abs_grad = d_bt$max_abs_grad,
  btm_vs_glm_pm1_design_max_abs_diff = max(abs(ab_bt[-1, 1] - coef(glm_bt))),
  btm_vs_polished_max_abs_diff = max(abs(ab_bt[-1, 1] - d_bt$theta))))

## --- 1b. Thurstone (probit), no home effect
fit_th <- update(fit_bt, family = binomial("probit"))
glm_th <- glm(cbind(wins_a, wins_b) ~ Xb - 1, data = bb, family = binomial("probit"), control = TIGHT)
d_th <- newton_polish(unname(coef(glm_th)), function(th) bin_derivs(th, Xb, bb$wins_a, bb$wins_b, "probit"))
ab_th <- BTabilities(fit_th)
## observed-information covariance at the polished estimate, as a second qvcalc input
V_obs_th <- matrix(0, length(bb_items), length(bb_items), dimnames = list(bb_items, bb_items))
V_obs_th[-1, -1] <- solve(-d_th$d$hess)
V_exp_th <- matrix(0, length(bb_items), length(bb_items), dimnames = list(bb_items, bb_items))
V_exp_th[-1, -1] <- solve(d_th$d$expected)
qv_th_obs <- qvcalc.default(V_obs_th, estimates = c(0, d_th$theta))
pol_th_obs <- qv_polish(qv_th_obs$qvframe$quasiVar, V_obs_th)
qv_fit_json("baseball.qv_thurstone", "thurstone", ab_th, list(
  data_file = "baseball.csv",
  formula = "P(a beats b) = Phi(beta_a - beta_b), beta_Baltimore = 0",
  r_call = "fit <- BTm(cbind(wins_a, wins_b), data.frame(item = item_a), data.frame(item = item_b), ~ item, id = 'item', family = binomial('probit'), control = glm.control(epsilon = 1e-14, maxit = 500))",
  covariance_source = "vcov(fit) = glm's inverse EXPECTED (Fisher) information (IRLS weights) -- this is what qvcalc(BTabilities(fit)) uses; the qv from the observed information are under 'observed_information'",
  loglik = d_th$d$loglik,
  max_abs_grad = d_th$max_abs_grad,
  btm_vs_glm_pm1_design_max_abs_diff = max(abs(ab_th[-1, 1] - coef(glm_th))),
  btm_vs_polished_max_abs_diff = max(abs(ab_th[-1, 1] - d_th$theta)),
  btm_vcov_vs_expected_at_polished_max_abs_diff = max(abs(vcov(ab_th) - V_exp_th))),
  list(observed_information = list(
    note = "qvcalc.default(V_obs) with V_obs = inverse observed information at the polished MLE (reference Baltimore, zero row/column); same algorithm",
    covmat = V_obs_th,
    se = setNames(qv_th_obs$qvframe$SE, bb_items),
    quasi_var = setNames(qv_th_obs$qvframe$quasiVar, bb_items),
    quasi_se = setNames(qv_th_obs$qvframe$quasiSE, bb_items),
    relerrs = qv_th_obs$relerrs,
    worst_relerr_simple = c(min = min(qv_th_obs$relerrs), max = max(qv_th_obs$relerrs)),
    worst_relerr_all = setNames(qvcalc:::worstErrors(qv_th_obs), c("min", "max")),
    objective_S = qv_objective(qv_th_obs$qvframe$quasiVar, V_obs_th),
    polished_quasi_var = setNames(pol_th_obs$q, bb_items),
    polished_objective_S = pol_th_obs$S,
    polished_max_abs_diff_vs_qvcalc = max(abs(pol_th_obs$q - qv_th_obs$qvframe$quasiVar)))))

## --- 1c. Bradley-Terry with home advantage (data layout of baseball.bt_home: baseball.directed.csv)
hp1 <- data.frame(item = factor(bbd$item_a, levels = bb_items), at.home = bbd$home_a)
hp2 <- data.frame(item = factor(bbd$item_b, levels = bb_items), at.home = 0)
fit_h <- BTm(cbind(bbd$wins_a, bbd$wins_b), hp1, hp2, formula = ~ item + at.home, id = "item",
             family = binomial("logit"), control = TIGHT)
Xh <- cbind(item_design(bbd$item_a, bbd$item_b, bb_items), home = bbd$home_a)
glm_h <- glm(cbind(wins_a, wins_b) ~ Xh - 1, data = bbd, family = binomial("logit"), control = TIGHT)
d_h <- newton_polish(unname(coef(glm_h)), function(th) bin_derivs(th, Xh, bbd$wins_a, bbd$wins_b, "logit"))
ab_h <- BTabilities(fit_h)
qv_fit_json("baseball.qv_bt_home", "bt_home", ab_h, list(
  data_file = "baseball.directed.csv",
  formula = "P(a beats b) = logistic(beta_a - beta_b + h * home_a), beta_Baltimore = 0; item_a is the home team (home_a = 1)",
  r_call = "fit <- BTm(cbind(wins_a, wins_b), data.frame(item = item_a, at.home = home_a), data.frame(item = item_b, at.home = 0), ~ item + at.home, id = 'item', family = binomial('logit'), control = glm.control(epsilon = 1e-14, maxit = 500))",
  covariance_source = "vcov(BTabilities(fit)): the item block (abilities at no home advantage) of the inverse information of (items, h); h is not part of the qvcalc input",
  h = unname(coef(fit_h)["at.home"]), h_se = unname(sqrt(diag(vcov(fit_h)))["at.home"]),
  loglik = d_h$d$loglik,
  max_abs_grad = d_h$max_abs_grad,
  btm_vs_glm_pm1_design_max_abs_diff = max(abs(c(ab_h[-1, 1], coef(fit_h)["at.home"]) - coef(glm_h))),
  btm_vs_polished_max_abs_diff = max(abs(c(ab_h[-1, 1], coef(fit_h)["at.home"]) - d_h$theta))))

## =================================================================================
## 2. Flat lizards with item covariates
## =================================================================================
data("flatlizards", package = "BradleyTerry2")
ct <- flatlizards$contests
pr <- flatlizards$predictors
stopifnot(identical(rownames(pr), levels(ct$winner)), identical(levels(ct$winner), levels(ct$loser)))
cov_tab <- data.frame(lizard = rownames(pr), pr, stringsAsFactors = FALSE, check.names = FALSE)
cov_tab$id <- as.integer(as.character(cov_tab$id))
cov_tab$repro.tactic <- as.character(cov_tab$repro.tactic)
write_csv_exact(data.frame(winner = as.character(ct$winner), loser = as.character(ct$loser)),
                "flatlizards.comparisons.csv")
write_csv_exact(cov_tab, "flatlizards.covariates.csv")
## read back: the fits below are re-derived from the CSV files
ctc <- read.csv(data_path("flatlizards.comparisons.csv"), colClasses = "character")
pvc <- read.csv(data_path("flatlizards.covariates.csv"), stringsAsFactors = FALSE)
stopifnot(identical(ctc$winner, as.character(ct$winner)),
          isTRUE(all.equal(as.matrix(pvc[, 3:17]), as.matrix(pr[, 2:16]), tolerance = 0, check.attributes = FALSE)))

COVS <- c("throat.PC1", "throat.PC3", "head.length", "SVL")
liz_formula <- ~ throat.PC1[..] + throat.PC3[..] + head.length[..] + SVL[..]
sep_liz <- pvc$lizard[rowSums(is.na(pvc[, COVS])) > 0]              # lizard096, lizard099
## design built from the CSVs: for a lizard with complete covariates ability = x'beta; a
## lizard with any formula covariate missing gets its own direct ability (its covariates
## are replaced by 0, and it gets no random effect) -- what BTm does (BradleyTerry2:::Diff)
Xcov <- as.matrix(pvc[, COVS]); rownames(Xcov) <- pvc$lizard
Xcov[sep_liz, ] <- 0
Xliz <- cbind(sapply(sep_liz, function(s) (ctc$winner == s) - (ctc$loser == s)),
              Xcov[ctc$winner, ] - Xcov[ctc$loser, ])
colnames(Xliz) <- c(paste0("..", sep_liz), paste0(COVS, "[..]"))
rownames(Xliz) <- NULL
liz_wins <- table(factor(ctc$winner, levels = pvc$lizard)); liz_loss <- table(factor(ctc$loser, levels = pvc$lizard))
sep_info <- lapply(sep_liz, function(s) list(
  lizard = s, missing_covariates = I(COVS[is.na(unlist(pvc[pvc$lizard == s, COVS]))]),
  wins = as.integer(liz_wins[s]), losses = as.integer(liz_loss[s]),
  contests = I(which(ctc$winner == s | ctc$loser == s))))
names(sep_info) <- sep_liz
## lizard096 won all its contests: its direct ability has no finite MLE (-> +Inf). In the
## limit those contests have probability 1 and contribute 0 to the log-likelihood, so the
## MLE of the remaining parameters is the fit without lizard096's contests and column.
drop_rows <- which(ctc$winner == "lizard096" | ctc$loser == "lizard096")
stopifnot(all(ctc$winner[drop_rows] == "lizard096"))
Xlim <- Xliz[-drop_rows, colnames(Xliz) != "..lizard096", drop = FALSE]

liz_fit <- function(link) {
  fam <- binomial(link)
  ## BTm exactly as in the vignette / help (default glm.control: epsilon 1e-8, maxit 25)
  m_def <- suppressWarnings(BTm(1, winner, loser, liz_formula, family = fam, data = flatlizards))
  m_tight <- suppressWarnings(BTm(1, winner, loser, liz_formula, family = fam, data = flatlizards, control = TIGHT))
  stopifnot(max(abs(model.matrix(m_def) - Xliz)) == 0)                  # CSV design == BTm design
  sd_def <- summary(m_def)$coefficients
  ## the limit (finite part of the MLE)
  g_lim <- glm(rep(1, nrow(Xlim)) ~ Xlim - 1, family = fam, control = TIGHT)
  pol <- newton_polish(unname(coef(g_lim)), function(th) bin_derivs(th, Xlim, rep(1, nrow(Xlim)), rep(0, nrow(Xlim)), link))
  th <- setNames(pol$theta, colnames(Xlim))
  V_exp <- solve(pol$d$expected); V_obs <- solve(-pol$d$hess)
  dimnames(V_exp) <- dimnames(V_obs) <- list(colnames(Xlim), colnames(Xlim))
  ll <- pol$d$loglik
  k_full <- ncol(Xliz); n_all <- nrow(Xliz)
  tab_exp <- coef_table(th, sqrt(diag(V_exp)))
  tab_obs <- coef_table(th, sqrt(diag(V_obs)))
  ## abilities lambda_i = x_i' beta (complete covariates) or the direct parameter (separate)
  beta <- th[paste0(COVS, "[..]")]; Vb <- V_obs[paste0(COVS, "[..]"), paste0(COVS, "[..]")]
  Vbe <- V_exp[paste0(COVS, "[..]"), paste0(COVS, "[..]")]
  Xc <- as.matrix(pvc[, COVS]); rownames(Xc) <- pvc$lizard
  abil <- drop(ifelse(is.na(Xc), 0, Xc) %*% beta)
  abil_se <- sqrt(rowSums((ifelse(is.na(Xc), 0, Xc) %*% Vb) * ifelse(is.na(Xc), 0, Xc)))
  abil_se_exp <- sqrt(rowSums((ifelse(is.na(Xc), 0, Xc) %*% Vbe) * ifelse(is.na(Xc), 0, Xc)))
  abil["lizard099"] <- th["..lizard099"]; abil_se["lizard099"] <- sqrt(V_obs["..lizard099", "..lizard099"])
  abil_se_exp["lizard099"] <- sqrt(V_exp["..lizard099", "..lizard099"])
  abil["lizard096"] <- Inf; abil_se["lizard096"] <- NA; abil_se_exp["lizard096"] <- NA
  ab_btm <- BTabilities(m_tight)
  ok <- rownames(ab_btm) != "lizard096"
  res <- list(
    link = link,
    r_call = sprintf("BTm(1, winner, loser, ~ throat.PC1[..] + throat.PC3[..] + head.length[..] + SVL[..], family = binomial(link = '%s'), data = flatlizards)", link),
    limit_fit = list(
      note = "the MLE: lizard096's direct ability is +Inf (it won all 3 of its contests); the other parameters are finite and equal the fit to the 97 contests without lizard096 (its contests have probability 1 in the limit and add 0 to the log-likelihood). glm(binomial) on those rows / columns, epsilon 1e-14, then Newton polish on the direct log-likelihood",
      coefficients = setNames(lapply(names(th), function(nm) list(
        estimate = unname(th[nm]), se = unname(tab_exp$se[nm]), z = unname(tab_exp$z[nm]), p = unname(tab_exp$p[nm]),
        se_obs = unname(tab_obs$se[nm]), z_obs = unname(tab_obs$z[nm]), p_obs = unname(tab_obs$p[nm]))), names(th)),
      se_note = if (link == "logit") "se = se_obs (logit: observed = expected information); z = estimate / se, p = 2 Phi(-|z|)" else
        "se / z / p from the expected (Fisher) information, as glm/BTm's summary reports for probit; se_obs / z_obs / p_obs from the observed information",
      lizard096_ability = "Inf (no finite MLE)",
      loglik = ll, deviance = -2 * ll,
      deviance_note = "binary outcomes: saturated log-likelihood is 0, so deviance = -2 loglik; the 3 lizard096 contests add 0",
      n_contests = n_all, n_params = k_full,
      n_params_note = "6 = ..lizard096 (at +Inf), ..lizard099, 4 covariate coefficients, as BTm counts them",
      df_residual = n_all - k_full,
      aic = -2 * ll + 2 * k_full,
      null_deviance = 2 * n_all * log(2),
      reduced_data_view = list(n_contests = nrow(Xlim), n_params = ncol(Xlim), df_residual = nrow(Xlim) - ncol(Xlim),
                               aic = -2 * ll + 2 * ncol(Xlim), null_deviance = 2 * nrow(Xlim) * log(2)),
      cov_expected = V_exp, cov_observed = V_obs,
      max_abs_grad = pol$max_abs_grad,
      glm_vs_polished_max_abs_diff = max(abs(coef(g_lim) - pol$theta))),
    btm_default = list(
      note = sprintf("BTm as called (default glm.control(epsilon = 1e-8, maxit = 25)): stops with a large finite ..lizard096 and a huge SE; the other coefficients agree with limit_fit to %.1e, loglik to %.1e", max(abs(coef(m_def)[names(th)] - th)), abs(as.numeric(logLik(m_def)) - ll)),
      coefficients = setNames(lapply(rownames(sd_def), function(nm) list(
        estimate = sd_def[nm, 1], se = sd_def[nm, 2], z = sd_def[nm, 3], p = sd_def[nm, 4])), rownames(sd_def)),
      loglik = as.numeric(logLik(m_def)), deviance = deviance(m_def), aic = AIC(m_def),
      df_residual = m_def$df.residual, null_deviance = m_def$null.deviance,
      iter = m_def$iter, converged = m_def$converged,
      max_abs_diff_vs_limit_excluding_lizard096 = max(abs(coef(m_def)[names(th)] - th))),
    btm_tight = list(
      note = "BTm with control = glm.control(epsilon = 1e-14, maxit = 500): ..lizard096 runs further out, the rest converges to limit_fit",
      lizard096 = unname(coef(m_tight)["..lizard096"]),
      max_abs_diff_vs_limit_excluding_lizard096 = max(abs(coef(m_tight)[names(th)] - th)),
      btabilities_vs_computed_max_abs_diff = max(abs(ab_btm[ok, 1] - abil[rownames(ab_btm)[ok]])),
      btabilities_se_vs_computed_expected_max_abs_diff = max(abs(ab_btm[ok, 2] - abil_se_exp[rownames(ab_btm)[ok]])),
      btabilities_separate = I(attr(ab_btm, "separate"))))
  list(json = res, abil = abil, abil_se = abil_se, abil_se_exp = abil_se_exp, th = th)
}
liz_p <- liz_fit("probit")
liz_l <- liz_fit("logit")

## 2b. random-effect versions (glmmPQL inside BTm)
liz_re <- function(link, label) {
  m <- suppressWarnings(BTm(1, winner, loser,
          ~ throat.PC1[..] + throat.PC3[..] + head.length[..] + SVL[..] + (1|..),
          family = binomial(link), data = flatlizards))
  s <- summary(m)
  fx <- s$fixef; rf <- s$ranef
  list(name = label, link = link,
       r_call = sprintf("BTm(1, winner, loser, ~ throat.PC1[..] + throat.PC3[..] + head.length[..] + SVL[..] + (1|..), family = binomial(link = '%s'), data = flatlizards)", link),
       method = "PQL (BradleyTerry2::glmmPQL, default glmmPQL.control: maxiter 50, IWLSiter 10, tol 1e-6); the random intercept N(0, sigma^2) is on the abilities of the lizards with complete covariates only (the separate lizards 096 and 099 get a direct fixed ability and no random effect)",
       fixed = setNames(lapply(rownames(fx), function(nm) list(
         estimate = fx[nm, 1], se = fx[nm, 2], z = fx[nm, 3], p = fx[nm, 4])), rownames(fx)),
       sigma = unname(m$sigma), sigma_se = unname(rf[1, 2]), sigma_z = unname(rf[1, 3]), sigma_p = unname(rf[1, 4]),
       iter = m$iter, converged = m$converged,
       lizard096_note = "..lizard096 diverges here too (no finite estimate); its value and SE are artefacts of where PQL stopped")
}
re_logit <- liz_re("logit", "lizModel2 (vignette 'BradleyTerry', chunk lizModel2; default logit link)")
re_probit <- liz_re("probit", "Whiting.model3 (help('flatlizards'); lizModel2's formula with family = binomial(link = 'probit'))")

write_json(c(list(dataset = "flatlizards",
  source = "BradleyTerry2::flatlizards (Whiting et al. 2006, Augrabies male flat lizards): 100 contests among 77 lizards; every row is winner beat loser",
  data_files = list(comparisons = "flatlizards.comparisons.csv", covariates = "flatlizards.covariates.csv"),
  model = "P(winner beats loser) = F(lambda_winner - lambda_loser), F = logistic or Phi; lambda_i = beta' x_i with x_i = (throat.PC1, throat.PC3, head.length, SVL) of lizard i (no intercept: it cancels), except for the lizards with a missing value among those four, which get a direct ability parameter lambda_i ('..lizardNNN')",
  r_script = SCRIPT), VERS, list(
  missing_covariate_handling = paste(
    "BTm (BradleyTerry2:::Diff) finds the lizards with any NA among the covariates in the formula:",
    "lizard096 and lizard099 (throat.PC1, throat.PC2, throat.PC3 all NA; only throat.PC1 and",
    "throat.PC3 are in the formula). It does NOT drop them or their contests: their covariate",
    "values (including the available head.length and SVL) are set to 0 and each gets its own",
    "'separate' ability column ..lizard096, ..lizard099 in the design (+1 when it is the winner,",
    "-1 when the loser), so their ability is a free parameter rather than x'beta; with (1|..) they",
    "get no random effect. BTabilities(fit) lists them in attr(, 'separate'). Missing values in",
    "covariates not in the formula (testosterone, badge.*, repro.tactic) play no role.",
    "lizard096 won all 3 of its contests (rows 31, 46, 57), so its separate ability has no finite MLE."),
  separate_lizards = sep_info,
  n_lizards = nrow(pvc), n_contests = nrow(ctc),
  n_lizards_without_loss = sum(liz_loss == 0), n_lizards_without_win = sum(liz_wins == 0),
  design_note = "the design built from the two CSV files as described (columns ..lizard096, ..lizard099, throat.PC1[..], throat.PC3[..], head.length[..], SVL[..], rows = contests in file order, x_winner - x_loser) is identical to model.matrix(BTm(...))",
  fixed_probit = liz_p$json, fixed_logit = liz_l$json,
  random_effect = list(logit_lizModel2 = re_logit, probit_Whiting_model3 = re_probit))),
  "flatlizards.bt_covariates.json")
write_csv_exact(data.frame(lizard = pvc$lizard, separate = pvc$lizard %in% sep_liz,
  ability_probit = liz_p$abil, se_probit = liz_p$abil_se, se_exp_probit = liz_p$abil_se_exp,
  ability_logit = liz_l$abil, se_logit = liz_l$abil_se, stringsAsFactors = FALSE),
  "flatlizards.abilities.csv")

## =================================================================================
## 3. Comparison-level covariates: simulation and glm on the +1/-1 design
## =================================================================================
set.seed(20261202)
SIM_ITEMS <- LETTERS[1:8]
TRUE_S <- c(1.0, 0.6, 0.3, 0.1, -0.1, -0.4, -0.6, -0.9)     # sums to 0
TRUE_B <- c(x1 = 0.4, x2 = -0.25, order = 0.3)
NSIM <- 3000; NCL <- 150
ia <- sample.int(8, NSIM, replace = TRUE)
ib <- (ia + sample.int(7, NSIM, replace = TRUE) - 1L) %% 8L + 1L        # uniform over the other 7
x1 <- rnorm(NSIM)
x2 <- runif(NSIM, -1.5, 1.5)
ord <- sample(c(1, -1, 0), NSIM, replace = TRUE, prob = c(0.4, 0.4, 0.2))
cl <- sample.int(NCL, NSIM, replace = TRUE)
eta_true <- TRUE_S[ia] - TRUE_S[ib] + TRUE_B["x1"] * x1 + TRUE_B["x2"] * x2 + TRUE_B["order"] * ord
win_a <- rbinom(NSIM, 1, plogis(eta_true))
write_csv_exact(data.frame(item_a = SIM_ITEMS[ia], item_b = SIM_ITEMS[ib], x1 = x1, x2 = x2,
                           order = as.integer(ord), cl = cl, win_a = win_a, stringsAsFactors = FALSE),
                "covariates_sim.csv")
sim <- read.csv(data_path("covariates_sim.csv"), colClasses = c(item_a = "character", item_b = "character"))
stopifnot(identical(sim$x1, x1), identical(sim$x2, x2))
Xs <- item_design(sim$item_a, sim$item_b, SIM_ITEMS)
sdf <- data.frame(Xs, x1 = sim$x1, x2 = sim$x2, order = sim$order, cl = sim$cl, win_a = sim$win_a)
FULL <- as.formula(paste("win_a ~ 0 +", paste(c(SIM_ITEMS[-1], "x1", "x2", "order"), collapse = " + ")))
NOX2 <- as.formula(paste("win_a ~ 0 +", paste(c(SIM_ITEMS[-1], "x1", "order"), collapse = " + ")))
XF <- as.matrix(sdf[, c(SIM_ITEMS[-1], "x1", "x2", "order")])
XR <- as.matrix(sdf[, c(SIM_ITEMS[-1], "x1", "order")])
EXTRA <- c("x1", "x2", "order")

sim_fit <- function(link) {
  fit <- glm(FULL, data = sdf, family = binomial(link), control = TIGHT)
  pol <- newton_polish(unname(coef(fit)), function(th) bin_derivs(th, XF, sim$win_a, 1 - sim$win_a, link))
  th <- setNames(pol$theta, colnames(XF))
  d <- pol$d
  V_glm <- vcov(fit)                                    # inverse expected information at glm's estimate
  V_exp <- solve(d$expected); V_obs <- solve(-d$hess)
  dimnames(V_exp) <- dimnames(V_obs) <- list(colnames(XF), colnames(XF))
  ## sandwich (R's calls)
  V_hc0 <- sandwich::vcovHC(fit, type = "HC0")
  V_cl0 <- sandwich::vcovCL(fit, cluster = ~ cl, type = "HC0", cadjust = FALSE)
  V_cld <- sandwich::vcovCL(fit, cluster = ~ cl)
  V_cl1 <- sandwich::vcovCL(fit, cluster = ~ cl, type = "HC1")
  ## the same written out: bread B = inverse expected information (glm's), U_i = score of obs i
  U <- d$score_i; Ug <- rowsum(U, sim$cl); G <- nrow(Ug); n <- nrow(U); k <- ncol(U)
  m_hc0 <- V_exp %*% crossprod(U) %*% V_exp
  m_cl0 <- V_exp %*% crossprod(Ug) %*% V_exp
  ## observed-information bread (differs from sandwich's only for probit)
  o_hc0 <- V_obs %*% crossprod(U) %*% V_obs
  o_cl0 <- V_obs %*% crossprod(Ug) %*% V_obs
  dimnames(o_hc0) <- dimnames(o_cl0) <- dimnames(V_obs)
  dimnames(m_hc0) <- dimnames(m_cl0) <- dimnames(V_obs)
  at_mle <- function(M) list(cov_reference_at_mle = M, se_reference_at_mle = sqrt(diag(M)),
                             se_centred_at_mle = centre_fit(th, M, SIM_ITEMS, EXTRA)$se)
  cen <- function(V) centre_fit(th, V, SIM_ITEMS, EXTRA)
  c_exp <- cen(V_exp); c_obs <- cen(V_obs); c_hc0 <- cen(V_hc0); c_cl0 <- cen(V_cl0); c_cld <- cen(V_cld)
  c_cl1 <- cen(V_cl1)
  ll <- d$loglik; npar <- ncol(XF)
  main_V <- if (link == "logit") V_obs else V_exp
  tab <- coef_table(th, sqrt(diag(main_V)))
  sm <- summary(fit)$coefficients
  res <- list(
    dataset = "covariates_sim", model = paste0("glm_", link), data_file = "covariates_sim.csv",
    formula = sprintf("P(win_a = 1) = %s(s_a - s_b + b_x1 * x1 + b_x2 * x2 + b_order * order)", if (link == "logit") "logistic" else "Phi"),
    r_call = sprintf("glm(win_a ~ 0 + B + C + D + E + F + G + H + x1 + x2 + order, data = data.frame(X, x1, x2, order, cl, win_a), family = binomial('%s'), control = glm.control(epsilon = 1e-14, maxit = 500)); X = +1/-1 item design, reference item A (beta_A = 0); then Newton polish on the directly written log-likelihood", link),
    r_script = SCRIPT)
  res <- c(res, VERS, list(
    n_items = 8L, n_comparisons = n, n_clusters = G, n_params = npar,
    reference_item = "A",
    coefficients = setNames(lapply(names(th), function(nm) list(
      estimate = unname(th[nm]), se = unname(tab$se[nm]), z = unname(tab$z[nm]), p = unname(tab$p[nm]))), names(th)),
    coefficients_note = paste("reference parametrisation (beta_A = 0), order B..H, x1, x2, order;",
      if (link == "logit") "se from the inverse information (observed = expected for logit)"
      else "se from the inverse EXPECTED information (what summary(glm) reports); se_obs below from the observed information",
      "; z = estimate / se, p = 2 Phi(-|z|)"),
    se_obs = sqrt(diag(V_obs)), se_exp = sqrt(diag(V_exp)),
    glm_summary_se_vs_ours_max_abs_diff = max(abs(sm[, 2] - sqrt(diag(V_exp)))),
    loglik = ll, deviance = -2 * ll, null_deviance = 2 * n * log(2),
    df_residual = n - npar, aic = -2 * ll + 2 * npar, bic = -2 * ll + log(n) * npar,
    loglik_glm = as.numeric(logLik(fit)), aic_glm = AIC(fit), bic_glm = BIC(fit),
    glm_converged = fit$converged, glm_iter = fit$iter,
    glm_vs_polished_max_abs_diff = max(abs(coef(fit) - th)),
    max_abs_grad = pol$max_abs_grad,
    centring = list(
      note = "scores centred to sum to zero: (s_A..s_H, b) = P theta with theta = (beta_B..beta_H, b_x1, b_x2, b_order) and the full-rank 11 x 10 map P = [C[, -1] 0; 0 I_3], C = I_8 - 11'/8 (C[, -1] = C without its first column); every covariance V is mapped as P V P'",
      P = c_obs$P,
      score = c_obs$est[SIM_ITEMS],
      se = if (link == "logit") c_obs$se else c_exp$se,
      se_obs = c_obs$se, se_exp = c_exp$se,
      cov_obs = c_obs$cov, cov_exp = c_exp$cov),
    cov_reference_obs = V_obs, cov_reference_exp = V_exp,
    sandwich = list(
      note = paste("sandwich 3.0-2 on the glm fit. bread = inverse expected information at glm's estimate",
        "(sandwich::bread.glm: summary(fit)$cov.unscaled * n); estfun.glm: U_i = working residual *",
        "working weight * x_i = dlog L_i / dtheta. vcovHC(type = 'HC0') = B (sum_i U_i U_i') B.",
        "vcovCL(cluster = ~cl, type, cadjust) = B (sum_g U_g U_g') B * adj, U_g = sum of U_i over cluster g;",
        "adj = G/(G-1) if cadjust else 1, times (n-1)/(n-k) if type = 'HC1'. For a glm the default",
        "type = NULL resolves to 'HC0' (HC1 only for lm objects), cadjust defaults to TRUE, fix = FALSE.",
        sprintf("Here n = %d, k = %d, G = %d.", n, k, G),
        "Clusters are simulated independently of the outcomes (cl ~ uniform on 1..150), so the cluster-robust",
        "covariances differ from the model-based one by sampling noise only."),
      HC0 = c(list(call = "sandwich::vcovHC(fit, type = 'HC0')", adjustment = "none",
                 cov_reference = V_hc0, se_reference = sqrt(diag(V_hc0)),
                 cov_centred = c_hc0$cov, se_centred = c_hc0$se), at_mle(m_hc0)),
      CL_HC0_noadj = c(list(call = "sandwich::vcovCL(fit, cluster = ~cl, type = 'HC0', cadjust = FALSE)",
                 adjustment = "none (HC0, no G/(G-1))",
                 cov_reference = V_cl0, se_reference = sqrt(diag(V_cl0)),
                 cov_centred = c_cl0$cov, se_centred = c_cl0$se), at_mle(m_cl0)),
      CL_default = c(list(call = "sandwich::vcovCL(fit, cluster = ~cl)",
                 adjustment = sprintf("defaults: type = NULL -> 'HC0' for glm, cadjust = TRUE -> factor G/(G-1) = %d/%d; no (n-1)/(n-k); fix = FALSE", G, G - 1),
                 factor = G / (G - 1),
                 cov_reference = V_cld, se_reference = sqrt(diag(V_cld)),
                 cov_centred = c_cld$cov, se_centred = c_cld$se), at_mle(m_cl0 * G / (G - 1))),
      CL_HC1 = c(list(call = "sandwich::vcovCL(fit, cluster = ~cl, type = 'HC1')",
                 adjustment = sprintf("cadjust = TRUE and HC1: factor G/(G-1) * (n-1)/(n-k) = (%d/%d) * (%d/%d)", G, G - 1, n - 1, n - k),
                 factor = G / (G - 1) * (n - 1) / (n - k),
                 cov_reference = V_cl1, se_reference = sqrt(diag(V_cl1)),
                 cov_centred = c_cl1$cov, se_centred = c_cl1$se), at_mle(m_cl0 * G / (G - 1) * (n - 1) / (n - k))),
      check_written_out_vs_sandwich = c(HC0 = max(abs(m_hc0 - V_hc0)), CL_HC0_noadj = max(abs(m_cl0 - V_cl0)),
                                        CL_default = max(abs(m_cl0 * G / (G - 1) - V_cld)),
                                        CL_HC1 = max(abs(m_cl0 * G / (G - 1) * (n - 1) / (n - k) - V_cl1))),
      check_note = "max |written-out formula (at the polished MLE) - sandwich's matrix (at glm's estimate, with glm's last IRLS weights)|; the *_at_mle entries are the written-out formulas at the polished MLE (same bread = inverse expected information, same meat)")))
  if (link == "probit") res$sandwich$observed_bread <- list(
    note = "NOT sandwich's: the same meat with the inverse OBSERVED information as bread (V_obs M V_obs), for an implementation whose bread is the observed Hessian",
    HC0_cov_reference = o_hc0, HC0_se_reference = sqrt(diag(o_hc0)),
    HC0_se_centred = centre_fit(th, o_hc0, SIM_ITEMS, EXTRA)$se,
    CL_HC0_noadj_cov_reference = o_cl0, CL_HC0_noadj_se_reference = sqrt(diag(o_cl0)),
    CL_HC0_noadj_se_centred = centre_fit(th, o_cl0, SIM_ITEMS, EXTRA)$se)
  res$simulation <- list(script = SCRIPT, seed = 20261202L, rng = "R default (Mersenne-Twister, Inversion, Rejection sampling)",
    draw_order = "ia = sample.int(8, n, TRUE); ib = (ia + sample.int(7, n, TRUE) - 1) %% 8 + 1; x1 = rnorm(n); x2 = runif(n, -1.5, 1.5); order = sample(c(1, -1, 0), n, TRUE, prob = c(0.4, 0.4, 0.2)); cl = sample.int(150, n, TRUE); win_a = rbinom(n, 1, plogis(eta))",
    generating_model = "P(win_a = 1) = plogis(s_a - s_b + 0.4 x1 - 0.25 x2 + 0.3 order) (logit; the probit fit is to the same data)",
    true_scores = setNames(as.list(TRUE_S), SIM_ITEMS), true_coefficients = as.list(TRUE_B))
  tabc <- data.frame(item = SIM_ITEMS, score = unname(c_obs$est[SIM_ITEMS]),
                     se = unname(res$centring$se[SIM_ITEMS]), se_obs = unname(c_obs$se[SIM_ITEMS]),
                     se_hc0 = unname(c_hc0$se[SIM_ITEMS]), se_cl_hc0 = unname(c_cl0$se[SIM_ITEMS]),
                     se_cl_default = unname(c_cld$se[SIM_ITEMS]), stringsAsFactors = FALSE)
  list(json = res, tab = tabc, fit = fit, th = th)
}
sim_l <- sim_fit("logit")
sim_p <- sim_fit("probit")
for (s in list(sim_l, sim_p)) {
  write_json(s$json, paste0("covariates_sim.", s$json$model, ".json"))
  write_csv_exact(s$tab, paste0("covariates_sim.", s$json$model, ".csv"))
}

## =================================================================================
## 4. Likelihood-ratio test on the simulated data: without x2 vs full
## =================================================================================
lrt <- function(link) {
  f1 <- glm(FULL, data = sdf, family = binomial(link), control = TIGHT)
  f0 <- glm(NOX2, data = sdf, family = binomial(link), control = TIGHT)
  p1_ <- newton_polish(unname(coef(f1)), function(th) bin_derivs(th, XF, sim$win_a, 1 - sim$win_a, link))
  p0_ <- newton_polish(unname(coef(f0)), function(th) bin_derivs(th, XR, sim$win_a, 1 - sim$win_a, link))
  a <- anova(f0, f1, test = "Chisq")
  ll1 <- p1_$d$loglik; ll0 <- p0_$d$loglik; n <- nrow(sdf)
  stat <- 2 * (ll1 - ll0)
  list(link = link,
    r_call = sprintf("anova(glm(win_a ~ 0 + B + ... + H + x1 + order, family = binomial('%s')), glm(win_a ~ 0 + B + ... + H + x1 + x2 + order, ...), test = 'Chisq')", link),
    anova_table = list(resid_df = a[["Resid. Df"]], resid_dev = a[["Resid. Dev"]],
                       df = a[["Df"]][2], deviance = a[["Deviance"]][2], p = a[["Pr(>Chi)"]][2]),
    lr_statistic = stat, df = 1L, p = pchisq(stat, 1, lower.tail = FALSE),
    lr_note = "lr_statistic = 2 (loglik_full - loglik_without_x2) at the Newton-polished fits; anova_table is R's output (glm estimates)",
    full = list(loglik = ll1, deviance = -2 * ll1, n_params = ncol(XF), aic = -2 * ll1 + 2 * ncol(XF), bic = -2 * ll1 + log(n) * ncol(XF),
                aic_glm = AIC(f1), bic_glm = BIC(f1)),
    without_x2 = list(loglik = ll0, deviance = -2 * ll0, n_params = ncol(XR), aic = -2 * ll0 + 2 * ncol(XR), bic = -2 * ll0 + log(n) * ncol(XR),
                      coefficients = setNames(p0_$theta, colnames(XR)),
                      aic_glm = AIC(f0), bic_glm = BIC(f0)),
    wald_x2 = list(z = unname(coef(summary(f1))["x2", 3]), p = unname(coef(summary(f1))["x2", 4]),
                   note = "Wald test of x2 in the full fit (summary(glm)), for comparison"))
}
write_json(c(list(dataset = "covariates_sim", test = "likelihood-ratio test of x2 (H0: b_x2 = 0)",
  data_file = "covariates_sim.csv", r_script = SCRIPT), VERS,
  list(bic_note = "BIC = -2 loglik + log(n) k with n = 3000 comparisons (R's BIC for a Bernoulli glm: nobs = 3000)",
       logit = lrt("logit"), probit = lrt("probit"))), "covariates_sim.lrt.json")

cat("\nSummary\n")
print(sim_l$th); print(sim_p$th)
print(liz_p$th); print(liz_l$th)
print(re_logit$fixed); print(c(re_logit$sigma, re_probit$sigma))
