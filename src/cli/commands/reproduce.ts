/**
 * `moe-lab reproduce [--quick] [--only NAME[,NAME…]] [--out DIR] [--json]`: the paper's experiments and the
 * summary's claims (src/core/reproduce), written to DIR as report.md, results.json and PNG charts. The experiments
 * run in the CLI's worker thread, so Ctrl-C lands inside the iteration under way (a Fashion-MNIST M-step takes
 * seconds); what finished is still written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { UserInputError } from '../../core/errors';
import { EXPERIMENT_NAMES, type ExperimentName, type ReproduceProgress } from '../../core/reproduce';
import { CHECKPOINT_FOLDER, checkpointKeys, removeCheckpoint } from '../../core/reproduce/checkpoint';
import { writeReproduction, writeResultsJson } from '../../core/reproduce/write';
import { INVOCATION_FILE, readInvocation, writeInvocation, type Invocation } from '../../core/reproduce/invocation';
import { integerFlag, parseFlags } from './options';
import { prepareFolder } from './resultsFolder';
import { gitCommit } from './gitCommit';
import { reproduceInWorker } from '../worker/workerRun';

const USAGE_LINE = `usage: moe-lab reproduce [--quick] [--only ${EXPERIMENT_NAMES.join(',')}] [--out DIR] [--json] | moe-lab reproduce --resume DIR [--json] [--no-charts]`;

/** Flags that only shape the output, so a resumed run may set them afresh; every other flag is the stored one. */
const OUTPUT_FLAGS = new Set(['--json', '--no-charts']);

export async function reproduceCommand(args: string[]): Promise<void> {
  const resume = resumeTarget(args);
  if (resume) {
    const invocation = await storedInvocation(resume.dir);
    return runReproduce([...invocation.args, '--out', resume.dir, ...resume.outputFlags], resume.dir, args);
  }
  return runReproduce(args, undefined, args);
}

/** `--resume DIR` with nothing but output flags beside it. */
function resumeTarget(args: readonly string[]): { dir: string; outputFlags: string[] } | undefined {
  const at = args.findIndex((a) => a === '--resume' || a.startsWith('--resume='));
  if (at < 0) return undefined;
  const inline = args[at].startsWith('--resume=') ? args[at].slice('--resume='.length) : undefined;
  const dir = inline ?? args[at + 1];
  if (!dir || dir.startsWith('--')) throw new UserInputError('--resume needs the folder of the reproduction to continue');
  const rest = args.filter((_, i) => i !== at && (inline !== undefined || i !== at + 1));
  const other = rest.find((a) => !OUTPUT_FLAGS.has(a));
  if (other) throw new UserInputError(`--resume continues with the options the reproduction started with (${INVOCATION_FILE} in its checkpoint); ${other} cannot be changed`);
  return { dir: path.resolve(dir), outputFlags: rest };
}

async function storedInvocation(dir: string): Promise<Invocation> {
  const invocation = await readInvocation(dir);
  if (!invocation) throw new UserInputError(`--resume ${dir}: no unfinished reproduction there (${path.join(CHECKPOINT_FOLDER, INVOCATION_FILE)} is missing; a finished reproduction removes its checkpoint)`);
  return invocation;
}

/** The flags to store for a later --resume: all but where the output goes and how it is printed. */
function storedArgs(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--out') {
      i++;
      continue;
    }
    if (args[i].startsWith('--out=') || OUTPUT_FLAGS.has(args[i])) continue;
    out.push(args[i]);
  }
  return out;
}

