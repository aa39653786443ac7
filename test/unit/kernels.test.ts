/**
 * The dense kernels against naive reference loops: every backend (JavaScript float64, WebAssembly SIMD in float32
 * and float64, one thread and two), on random shapes that are not multiples of any block size; the fused
 * logits-and-gradient pass; the generated module; and the choice of backend. Then the model's evaluation and
 * gradient on wide data: identical in meaning whichever backend runs them, and whether ∇ℓ is computed in the
 * evaluation's pass over X or in a second one. Last, the exponential of the per-row work.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F32_MIN_VALUES, kernelChoice, kernelsFor, type KernelChoice, kernelThreads, plannedBackend, setKernelChoice, setKernelThreads, WIDE_COLUMNS } from '../../src/core/kernels';
import { JsMatrixKernels } from '../../src/core/kernels/js';
import type { MatrixKernels } from '../../src/core/kernels/types';
import { signedLeb, unsignedLeb } from '../../src/core/kernels/wasm/assembler';
import { buildGemmModule } from '../../src/core/kernels/wasm/gemm';
import { WasmMatrixKernels, wasmSimdAvailable } from '../../src/core/kernels/wasm/wasmKernels';
import type { Dataset } from '../../src/core/data/dataset';
import { evaluate, gradient, gradientQ, type Evaluation } from '../../src/core/model/evaluate';
import { fastExp } from '../../src/core/kernels/exp';
import { ParamLayout, type ModelShape } from '../../src/core/model/layout';
import { softmaxObjective } from '../../src/core/optim/softmaxRegression';
import { Random } from '../../src/core/random';
import { relativeDistance } from './helpers';

const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 2, 1],
  [5, 3, 2],
  [7, 13, 5],
  [9, 4, 7],
  [67, 130, 19],
  [130, 785, 9],
  [2053, 9, 4],
  [301, 787, 3],
];

function randomArray(rng: Random, length: number, scale = 1): Float64Array {
  return Float64Array.from({ length }, () => scale * rng.normal());
}

function naiveLogits(X: Float64Array, n: number, p: number, W: Float64Array, m: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) for (let j = 0; j < p; j++) out[i * m + c] += X[i * p + j] * W[c * p + j];
  return out;
}

function naiveGradient(X: Float64Array, n: number, p: number, A: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * p);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) for (let j = 0; j < p; j++) out[c * p + j] += A[i * m + c] * X[i * p + j];
  return out;
}

/** Σ|terms| per output entry, the scale that float32 round-off is relative to. */
function absoluteLogits(X: Float64Array, n: number, p: number, W: Float64Array, m: number): Float64Array {
  return naiveLogits(X.map(Math.abs), n, p, W.map(Math.abs), m);
}

function roundedToFloat32(X: Float64Array): Float64Array {
  return Float64Array.from(Float32Array.from(X));
}

/** max_k |a_k − b_k| / scale_k. */
function worstError(actual: Float64Array, expected: Float64Array, scale: Float64Array): number {
  let worst = 0;
  for (let k = 0; k < expected.length; k++) worst = Math.max(worst, Math.abs(actual[k] - expected[k]) / Math.max(scale[k], 1e-300));
  return worst;
}

interface Backend {
  readonly name: string;
  /** Relative tolerance against the reference on the data as the backend stores it. */
  readonly tolerance: number;
  /** Whether X is stored as float32 (the reference then uses the rounded X). */
  readonly float32Storage: boolean;
  make(X: Float64Array, n: number, p: number): MatrixKernels;
}

const simd = wasmSimdAvailable();
const BACKENDS: Backend[] = [
  { name: 'js', tolerance: 1e-13, float32Storage: false, make: (X, n, p) => new JsMatrixKernels(X, n, p) },
  ...(simd
    ? [
        { name: 'wasm-f64', tolerance: 1e-13, float32Storage: true, make: (X: Float64Array, n: number, p: number) => new WasmMatrixKernels(X, n, p, 'f64') },
        { name: 'wasm-f32', tolerance: 2e-6, float32Storage: true, make: (X: Float64Array, n: number, p: number) => new WasmMatrixKernels(X, n, p, 'f32') },
      ]
    : []),
];

