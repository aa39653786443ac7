/**
 * Messages between the extension host and the convergence panel's webview (DESIGN §5), and the run data they
 * carry. Imported by both sides: `src/extension/panel` (host) and `webview/panel` (browser).
 *
 * Flow: the webview posts `ready`; the host answers with a `snapshot` of the run it shows (if any), then streams
 * `update`s — append-only slices of each solver/restart trace, at most `panelUpdatesPerSecond` per second, never
 * dropping a point (each slice says the index it starts at, so a gap is detected and healed by `resync`). The
 * webview acknowledges each snapshot and update with `runShown`; the host sends nothing more until then.
 *
 * Every message is validated on arrival: `parseFromWebview` on the host, `parseToWebview` in the webview.
 * VS Code serializes webview messages as JSON, so non-finite numbers arrive as `null`; the validators accept that.
 * Browser-safe: no Node or VS Code imports.
 */
import { EXPERIMENT_NAMES, type ChartSeries, type ChartSpec, type ExperimentName } from '../core/reproduce/types';
import type { Degeneracy } from '../core/diagnostics/degeneracyKinds';
import { RETROSPECTIVE_METRICS, TRACE_METRICS, type RetrospectiveColumns } from '../core/runner/traceColumns';
import type { DataSample } from '../core/runner/dataSample';
import type { DatasetSummary, IterationReport, ParamsJson, SolverResult, StopCode } from '../core/runner/types';
import type { SolverName } from '../core/spec/types';
import type { SpecDifference } from '../core/spec/specDiff';
import {
  isArrayOf,
  isBoolean,
  isFiniteNumber,
  isNonNegativeInteger,
  isNumberOrNull,
  isOptionalNumber,
  isRecord,
  isSolverName,
  isString,
  isStringArray,
} from './guards';

// ---------------------------------------------------------------------------------------------------------------
// Run data shown by the panel

/** `interrupted`: a run whose worker died before it finished (window reload, crash), read back from its `.partial` folder. */
export type RunStatus = 'running' | 'finished' | 'cancelled' | 'failed' | 'interrupted';

/** What the panel needs to know about a run before its first iteration. */
export interface PanelRunHeader {
  readonly runId: string;
  readonly name: string;
  /** `live`: streaming from a worker now; `stored`: read back from a results folder. */
  readonly origin: 'live' | 'stored';
  readonly dataset: DatasetSummary;
  readonly solvers: readonly SolverName[];
  readonly restarts: number;
  readonly experts: number;
  readonly parameterCount: number;
  readonly maxIterations: number;
  /** The accelerator of EM's map, when the spec asked for one: EM's rows are then "EM + SQUAREM" / "EM + DAAREM". */
  readonly emAcceleration?: 'squarem' | 'daarem';
  /** ISO time the run started. */
  readonly startedAt: string;
  /** Training rows for the expert scatter (live runs with one or two features; ≤ 2 000 rows). */
  readonly sample?: DataSample;
}

/**
 * A solver's final metrics for one restart. Its trace travels separately, as it is computed; `retrospective` holds
 * the trace's values that are known only once the solver stopped (one entry per report), for the receiver to fill in.
 */
export type PanelResult = Omit<SolverResult, 'trace'> & { readonly retrospective?: RetrospectiveColumns };

/** The iterations of one solver and restart from index `from` on (`from` = how many the receiver already has). */
export interface SeriesSlice {
  readonly solver: SolverName;
  readonly restart: number;
  readonly from: number;
  readonly reports: readonly IterationReport[];
}

export interface RunEnd {
  readonly status: RunStatus;
  /** Results folder of the run (absent when nothing was written). */
  readonly resultsDir?: string;
  /** The run's duration; for `interrupted`, the compute time of the solvers it completed (a lower bound). */
  readonly seconds?: number;
  /** Why the run failed, for `failed`; what an `interrupted` run's folder holds. */
  readonly error?: string;
}

/** Everything about a run: what a newly (re)loaded webview gets, and what its saved state holds. */
export interface PanelSnapshot {
  readonly header: PanelRunHeader;
  readonly series: readonly SeriesSlice[];
  readonly results: readonly PanelResult[];
  readonly warnings: readonly string[];
  readonly end: RunEnd;
}

