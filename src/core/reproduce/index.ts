/** The reproduction's public surface (CLI, extension worker, tests). */
export { runReproduction, resolveExperiments, buildChecks, type ReproductionResults, type EqualTimeResult } from './reproduce';
export { renderReport, duration, PAPER_LABEL, SUMMARY_LABEL, SUMMARY_SECTION_LABEL, type ReportMeta } from './report';
export { buildCharts } from './charts';
export { band, iterationCurve, timeCurve, quantile, type Band, type Curve } from './aggregate';
export { ReproductionCancelled } from './common';
export { EXPERIMENT_NAMES, type ExperimentName, type ReproduceOptions, type ReproduceProgress, type Check, type ChartSpec, type ChartSeries } from './types';
export { writeReproduction, type WrittenReproduction } from './write';