function checkBackend(backend: Backend, X: Float64Array, n: number, p: number, m: number, rng: Random, label: string): void {
  const W = randomArray(rng, m * p, 0.3);
  const A = randomArray(rng, n * m);
  const stored = backend.float32Storage ? roundedToFloat32(X) : X;
  // The float32 backends also round W and A; their reference scale covers it.
  const kernels = backend.make(X, n, p);
  const logits = new Float64Array(n * m);
  kernels.logits(W, m, logits);
  const expectedLogits = naiveLogits(stored, n, p, W, m);
  const logitError = worstError(logits, expectedLogits, absoluteLogits(stored, n, p, W, m));
  assert.ok(logitError <= backend.tolerance, `${label} logits: relative error ${logitError}`);

  const grad = new Float64Array(m * p);
  kernels.gradient(A, m, grad);
  const expectedGradient = naiveGradient(stored, n, p, A, m);
  const gradientScale = naiveGradient(stored.map(Math.abs), n, p, A.map(Math.abs), m);
  const gradientError = worstError(grad, expectedGradient, gradientScale);
  assert.ok(gradientError <= backend.tolerance, `${label} gradient: relative error ${gradientError}`);

  // Fused pass: coefficients from the block's logits (here 0.1·logit − 1 per entry), then the gradient.
  const fused = new Float64Array(m * p);
  const seen = new Uint8Array(n);
  kernels.logitsAndGradient(
    W,
    m,
    (start, end, blockLogits, coefficients) => {
      assert.equal(blockLogits.length, (end - start) * m);
      for (let k = 0; k < blockLogits.length; k++) coefficients[k] = 0.1 * blockLogits[k] - 1;
      seen.fill(1, start, end);
    },
    fused,
  );
  assert.ok(seen.every((v) => v === 1), `${label}: every row visited`);
  const implied = logits.map((value) => 0.1 * value - 1);
  const fusedError = worstError(fused, naiveGradient(stored, n, p, implied, m), naiveGradient(stored.map(Math.abs), n, p, implied.map(Math.abs), m));
  assert.ok(fusedError <= 10 * backend.tolerance, `${label} fused: relative error ${fusedError}`);
}

test('kernels match naive loops on awkward shapes, every backend', () => {
  const rng = new Random(5);
  for (const backend of BACKENDS) {
    for (const [n, p, m] of SHAPES) checkBackend(backend, randomArray(rng, n * p), n, p, m, rng, `${backend.name} n=${n} p=${p} m=${m}`);
  }
});

/** Logits X Wᵀ, the gradient product Aᵀ X and a fused pass (coefficients tanh of the logits) of the given kernels. */
function productsOf(kernels: MatrixKernels, W: Float64Array, A: Float64Array, m: number) {
  const { n, p } = kernels;
  const logits = new Float64Array(n * m);
  const grad = new Float64Array(m * p);
  const fused = new Float64Array(m * p);
  kernels.logits(W, m, logits);
  kernels.gradient(A, m, grad);
  kernels.logitsAndGradient(W, m, (_start, _end, blockLogits, coefficients) => coefficients.set(blockLogits.map((v) => Math.tanh(v))), fused);
  return { logits, grad, fused };
}

test('two threads give the same products as one (shared memory, rows split)', { skip: simd ? false : 'no WebAssembly SIMD' }, () => {
  const rng = new Random(6);
  const [n, p, m] = [6007, 785, 19]; // n·p above the threading threshold
  const X = randomArray(rng, n * p);
  const W = randomArray(rng, m * p, 0.3);
  const A = randomArray(rng, n * m);
  const products = (kernels: MatrixKernels) => productsOf(kernels, W, A, m);
  for (const precision of ['f32', 'f64'] as const) {
    const previous = setKernelThreads(1);
    const one = products(new WasmMatrixKernels(X, n, p, precision));
    setKernelThreads(2);
    try {
      const two = products(new WasmMatrixKernels(X, n, p, precision));
      assert.deepEqual(two.logits, one.logits, `${precision}: each row's logits are computed the same way`);
      for (const key of ['grad', 'fused'] as const) {
        const scale = one[key].reduce((max, v) => Math.max(max, Math.abs(v)), 0);
        const worst = one[key].reduce((max, v, j) => Math.max(max, Math.abs(v - two[key][j])), 0);
        assert.ok(worst <= (precision === 'f32' ? 1e-5 : 1e-12) * scale, `${precision} ${key}: two threads differ by ${worst} (scale ${scale})`);
      }
      assert.equal(kernelThreads(), 2, 'the helper thread answered (threads were not switched off)');
    } finally {
      setKernelThreads(previous);
    }
  }
});

