/**
 * Workspace containment follows the file system (issue 15, item 4): a symbolic link that leads out of the workspace
 * is outside, a name that merely starts with `..` is inside, and paths that do not exist yet are judged by their
 * deepest existing ancestor. `loadData` and the reproduction's `outDir` use the same test.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isInside, realPathOf } from '../../src/core/paths';
import { resolveDataPath } from '../../src/core/runner/loadData';
import { UserInputError } from '../../src/core/errors';
import { parseReproduceArgument } from '../../src/extension/reproduce/reproduceOptions';

/** A workspace folder and, beside it, a folder outside it, with a link from the workspace to the outside. */
function layout() {
  const base = mkdtempSync(path.join(tmpdir(), 'moe-paths-'));
  const workspace = path.join(base, 'ws');
  const outside = path.join(base, 'outside');
  mkdirSync(path.join(workspace, 'data', 'deep'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'secret.csv'), 'x,y\n1,2\n');
  writeFileSync(path.join(workspace, '..top.csv'), 'x,y\n1,2\n');
  writeFileSync(path.join(workspace, 'data', 'deep', 'a.csv'), 'x,y\n1,2\n');
  symlinkSync(outside, path.join(workspace, 'escape'), 'dir');
  symlinkSync(path.join(workspace, 'data'), path.join(outside, 'into-ws'), 'dir');
  return { base, workspace, outside };
}

test('a symbolic link inside the workspace that points outside is outside, for files and for paths not yet created', () => {
  const { workspace } = layout();
  assert.equal(isInside(workspace, path.join(workspace, 'escape', 'secret.csv')), false);
  assert.equal(isInside(workspace, path.join(workspace, 'escape')), false);
  assert.equal(isInside(workspace, path.join(workspace, 'escape', 'runs', 'new', 'deeper')), false, 'a folder to be created under the link');
});

test('a name beginning with ".." is inside; "..", a sibling with the same prefix and absolute paths outside are not', () => {
  const { base, workspace, outside } = layout();
  assert.equal(isInside(workspace, path.join(workspace, '..top.csv')), true);
  assert.equal(isInside(workspace, path.join(workspace, '..runs', 'r1')), true, 'not yet created');
  assert.equal(isInside(workspace, path.join(workspace, '..')), false);
  assert.equal(isInside(workspace, path.join(workspace, 'data', '..', '..', 'outside')), false);
  assert.equal(isInside(workspace, `${workspace}-sibling`), false, 'a common prefix is not a common folder');
  assert.equal(isInside(workspace, outside), false);
  assert.equal(isInside(workspace, base), false);
  assert.equal(isInside(workspace, '/'), false);
});

test('nested paths are inside, through links that stay inside, and the root counts unless strictly', () => {
  const { workspace, outside } = layout();
  assert.equal(isInside(workspace, path.join(workspace, 'data', 'deep', 'a.csv')), true);
  assert.equal(isInside(workspace, path.join(workspace, 'data', 'deep', 'new', 'runs')), true);
  assert.equal(isInside(workspace, path.join(outside, 'into-ws', 'deep', 'a.csv')), true, 'a link from outside into the workspace leads inside');
  assert.equal(isInside(workspace, workspace), true);
  assert.equal(isInside(workspace, workspace, { strictly: true }), false);
  assert.equal(isInside(path.join(workspace, 'data'), path.join(workspace, 'data', 'deep'), { strictly: true }), true);
  // The workspace itself reached through a link: both sides resolve.
  const linkToWorkspace = path.join(outside, 'ws-link');
  symlinkSync(workspace, linkToWorkspace, 'dir');
  assert.equal(isInside(linkToWorkspace, path.join(workspace, 'data')), true);
});

test('realPathOf appends the missing tail to the real path of the deepest existing ancestor', () => {
  const { workspace, outside } = layout();
  assert.equal(realPathOf(path.join(workspace, 'escape', 'a', 'b')), path.join(realpathSync(outside), 'a', 'b'));
  assert.equal(realPathOf(path.join(workspace, 'data')), path.join(realpathSync(workspace), 'data'));
});

test('loadData: a CSV reached through a link out of the workspace is refused; ..top.csv at the root is read', () => {
  const { workspace } = layout();
  assert.throws(
    () => resolveDataPath('escape/secret.csv', { baseDir: workspace, workspaceRoot: workspace }),
    (error: unknown) => error instanceof UserInputError && /outside the workspace/.test(error.message),
  );
  assert.equal(resolveDataPath('..top.csv', { baseDir: workspace, workspaceRoot: workspace }), path.join(workspace, '..top.csv'));
  assert.equal(resolveDataPath('deep/a.csv', { baseDir: path.join(workspace, 'data'), workspaceRoot: workspace }), path.join(workspace, 'data', 'deep', 'a.csv'));
});

test('reproducePaper: an outDir through a link out of the workspace is refused; ..reports is allowed', async () => {
  const { workspace } = layout();
  await assert.rejects(() => parseReproduceArgument({ outDir: 'escape/report' }, workspace), /inside the workspace/);
  assert.equal((await parseReproduceArgument({ outDir: '..reports/r1' }, workspace)).outDir, path.join(workspace, '..reports', 'r1'));
});