async function runReproduce(args: string[], resumeDir: string | undefined, typed: readonly string[]): Promise<void> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      'no-charts': { type: 'boolean', default: false },
      'fmnist-instances': { type: 'string' },
      'fmnist-train-rows': { type: 'string' },
      'fmnist-extend-cap': { type: 'string' },
      'fmnist-source': { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UserInputError(`unexpected argument "${positionals[0]}"; ${USAGE_LINE}`);
  const only = parseOnly(values.only);
  const out = path.resolve(values.out ?? (values.quick ? 'reproduction-quick' : 'reproduction'));
  await openCheckpoint(out, resumeDir, storedArgs(args));
  const root = repositoryRoot();
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write('\nmoe-lab: cancelling; what finished is written (Ctrl-C again to quit at once)…\n');
      controller.abort();
    } else {
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The commit of the code that runs: read now, since the checkout may move during a run of hours.
  const commit = root ? gitCommit(root) : undefined;
  try {
    // In the worker thread: this one stays free to see Ctrl-C, which then reaches inside the pass being computed.
    const results = await reproduceInWorker(
      {
        quick: values.quick === true,
        only,
        signal: controller.signal,
        examplesDir: path.join(root ?? process.cwd(), 'examples', 'data'),
        fmnistSource: values['fmnist-source'],
        fmnistInstances: integerFlag('fmnist-instances', values['fmnist-instances'], 1),
        fmnistTrainRows: integerFlag('fmnist-train-rows', values['fmnist-train-rows'], 10),
        fmnistExtendCapSeconds: integerFlag('fmnist-extend-cap', values['fmnist-extend-cap'], 0),
      },
      out,
      progressPrinter(),
    );
    await writeResultsJson(out, results);
    const charts = values['no-charts']
      ? { rendered: [] as string[], note: 'PNG charts skipped (--no-charts)' }
      : renderChartsWithBrowser(root, path.join(out, 'results.json'), out, results.charts.length);
    const command = ['moe-lab', 'reproduce', ...typed].join(' ') + (resumeDir ? ` (started as moe-lab reproduce ${storedArgs(args).join(' ')})` : '');
    const written = await writeReproduction(out, results, {
      command,
      renderedCharts: new Set(charts.rendered),
      chartNote: charts.note,
      gitCommit: commit,
    });
    const failed = results.checks.filter((c) => !c.passed);
    if (values.json) {
      process.stdout.write(JSON.stringify({ out, files: { report: written.report, results: written.results }, chartsRendered: charts.rendered, chartNote: charts.note ?? null, ...results }) + '\n');
    } else {
      const lines = [
        `reproduction ${results.cancelled ? 'cancelled' : 'finished'} in ${results.seconds.toFixed(1)} s: ${written.report}`,
        ...results.checks.map((c) => `  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name} (${c.experiment})`),
        ...results.skipped.map((s) => `  ${s.failed ? 'FAILED' : 'skipped'} ${s.name}: ${s.reason.split('\n')[0]}`),
        ...(charts.note ? [`  ${charts.note}`] : charts.rendered.length ? [`  ${charts.rendered.length} PNG charts`] : []),
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }
    const broken = results.skipped.filter((x) => x.failed);
    // Finished: results.json holds everything, so the checkpoint goes. Cancelled or failed: it stays for --resume.
    if (!results.cancelled && broken.length === 0) await removeCheckpoint(out);
    else if (!values.json) process.stderr.write(`moe-lab: continue with: moe-lab reproduce --resume ${out}\n`);
    if (results.cancelled) exitWith(130);
    else if (broken.length > 0) {
      process.stderr.write(`moe-lab: ${broken.map((x) => x.name).join(', ')} failed (see ${written.report})\n`);
      exitWith(1);
    } else if (failed.length > 0) {
      process.stderr.write(`moe-lab: ${failed.length} check(s) failed: ${failed.map((c) => c.name).join('; ')} (see ${written.report})\n`);
      exitWith(1);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * The exit code once everything is written: main() sets 0 when a command returns, so the code is applied when the
 * event loop empties, after that (stdout is flushed normally, unlike with process.exit).
 */
function exitWith(code: number): void {
  process.once('beforeExit', () => {
    process.exitCode = code;
  });
}

/**
 * The checkpoint of `out`. A fresh run refuses a folder that holds an unfinished reproduction's checkpoint (it
 * would mix two runs, or throw away hours of work); a resumed run reads it.
 */
async function openCheckpoint(out: string, resumeDir: string | undefined, args: string[]): Promise<void> {
  const keys = (await checkpointKeys(out)).filter((key) => key !== 'invocation');
  if (!resumeDir && (keys.length > 0 || existsSync(path.join(out, CHECKPOINT_FOLDER, INVOCATION_FILE)))) {
    const relative = path.relative(process.cwd(), out) || '.';
    const shown = relative.startsWith('..') ? out : relative;
    throw new UserInputError(`${shown} holds an unfinished reproduction (${keys.length} finished part(s) in ${CHECKPOINT_FOLDER}/): continue it with --resume ${shown}, or choose another --out`);
  }
  if (!resumeDir) {
    await prepareFolder(path.join(out, CHECKPOINT_FOLDER), '--out', 'reproduction folder');
    await writeInvocation(out, { args });
  }
}

function parseOnly(value: string | undefined): ExperimentName[] | undefined {
  if (value === undefined) return undefined;
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new UserInputError(`--only needs experiment names: ${EXPERIMENT_NAMES.join(', ')}`);
  for (const name of names) {
    if (!(EXPERIMENT_NAMES as readonly string[]).includes(name)) {
      throw new UserInputError(`--only: unknown experiment "${name}" (experiments: ${EXPERIMENT_NAMES.join(', ')})`);
    }
  }
  return names as ExperimentName[];
}

/** Progress on stderr: a line when an experiment starts, then at most one every 2 seconds. */
function progressPrinter(): (progress: ReproduceProgress) => void {
  let experiment: string | undefined;
  let last = 0;
  return (progress) => {
    const now = performance.now();
    if (progress.experiment === experiment && now - last < 2000 && progress.done < progress.total) return;
    experiment = progress.experiment;
    last = now;
    process.stderr.write(`[${progress.experiment} ${progress.done}/${progress.total}] ${progress.message}\n`);
  };
}

/** The folder holding package.json, examples/ and scripts/ (the CLI bundle lives in dist/, the sources in src/cli/). */
function repositoryRoot(): string | undefined {
  let dir = __dirname;
  for (let depth = 0; depth < 6; depth++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'scripts', 'renderCharts.mjs'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** Runs scripts/renderCharts.mjs in its own process (it drives a browser); never throws. */
function renderChartsWithBrowser(root: string | undefined, resultsFile: string, out: string, count: number): { rendered: string[]; note?: string } {
  if (count === 0) return { rendered: [] };
  if (!root) return { rendered: [], note: 'PNG charts skipped: scripts/renderCharts.mjs not found beside the CLI' };
  const child = spawnSync(process.execPath, [path.join(root, 'scripts', 'renderCharts.mjs'), resultsFile, out], { encoding: 'utf8', timeout: 300_000 });
  try {
    const parsed = JSON.parse(child.stdout.trim().split('\n').pop() ?? '') as { rendered: string[]; note?: string };
    return parsed;
  } catch {
    const why = (child.stderr || child.error?.message || `exit code ${child.status}`).trim().split('\n')[0];
    return { rendered: [], note: `PNG charts skipped: the chart renderer failed (${why})` };
  }
}
