## Davidson (1970) ties with a home / order effect on tests/data/home_ties.csv, by direct
## maximisation of the exact log-likelihood:
##   z = log pi_a' - log pi_b' = s_a - s_b + h * home   (home = +1 item_a at home, -1 item_b, 0 neutral)
##   P(a) = pi_a' / (pi_a' + pi_b' + nu sqrt(pi_a' pi_b')) = exp(z/2) / (2 cosh(z/2) + nu)
##   P(b) = exp(-z/2) / (2 cosh(z/2) + nu),  P(tie) = nu / (2 cosh(z/2) + nu)
## optim (BFGS, analytic gradient) on theta = (scores relative to item A, h, log nu), then Newton
## steps with the analytic Hessian to max |gradient| < 1e-10; Hessian checked against optimHess.
## Writes tests/data/home_ties.davidson_home.{csv,json}.
## Run:  Rscript tests/data/r/fit_home_ties_davidson_home.R
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
STEM <- "home_ties.davidson_home"

d <- read.csv(data_path("home_ties.csv"), colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(d$item_a, d$item_b)))
X <- item_design(d$item_a, d$item_b, items)          # reference item: items[1]
Xf <- cbind(X, home = d$home)
yi <- match(d$outcome, c(0, 0.5, 1))                  # 1 = b won, 2 = tie, 3 = a won
stopifnot(!anyNA(yi))

nll <- function(th) -dav_derivs(th, Xf, yi, "ll")$loglik
ngr <- function(th) -dav_derivs(th, Xf, yi, "grad")$grad
start <- rep(0, ncol(Xf) + 1)
opt <- optim(start, nll, ngr, method = "BFGS", control = list(maxit = 1000, reltol = 1e-14))
fn <- function(th) dav_derivs(th, Xf, yi)
pol <- newton_polish(opt$par, fn)
theta <- setNames(pol$theta, c(colnames(Xf), "lognu"))
H <- pol$d$hess
H_num <- -optimHess(pol$theta, nll, ngr)              # finite differences of the analytic gradient
## the loglik spelt out with pi' (independent of dav_derivs)
pia <- exp(drop(Xf %*% theta[1:ncol(Xf)]) / 2); pib <- 1 / pia; nu <- exp(unname(theta["lognu"]))
den <- pia + pib + nu * sqrt(pia * pib)
ll_formula <- sum(log(ifelse(yi == 3, pia, ifelse(yi == 1, pib, nu * sqrt(pia * pib))) / den))

## information in the (scores, h, nu) parametrisation: J' (-H) J with d lognu / d nu = 1 / nu
q <- length(theta); J <- diag(q); J[q, q] <- 1 / nu
V_obs <- solve(t(J) %*% (-H) %*% J)
p <- ncol(X)
extra <- c(h = unname(theta["home"]), nu = nu)
cen <- centre(theta[1:p], extra, V_obs, items)
V_log <- solve(-H)
lognu_se <- sqrt(V_log[q, q])

json <- c(list(
  dataset = "home_ties", model = "davidson_home", data_file = "home_ties.csv",
  formula = "z = s_a - s_b + h * home = log pi_a' - log pi_b'; P(a) = pi_a' / (pi_a' + pi_b' + nu sqrt(pi_a' pi_b')), P(b) = pi_b' / (...), P(tie) = nu sqrt(pi_a' pi_b') / (...)",
  sign_convention = "home = +1: item_a at home (or shown first); -1: item_b at home; 0: neutral. outcome = 1: item_a won, 0.5: tie, 0: item_b won. h > 0 favours the home item",
  r_call = "optim(rep(0, q), nll, ngr, method = 'BFGS', control = list(maxit = 1000, reltol = 1e-14)) on theta = (scores relative to item A, h, log nu) with the analytic gradient, then Newton steps with the analytic Hessian; see tests/data/r/fit_home_ties_davidson_home.R and dav_derivs() in tests/data/r/common.R",
  r_script = "tests/data/r/fit_home_ties_davidson_home.R"),
  versions(c("stats", "jsonlite")),
  list(
  n_items = length(items), n_comparisons = nrow(d), n_ties = sum(yi == 2),
  n_home_pos = sum(d$home == 1), n_home_neg = sum(d$home == -1), n_home_zero = sum(d$home == 0),
  mle_exists = TRUE,
  h = unname(cen$extra["h"]), h_se = unname(cen$extra_se["h"]),
  nu = nu, nu_se = unname(cen$extra_se["nu"]),
  log_nu = unname(theta["lognu"]), log_nu_se = lognu_se,
  se_note = "observed information of (scores, h, nu) under the sum-to-zero constraint (C V C); nu_se = nu * log_nu_se",
  loglik = pol$d$loglik,
  loglik_formula_minus_loglik = ll_formula - pol$d$loglik,
  optim_convergence = opt$convergence, optim_counts = as.list(opt$counts),
  optim_vs_polished_max_abs_diff = max(abs(opt$par - pol$theta)),
  newton_iter = pol$iter,
  max_abs_grad = pol$max_abs_grad,
  optimHess_vs_analytic_max_abs_diff = max(abs(H_num - H)),
  optimHess_vs_analytic_max_rel_diff = max(abs(H_num - H)) / max(abs(H)),
  cov_nonscore = mat_json(cen$extra_cov),
  cov_full_note = "C V C over (scores in item order, h, nu)",
  cov_full = mat_json(cen$cov),
  simulation = list(script = "tests/data/r/simulate_references.py", seed = 20240602,
                    generating_model = "Rao-Kupper (logit link, eta = 0.6, h = 0.3); this Davidson fit is a reference fit of a different tie model to the same data")))
write_fit(STEM, cen, json)
print(json[c("h", "h_se", "nu", "nu_se", "loglik", "loglik_formula_minus_loglik", "optim_vs_polished_max_abs_diff",
             "newton_iter", "max_abs_grad", "optimHess_vs_analytic_max_abs_diff")])
print(data.frame(score = cen$score, se = cen$se))
