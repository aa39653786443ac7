/**
 * Many starts, one answer (issue 14, items 2 and 3): which expert is which across runs, and which runs reached
 * the same optimum.
 *
 * A mixture's likelihood is unchanged when the experts are relabelled, so two runs can stop at the same optimum
 * with their experts in a different order. `alignExperts` finds the relabelling of one fit that is closest to a
 * reference; `alignRunLabels` applies it to every run of a multi-start fit, so that "expert 1" means the same
 * thing in every restart, every solver and the stored results; `groupOptima` groups the stationary runs into
 * distinct optima.
 *
 * Distance between two fits: the Euclidean distance between the vectors (gate rows, expert coefficient rows, σ)
 * in the standardized coordinates the solvers work in. The gate is softmax-invariant to adding one row to all
 * rows, so its rows are compared centred (each row minus the mean row); centring, unlike re-referencing to the
 * last expert, is unchanged by a relabelling, which makes the distance a sum of per-expert costs: the best
 * relabelling is then an assignment problem (brute force over the K! orders for K ≤ 6, the Hungarian method
 * beyond). Relative distance: that distance over 1 + the norm of the reference's vector.
 */
import { minimumCostAssignment } from '../optim/assignment';
import { paramsFromJson, paramsToJson, type FullParams } from '../model/params';
import type { ParamsJson, SolverResult, StopCode } from '../runner/types';
import { SOLVER_NAMES, type SolverName } from '../spec/types';
import { permutations } from './parameterError';
import { DEGENERACY_LABELS } from './degeneracyKinds';

/**
 * Two stationary runs reach the same optimum only if their objectives F agree within this, relative:
 * |F_a − F_b| ≤ 1e-5·(1 + |F|). The stopping rule lets a run stop with ‖∇F/n‖ up to 1e-3 (docs/stopping.md),
 * which leaves it short of the maximum by up to about n·‖∇F/n‖²/(2c): on NOdata (88 rows) EM, GD and Adam stop
 * at one optimum up to 7e-5 nats apart (8e-7 relative), so 1e-6 would split it; 1e-5 leaves a margin of ten.
 */
export const OPTIMUM_OBJECTIVE_TOLERANCE = 1e-5;
/**
 * ... and their parameters, aligned, agree within this relative distance. Runs that stopped by the gradient rule
 * at one optimum differ by about 1e-3 relative (NOdata: 6e-4 between EM and Adam); distinct optima differ by
 * order one.
 */
export const OPTIMUM_PARAMETER_TOLERANCE = 1e-2;
/** Up to this many experts, the best relabelling is found by trying all K! of them (720). */
export const BRUTE_FORCE_MAX_EXPERTS = 6;

/** A run's final result; its trace is not needed to group optima (the panel has results without traces). */
export type FinalResult = Omit<SolverResult, 'trace'>;

/** One run of a multi-start fit (restart is the 0-based index used in JSON and file names). */
export interface RunLabel {
  readonly solver: SolverName;
  readonly restart: number;
}

export interface Optimum {
  /** Total log-likelihood ℓ of the representative (the member with the highest objective). */
  readonly logLik: number;
  /** The objective F the solvers maximize (ℓ, minus the ridge penalty when there is one). */
  readonly objective: number;
  readonly aic: number;
  readonly bic: number;
  /** How many runs stopped at this optimum. */
  readonly starts: number;
  /** The runs that stopped here, in solver order then restart order. */
  readonly reachedBy: readonly RunLabel[];
  /** The run whose parameters are shown. */
  readonly representative: RunLabel;
  /** Largest relative parameter distance of a member from the representative (0 for one member). */
  readonly spread: number;
  /** The representative's parameters, experts in the best optimum's order (standardized / raw features). */
  readonly params: ParamsJson;
  readonly paramsRaw: ParamsJson;
  /**
   * Degenerate situations of the representative at its last iterate (docs/degenerate-fits.md), e.g.
   * "empty expert · expert 2": a stationary point all the same, but not a fit to call best. Absent when none.
   */
  readonly degenerate?: readonly string[];
}

