/**
 * `moe-lab` — the command line over the same runner the extension uses.
 *   moe-lab run SPEC.moe.json [--out DIR] [--json]
 *   moe-lab fit DATA.csv --target COL [...]
 *   moe-lab select-k DATA.csv --target COL --k 1..6 [...]
 *   moe-lab synth --kind linear|logistic --experts K --dim D --samples N --snr S --seed S --out FILE.csv
 * A user mistake exits with code 2 and one line on stderr; a run interrupted by Ctrl-C exits with 130; `--json` prints exactly one JSON document on stdout.
 */
import { UserInputError, isUserInputError } from '../core/errors';
import { runCommand } from './commands/run';
import { fitCommand } from './commands/fit';
import { selectKCommand } from './commands/selectK';
import { synthCommand } from './commands/synth';
import { dataCommand } from './commands/data';
import { reproduceCommand } from './commands/reproduce';
import { USAGE } from './usage';
import { isArgumentError } from './commands/options';

/** Each command resolves to its exit code (130 after Ctrl-C), or nothing for 0. */
const COMMANDS: Record<string, (args: string[]) => Promise<number | void>> = {
  run: runCommand,
  fit: fitCommand,
  'select-k': selectKCommand,
  synth: synthCommand,
  data: dataCommand,
  reproduce: reproduceCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const handler = COMMANDS[command];
  if (!handler) throw new UserInputError(`unknown command "${command}" (try: ${Object.keys(COMMANDS).join(', ')}, help)`);
  return (await handler(rest)) ?? 0;
}

// `moe-lab … | head` closes stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (isUserInputError(error) || isArgumentError(error)) {
      process.stderr.write(`moe-lab: ${describeUserError(error as Error)}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`moe-lab: internal error: ${(error as Error)?.message ?? String(error)}\n`);
      if (process.env.MOE_LAB_DEBUG) process.stderr.write(`${(error as Error)?.stack}\n`);
      process.exitCode = 1;
    }
  },
);

function describeUserError(error: Error): string {
  // parseArgs explains itself over several lines; the first says what is wrong.
  if (!isUserInputError(error)) return error.message.split('\n')[0];
  const { pointer } = error.location;
  return pointer && !error.message.includes(pointer) ? `${pointer}: ${error.message}` : error.message;
}
