/**
 * One pass over the rows at a parameter θ: gate probabilities, expert predictions, responsibilities (the E-step)
 * and the total log-likelihood with every constant (DESIGN §1) — and ∇ℓ in the same pass over X when it is
 * wanted (see `EvaluateOptions`). Everything is computed in log space. Of the per-row values only the
 * responsibilities (and a classifier's class probabilities) are kept; the rest is summed in the pass (docs/solvers.md,
 * "Memory of a fit").
 */
import type { Dataset } from '../data/dataset';
import { kernelsFor, scratch } from '../kernels';
import { fastExp } from '../kernels/exp';
import { fusedLogitsAndGradient } from '../kernels/narrow';
import { logitsJs } from '../kernels/js';
import { KlStepRows } from '../diagnostics/klStep';
import { gateLogProbabilitiesFromLogits } from './gate';
import { ParamLayout } from './layout';
import { throwIfInterrupted, throwIfInterruptedAtRow } from '../interrupt';

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

export interface Evaluation {
  readonly n: number;
  readonly K: number;
  /** ℓ(θ) = Σ_i log Σ_k π_ik p_k(y_i | x_i), natural log, all constants included. */
  readonly logLik: number;
  /** ℓ(θ) − λ/2·‖coefficients‖² (equals logLik when λ = 0). */
  readonly objective: number;
  /** Responsibilities r_ik = P(z_i = k | x_i, y_i; θ), n × K: the E-step. */
  readonly resp: Float64Array;
  /**
   * Σ_i π_ik per expert (the gate's share of the rows). The gate's log-probabilities log π_ik themselves are not kept
   * (n × K doubles that only sums read): what the diagnostics need is summed in the pass, and `gateLogProbabilities`
   * recomputes them on demand.
   */
  readonly gateWeights: Float64Array;
  /** −Σ_i Σ_k r_ik log π_ik: the gate's cross-entropy against the responsibilities. */
  readonly gateCrossEntropy: number;
  /**
   * −Σ_i Σ_k r_ik log r_ik, the responsibilities' entropy, from log r_ik = log(π_ik p_k) − log p(y_i | x_i) of the
   * pass (no logarithm per row and expert afterwards).
   */
  readonly responsibilityEntropy: number;
  /** min_i max_k log π_ik: how confidently the gate routes its least confidently routed row (0: every row certain). */
  readonly minRowMaxLogPi: number;
  /**
   * Gaussian experts: Σ_i (y_i − Σ_k π_ik μ_ik)², the squared error of the predictive mean (its RMSE is a
   * diagnostic). The means μ_ik themselves are not kept: n × K doubles that only this sum, the KL step and a
   * gradient apart from the evaluation read, and those recompute x_iᵀβ_k (issue 15, item 6: memory).
   */
  readonly squaredError?: number;
  /** Classifier experts: P_k(class c | x_i), n × K × C, in model class order (see `modelClass`). */
  readonly probs?: Float64Array;
  /** Classifier experts: rows whose most likely class under Σ_k π_ik P_k(· | x_i) is their own. */
  readonly correct?: number;
  /** The KL step from `EvaluateOptions.klStepFrom`, when asked for (see diagnostics/klStep.ts). */
  readonly klStep?: number;
}

/**
 * The class index the model uses for a target value. Categorical: the class index itself (the last class is
 * the reference). Bernoulli: the free row is "y = 1" (index 0) and the reference is "y = 0" (index 1), so that
 * P(y = 1 | x, k) = sigmoid(β_kᵀx).
 */
export function modelClass(layout: ParamLayout, y: number): number {
  return layout.shape.family === 'bernoulli' ? (y === 1 ? 0 : 1) : y;
}

export function ridgePenalty(layout: ParamLayout, theta: Float64Array): number {
  const lambda = layout.shape.ridge;
  if (lambda === 0) return 0;
  let sum = 0;
  for (let j = 0; j < layout.sigmaOffset; j++) sum += theta[j] * theta[j];
  return 0.5 * lambda * sum;
}

