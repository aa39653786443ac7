/**
 * Fits that have no maximum, or whose likelihood exists only because of a safeguard, detected while a solver runs
 * (docs/degenerate-fits.md). Each is named when it appears, with one plain sentence: what happened, why it matters,
 * what to do. A variance at the floor, an empty expert or a saturated gate can go away again as the iterations go
 * on (EM refills an expert, a gate unsaturates); only those present at the last iterate mark the fit. Separation
 * stays once found: it says that the likelihood has no finite maximum.
 *
 * - separation: ℓ approaches its supremum only as a block's coefficients go to infinity, so no finite maximum
 *   exists. A classifier expert that puts every row's own class first separates the classes (exact: scaling its
 *   coefficients up raises ℓ without bound); otherwise (the gate, the symmetric model) a block whose fit is perfect
 *   (cross-entropy → 0) while its coefficients grow for 5 iterations in a row. Without a ridge only.
 * - varianceCollapse: a gaussian expert's σ² is at the variance floor: it fits a few rows (almost) exactly, where
 *   the likelihood is unbounded, and only the floor keeps it finite.
 * - emptyExpert: an expert's total gate weight Σ_i π_ik is below one row: no row is routed to it.
 * - saturatedGate: every row is routed to one expert with probability 1 − 1e-9 or more, so the gate is a hard
 *   partition whose coefficients are not determined.
 */
import { varianceFloor } from '../solvers/mstep';
import type { Dataset } from '../data/dataset';
import { modelClass, type Evaluation } from '../model/evaluate';
import type { ParamLayout } from '../model/layout';
import { NO_MAXIMUM, type Degeneracy, type DegeneracyKind } from './degeneracyKinds';

export { DEGENERACY_LABELS, NO_MAXIMUM, type Degeneracy, type DegeneracyKind } from './degeneracyKinds';

/** Consecutive iterations of growing coefficients (with a perfect fit) before separation is reported. */
const GROWTH_WINDOW = 5;
/** Cross-entropy per unit weight below which a block fits its targets perfectly. */
const PERFECT_FIT = 1e-3;
const SATURATED = 1e-9;

export class DegeneracyWatch {
  /** Present at the latest iterate (and separation, once found), by kind and block. */
  private readonly found = new Map<string, Degeneracy>();
  private current = new Set<string>();
  /** Named once per run: a condition that comes and goes (an expert hovering near one row) is not repeated. */
  private readonly announced = new Set<string>();
  private readonly growth = new Map<string, { norm: number; streak: number }>();
  private readonly floor: number;

  constructor(
    private readonly layout: ParamLayout,
    private readonly data: Dataset,
  ) {
    this.floor = layout.shape.family === 'gaussian' ? varianceFloor(data) : 0;
  }

  /** Everything detected so far, in the order found. */
  get all(): Degeneracy[] {
    return [...this.found.values()];
  }

  get hasNoMaximum(): boolean {
    return this.all.some((d) => NO_MAXIMUM.has(d.kind));
  }

  /** Checks the iterate; returns what appeared at this iteration. */
  observe(iteration: number, theta: Float64Array, ev: Evaluation): Degeneracy[] {
    const before = new Set(this.found.keys());
    this.current = new Set();
    const { layout } = this;
    const gateWeights = totalGateWeights(ev);
    const empty = layout.K > 1 ? gateWeights.filter((w) => w < 1).length : 0;
    for (let k = 0; k < layout.K; k++) {
      if (empty > 0 && gateWeights[k] < 1) {
        this.report(iteration, 'emptyExpert', `expert ${k + 1}`,
          `expert ${k + 1} has a total gate weight of ${gateWeights[k].toExponential(1)} rows (below one row): no row is routed to it, so the model has effectively ${layout.K - empty} expert${layout.K - empty === 1 ? '' : 's'}; fit fewer experts or try another start`);
      }
    }
    if (layout.shape.family === 'gaussian') this.checkVariances(iteration, theta, ev);
    if (layout.shape.gate === 'softmax' && layout.K > 1) this.checkGate(iteration, theta, ev);
    if (layout.shape.family !== 'gaussian') this.checkClassifiers(iteration, theta, ev);
    for (const [key, found] of this.found) if (found.kind !== 'separation' && !this.current.has(key)) this.found.delete(key);
    const appeared = [...this.found].filter(([key]) => !before.has(key) && !this.announced.has(key));
    for (const [key] of appeared) this.announced.add(key);
    return appeared.map(([, found]) => found);
  }

  private checkVariances(iteration: number, theta: Float64Array, ev: Evaluation): void {
    const { layout } = this;
    if (layout.sigmaCount === 0) return;
    for (let k = 0; k < layout.K; k++) {
      const sigma = layout.sigma(theta, k);
      if (sigma * sigma > this.floor * (1 + 1e-6)) continue;
      let rows = 0;
      for (let i = 0; i < ev.n; i++) if (ev.resp[i * ev.K + k] > 0.5) rows++;
      const whose = layout.shape.symmetric ? "the experts'" : `expert ${k + 1}'s`;
      this.report(iteration, 'varianceCollapse', layout.shape.symmetric ? 'experts' : `expert ${k + 1}`,
        `${whose} variance is at its floor (σ = ${sigma.toExponential(2)}), fitting ${rows} row${rows === 1 ? '' : 's'} almost exactly: there the likelihood grows without bound as σ → 0, so this fit's likelihood exists only because of the floor (a degenerate fit); try another start, fewer experts, or a fixed σ`);
    }
  }

