import { runLog } from './hooks-log.js';
import type { Output } from './hooks-output.js';
import { runServe } from './hooks-serve.js';
import { runTest } from './hooks-test.js';

const HELP = `Usage: sluice hooks <command> [options]

  serve   run a callback receiver that prints every event (and can check tokens, signatures)
  test    send one sample callback to a URL and say whether Sluice would allow
  log     print the latest callback deliveries of a server

sluice hooks <command> --help for the options of each.`;

/** `sluice hooks ...`: returns the process exit code. */
export async function runHooksCommand(argv: string[], out: Output = (line) => console.log(line)): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest, out);
    case 'test':
      return runTest(rest, out);
    case 'log':
      return runLog(rest, out);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      out(HELP);
      return command === undefined ? 2 : 0;
    default:
      out(`unknown hooks command: ${command}\n\n${HELP}`);
      return 2;
  }
}
