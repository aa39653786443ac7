/**
 * Newton-type M-steps (issue 18, item 1): truncated Newton (Newton-CG) for large softmax blocks, Newton with a reused
 * Hessian for small ones, and the blocked Gram kernel behind the dense sums. Checked against mathematics: the
 * Hessian–vector product against finite differences of the gradient, the Gram sums against the sums written out,
 * Newton-CG against dense Newton (the same maximizer: its gradient ≈ 0, the same f), a capped solve never called
 * converged, and EM with these M-steps never decreasing ℓ.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { setKernelChoice } from '../../src/core/kernels';
import { weightedGrams } from '../../src/core/kernels/gram';
import {
  limitedMemoryPreconditioner,
  newestPairs,
  setNewtonStepTrace,
  softmaxHessianFromProbabilities,
  softmaxHessianVector,
  spreadPairs,
  truncatedNewton,
  type PreconditionerMemory,
} from '../../src/core/optim/newtonCg';
import {
  CHOLESKY_BLOCK,
  choleskyFactor,
  classCoupling,
  curvatureSample,
  curvatureWeights,
  gramSolve,
  inverseFactorKernels,
  KRONECKER_COUPLED_DAMPING,
  KRONECKER_DAMPING,
  KRONECKER_SAMPLE_PER_COLUMN,
  kroneckerPreconditioner,
  blockedLowerInverse,
  lowerInverse,
  sampledGramFactor,
} from '../../src/core/optim/kroneckerPreconditioner';
import {
  fitSoftmaxRegression,
  LARGE_BLOCK_RELATIVE_TOLERANCE,
  LARGE_BLOCK_TOLERANCE,
  NEWTON_PARAMETER_LIMIT,
  softmaxNegativeHessian,
  softmaxObjective,
  type SoftmaxProblem,
} from '../../src/core/optim/softmaxRegression';
import { evaluate, gradientQ } from '../../src/core/model/evaluate';
import { initialParameters } from '../../src/core/init';
import { createEm } from '../../src/core/solvers/em';
import { emUpdate, MStepMemory } from '../../src/core/solvers/mstep';
import { SolverRun } from '../../src/core/solvers/solverRun';
import { datasetFrom, freeProbabilities, layoutFor, Random, randomVector, softProblem as softProblemWith, synthetic } from './helpers';

/** A row-weighted soft-target softmax problem (helpers' softProblem). */
const softProblem = (n: number, p: number, C: number, seed: number, ridge = 0) => softProblemWith(n, p, C, seed, { ridge, weighted: true });

function gradientAt(problem: SoftmaxProblem, V: Float64Array): Float64Array {
  const grad = new Float64Array(V.length);
  softmaxObjective(problem, V, grad);
  return grad;
}

test('the Hessian–vector product equals central differences of the gradient', () => {
  const problem = softProblem(200, 7, 4, 1, 0.1);
  const D = (problem.C - 1) * problem.p;
  const V = randomVector(D, 2);
  const d = randomVector(D, 3, 1);
  const Hd = softmaxHessianVector(problem, V, d);
  const h = 1e-5;
  const plus = gradientAt(problem, V.map((v, j) => v + h * d[j]));
  const minus = gradientAt(problem, V.map((v, j) => v - h * d[j]));
  for (let j = 0; j < D; j++) {
    // −∇²f d ≈ −(∇f(V + hd) − ∇f(V − hd)) / 2h
    const difference = -(plus[j] - minus[j]) / (2 * h);
    assert.ok(Math.abs(Hd[j] - difference) <= 1e-6 * (1 + Math.abs(difference)), `entry ${j}: ${Hd[j]} vs ${difference}`);
  }
});

test('the blocked Hessian equals the row-by-row Hessian (WebAssembly and JavaScript Gram kernels)', () => {
  const problem = softProblem(301, 9, 3, 4, 0.5); // 301 rows: a last, partial block
  const V = randomVector(2 * 9, 5);
  const reference = softmaxNegativeHessian(problem, V);
  const logits = new Float64Array(301 * 2);
  const probs = new Float64Array(301 * 2);
  for (let i = 0; i < 301; i++) {
    const eta = [0, 1].map((c) => V.subarray(c * 9, c * 9 + 9).reduce((s, v, j) => s + v * problem.X[i * 9 + j], 0));
    const total = 1 + Math.exp(eta[0]) + Math.exp(eta[1]);
    for (let c = 0; c < 2; c++) probs[i * 2 + c] = Math.exp(eta[c]) / total;
    logits.set(eta, i * 2);
  }
  for (const choice of ['auto', 'js'] as const) {
    const previous = setKernelChoice(choice);
    try {
      const blocked = softmaxHessianFromProbabilities(problem, probs);
      for (let k = 0; k < reference.length; k++) assert.ok(Math.abs(blocked[k] - reference[k]) <= 1e-10 * (1 + Math.abs(reference[k])), `${choice}, entry ${k}`);
    } finally {
      setKernelChoice(previous);
    }
  }
});

