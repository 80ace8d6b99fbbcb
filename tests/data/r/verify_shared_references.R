## Re-verify in R the shared reference fits copied into tests/data/ (from /work/shared/reference):
##   baseball.bt_home, baseball.thurstone_home, springall.davidson, springall.thurstone_ties
## Each is recomputed from its data file here (glm / clm / direct maximisation + Newton polish)
## and every number in its .csv/.json compared; the output of this script is kept in
## tests/data/r/verify_shared_references.log.
## Run:  Rscript tests/data/r/verify_shared_references.R | tee tests/data/r/verify_shared_references.log
.a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
source(file.path(dirname(sub("^--file=", "", .a[1])), "common.R"))
suppressPackageStartupMessages({library(ordinal); library(BradleyTerry2)})
TOL <- 1e-6
cat(R.version.string, "| BradleyTerry2", as.character(packageVersion("BradleyTerry2")),
    "| ordinal", as.character(packageVersion("ordinal")), "\n\n")
ref_tab <- function(stem) read.csv(data_path(paste0(stem, ".csv")), colClasses = c(item = "character"))
ref_js <- function(stem) fromJSON(data_path(paste0(stem, ".json")))
worst <- 0
report <- function(stem, what, got, want) {
  dd <- max(abs(got - want))
  worst <<- max(worst, dd)
  cat(sprintf("%-28s %-10s max |R - file| = %.3g %s\n", stem, what, dd, if (dd < TOL) "ok" else "** DISAGREES **"))
}
## long rows from a counts table: outcome 1 = a won, 0.5 tie, 0 = b won
expand <- function(cnt) {
  rows <- lapply(seq_len(nrow(cnt)), function(i) {
    r <- cnt[i, ]
    n_t <- if (!is.null(r$ties)) r$ties else 0
    data.frame(item_a = r$item_a, item_b = r$item_b,
               home_a = if (!is.null(r$home_a)) r$home_a else 0,
               outcome = c(rep(1, r$wins_a), rep(0, r$wins_b), rep(0.5, n_t)))
  })
  do.call(rbind, rows)
}

## ---- baseball.bt_home and baseball.thurstone_home ----------------------------------
bb <- read.csv(data_path("baseball.directed.csv"), colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(bb$item_a, bb$item_b)))
X <- item_design(bb$item_a, bb$item_b, items)
long <- expand(bb)
XL <- cbind(item_design(long$item_a, long$item_b, items), home = long$home_a)
for (link in c("logit", "probit")) {
  stem <- if (link == "logit") "baseball.bt_home" else "baseball.thurstone_home"
  fit <- glm(cbind(bb$wins_a, bb$wins_b) ~ cbind(X, home = bb$home_a) - 1, family = binomial(link),
             control = glm.control(epsilon = 1e-14, maxit = 200))
  fn <- function(th) cl_derivs(th, XL, long$outcome + 1, matrix(0, 1, 0), link)
  pol <- newton_polish(unname(coef(fit)), fn)
  p <- ncol(X)
  cen_obs <- centre(pol$theta[1:p], c(h = pol$theta[p + 1]), solve(-pol$d$hess), items)
  cen_exp <- centre(pol$theta[1:p], c(h = pol$theta[p + 1]), unname(vcov(fit)), items)
  tab <- ref_tab(stem); js <- ref_js(stem)
  stopifnot(identical(tab$item, items))
  report(stem, "score", cen_obs$score, tab$score)
  report(stem, "se", cen_exp$se, tab$se)                       # logit: expected = observed
  if (link == "probit") report(stem, "se_obs", cen_obs$se, tab$se_obs)
  report(stem, "h", cen_obs$extra, js$h)
  report(stem, "se_h", cen_exp$extra_se, js$se_h)
  if (link == "probit") report(stem, "se_h_obs", cen_obs$extra_se, js$se_h_obs)
  report(stem, "loglik", pol$d$loglik, js$loglik)
  report(stem, "loglik_glm_binomial", as.numeric(logLik(fit)), js$loglik_glm_binomial)
  cat(sprintf("%-28s n_comparisons %d (file %d)\n", stem, nrow(long), js$n_comparisons))
}

