/**
 * The data a spec names, as datasets the solvers use: a workspace CSV (and its `<name>.truth.json` when one lies
 * beside it) or a synthetic generator. Path mistakes name the spec field.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readCsvFile } from '../data/csv';
import type { Dataset, ExpertFamily } from '../data/dataset';
import { buildDataset, datasetFromArrays } from '../data/select';
import { UserInputError } from '../errors';
import { isInside } from '../paths';
import { paramsFromJson, type FullParams } from '../model/params';
import type { ExperimentSpec } from '../spec/types';
import { isSyntheticSource } from '../spec/types';
import { generateSynthetic, truthPathFor, type TruthFile } from '../synth/generate';

export interface LoadedData {
  readonly train: Dataset;
  readonly test?: Dataset;
  readonly family: ExpertFamily;
  /** A short description of where the data came from. */
  readonly source: string;
  readonly droppedRows: number;
  readonly warnings: string[];
  /** Ground truth on the raw features, when known. */
  readonly truth?: { readonly params: FullParams; readonly file: TruthFile };
}

export interface LoadOptions {
  /** Folder that relative paths in the spec are resolved against (the spec's folder). */
  readonly baseDir: string;
  /** When set, data paths must stay inside this folder (the workspace). */
  readonly workspaceRoot?: string;
  /** Stops a long CSV read (between chunks) by rejecting with the signal's reason. */
  readonly signal?: AbortSignal;
}

export async function loadData(spec: ExperimentSpec, options: LoadOptions): Promise<LoadedData> {
  const { data, model } = spec;
  const split = { standardize: data.standardize, testFraction: data.testFraction, splitSeed: data.splitSeed };
  if (isSyntheticSource(data.source)) {
    const settings = data.source.synthetic;
    const generated = generateSynthetic({ ...settings, symmetric: settings.symmetric && settings.experts === 2 });
    const family: ExpertFamily = settings.kind === 'linear' ? 'gaussian' : 'bernoulli';
    const names = { features: generated.truth.features, target: 'y', classes: family === 'bernoulli' ? ['0', '1'] : undefined };
    const datasets = datasetFromArrays(generated.X, generated.y, names, split);
    const source = `synthetic ${settings.kind}, K=${settings.experts}, d=${settings.dim}, n=${settings.samples}, SNR=${settings.snr}, seed ${settings.seed}`;
    return { ...datasets, family, source, droppedRows: 0, warnings: [...datasets.warnings], truth: { params: paramsFromJson(generated.truth), file: generated.truth } };
  }
  const csvPath = resolveDataPath(data.source.csv, options);
  const table = await readCsvFile(csvPath, { signal: options.signal });
  const built = buildDataset(table, {
    target: data.source.target,
    features: data.source.features,
    family: model.expert,
    dropInvalidRows: data.source.dropInvalidRows,
    ...split,
    releaseColumns: true, // the table is read for this dataset only: its columns and X are not kept together
  });
  // buildDataset's warnings already say how many rows were dropped and why.
  const warnings = [...built.warnings];
  const truth = await readTruthBeside(csvPath, built.train, warnings);
  return { train: built.train, test: built.test, family: built.family, source: csvPath, droppedRows: built.droppedRows, warnings, truth };
}

export function resolveDataPath(file: string, { baseDir, workspaceRoot }: LoadOptions): string {
  const resolved = path.resolve(baseDir, file);
  if (workspaceRoot) {
    if (!isInside(workspaceRoot, resolved)) {
      throw new UserInputError(`data file "${file}" is outside the workspace folder ${workspaceRoot}`, { pointer: '/data/csv', file });
    }
  }
  if (!existsSync(resolved)) throw new UserInputError(`data file not found: ${resolved}`, { pointer: '/data/csv', file: resolved });
  return resolved;
}

async function readTruthBeside(csvPath: string, train: Dataset, warnings: string[]): Promise<LoadedData['truth']> {
  const truthPath = truthPathFor(csvPath);
  if (!existsSync(truthPath)) return undefined;
  let file: TruthFile;
  try {
    file = JSON.parse(await fs.readFile(truthPath, 'utf8')) as TruthFile;
    const sameColumns = file.target === train.targetName && file.features.join('\u0000') === train.featureNames.join('\u0000');
    if (!sameColumns) {
      warnings.push(`${path.basename(truthPath)} describes features [${file.features.join(', ')}] → ${file.target}; this fit uses other columns, so parameter error is not computed`);
      return undefined;
    }
    return { params: paramsFromJson(file), file };
  } catch (error) {
    warnings.push(`${path.basename(truthPath)} could not be read (${(error as Error).message}); parameter error is not computed`);
    return undefined;
  }
}
