// Shared by the MoE Lab integration tests (bundled into each *.test.js by the harness; not a test file itself).
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { MoeLabApi } from '../../src/extension/api';

export const EXTENSION_ID = 'moe-lab.moe-lab';

export async function moeLab(): Promise<{ api: MoeLabApi; extension: vscode.Extension<MoeLabApi> }> {
  const extension = vscode.extensions.getExtension<MoeLabApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  const api = await extension.activate();
  return { api, extension };
}

export function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('no workspace folder is open');
  return folder.uri.fsPath;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `probe` until it returns a truthy value (returned) or `timeoutMs` passes (throws with `what`). */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** Where the tests leave figures (kept after the run, unlike the temporary workspace). */
export function artifactsDir(extensionPath: string): string {
  const dir = path.join(extensionPath, 'test-artifacts', 'integration');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The longest the host's event loop was late for a 20 ms timer while `work` ran. */
export async function lateness<T>(work: () => Promise<T>): Promise<{ value: T; maxLateMs: number }> {
  let last = performance.now();
  let maxLateMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    maxLateMs = Math.max(maxLateMs, now - last - 20);
    last = now;
  }, 20);
  try {
    return { value: await work(), maxLateMs };
  } finally {
    clearInterval(ticker);
  }
}
