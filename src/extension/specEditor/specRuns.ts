/**
 * The spec form's Results list (no VS Code import, so the unit tier reads real run folders with it): the finished
 * runs of one spec in its results folder, newest first — the runs directly in the folder and those inside its sweep
 * folders (a sweep writes one run folder per combination into `<id>-sweep/`; their spec.json names the spec file).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PARTIAL_SUFFIX } from '../../core/runner/results';
import type { RunEntry } from '../../protocol/specEditorMessages';
import { isSweepFolder } from '../results/storedRuns';

const MAX_RUNS = 8;

/** The results folder of a spec (its `resultsDir`, relative to the spec's folder). */
export function resultsFolderOf(specFile: string, resultsDir: string): string {
  return path.resolve(path.dirname(specFile), resultsDir);
}

/** Which spec's runs to list: its file, and its name for runs whose folder does not record the file. */
export interface SpecIdentity {
  readonly file: string;
  readonly name?: string;
}

/**
 * Whether a run folder holds a run of this spec: its spec.json names the spec file (relative to the run folder);
 * a folder written before that was recorded (or by a fit from a CSV, which has no spec file) counts when its
 * run name is the spec's name.
 */
export function isRunOfSpec(runDir: string, recordedSpecFile: unknown, runName: unknown, spec: SpecIdentity): boolean {
  if (typeof recordedSpecFile === 'string' && recordedSpecFile.length > 0) {
    return samePath(path.resolve(runDir, recordedSpecFile), spec.file);
  }
  return spec.name !== undefined && runName === spec.name;
}

function samePath(a: string, b: string): boolean {
  const normalize = (p: string) => (process.platform === 'win32' || process.platform === 'darwin' ? path.resolve(p).toLowerCase() : path.resolve(p));
  return normalize(a) === normalize(b);
}

/** A candidate run folder: its id (path under the results folder, `/`-separated) and the label the list shows. */
interface Candidate {
  readonly id: string;
  readonly label: string;
}

/**
 * Finished runs of `spec` (folders with a summary.json, not `.partial`) under `folder` and in its sweep folders
 * (a sweep still running is `.partial`, but the combinations it finished are complete runs), newest first. A sweep
 * run's id is `<sweep folder>/<run folder>`.
 */
export async function listRuns(folder: string, spec: SpecIdentity): Promise<RunEntry[]> {
  const candidates: Candidate[] = [];
  for (const name of await folderNames(folder)) {
    const dir = path.join(folder, name);
    if (!name.endsWith(PARTIAL_SUFFIX) && fs.existsSync(path.join(dir, 'summary.json'))) {
      candidates.push({ id: name, label: name });
      continue;
    }
    if (!(await isSweepFolder(dir))) continue;
    const sweep = name.endsWith(PARTIAL_SUFFIX) ? name.slice(0, -PARTIAL_SUFFIX.length) : name;
    for (const run of await folderNames(dir)) if (!run.endsWith(PARTIAL_SUFFIX)) candidates.push({ id: `${name}/${run}`, label: `${run} (sweep ${sweep})` });
  }
  const runs: (RunEntry & { time: number })[] = [];
  for (const candidate of candidates) {
    const dir = path.join(folder, ...candidate.id.split('/'));
    const summaryFile = path.join(dir, 'summary.json');
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(summaryFile);
    } catch {
      continue;
    }
    let summary: { startedAt?: unknown; complete?: unknown; cancelled?: unknown; name?: unknown } = {};
    try {
      summary = JSON.parse(await fs.promises.readFile(summaryFile, 'utf8')) as typeof summary;
    } catch {
      /* a summary that cannot be read still marks a run */
    }
    let specJson: { run?: { specFile?: unknown }; resolved?: { name?: unknown } } = {};
    try {
      specJson = JSON.parse(await fs.promises.readFile(path.join(dir, 'spec.json'), 'utf8')) as typeof specJson;
    } catch {
      /* no spec.json: the run's name decides */
    }
    if (!isRunOfSpec(dir, specJson.run?.specFile, summary.name ?? specJson.resolved?.name, spec)) continue;
    const startedAt = typeof summary.startedAt === 'string' ? summary.startedAt : undefined;
    const time = startedAt ? Date.parse(startedAt) : stat.mtimeMs;
    runs.push({
      id: candidate.id,
      label: candidate.label,
      ...(startedAt ? { startedAt } : {}),
      complete: summary.complete !== false,
      cancelled: summary.cancelled === true,
      time: Number.isFinite(time) ? time : stat.mtimeMs,
    });
  }
  runs.sort((a, b) => b.time - a.time || b.id.localeCompare(a.id));
  return runs.slice(0, MAX_RUNS).map(({ time: _time, ...run }) => run);
}

/** Names of the folders directly in `dir` (none when it cannot be read). */
async function folderNames(dir: string): Promise<string[]> {
  try {
    return (await fs.promises.readdir(dir, { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}
