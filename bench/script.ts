// What every bench script does at its two ends: flags in (with --help), results out.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type FlagOptions = NonNullable<ParseArgsConfig['options']>;
type Flags<O extends FlagOptions> = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: O }>>['values'];

/** The flags of `argv`, unknown ones refused; `--help` prints `usage` and exits. */
export function parseFlags<O extends FlagOptions>(argv: string[], options: O, usage: string): Flags<O> {
  const { values } = parseArgs({ args: argv, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' } } });
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    process.exit(0);
  }
  return values as Flags<O>;
}

/** Prints the report, then where its JSON was saved; a failed case fails the command. */
export function printResults(report: string, save: () => string, failed: boolean): void {
  console.log(`\n${report}\n`);
  console.log(`saved ${save()}`);
  if (failed) process.exitCode = 1;
}

/** Runs a bench's main; an error is printed as its message alone and fails the command. */
export function runBench(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
