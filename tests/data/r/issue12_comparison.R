## Issue 12, item 4: reference numbers for model comparison (likelihood-ratio tests, AIC, BIC)
## and contrasts of scores.  Run from the repo root:
##
##     Rscript tests/data/r/issue12_comparison.R
##
## Writes
##   tests/data/baseball.comparison.json   BT vs BT + home on baseball.directed.csv:
##       anova() of the two BTm fits, AIC()/BIC() of BTm (aggregated binomial) and of the same
##       glm on one row per game (long format), contrasts from vcov / BTabilities / vcovHC /
##       vcovCL (cluster = home team)
##   tests/data/home_ties.comparison.json  Rao-Kupper and Glenn-David (ordinal::clm,
##       threshold = "symmetric2") and Davidson (direct likelihood) with and without home on
##       home_ties.csv: anova() of the clm fits, AIC()/BIC(), polished logliks
##
## Log-likelihoods here are sums over comparisons of log P(observed outcome) (no binomial
## constants) unless the key says otherwise.
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
suppressPackageStartupMessages({library(BradleyTerry2); library(sandwich); library(ordinal)})
TIGHT <- glm.control(epsilon = 1e-14, maxit = 200)

## ================================================================== baseball
d <- read.csv(data_path("baseball.directed.csv"),
              colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(d$item_a, d$item_b)))
d$fa <- factor(d$item_a, levels = items); d$fb <- factor(d$item_b, levels = items)
p1 <- data.frame(item = d$fa, at.home = d$home_a)
p2 <- data.frame(item = d$fb, at.home = 0)
wins_a <- d$wins_a; wins_b <- d$wins_b
bt0 <- BTm(cbind(wins_a, wins_b), p1, p2, ~ item, id = "item", family = binomial("logit"),
           control = TIGHT)
bt1 <- BTm(cbind(wins_a, wins_b), p1, p2, ~ item + at.home, id = "item",
           family = binomial("logit"), control = TIGHT)
av <- anova(bt0, bt1, test = "Chisq")
print(av)

## one row per game: the same model as a Bernoulli glm (logLik = sum log P(outcome))
rep_a <- rep(seq_len(nrow(d)), d$wins_a); rep_b <- rep(seq_len(nrow(d)), d$wins_b)
long <- rbind(data.frame(row = rep_a, y = 1), data.frame(row = rep_b, y = 0))
long <- long[order(long$row, -long$y), ]
la <- d$item_a[long$row]; lb <- d$item_b[long$row]
X <- item_design(la, lb, items)
home <- d$home_a[long$row]
cl_home <- la                                   # cluster: the home team (item_a is at home)
g0 <- glm(long$y ~ 0 + X, family = binomial("logit"), control = TIGHT)
g1 <- glm(long$y ~ 0 + X + home, family = binomial("logit"), control = TIGHT)
avl <- anova(g0, g1, test = "Chisq")
print(avl)

ic <- function(f) list(loglik = as.numeric(logLik(f)), df = attr(logLik(f), "df"),
                       nobs = nobs(f), aic = AIC(f), bic = BIC(f), deviance = deviance(f))

## contrasts c's of the abilities: V padded with a zero row / column for the reference item
pad <- function(V, n) { P <- matrix(0, n, n); P[-1, -1] <- V; dimnames(P) <- list(items, items); P }
n <- length(items)
contrast_table <- function(beta, V) {
  b <- setNames(c(0, beta), items)
  pairs <- t(combn(n, 2))
  est <- b[pairs[, 1]] - b[pairs[, 2]]
  se <- sqrt(V[cbind(pairs[, 1], pairs[, 1])] + V[cbind(pairs[, 2], pairs[, 2])] -
             2 * V[cbind(pairs[, 1], pairs[, 2])])
  list(a = I(items[pairs[, 1]]), b = I(items[pairs[, 2]]), estimate = unname(est),
       se = unname(se), z = unname(est / se), p = unname(2 * pnorm(-abs(est / se))))
}
general <- setNames(c(-0.5, -0.5, 0, 0, 0.5, 0.5, 0), items)   # (Milwaukee + New York - Baltimore - Boston) / 2
stopifnot(items[5] == "Milwaukee", items[6] == "New York")
general_contrast <- function(beta, V) {
  b <- c(0, beta); e <- sum(general * b); s <- sqrt(drop(t(general) %*% V %*% general))
  list(weights = as.list(general), estimate = e, se = s, z = e / s, p = 2 * pnorm(-abs(e / s)))
}

