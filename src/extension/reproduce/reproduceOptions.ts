/**
 * What a paper reproduction started from VS Code runs: from the quick picks, or from the argument object that tests
 * and other extensions pass to `moeLab.reproducePaper` (checked here, since a command argument is untrusted input).
 * Also the panel's view of a finished reproduction. No VS Code import (the webview fixture and unit tests load it).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { isInside } from '../../core/paths';
import { optionsOfInvocation, readInvocation } from '../../core/reproduce/invocation';
import type { ReproductionResults } from '../../core/reproduce/reproduce';
import { EXPERIMENT_NAMES, type ExperimentName } from '../../core/reproduce/types';
import type { PanelReproduction } from '../../protocol/panelMessages';
import type { ReproduceWrittenMessage } from '../../protocol/workerMessages';
import { isWhenBusy, type WhenBusy } from '../run/whenBusy';

export interface ReproduceChoice {
  readonly quick: boolean;
  readonly only: readonly ExperimentName[];
  /** Fewer Fashion-MNIST instances than the paper's 25 (full mode). */
  readonly fmnistInstances?: number;
  /** Output folder (absolute); default `<results folder>/reproduction-<timestamp>`. */
  readonly outDir?: string;
  readonly whenBusy: WhenBusy;
  /** When the results folder of the settings is outside the workspace: ask (default) or refuse. */
  readonly outsideWorkspace: 'ask' | 'refuse';
  /** Continue the unfinished reproduction in `outDir` with the options it started with. */
  readonly resume?: boolean;
}

const KEYS = ['quick', 'only', 'fmnistInstances', 'outDir', 'whenBusy', 'outsideWorkspace', 'resume'];

/**
 * The choice from a command argument `{ quick?, only?, fmnistInstances?, outDir?, whenBusy?, outsideWorkspace? }`; `outDir` is resolved
 * against `workspaceDir` and must stay inside it. Throws with a message naming the field.
 */
export async function parseReproduceArgument(value: unknown, workspaceDir: string): Promise<ReproduceChoice> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('moeLab.reproducePaper: the argument must be an object');
  const input = value as Record<string, unknown>;
  const unknown = Object.keys(input).filter((key) => !KEYS.includes(key));
  if (unknown.length > 0) throw new Error(`moeLab.reproducePaper: unknown option ${unknown.map((k) => `"${k}"`).join(', ')}`);
  if (input.resume !== undefined) return resumeChoice(input, workspaceDir);
  const quick = input.quick ?? true;
  if (typeof quick !== 'boolean') throw new Error('moeLab.reproducePaper: "quick" must be true or false');
  const only = input.only ?? [...EXPERIMENT_NAMES];
  if (!Array.isArray(only) || only.length === 0 || !only.every((name) => (EXPERIMENT_NAMES as readonly unknown[]).includes(name))) {
    throw new Error(`moeLab.reproducePaper: "only" must list experiments among ${EXPERIMENT_NAMES.join(', ')}`);
  }
  const instances = input.fmnistInstances;
  if (instances !== undefined && !(typeof instances === 'number' && Number.isInteger(instances) && instances >= 1 && instances <= 1000)) {
    throw new Error('moeLab.reproducePaper: "fmnistInstances" must be an integer from 1 to 1000');
  }
  const whenBusy = input.whenBusy ?? 'ask';
  if (!isWhenBusy(whenBusy)) throw new Error('moeLab.reproducePaper: "whenBusy" must be ask, stop or keep');
  const outsideWorkspace = input.outsideWorkspace ?? 'ask';
  if (outsideWorkspace !== 'ask' && outsideWorkspace !== 'refuse') throw new Error('moeLab.reproducePaper: "outsideWorkspace" must be ask or refuse');
  return { quick, only: only as ExperimentName[], whenBusy, outsideWorkspace, ...(instances === undefined ? {} : { fmnistInstances: instances }), ...outDirOf(input.outDir, workspaceDir) };
}

/**
 * `{ resume: folder, whenBusy?, outsideWorkspace? }`: the unfinished reproduction in `folder` (inside the workspace),
 * continued with the options stored in its checkpoint; other options would contradict them and are refused.
 */
