/**
 * `moe-lab select-k DATA.csv --target COL --k 1..6 [fit's flags] [--json] [--save-spec FILE.moe.json]`: fits each
 * K with the multi-start the flags describe (EM unless --solvers says otherwise) and prints a table of ℓ, the
 * number of free parameters, AIC, BIC and the held-out ℓ per K, with the K that BIC chooses marked and the reason.
 * `--save-spec` writes the spec for the chosen K, as `fit` would build it. Ctrl-C stops at once (inside the iteration
 * under way), compares the Ks fitted so far and exits with INTERRUPTED_EXIT_CODE.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserInputError } from '../../core/errors';
import { enabledSolvers } from '../../core/runner/runExperiment';
import { parseKRange, type KCandidate, type SelectKResult } from '../../core/runner/selectK';
import { validateSpecObject } from '../../core/spec/validate';
import { FIT_FLAGS, fitSpecFromFlags } from './fit';
import { fitWording } from './fitWording';
import { INTERRUPTED_EXIT_CODE } from './execute';
import { consumeUntilInterrupted } from './interruptible';
import { parseFlags, requiredFlag } from './options';
import { selectKInWorker } from '../worker/workerRun';

export async function selectKCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: { ...FIT_FLAGS, k: { type: 'string' }, 'save-spec': { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UserInputError('usage: moe-lab select-k DATA.csv --target COL --k 1..6 [options]');
  if (values.experts !== undefined) throw new UserInputError('--experts: select-k compares the numbers of experts given by --k (e.g. --k 1..6)');
  if (values.symmetric) throw new UserInputError('--symmetric: a symmetric model has exactly 2 experts, so select-k cannot compare it across K');
  const ks = parseKRange(requiredFlag('k', values.k));
  const saveTo = values['save-spec'] === undefined ? undefined : specTarget(values['save-spec']);
  const csv = path.resolve(positionals[0]);
  const wording = fitWording(positionals[0], csv);
  const flags = { ...values, solvers: values.solvers ?? 'em', experts: String(ks[0]) };
  const raw = fitSpecFromFlags(csv, flags);
  const validated = validateSpecObject(raw);
  if (!validated.ok) {
    const first = validated.errors[0];
    throw wording.error(new UserInputError(first.message, { pointer: first.pointer }));
  }
  const spec = validated.spec;
  const json = values.json === true;
  const progress = process.stderr.isTTY === true && !json;
  const warnings = new Set<string>();
  let result: SelectKResult | undefined;
  let interrupted: boolean;
  try {
    const options = { baseDir: process.cwd(), abortLoad: true, ks, solvers: enabledSolvers(spec) };
    // In a worker thread, as `run` and `fit` are: Ctrl-C reaches inside the pass over the rows being computed; Ctrl-C
    // during the first data load leaves nothing fitted, so there is nothing to compare.
    interrupted = await consumeUntilInterrupted(
      (signal) => selectKInWorker(spec, { ...options, signal }),
      (event) => {
        if (event.type === 'iteration' && progress && event.iteration % 10 === 0) {
          process.stderr.write(`\r\x1b[KK = ${event.K}: ${event.solver} restart ${event.restart + 1}/${spec.init.restarts}, iteration ${event.iteration}, ℓ = ${event.logLik.toFixed(3)}`);
        } else if (event.type === 'warning') {
          // Warnings about one restart (degenerate fits) are counted in the table; the others are said once.
          if (event.restart === undefined) warnings.add(wording.text(event.message));
        } else if (event.type === 'finished') {
          result = event.result;
        }
      },
    );
  } catch (error) {
    throw wording.error(error);
  } finally {
    if (progress) process.stderr.write('\r\x1b[K');
  }
  const exitCode = interrupted ? INTERRUPTED_EXIT_CODE : 0;
  if (!result) {
    if (!interrupted) return exitCode;
    process.stdout.write(json ? JSON.stringify({ cancelled: true, candidates: [], chosen: null }) + '\n' : 'cancelled before any K was fitted\n');
    return exitCode;
  }
  const saved = saveTo && result.chosen !== undefined ? await saveSpec(saveTo, raw, result.chosen) : undefined;
  if (json) {
    const document = { ...result, chosen: result.chosen ?? null, restarts: spec.init.restarts, warnings: [...warnings], savedSpec: saved ?? null };
    process.stdout.write(JSON.stringify(document) + '\n');
    return exitCode;
  }
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  const { dataset, holdOut } = result;
  process.stdout.write(
    `${spec.name}: ${dataset.rows} training rows, ${dataset.features.length} features, ${dataset.family} experts, ` +
      `${result.solvers.join(', ')} × ${spec.init.restarts} restarts (${spec.init.strategy}) per K\n`,
  );
  process.stdout.write(
    holdOut.added
      ? `held out: ${holdOut.rows} rows, a seeded ${Math.round(holdOut.fraction * 100)} % (split seed ${holdOut.splitSeed}) added for this comparison, since --test-fraction is 0; ℓ, AIC and BIC are on the other rows\n`
      : `held out: ${holdOut.rows} rows (--test-fraction ${holdOut.fraction})\n`,
  );
  process.stdout.write(candidateTable(result.candidates, result.chosen) + '\n');
  process.stdout.write(`${result.chosen !== undefined ? `chosen: K = ${result.chosen}. ` : ''}${result.reason}\n`);
  if (saveTo) process.stdout.write(saved ? `spec for K = ${result.chosen}: ${saved}\n` : 'no K was chosen, so no spec was written\n');
  if (result.cancelled) process.stdout.write('cancelled; the Ks fitted so far are compared\n');
  return exitCode;
}

/** K, ℓ, k, AIC, BIC, held-out ℓ, restarts converged / degenerate; `*` marks the chosen K. */
export function candidateTable(candidates: readonly KCandidate[], chosen: number | undefined): string {
  const header = ['K', 'logLik', 'params', 'AIC', 'BIC', 'held-out logLik', 'converged', 'degenerate', 'note'];
  const rows = candidates.map((c) => {
    const fit = c.best;
    const cell = (value: number | undefined) => (value === undefined ? '—' : value.toFixed(2));
    return [
      `${c.K}${c.K === chosen ? '*' : ''}`,
      cell(fit?.logLik),
      String(c.parameters),
      cell(fit?.aic),
      cell(fit?.bic),
      cell(fit?.testLogLik),
      `${c.converged}/${c.restarts}`,
      `${c.degenerate}/${c.restarts}`,
      NOTES[c.status],
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: readonly string[]) => cells.map((text, column) => (column === cells.length - 1 ? text : text.padStart(widths[column]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const NOTES: Readonly<Record<KCandidate['status'], string>> = {
  ok: '',
  allDegenerate: 'every restart degenerate: not compared',
  notConverged: 'no restart converged to a genuine optimum: not compared',
  cancelled: 'cancelled',
};

function specTarget(file: string): string {
  const resolved = path.resolve(file);
  if (!/\.moe\.json$/i.test(resolved)) throw new UserInputError(`--save-spec must name a .moe.json file (got "${file}")`);
  if (!existsSync(path.dirname(resolved))) throw new UserInputError(`--save-spec: the folder ${path.dirname(file)} does not exist`);
  return resolved;
}

/** The fit spec with the chosen K, its data path relative to the spec's folder (specs resolve paths there). */
async function saveSpec(file: string, raw: ReturnType<typeof fitSpecFromFlags>, K: number): Promise<string> {
  const csv = path.relative(path.dirname(file), raw.data.csv).split(path.sep).join('/');
  const spec = { ...raw, data: { ...raw.data, csv }, model: { ...raw.model, experts: K } };
  const checked = validateSpecObject(spec);
  if (!checked.ok) throw new Error(`the spec for K = ${K} does not validate: ${checked.errors[0].message}`);
  await fs.writeFile(file, JSON.stringify(spec, null, 2) + '\n');
  return file;
}