test('weighted Gram sums with an extra column equal the sums written out', () => {
  const n = 517;
  const p = 5;
  const rng = new Random(6);
  const X = Float64Array.from({ length: n * p }, () => rng.normal());
  const y = Float64Array.from({ length: n }, () => rng.normal());
  const w = Float64Array.from({ length: 2 * n }, () => rng.uniform());
  const grams = weightedGrams(X, n, p, 2, (start, end, out) => {
    for (let s = 0; s < 2; s++) for (let i = start; i < end; i++) out[s * (end - start) + i - start] = w[i * 2 + s];
  }, y);
  const z = (i: number, j: number) => (j < p ? X[i * p + j] : y[i]);
  for (let s = 0; s < 2; s++) {
    for (let j = 0; j <= p; j++) {
      for (let l = 0; l <= p; l++) {
        let sum = 0;
        for (let i = 0; i < n; i++) sum += w[i * 2 + s] * z(i, j) * z(i, l);
        assert.ok(Math.abs(grams[s * 36 + j * 6 + l] - sum) <= 1e-10 * (1 + Math.abs(sum)), `G_${s}[${j}][${l}]`);
      }
    }
  }
});

test('Newton-CG reaches the dense Newton optimum on small blocks: gradient ≈ 0, the same f and coefficients', () => {
  for (const [C, ridge] of [[2, 0], [4, 0], [3, 0.3]] as const) {
    const problem = softProblem(400, 6, C, 10 + C, ridge);
    const D = (C - 1) * 6;
    const start = randomVector(D, 20);
    const dense = fitSoftmaxRegression(problem, start);
    assert.equal(dense.method, 'newton');
    // 1e-8 per unit weight: ten times where f's round-off stops any ascent on these 400 rows (near 1e-9 a Newton
    // step's gain is below f's last bits, so it cannot be confirmed; whether a path lands under 1e-9 before that is
    // luck: with CG pairs carried between Newton steps C = 2 stops at 2.2e-9 and is then, rightly, not called converged).
    const cg = fitSoftmaxRegression(problem, start, { newtonLimit: 0, largeBlocks: 'newton-cg', tolerance: 1e-8 });
    assert.equal(cg.method, 'newton-cg');
    assert.ok(dense.converged && cg.converged, `C = ${C}: both met their tolerance`);
    assert.ok(cg.gradientNorm <= 1e-8 && dense.gradientNorm <= 1e-9, `C = ${C}: gradients ${cg.gradientNorm}, ${dense.gradientNorm}`);
    assert.ok(Math.abs(cg.objective - dense.objective) <= 1e-10 * Math.abs(dense.objective), `C = ${C}: f ${cg.objective} vs ${dense.objective}`);
    for (let j = 0; j < D; j++) assert.ok(Math.abs(cg.coef[j] - dense.coef[j]) <= 1e-6 * (1 + Math.abs(dense.coef[j])), `C = ${C}, coefficient ${j}`);
    assert.ok((cg.passes ?? 0) > 0 && (dense.passes ?? 0) > 0, 'passes are counted');
  }
});

test('a capped Newton-CG solve is not called converged; given enough iterations the same solve is', () => {
  const problem = softProblem(300, 8, 5, 30);
  const D = 4 * 8;
  const start = new Float64Array(D);
  const capped = truncatedNewton(problem, start, { maxIterations: 1, maxCgIterations: 3, stop: 'gradient', tolerance: 1e-10, preconditioner: 'none' });
  assert.equal(capped.converged, false);
  assert.ok(capped.gradientNorm > 1e-10);
  assert.ok(capped.objective > softmaxObjective(problem, start), 'even a capped solve increases f');
  const full = truncatedNewton(problem, start, { maxIterations: 100, maxCgIterations: 100, stop: 'gradient', tolerance: 1e-10, preconditioner: 'none' });
  assert.equal(full.converged, true);
  assert.ok(full.gradientNorm <= 1e-10 && full.objective >= capped.objective);
});