/** A run that did not stop at a stationary point: listed, not counted as an optimum. */
export interface NonStationaryRun extends RunLabel {
  readonly stopReason: StopCode;
  readonly logLik: number;
}

export interface OptimaGrouping {
  /** Best (highest objective) first. */
  readonly optima: Optimum[];
  readonly notStationary: NonStationaryRun[];
}

export interface LabelAlignment {
  /** The run whose expert order every other run was put in (the best optimum, or the best run if none). */
  readonly reference: RunLabel;
  /** Runs whose experts were reordered. */
  readonly relabelled: readonly RunLabel[];
}

/** The fitted experts reordered to be closest to the reference's (the gate re-referenced to the new last expert). */
export function alignExperts(reference: FullParams, fitted: FullParams): FullParams {
  return permuteExperts(fitted, expertPermutation(reference, fitted));
}

/** permutation[k] = the fitted expert that takes label k (the one matched to the reference's expert k). */
export function expertPermutation(reference: FullParams, fitted: FullParams): number[] {
  return cheapestAssignment(expertCostMatrix(reference, fitted));
}

/**
 * The assignment of rows to columns with the least total cost: every permutation for K ≤ 6 (exact by
 * enumeration), the Hungarian method beyond.
 */
export function cheapestAssignment(cost: readonly (readonly number[])[]): number[] {
  const K = cost.length;
  if (K > BRUTE_FORCE_MAX_EXPERTS) return minimumCostAssignment(cost);
  let best = { total: Infinity, permutation: Array.from({ length: K }, (_, k) => k) };
  for (const permutation of permutations(K)) {
    let total = 0;
    for (let k = 0; k < K; k++) total += cost[k][permutation[k]];
    if (total < best.total) best = { total, permutation };
  }
  return best.permutation;
}

/** cost[k][j] = squared distance between the reference's expert k and the fitted expert j (gate row, β rows, σ). */
export function expertCostMatrix(reference: FullParams, fitted: FullParams): number[][] {
  assertSameShape(reference, fitted);
  const { K } = reference;
  const referenceGate = centredGate(reference);
  const fittedGate = centredGate(fitted);
  const block = reference.R * reference.p;
  return Array.from({ length: K }, (_, k) =>
    Array.from({ length: K }, (_, j) => {
      let squares = 0;
      for (let c = 0; c < reference.p; c++) squares += (referenceGate[k * reference.p + c] - fittedGate[j * reference.p + c]) ** 2;
      for (let c = 0; c < block; c++) squares += (reference.beta[k * block + c] - fitted.beta[j * block + c]) ** 2;
      if (reference.sigma && fitted.sigma) squares += (reference.sigma[k] - fitted.sigma[j]) ** 2;
      return squares;
    }),
  );
}

/** Expert k of the result is expert permutation[k] of `params`; the gate is re-referenced to the new last expert. */
export function permuteExperts(params: FullParams, permutation: readonly number[]): FullParams {
  const { K, p, R } = params;
  if (permutation.length !== K || new Set(permutation).size !== K || permutation.some((k) => !(k >= 0 && k < K))) {
    throw new Error(`not a permutation of ${K} experts: [${permutation.join(', ')}]`);
  }
  const last = permutation[K - 1];
  const W = new Float64Array(K * p);
  for (let k = 0; k < K; k++) {
    for (let c = 0; c < p; c++) W[k * p + c] = params.W[permutation[k] * p + c] - params.W[last * p + c];
  }
  const block = R * p;
  const beta = new Float64Array(K * block);
  for (let k = 0; k < K; k++) beta.set(params.beta.subarray(permutation[k] * block, (permutation[k] + 1) * block), k * block);
  const sigma = params.sigma ? Float64Array.from(permutation, (k) => params.sigma![k]) : undefined;
  return { K, p, R, W, beta, sigma };
}

