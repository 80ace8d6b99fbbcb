## Helpers shared by the fit_*.R scripts in tests/data/r/ (sourced by each of them).
## Everything here is plain base R + jsonlite; the model fits themselves are done in each
## script with glm / BradleyTerry2::BTm / ordinal::clm / optim.

suppressPackageStartupMessages(library(jsonlite))

script_dir <- function() {
  a <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(a)) dirname(normalizePath(sub("^--file=", "", a[1]))) else getwd()
}
DATA_DIR <- normalizePath(file.path(script_dir(), ".."))   # tests/data
data_path <- function(f) file.path(DATA_DIR, f)

versions <- function(pkgs) {
  list(r_version = R.version.string,
       packages = setNames(lapply(pkgs, function(p) as.character(packageVersion(p))), pkgs))
}

## +1/-1 item design: column j (items[-1]) is +1 where item_a == j, -1 where item_b == j.
## The first item (alphabetical) is the reference item with log-strength fixed at 0.
item_design <- function(a, b, items) {
  X <- sapply(items[-1], function(j) (a == j) - (b == j))
  X <- matrix(as.numeric(X), nrow = length(a), dimnames = list(NULL, items[-1]))
  X
}

## Reference-item estimates (items[-1]) + extra parameters, and their covariance V
## -> mean-anchored scores and covariance C V C (V padded with a zero row/column for the
## reference item; C = I - 11'/n on the item block, identity on the extras).
centre <- function(beta_items, extra, V, items) {
  n <- length(items); m <- length(extra)
  full <- c(0, beta_items)
  sc <- full - mean(full)
  Vp <- matrix(0, n + m, n + m)
  Vp[-1, -1] <- V
  C <- diag(n + m)
  C[1:n, 1:n] <- diag(n) - matrix(1 / n, n, n)
  Vc <- C %*% Vp %*% t(C)
  nm <- c(items, names(extra))
  dimnames(Vc) <- list(nm, nm)
  list(score = setNames(sc, items), cov = Vc,
       se = setNames(sqrt(diag(Vc))[1:n], items),
       extra = extra,
       extra_se = setNames(sqrt(diag(Vc))[n + seq_len(m)], names(extra)),
       extra_cov = Vc[n + seq_len(m), n + seq_len(m), drop = FALSE])
}

## ---------------------------------------------------------------------------------
## Generic cumulative-link likelihood, written out directly (used to re-derive the loglik
## from the fitted parameters, to polish by Newton steps and for the observed information).
## Observation i in category y[i] (1..K):  P = F(c_y - z) - F(c_{y-1} - z), c_0 = -Inf,
## c_K = +Inf, z = X %*% b, thresholds c = Tm %*% alpha (Tm is (K-1) x length(alpha);
## K = 2 with Tm = 0 x ... gives the binary model P(y = 2) = F(z)).
## theta = c(b, alpha).
link_fns <- function(link) {
  if (link == "logit") list(F = plogis, logF = function(x) plogis(x, log.p = TRUE),
                            logS = function(x) plogis(x, lower.tail = FALSE, log.p = TRUE),
                            f = dlogis, fp = function(x) dlogis(x) * (1 - 2 * plogis(x)))
  else list(F = pnorm, logF = function(x) pnorm(x, log.p = TRUE),
            logS = function(x) pnorm(x, lower.tail = FALSE, log.p = TRUE),
            f = dnorm, fp = function(x) -x * dnorm(x))
}

