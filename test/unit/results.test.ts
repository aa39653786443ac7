/**
 * Durability of the results folder (issue 15, item 7): every file is synced before the rename that gives it its
 * name, the folder before the rename that publishes the run, and the parent after it. Checked on the real file
 * system through the writer's `onSync` seam, which reports each sync after it happened: at that moment the disk
 * state must be the one the order promises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PARTIAL_SUFFIX, ResultsWriter, writeJsonAtomic, type RunSummary, type SyncKind } from '../../src/core/runner/results';
import type { SolverResult } from '../../src/core/runner/types';

interface SyncEvent {
  readonly target: string;
  readonly kind: SyncKind;
  /** For a file: its content when synced (it still has its temporary name). */
  readonly content?: string;
  readonly published: boolean;
}

/** The writer only serializes results; a small one with a two-row trace exercises every file it writes. */
function solverResult(solver: 'em' | 'gd', restart: number): SolverResult {
  const trace = [1, 2].map((iteration) => ({ iteration, logLik: -10 / iteration, objective: 10 / iteration }));
  return { solver, restart, iterations: 2, converged: true, logLik: -5, trace } as unknown as SolverResult;
}

const skipOnWindows = process.platform === 'win32' ? 'folders cannot be synced on Windows' : false;

test('a published run: each file synced before its rename, the folder before it is published, the parent after', { skip: skipOnWindows }, async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'moe-durable-'));
  const events: SyncEvent[] = [];
  let finalDir = '';
  const onSync = (target: string, kind: SyncKind): void => {
    events.push({ target, kind, content: kind === 'file' ? readFileSync(target, 'utf8') : undefined, published: finalDir !== '' && existsSync(finalDir) });
  };
  const writer = await ResultsWriter.create(root, 'run', { onSync });
  finalDir = writer.finalDir;
  const partialDir = finalDir + PARTIAL_SUFFIX;
  const results = [solverResult('em', 0), solverResult('gd', 0), solverResult('em', 1)];
  await writer.writeSpec({ name: 'x' } as never, { name: 'x' }, { startedAt: 'now' } as never);
  await writer.writeSolverResult(results[0]);
  const summary = { runId: writer.runId, name: 'x', complete: true, results: [] } as unknown as RunSummary;
  assert.equal(await writer.finish(summary, results), finalDir);

  // Every file of the published folder is complete, parses, and its content was synced under a temporary name.
  const published = ['spec.json', 'summary.json', 'traces.csv', ...readdirSync(path.join(finalDir, 'traces')).map((f) => `traces/${f}`)];
  assert.equal(published.length, 3 + results.length);
  for (const relative of published) {
    const content = readFileSync(path.join(finalDir, relative), 'utf8');
    if (relative.endsWith('.json')) JSON.parse(content);
    const synced = events.filter((e) => e.kind === 'file' && e.target.startsWith(path.join(partialDir, relative) + '.'));
    assert.ok(synced.length > 0, `${relative} was synced before its rename`);
    assert.equal(synced.at(-1)!.content, content, `${relative}: the synced data is what was published`);
    assert.ok(synced.every((e) => !e.published));
  }
  // One sync per published file: a trace written as its solver ends is rewritten and synced by finish.
  assert.equal(events.filter((e) => e.kind === 'file').length, published.length);
  assert.equal(readFileSync(path.join(finalDir, 'traces.csv'), 'utf8').trim().split('\n').length, 1 + 2 * results.length);

  // The folders: traces/ and the run folder before the publishing rename, then the root after it.
  const folders = events.filter((e) => e.kind === 'folder');
  assert.deepEqual(folders.map((e) => e.target), [path.join(partialDir, 'traces'), partialDir, root]);
  assert.deepEqual(folders.map((e) => e.published), [false, false, true]);
  assert.ok(events.slice(events.indexOf(folders[0])).every((e) => e.kind === 'folder'), 'every file is synced before the folders');
  assert.deepEqual(readdirSync(root), ['run']);
});

test('writeJsonAtomic syncs the file, then its folder once it holds the new name', { skip: skipOnWindows }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'moe-durable-'));
  const file = path.join(dir, 'truth.json');
  const events: { target: string; kind: SyncKind; named: boolean }[] = [];
  const value = { weights: [1, 2, 3], name: 'é' };
  await writeJsonAtomic(file, value, { onSync: (target, kind) => events.push({ target, kind, named: existsSync(file) }) });
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), value);
  assert.equal(events.length, 2);
  assert.equal(events[0].kind, 'file');
  assert.ok(events[0].target.startsWith(file + '.') && !events[0].named, 'the temporary file is synced before the rename');
  assert.deepEqual(events[1], { target: dir, kind: 'folder', named: true });
  assert.deepEqual(readdirSync(dir), ['truth.json'], 'no temporary file is left');
});