k <- n - 1
V0 <- pad(vcov(g0), n); V1 <- pad(vcov(g1)[1:k, 1:k], n)
b0 <- coef(g0); b1 <- coef(g1)[1:k]
V1_hc0 <- pad(vcovHC(g1, type = "HC0")[1:k, 1:k], n)
V1_cl <- pad(vcovCL(g1, cluster = cl_home, type = "HC1")[1:k, 1:k], n)
V0_cl <- pad(vcovCL(g0, cluster = cl_home, type = "HC1"), n)
## BTabilities: the same abilities and their vcov (reference Baltimore = 0)
ab1 <- BTabilities(bt1); Vab1 <- vcov(ab1)
ab0 <- BTabilities(bt0); Vab0 <- vcov(ab0)
stopifnot(max(abs(ab1[, "ability"] - c(0, b1))) < 1e-8, max(abs(Vab1 - V1)) < 1e-8)

base <- list(
  dataset = "baseball", data_file = "baseball.directed.csv",
  r_script = "tests/data/r/issue12_comparison.R",
  models = list(bt = "BTm(cbind(wins_a, wins_b), p1, p2, ~ item, id = 'item')",
                bt_home = "BTm(cbind(wins_a, wins_b), p1, p2, ~ item + at.home, id = 'item'); p1 = data.frame(item = item_a, at.home = home_a), p2 = data.frame(item = item_b, at.home = 0)",
                long = "glm(y ~ 0 + X [+ home], binomial('logit')) on one row per game (273 rows), X the +1/-1 item design without Baltimore"),
  anova = list(r_call = "anova(bt0, bt1, test = 'Chisq')",
               resid_df = I(av[["Resid. Df"]]), resid_dev = I(av[["Resid. Dev"]]),
               df = av$Df[2], deviance = av$Deviance[2], p = av[["Pr(>Chi)"]][2]),
  anova_long = list(r_call = "anova(g0, g1, test = 'Chisq') on the long-format glms",
                    resid_df = I(avl[["Resid. Df"]]), resid_dev = I(avl[["Resid. Dev"]]),
                    df = avl$Df[2], deviance = avl$Deviance[2], p = avl[["Pr(>Chi)"]][2]),
  ic_btm = list(note = "AIC()/BIC() of the BTm fits: aggregated binomial, logLik with the log choose(n, k) constants, nobs = number of (home, away) rows",
                bt = ic(bt0), bt_home = ic(bt1)),
  ic_long = list(note = "AIC()/BIC() of the glm on one row per game: logLik = sum log P(outcome), nobs = 273 comparisons (btstats' definition)",
                 bt = ic(g0), bt_home = ic(g1)),
  h = unname(coef(g1)["home"]), h_se = unname(sqrt(vcov(g1)["home", "home"])),
  contrasts_note = "a - b over all pairs of items (items in alphabetical order); se from the covariance named; BTabilities' vcov gives the same (checked to 1e-8)",
  contrasts = list(
    bt_observed = contrast_table(b0, V0),
    bt_home_observed = contrast_table(b1, V1),
    bt_home_btabilities = contrast_table(ab1[-1, "ability"], Vab1),
    bt_btabilities = contrast_table(ab0[-1, "ability"], Vab0),
    bt_home_sandwich = c(list(r_call = "vcovHC(g1, type = 'HC0')"), contrast_table(b1, V1_hc0)),
    bt_home_cluster = c(list(r_call = "vcovCL(g1, cluster = home team, type = 'HC1') (G/(G-1) (n-1)/(n-k), k = 7)"),
                        contrast_table(b1, V1_cl)),
    bt_cluster = c(list(r_call = "vcovCL(g0, cluster = home team, type = 'HC1') (k = 6)"),
                   contrast_table(b0, V0_cl))),
  general_contrast = list(
    bt_observed = general_contrast(b0, V0),
    bt_home_observed = general_contrast(b1, V1),
    bt_home_sandwich = general_contrast(b1, V1_hc0),
    bt_home_cluster = general_contrast(b1, V1_cl)))
writeLines(toJSON(c(base, versions(c("stats", "BradleyTerry2", "sandwich", "jsonlite"))),
                  auto_unbox = TRUE, digits = NA, pretty = TRUE),
           data_path("baseball.comparison.json"))
cat("wrote baseball.comparison.json\n")

## ================================================================== home_ties
h <- read.csv(data_path("home_ties.csv"), colClasses = c(item_a = "character", item_b = "character"))
hitems <- sort(unique(c(h$item_a, h$item_b)))
HX <- item_design(h$item_a, h$item_b, hitems)
y <- factor(h$outcome, levels = c(0, 0.5, 1), labels = c("b", "tie", "a"), ordered = TRUE)
yi <- as.integer(y)
Tm <- matrix(c(-1, 1), 2, 1)
ctl <- clm.control(gradTol = 1e-13, relTol = 1e-12, maxIter = 500)