/**
 * A paper reproduction (MoE Lab: Reproduce Paper Experiments) as the panel shows it: the mean curves with their
 * bands (`ChartSpec`s of src/core/reproduce, the same data the CLI renders to PNG), grouped by experiment.
 */
export interface PanelReproduction {
  /** The output folder's name (`reproduction-<timestamp>`). */
  readonly id: string;
  readonly title: string;
  readonly status: 'finished' | 'cancelled';
  /** The report.md written into the output folder (absolute). */
  readonly reportPath: string;
  readonly seconds: number;
  readonly charts: readonly ChartSpec[];
  /** The guarantees checked on this run (the report has the details). */
  readonly checks: readonly ReproductionCheck[];
  /** Experiments asked for but not reported (cancelled, no data set, failed), with why. */
  readonly skipped: readonly { readonly name: ExperimentName; readonly reason: string }[];
}

export interface ReproductionCheck {
  readonly experiment: ExperimentName;
  readonly name: string;
  readonly passed: boolean;
}

/**
 * Several stored runs overlaid on the same charts (issue 17.2, MoE Lab: Compare Runs): each run's snapshot (the
 * best restart of each solver), and the fields in which their stored specs differ.
 */
export interface PanelComparison {
  /** Names the comparison (state, tests): `compare-<first run id>-<count>`. */
  readonly id: string;
  readonly title: string;
  readonly runs: readonly ComparedRun[];
  readonly differences: readonly SpecDifference[];
}

export interface ComparedRun {
  /** How the legend, the tables and the tooltips name the run. */
  readonly label: string;
  readonly snapshot: PanelSnapshot;
}

// ---------------------------------------------------------------------------------------------------------------
// To webview

/** Replace whatever the panel shows with this run (after `ready`, on a new run, or when results are opened). */
export interface SnapshotMessage {
  readonly type: 'snapshot';
  readonly snapshot: PanelSnapshot;
}

/** New iterations, finished solvers, warnings and possibly the run's end, for the run the panel shows. */
export interface UpdateMessage {
  readonly type: 'update';
  readonly runId: string;
  readonly series: readonly SeriesSlice[];
  readonly results: readonly PanelResult[];
  readonly warnings: readonly string[];
  readonly end: RunEnd;
}

/** The host finished writing an export (or the user dismissed the save dialog). */
export interface ExportedMessage {
  readonly type: 'exported';
  readonly kind: 'png' | 'csv';
  /** Where it was written; absent when cancelled. */
  readonly file?: string;
}

/** Show a paper reproduction instead of a run (a later `snapshot` switches back to a run). */
export interface ReproductionMessage {
  readonly type: 'reproduction';
  readonly reproduction: PanelReproduction;
}

/** Show several runs overlaid instead of one run (a later `snapshot` switches back to a run). */
export interface ComparisonMessage {
  readonly type: 'comparison';
  readonly comparison: PanelComparison;
}

export type ToWebviewMessage = SnapshotMessage | UpdateMessage | ExportedMessage | ReproductionMessage | ComparisonMessage;

// ---------------------------------------------------------------------------------------------------------------
// From webview

/**
 * The webview is listening; `runId` is the run it restored from its saved state, if any, or `reproductionId` the
 * reproduction it restored (then it shows that, and the host does not push an older run over it).
 */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly runId?: string;
  readonly reproductionId?: string;
  /** The comparison it restored (kept like a reproduction). */
  readonly comparisonId?: string;
}

/** The webview found a gap in a series (or another inconsistency) and asks for a fresh snapshot. */
export interface ResyncMessage {
  readonly type: 'resync';
  readonly runId: string;
}

/** The user pressed Stop in the panel. */
export interface StopRunMessage {
  readonly type: 'stopRun';
  readonly runId: string;
}

/** Save one chart as PNG: the webview rendered it, the host asks where and writes it. */
export interface ExportPngMessage {
  readonly type: 'exportPng';
  readonly chart: string;
  readonly suggestedName: string;
  /** `data:image/png;base64,…` */
  readonly dataUrl: string;
}

/** Save the traces as CSV (one row per solver, restart and iteration), built by the webview from what it shows. */
export interface ExportCsvMessage {
  readonly type: 'exportCsv';
  readonly suggestedName: string;
  readonly csv: string;
}

/** Show the run's results folder in the explorer. */
export interface RevealResultsMessage {
  readonly type: 'revealResults';
  readonly resultsDir: string;
}

