import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SupervisedProcess, type SupervisedStatus } from '../../../src/util/supervised-process.js';
import { processExists as alive } from '../../support/audio-fixtures.js';
import { capturingLogger } from '../../support/log-capture.js';
import { waitForAsync } from '../../support/wait.js';

const fastBackoff = { initialMs: 20, maxMs: 40, healthyMs: 60_000 };

test('a process that keeps failing is restarted with backoff, its stderr logged and kept as the last error', async () => {
  const { logger, lines } = capturingLogger();
  const changes: SupervisedStatus[] = [];
  const proc = new SupervisedProcess({
    name: 'failing', command: process.execPath, args: ['-e', 'console.error("boom here"); process.exit(3)'],
    logger, backoff: fastBackoff, onChange: (status) => changes.push(status),
  });
  proc.start();
  await waitForAsync(async () => proc.status().restarts >= 2, 'two restarts');
  assert.match(proc.status().lastError ?? '', /exited with code 3: boom here/);
  assert.ok(changes.some((status) => status.state === 'retrying'));
  assert.ok(lines.some((line) => line.stderr === 'boom here' && line.process === 'failing'));
  await proc.stop();
  assert.equal(proc.status().state, 'stopped');
  const restarts = proc.status().restarts;
  await new Promise((resolve) => setTimeout(resolve, 150));
  assert.equal(proc.status().restarts, restarts, 'no restart after stop');
});

test('stop sends SIGTERM, then SIGKILL to a process that ignores it, and leaves no process behind', async () => {
  const { logger, lines } = capturingLogger();
  const proc = new SupervisedProcess({
    name: 'stubborn', command: process.execPath,
    args: ['-e', 'process.on("SIGTERM", () => console.error("ignoring")); console.error("ready"); setInterval(() => {}, 1000)'],
    logger, backoff: fastBackoff, stopTimeoutMs: 300,
  });
  proc.start();
  await waitForAsync(async () => lines.some((line) => line.stderr === 'ready'), 'the child to start');
  const { pid, state } = proc.status();
  assert.equal(state, 'running');
  assert.ok(pid && alive(pid));
  await proc.stop();
  assert.ok(!alive(pid), 'the child is gone (reaped) once stop resolves');
  assert.ok(lines.some((line) => line.stderr === 'ignoring'));
  assert.ok(lines.some((line) => String(line.msg).includes('killing')));
  assert.deepEqual(proc.status(), { state: 'stopped', restarts: 0, lastError: 'killed by SIGKILL: ignoring' });
});

test('a missing binary is a last error, retried, and stop ends the retries', async () => {
  const { logger } = capturingLogger();
  const proc = new SupervisedProcess({ name: 'missing', command: '/nonexistent/ffmpeg', args: [], logger, backoff: fastBackoff });
  proc.start();
  await waitForAsync(async () => proc.status().restarts >= 1, 'a retry');
  assert.match(proc.status().lastError ?? '', /could not start \/nonexistent\/ffmpeg: .*ENOENT/);
  await proc.stop();
  assert.equal(proc.status().state, 'stopped');
});

test('stderr past the rate limit is counted, not logged', async () => {
  const { logger, lines } = capturingLogger();
  const proc = new SupervisedProcess({
    name: 'chatty', command: process.execPath,
    args: ['-e', 'for (let i = 0; i < 50; i++) console.error("line " + i)'],
    logger, backoff: fastBackoff, stderrLinesPer10s: 5,
  });
  proc.start();
  await waitForAsync(async () => proc.status().restarts >= 1, 'a restart');
  await proc.stop();
  assert.equal(lines.filter((line) => line.stderr).length, 5);
  assert.ok(lines.some((line) => line.msg === 'process stderr lines suppressed' && line.lines === 45));
});

test('with pipes, stdin opens with the bytes onStart gives at every start, stdout is read, and stop ends stdin', async () => {
  const { logger, lines } = capturingLogger();
  const output: string[] = [];
  let starts = 0;
  // Echoes stdin upper-cased; the first run exits after its opening bytes, the next runs until stdin ends.
  const script = 'process.stdin.on("data", (d) => { process.stdout.write(d.toString().toUpperCase()); if (d.includes("first")) process.exit(1); });'
    + ' process.stdin.on("end", () => { console.error("input ended"); process.exit(0); })';
  const proc = new SupervisedProcess({
    name: 'piped', command: process.execPath, args: ['-e', script], logger, backoff: fastBackoff,
    pipes: { maxPendingBytes: 1024, onStart: () => Buffer.from(starts++ === 0 ? 'first;' : 'again;'), onStdout: (chunk) => output.push(chunk.toString()) },
  });
  assert.equal(proc.write(Buffer.from('early')), false, 'nothing is written before the child runs');
  proc.start();
  await waitForAsync(async () => output.join('').includes('AGAIN;'), 'the restarted child to echo its opening bytes');
  assert.equal(proc.status().restarts, 1);
  assert.equal(proc.write(Buffer.from('hello;')), true);
  await waitForAsync(async () => output.join('').includes('HELLO;'), 'the echo of a write');
  assert.equal(output.join(''), 'FIRST;AGAIN;HELLO;');
  await proc.stop();
  assert.ok(lines.some((line) => line.stderr === 'input ended'), 'the child saw the end of its stdin');
  assert.ok(!lines.some((line) => String(line.msg).includes('killing')));
  assert.equal(proc.status().lastError, 'exited with code 0: input ended');
});

test('with pipes, a child that does not read has its input dropped past the bound, and is killed at stop', async () => {
  const { logger } = capturingLogger();
  const proc = new SupervisedProcess({
    name: 'deaf', command: process.execPath, args: ['-e', 'console.error("ready"); setInterval(() => {}, 1000)'],
    logger, backoff: fastBackoff, stopTimeoutMs: 300,
    pipes: { maxPendingBytes: 64 * 1024, onStdout: () => {} },
  });
  proc.start();
  const pid = proc.status().pid;
  assert.ok(pid);
  const chunk = Buffer.alloc(16 * 1024);
  let written = 0;
  for (let i = 0; i < 100; i++) if (proc.write(chunk)) written++;
  assert.ok(written < 100, `${written} of 100 writes taken`);
  await proc.stop();
  assert.ok(!alive(pid));
  assert.equal(proc.write(chunk), false);
});
