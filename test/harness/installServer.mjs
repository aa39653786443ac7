#!/usr/bin/env node
// Installs the VS Code server (code-server + Node 24) into .vscode-test/server/ if it is not there yet; the other
// launchers do the same on first use. scripts/test-all.mjs runs this in the background while the first tiers run.
//   node test/harness/installServer.mjs
import { ensureServerInstalled, log } from './vscodeServer.mjs';

ensureServerInstalled().then(
  (r) => {
    log(`server ready: ${r.serverMain}`);
    process.exit(0);
  },
  (e) => {
    console.error('[harness] install failed:', e?.stack ?? e);
    process.exit(1);
  },
);
