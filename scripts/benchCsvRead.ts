/** Child process of the benchmark: reads one CSV and reports time and its own peak memory as JSON. */
import { readCsvFile } from '../src/core/data/csv';

async function main(): Promise<void> {
  const started = performance.now();
  const table = await readCsvFile(process.argv[2]);
  const seconds = (performance.now() - started) / 1000;
  const numbersMb = (table.rowCount * table.columns.length * 8) / 1e6;
  process.stdout.write(JSON.stringify({ seconds, maxRssMb: process.resourceUsage().maxRSS / 1024, numbersMb }));
}

void main();
