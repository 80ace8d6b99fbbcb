## Glenn-David (Thurstone with threshold ties, probit link) with a home / order effect on tests/data/home_ties.csv
##   z = s_a - s_b + h * home   (home = +1 item_a at home, -1 item_b at home, 0 neutral)
##   P(a wins) = Phi(z - eta), P(b wins) = Phi(-z - eta), P(tie) = 1 - P(a) - P(b)
## Fitted with ordinal::clm, threshold = "symmetric2" (thresholds -eta, +eta).
## Sign convention of clm: P(Y <= k) = F(theta_k - x'beta).  With Y ordered  b won < tie < a won
## and x = (+1/-1 item design, home):  P(b) = F(-eta - z), P(Y <= tie) = F(eta - z), so
## P(a) = 1 - F(eta - z) = F(z - eta): beta = (scores relative to item A, h), spacing.1 = eta.
## Writes tests/data/home_ties.glenndavid_home.{csv,json}.
## Run:  Rscript tests/data/r/fit_home_ties_glenndavid_home.R
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
suppressPackageStartupMessages(library(ordinal))
LINK <- "probit"; STEM <- "home_ties.glenndavid_home"; MODEL <- "glenndavid_home"

d <- read.csv(data_path("home_ties.csv"), colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(d$item_a, d$item_b)))
X <- item_design(d$item_a, d$item_b, items)          # reference item: items[1]
y <- factor(d$outcome, levels = c(0, 0.5, 1), labels = c("b", "tie", "a"), ordered = TRUE)
stopifnot(!anyNA(y))
df <- data.frame(X, home = d$home, y = y, check.names = FALSE)

## --- the fit
fit <- clm(y ~ ., data = df, link = LINK, threshold = "symmetric2",
           control = clm.control(gradTol = 1e-13, relTol = 1e-12, maxIter = 500))
stopifnot(fit$convergence$code == 0)
stopifnot(all(abs(fit$tJac - matrix(c(-1, 1), 2, 1)) == 0))   # thresholds = (-eta, +eta)
beta <- fit$beta; eta_clm <- unname(fit$alpha)
theta_clm <- c(beta, eta = eta_clm)

## --- direct log-likelihood from the fitted parameters (independent of clm), Newton polish,
##     observed information
Xf <- cbind(X, home = d$home); yi <- as.integer(y); Tm <- matrix(c(-1, 1), 2, 1)
fn <- function(th) cl_derivs(th, Xf, yi, Tm, LINK)
d0 <- fn(theta_clm)
## the same loglik spelt out with the model formula:
z <- drop(Xf %*% beta)
pa <- if (LINK == "logit") plogis(z - eta_clm) else pnorm(z - eta_clm)
pb <- if (LINK == "logit") plogis(-z - eta_clm) else pnorm(-z - eta_clm)
ll_formula <- sum(log(ifelse(yi == 3, pa, ifelse(yi == 1, pb, 1 - pa - pb))))
pol <- newton_polish(theta_clm, fn)
theta <- setNames(pol$theta, colnames(Xf) |> c("eta"))
V_obs <- solve(-pol$d$hess)
## clm's own vcov, reordered from (alpha, beta) to (beta, alpha)
q <- length(theta); ord <- c(2:q, 1)
V_clm <- unname(vcov(fit)[ord, ord])
p <- ncol(X)
extra <- c(h = unname(theta["home"]), eta = unname(theta["eta"]))
cen <- centre(theta[1:p], extra, V_obs, items)
cen_clm <- centre(theta[1:p], extra, V_clm, items)

