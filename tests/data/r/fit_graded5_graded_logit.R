## Graded (K = 5) cumulative-logit model with symmetric thresholds on tests/data/graded5.csv
##   z = s_a - s_b;  P(grade <= k) = logistic(c_k - z),  c = (-t2, -t1, t1, t2) for k = -2, -1, 0, 1
##   grade: +2 item_a much better, +1 item_a better, 0 tie, -1 item_b better, -2 item_b much better
## Fitted with ordinal::clm, threshold = "symmetric2": its parameters spacing.1 = t1 and
## spacing.2 = t2 (tJac checked below); clm's convention P(Y <= k) = F(theta_k - x'beta) with
## x = +1/-1 item design gives beta = scores relative to item A directly.
## Writes tests/data/graded5.graded_logit.{csv,json}.
## Run:  Rscript tests/data/r/fit_graded5_graded_logit.R
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
suppressPackageStartupMessages(library(ordinal))
LINK <- "logit"; STEM <- "graded5.graded_logit"; MODEL <- "graded_logit"

d <- read.csv(data_path("graded5.csv"), colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(d$item_a, d$item_b)))
X <- item_design(d$item_a, d$item_b, items)          # reference item: items[1]
y <- factor(d$grade, levels = -2:2, ordered = TRUE)
stopifnot(!anyNA(y))
df <- data.frame(X, y = y, check.names = FALSE)

## --- the fit
fit <- clm(y ~ ., data = df, link = LINK, threshold = "symmetric2",
           control = clm.control(gradTol = 1e-10, relTol = 1e-12, maxIter = 500))
stopifnot(fit$convergence$code == 0)
Tm <- matrix(c(0, -1, 1, 0,  -1, 0, 0, 1), 4, 2)       # c = (-t2, -t1, t1, t2) from (t1, t2)
stopifnot(all(unname(fit$tJac) == Tm), names(fit$alpha) == c("spacing.1", "spacing.2"))
beta <- fit$beta; alpha <- setNames(unname(fit$alpha), c("t1", "t2"))
theta_clm <- c(beta, alpha)

## --- direct log-likelihood from the fitted parameters (independent of clm), Newton polish,
##     observed information
yi <- as.integer(y)                                   # 1..5 for grade -2..2
fn <- function(th) cl_derivs(th, X, yi, Tm, LINK)
d0 <- fn(theta_clm)
## the same loglik spelt out with the model formula
Fl <- if (LINK == "logit") plogis else pnorm
z <- drop(X %*% beta); cuts <- c(-Inf, -alpha[2], -alpha[1], alpha[1], alpha[2], Inf)
ll_formula <- sum(log(Fl(cuts[yi + 1] - z) - Fl(cuts[yi] - z)))
pol <- newton_polish(theta_clm, fn)
theta <- setNames(pol$theta, c(colnames(X), "t1", "t2"))
V_obs <- solve(-pol$d$hess)
q <- length(theta); ord <- c(3:q, 1:2)                # clm vcov order: (alpha, beta)
V_clm <- unname(vcov(fit)[ord, ord])
p <- ncol(X)
extra <- theta[c("t1", "t2")]
cen <- centre(theta[1:p], extra, V_obs, items)
cen_clm <- centre(theta[1:p], extra, V_clm, items)
t1 <- unname(extra["t1"]); t2 <- unname(extra["t2"])

json <- c(list(
  dataset = "graded5", model = MODEL, data_file = "graded5.csv",
  formula = sprintf("z = s_a - s_b; P(grade <= k) = %s(c_k - z), c = (-t2, -t1, t1, t2) for k = -2, -1, 0, 1; P(grade = k) = F(c_k - z) - F(c_{k-1} - z)",
                    if (LINK == "logit") "logistic" else "Phi"),
  sign_convention = "grade = +2: item_a much better; +1: item_a better; 0: tie; -1: item_b better; -2: item_b much better. Larger s_a - s_b shifts mass to positive grades",
  r_call = sprintf("clm(y ~ ., data = data.frame(X, y), link = '%s', threshold = 'symmetric2', control = clm.control(gradTol = 1e-10, relTol = 1e-12, maxIter = 500)); y = ordered(grade, levels = -2:2); X = +1/-1 item design without the first item (A); clm: P(Y <= k) = F(theta_k - x'beta), so beta = scores, spacing.1 = t1, spacing.2 = t2; then Newton polish on the directly written log-likelihood", LINK),
  r_script = sprintf("tests/data/r/fit_graded5_%s.R", MODEL)),
  versions(c("stats", "ordinal", "jsonlite")),
  list(
  n_items = length(items), n_comparisons = nrow(d),
  grade_counts = setNames(as.list(as.integer(table(y))), levels(y)),
  mle_exists = TRUE,
  t1 = t1, t1_se = unname(cen$extra_se["t1"]), t2 = t2, t2_se = unname(cen$extra_se["t2"]),
  thresholds = c(-t2, -t1, t1, t2),
  se_note = "observed information of (scores, t1, t2) under the sum-to-zero constraint (C V C); equals clm's vcov (analytic Hessian) transformed the same way",
  loglik = pol$d$loglik,
  loglik_clm = as.numeric(logLik(fit)),
  loglik_direct_at_clm_estimate_minus_clm = d0$loglik - as.numeric(logLik(fit)),
  loglik_formula_at_clm_estimate_minus_clm = ll_formula - as.numeric(logLik(fit)),
  clm_convergence_code = fit$convergence$code, clm_message = fit$message, clm_niter = unname(fit$niter[1]),
  clm_vs_polished_max_abs_diff = max(abs(theta_clm - theta)),
  clm_vcov_vs_observed_max_abs_se_diff = max(abs(c(cen_clm$se, cen_clm$extra_se) - c(cen$se, cen$extra_se))),
  max_abs_grad = pol$max_abs_grad,
  cov_nonscore = mat_json(cen$extra_cov),
  cov_full_note = "C V C over (scores in item order, t1, t2)",
  cov_full = mat_json(cen$cov),
  simulation = list(script = "tests/data/r/simulate_references.py", seed = 20240603,
                    generating_model = "cumulative logit as above",
                    true_scores = setNames(as.list(c(1.5, 0.9, 0.4, 0.0, -0.4, -1.0, -1.4)), items),
                    true_t1 = 0.5, true_t2 = 2.0)))
write_fit(STEM, cen, json)
print(json[c("t1", "t1_se", "t2", "t2_se", "loglik", "loglik_direct_at_clm_estimate_minus_clm",
             "loglik_formula_at_clm_estimate_minus_clm", "clm_vs_polished_max_abs_diff",
             "clm_vcov_vs_observed_max_abs_se_diff", "max_abs_grad")])
print(data.frame(score = cen$score, se = cen$se))