/** G = B Bᵀ + shift·I (p × p, row-major) for a B of standard normal entries: symmetric positive definite. */
function randomSpd(p: number, rng: Random, shift: number): Float64Array {
  const B = Float64Array.from({ length: p * p }, () => rng.normal());
  const G = new Float64Array(p * p);
  for (let j = 0; j < p; j++) for (let l = 0; l < p; l++) for (let k = 0; k < p; k++) G[j * p + l] += B[j * p + k] * B[l * p + k];
  for (let j = 0; j < p; j++) G[j * p + j] += shift;
  return G;
}

test('the row-wise Cholesky factor solves G x = b (G from a product of random matrices)', () => {
  const p = 13;
  const rng = new Random(70);
  const G = randomSpd(p, rng, 0.1);
  const b = Float64Array.from({ length: p }, () => rng.normal());
  const x = new Float64Array(p);
  gramSolve(choleskyFactor(G, p), b, 0, x, 0);
  for (let j = 0; j < p; j++) {
    const Gx = G.subarray(j * p, (j + 1) * p).reduce((s, g, l) => s + g * x[l], 0);
    assert.ok(Math.abs(Gx - b[j]) <= 1e-9 * (1 + Math.abs(b[j])), `row ${j}: ${Gx} vs ${b[j]}`);
  }
});

test('the blocked Cholesky factor (from 2 panels) is ml-matrix’s, with the Gram kernel and in plain JavaScript', () => {
  // Odd p, not a multiple of the panel: the last panel is short and the trailing rows are padded to an even count.
  const p = 2 * CHOLESKY_BLOCK + 75;
  const rng = new Random(71);
  const G = randomSpd(p, rng, 0.5);
  const reference = new CholeskyDecomposition(new Matrix(Array.from({ length: p }, (_, j) => Array.from(G.subarray(j * p, (j + 1) * p))))).lowerTriangularMatrix;
  const scale = Math.sqrt(Math.max(...Array.from({ length: p }, (_, j) => G[j * p + j])));
  for (const choice of ['auto', 'js'] as const) {
    const previous = setKernelChoice(choice);
    try {
      const { lower, upper } = choleskyFactor(G, p);
      for (let i = 0; i < p; i++) {
        for (let j = 0; j < p; j++) {
          const expected = j <= i ? reference.get(i, j) : 0;
          assert.ok(Math.abs(lower[i * p + j] - expected) <= 1e-12 * scale, `${choice}: L[${i}][${j}] = ${lower[i * p + j]}, ml-matrix ${expected}`);
          assert.equal(upper[j * p + i], lower[i * p + j], `${choice}: Lᵀ[${j}][${i}]`);
        }
      }
    } finally {
      setKernelChoice(previous);
    }
  }
});

test("G's sample is drawn in proportion to the rows' weights: heavy rows for certain, none of weight 0, the total kept", () => {
  const p = 10;
  const size = KRONECKER_SAMPLE_PER_COLUMN * p;
  const rng = new Random(77);
  // Half the rows of no weight (another expert's), a few heavy ones, the rest light.
  const u = Float64Array.from({ length: 2000 }, (_, i) => (i % 2 === 1 ? 0 : i % 97 === 0 ? 50 : rng.uniform()));
  const { rows, weights } = curvatureSample(u, p);
  const total = u.reduce((a, b) => a + b, 0);
  assert.ok(rows.length <= size && rows.length >= size - 1, `${rows.length} rows for ${size}`);
  assert.ok(rows.every((i) => u[i] > 0), 'no row of weight 0');
  for (let i = 0; i < u.length; i += 97) if (u[i] === 50) assert.ok(rows.includes(i), `heavy row ${i} taken`);
  rows.forEach((i, k) => assert.ok(u[i] === 50 ? weights[k] === 50 : weights[k] >= u[i], `row ${i}: weight ${weights[k]} ≥ its own ${u[i]}`));
  const estimate = weights.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(estimate - total) <= 1e-9 * total, `Σ of the sample's weights ${estimate} = Σ u ${total}`);
  assert.deepEqual(curvatureSample(u, p), { rows, weights }, 'the same weights give the same sample');
  const few = curvatureSample(u.subarray(0, 50), p);
  assert.deepEqual([...few.rows], [...Array(50).keys()], 'every row when there are fewer than the sample size');
});