export interface EvaluateOptions {
  /**
   * Also compute ∇ℓ(θ) in the same pass over X (block by block: each block's logits, its rows, its gradient
   * update), for `gradient` / `gradientQ(…, ev.resp, …)` to return without a second pass. Ask for it where ∇ℓ
   * follows (a solver's training set); default false (a test set, a value of ℓ only).
   */
  readonly gradient?: boolean;
  /**
   * An evaluation of the same data and model that the caller has finished with: the new evaluation takes over its
   * arrays instead of allocating n × K doubles a few times per iteration (and leaving the old ones to the garbage
   * collector, issue 15, item 6). The arrays move (`structuredClone` with `transfer`): those of `reuse` are
   * detached, length 0, so a holder that was overlooked reads `undefined` (NaN in any sum) — never another
   * iterate's values. Arrays of the wrong size are not taken.
   */
  readonly reuse?: Evaluation;
  /**
   * θ of `reuse`, whose arrays still hold its values: the KL step from it to θ (diagnostics/klStep.ts) is summed in
   * this pass, each row's old values read just before they are overwritten, and returned as `klStep`. So a solver
   * can evaluate its next iterate into the arrays of the current one and still measure the step between them,
   * without the two evaluations ever both whole in memory.
   */
  readonly klStepFrom?: Float64Array;
}

export function evaluate(layout: ParamLayout, data: Dataset, theta: Float64Array, options: EvaluateOptions = {}): Evaluation {
  throwIfInterrupted(); // a pass over the rows: where Ctrl-C reaches a long iteration (src/core/interrupt.ts)
  const { n } = data;
  const model = rowModel(layout, data, theta);
  const { reuse, klStepFrom } = options;
  if (klStepFrom && reuse?.n !== n) throw new Error('evaluate: klStepFrom needs `reuse`, an evaluation of the same rows');
  const probsBefore = reuse?.probs;
  const probs = model.gaussian ? undefined : takeOver(reuse?.probs, n * layout.K * model.C);
  const rows: RowOutputs = {
    resp: takeOver(reuse?.resp, n * layout.K),
    probs,
    totals: { logLik: 0, squaredError: 0, gateWeights: new Float64Array(layout.K), gateCrossEntropy: 0, responsibilityEntropy: 0, minRowMaxLogPi: Infinity, correct: 0 },
    // The old values are read where they are: in the moved arrays (the old ones are detached), or in reuse's own.
    klStep: klStepFrom && {
      rows: new KlStepRows(layout, data, klStepFrom, theta),
      probs: probsBefore && probs && probsBefore.length === probs.length ? probsBefore : probs,
    },
  };
  const withGradient = model.m > 0 && options.gradient === true;
  const fused = withGradient ? rowsAndGradient(model, data, rows) : undefined;
  if (!withGradient) forEachLogitBlock(model, data, (start, end, logits) => evaluateRows(model, start, end, logits, rows));
  const { logLik, squaredError, gateWeights, gateCrossEntropy, responsibilityEntropy, minRowMaxLogPi, correct } = rows.totals;
  const objective = logLik - ridgePenalty(layout, theta);
  const ev: Evaluation = {
    n,
    K: layout.K,
    logLik,
    objective,
    resp: rows.resp,
    gateWeights,
    gateCrossEntropy,
    responsibilityEntropy,
    minRowMaxLogPi,
    ...(model.gaussian ? { squaredError } : { probs: rows.probs, correct }),
    ...(rows.klStep ? { klStep: rows.klStep.rows.total / n } : {}),
  };
  if (fused) fusedGradients.set(ev, { layout, data, theta: theta.slice(), value: fused });
  return ev;
}

/** `previous`'s memory, moved into a new array (see `EvaluateOptions.reuse`), or a new array. */
function takeOver(previous: Float64Array | undefined, length: number): Float64Array {
  const movable =
    previous !== undefined &&
    previous.length === length &&
    previous.byteOffset === 0 &&
    previous.buffer instanceof ArrayBuffer &&
    previous.buffer.byteLength === previous.byteLength;
  return movable ? new Float64Array(structuredClone(previous.buffer, { transfer: [previous.buffer] })) : new Float64Array(length);
}

/** Rows per block of logits computed apart from a gradient: the n × m product is never whole. */
const LOGIT_BLOCK_ROWS = 4096;

/**
 * The logits of all rows, a block at a time, in row order (which `evaluateRows`' running totals rely on). The
 * JavaScript kernels compute each row alone, so a block's logits are those of the whole product, bit for bit
 * (blocks start at even rows, as its pairs of rows do); the WebAssembly kernels work on their own copy of X and
 * compute the product whole.
 */
