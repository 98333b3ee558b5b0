import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpusToAac } from '../../src/transcode/index.js';
import type { Logger } from '../../src/util/logger.js';
import { processExists } from '../support/audio-fixtures.js';
import { capturingLogger } from '../support/log-capture.js';
import { waitFor } from '../support/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'sluice-supervision-'));

/** A stand-in for ffmpeg at `ffmpegPath`: a shell script that misbehaves as told. */
function fakeFfmpeg(name: string, script: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

interface LogLine { msg: string; process?: string; stderr?: string; dropped?: number }

function capturingLog(): { log: Logger; lines: LogLine[] } {
  const { logger, lines } = capturingLogger();
  return { log: logger, lines: lines as unknown as LogLine[] };
}

// A 20 ms CELT stereo Opus packet (TOC 0xfc) of about 1 KB: the content does not matter here.
const packet = Buffer.concat([Buffer.from([0xfc]), Buffer.alloc(1000, 0x55)]);

test('a crashing ffmpeg is restarted again and again; its stderr is logged a bounded number of lines', async () => {
  const ffmpegPath = fakeFfmpeg('crashing', 'for i in $(seq 1 50); do echo "error line $i" >&2; done; exit 1');
  const { log, lines } = capturingLog();
  const transcoder = createOpusToAac({ log, channels: 2, ffmpegPath });
  await waitFor(() => transcoder.stats.restarts >= 2, 'two restarts');
  const stderrLines = lines.filter((line) => line.stderr !== undefined);
  assert.ok(stderrLines.length >= 10, 'the first lines are logged');
  assert.ok(stderrLines.length <= 20, `${stderrLines.length} of ${(transcoder.stats.restarts + 1) * 50} stderr lines logged`);
  assert.ok(lines.some((line) => line.msg === 'process ended; restarting' && line.process === 'ffmpeg transcoder'));
  transcoder.write({ timestamp: 0, data: packet }); // never throws, whatever the child's state
  await transcoder.close();
});

test('an ffmpeg that stops reading: input is dropped and counted, never queued without bound; close() kills it', async () => {
  const ffmpegPath = fakeFfmpeg('stuck', 'exec sleep 60');
  const { log, lines } = capturingLog();
  const transcoder = createOpusToAac({ log, channels: 2, ffmpegPath });
  const pid = await waitFor(() => transcoder.stats.pid, 'the child');
  // 1 MB: far more than the pipe and the bound on what waits for it.
  for (let i = 0; i < 1000; i++) transcoder.write({ timestamp: i * 20, data: packet });
  const { framesDropped, framesIn } = transcoder.stats;
  assert.equal(framesIn, 1000);
  assert.ok(framesDropped > 700, `${framesDropped} frames dropped`);
  await transcoder.close(); // stdin ends, sleep does not exit: killed after the timeout
  assert.equal(processExists(pid), false);
  assert.ok(lines.some((line) => line.msg.startsWith('ffmpeg transcoder input dropped') && line.dropped! > 0));
});
