// Types for vscodeServer.mjs (plain ESM so the launchers run under Node 20 without a build), used by test/e2e.
import type { Browser, BrowserContext, Page } from 'playwright-core';

export const REPO_ROOT: string;
export const CACHE_DIR: string;
export const SERVER_DIR: string;
export const ARTIFACTS_DIR: string;
export const FIXTURE_WORKSPACE: string;
export const SUITE_OUT_DIR: string;
export const SUITE_INDEX: string;
export const CHROMIUM: string;
export const CHROMIUM_ARGS: string[];
export const CODE_SERVER_VERSION: string;
export const NODE_VERSION: string;
export const NODE24: string;
export const SERVER_MAIN: string;

export function log(...args: unknown[]): void;
export function sleep(ms: number): Promise<void>;

export interface CleanupEntry {
  sync(): void;
  async(): Promise<void>;
}
export function registerCleanup(entry: CleanupEntry): () => Promise<void>;
export function cleanupAll(): Promise<void>;

export function processesOf(leader: number): number[];
export function killTreeSync(leader: number): void;
export function killTree(leader: number, graceMs?: number): Promise<void>;

export function serverInstalled(): boolean;
export function ensureServerInstalled(): Promise<{ node: string; serverMain: string }>;
export function buildAll(options?: { force?: boolean }): Promise<void>;
export function buildSuite(): Promise<{ index: string; tests: number }>;

export interface Run {
  /** Temporary directory of this run (removed at cleanup unless MOE_LAB_KEEP_TMP is set). */
  dir: string;
  /** The copy of the fixture workspace to open. */
  workspace: string;
  /** test-artifacts/<name>/ */
  artifacts: string;
  remove(): Promise<void>;
}
export function createRun(name: string, options?: { workspace?: string }): Run;

export function freePort(): Promise<number>;

export interface VscodeServer {
  port: number;
  pid: number;
  url: string;
  /** Every output line so far (stdout and stderr). */
  lines: string[];
  waitForLine(regex: RegExp, timeoutMs?: number, options?: { since?: number }): Promise<RegExpMatchArray>;
  /** Ends the server's whole session / process group. */
  stop(): Promise<void>;
}
export const DEFAULT_SETTINGS: Record<string, unknown>;
export const UNTRUSTED_SETTINGS: Record<string, unknown>;
/**
 * `settings` are merged over DEFAULT_SETTINGS into the server's machine settings (<user-data-dir>/Machine/settings.json).
 * `workspaceTrust: 'untrusted'`: workspace trust on and never prompted, so the opened folder is in Restricted Mode
 * (default `'disabled'`: the server runs with --disable-workspace-trust and every folder is trusted).
 */
export function startServer(options?: {
  runDir?: string;
  env?: Record<string, string>;
  logFile?: string;
  settings?: Record<string, unknown>;
  startTimeoutMs?: number;
  workspaceTrust?: 'disabled' | 'untrusted';
}): Promise<VscodeServer>;

export function workbenchUrl(options: { port: number; folder?: string; extensionDevelopmentPath?: string; extensionTestsPath?: string }): string;

export function launchBrowser(options?: { headless?: boolean }): Promise<{ browser: Browser; close(): Promise<void> }>;
export function newPage(browser: Browser, options?: { width?: number; height?: number }): Promise<{ context: BrowserContext; page: Page; consoleLines: string[] }>;