test('L⁻¹ by panels with the matrix kernels is L⁻¹ column by column, to float32 round-off; short last panel', () => {
  // Three panels, the last short; the kernels' sums cover the rows above each panel, the substitutions the rest.
  const p = 2 * CHOLESKY_BLOCK + 75;
  const rng = new Random(79);
  const gram = choleskyFactor(randomSpd(p, rng, 1), p);
  const reference = lowerInverse(gram);
  const blocked = blockedLowerInverse(gram);
  const largest = reference.reduce((max, v) => Math.max(max, Math.abs(v)), 0);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      const at = i * p + j;
      if (j > i) assert.equal(blocked[at], 0, `L⁻¹[${i}][${j}] above the diagonal`);
      // In a row's own panel the substitutions are float64 (1e-12); left of it the sums are float32 (1e-7 relative).
      const tolerance = Math.floor(i / CHOLESKY_BLOCK) === Math.floor(j / CHOLESKY_BLOCK) ? 1e-12 : 1e-5;
      assert.ok(Math.abs(blocked[at] - reference[at]) <= tolerance * largest, `L⁻¹[${i}][${j}] = ${blocked[at]}, by columns ${reference[at]}`);
    }
  }
});

test('G⁻¹ through the matrix kernels on L⁻¹ equals the triangular substitutions (L L⁻¹ = I; float32 copy of L⁻¹)', () => {
  // p wide enough for the WebAssembly kernels (WIDE_COLUMNS; below it the substitutions are used).
  const p = 160;
  const m = 4;
  const rng = new Random(75);
  const G = randomSpd(p, rng, 1);
  const gram = choleskyFactor(G, p);
  const inverse = lowerInverse(gram);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let sum = 0;
      for (let k = 0; k < p; k++) sum += gram.lower[i * p + k] * inverse[k * p + j];
      assert.ok(Math.abs(sum - (i === j ? 1 : 0)) <= 1e-9, `(L L⁻¹)[${i}][${j}] = ${sum}`);
    }
  }
  const previous = setKernelChoice('auto');
  try {
    const kernels = inverseFactorKernels({ ...gram });
    assert.ok(kernels && kernels.backend !== 'js', `WebAssembly kernels on L⁻¹ (${kernels?.backend})`);
    const A = new Float64Array(m * m);
    for (let a = 0; a < m; a++) A[a * m + a] = 1;
    const r = Float64Array.from({ length: m * p }, () => rng.normal());
    const fast = new Float64Array(m * p);
    kroneckerPreconditioner(gram, A, m).solve(r, fast);
    const exact = new Float64Array(m * p);
    for (let c = 0; c < m; c++) gramSolve(gram, r, c * p, exact, c * p);
    // A ⊗ G with A = I (plus its 1e-6 damping) is G⁻¹ per class; L⁻¹ stored in float32 costs about 1e-7 of it.
    const error = Math.sqrt(fast.reduce((s, v, j) => s + (v - exact[j] / (1 + 1e-6)) ** 2, 0) / exact.reduce((s, v) => s + v * v, 0));
    assert.ok(error <= 1e-5, `relative difference ${error}`);
  } finally {
    setKernelChoice(previous);
  }
});