/** Open the shown reproduction's report.md (the host opens only a report.md inside the workspace). */
export interface OpenReportMessage {
  readonly type: 'openReport';
  readonly reportPath: string;
}

/** The webview drew a reproduction's charts (the host's status, for tests and the log). */
export interface ReproductionShownMessage {
  readonly type: 'reproductionShown';
  readonly reproductionId: string;
  readonly charts: number;
}

/**
 * The webview drew a run, after each snapshot and each update it applied (`reports`: how many it holds, over every
 * solver and restart). The host sends the next update only after this acknowledgement (at most one in flight), and
 * times from it how long the panel took to show a starting run.
 */
export interface RunShownMessage {
  readonly type: 'runShown';
  readonly runId: string;
  readonly reports: number;
  /** How long the webview took to apply and draw the message (ms). */
  readonly ms?: number;
}

/** The webview drew a comparison: its charts, their datasets, and the charts it left out with why. */
export interface ComparisonShownMessage {
  readonly type: 'comparisonShown';
  readonly comparisonId: string;
  readonly charts: number;
  readonly datasets: number;
  readonly hidden: readonly string[];
}

/** A problem inside the webview, for the output channel. */
export interface LogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

export type FromWebviewMessage =
  | ReadyMessage
  | ResyncMessage
  | StopRunMessage
  | ExportPngMessage
  | ExportCsvMessage
  | RevealResultsMessage
  | OpenReportMessage
  | ReproductionShownMessage
  | RunShownMessage
  | ComparisonShownMessage
  | LogMessage;

/** The panel's webview type (also the serializer's key). */
export const PANEL_VIEW_TYPE = 'moeLab.convergencePanel';

/** Largest accepted PNG data URL and CSV text (characters). */
export const MAX_EXPORT_CHARS = 64 * 1024 * 1024;
const MAX_NAME = 200;
/** Most charts, series per chart and points per series a reproduction message may carry. */
const MAX_CHARTS = 500;
const MAX_SERIES = 100;
const MAX_POINTS = 1_000_000;
const ID_PATTERN = /^[\w.-]{1,200}$/;

// ---------------------------------------------------------------------------------------------------------------
// Validators

/** The message if it is a well-formed message from the webview, else undefined. */
export function parseFromWebview(value: unknown): FromWebviewMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  switch (value.type) {
    case 'ready':
      return (value.runId === undefined || isRunId(value.runId)) &&
        (value.reproductionId === undefined || isRunId(value.reproductionId)) &&
        (value.comparisonId === undefined || isRunId(value.comparisonId))
        ? {
            type: 'ready',
            ...(value.runId === undefined ? {} : { runId: value.runId as string }),
            ...(value.reproductionId === undefined ? {} : { reproductionId: value.reproductionId as string }),
            ...(value.comparisonId === undefined ? {} : { comparisonId: value.comparisonId as string }),
          }
        : undefined;
    case 'resync':
      return isRunId(value.runId) ? { type: 'resync', runId: value.runId } : undefined;
    case 'stopRun':
      return isRunId(value.runId) ? { type: 'stopRun', runId: value.runId } : undefined;
    case 'exportPng':
      return isString(value.chart, MAX_NAME) &&
        isString(value.suggestedName, MAX_NAME) &&
        isString(value.dataUrl, MAX_EXPORT_CHARS) &&
        value.dataUrl.startsWith('data:image/png;base64,')
        ? { type: 'exportPng', chart: value.chart, suggestedName: value.suggestedName, dataUrl: value.dataUrl }
        : undefined;
    case 'exportCsv':
      return isString(value.suggestedName, MAX_NAME) && isString(value.csv, MAX_EXPORT_CHARS)
        ? { type: 'exportCsv', suggestedName: value.suggestedName, csv: value.csv }
        : undefined;
    case 'revealResults':
      return isString(value.resultsDir, 4096) && value.resultsDir.length > 0 ? { type: 'revealResults', resultsDir: value.resultsDir } : undefined;
    case 'openReport':
      return isString(value.reportPath, 4096) && /(^|[\\/])report\.md$/.test(value.reportPath) ? { type: 'openReport', reportPath: value.reportPath } : undefined;
    case 'reproductionShown':
      return isRunId(value.reproductionId) && isNonNegativeInteger(value.charts, MAX_CHARTS)
        ? { type: 'reproductionShown', reproductionId: value.reproductionId, charts: value.charts }
        : undefined;
    case 'runShown':
      return isRunId(value.runId) && isNonNegativeInteger(value.reports) && (value.ms === undefined || (isFiniteNumber(value.ms) && value.ms >= 0))
        ? { type: 'runShown', runId: value.runId, reports: value.reports, ...(value.ms === undefined ? {} : { ms: value.ms }) }
        : undefined;
    case 'comparisonShown':
      return isRunId(value.comparisonId) &&
        isNonNegativeInteger(value.charts, MAX_CHARTS) &&
        isNonNegativeInteger(value.datasets, 100_000) &&
        isStringArray(value.hidden, MAX_CHARTS, 1000)
        ? { type: 'comparisonShown', comparisonId: value.comparisonId, charts: value.charts, datasets: value.datasets, hidden: value.hidden }
        : undefined;
    case 'log':
      return (value.level === 'info' || value.level === 'warn' || value.level === 'error') && isString(value.message, 20_000)
        ? { type: 'log', level: value.level, message: value.message }
        : undefined;
    default:
      return undefined;
  }
}

