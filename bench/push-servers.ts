// The processes of `npm run bench:push`: the Sluice under test (forwarding to the targets or
// not) and the push targets, each an nginx-rtmp of its own so one can be killed alone.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startChild, stopChild, waitForPort } from './children.js';
import { SERVER_LOG, nginxCommand } from './servers.js';

export interface RunningProcess {
  port: number;
  pid: number;
  /** Its configuration file, as written. */
  config: string;
  exitStatus(): string | undefined;
  /** SIGKILL: the process dies at once, as a crashed target would. */
  kill(): void;
  stop(): Promise<void>;
}

export interface RunningSluice extends RunningProcess {
  apiPort: number;
}

const SLUICE_CLI = resolve('dist', 'cli.js');

export function checkPrerequisites(): void {
  if (!existsSync(SLUICE_CLI)) throw new Error(`${SLUICE_CLI} not found: run \`npm run build\` first`);
}

/** Starts a process and waits until all its `ports` accept; the first is its media port. */
async function start(command: string, args: string[], dir: string, ports: number[], conf: string): Promise<RunningProcess> {
  const child = startChild(command, args, join(dir, SERVER_LOG));
  try {
    for (const port of ports) await waitForPort(child, port);
  } catch (err) {
    await stopChild(child);
    throw new Error(`${command} did not start: ${(err as Error).message}`, { cause: err });
  }
  return {
    port: ports[0]!,
    pid: child.pid ?? 0,
    config: readFileSync(conf, 'utf8'),
    exitStatus: () => (child.exitCode ?? child.signalCode ?? undefined)?.toString(),
    kill: () => child.kill('SIGKILL'),
    stop: () => stopChild(child),
  };
}

/**
 * Sluice with its defaults, the HTTP API on (to read the pushes' state) and, when `targets` are
 * given, SRS's `forward` to each of them: every publish goes to every target.
 */
export async function startSluice(dir: string, targets: readonly number[]): Promise<RunningSluice> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const forward = targets.length ? ` forward { enabled on; destination ${targets.map((p) => `127.0.0.1:${p}`).join(' ')}; }` : '';
  const conf = join(dir, 'sluice.conf');
  writeFileSync(
    conf,
    [
      `listen 127.0.0.1:${port};`,
      'max_connections 10000;',
      `data_dir ${join(dir, 'data')};`,
      `http_api { enabled on; listen 127.0.0.1:${apiPort}; }`,
      'http_server { enabled off; }',
      `vhost __defaultVhost__ {${forward} }`,
      '',
    ].join('\n'),
  );
  // Started as `npx sluice` starts it: the executable, with the V8 flags of its first line.
  return { ...(await start(SLUICE_CLI, ['-c', conf], dir, [port, apiPort], conf)), apiPort };
}

/** A push target: nginx-rtmp, one worker, `application live { live on; }`, in `dir/target-i`. */
export async function startTarget(dir: string, i: number): Promise<RunningProcess> {
  const targetDir = join(dir, `target-${i}`);
  mkdirSync(targetDir);
  const port = await freePort();
  const [command, args] = nginxCommand(targetDir, port);
  return start(command, args, targetDir, [port], join(targetDir, 'nginx.conf'));
}
