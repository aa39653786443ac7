import * as path from 'node:path';
import { isUserInputError, UserInputError } from '../../core/errors';
import { readUtf8File } from '../../core/utf8File';
import { formatSpecIssue, parseSpecText } from '../../core/spec/validate';
import { executeRun } from './execute';
import { parseFlags } from './options';
import { prepareFolder } from './resultsFolder';
import { executeSweep } from './sweep';

export async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args,
    allowPositionals: true,
    options: { out: { type: 'string' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new UserInputError('usage: moe-lab run SPEC.moe.json [--out DIR] [--json]');
  const specPath = path.resolve(positionals[0]);
  let text: string;
  try {
    text = await readUtf8File(specPath, path.basename(specPath));
  } catch (error) {
    if (isUserInputError(error)) throw error;
    throw new UserInputError(`spec file not found: ${specPath}`, { file: specPath });
  }
  const parsed = parseSpecText(text, specPath);
  if (!parsed.ok) {
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
    throw new UserInputError(formatSpecIssue(parsed.errors[0], path.basename(specPath)) + more, { file: specPath, pointer: parsed.errors[0].pointer });
  }
  const baseDir = path.dirname(specPath);
  const resultsRoot = values.out ? path.resolve(values.out) : path.resolve(baseDir, parsed.spec.resultsDir);
  await prepareFolder(resultsRoot, values.out ? '--out' : `${path.basename(specPath)}: /resultsDir`);
  if (parsed.spec.sweep) return executeSweep(parsed.spec, { baseDir, resultsRoot, rawSpec: parsed.raw, specFile: specPath }, values.json === true);
  return executeRun(parsed.spec, { baseDir, resultsRoot, rawSpec: parsed.raw, specFile: specPath }, values.json === true);
}
