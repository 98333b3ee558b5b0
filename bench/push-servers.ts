// The processes of `npm run bench:push`: the Sluice under test (forwarding to the targets or
// not) and the push targets, each an nginx-rtmp of its own so one can be killed alone.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './children.js';
import { SLUICE_CLI, launch, nginxCommand, requireSluice, type Launched } from './launch.js';

export interface RunningProcess extends Launched {
  port: number;
}

export interface RunningSluice extends RunningProcess {
  apiPort: number;
}

export function checkPrerequisites(): void {
  requireSluice();
}

/**
 * Sluice with its defaults, the HTTP API on (to read the pushes' state) and, when `targets` are
 * given, SRS's `forward` to each of them: every publish goes to every target.
 */
export async function startSluice(dir: string, targets: readonly number[]): Promise<RunningSluice> {
  const [port, apiPort] = [await freePort(), await freePort()];
  const forward = targets.length ? ` forward { enabled on; destination ${targets.map((p) => `127.0.0.1:${p}`).join(' ')}; }` : '';
  const configFile = join(dir, 'sluice.conf');
  writeFileSync(
    configFile,
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
  const sluice = await launch({ label: SLUICE_CLI, command: SLUICE_CLI, args: ['-c', configFile], dir, ports: [port, apiPort], configFile });
  return { port, apiPort, ...sluice };
}

/** A push target: nginx-rtmp, one worker, `application live { live on; }`, in `dir/target-i`. */
export async function startTarget(dir: string, i: number): Promise<RunningProcess> {
  const targetDir = join(dir, `target-${i}`);
  mkdirSync(targetDir);
  const port = await freePort();
  const [command, args] = nginxCommand(targetDir, port);
  return { port, ...(await launch({ label: command, command, args, dir: targetDir, ports: [port], configFile: join(targetDir, 'nginx.conf') })) };
}