test("an instance's float64 twin reads its float32 copy in place: the same products as float64 kernels made from X, bit for bit", { skip: simd ? false : 'no WebAssembly SIMD' }, () => {
  const rng = new Random(77);
  const m = 3;
  /** `makeBase` builds float32 kernels whose rows are X's (n × p). */
  const check = (makeBase: () => WasmMatrixKernels, X: Float64Array, n: number, p: number, label: string) => {
    const W = Float64Array.from({ length: m * p }, () => rng.normal());
    const A = Float64Array.from({ length: n * m }, () => rng.normal());
    const products = (kernels: MatrixKernels) => productsOf(kernels, W, A, m);
    const previous = setKernelThreads(2); // the larger matrix then has the thread pool, hence a shared memory
    let base: WasmMatrixKernels;
    let float32Before: ReturnType<typeof products>;
    let twin: WasmMatrixKernels;
    try {
      base = makeBase();
      float32Before = products(base);
      twin = base.withPrecision('f64');
    } finally {
      setKernelThreads(previous);
    }
    assert.equal(twin.precision, 'f64', label);
    assert.equal(base.withPrecision('f32'), base, `${label}: its own precision is the instance itself`);
    assert.equal(base.withPrecision('f64'), twin, `${label}: the twin is made once`);
    const single = setKernelThreads(1); // the twin runs on the calling thread: compare with one thread
    try {
      assert.deepEqual(products(twin), products(new WasmMatrixKernels(X, n, p, 'f64')), `${label}: the twin computes what float64 kernels on X compute`);
    } finally {
      setKernelThreads(single);
    }
    const again = products(base);
    assert.deepEqual(again.logits, float32Before.logits, `${label}: the twin leaves the float32 kernels as they were`);
  };
  const [n, p] = [257, 13]; // stride 16: padded rows
  const X = Float64Array.from({ length: n * p }, () => rng.normal());
  check(() => new WasmMatrixKernels(X, n, p, 'f32'), X, n, p, 'small');
  const rows = Int32Array.from({ length: 100 }, (_, k) => 2 * k + 1);
  const copied = Float64Array.from({ length: rows.length * p }, (_, k) => X[rows[Math.floor(k / p)] * p + (k % p)]);
  check(() => new WasmMatrixKernels(X, n, p, 'f32').subset(rows), copied, rows.length, p, "a subset's twin (the subset's rows)");
  const [large, wide] = [5200, 785]; // n·p above the threading threshold
  const Y = Float64Array.from({ length: large * wide }, () => rng.normal());
  check(() => new WasmMatrixKernels(Y, large, wide, 'f32'), Y, large, wide, 'threaded');
});