function forEachLogitBlock(model: RowModel, data: Dataset, visit: (start: number, end: number, logits: Float64Array) => void): void {
  const { m, first, theta, layout } = model;
  const { n, X } = data;
  const { p } = layout;
  const W = theta.subarray(first, layout.sigmaOffset);
  const kernels = kernelsFor(X, n, p);
  if (m === 0 || kernels.backend !== 'js') {
    const logits = scratch('evaluate.logits', n * m);
    if (m > 0) kernels.logits(W, m, logits);
    visit(0, n, logits);
    return;
  }
  const block = scratch('evaluate.logitBlock', Math.min(n, LOGIT_BLOCK_ROWS) * m);
  for (let start = 0; start < n; start += LOGIT_BLOCK_ROWS) {
    const end = Math.min(n, start + LOGIT_BLOCK_ROWS);
    const logits = block.subarray(0, (end - start) * m);
    logitsJs(X.subarray(start * p, end * p), end - start, p, W, m, logits);
    visit(start, end, logits);
  }
}

/**
 * The rows of an evaluation and ∇ℓ in one pass over X: per block of rows its logits, its rows, its gradient
 * coefficients, and the block's product with them (`MatrixKernels.logitsAndGradient`), while the block is in
 * cache. Returns ∇ℓ without the ridge term, which `gradientQ` adds as for a gradient computed apart.
 */
function rowsAndGradient(model: RowModel, data: Dataset, rows: RowOutputs): Float64Array {
  const { m, first, theta, layout } = model;
  const gradient = new Float64Array(layout.size);
  const blocks = new Float64Array(m * layout.p);
  const kl = rows.klStep?.rows;
  fusedLogitsAndGradient(
    data.X,
    data.n,
    layout.p,
    theta.subarray(first, layout.sigmaOffset),
    m,
    (start, end, logits, coefficients) => {
      const logPi = evaluateRows(model, start, end, logits, rows);
      for (let i = start; i < end; i++) rowCoefficients(model, i, rows.resp, logPi, (i - start) * model.K, rows.probs, logits, (i - start) * m, coefficients, (i - start) * m, gradient);
    },
    blocks,
    // The KL step's products at the previous iterate, from the rows this pass reads anyway.
    kl && kl.columns > 0 ? { W: kl.coefficients, m: kl.columns, visit: (start, end, products) => kl.takeBlock(start, end, products) } : undefined,
  );
  addBlocks(gradient, first, blocks);
  return gradient;
}

/** ∇ℓ (unpenalized) computed by `evaluate` with an evaluation, and what it was computed for. */
interface FusedGradient {
  readonly layout: ParamLayout;
  readonly data: Dataset;
  readonly theta: Float64Array;
  readonly value: Float64Array;
}

const fusedGradients = new WeakMap<Evaluation, FusedGradient>();

/** The fused gradient of `ev` if it is ∇Q(θ | resp) for exactly these arguments. */
function fusedGradientFor(layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Evaluation, resp: Float64Array): Float64Array | undefined {
  const entry = fusedGradients.get(ev);
  if (!entry || resp !== ev.resp || entry.layout !== layout || entry.data !== data) return undefined;
  const { theta: at } = entry;
  if (at.length !== theta.length) return undefined;
  for (let j = 0; j < at.length; j++) if (at[j] !== theta[j]) return undefined;
  return entry.value;
}

/** The per-row arrays of an evaluation, written row by row, and its totals, summed in row order. */
interface RowOutputs extends Pick<Evaluation, 'resp' | 'probs'> {
  readonly totals: {
    logLik: number;
    squaredError: number;
    readonly gateWeights: Float64Array;
    gateCrossEntropy: number;
    responsibilityEntropy: number;
    minRowMaxLogPi: number;
    correct: number;
  };
  /** The KL step being summed, and where each row's class probabilities before this evaluation are read. */
  readonly klStep?: { readonly rows: KlStepRows; readonly probs?: Float64Array };
}