## ---- springall.davidson and springall.thurstone_ties -------------------------------
sp <- read.csv(data_path("springall.csv"), colClasses = c(item_a = "character", item_b = "character"))
items <- sort(unique(c(sp$item_a, sp$item_b)))
long <- expand(sp)
XL <- item_design(long$item_a, long$item_b, items)
yi <- match(long$outcome, c(0, 0.5, 1))
p <- ncol(XL)

stem <- "springall.davidson"
nll <- function(th) -dav_derivs(th, XL, yi, "ll")$loglik
ngr <- function(th) -dav_derivs(th, XL, yi, "grad")$grad
opt <- optim(rep(0, p + 1), nll, ngr, method = "BFGS", control = list(maxit = 1000, reltol = 1e-14))
pol <- newton_polish(opt$par, function(th) dav_derivs(th, XL, yi))
nu <- exp(pol$theta[p + 1]); J <- diag(p + 1); J[p + 1, p + 1] <- 1 / nu
cen <- centre(pol$theta[1:p], c(nu = nu), solve(t(J) %*% (-pol$d$hess) %*% J), items)
tab <- ref_tab(stem); js <- ref_js(stem)
stopifnot(identical(tab$item, items))
report(stem, "score", cen$score, tab$score)
report(stem, "se", cen$se, tab$se)
report(stem, "nu", nu, js$nu)
report(stem, "se_nu", cen$extra_se, js$se_nu)
report(stem, "loglik", pol$d$loglik, js$loglik)
cat(sprintf("%-28s n_comparisons %d (file %d), ties %d (file %d)\n", stem, nrow(long), js$n_comparisons, sum(yi == 2), js$n_ties))

stem <- "springall.thurstone_ties"
## as in the shared README's r_call: one row per pair x outcome, weights = counts
agg <- rbind(data.frame(sp[, 1:2], y = "b", w = sp$wins_b), data.frame(sp[, 1:2], y = "tie", w = sp$ties),
             data.frame(sp[, 1:2], y = "a", w = sp$wins_a))
agg$y <- factor(agg$y, levels = c("b", "tie", "a"), ordered = TRUE)
Xa <- item_design(agg$item_a, agg$item_b, items)
fit <- clm(y ~ X, data = list(y = agg$y, X = Xa, w = agg$w), weights = w, link = "probit",
           threshold = "symmetric2", control = clm.control(gradTol = 1e-13, relTol = 1e-12, maxIter = 500))
Tm <- matrix(c(-1, 1), 2, 1)
pol <- newton_polish(c(unname(fit$beta), unname(fit$alpha)), function(th) cl_derivs(th, XL, yi, Tm, "probit"))
cen <- centre(pol$theta[1:p], c(eta = pol$theta[p + 1]), solve(-pol$d$hess), items)
q <- p + 1; ord <- c(2:q, 1)
cen_clm <- centre(unname(fit$beta), c(eta = unname(fit$alpha)), unname(vcov(fit)[ord, ord]), items)
tab <- ref_tab(stem); js <- ref_js(stem)
stopifnot(identical(tab$item, items))
report(stem, "score", cen$score, tab$score)
report(stem, "se", cen$se, tab$se)
report(stem, "eta", cen$extra, js$eta)
report(stem, "se_eta", cen$extra_se, js$se_eta)
report(stem, "loglik", pol$d$loglik, js$loglik)
report(stem, "loglik(clm)", as.numeric(logLik(fit)), js$loglik)
report(stem, "clm score", cen_clm$score, tab$score)
report(stem, "clm se", cen_clm$se, tab$se)
cat(sprintf("\nworst disagreement over all shared fits: %.3g (tolerance %g)\n", worst, TOL))
