# How the files in this folder were made (run once, with R 4.2.2; not needed to regenerate the
# reference fits, which read only the text files here).
#
# nascar.rda and pudding.rda are the data/ files of the R package PlackettLuce 0.4.5, GitHub
# hturner/PlackettLuce at commit 411b1ef67e906ecad0b820dd54504712307cc14f (2026-03-24):
#   sha256(data/nascar.rda)  = d0d99e9e2781d24555396758c192d196c9efcf65f8680efb5336d9c054339363
#   sha256(data/pudding.rda) = 3870ea271c4f476002dc3b8cdbe4351259468299287f06afd8fba31a50338af7
# Run in a folder holding those two files:  Rscript extract_rda.R
e <- new.env()
load("nascar.rda", envir = e)
x <- e$nascar  # 36 races x 43 finishing positions, entries are driver ids 1..87
write.csv(x, "nascar_orderings.csv", row.names = FALSE)
writeLines(attr(x, "drivers"), "nascar_drivers.txt")  # line k = name of driver id k
e <- new.env()
load("pudding.rda", envir = e)
write.csv(e$pudding, "pudding.csv", row.names = FALSE)
