import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The built executable, as `npx sluice` runs it. */
export const CLI = join(import.meta.dirname, '../../dist/cli.js');

export interface RunningCli {
  child: ChildProcess;
  /** Its stdout and stderr together, so far. */
  readonly output: string;
  /** Its exit code once it has exited (null when a signal ended it). */
  exited: Promise<number | null>;
}

/** Starts the built CLI with `args`, collecting what it prints; `detached` gives it its own process group. */
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; detached?: boolean }): RunningCli {
  const child = spawn(CLI, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached ?? false });
  let output = '';
  child.stdout!.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (output += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    get output() {
      return output;
    },
    exited,
  };
}
