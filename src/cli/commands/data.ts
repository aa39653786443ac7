import * as path from 'node:path';
import { UserInputError } from '../../core/errors';
import { writeFmnist } from '../../core/data/fmnist';
import { integerFlag, numberFlag, parseFlags, requiredFlag } from './options';

const DATA_USAGE = 'usage: moe-lab data fmnist --out DIR [--invert-prob P] [--seed S] [--source DIR] [--limit-train N] [--limit-test N] [--json]';

/** `moe-lab data fmnist …`: the paper's Random-Invert Fashion-MNIST as train.csv / test.csv (see core/data/fmnist.ts). */
export async function dataCommand(args: string[]): Promise<void> {
  const [dataset, ...rest] = args;
  if (dataset !== 'fmnist') {
    throw new UserInputError(dataset === undefined ? DATA_USAGE : `unknown data set "${dataset}" (available: fmnist); ${DATA_USAGE}`);
  }
  const { values, positionals } = parseFlags({
    args: rest,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'invert-prob': { type: 'string' },
      seed: { type: 'string' },
      source: { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) throw new UserInputError(`unexpected argument "${positionals[0]}"; ${DATA_USAGE}`);
  const seed = integerFlag('seed', values.seed, 0) ?? 0;
  if (seed > 0xffffffff) throw new UserInputError(`--seed must be an integer in [0, 4294967295] (got "${values.seed}")`);
  const transform = await writeFmnist({
    out: requiredFlag('out', values.out),
    source: values.source,
    invertProbability: numberFlag('invert-prob', values['invert-prob'], (p) => p >= 0 && p <= 1, 'a probability in [0, 1]') ?? 0.5,
    seed,
    limitTrain: integerFlag('limit-train', values['limit-train'], 1),
    limitTest: integerFlag('limit-test', values['limit-test'], 1),
  });
  const out = path.resolve(values.out!);
  if (values.json) {
    process.stdout.write(JSON.stringify({ out, ...transform }) + '\n');
    return;
  }
  const { train, test } = transform;
  process.stdout.write(
    `wrote ${path.join(out, train.file)} (${train.rows} rows, ${train.inverted} inverted) and ${path.join(out, test.file)} ` +
      `(${test.rows} rows, ${test.inverted} inverted), with ${train.polarityFile}, ${test.polarityFile} and transform.json; ` +
      `fit with: moe-lab fit ${path.join(out, train.file)} --target label --expert categorical\n`,
  );
}
