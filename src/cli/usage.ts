export const USAGE = `moe-lab — Mixture-of-Experts experiments: EM, Gradient EM, GD and Adam side by side.

Usage:
  moe-lab run SPEC.moe.json [--out DIR] [--json]
  moe-lab fit DATA.csv --target COL [--features a,b,c] [--experts K]
              [--expert gaussian|bernoulli|categorical] [--gate softmax|constant]
              [--solvers em,gem,gd,adam] [--lr-gd X] [--lr-adam X] [--lr-gem X] [--gem-steps M]
              [--em-inner N] [--em-acceleration none|squarem|daarem] [--em-mstep newton-cg|lbfgs]
              [--restarts R] [--seed S] [--max-iter N] [--tol T] [--grad-tol G]
              [--init mixed|shortEm|subsetRegression|randomPartition|kmeans|random|nearTruth]
              [--ridge L] [--symmetric] [--fixed-sigma S] [--time-budget SECONDS]
              [--no-standardize] [--test-fraction F] [--drop-invalid-rows] [--out DIR] [--json]
  moe-lab select-k DATA.csv --target COL --k 1..6 [fit's flags except --experts] [--save-spec FILE.moe.json]
              [--json]
  moe-lab synth --kind linear|logistic --experts K --dim D --samples N --snr S --seed S
              [--symmetric | --no-symmetric] --out FILE.csv
  moe-lab data fmnist --out DIR [--invert-prob 0.5] [--seed S] [--source DIR] [--limit-train N] [--limit-test N]
  moe-lab reproduce [--quick] [--only symmoline,fmnist,equal-time,snr-sweep,summary-table] [--out DIR] [--json]
              [--fmnist-instances N] [--fmnist-train-rows N] [--fmnist-extend-cap SECONDS]
              [--fmnist-source DIR] [--no-charts]
  moe-lab reproduce --resume DIR [--json] [--no-charts]

Defaults for fit: K = 2, solvers em,gd,adam, test fraction 0, expert family inferred from the target,
GD learning rate 0.1, Adam 0.01 (on the per-row log-likelihood), tolerance 1e-8 and gradient
tolerance 1e-3 (converged needs both; docs/stopping.md), 500 iterations, 1 restart, --init mixed
(restart r with seed S uses shortEm, subsetRegression, shortEm, kmeans, shortEm, randomPartition in
turn by (S + r) mod 6; docs/starts.md).
run on a spec with "sweep" runs one complete run per combination of the swept values into one folder
(<resultsDir>/<time>-<name>-sweep/ with sweep.json), prints a line per combination and a table of each solver's
final ℓ per combination.
select-k fits each K with the restarts the flags describe (EM only unless --solvers is given), keeps per K the
best restart that converged to a non-degenerate optimum, and chooses K by BIC; with --test-fraction 0 it holds
out a seeded 30 % for the held-out column.
Exit codes: 0 success, 2 a mistake in the input (one line on stderr), 1 an internal error, 130 interrupted by
Ctrl-C (the results so far are kept; --json still prints one document, with "cancelled": true).
`;