/** What the per-row work needs from θ, the layout and the data, computed once per pass. */
interface RowModel {
  readonly K: number;
  readonly C: number;
  /** Free rows per expert (C − 1, or 1). */
  readonly free: number;
  /** Rows of the coefficient matrix W (gate rows unless the gate is constant, then every stored expert row). */
  readonly m: number;
  /** Offset in θ of W's first row. */
  readonly first: number;
  readonly y: Float64Array;
  readonly theta: Float64Array;
  readonly layout: ParamLayout;
  readonly constantGate: boolean;
  readonly gaussian: boolean;
  /** See modelClass. */
  readonly bernoulli: boolean;
  /** Column of expert k's first row in a row of logits / coefficients (symmetric experts share theirs). */
  readonly columns: Int32Array;
  readonly signs: Float64Array;
  readonly sigma: Float64Array;
  readonly logSigma: Float64Array;
  readonly inverseSigma: Float64Array;
  readonly sigmaIndices: Int32Array;
  // Work arrays of one row.
  readonly logJoint: Float64Array;
  readonly eta: Float64Array;
  readonly gateLogits: Float64Array;
  /** The row's gate probabilities π_ik. */
  readonly pi: Float64Array;
  /** Classifier experts: the row's predictive class probabilities Σ_k π_ik P_k(c | x_i). */
  readonly predictive: Float64Array;
}

/**
 * The rows of θ that multiply x — the gate rows (unless the gate is constant) followed by every stored expert
 * row — are contiguous in the layout, so they form one m × p coefficient matrix W and all logits of all rows
 * are one product X Wᵀ, run by the data's kernels (`../kernels`). Column `columns[k] + r` of a row holds row r
 * of expert k's stored block (before the sign of a symmetric model's second expert).
 */
function rowModel(layout: ParamLayout, data: Dataset, theta: Float64Array): RowModel {
  const { K, p } = layout;
  const { family, C, symmetric } = layout.shape;
  const constantGate = layout.gateWidth === 1;
  const first = constantGate ? layout.betaOffset : 0;
  const free = layout.expertRows;
  const gateColumns = constantGate ? 0 : layout.gateRows;
  const sigma = Float64Array.from({ length: K }, (_, k) => layout.sigma(theta, k));
  const logSigma = sigma.map(Math.log);
  return {
    K,
    C,
    free,
    m: (layout.sigmaOffset - first) / p,
    first,
    y: data.y,
    theta,
    layout,
    constantGate,
    gaussian: family === 'gaussian',
    bernoulli: family === 'bernoulli',
    columns: Int32Array.from({ length: K }, (_, k) => gateColumns + (symmetric ? 0 : k) * free),
    signs: Float64Array.from({ length: K }, (_, k) => layout.expertSign(k)),
    sigma,
    logSigma,
    inverseSigma: logSigma.map((value) => Math.exp(-value)),
    sigmaIndices: Int32Array.from({ length: K }, (_, k) => layout.logSigmaIndex(k)),
    logJoint: new Float64Array(K),
    eta: new Float64Array(Math.max(C, 1)),
    gateLogits: new Float64Array(K),
    pi: new Float64Array(K),
    predictive: new Float64Array(Math.max(C, 1)),
  };
}

/**
 * Rows [start, end) of an evaluation from their logits (`logits` row-major m per row, starting at row
 * `start`): log π, each expert's density (softmax probabilities or Gaussian mean), the row's log-likelihood and
 * the responsibilities — from the same exponentials — and the row's share of the totals. Returns the block's log π
 * (a work array, (end − start) × K), for the block's gradient coefficients.
 */