test('the Kronecker preconditioner inverts the Hessian where A ⊗ G is exact, up to the damping it states: two classes, or equal class probabilities', () => {
  // −∇²f = Σ_i w_i B_i ⊗ x_i x_iᵀ. With m = 1 (two classes) B_i is a scalar, and at V = 0 every B_i is the same
  // matrix: then A ⊗ G is the Hessian itself (all rows sampled: n ≤ sample size). The preconditioner is
  // (A + εI) ⊗ (G + δI), δ = share · tr(G)/p with share = KRONECKER_DAMPING for m = 1, KRONECKER_COUPLED_DAMPING for
  // m > 1, and ε = 1e-6 · tr(A)/m: so it maps H d + δ (A ⊗ I) d back to d, but for ε and float32 round-off.
  for (const [C, zero] of [[2, false], [4, true]] as const) {
    const problem = softProblem(20, 10, C, 80 + C);
    const { n, p, X } = problem;
    const m = C - 1;
    const D = m * p;
    const V = zero ? new Float64Array(D) : randomVector(D, 81);
    const probs = freeProbabilities(problem, V);
    const rowWeights = curvatureWeights(problem, probs);
    const { A } = classCoupling(problem, probs);
    const preconditioner = kroneckerPreconditioner(sampledGramFactor(problem, rowWeights), A, m);
    let trace = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < p; j++) trace += rowWeights[i] * X[i * p + j] ** 2;
    const delta = (C > 2 ? KRONECKER_COUPLED_DAMPING : KRONECKER_DAMPING) * (trace / p);
    const d = randomVector(D, 82, 1);
    const Md = softmaxHessianVector(problem, V, d);
    for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) for (let j = 0; j < p; j++) Md[a * p + j] += delta * A[a * m + b] * d[b * p + j];
    const back = new Float64Array(D);
    preconditioner.solve(Md, back);
    const error = Math.sqrt(back.reduce((s, v, j) => s + (v - d[j]) ** 2, 0) / d.reduce((s, v) => s + v * v, 0));
    assert.ok(error <= 1e-4, `C = ${C}: relative error ${error}`);
    // Without the damping term the same d is not recovered: the damping is really there, at the size stated.
    const undamped = new Float64Array(D);
    preconditioner.solve(softmaxHessianVector(problem, V, d), undamped);
    const miss = Math.sqrt(undamped.reduce((s, v, j) => s + (v - d[j]) ** 2, 0) / d.reduce((s, v) => s + v * v, 0));
    assert.ok(miss > 10 * error, `C = ${C}: without the damping term ${miss} against ${error}`);
  }
});

test('a Newton-CG solve to a relative tolerance stops at ‖∇f‖ ≤ ε‖∇f(start)‖, and is capped when it cannot get there', () => {
  const problem = softProblem(500, 40, 5, 90);
  const D = 4 * 40;
  const start = randomVector(D, 91, 0.05);
  const initial = Math.sqrt(gradientAt(problem, start).reduce((s, g) => s + g * g, 0)) / problem.weights!.reduce((s, w) => s + w, 0);
  for (const preconditioner of ['kronecker', 'diagonal'] as const) {
    const options = { maxIterations: 50, maxCgIterations: 50, stop: 'gradient', tolerance: 1e-12, relativeTolerance: 1e-4, preconditioner } as const;
    const solved = truncatedNewton(problem, start, options);
    assert.equal(solved.converged, true, preconditioner);
    assert.ok(solved.gradientNorm <= 1e-4 * initial, `${preconditioner}: ${solved.gradientNorm} vs ${initial}`);
    const capped = truncatedNewton(problem, start, { ...options, maxIterations: 1, maxCgIterations: 1 });
    assert.equal(capped.converged, capped.gradientNorm <= 1e-4 * initial, `${preconditioner}: converged only at the tolerance`);
    assert.equal(capped.converged, false, `${preconditioner}: one CG step does not reach 1e-4`);
  }
});

test("with float32 kernels, a tolerance below f's float32 round-off is met in float64 (the kernels' twin), at the float64 kernels' optimum", () => {
  // 2 000 rows, |f| ≈ 2 000: float32 sums make f wrong by about 1e-4, while near 1e-9 per unit weight a Newton
  // step gains 1e-10 or less — no step could be confirmed in float32, and the solve would end capped.
  const problem = softProblem(2000, 40, 5, 95);
  const D = 4 * 40;
  const start = randomVector(D, 96, 0.05);
  const options = { maxIterations: 100, maxCgIterations: 100, stop: 'gradient', tolerance: 1e-9, preconditioner: 'kronecker' } as const;
  const steps: boolean[] = [];
  const previous = setKernelChoice('f32');
  setNewtonStepTrace((step) => steps.push(step.float64));
  try {
    const solved = truncatedNewton(problem, start, options);
    assert.equal(solved.converged, true, `met its tolerance: ‖∇f‖/Σw ${solved.gradientNorm}`);
    assert.ok(solved.gradientNorm <= 1e-9);
    assert.ok(steps.some((float64) => !float64) && steps.some((float64) => float64), 'steps in float32 first, then in float64');
    assert.ok(steps.indexOf(true) > 0 && steps.slice(steps.indexOf(true)).every((float64) => float64), 'once switched, it stays in float64');
    setKernelChoice('f64'); // the float64 model on the same float32-rounded rows, from the start
    const reference = truncatedNewton(problem, start, options);
    assert.ok(reference.converged);
    for (let j = 0; j < D; j++) assert.ok(Math.abs(solved.coef[j] - reference.coef[j]) <= 1e-6 * (1 + Math.abs(reference.coef[j])), `coefficient ${j}`);
    assert.ok(Math.abs(solved.objective - reference.objective) <= 1e-9 * Math.abs(reference.objective), `f ${solved.objective} vs ${reference.objective}`);
  } finally {
    setKernelChoice(previous);
    setNewtonStepTrace(undefined);
  }
});

