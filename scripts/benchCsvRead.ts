/**
 * Child process of the benchmark: reads one CSV and reports time and its own peak memory as JSON. Both wall and
 * CPU seconds: on a shared machine the wall clock also counts time the process waited for a core.
 */
import { statSync } from 'node:fs';
import { readCsvFile } from '../src/core/data/csv';

function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

async function main(): Promise<void> {
  const started = performance.now();
  const cpu0 = cpuSeconds();
  const table = await readCsvFile(process.argv[2]);
  const seconds = (performance.now() - started) / 1000;
  const cpuUsed = cpuSeconds() - cpu0;
  const numbersMb = (table.rowCount * table.columns.length * 8) / 1e6;
  const fileMb = statSync(process.argv[2]).size / 1e6;
  // The rates too, so that a run by hand reads directly (MB = 10^6 bytes of the file).
  const rates = { wallMbPerSecond: fileMb / seconds, cpuMbPerSecond: fileMb / cpuUsed };
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: cpuUsed, maxRssMb: process.resourceUsage().maxRSS / 1024, numbersMb, fileMb, ...rates }));
}

void main();
