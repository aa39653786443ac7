/**
 * Where each free parameter lives in the flat parameter vector θ (a `Float64Array`).
 *
 * Layout: [gate | expert coefficients | log σ]. The gate has K − 1 free rows (the last expert is the reference,
 * w_K ≡ 0); a `constant` gate keeps only the intercept of each row. Categorical experts have C − 1 free rows per
 * expert (the last class is the reference). A symmetric two-expert model stores one coefficient block β and uses
 * β for expert 1 and −β for expert 2. GD and Adam move θ directly; EM writes its blocks.
 */
import type { ExpertFamily } from '../data/dataset';
import type { GateKind } from '../spec/types';

export interface ModelShape {
  readonly family: ExpertFamily;
  /** Number of experts K. */
  readonly K: number;
  /** Columns of X, intercept included. */
  readonly p: number;
  /** Classes C (2 for bernoulli, 0 for gaussian). */
  readonly C: number;
  readonly gate: GateKind;
  /** K = 2 with β₂ = −β₁ (one coefficient block). */
  readonly symmetric: boolean;
  /** Known noise standard deviation of gaussian experts; σ is then not a parameter. */
  readonly fixedSigma?: number;
  /** Ridge penalty λ. */
  readonly ridge: number;
}

export class ParamLayout {
  /** Coefficients per gate row: p (softmax) or 1 (constant gate: intercept only). */
  readonly gateWidth: number;
  readonly gateRows: number;
  /** Free coefficient rows per expert: C − 1 (categorical) or 1. */
  readonly expertRows: number;
  /** Stored expert blocks: 1 when symmetric, else K. */
  readonly expertBlocks: number;
  readonly sigmaCount: number;
  readonly gateOffset = 0;
  readonly betaOffset: number;
  readonly sigmaOffset: number;
  readonly size: number;

  constructor(readonly shape: ModelShape) {
    const { family, K, p, C, gate, symmetric, fixedSigma } = shape;
    if (symmetric && K !== 2) throw new Error('a symmetric model has exactly two experts');
    if (symmetric && family === 'categorical') throw new Error('symmetric models need gaussian or bernoulli experts');
    this.gateWidth = gate === 'softmax' ? p : 1;
    this.gateRows = K - 1;
    this.expertRows = family === 'categorical' ? C - 1 : 1;
    this.expertBlocks = symmetric ? 1 : K;
    const hasSigma = family === 'gaussian' && fixedSigma === undefined;
    this.sigmaCount = hasSigma ? (symmetric ? 1 : K) : 0;
    this.betaOffset = this.gateRows * this.gateWidth;
    this.sigmaOffset = this.betaOffset + this.expertBlocks * this.expertRows * p;
    this.size = this.sigmaOffset + this.sigmaCount;
  }

  get K(): number {
    return this.shape.K;
  }
  get p(): number {
    return this.shape.p;
  }

  /** Offset in θ of gate row k (k < K − 1). */
  gateRow(k: number): number {
    return this.gateOffset + k * this.gateWidth;
  }

  /** Offset in θ of row r of expert k's coefficients (shared by both experts of a symmetric model). */
  betaRow(k: number, r: number): number {
    const block = this.shape.symmetric ? 0 : k;
    return this.betaOffset + (block * this.expertRows + r) * this.shape.p;
  }

  /** +1, or −1 for the second expert of a symmetric model. */
  expertSign(k: number): number {
    return this.shape.symmetric && k === 1 ? -1 : 1;
  }

  /** Offset of log σ_k, or −1 when σ is fixed or absent. */
  logSigmaIndex(k: number): number {
    if (this.sigmaCount === 0) return -1;
    return this.sigmaOffset + (this.shape.symmetric ? 0 : k);
  }

  sigma(theta: Float64Array, k: number): number {
    const index = this.logSigmaIndex(k);
    return index < 0 ? (this.shape.fixedSigma ?? 1) : Math.exp(theta[index]);
  }

  /** Whether coordinate j of θ is penalized by the ridge (gate and expert coefficients, not log σ). */
  isPenalized(j: number): boolean {
    return j < this.sigmaOffset;
  }

  /** The free-parameter count used by AIC and BIC. */
  get freeParameters(): number {
    return this.size;
  }
}
