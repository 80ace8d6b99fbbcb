## Thurstone (Case V, probit) with a presentation-order effect on tests/data/position.csv
##   P(item_a wins) = Phi(s_a - s_b + h * first),  first = +1 item_a shown first, -1 item_b first
## Writes tests/data/position.thurstone_order.{csv,json}:  se = observed information,
## se_exp = expected (Fisher) information (glm's vcov).
## Run:  Rscript tests/data/r/fit_position_thurstone_order.R
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
suppressPackageStartupMessages(library(BradleyTerry2))
LINK <- "probit"; STEM <- "position.thurstone_order"

d <- read.csv(data_path("position.csv"), colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(d$item_a, d$item_b)))
X <- item_design(d$item_a, d$item_b, items)          # reference item: items[1]
df <- data.frame(X, first = d$first, outcome = d$outcome, check.names = FALSE)

## --- the fit: glm on the +1/-1 item design plus the `first` column, no intercept
fit <- glm(outcome ~ . - 1, data = df, family = binomial(LINK),
           control = glm.control(epsilon = 1e-14, maxit = 200))
theta_glm <- coef(fit)

## --- direct likelihood, Newton polish, observed information
Xf <- cbind(X, first = d$first); y <- d$outcome + 1; Tm <- matrix(0, 1, 0)
fn <- function(th) cl_derivs(th, Xf, y, Tm, LINK)
pol <- newton_polish(theta_glm, fn)
theta <- setNames(pol$theta, colnames(Xf))
V_obs <- solve(-pol$d$hess)
## expected (Fisher) information at the polished estimate: X' W X, W = phi(z)^2 / (Phi(z) Phi(-z));
## checked against glm's vcov (the same matrix at glm's own estimate)
zz <- drop(Xf %*% theta)
W <- dnorm(zz)^2 / (pnorm(zz) * pnorm(-zz))
V_exp <- solve(crossprod(Xf, Xf * W))
V_glm <- unname(vcov(fit))
p <- ncol(X)
cen <- centre(theta[1:p], c(h = unname(theta["first"])), V_obs, items)
cen_exp <- centre(theta[1:p], c(h = unname(theta["first"])), V_exp, items)

## --- check with BradleyTerry2::BTm, order as an at.home-like player covariate
p1 <- data.frame(item = factor(d$item_a, levels = items), at.home = as.numeric(d$first == 1))
p2 <- data.frame(item = factor(d$item_b, levels = items), at.home = as.numeric(d$first == -1))
wins <- d$outcome
bt <- BTm(wins, p1, p2, formula = ~ item + at.home, id = "item", family = binomial(LINK),
          control = glm.control(epsilon = 1e-14, maxit = 200))
cb <- coef(bt)
bt_items <- cb[paste0("item", items[-1])]
bt_cen <- centre(bt_items, c(h = unname(cb["at.home"])), unname(vcov(bt)), items)

loglik_glm <- as.numeric(logLik(fit))
json <- c(list(
  dataset = "position", model = "thurstone_order", data_file = "position.csv",
  formula = "P(item_a wins) = Phi(s_a - s_b + h * first)  (standard normal CDF, no sqrt(2))",
  sign_convention = "first = +1: item_a was shown first; first = -1: item_b was shown first; outcome = 1: item_a won, 0: item_b won; h > 0 favours the item shown first",
  r_call = "glm(outcome ~ . - 1, data = data.frame(X, first, outcome), family = binomial('probit'), control = glm.control(epsilon = 1e-14, maxit = 200)); X = +1/-1 item design without the first item (A); then Newton polish on the directly written log-likelihood",
  r_script = "tests/data/r/fit_position_thurstone_order.R"),
  versions(c("stats", "BradleyTerry2", "jsonlite")),
  list(
  n_items = length(items), n_comparisons = nrow(d), n_first_pos = sum(d$first == 1),
  n_first_neg = sum(d$first == -1), mle_exists = TRUE,
  h = unname(cen$extra["h"]), h_se = unname(cen$extra_se["h"]),
  h_se_exp = unname(cen_exp$extra_se["h"]),
  se_note = "se, h_se: observed information (analytic Hessian of the exact log-likelihood) of (scores, h) under the sum-to-zero constraint (C V C); se_exp, h_se_exp: expected (Fisher) information X'WX at the same estimate (= glm vcov up to glm's convergence). NB baseball.thurstone_home.csv uses se = expected, se_obs = observed; here se = observed",
  loglik = pol$d$loglik,
  loglik_glm = loglik_glm,
  loglik_direct_minus_glm = pol$d$loglik - loglik_glm,
  glm_converged = fit$converged, glm_iter = fit$iter,
  glm_vs_polished_max_abs_diff = max(abs(theta_glm - theta)),
  glm_vcov_vs_expected_info_max_abs_diff = max(abs(V_glm - V_exp)),
  max_abs_grad = pol$max_abs_grad,
  cov_nonscore = mat_json(cen$extra_cov),
  cov_full_note = "C V C (observed information) over (scores in item order, h)",
  cov_full = mat_json(cen$cov),
  btm_check = list(
    call = "BTm(wins, p1, p2, formula = ~ item + at.home, id = 'item', family = binomial('probit')); p1 = data.frame(item = item_a, at.home = first == 1), p2 = data.frame(item = item_b, at.home = first == -1)",
    max_abs_score_diff = max(abs(bt_cen$score - cen$score)),
    h_diff = unname(cb["at.home"] - cen$extra["h"]),
    max_abs_se_exp_diff = max(abs(c(bt_cen$se, bt_cen$extra_se) - c(cen_exp$se, cen_exp$extra_se))),
    loglik_diff = as.numeric(logLik(bt)) - pol$d$loglik),
  simulation = list(script = "tests/data/r/simulate_references.py", seed = 20240601,
                    note = "simulated from the logistic model (true h = 0.4 on the logit scale); this probit fit is a misspecified-link reference fit",
                    true_h_logit = 0.4)))
write_fit(STEM, cen, json, extra_cols = list(se_exp = cen_exp$se))
print(json[c("h", "h_se", "h_se_exp", "loglik", "glm_vs_polished_max_abs_diff", "max_abs_grad")])
print(json$btm_check)
print(data.frame(score = cen$score, se = cen$se, se_exp = cen_exp$se))
