/**
 * New Experiment's choices: MoE Lab's own output is not offered as data, data files come shallow-first, and the
 * suggested target is the class column of a classification table (Iris's species), not its first measurement.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { isGeneratedCsv, orderDataFiles, suggestTarget } from '../../../src/extension/experiment/dataChoice';
import { previewCsv } from '../../../src/extension/fit/csvPreview';

const ROOT = path.resolve('/work/space');
const RESULTS = path.join(ROOT, '.moe-lab', 'runs');

test("a run's traces.csv, a results folder elsewhere and hidden folders are not data; the user's CSVs are", () => {
  const at = (...parts: string[]) => path.join(ROOT, ...parts);
  assert.equal(isGeneratedCsv(at('.moe-lab', 'runs', 'iris-20260101-120000', 'traces.csv'), ROOT, RESULTS), true);
  assert.equal(isGeneratedCsv(at('.moe-lab', 'runs', 'reproduction-20260101-120000', 'em.csv'), ROOT, RESULTS), true);
  assert.equal(isGeneratedCsv(at('results', 'run-1', 'traces.csv'), ROOT, at('results')), true, 'a configured results folder');
  assert.equal(isGeneratedCsv(at('.venv', 'lib', 'x.csv'), ROOT, RESULTS), true);
  assert.equal(isGeneratedCsv(at('node_modules', 'pkg', 'x.csv'), ROOT, RESULTS), true);
  assert.equal(isGeneratedCsv(at('data', 'iris.csv'), ROOT, RESULTS), false);
  assert.equal(isGeneratedCsv(at('iris.csv'), ROOT, RESULTS), false);
  assert.equal(isGeneratedCsv(at('results.csv'), ROOT, at('results')), false, 'a file named like the results folder is not inside it');
});

test('data files are ordered shallow first, then by name in natural order', () => {
  const files = ['data/sub/deep.csv', 'data/wine.csv', 'z.csv', 'data/iris10.csv', 'data/iris2.csv', 'a.csv'].map((relativePath) => ({ relativePath }));
  assert.deepEqual(
    orderDataFiles(files).map((f) => f.relativePath),
    ['a.csv', 'z.csv', 'data/iris2.csv', 'data/iris10.csv', 'data/wine.csv', 'data/sub/deep.csv'],
  );
});

test("the suggested target is Iris's species, the class column a name says, or the measured quantity", async () => {
  const fixtures = path.resolve(__dirname, '../../fixtures');
  const target = async (file: string) => {
    const preview = await previewCsv(path.join(fixtures, file));
    return suggestTarget(preview.columns, preview.sampledRows);
  };
  assert.equal(await target('workspace/iris.csv'), 'species');
  assert.equal(await target('public/NPreg.csv'), 'class', 'a column named class, though two columns follow it');
  assert.equal(await target('public/CO2data.csv'), 'CO2', 'a country name on every row is an identifier, not a class');
  assert.equal(await target('public/faithful.csv'), 'waiting');
  const column = (name: string, kind: 'numeric' | 'text', distinct: number) => ({ name, kind, distinct, zeroOne: false, integers: false });
  assert.equal(suggestTarget([column('Label', 'text', 3), column('width', 'numeric', 40)], 100), 'Label', 'named, in any case, before a later column');
  assert.equal(suggestTarget([column('kind', 'text', 3), column('width', 'numeric', 40)], 100), 'kind', 'a text column of few classes');
  assert.equal(suggestTarget([], 0), undefined);
});
