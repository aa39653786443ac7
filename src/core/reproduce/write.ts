/**
 * Writes a reproduction's `results.json` and `report.md` into a folder (each through a temporary file and a
 * rename, so a killed run never leaves half a file). PNG charts are rendered by the caller in between (they need a
 * browser, which the core does not touch).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic, writeTextAtomic } from '../runner/results';
import type { ReproductionResults } from './reproduce';
import { renderReport, type ReportMeta } from './report';

export interface WrittenReproduction {
  readonly dir: string;
  readonly results: string;
  readonly report: string;
}

export async function writeResultsJson(dir: string, results: ReproductionResults): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, 'results.json');
  await writeJsonAtomic(file, results);
  return file;
}

export async function writeReproduction(dir: string, results: ReproductionResults, meta: ReportMeta): Promise<WrittenReproduction> {
  const resultsFile = await writeResultsJson(dir, results);
  const report = path.join(dir, 'report.md');
  await writeTextAtomic(report, renderReport(results, meta));
  return { dir, results: resultsFile, report };
}