test('the Kronecker preconditioner needs fewer Hessian–vector products than Jacobi on correlated columns', () => {
  // Columns built as mixtures of a few shared factors (as neighbouring pixels are): Jacobi cannot see that.
  const n = 800;
  const p = 30;
  const rng = new Random(95);
  const X = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    const factors = [rng.normal(), rng.normal(), rng.normal()];
    for (let j = 0; j < p - 1; j++) X[i * p + j] = factors[j % 3] + 0.05 * rng.normal();
    X[i * p + p - 1] = 1;
  }
  const labels = Int32Array.from({ length: n }, (_, i) => (X[i * p] + 0.3 * X[i * p + 1] + rng.normal() > 0 ? (X[i * p + 2] > 0 ? 2 : 1) : 0));
  const problem: SoftmaxProblem = { X, n, p, C: 3, labels, ridge: 0 };
  const passes = (preconditioner: 'kronecker' | 'diagonal') =>
    truncatedNewton(problem, new Float64Array(2 * p), { maxIterations: 50, maxCgIterations: 200, stop: 'gradient', tolerance: 1e-8, preconditioner });
  const kronecker = passes('kronecker');
  const jacobi = passes('diagonal');
  assert.ok(kronecker.converged && jacobi.converged);
  assert.ok(Math.abs(kronecker.objective - jacobi.objective) <= 1e-8 * Math.abs(jacobi.objective), 'the same optimum');
  assert.ok(kronecker.passes! < jacobi.passes!, `passes: Kronecker ${kronecker.passes}, Jacobi ${jacobi.passes}`);
});

test('CG pairs update a preconditioner into the inverse Hessian on their span, and it stays positive definite', () => {
  // Conjugate directions of −∇²f (as one CG run makes them): BFGS updates by (d, Hd) pairs that are H-conjugate
  // reproduce H⁻¹ on their span (the hereditary property), whatever the base; elsewhere the base still acts.
  const problem = softProblem(300, 8, 4, 120, 0.2);
  const D = 3 * problem.p;
  const V = randomVector(D, 121);
  const H = (d: Float64Array) => softmaxHessianVector(problem, V, d);
  const directions: Float64Array[] = [];
  for (let k = 0; k < 6; k++) {
    const d = randomVector(D, 130 + k, 1);
    for (const previous of directions) {
      const Hp = H(previous);
      const scale = d.reduce((s, v, j) => s + v * Hp[j], 0) / previous.reduce((s, v, j) => s + v * Hp[j], 0);
      for (let j = 0; j < D; j++) d[j] -= scale * previous[j];
    }
    directions.push(d);
  }
  const pairs = { s: directions, y: directions.map(H) };
  const diagonal = Float64Array.from({ length: D }, (_, j) => 0.5 + (j % 5));
  const base = { addedRidge: 0, solve: (r: Float64Array, out: Float64Array) => r.forEach((v, j) => (out[j] = v / diagonal[j])) };
  const preconditioner = limitedMemoryPreconditioner(base, pairs);
  const out = new Float64Array(D);
  pairs.s.forEach((s, k) => {
    preconditioner.solve(pairs.y[k], out);
    const error = Math.sqrt(out.reduce((sum, v, j) => sum + (v - s[j]) ** 2, 0) / s.reduce((sum, v) => sum + v * v, 0));
    assert.ok(error <= 1e-9, `pair ${k}: M⁻¹(H d) = d to ${error}`);
  });
  for (let k = 0; k < 5; k++) {
    const r = randomVector(D, 150 + k, 1);
    preconditioner.solve(r, out);
    assert.ok(r.reduce((sum, v, j) => sum + v * out[j], 0) > 0, `rᵀM⁻¹r > 0 (${k})`);
  }
  const spread = spreadPairs({ s: Array.from({ length: 23 }, (_, k) => Float64Array.of(k)), y: Array.from({ length: 23 }, (_, k) => Float64Array.of(k)) }, 10);
  assert.deepEqual(spread.s.map((v) => v[0]), [0, 2, 5, 7, 10, 12, 15, 17, 20, 22], 'ten pairs spread over 23 CG iterations, first and last kept');
  const newest = newestPairs(spread, { s: [Float64Array.of(30), Float64Array.of(31)], y: [Float64Array.of(30), Float64Array.of(31)] }, 5);
  assert.deepEqual(newest.s.map((v) => v[0]), [17, 20, 22, 30, 31], 'the newest five pairs, oldest first');
});