test('the generated module is valid WebAssembly; LEB128 encodings', { skip: simd ? false : 'no WebAssembly SIMD' }, () => {
  assert.deepEqual(unsignedLeb(0), [0]);
  assert.deepEqual(unsignedLeb(624485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(signedLeb(-123456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(signedLeb(63), [0x3f]);
  assert.deepEqual(signedLeb(64), [0xc0, 0x00]);
  for (const stride of [4, 8, 788]) {
    for (const precision of ['f32', 'f64'] as const) {
      for (const shared of [false, true]) assert.ok(WebAssembly.validate(buildGemmModule({ stride, precision, shared })), `stride ${stride} ${precision} shared=${shared}`);
    }
  }
  assert.throws(() => buildGemmModule({ stride: 6, precision: 'f32' }), /multiple of 4/);
});

test('backend choice: JavaScript for narrow data, float32 SIMD for wide, overridable', () => {
  const previous = kernelChoice();
  try {
    setKernelChoice('auto');
    assert.equal(plannedBackend(1000, 5), 'js');
    assert.equal(plannedBackend(1000, WIDE_COLUMNS), simd ? 'wasm-f64' : 'js', 'wide but small: float64 arithmetic');
    assert.equal(plannedBackend(60000, 785), simd ? 'wasm-f32' : 'js', 'wide and large: float32 arithmetic');
    assert.ok(60000 * 785 >= F32_MIN_VALUES && 5000 * 785 < F32_MIN_VALUES);
    setKernelChoice('f64');
    assert.equal(plannedBackend(1000, 5), simd ? 'wasm-f64' : 'js');
    setKernelChoice('js');
    assert.equal(plannedBackend(60000, 785), 'js');
    const X = new Float64Array(20 * 3).fill(1);
    assert.equal(kernelsFor(X, 20, 3).backend, 'js');
    assert.equal(kernelsFor(X, 20, 3), kernelsFor(X, 20, 3), 'prepared once per matrix');
  } finally {
    setKernelChoice(previous);
  }
});

/** A wide categorical data set: p − 1 noisy features, C classes from a random linear rule. */
function wideData(n: number, d: number, C: number, seed: number): Dataset {
  const rng = new Random(seed);
  const p = d + 1;
  const X = new Float64Array(n * p);
  const y = new Float64Array(n);
  const rule = randomArray(rng, C * d, 1 / Math.sqrt(d));
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let j = 0; j < d; j++) X[i * p + j] = rng.normal();
    X[i * p + d] = 1;
    for (let c = 0; c < C; c++) {
      let score = rng.normal();
      for (let j = 0; j < d; j++) score += rule[c * d + j] * X[i * p + j];
      if (score > bestScore) [best, bestScore] = [c, score];
    }
    y[i] = best;
  }
  const classes = Array.from({ length: C }, (_, c) => `c${c}`);
  return { X, y, n, p, featureNames: Array.from({ length: d }, (_, j) => `x${j + 1}`), targetName: 'y', classes };
}

test('wide data: ℓ, responsibilities and ∇ℓ agree across backends; ∇ℓ matches finite differences', () => {
  const data = wideData(400, 199, 4, 8);
  const layout = new ParamLayout({ family: 'categorical', K: 2, p: data.p, C: 4, gate: 'softmax', symmetric: false, ridge: 0.5 });
  const rng = new Random(9);
  const theta = randomArray(rng, layout.size, 0.05);
  const previous = kernelChoice();
  try {
    const choices: KernelChoice[] = simd ? ['js', 'f64', 'f32'] : ['js'];
    const results = choices.map((choice) => {
      setKernelChoice(choice);
      const ev = evaluate(layout, data, theta);
      return { choice, ev, grad: gradient(layout, data, theta, ev) };
    });
    const reference = results[0];
    for (const { choice, ev, grad } of results.slice(1)) {
      const tolerance = choice === 'f32' ? 1e-5 : 1e-6; // both round X to float32
      assert.ok(Math.abs(ev.logLik - reference.ev.logLik) <= tolerance * Math.abs(reference.ev.logLik), `${choice} ℓ ${ev.logLik} vs ${reference.ev.logLik}`);
      let worst = 0;
      for (let k = 0; k < ev.resp.length; k++) worst = Math.max(worst, Math.abs(ev.resp[k] - reference.ev.resp[k]));
      assert.ok(worst < 1e-4, `${choice} responsibilities differ by ${worst}`);
      let gradientNorm = 0;
      let difference = 0;
      for (let j = 0; j < grad.length; j++) {
        gradientNorm += reference.grad[j] ** 2;
        difference += (grad[j] - reference.grad[j]) ** 2;
      }
      assert.ok(Math.sqrt(difference) <= 1e-4 * Math.sqrt(gradientNorm), `${choice} gradient differs by ${Math.sqrt(difference)}`);
    }
    // Finite differences on the float64 path (wide data, so through the blocked kernels).
    setKernelChoice(simd ? 'f64' : 'js');
    const grad = gradient(layout, data, theta, evaluate(layout, data, theta));
    for (const j of [0, 5, data.p - 1, layout.betaOffset + 3, layout.betaOffset + 2 * data.p + 7, layout.size - 1]) {
      const h = 1e-5;
      const plus = theta.slice();
      const minus = theta.slice();
      plus[j] += h;
      minus[j] -= h;
      const numeric = (evaluate(layout, data, plus).objective - evaluate(layout, data, minus).objective) / (2 * h);
      assert.ok(Math.abs(numeric - grad[j]) <= 1e-5 * (1 + Math.abs(numeric)), `∂/∂θ[${j}]: ${grad[j]} vs ${numeric}`);
    }
  } finally {
    setKernelChoice(previous);
  }
});

test('softmax objective: the fused pass gives the same value and gradient as separate products', () => {
  const data = wideData(700, 150, 5, 10);
  const rng = new Random(11);
  const labels = Int32Array.from(data.y);
  const weights = Float64Array.from({ length: data.n }, (_, i) => (i % 7 === 0 ? 0 : rng.uniform()));
  const problem = { X: data.X, n: data.n, p: data.p, C: 5, labels, weights, ridge: 0.1 };
  const V = randomArray(rng, 4 * data.p, 0.05);
  const previous = kernelChoice();
  try {
    setKernelChoice('js');
    const reference = new Float64Array(V.length);
    const value = softmaxObjective(problem, V, reference);
    assert.ok(Math.abs(softmaxObjective(problem, V) - value) <= 1e-10 * Math.abs(value), 'value without the gradient');
    for (const choice of simd ? (['f64', 'f32'] as const) : []) {
      setKernelChoice(choice);
      const grad = new Float64Array(V.length);
      const fusedValue = softmaxObjective(problem, V, grad);
      assert.ok(Math.abs(fusedValue - value) <= 1e-5 * Math.abs(value), `${choice} value ${fusedValue} vs ${value}`);
      let worst = 0;
      let scale = 0;
      for (let j = 0; j < V.length; j++) {
        worst = Math.max(worst, Math.abs(grad[j] - reference[j]));
        scale = Math.max(scale, Math.abs(reference[j]));
      }
      assert.ok(worst <= 1e-4 * scale, `${choice} gradient off by ${worst} (scale ${scale})`);
    }
  } finally {
    setKernelChoice(previous);
  }
});

/** The same wide rows with other targets: real (gaussian) or 0/1 (bernoulli). */
function withTargets(data: Dataset, family: 'gaussian' | 'bernoulli', seed: number): Dataset {
  const rng = new Random(seed);
  if (family === 'bernoulli') return { ...data, y: data.y.map((value) => value % 2), classes: ['a', 'b'] };
  return { ...data, y: Float64Array.from({ length: data.n }, () => rng.normal()), classes: undefined };
}

test('the fused evaluation pass (ℓ and ∇ℓ in one pass over X) agrees with separate passes, every backend and model kind', () => {
  // Row counts that are not multiples of the kernels' block of rows, one of them below it.
  const models: { name: string; rows: number; shape: Omit<ModelShape, 'p'> }[] = [
    { name: 'categorical, softmax gate (Fashion-MNIST shape)', rows: 333, shape: { family: 'categorical', K: 2, C: 5, gate: 'softmax', symmetric: false, ridge: 0 } },
    { name: 'categorical, constant gate, ridge', rows: 45, shape: { family: 'categorical', K: 3, C: 5, gate: 'constant', symmetric: false, ridge: 0.2 } },
    { name: 'gaussian, constant gate (σ and gate outside the product)', rows: 333, shape: { family: 'gaussian', K: 3, C: 0, gate: 'constant', symmetric: false, ridge: 0 } },
    { name: 'bernoulli, symmetric (experts share columns)', rows: 333, shape: { family: 'bernoulli', K: 2, C: 2, gate: 'softmax', symmetric: true, ridge: 0.1 } },
  ];
  const previous = kernelChoice();
  try {
    for (const [index, { name, rows, shape }] of models.entries()) {
      const categorical = wideData(rows, 149, shape.family === 'categorical' ? shape.C : 2, 20 + index);
      const data = shape.family === 'categorical' ? categorical : withTargets(categorical, shape.family, 30 + index);
      const layout = new ParamLayout({ ...shape, p: data.p });
      const theta = randomArray(new Random(40 + index), layout.size, 0.1);
      // Reference: float64 arithmetic on the values every backend stores (X rounded to float32), separate passes.
      setKernelChoice('js');
      const rounded: Dataset = { ...data, X: roundedToFloat32(data.X) };
      const referenceEv = evaluate(layout, rounded, theta, { gradient: false });
      const reference = gradient(layout, rounded, theta, referenceEv);
      for (const choice of simd ? (['js', 'f64', 'f32'] as const) : (['js'] as const)) {
        setKernelChoice(choice);
        const label = `${name}, ${choice}`;
        const separate = evaluate(layout, data, theta, { gradient: false });
        const separateGradient = gradient(layout, data, theta, separate);
        const fused = evaluate(layout, data, theta, { gradient: true });
        const fusedGradient = gradient(layout, data, theta, fused);
        // Same backend: the same arithmetic row by row, so the two passes agree to rounding.
        const sameBackend = choice === 'f32' ? 1e-6 : 1e-12;
        assert.ok(Math.abs(fused.logLik - separate.logLik) <= 1e-12 * Math.abs(separate.logLik), `${label}: ℓ ${fused.logLik} vs ${separate.logLik}`);
        assert.ok(Math.abs(fused.objective - separate.objective) <= 1e-12 * Math.abs(separate.objective), `${label}: objective`);
        for (const key of ['resp', 'probs', 'gateWeights'] as const) {
          const [a, b] = [fused[key], separate[key]];
          assert.equal(a === undefined, b === undefined, `${label}: ${key} present in both or neither`);
          if (a && b) assert.ok(relativeDistance(a, b) <= 1e-12, `${label}: ${key} differs by ${relativeDistance(a, b)}`);
        }
        assert.equal(fused.squaredError === undefined, separate.squaredError === undefined, `${label}: squaredError present in both or neither`);
        if (separate.squaredError !== undefined) assert.ok(Math.abs(fused.squaredError! - separate.squaredError) <= 1e-12 * separate.squaredError, `${label}: squaredError`);
        const passes = relativeDistance(fusedGradient, separateGradient);
        assert.ok(passes <= sameBackend, `${label}: fused ∇ℓ differs from the separate pass by ${passes}`);
        // The WebAssembly backends against float64 on the same stored values: equal up to rounding (f64), or
        // within the documented float32 tolerances.
        const [logLikTolerance, gradientTolerance] = choice === 'f32' ? [1e-5, 1e-4] : [1e-12, 1e-10];
        if (choice !== 'js') assert.ok(Math.abs(fused.logLik - referenceEv.logLik) <= logLikTolerance * Math.abs(referenceEv.logLik), `${label}: ℓ against float64`);
        const toReference = relativeDistance(fusedGradient, reference);
        if (choice !== 'js') assert.ok(toReference <= gradientTolerance, `${label}: ∇ℓ differs from float64 by ${toReference}`);
        // The gradient an evaluation carries is ∇ℓ at its own θ and responsibilities only.
        checkNotReused(layout, data, theta, fused, separate, label);
      }
    }
  } finally {
    setKernelChoice(previous);
  }
});

/** gradientQ with other responsibilities, or at another θ, is computed from the evaluation's rows, not copied. */
function checkNotReused(layout: ParamLayout, data: Dataset, theta: Float64Array, fused: Evaluation, separate: Evaluation, label: string): void {
  const held = fused.resp.map((r) => 0.5 * r + 0.5 / layout.K); // still a distribution over the experts per row
  const size = layout.size;
  const expectedHeld = gradientQ(layout, data, theta, separate, held, new Float64Array(size));
  const actualHeld = gradientQ(layout, data, theta, fused, held, new Float64Array(size));
  assert.ok(relativeDistance(actualHeld, expectedHeld) <= 1e-6, `${label}: held responsibilities`);
  const sameValues = gradientQ(layout, data, theta, fused, fused.resp.slice(), new Float64Array(size));
  assert.ok(relativeDistance(sameValues, gradient(layout, data, theta, fused)) <= 1e-6, `${label}: a copy of the responsibilities`);
  // At another θ the gradient's rows read σ from θ (gaussian experts): the stored gradient is not for it.
  const other = theta.map((value) => 2 * value);
  const expected = gradientQ(layout, data, other, separate, separate.resp, new Float64Array(size));
  const actual = gradientQ(layout, data, other, fused, fused.resp, new Float64Array(size));
  assert.ok(relativeDistance(actual, expected) <= 1e-6, `${label}: another θ`);
}

test('fastExp: within a few ulp of exp over its whole range, and exp itself at the edges', () => {
  const rng = new Random(12);
  // Error budget: the table entry and the polynomial each within about 1 ulp, two products rounded: < 4 ulp.
  const bound = 4 * Number.EPSILON;
  let worst = 0;
  for (let t = 0; t < 200000; t++) {
    const x = t < 100000 ? -40 * rng.uniform() : -745 + 1454 * rng.uniform();
    const expected = Math.exp(x);
    if (expected === 0 || !Number.isFinite(expected)) continue;
    worst = Math.max(worst, Math.abs(fastExp(x) - expected) / expected);
  }
  assert.ok(worst <= bound, `relative error ${worst / Number.EPSILON} ulp`);
  assert.equal(fastExp(0), 1);
  assert.equal(fastExp(-Infinity), 0);
  assert.equal(fastExp(Infinity), Infinity);
  assert.ok(Number.isNaN(fastExp(Number.NaN)));
  assert.equal(fastExp(-800), Math.exp(-800));
  assert.equal(fastExp(710), Math.exp(710));
});