async function resumeChoice(input: Record<string, unknown>, workspaceDir: string): Promise<ReproduceChoice> {
  const conflicting = ['quick', 'only', 'fmnistInstances', 'outDir'].filter((key) => input[key] !== undefined);
  if (conflicting.length > 0) throw new Error(`moeLab.reproducePaper: "resume" continues with the options the reproduction started with; drop ${conflicting.map((k) => `"${k}"`).join(', ')}`);
  const { outDir } = outDirOf(input.resume, workspaceDir, 'resume');
  const invocation = await readInvocation(outDir!);
  if (!invocation) throw new Error(`moeLab.reproducePaper: ${outDir} holds no unfinished reproduction to resume`);
  const options = optionsOfInvocation(invocation);
  if ('unsupported' in options) throw new Error(`moeLab.reproducePaper: ${outDir} was started with ${options.unsupported}, which only the CLI can resume: moe-lab reproduce --resume ${outDir}`);
  const whenBusy = input.whenBusy ?? 'ask';
  if (!isWhenBusy(whenBusy)) throw new Error('moeLab.reproducePaper: "whenBusy" must be ask, stop or keep');
  return { ...options, outDir, resume: true, whenBusy, outsideWorkspace: 'refuse' };
}

function outDirOf(value: unknown, workspaceDir: string, field = 'outDir'): { outDir?: string } {
  if (value === undefined) return {};
  if (typeof value !== 'string' || value.trim() === '') throw new Error(`moeLab.reproducePaper: "${field}" must be a folder path`);
  const dir = path.resolve(workspaceDir, value);
  // The report is written into the workspace, like every result of MoE Lab.
  if (!isInside(workspaceDir, dir, { strictly: true })) throw new Error(`moeLab.reproducePaper: "${field}" must be a folder inside the workspace`);
  return { outDir: dir };
}

/** `reproduction-YYYYMMDD-HHMMSS` (local time, like run folders). */
export function reproductionFolderName(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `reproduction-${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`;
}

/** How the report names what made it ("MoE Lab: Reproduce Paper Experiments (quick; symmoline, snr-sweep)"). */
export function describeChoice(choice: Pick<ReproduceChoice, 'quick' | 'only' | 'fmnistInstances' | 'resume'>): string {
  const mode = choice.quick ? 'quick' : `full${choice.fmnistInstances ? `, ${choice.fmnistInstances} Fashion-MNIST instances` : ''}`;
  const all = choice.only.length === EXPERIMENT_NAMES.length;
  return `MoE Lab: Reproduce Paper Experiments (${mode}; ${all ? 'all experiments' : choice.only.join(', ')}${choice.resume ? '; resumed' : ''})`;
}

/** The panel's view of a written reproduction. */
/** The panel's heading for a reproduction, live or read back from its folder. */
function reproductionTitle(quick: boolean): string {
  return `Paper reproduction — ${quick ? 'quick (smoke test)' : 'full'}`;
}

export function panelReproductionOf(written: ReproduceWrittenMessage, choice: Pick<ReproduceChoice, 'quick' | 'only' | 'fmnistInstances'>): PanelReproduction {
  return {
    id: path.basename(written.dir),
    title: reproductionTitle(choice.quick),
    status: written.cancelled ? 'cancelled' : 'finished',
    reportPath: written.report,
    seconds: written.seconds,
    charts: written.charts,
    checks: written.checks,
    skipped: written.skipped,
  };
}

/**
 * The panel's view of a reproduction folder written earlier (its `results.json`), for a panel restored after a
 * reload whose webview state was lost. Undefined when the folder holds no readable reproduction.
 */
export async function readPanelReproduction(dir: string): Promise<PanelReproduction | undefined> {
  let results: Partial<ReproductionResults>;
  try {
    results = JSON.parse(await fs.readFile(path.join(dir, 'results.json'), 'utf8')) as Partial<ReproductionResults>;
  } catch {
    return undefined;
  }
  if (results.tool !== 'moe-lab reproduce' || !Array.isArray(results.charts) || !Array.isArray(results.checks) || !Array.isArray(results.skipped)) return undefined;
  return {
    id: path.basename(dir),
    title: reproductionTitle(results.quick === true),
    status: results.cancelled ? 'cancelled' : 'finished',
    reportPath: path.join(dir, 'report.md'),
    seconds: typeof results.seconds === 'number' ? results.seconds : 0,
    charts: results.charts,
    checks: results.checks.map(({ experiment, name, passed }) => ({ experiment, name, passed })),
    skipped: results.skipped.map(({ name, reason }) => ({ name, reason })),
  };
}