for (const preconditioner of ['kronecker', 'class-blocks'] as const) {
  test(`Newton-CG (${preconditioner}) with a memory kept between solves (CG pairs) reaches each solve's dense Newton optimum and never lowers f`, () => {
    // Solves of one block as EM makes them: the weights change between solves and each starts at the last optimum,
    // with the CG pairs of the solve before preconditioning its first CG.
    const memory: PreconditionerMemory = { uses: 0 };
    const base = softProblem(500, 30, 4, 160, 0.1);
    const D = 3 * base.p;
    let start = randomVector(D, 161, 0.05);
    for (let solve = 0; solve < 4; solve++) {
      const rng = new Random(170 + solve);
      const problem = { ...base, weights: Float64Array.from(base.weights!, (w) => w * (0.5 + rng.uniform())) };
      const dense = fitSoftmaxRegression(problem, start, { newtonLimit: D });
      const startValue = softmaxObjective(problem, start);
      // 1e-8: ten times where f's round-off stops any ascent (see the small-block test above).
      const options = { maxIterations: 50, maxCgIterations: 50, stop: 'gradient', tolerance: 1e-8, preconditioner, memory } as const;
      const cg = truncatedNewton(problem, start, options);
      assert.ok(cg.converged && cg.gradientNorm <= 1e-8, `solve ${solve}: ‖∇f‖/Σw ${cg.gradientNorm}`);
      assert.ok(cg.objective >= startValue, `solve ${solve}: f rose from ${startValue} to ${cg.objective}`);
      assert.ok(Math.abs(cg.objective - dense.objective) <= 1e-10 * Math.abs(dense.objective), `solve ${solve}: f ${cg.objective} vs dense ${dense.objective}`);
      for (let j = 0; j < D; j++) assert.ok(Math.abs(cg.coef[j] - dense.coef[j]) <= 1e-5 * (1 + Math.abs(dense.coef[j])), `solve ${solve}, coefficient ${j}`);
      assert.ok(memory.cgPairs!.s.length > 0 && memory.cgPairs!.s.length <= 30, 'at most 30 CG pairs kept');
      start = cg.coef;
    }
    if (preconditioner === 'class-blocks') assert.equal(memory.classBlocks?.length, 3, 'one block per free class, kept between solves');
  });
}

/** n rows, d features, C classes from a random linear softmax model, as a data set. */
function classification(n: number, d: number, C: number, seed: number) {
  const rng = new Random(seed);
  const X = Float64Array.from({ length: n * d }, () => rng.normal());
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.abs(Math.round(X[i * d] + 0.5 * X[i * d + 1] + 0.7 * rng.normal())) % C;
  return datasetFrom(X, y, d, Array.from({ length: C }, (_, c) => `c${c}`));
}

test('EM with Newton-CG M-steps never decreases ℓ, and each block of its M-step meets the stated tolerance (with and without the memory a run keeps between M-steps)', () => {
  for (const kept of [false, true]) emWithNewtonCg(kept ? new MStepMemory() : undefined);
});

/**
 * Six EM iterations with Newton-CG M-steps; a memory (as SolverRun keeps one) carries the preconditioner and CG's
 * curvature pairs from one M-step to the next: that may cost neither ℓ nor the tolerance.
 */