/** The message if it is a well-formed message from the host, else undefined (used by the webview). */
export function parseToWebview(value: unknown): ToWebviewMessage | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  switch (value.type) {
    case 'snapshot':
      return isSnapshot(value.snapshot) ? (value as unknown as SnapshotMessage) : undefined;
    case 'update':
      return isRunId(value.runId) &&
        isArrayOf(value.series, isSeriesSlice) &&
        isArrayOf(value.results, isPanelResult) &&
        isStringArray(value.warnings) &&
        isRunEnd(value.end)
        ? (value as unknown as UpdateMessage)
        : undefined;
    case 'exported':
      return (value.kind === 'png' || value.kind === 'csv') && (value.file === undefined || isString(value.file, 4096))
        ? (value as unknown as ExportedMessage)
        : undefined;
    case 'reproduction':
      return isPanelReproduction(value.reproduction) ? (value as unknown as ReproductionMessage) : undefined;
    case 'comparison':
      return isPanelComparison(value.comparison) ? (value as unknown as ComparisonMessage) : undefined;
    default:
      return undefined;
  }
}

export function isRunId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function isSnapshot(value: unknown): value is PanelSnapshot {
  return (
    isRecord(value) &&
    isRunHeader(value.header) &&
    isArrayOf(value.series, isSeriesSlice) &&
    isArrayOf(value.results, isPanelResult) &&
    isStringArray(value.warnings) &&
    isRunEnd(value.end)
  );
}

export function isRunHeader(value: unknown): value is PanelRunHeader {
  return (
    isRecord(value) &&
    isRunId(value.runId) &&
    isString(value.name, 1000) &&
    (value.origin === 'live' || value.origin === 'stored') &&
    isDatasetSummary(value.dataset) &&
    isArrayOf(value.solvers, isSolverName, 4) &&
    isNonNegativeInteger(value.restarts, 10_000) &&
    isNonNegativeInteger(value.experts, 10_000) &&
    isNonNegativeInteger(value.parameterCount) &&
    isNonNegativeInteger(value.maxIterations) &&
    (value.emAcceleration === undefined || value.emAcceleration === 'squarem' || value.emAcceleration === 'daarem') &&
    isString(value.startedAt, 100) &&
    (value.sample === undefined || isDataSample(value.sample))
  );
}

/** Largest data sample a message may carry (the runner sends at most 2 000 rows). */
const MAX_SAMPLE_ROWS = 10_000;

/** One or two feature columns and a target, all of one length, finite numbers. */
export function isDataSample(value: unknown): value is DataSample {
  if (!isRecord(value) || !isNonNegativeInteger(value.rows) || !isArrayOf(value.y, isFiniteNumber, MAX_SAMPLE_ROWS)) return false;
  const length = (value.y as unknown[]).length;
  return (
    Array.isArray(value.x) &&
    (value.x.length === 1 || value.x.length === 2) &&
    value.x.every((column) => isArrayOf(column, isFiniteNumber, MAX_SAMPLE_ROWS) && (column as unknown[]).length === length)
  );
}

