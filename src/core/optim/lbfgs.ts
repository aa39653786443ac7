/**
 * Limited-memory BFGS for maximizing a smooth concave sub-problem (an M-step block too large for Newton).
 * Warm-started by the caller; a backtracking (Armijo) line search makes every accepted step increase the
 * objective, which is what keeps EM monotone when its M-step is solved this way.
 */
export interface LbfgsOptions {
  readonly maxIterations?: number;
  /** Stop when ‖∇f‖∞ ≤ gradientTolerance. */
  readonly gradientTolerance?: number;
  readonly memory?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly gradientNorm: number;
  /** ‖∇f‖∞ ≤ gradientTolerance at the returned point (false: stopped at maxIterations or without an ascent step). */
  readonly converged: boolean;
}

/** `valueAndGradient(x, gradOut)` returns f(x) and writes ∇f(x) into gradOut. */
export function lbfgsMaximize(
  valueAndGradient: (x: Float64Array, gradOut: Float64Array) => number,
  x0: Float64Array,
  { maxIterations = 100, gradientTolerance = 1e-8, memory = 10 }: LbfgsOptions = {},
): LbfgsResult {
  const D = x0.length;
  let x = x0.slice();
  let g = new Float64Array(D);
  let f = valueAndGradient(x, g);
  const sHistory: Float64Array[] = [];
  const yHistory: Float64Array[] = [];
  const rhoHistory: number[] = [];
  let iterations = 0;
  const direction = new Float64Array(D);
  const trialGradient = new Float64Array(D);

  while (iterations < maxIterations && maxAbs(g) > gradientTolerance) {
    twoLoopDirection(g, sHistory, yHistory, rhoHistory, scaledIdentity(sHistory, yHistory), direction);
    let slope = dotAll(g, direction);
    if (!(slope > 0)) {
      // Not an ascent direction (curvature pairs went stale): restart from steepest ascent.
      direction.set(g);
      slope = dotAll(g, g);
      sHistory.length = yHistory.length = rhoHistory.length = 0;
    }
    let step = sHistory.length === 0 ? Math.min(1, 1 / Math.sqrt(slope)) : 1;
    let accepted = false;
    let trial = new Float64Array(D);
    let trialValue = f;
    for (let halvings = 0; halvings < 40; halvings++) {
      for (let j = 0; j < D; j++) trial[j] = x[j] + step * direction[j];
      trialValue = valueAndGradient(trial, trialGradient);
      if (Number.isFinite(trialValue) && trialValue >= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(D);
    const yv = new Float64Array(D);
    for (let j = 0; j < D; j++) {
      s[j] = trial[j] - x[j];
      // For maximization the curvature pair uses −∇f, so that sᵀy > 0 on a concave function.
      yv[j] = g[j] - trialGradient[j];
    }
    const sy = dotAll(s, yv);
    if (sy > 1e-12 * Math.sqrt(dotAll(s, s) * dotAll(yv, yv))) {
      sHistory.push(s);
      yHistory.push(yv);
      rhoHistory.push(1 / sy);
      if (sHistory.length > memory) {
        sHistory.shift();
        yHistory.shift();
        rhoHistory.shift();
      }
    }
    [x, trial] = [trial, x];
    g = trialGradient.slice();
    f = trialValue;
    iterations++;
  }
  return { x, value: f, iterations, gradientNorm: Math.sqrt(dotAll(g, g)), converged: maxAbs(g) <= gradientTolerance };
}

/**
 * The two-loop recursion: `out` = B⁻¹g for B the BFGS update of a base B₀ by the curvature pairs (s, y), oldest
 * first, with ρ = 1/sᵀy. `solveBase(q, r)` writes B₀⁻¹q into r (r is not q). L-BFGS takes B₀ = I/γ with
 * γ = sᵀy/yᵀy of the newest pair; the small-block Newton of tall data takes the factored exact Hessian of its start.
 */
export function twoLoopDirection(
  g: Float64Array,
  sHistory: readonly Float64Array[],
  yHistory: readonly Float64Array[],
  rhoHistory: readonly number[],
  solveBase: (q: Float64Array, r: Float64Array) => void,
  out: Float64Array,
): void {
  const q = g.slice();
  const m = sHistory.length;
  const alpha = new Float64Array(m);
  for (let h = m - 1; h >= 0; h--) {
    alpha[h] = rhoHistory[h] * dotAll(sHistory[h], q);
    addScaled(q, -alpha[h], yHistory[h]);
  }
  solveBase(q, out);
  for (let h = 0; h < m; h++) {
    const beta = rhoHistory[h] * dotAll(yHistory[h], out);
    addScaled(out, alpha[h] - beta, sHistory[h]);
  }
}

/** B₀⁻¹ = γI, γ = sᵀy/yᵀy of the newest pair (I before any pair): L-BFGS's usual scaling of its base. */
function scaledIdentity(sHistory: readonly Float64Array[], yHistory: readonly Float64Array[]): (q: Float64Array, r: Float64Array) => void {
  const last = sHistory.length - 1;
  const gamma = last >= 0 ? dotAll(sHistory[last], yHistory[last]) / dotAll(yHistory[last], yHistory[last]) : 1;
  return (q, r) => {
    if (last < 0) r.set(q);
    else for (let j = 0; j < q.length; j++) r[j] = q[j] * gamma;
  };
}

function dotAll(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < a.length; j++) sum += a[j] * b[j];
  return sum;
}

function addScaled(out: Float64Array, alpha: number, v: Float64Array): void {
  for (let j = 0; j < out.length; j++) out[j] += alpha * v[j];
}

function maxAbs(v: Float64Array): number {
  let max = 0;
  for (let j = 0; j < v.length; j++) max = Math.max(max, Math.abs(v[j]));
  return max;
}