function emWithNewtonCg(memory: MStepMemory | undefined): void {
  const data = classification(600, 60, 8, 40);
  const layout = layoutFor(data, 'categorical', 2, { ridge: 1 });
  assert.ok(7 * data.p > NEWTON_PARAMETER_LIMIT, 'the experts are large blocks');
  let theta = initialParameters(layout, data, { strategy: 'random', seed: 1, perturbation: 0 });
  let previous = -Infinity;
  for (let t = 0; t < 6; t++) {
    const ev = evaluate(layout, data, theta);
    assert.ok(ev.objective >= previous - 1e-9 * Math.abs(previous), `iteration ${t}: ${previous} → ${ev.objective}`);
    previous = ev.objective;
    const step = emUpdate(layout, data, theta, ev, { largeBlocks: 'newton-cg', memory });
    assert.equal(step.inner.cappedBlocks, 0, 'every block met its tolerance');
    assert.ok((step.inner.passes ?? 0) > 0);
    // The stated tolerance: ‖∇f‖₂/Σw ≤ max(1e-6, 1e-2 · ‖∇f(θᵗ)‖₂/Σw), and ∇f(θᵗ) is the block of ∇ℓ(θᵗ) (Fisher).
    const gradient = gradientQ(layout, data, theta, ev, ev.resp, new Float64Array(layout.size));
    const weight = [0, 1].map((k) => ev.resp.reduce((s, r, j) => s + (j % 2 === k ? r : 0), 0));
    const blocks = step.inner.blocks!;
    assert.deepEqual(blocks.map((b) => b.block), ['gate', 'expert 1', 'expert 2']);
    const ranges = [[0, data.p, data.n], [layout.betaRow(0, 0), layout.betaRow(0, 0) + 7 * data.p, weight[0]], [layout.betaRow(1, 0), layout.betaRow(1, 0) + 7 * data.p, weight[1]]];
    blocks.forEach((block, b) => {
      const [from, to, total] = ranges[b];
      const start = Math.sqrt(gradient.subarray(from, to).reduce((s, g) => s + g * g, 0)) / total;
      const tolerance = Math.max(LARGE_BLOCK_TOLERANCE, LARGE_BLOCK_RELATIVE_TOLERANCE * start);
      assert.ok(block.converged && block.gradientNorm <= tolerance * (1 + 1e-9), `iteration ${t}, ${block.block}: ${block.gradientNorm} vs ${tolerance}`);
    });
    theta = step.theta;
  }
  if (memory) {
    const expert = memory.preconditioner('expert 1');
    assert.ok(expert.cgPairs && expert.cgPairs.s.length > 0, 'the run kept the block\'s CG pairs');
  }
}

test('EM whose large blocks are capped counts capped M-steps and never calls them exact', () => {
  const data = classification(400, 60, 8, 41);
  const layout = layoutFor(data, 'categorical', 1, { gate: 'constant', ridge: 1 });
  const theta0 = new Float64Array(layout.size);
  const ev = evaluate(layout, data, theta0);
  const capped = emUpdate(layout, data, theta0, ev, { largeBlocks: 'newton-cg', maxIterations: 1 });
  assert.ok((capped.inner.cappedBlocks ?? 0) > 0, 'one Newton iteration does not meet the tolerance');
  const exact = emUpdate(layout, data, theta0, ev, { largeBlocks: 'newton-cg' });
  assert.equal(exact.inner.cappedBlocks, 0);
  assert.equal(exact.inner.method === 'newton-cg' || exact.inner.method === 'mixed', true, exact.inner.method);
  const solver = new SolverRun(createEm({ mStep: 'newton-cg' }), { layout, train: data, theta0, stopping: { maxIterations: 3, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
  while (solver.step()) {
    /* to the iteration limit */
  }
  assert.equal(solver.result().cappedMSteps ?? 0, 0, 'exact EM reports no capped M-step');
});

test('EM with the shared Gram pass (gaussian experts, softmax gate) never decreases ℓ and its M-step maximizes Q', () => {
  const { data } = synthetic({ kind: 'linear', experts: 3, dim: 4, samples: 700, snr: 2, seed: 50 });
  const layout = layoutFor(data, 'gaussian', 3);
  const solver = new SolverRun(createEm(), { layout, train: data, theta0: initialParameters(layout, data, { strategy: 'random', seed: 2, perturbation: 0 }), stopping: { maxIterations: 30, tolerance: 0, timeBudgetSeconds: 0 }, restart: 0, errorThreshold: 0 });
  let previous = -Infinity;
  while (solver.step()) {
    const objective = solver.lastReport.objective;
    assert.ok(objective >= previous - 1e-9 * Math.abs(previous), `${previous} → ${objective}`);
    previous = objective;
  }
});