clm_pair <- function(link) {
  df0 <- data.frame(HX, y = y, check.names = FALSE)
  df1 <- data.frame(HX, home = h$home, y = y, check.names = FALSE)
  m0 <- clm(y ~ ., data = df0, link = link, threshold = "symmetric2", control = ctl)
  m1 <- clm(y ~ ., data = df1, link = link, threshold = "symmetric2", control = ctl)
  stopifnot(m0$convergence$code == 0, m1$convergence$code == 0)
  a <- anova(m0, m1)
  print(a)
  ## polished logliks on the directly written likelihood
  pol <- function(m, Xm) {
    th <- c(m$beta, m$alpha)
    newton_polish(th, function(t) cl_derivs(t, Xm, yi, Tm, link))
  }
  q0 <- pol(m0, HX); q1 <- pol(m1, cbind(HX, home = h$home))
  ll0 <- q0$d$loglik; ll1 <- q1$d$loglik
  k0 <- length(q0$theta); k1 <- length(q1$theta)
  lr <- 2 * (ll1 - ll0)
  list(r_call = sprintf("anova(clm(y ~ X, link = '%s', threshold = 'symmetric2'), clm(y ~ X + home, ...))", link),
       anova = list(no_par = I(a$no.par), AIC = I(a$AIC), logLik = I(a$logLik),
                    LR_stat = a$LR.stat[2], df = a$df[2], p = a[["Pr(>Chisq)"]][2]),
       without_home = list(loglik = ll0, n_params = k0, aic = -2 * ll0 + 2 * k0,
                           bic = -2 * ll0 + log(nrow(h)) * k0, aic_clm = AIC(m0), bic_clm = BIC(m0),
                           nobs_clm = nobs(m0), max_abs_grad = q0$max_abs_grad),
       with_home = list(loglik = ll1, n_params = k1, aic = -2 * ll1 + 2 * k1,
                        bic = -2 * ll1 + log(nrow(h)) * k1, aic_clm = AIC(m1), bic_clm = BIC(m1),
                        nobs_clm = nobs(m1), max_abs_grad = q1$max_abs_grad),
       lr_statistic = lr, df = k1 - k0, p = pchisq(lr, k1 - k0, lower.tail = FALSE))
}

dav_fit <- function(Xm) {
  nll <- function(th) -dav_derivs(th, Xm, yi, "ll")$loglik
  ngr <- function(th) -dav_derivs(th, Xm, yi, "grad")$grad
  opt <- optim(rep(0, ncol(Xm) + 1), nll, ngr, method = "BFGS",
               control = list(maxit = 1000, reltol = 1e-14))
  newton_polish(opt$par, function(th) dav_derivs(th, Xm, yi))
}
d0 <- dav_fit(HX); d1 <- dav_fit(cbind(HX, home = h$home))
dll0 <- d0$d$loglik; dll1 <- d1$d$loglik; dk0 <- length(d0$theta); dk1 <- length(d1$theta)
dlr <- 2 * (dll1 - dll0)
dav <- list(r_call = "optim (BFGS) + Newton polish on the Davidson log-likelihood (dav_derivs in common.R), theta = (scores relative to A, [h,] log nu)",
            without_home = list(loglik = dll0, n_params = dk0, aic = -2 * dll0 + 2 * dk0,
                                bic = -2 * dll0 + log(nrow(h)) * dk0, max_abs_grad = d0$max_abs_grad),
            with_home = list(loglik = dll1, n_params = dk1, aic = -2 * dll1 + 2 * dk1,
                             bic = -2 * dll1 + log(nrow(h)) * dk1, max_abs_grad = d1$max_abs_grad),
            lr_statistic = dlr, df = dk1 - dk0, p = pchisq(dlr, dk1 - dk0, lower.tail = FALSE))

ht <- c(list(dataset = "home_ties", data_file = "home_ties.csv",
             r_script = "tests/data/r/issue12_comparison.R", n_comparisons = nrow(h),
             bic_note = "BIC = -2 loglik + log(2500) k: one row per comparison, as clm's nobs",
             rao_kupper = clm_pair("logit"), glenn_david = clm_pair("probit"), davidson = dav),
        versions(c("stats", "ordinal", "jsonlite")))
writeLines(toJSON(ht, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           data_path("home_ties.comparison.json"))
cat("wrote home_ties.comparison.json\n")
