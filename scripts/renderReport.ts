/**
 * Renders a reproduction's `report.md` again from its `results.json` with this checkout's report code, keeping the
 * PNG charts already beside it. For a run whose report an older commit wrote: the paper-size Fashion-MNIST run's
 * instances ran at one commit over several sittings, and a later report states their time over all of them.
 * The numbers are the run's; the report names the commit that rendered it.
 *
 *   node --import tsx scripts/renderReport.ts DIR --command "moe-lab reproduce …" [--commit SHA]
 *
 * `--command` is the command that made the results (the report quotes it); `--commit` the commit that ran it.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { gitCommit } from '../src/cli/commands/gitCommit';
import type { ReproductionResults } from '../src/core/reproduce/reproduce';
import { renderReport } from '../src/core/reproduce/report';
import { writeTextAtomic } from '../src/core/runner/results';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { command: { type: 'string' }, commit: { type: 'string' } } });
  const dir = positionals[0];
  if (!dir || !values.command) throw new Error('usage: renderReport.ts DIR --command "moe-lab reproduce …" [--commit SHA]');
  const results = JSON.parse(readFileSync(path.join(dir, 'results.json'), 'utf8')) as ReproductionResults;
  const renderedCharts = new Set(results.charts.map((c) => c.id).filter((id) => existsSync(path.join(dir, `${id}.png`))));
  const missing = results.charts.length - renderedCharts.size;
  const report = path.join(dir, 'report.md');
  await writeTextAtomic(
    report,
    renderReport(results, {
      command: values.command,
      renderedCharts,
      ...(missing > 0 ? { chartNote: `${missing} of ${results.charts.length} PNG charts are missing from the folder` } : {}),
      ...(values.commit ? { gitCommit: values.commit } : {}),
      renderedBy: gitCommit(path.resolve(__dirname, '..')) ?? 'unknown (not a git checkout)',
    }),
  );
  process.stdout.write(`${report}: rendered, ${renderedCharts.size} chart(s)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`renderReport: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