/** ‖a − b‖ / (1 + ‖b‖) over (centred gate rows, β, σ), without relabelling. */
export function relativeParameterDistance(a: FullParams, b: FullParams): number {
  assertSameShape(a, b);
  const va = comparisonVector(a);
  const vb = comparisonVector(b);
  let difference = 0;
  let norm = 0;
  for (let i = 0; i < va.length; i++) {
    difference += (va[i] - vb[i]) ** 2;
    norm += vb[i] ** 2;
  }
  return Math.sqrt(difference) / (1 + Math.sqrt(norm));
}

/**
 * Every run's experts put in the order of a reference run: the best stationary run (highest objective among
 * those that `converged`), or the best finite run when none converged. The parameters (standardized and raw) and
 * the per-iteration mixing weights are relabelled; runs already in the reference's order are returned as they are.
 * Notes and warnings keep the numbers the run used while it went on (they were said before the reference was
 * known); a relabelled result's `expertOrder` translates them.
 */
export function alignRunLabels(results: readonly SolverResult[]): { results: SolverResult[]; alignment?: LabelAlignment } {
  const usable = results.filter(hasFiniteParams);
  const converged = usable.filter((r) => r.stopReason === 'converged');
  const reference = bestOf(converged.filter((r) => !r.degeneracies?.length)) ?? bestOf(converged) ?? bestOf(usable);
  if (!reference) return { results: [...results] };
  const referenceParams = paramsFromJson(reference.params);
  const relabelled: RunLabel[] = [];
  const aligned = results.map((result) => {
    if (!hasFiniteParams(result)) return result;
    const permutation = expertPermutation(referenceParams, paramsFromJson(result.params));
    if (permutation.every((k, index) => k === index)) return result;
    relabelled.push(labelOf(result));
    return relabelResult(result, permutation);
  });
  return { results: aligned, alignment: { reference: labelOf(reference), relabelled } };
}

/**
 * The distinct optima among the runs that stopped at a stationary point (stopReason 'converged'): two runs share
 * an optimum when their objectives agree within OPTIMUM_OBJECTIVE_TOLERANCE (relative) and their parameters,
 * after the best relabelling, within OPTIMUM_PARAMETER_TOLERANCE. Each run joins the first (best) optimum it
 * matches, comparing with that optimum's representative. Other runs are listed in `notStationary`.
 */
export function groupOptima(results: readonly FinalResult[]): OptimaGrouping {
  const stationary = results.filter((r) => r.stopReason === 'converged' && Number.isFinite(r.objective) && hasFiniteParams(r)).sort(byObjectiveThenLabel);
  const groups: { representative: FinalResult; params: FullParams; members: FinalResult[]; spread: number }[] = [];
  for (const result of stationary) {
    const params = paramsFromJson(result.params);
    const sameObjective = (objective: number) => Math.abs(objective - result.objective) <= OPTIMUM_OBJECTIVE_TOLERANCE * (1 + Math.abs(objective));
    const distanceTo = (reference: FullParams) => relativeParameterDistance(alignExperts(reference, params), reference);
    let match: { group: (typeof groups)[number]; distance: number } | undefined;
    for (const group of groups) {
      if (!sameObjective(group.representative.objective)) continue;
      const distance = distanceTo(group.params);
      if (distance <= OPTIMUM_PARAMETER_TOLERANCE) {
        match = { group, distance };
        break;
      }
    }
    if (match) {
      match.group.members.push(result);
      match.group.spread = Math.max(match.group.spread, match.distance);
    } else {
      groups.push({ representative: result, params, members: [result], spread: 0 });
    }
  }
  const bestParams = groups[0]?.params;
  const optima = groups.map(({ representative, params, members, spread }): Optimum => {
    const permutation = bestParams ? expertPermutation(bestParams, params) : [];
    return {
      logLik: representative.logLik,
      objective: representative.objective,
      aic: representative.aic,
      bic: representative.bic,
      starts: members.length,
      reachedBy: members.map(labelOf).sort(byLabel),
      representative: labelOf(representative),
      spread,
      params: relabelParams(representative.params, permutation),
      paramsRaw: relabelParams(representative.paramsRaw, permutation),
      ...(representative.degeneracies?.length
        ? { degenerate: representative.degeneracies.map((d) => `${DEGENERACY_LABELS[d.kind]} · ${d.block}`) }
        : {}),
    };
  });
  const notStationary = results
    .filter((r) => !stationary.includes(r))
    .map((r): NonStationaryRun => ({ ...labelOf(r), stopReason: r.stopReason, logLik: r.logLik }))
    .sort(byLabel);
  return { optima, notStationary };
}