eta <- unname(cen$extra["eta"]); eta_se <- unname(cen$extra_se["eta"])
json <- c(list(
  dataset = "home_ties", model = MODEL, data_file = "home_ties.csv",
  formula = if (LINK == "logit")
    "z = s_a - s_b + h * home; P(a) = logistic(z - eta), P(b) = logistic(-z - eta), P(tie) = 1 - P(a) - P(b); Rao-Kupper with theta = exp(eta): P(a) = pi_a' / (pi_a' + theta pi_b'), log pi_a' - log pi_b' = z"
  else "z = s_a - s_b + h * home; P(a) = Phi(z - eta), P(b) = Phi(-z - eta), P(tie) = Phi(eta - z) - Phi(-eta - z) (Glenn-David, standard normal CDF)",
  sign_convention = "home = +1: item_a at home (or shown first); -1: item_b at home; 0: neutral. outcome = 1: item_a won, 0.5: tie, 0: item_b won. h > 0 favours the home item",
  r_call = sprintf("clm(y ~ ., data = data.frame(X, home, y), link = '%s', threshold = 'symmetric2', control = clm.control(gradTol = 1e-13, relTol = 1e-12, maxIter = 500)); y = ordered(outcome, levels = c(0, 0.5, 1)) i.e. b won < tie < a won; X = +1/-1 item design without the first item (A); clm: P(Y <= k) = F(theta_k - x'beta), so beta = (scores, h) and thresholds (-eta, eta); then Newton polish on the directly written log-likelihood", LINK),
  r_script = sprintf("tests/data/r/fit_home_ties_%s.R", MODEL)),
  versions(c("stats", "ordinal", "jsonlite")),
  list(
  n_items = length(items), n_comparisons = nrow(d), n_ties = sum(yi == 2),
  n_home_pos = sum(d$home == 1), n_home_neg = sum(d$home == -1), n_home_zero = sum(d$home == 0),
  mle_exists = TRUE,
  h = unname(cen$extra["h"]), h_se = unname(cen$extra_se["h"]),
  eta = eta, eta_se = eta_se,
  thresholds = c(-eta, eta)),
  if (LINK == "logit") list(theta = exp(eta), theta_se = exp(eta) * eta_se,
                            theta_note = "Rao-Kupper theta = exp(eta); theta_se by the delta method (exact for the observed information at the MLE)"),
  list(
  se_note = "observed information of (scores, h, eta) under the sum-to-zero constraint (C V C); equals clm's vcov (analytic Hessian) transformed the same way",
  loglik = pol$d$loglik,
  loglik_clm = as.numeric(logLik(fit)),
  loglik_direct_at_clm_estimate_minus_clm = d0$loglik - as.numeric(logLik(fit)),
  loglik_formula_at_clm_estimate_minus_clm = ll_formula - as.numeric(logLik(fit)),
  clm_convergence_code = fit$convergence$code, clm_message = fit$message, clm_niter = unname(fit$niter[1]),
  clm_vs_polished_max_abs_diff = max(abs(theta_clm - theta)),
  clm_vcov_vs_observed_max_abs_se_diff = max(abs(c(cen_clm$se, cen_clm$extra_se) - c(cen$se, cen$extra_se))),
  max_abs_grad = pol$max_abs_grad,
  cov_nonscore = mat_json(cen$extra_cov),
  cov_full_note = "C V C over (scores in item order, h, eta)",
  cov_full = mat_json(cen$cov),
  simulation = list(script = "tests/data/r/simulate_references.py", seed = 20240602,
                    generating_model = "Rao-Kupper (logit link) as above",
                    true_scores = setNames(as.list(c(1.0, 0.5, 0.2, -0.3, -0.6, -0.8)), items),
                    true_h = 0.3, true_eta = 0.6)))
write_fit(STEM, cen, json)
print(json[c("h", "h_se", "eta", "eta_se", "loglik", "loglik_direct_at_clm_estimate_minus_clm",
             "loglik_formula_at_clm_estimate_minus_clm", "clm_vs_polished_max_abs_diff",
             "clm_vcov_vs_observed_max_abs_se_diff", "max_abs_grad")])
print(data.frame(score = cen$score, se = cen$se))
