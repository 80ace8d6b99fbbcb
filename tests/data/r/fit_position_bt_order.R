## Bradley-Terry with a presentation-order effect on tests/data/position.csv
##   P(item_a wins) = logistic(s_a - s_b + h * first),  first = +1 item_a shown first, -1 item_b first
## Writes tests/data/position.bt_order.{csv,json}.   Run:  Rscript tests/data/r/fit_position_bt_order.R
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
suppressPackageStartupMessages(library(BradleyTerry2))
LINK <- "logit"; STEM <- "position.bt_order"

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
V_glm <- unname(vcov(fit))                            # expected information (= observed for logit)
p <- ncol(X)
cen <- centre(theta[1:p], c(h = unname(theta["first"])), V_obs, items)
cen_glm <- centre(theta[1:p], c(h = unname(theta["first"])), V_glm, items)

## --- check with BradleyTerry2::BTm, order as an at.home-like player covariate
p1 <- data.frame(item = factor(d$item_a, levels = items), at.home = as.numeric(d$first == 1))
p2 <- data.frame(item = factor(d$item_b, levels = items), at.home = as.numeric(d$first == -1))
wins <- d$outcome
bt <- BTm(wins, p1, p2, formula = ~ item + at.home, id = "item", family = binomial(LINK),
          control = glm.control(epsilon = 1e-14, maxit = 200))
cb <- coef(bt)
bt_items <- cb[paste0("item", items[-1])]
bt_cen <- centre(bt_items, c(h = unname(cb["at.home"])), unname(vcov(bt)), items)

loglik_glm <- as.numeric(logLik(fit))                 # Bernoulli response: no binomial constants
json <- c(list(
  dataset = "position", model = "bt_order", data_file = "position.csv",
  formula = "P(item_a wins) = logistic(s_a - s_b + h * first)",
  sign_convention = "first = +1: item_a was shown first; first = -1: item_b was shown first; outcome = 1: item_a won, 0: item_b won; h > 0 favours the item shown first",
  r_call = "glm(outcome ~ . - 1, data = data.frame(X, first, outcome), family = binomial('logit'), control = glm.control(epsilon = 1e-14, maxit = 200)); X = +1/-1 item design without the first item (A); then Newton polish on the directly written log-likelihood",
  r_script = "tests/data/r/fit_position_bt_order.R"),
  versions(c("stats", "BradleyTerry2", "jsonlite")),
  list(
  n_items = length(items), n_comparisons = nrow(d), n_first_pos = sum(d$first == 1),
  n_first_neg = sum(d$first == -1), mle_exists = TRUE,
  h = unname(cen$extra["h"]), h_se = unname(cen$extra_se["h"]),
  se_note = "observed information of (scores, h) under the sum-to-zero constraint (C V C); for the logit link observed = expected",
  loglik = pol$d$loglik,
  loglik_glm = loglik_glm,
  loglik_direct_minus_glm = pol$d$loglik - loglik_glm,
  glm_converged = fit$converged, glm_iter = fit$iter,
  glm_vs_polished_max_abs_diff = max(abs(theta_glm - theta)),
  glm_vcov_vs_observed_max_abs_se_diff = max(abs(c(cen_glm$se, cen_glm$extra_se) - c(cen$se, cen$extra_se))),
  max_abs_grad = pol$max_abs_grad,
  cov_nonscore = mat_json(cen$extra_cov),
  cov_full_note = "C V C over (scores in item order, h)",
  cov_full = mat_json(cen$cov),
  btm_check = list(
    call = "BTm(wins, p1, p2, formula = ~ item + at.home, id = 'item', family = binomial('logit')); p1 = data.frame(item = item_a, at.home = first == 1), p2 = data.frame(item = item_b, at.home = first == -1)",
    max_abs_score_diff = max(abs(bt_cen$score - cen$score)),
    h_diff = unname(cb["at.home"] - cen$extra["h"]),
    max_abs_se_diff = max(abs(c(bt_cen$se, bt_cen$extra_se) - c(cen$se, cen$extra_se))),
    loglik_diff = as.numeric(logLik(bt)) - pol$d$loglik),
  simulation = list(script = "tests/data/r/simulate_references.py", seed = 20240601,
                    true_scores = setNames(as.list(c(1.2, 0.8, 0.5, 0.2, -0.1, -0.4, -0.9, -1.3)), items),
                    true_h = 0.4)))
write_fit(STEM, cen, json)
print(json[c("h", "h_se", "loglik", "glm_vs_polished_max_abs_diff", "max_abs_grad")])
print(json$btm_check)
print(data.frame(score = cen$score, se = cen$se))
