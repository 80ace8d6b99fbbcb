# Optional cross-check of the brute-force reference fits against the R package PlackettLuce
# (Turner et al.), which uses its own algorithm (iterative scaling, Poisson-model vcov).
# Not needed to regenerate anything; its output is crosscheck_PlackettLuce.log.
#
# PlackettLuce is not in Debian and CRAN is not reachable here, so it was installed from its
# GitHub source (hturner/PlackettLuce, commit 411b1ef67e906ecad0b820dd54504712307cc14f, version
# 0.4.5) with the CVXR import removed from DESCRIPTION/NAMESPACE (CVXR is used only by pladmm(),
# not by PlackettLuce()), on R 4.2.2 with Debian's r-cran-* dependencies:
#   R CMD INSTALL --no-test-load -l /tmp/plref/Rlib PLsrc
# Run from this folder:  Rscript crosscheck_PlackettLuce.R > crosscheck_PlackettLuce.log
suppressMessages(library(PlackettLuce, lib.loc = Sys.getenv("PL_LIB", "/tmp/plref/Rlib")))
library(jsonlite)

read_rankings <- function(name) {
  d <- read.csv(paste0(name, ".rankings.csv"), stringsAsFactors = FALSE,
                check.names = FALSE)
  ref <- fromJSON(paste0(name, ".json"))
  items <- ref$items
  R <- matrix(0L, nrow = max(d$ranking), ncol = length(items),
              dimnames = list(NULL, items))
  R[cbind(d$ranking, match(d$item, items))] <- as.integer(d$rank)
  list(R = as.rankings(R), ref = ref)
}

check <- function(name, npseudo = 0) {
  x <- read_rankings(name)
  mod <- PlackettLuce(x$R, npseudo = npseudo, epsilon = 1e-13, maxit = c(100000, 10))
  s <- coef(summary(mod, ref = NULL))
  n <- length(x$ref$items)
  est <- s[seq_len(n), 1]
  se <- s[seq_len(n), 2]
  ties <- x$ref$ties
  cat(sprintf("%-16s npseudo=%.1f  max|score diff|=%.2e  max|se diff|=%.2e  |loglik diff|=%.2e",
              name, npseudo, max(abs(est - x$ref$scores)), max(abs(se - x$ref$se)),
              abs(as.numeric(logLik(mod)) - x$ref$loglik)))
  if (length(ties)) {
    tl <- s[-seq_len(n), 1]
    ts <- s[-seq_len(n), 2]
    cat(sprintf("  max|log delta diff|=%.2e  max|se log delta diff|=%.2e",
                max(abs(tl - ties$log_delta)), max(abs(ts - ties$se_log_delta))))
  }
  cat("\n")
}

cat("PlackettLuce", as.character(packageVersion("PlackettLuce")), "on", R.version.string, "\n")
for (nm in c("three_items", "pairs5", "sim8", "sim6_ties", "nascar83", "pudding"))
  check(nm)
check("nascar87_pseudo", npseudo = 0.5)
cat("two_items: not checked (PlackettLuce's default start needs >= 3 items; closed form in two_items.json)\n")
cat("sim8_topk: not checked (PlackettLuce has no top-k-of-a-choice-set rankings)\n")