cl_derivs <- function(theta, X, y, Tm, link, what = c("ll", "grad", "hess")) {
  L <- link_fns(link)
  p <- ncol(X); K <- nrow(Tm) + 1; m <- ncol(Tm)
  b <- theta[seq_len(p)]; alpha <- theta[p + seq_len(m)]
  cuts <- if (m > 0) drop(Tm %*% alpha) else rep(0, K - 1)
  z <- drop(X %*% b)
  up <- ifelse(y < K, cuts[pmin(y, K - 1)] - z, Inf)
  lo <- ifelse(y > 1, cuts[pmax(y - 1, 1)] - z, -Inf)
  ll_i <- ifelse(y == 1, L$logF(up),
          ifelse(y == K, L$logS(lo), log(L$F(up) - L$F(lo))))
  out <- list(loglik = sum(ll_i))
  if (!("grad" %in% what || "hess" %in% what)) return(out)
  P <- exp(ll_i)
  fu <- ifelse(is.finite(up), L$f(up), 0); fl <- ifelse(is.finite(lo), L$f(lo), 0)
  fpu <- ifelse(is.finite(up), L$fp(up), 0); fpl <- ifelse(is.finite(lo), L$fp(lo), 0)
  ## linear maps theta -> up, lo:  d up / d theta = (-x, Tm[y, ]),  d lo / d theta = (-x, Tm[y-1, ])
  Tu <- matrix(0, length(y), m); Tl <- matrix(0, length(y), m)
  if (m > 0) {
    iu <- y < K; Tu[iu, ] <- Tm[y[iu], , drop = FALSE]
    il <- y > 1; Tl[il, ] <- Tm[y[il] - 1, , drop = FALSE]
  }
  Au <- cbind(-X, Tu); Al <- cbind(-X, Tl)
  dP <- Au * fu - Al * fl                              # n x q, dP/dtheta
  out$grad <- colSums(dP / P)
  if ("hess" %in% what) {
    out$hess <- crossprod(Au, Au * (fpu / P)) - crossprod(Al, Al * (fpl / P)) -
                crossprod(dP / P)
  }
  out
}

newton_polish <- function(theta, fn, tol = 1e-10, maxit = 50) {
  for (it in 1:maxit) {
    d <- fn(theta)
    if (max(abs(d$grad)) < tol) break
    theta <- theta - solve(d$hess, d$grad)
  }
  d <- fn(theta)
  list(theta = theta, d = d, iter = it, max_abs_grad = max(abs(d$grad)))
}

## ---------------------------------------------------------------------------------
## Davidson with an order/home effect, theta = c(b, lambda), lambda = log(nu):
## u = z / 2, D = 2 cosh(u) + nu; log P(a) = u - log D, log P(b) = -u - log D,
## log P(tie) = lambda - log D.  (= pi_a' / (pi_a' + pi_b' + nu sqrt(pi_a' pi_b')) ...)
## y: 1 = b won, 2 = tie, 3 = a won.
dav_derivs <- function(theta, X, y, what = c("ll", "grad", "hess")) {
  p <- ncol(X); b <- theta[1:p]; lam <- theta[p + 1]; nu <- exp(lam)
  z <- drop(X %*% b); u <- z / 2
  ## log D computed stably: log(2 cosh u + nu) = |u| + log(1 + exp(-2|u|) + nu exp(-|u|))
  logD <- abs(u) + log1p(exp(-2 * abs(u)) + nu * exp(-abs(u)))
  ll_i <- ifelse(y == 3, u, ifelse(y == 1, -u, lam)) - logD
  out <- list(loglik = sum(ll_i))
  if (!("grad" %in% what || "hess" %in% what)) return(out)
  D <- exp(logD); S <- 2 * sinh(u); Cc <- 2 * cosh(u)
  ya <- y == 3; yb <- y == 1; yt <- y == 2
  lz <- (ya - yb) / 2 - S / (2 * D)
  ll <- yt - nu / D
  out$grad <- c(colSums(X * lz), sum(ll))
  if ("hess" %in% what) {
    lzz <- -(Cc / (4 * D) - S^2 / (4 * D^2))
    lzl <- (S / 2) * nu / D^2
    lll <- -(nu / D - nu^2 / D^2)
    H <- matrix(0, p + 1, p + 1)
    H[1:p, 1:p] <- crossprod(X, X * lzz)
    H[1:p, p + 1] <- H[p + 1, 1:p] <- colSums(X * lzl)
    H[p + 1, p + 1] <- sum(lll)
    out$hess <- H
  }
  out
}

## ---------------------------------------------------------------------------------
write_fit <- function(stem, cen, json, extra_cols = NULL) {
  tab <- data.frame(item = names(cen$score), score = unname(cen$score), se = unname(cen$se))
  if (!is.null(extra_cols)) for (nm in names(extra_cols)) tab[[nm]] <- unname(extra_cols[[nm]])
  write.csv(tab, data_path(paste0(stem, ".csv")), row.names = FALSE)
  writeLines(toJSON(json, auto_unbox = TRUE, digits = NA, pretty = TRUE),
             data_path(paste0(stem, ".json")))
  cat("wrote", paste0(stem, ".{csv,json}"), "\n")
}

## matrix -> named nested list for JSON
mat_json <- function(M) list(names = I(rownames(M)), matrix = unname(lapply(seq_len(nrow(M)), function(i) I(unname(M[i, ])))))
