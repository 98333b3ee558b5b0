import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, startCli } from '../support/cli.js';
import { TestRtmpClient } from '../support/rtmp-client.js';
import { freePort, waitFor } from '../support/wait.js';

const run = promisify(execFile);
// Run as `npx sluice` runs it: the built executable (CLI), through its first line.

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(CLI, args);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('--version and --help', async () => {
  const pkg = JSON.parse(await readFile(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
  assert.equal((await cli('--version')).stdout.trim(), `sluice ${pkg.version}`);
  const help = await cli('--help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /-c, --config FILE/);
  assert.match(help.stdout, /-t, --test/);
});

test('-t checks a config: the shipped examples pass, a wrong value names file, line and directive', async () => {
  for (const file of ['conf/srs.conf', 'conf/sluice.yaml']) {
    const checked = await cli('-t', '-c', join(import.meta.dirname, '../..', file));
    assert.equal(checked.code, 0, checked.stderr);
    assert.match(checked.stdout, /is valid/);
  }
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  try {
    const bad = join(dir, 'bad.conf');
    await writeFile(bad, 'listen 1935;\nmax_connections lots;\n');
    const checked = await cli('-t', '-c', bad);
    assert.equal(checked.code, 2);
    assert.match(checked.stderr, /bad\.conf:2.*max_connections/);
    const odd = join(dir, 'odd.conf');
    await writeFile(odd, 'listen 1935;\nno_such_thing on;\n');
    const warned = await cli('-t', '-c', odd);
    assert.equal(warned.code, 0);
    assert.match(warned.stderr, /warning: .*odd\.conf:2 no_such_thing: unknown directive, ignored/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('-c starts the server from an SRS config; SIGTERM stops it cleanly and removes the pid file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  const [rtmp, http, api] = [await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'srs.conf');
  const pid = join(dir, 'sluice.pid');
  await writeFile(
    conf,
    `listen 127.0.0.1:${rtmp};\npid ${pid};\ndaemon off;\nhttp_api { enabled on; listen 127.0.0.1:${api}; }\n` +
      `http_server { enabled on; listen 127.0.0.1:${http}; dir ${dir}; }\n` +
      `vhost __defaultVhost__ { http_remux { enabled on; mount [vhost]/[app]/[stream].flv; } }\n`,
  );
  const sluice = startCli(['-c', conf], { cwd: dir });
  const { child, exited } = sluice;
  try {
    // The pid file is written once the server is up (under the default `workers`, every worker).
    await waitFor(() => readFileOrUndefined(pid), 'the pid file', 20_000);
    assert.match(sluice.output, /"msg":"rtmp listening"/, 'machine-readable log lines when not on a terminal');
    assert.equal((await readFile(pid, 'utf8')).trim(), String(child.pid));
    const client = await TestRtmpClient.open(rtmp, 'live');
    assert.equal(await client.play('cam'), 'NetStream.Play.Start');
    const version = (await (await fetch(`http://127.0.0.1:${api}/api/v1/versions`)).json()) as { code: number };
    assert.equal(version.code, 0);

    const stopAt = Date.now();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.ok(Date.now() - stopAt < 5000, 'stops within a few seconds');
    await client.closedByServer();
    await assert.rejects(readFile(pid), /ENOENT/);
    assert.match(sluice.output, /shutting down/);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('SIGTERM while the workers are still starting stops the server cleanly once they have started', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  const [rtmp, http, api] = [await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'srs.conf');
  await writeFile(conf, `listen 127.0.0.1:${rtmp};\nworkers 2;\ndaemon off;\nhttp_api { enabled on; listen 127.0.0.1:${api}; }\nhttp_server { enabled on; listen 127.0.0.1:${http}; dir ${dir}; }\n`);
  const sluice = startCli(['-c', conf], { cwd: dir });
  const { child, exited } = sluice;
  try {
    // The primary has begun; its workers are not all ready yet.
    await waitFor(() => sluice.output.includes('sluice starting'), 'the primary starting', 20_000);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, sluice.output);
    assert.match(sluice.output, /"msg":"stopped"/);
  } finally {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

test('started through a shell that is killed (as `npx sluice` is on SIGTERM), the server still shuts down', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  const [rtmp, http, api] = [await freePort(), await freePort(), await freePort()];
  const conf = join(dir, 'srs.conf');
  // A pid file in a directory that does not exist yet, as the shipped conf/srs.conf has it.
  const pid = join(dir, 'objs', 'sluice.pid');
  await writeFile(
    conf,
    `listen 127.0.0.1:${rtmp};\npid ${pid};\nhttp_api { enabled on; listen 127.0.0.1:${api}; }\n` +
      `http_server { enabled on; listen 127.0.0.1:${http}; dir ${dir}; }\n`,
  );
  // `; true` keeps the shell from exec-ing the server, so it stays in between as npm's does.
  const shell = spawn('sh', ['-c', `"${CLI}" -c "${conf}"; true`], { cwd: dir, stdio: 'ignore' });
  try {
    const serverPid = Number((await waitFor(() => readFileOrUndefined(pid), 'the pid file')).trim());
    assert.notEqual(serverPid, shell.pid);
    shell.kill('SIGKILL');
    await waitFor(() => !isAlive(serverPid), 'the orphaned server to exit');
    await assert.rejects(readFile(pid), /ENOENT/, 'a clean shutdown removes the pid file');
  } finally {
    shell.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

function readFileOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8') || undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
