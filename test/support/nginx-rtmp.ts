import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './wait.js';

export interface NginxRtmp {
  readonly port: number;
  /** Where `record all` writes `<stream>.flv` of application `live`. */
  readonly recordDir: string;
  stop(): Promise<void>;
}

/** Starts nginx with the RTMP module on a loopback port: application `live` plays and records every publish. */
export async function startNginxRtmp(): Promise<NginxRtmp> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-nginx-'));
  const recordDir = join(dir, 'record');
  await mkdir(recordDir);
  const port = await freePort();
  const conf = `
load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 64; }
rtmp {
  server {
    listen 127.0.0.1:${port};
    application live { live on; record all; record_path ${recordDir}; }
  }
}
`;
  await writeFile(join(dir, 'nginx.conf'), conf);
  const child = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  // Ready once it accepts connections.
  for (let tries = 0; ; tries++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(true)).on('error', () => resolve(false));
      socket.once('connect', () => socket.destroy());
    });
    if (ok) break;
    if (tries > 100) throw new Error('nginx-rtmp did not start');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    port,
    recordDir,
    async stop() {
      child.kill('SIGQUIT');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
