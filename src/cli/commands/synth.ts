import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeJsonAtomic, writeTextAtomic } from '../../core/runner/results';
import { generateSynthetic, syntheticCsv, truthPathFor } from '../../core/synth/generate';
import { UserInputError } from '../../core/errors';
import { prepareFolder } from './resultsFolder';
import { choiceFlag, integerFlag, parseFlags, positiveFlag, requiredFlag } from './options';

/** `moe-lab synth …`: writes FILE.csv (x1 … xD, y) and FILE.truth.json beside it. */
export async function synthCommand(args: string[]): Promise<void> {
  const { values } = parseFlags({
    args,
    options: {
      kind: { type: 'string' },
      experts: { type: 'string' },
      dim: { type: 'string' },
      samples: { type: 'string' },
      snr: { type: 'string' },
      seed: { type: 'string' },
      symmetric: { type: 'boolean' },
      'no-symmetric': { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const out = path.resolve(requiredFlag('out', values.out));
  // Checked before generating (which can take a while): the folder is made, and the file name is free for a file.
  await prepareFolder(path.dirname(out), '--out', 'folder');
  if ((await fs.stat(out).catch(() => undefined))?.isDirectory()) throw new UserInputError(`--out: ${out} is a folder; name the CSV file to write`, { file: out });
  const experts = integerFlag('experts', values.experts, 1) ?? 2;
  const generated = generateSynthetic({
    kind: choiceFlag('kind', requiredFlag('kind', values.kind), ['linear', 'logistic'] as const)!,
    experts,
    dim: integerFlag('dim', values.dim, 1) ?? 5,
    samples: integerFlag('samples', values.samples, 1) ?? 1000,
    snr: positiveFlag('snr', values.snr) ?? 4,
    seed: integerFlag('seed', values.seed, 0) ?? 0,
    symmetric: values['no-symmetric'] ? false : (values.symmetric ?? experts === 2),
  });
  const truthPath = truthPathFor(out);
  await writeTextAtomic(out, syntheticCsv(generated));
  await writeJsonAtomic(truthPath, generated.truth);
  const summary = { csv: out, truth: truthPath, rows: generated.truth.samples, features: generated.truth.dim };
  process.stdout.write(values.json ? JSON.stringify(summary) + '\n' : `wrote ${out} (${summary.rows} rows × ${summary.features} features) and ${truthPath}\n`);
}