function evaluateRows(model: RowModel, start: number, end: number, logits: Float64Array, out: RowOutputs): Float64Array {
  const { K, C, free, m, y, theta, layout, constantGate, gaussian, bernoulli, columns, signs, logSigma, inverseSigma, logJoint, eta, gateLogits, predictive, pi } = model;
  const { resp, probs, totals, klStep } = out;
  const { gateWeights } = totals;
  // log π of the block's rows: kept while the block's gradient coefficients are computed, not beyond.
  const logPi = scratch('evaluate.logPi', (end - start) * K);
  for (let i = start; i < end; i++) {
    throwIfInterruptedAtRow(i);
    klStep?.rows.keepBefore(i, klStep.probs);
    const rowOffset = i * K;
    const piOffset = (i - start) * K;
    const logitRow = (i - start) * m;
    for (let k = 0; k < K - 1; k++) gateLogits[k] = constantGate ? theta[layout.gateRow(k)] : logits[logitRow + k];
    gateLogProbabilitiesFromLogits(gateLogits, K, logPi, piOffset);
    for (let k = 0; k < K; k++) pi[k] = fastExp(logPi[piOffset + k]);
    let prediction = 0;
    for (let k = 0; k < K; k++) {
      let logDensity: number;
      const sign = signs[k];
      const column = logitRow + columns[k];
      if (gaussian) {
        const mu = sign * logits[column];
        prediction += pi[k] * mu;
        const z = (y[i] - mu) * inverseSigma[k];
        logDensity = -HALF_LOG_TWO_PI - logSigma[k] - 0.5 * z * z;
      } else {
        // Softmax over the C − 1 free logits and the reference 0, one exp per class.
        let max = 0;
        for (let r = 0; r < free; r++) {
          const value = sign * logits[column + r];
          eta[r] = value;
          if (value > max) max = value;
        }
        eta[free] = 0;
        const probOffset = (rowOffset + k) * C;
        let sum = 0;
        for (let c = 0; c < C; c++) {
          const e = fastExp(eta[c] - max);
          probs![probOffset + c] = e;
          sum += e;
        }
        const inverse = 1 / sum;
        for (let c = 0; c < C; c++) probs![probOffset + c] *= inverse;
        logDensity = eta[bernoulli ? (y[i] === 1 ? 0 : 1) : y[i]] - max - Math.log(sum);
      }
      logJoint[k] = logPi[piOffset + k] + logDensity;
    }
    // log Σ_k exp(logJoint_k) and the responsibilities from the same exponentials.
    let maxJoint = -Infinity;
    for (let k = 0; k < K; k++) if (logJoint[k] > maxJoint) maxJoint = logJoint[k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = fastExp(logJoint[k] - maxJoint);
      resp[rowOffset + k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) resp[rowOffset + k] /= sum;
    const rowLogLik = maxJoint === -Infinity ? -Infinity : maxJoint + Math.log(sum);
    totals.logLik += rowLogLik;
    for (let k = 0; k < K; k++) {
      const r = resp[rowOffset + k];
      if (r > 0) totals.responsibilityEntropy -= r * (logJoint[k] - rowLogLik);
    }
    if (gaussian) totals.squaredError += (y[i] - prediction) ** 2;
    // The sums the diagnostics read instead of log π (Evaluation.gateWeights, …), in row order.
    let largest = -Infinity;
    for (let k = 0; k < K; k++) {
      const lp = logPi[piOffset + k];
      gateWeights[k] += pi[k];
      largest = Math.max(largest, lp);
      const r = resp[rowOffset + k];
      if (r > 0) totals.gateCrossEntropy -= r * lp;
    }
    if (largest < totals.minRowMaxLogPi) totals.minRowMaxLogPi = largest;
    if (!gaussian) {
      predictive.fill(0);
      for (let k = 0; k < K; k++) {
        for (let c = 0; c < C; c++) predictive[c] += pi[k] * probs![(rowOffset + k) * C + c];
      }
      let best = 0;
      for (let c = 1; c < C; c++) if (predictive[c] > predictive[best]) best = c;
      if (best === modelClass(layout, y[i])) totals.correct++;
    }
    klStep?.rows.add(i, logPi, piOffset, probs);
  }
  return logPi;
}

/**
 * Row i's share of ∇_θ Q(θ | resp): its coefficients in the product Aᵀ X (r − π for the gate rows, sign·r(δ − P)
 * or sign·r·residual/σ² for the expert rows), written to A[aRow …) which must hold zeros, and the terms outside
 * that product (a constant gate's intercepts, log σ) added to `direct` at their θ index. A gaussian expert's mean
 * comes from the row's logits, `logits[logitRow …)`.
 */
function rowCoefficients(
  model: RowModel,
  i: number,
  resp: Float64Array,
  logPi: Float64Array,
  piOffset: number,
  probs: Float64Array | undefined,
  logits: Float64Array,
  logitRow: number,
  A: Float64Array,
  aRow: number,
  direct: Float64Array,
): void {
  const { K, C, y, layout, constantGate, gaussian, columns, signs, sigma, sigmaIndices } = model;
  const rowOffset = i * K;
  for (let k = 0; k < K - 1; k++) {
    const weight = resp[rowOffset + k] - fastExp(logPi[piOffset + k]);
    if (constantGate) direct[layout.gateRow(k)] += weight;
    else A[aRow + k] = weight;
  }
  const label = gaussian ? -1 : modelClass(layout, y[i]);
  for (let k = 0; k < K; k++) {
    const r = resp[rowOffset + k];
    if (r === 0) continue;
    const signed = signs[k] * r;
    const column = aRow + columns[k];
    if (gaussian) {
      const residual = y[i] - signs[k] * logits[logitRow + columns[k]];
      const inverseVariance = 1 / (sigma[k] * sigma[k]);
      A[column] += signed * residual * inverseVariance;
      if (sigmaIndices[k] >= 0) direct[sigmaIndices[k]] += r * (residual * residual * inverseVariance - 1);
    } else {
      const probOffset = (rowOffset + k) * C;
      for (let c = 0; c < C - 1; c++) A[column + c] -= signed * probs![probOffset + c];
      if (label < C - 1) A[column + label] += signed;
    }
  }
}

/** out[first + j] += blocks[j]: the product's rows of ∇ into θ's layout. */
function addBlocks(out: Float64Array, first: number, blocks: Float64Array): void {
  for (let j = 0; j < blocks.length; j++) out[first + j] += blocks[j];
}


/**
 * ∇_θ of Q(θ | resp) − λ/2‖·‖², where Q(θ | r) = Σ_i Σ_k r_ik (log π_ik(θ) + log p_k(y_i | x_i; θ)) and
 * `ev` is the evaluation at θ. With resp = ev.resp this is ∇ℓ(θ) (Fisher's identity); with responsibilities
 * held at an earlier iterate it is Gradient EM's direction. The result is a total over rows, written to `out`.
 * ∇ℓ of an evaluation that computed it (`EvaluateOptions.gradient`) is copied, not recomputed.
 */
export function gradientQ(
  layout: ParamLayout,
  data: Dataset,
  theta: Float64Array,
  ev: Evaluation,
  resp: Float64Array,
  out: Float64Array,
): Float64Array {
  throwIfInterrupted();
  const fused = fusedGradientFor(layout, data, theta, ev, resp);
  if (fused) out.set(fused);
  else gradientFromEvaluation(layout, data, theta, ev, resp, out);
  const lambda = layout.shape.ridge;
  if (lambda > 0) for (let j = 0; j < layout.sigmaOffset; j++) out[j] -= lambda * theta[j];
  return out;
}

/** ∇_θ Q(θ | resp) without the ridge term from an evaluation's rows: the coefficients A (n × m), then one product Aᵀ X. */
function gradientFromEvaluation(layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Evaluation, resp: Float64Array, out: Float64Array): void {
  const { n, X } = data;
  const { p } = layout;
  const model = rowModel(layout, data, theta);
  const { m } = model;
  out.fill(0);
  const A = scratch('gradientQ.coefficients', n * m);
  A.fill(0);
  const logPi = new Float64Array(model.K);
  forEachLogitBlock(model, data, (start, end, logits) => {
    for (let i = start; i < end; i++) {
      // log π from the row's logits, as the evaluation computed them (it does not keep them).
      rowGateLogProbabilities(model, logits, (i - start) * m, logPi);
      rowCoefficients(model, i, resp, logPi, 0, ev.probs, logits, (i - start) * m, A, i * m, out);
    }
  });
  if (m > 0) {
    const blocks = new Float64Array(m * p);
    kernelsFor(X, n, p).gradient(A, m, blocks);
    addBlocks(out, model.first, blocks);
  }
}

/** log π of one row from its logits (`logits[logitRow …)`) or, with a constant gate, from θ. */
function rowGateLogProbabilities(model: RowModel, logits: Float64Array, logitRow: number, out: Float64Array): void {
  const { K, theta, layout, constantGate, gateLogits } = model;
  for (let k = 0; k < K - 1; k++) gateLogits[k] = constantGate ? theta[layout.gateRow(k)] : logits[logitRow + k];
  gateLogProbabilitiesFromLogits(gateLogits, K, out, 0);
}

/**
 * log π_ik for every row at θ (n × K), recomputed: evaluations keep only the sums that the diagnostics need. For
 * callers that want the gate row by row (tests, analyses).
 */
export function gateLogProbabilities(layout: ParamLayout, data: Dataset, theta: Float64Array): Float64Array {
  const model = rowModel(layout, data, theta);
  const out = new Float64Array(data.n * layout.K);
  const row = new Float64Array(layout.K);
  forEachLogitBlock(model, data, (start, end, logits) => {
    for (let i = start; i < end; i++) {
      rowGateLogProbabilities(model, logits, (i - start) * model.m, row);
      out.set(row, i * layout.K);
    }
  });
  return out;
}

/** ∇ℓ(θ) (penalized when λ > 0), a total over rows. */
export function gradient(layout: ParamLayout, data: Dataset, theta: Float64Array, ev: Evaluation): Float64Array {
  return gradientQ(layout, data, theta, ev, ev.resp, new Float64Array(layout.size));
}