/** Fitted parameters: K × p gate and expert rows (K × (C − 1) × p for categorical experts), σ per expert; null = non-finite. */
export function isParamsJson(value: unknown): value is ParamsJson {
  if (!isRecord(value) || !isMatrix(value.W)) return false;
  const K = (value.W as unknown[]).length;
  const p = K > 0 ? (value.W as unknown[][])[0].length : 0;
  const rowOk = (row: unknown) => Array.isArray(row) && row.length === p && row.every(isNumberLike);
  const betaOk =
    Array.isArray(value.beta) &&
    value.beta.length === K &&
    value.beta.every((expert) => rowOk(expert) || (Array.isArray(expert) && expert.length <= 1000 && expert.every(rowOk)));
  return betaOk && (value.sigma === undefined || isArrayOf(value.sigma, isNumberLike, K));
}

function isMatrix(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0 || value.length > 10_000 || !Array.isArray(value[0])) return false;
  const p = value[0].length;
  return p <= 100_000 && value.every((row) => Array.isArray(row) && row.length === p && row.every(isNumberLike));
}

export function isDatasetSummary(value: unknown): value is DatasetSummary {
  return (
    isRecord(value) &&
    isString(value.source, 4096) &&
    isNonNegativeInteger(value.rows) &&
    isNonNegativeInteger(value.testRows) &&
    isStringArray(value.features) &&
    isString(value.target) &&
    (value.family === 'gaussian' || value.family === 'bernoulli' || value.family === 'categorical') &&
    (value.classes === undefined || isStringArray(value.classes)) &&
    isBoolean(value.truthKnown) &&
    isOptionalNumberOrNull(value.truthSnr) &&
    isOptionalNumberOrNull(value.truthLogLik)
  );
}

const STOP_CODES: readonly StopCode[] = ['converged', 'stalled', 'maxIterations', 'timeBudget', 'cancelled', 'diverged'];

function isDegeneracy(value: unknown): value is Degeneracy {
  return isRecord(value) && isString(value.kind) && isNonNegativeInteger(value.iteration) && isString(value.block) && isString(value.message);
}

export function isPanelResult(value: unknown): value is PanelResult {
  return (
    isRecord(value) &&
    isSolverName(value.solver) &&
    isNonNegativeInteger(value.restart) &&
    isNonNegativeInteger(value.iterations) &&
    isBoolean(value.converged) &&
    STOP_CODES.includes(value.stopReason as StopCode) &&
    isString(value.stopMessage) &&
    isNumberOrNull(value.logLik) &&
    isNumberOrNull(value.objective) &&
    isNumberOrNull(value.seconds) &&
    isBoolean(value.best) &&
    (value.degeneracies === undefined || isArrayOf(value.degeneracies, isDegeneracy)) &&
    (value.paramsRaw === undefined || isParamsJson(value.paramsRaw)) &&
    (value.expertOrder === undefined || isArrayOf(value.expertOrder, isNonNegativeIntegerValue, 10_000)) &&
    ['testLogLik', 'trainAccuracy', 'testAccuracy', 'trainRmse', 'testRmse', 'parameterError', 'gateError', 'aic', 'bic', 'cappedMSteps'].every((key) =>
      isOptionalNumberOrNull(value[key]),
    ) &&
    (value.retrospective === undefined || isRetrospectiveColumns(value.retrospective))
  );
}

function isRetrospectiveColumns(value: unknown): value is RetrospectiveColumns {
  return isRecord(value) && RETROSPECTIVE_METRICS.every((metric) => Array.isArray(value[metric]) && (value[metric] as unknown[]).every(isNumberOrNull));
}

/** Fields of an iteration report the panel reads, each a number (null when non-finite) or absent. */
const REPORT_NUMBERS = TRACE_METRICS;

export function isIterationReport(value: unknown): value is IterationReport {
  return (
    isRecord(value) &&
    isNonNegativeInteger(value.iteration) &&
    isFiniteNumber(value.seconds) &&
    REPORT_NUMBERS.every((key) => isOptionalNumberOrNull(value[key])) &&
    (value.mixingWeights === undefined || isArrayOf(value.mixingWeights, isNumberLike)) &&
    (value.gateWeights === undefined || isArrayOf(value.gateWeights, isNumberLike))
  );
}

export function isSeriesSlice(value: unknown): value is SeriesSlice {
  return (
    isRecord(value) &&
    isSolverName(value.solver) &&
    isNonNegativeInteger(value.restart) &&
    isNonNegativeInteger(value.from) &&
    isArrayOf(value.reports, isIterationReport)
  );
}