/**
 * A result with its experts reordered: expert k becomes the old expert permutation[k]. The notes in its trace keep
 * the run's own numbers, as the warnings said them while the run went on; `expertOrder` maps one to the other.
 */
function relabelResult(result: SolverResult, permutation: readonly number[]): SolverResult {
  if (permutation.every((k, index) => k === index)) return result;
  return {
    ...result,
    params: relabelParams(result.params, permutation),
    paramsRaw: relabelParams(result.paramsRaw, permutation),
    trace: result.trace.map((report) => ({
      ...report,
      mixingWeights: permutation.map((old) => report.mixingWeights[old]),
      ...(report.gateWeights ? { gateWeights: permutation.map((old) => report.gateWeights![old]) } : {}),
    })),
    expertOrder: [...permutation],
  };
}

function relabelParams(params: ParamsJson, permutation: readonly number[]): ParamsJson {
  if (permutation.every((k, index) => k === index)) return params;
  return paramsToJson(permuteExperts(paramsFromJson(params), permutation));
}

function centredGate(params: FullParams): Float64Array {
  const { K, p } = params;
  const centred = params.W.slice();
  for (let c = 0; c < p; c++) {
    let mean = 0;
    for (let k = 0; k < K; k++) mean += params.W[k * p + c] / K;
    for (let k = 0; k < K; k++) centred[k * p + c] -= mean;
  }
  return centred;
}

function comparisonVector(params: FullParams): number[] {
  return [...centredGate(params), ...params.beta, ...(params.sigma ?? [])];
}

function assertSameShape(a: FullParams, b: FullParams): void {
  if (a.K !== b.K || a.p !== b.p || a.R !== b.R || Boolean(a.sigma) !== Boolean(b.sigma)) {
    throw new Error(`cannot compare fits of different shapes: K=${a.K}, p=${a.p}, R=${a.R} against K=${b.K}, p=${b.p}, R=${b.R}`);
  }
}

/** "em 1-3, 5; adam 2": runs by solver, restarts counted from 1 as people read them, consecutive ones as ranges. */
export function formatRuns(runs: readonly RunLabel[], solverName: (solver: SolverName) => string = (solver) => solver): string {
  const bySolver = new Map<SolverName, number[]>();
  for (const run of [...runs].sort(byLabel)) bySolver.set(run.solver, [...(bySolver.get(run.solver) ?? []), run.restart + 1]);
  return [...bySolver].map(([solver, restarts]) => `${solverName(solver)} ${restartRanges(restarts)}`).join('; ');
}

function restartRanges(sorted: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    ranges.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return ranges.join(', ');
}

/** False also for a result without parameters (a stored run as the panel may receive it). */
function hasFiniteParams(result: FinalResult): boolean {
  const params = result.params as ParamsJson | undefined;
  if (!params || !Array.isArray(params.W) || !Array.isArray(params.beta)) return false;
  return [params.W, params.beta, params.sigma ?? []].every((values) => (values as unknown[]).flat(2).every((v) => Number.isFinite(v)));
}

function bestOf<T extends FinalResult>(results: readonly T[]): T | undefined {
  return results.filter((r) => Number.isFinite(r.objective)).sort(byObjectiveThenLabel)[0];
}

function byObjectiveThenLabel(a: FinalResult, b: FinalResult): number {
  return b.objective - a.objective || byLabel(a, b);
}

function byLabel(a: RunLabel, b: RunLabel): number {
  return SOLVER_NAMES.indexOf(a.solver) - SOLVER_NAMES.indexOf(b.solver) || a.restart - b.restart;
}

function labelOf(result: RunLabel): RunLabel {
  return { solver: result.solver, restart: result.restart };
}