  private checkGate(iteration: number, theta: Float64Array, ev: Evaluation): void {
    const { layout } = this;
    const { n } = ev;
    // Summed by the evaluation's pass (it does not keep log π): every row's largest log π, and −Σ r log π.
    const saturated = !(ev.minRowMaxLogPi < Math.log1p(-SATURATED));
    const crossEntropy = ev.gateCrossEntropy;
    const size = layout.gateRows * layout.gateWidth;
    const norm = blockNorm(theta, layout.gateOffset, size);
    const ridgeFree = layout.shape.ridge === 0;
    if (saturated && ridgeFree) {
      this.report(iteration, 'saturatedGate', 'gate',
        `the gate routes every row to one expert with probability above 1 − ${SATURATED} (saturated, ‖W‖ = ${norm.toPrecision(3)}): it has become a hard partition whose size is not determined, and the likelihood has no finite maximum along it; add a ridge (--ridge, model.ridge)`);
    }
    if (this.grows('gate', norm) && crossEntropy / n < PERFECT_FIT && ridgeFree) {
      this.report(iteration, 'separation', 'gate',
        `separation: the gate's coefficients grow without bound (‖W‖ = ${norm.toPrecision(3)}) while it fits the responsibilities perfectly, so ℓ approaches its supremum only at infinity and has no finite maximum; add a ridge (--ridge, model.ridge) to get one`);
    }
  }

  private checkClassifiers(iteration: number, theta: Float64Array, ev: Evaluation): void {
    const { layout, data } = this;
    const probs = ev.probs;
    if (!probs || layout.shape.ridge > 0) return;
    const C = layout.shape.C;
    const blockSize = layout.expertRows * layout.p;
    for (let block = 0; block < layout.expertBlocks; block++) {
      let weight = 0;
      let crossEntropy = 0;
      for (let i = 0; i < ev.n; i++) {
        const label = modelClass(layout, data.y[i]);
        for (let k = 0; k < ev.K; k++) {
          if (!layout.shape.symmetric && k !== block) continue;
          const r = ev.resp[i * ev.K + k];
          weight += r;
          crossEntropy -= r * Math.log(Math.max(probs[(i * ev.K + k) * C + label], 1e-300));
        }
      }
      const name = layout.shape.symmetric ? 'experts' : `expert ${block + 1}`;
      const norm = blockNorm(theta, layout.betaRow(block, 0), blockSize);
      const growing = this.grows(name, norm);
      // Exact for a non-symmetric expert: when its largest class probability is the true class on every row,
      // scaling its coefficients up raises every row's p_ik, and with it ℓ, without bound.
      const separates = !layout.shape.symmetric && classifiesEveryRow(probs, data, layout, block, ev.K);
      if (separates) {
        this.report(iteration, 'separation', name,
          `separation: expert ${block + 1} gives every row its own class as the most likely one (‖β‖ = ${norm.toPrecision(3)}), so its classes are separable: ℓ rises without bound as its coefficients are scaled up and has no finite maximum; add a ridge (--ridge, model.ridge) to get one`);
      } else if (growing && weight > 0 && crossEntropy / weight < PERFECT_FIT) {
        this.report(iteration, 'separation', name,
          `separation: ${layout.shape.symmetric ? "the experts'" : `expert ${block + 1}'s`} classes are separable (‖β‖ = ${norm.toPrecision(3)} and growing, training cross-entropy ${(crossEntropy / weight).toExponential(1)}), so ℓ approaches its supremum only as the coefficients grow without bound and has no finite maximum; add a ridge (--ridge, model.ridge) to get one`);
      }
    }
  }

  /** Whether the block's norm has grown for GROWTH_WINDOW consecutive iterations. */
  private grows(block: string, norm: number): boolean {
    const last = this.growth.get(block);
    const streak = last && norm > last.norm * (1 + 1e-9) ? last.streak + 1 : 0;
    this.growth.set(block, { norm, streak });
    return streak >= GROWTH_WINDOW;
  }

  private report(iteration: number, kind: DegeneracyKind, block: string, message: string): void {
    const key = `${kind}:${block}`;
    this.current.add(key);
    if (!this.found.has(key)) this.found.set(key, { kind, iteration, block, message });
  }
}

/** Whether expert k gives every row's own class the strictly largest probability. */
function classifiesEveryRow(probs: Float64Array, data: Dataset, layout: ParamLayout, k: number, K: number): boolean {
  const C = layout.shape.C;
  for (let i = 0; i < data.n; i++) {
    const label = modelClass(layout, data.y[i]);
    const offset = (i * K + k) * C;
    const own = probs[offset + label];
    for (let c = 0; c < C; c++) if (c !== label && probs[offset + c] >= own) return false;
  }
  return true;
}

function totalGateWeights(ev: Evaluation): Float64Array {
  return ev.gateWeights;
}

function blockNorm(theta: Float64Array, offset: number, size: number): number {
  let squares = 0;
  for (let j = offset; j < offset + size; j++) squares += theta[j] * theta[j];
  return Math.sqrt(squares);
}
