/**
 * Which parts of a known ground truth a fitted model can be compared with. A truth file applies only when the
 * model could represent it: the same K, features, expert family and class rows, and also a gate and a symmetry
 * the model can express. Where the model cannot (a constant gate against a truth whose gate depends on the
 * features; a symmetric model against experts that are not each other's negation; a fixed σ other than the
 * truth's), the comparable parts are still reported and a warning says why the rest is not.
 */
import type { ParamLayout } from '../model/layout';
import type { FullParams } from '../model/params';

export interface TruthComparison {
  readonly truth: FullParams;
  /** The gate error is meaningful (the model's gate can take the truth's value). */
  readonly gate: boolean;
  /** ℓ(θ*) is the truth's likelihood under this model (every parameter of the truth can be represented). */
  readonly logLik: boolean;
}

/** Relative tolerance for "the truth's value is one the model can take" (β₂ = −β₁, constant gate, σ). */
const REPRESENTABLE = 1e-9;

export function compareWithTruth(
  layout: ParamLayout,
  truth: FullParams,
  truthFamily: string,
  warnings: string[],
): TruthComparison | undefined {
  const { shape } = layout;
  if (truth.K !== layout.K || truth.p !== layout.p || truth.R !== layout.expertRows || truthFamily !== shape.family) {
    warnings.push(`the ground truth has ${truth.K} ${truthFamily} experts; the model has ${layout.K} ${shape.family} experts, so parameter error is not computed`);
    return undefined;
  }
  let gate = true;
  let logLik = true;
  if (shape.gate === 'constant' && !gateIsConstant(truth)) {
    gate = false;
    logLik = false;
    warnings.push(
      "the ground truth's gate depends on the features, which a constant gate cannot represent: only the experts' parameter error is reported (no gate error, no ℓ(θ*))",
    );
  }
  if (shape.symmetric && !expertsAreSymmetric(truth)) {
    logLik = false;
    warnings.push(
      "the ground truth's experts are not β₂ = −β₁, which the symmetric model cannot represent: the experts' error is measured against them as they are, and ℓ(θ*) is not reported",
    );
  }
  if (shape.fixedSigma !== undefined && truth.sigma && !truth.sigma.every((s) => close(s, shape.fixedSigma!))) {
    logLik = false;
    warnings.push(`the ground truth's σ (${Array.from(truth.sigma, (s) => s.toPrecision(3)).join(', ')}) is not the model's fixed σ = ${shape.fixedSigma}: ℓ(θ*) is not reported`);
  }
  if (shape.symmetric && shape.family === 'gaussian' && truth.sigma && !close(truth.sigma[0], truth.sigma[1]) && logLik) {
    logLik = false;
    warnings.push("the ground truth's experts have different σ, which the symmetric model (one σ) cannot represent: ℓ(θ*) is not reported");
  }
  return { truth, gate, logLik };
}

/** Every row of W has the same feature coefficients (only the intercepts differ), as a constant gate's do. */
function gateIsConstant(truth: FullParams): boolean {
  const { K, p, W } = truth;
  let scale = 0;
  for (const value of W) scale = Math.max(scale, Math.abs(value));
  for (let k = 0; k < K - 1; k++) {
    for (let j = 0; j < p - 1; j++) if (Math.abs(W[k * p + j] - W[(K - 1) * p + j]) > REPRESENTABLE * (1 + scale)) return false;
  }
  return true;
}

function expertsAreSymmetric(truth: FullParams): boolean {
  if (truth.K !== 2) return false;
  const size = truth.R * truth.p;
  let scale = 0;
  for (const value of truth.beta) scale = Math.max(scale, Math.abs(value));
  for (let j = 0; j < size; j++) if (Math.abs(truth.beta[j] + truth.beta[size + j]) > REPRESENTABLE * (1 + scale)) return false;
  return true;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= REPRESENTABLE * Math.max(Math.abs(a), Math.abs(b), 1);
}