export function isRunEnd(value: unknown): value is RunEnd {
  return (
    isRecord(value) &&
    (value.status === 'running' || value.status === 'finished' || value.status === 'cancelled' || value.status === 'failed' || value.status === 'interrupted') &&
    (value.resultsDir === undefined || isString(value.resultsDir, 4096)) &&
    isOptionalNumber(value.seconds) &&
    (value.error === undefined || isString(value.error))
  );
}

function isOptionalNumberOrNull(value: unknown): boolean {
  return value === undefined || value === null || typeof value === 'number';
}

function isNonNegativeIntegerValue(value: unknown): value is number {
  return isNonNegativeInteger(value);
}

function isNumberLike(value: unknown): value is number {
  return value === null || typeof value === 'number';
}

export function isPanelReproduction(value: unknown): value is PanelReproduction {
  return (
    isRecord(value) &&
    isRunId(value.id) &&
    isString(value.title, 1000) &&
    (value.status === 'finished' || value.status === 'cancelled') &&
    isString(value.reportPath, 4096) &&
    isFiniteNumber(value.seconds) &&
    isArrayOf(value.charts, isChartSpec, MAX_CHARTS) &&
    isArrayOf(value.checks, isReproductionCheck, 1000) &&
    isArrayOf(value.skipped, isSkippedExperiment, 100)
  );
}

/** Most runs one comparison overlays. */
export const MAX_COMPARED_RUNS = 24;

export function isPanelComparison(value: unknown): value is PanelComparison {
  return (
    isRecord(value) &&
    isRunId(value.id) &&
    isString(value.title, 1000) &&
    isArrayOf(value.runs, isComparedRun, MAX_COMPARED_RUNS) &&
    value.runs.length > 0 &&
    isArrayOf(value.differences, (d): d is SpecDifference => isSpecDifference(d, (value.runs as unknown[]).length), 10_000)
  );
}

function isComparedRun(value: unknown): value is ComparedRun {
  return isRecord(value) && isString(value.label, 1000) && isSnapshot(value.snapshot);
}

function isSpecDifference(value: unknown, runs: number): value is SpecDifference {
  return (
    isRecord(value) &&
    isString(value.path, 1000) &&
    Array.isArray(value.values) &&
    value.values.length === runs &&
    value.values.every((v) => v === null || isString(v, 10_000))
  );
}

export function isSkippedExperiment(value: unknown): value is PanelReproduction['skipped'][number] {
  return isRecord(value) && isExperimentName(value.name) && isString(value.reason, 100_000);
}

export function isReproductionCheck(value: unknown): value is ReproductionCheck {
  return isRecord(value) && isExperimentName(value.experiment) && isString(value.name, 1000) && isBoolean(value.passed);
}

export function isExperimentName(value: unknown): value is ExperimentName {
  return typeof value === 'string' && (EXPERIMENT_NAMES as readonly string[]).includes(value);
}

/** A reproduction chart: ids name PNG files and DOM attributes, so they follow the run-id pattern. */
export function isChartSpec(value: unknown): value is ChartSpec {
  return (
    isRecord(value) &&
    isRunId(value.id) &&
    isExperimentName(value.experiment) &&
    isString(value.title, 1000) &&
    isString(value.xLabel, 1000) &&
    isString(value.yLabel, 1000) &&
    (value.xLog === undefined || isBoolean(value.xLog)) &&
    isBoolean(value.yLog) &&
    isArrayOf(value.series, isChartSeries, MAX_SERIES)
  );
}

function isChartSeries(value: unknown): value is ChartSeries {
  if (!isRecord(value) || !isString(value.label, 1000)) return false;
  if (!(value.solver === undefined || value.solver === 'baseline' || isSolverName(value.solver))) return false;
  if (!(value.dashed === undefined || isBoolean(value.dashed)) || !(value.pointsOnly === undefined || isBoolean(value.pointsOnly))) return false;
  // Values may be null (no value there, or non-finite before JSON); every array has one entry per x.
  if (!isArrayOf(value.x, isNumberLike, MAX_POINTS)) return false;
  const sameLength = (values: unknown) => isArrayOf(values, isNumberLike, MAX_POINTS) && values.length === (value.x as unknown[]).length;
  return sameLength(value.y) && (value.lower === undefined || sameLength(value.lower)) && (value.upper === undefined || sameLength(value.upper));
}
