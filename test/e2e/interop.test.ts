import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeErrors, ffprobe, playToFile, startGap } from '../support/ffmpeg.js';
import { gstLaunch, gstTestSource, runClient } from '../support/gstreamer.js';
import { startHealthyStream, type HealthyStream } from '../support/healthy.js';
import { startTestServer, type TestServer } from '../support/server.js';

/** GStreamer and VLC against Sluice's RTSP and SRT, with the healthy RTMP stream as their source. */

let server: TestServer;
let healthy: HealthyStream;
let dir: string;

before(async () => {
  server = await startTestServer({
    srt_server: { enabled: true, listen: '127.0.0.1:0' },
    rtsp_server: { enabled: true, listen: '127.0.0.1:0', rtp_port: 0 },
  });
  dir = await mkdtemp(join(tmpdir(), 'sluice-interop-'));
  // VLC runs as an unprivileged user (it refuses root) and writes here.
  await chmod(dir, 0o777);
  healthy = await startHealthyStream(server);
});

after(async () => {
  await healthy.stop();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const rtspUrl = (path: string): string => `rtsp://127.0.0.1:${server.rtspPort}/${path}`;
const srtUrl = (streamId: string): string => `srt://127.0.0.1:${server.srtPort}?streamid=${streamId}`;

/** H.264 and AAC, at least `seconds` long, decoding clean (over its first `seconds` when its client was interrupted). */
async function assertCleanAv(file: string, seconds: number, options: { cut?: boolean; gap?: boolean } = {}): Promise<void> {
  const probe = await ffprobe(file);
  assert.deepEqual(probe.streams.map((s) => s.codec_name).sort(), ['aac', 'h264'], file);
  assert.ok(Number(probe.format.duration) >= seconds, `${file}: ${probe.format.duration} s`);
  if (options.gap !== false) assert.ok(startGap(probe) < 0.1, `${file}: audio and video start ${startGap(probe).toFixed(3)} s apart`);
  assert.equal(await decodeErrors(file, options.cut ? seconds : undefined), '', file);
}

for (const transport of ['tcp', 'udp']) {
  test(`GStreamer rtspclientsink publishes H.264 and AAC (MP4A-LATM) over RTSP/${transport}; ffmpeg plays it over RTMP clean`, async () => {
    const name = `gst-${transport}`;
    const file = join(dir, `${name}.flv`);
    // Waiting before the publisher, the player gets the stream from its first frame.
    const player = playToFile(server.rtmpUrl(`live/${name}`), 3, file);
    // gst-launch 1.22's rtspclientsink now and then never finishes its EOS after sending every
    // packet (no TEARDOWN arrives), so it is interrupted once it has had ample time: what is
    // checked is what Sluice made of its publish.
    const publisher = gstLaunch(
      `${gstTestSource(5, 's.sink_0', 's.sink_1')} rtspclientsink name=s location=${rtspUrl(`live/${name}`)} protocols=${transport}`,
      15_000,
    );
    assert.equal(await player.exited, 0, player.stderr());
    await publisher;
    await assertCleanAv(file, 2.5);
    const start = server.logs().find((line) => line.msg === 'publish start' && line.stream === `live/${name}`);
    assert.deepEqual(start?.ignored, undefined, JSON.stringify(start));
    assert.equal(start?.transport, transport);
  });
}

for (const transport of ['tcp', 'udp'] as const) {
  test(`GStreamer rtspsrc plays an RTMP-published stream over RTSP/${transport.toUpperCase()}, clean`, async () => {
    // Interrupted after 4 s: an EOS, then TEARDOWN. rtspsrc keeps its jitter buffer's default
    // mode, which times packets by their arrival: players start at the live edge, not with a
    // burst of the cached GOP. gst-launch 1.22 now and then fails its delayed linking of one of
    // rtspsrc's pads and writes no stream: such a run is tried again, at most twice.
    let file = '';
    for (let attempt = 1; attempt <= 3; attempt++) {
      file = join(dir, `rtspsrc-${transport}-${attempt}.ts`);
      await gstLaunch(`rtspsrc location=${rtspUrl('live/healthy')} protocols=${transport} name=src
        src. ! application/x-rtp,media=video ! rtph264depay ! h264parse ! queue ! mpegtsmux name=m ! filesink location=${file}
        src. ! application/x-rtp,media=audio ! rtpmp4gdepay ! aacparse ! queue ! m.`, 4500);
      const readable = await ffprobe(file).then(() => true, () => false);
      if (readable) break;
    }
    await assertCleanAv(file, 3, { cut: true });
    await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'rtsp' && line.stream === 'live/healthy' && line.reason === 'teardown' && line.transport === transport);
    await healthy.assertServing();
  });
}

test('GStreamer publishes over SRT with srtsink and plays with srtsrc', async () => {
  const publisher = gstLaunch(`${gstTestSource(8, 'm.', 'm.')} mpegtsmux name=m alignment=7 ! srtsink uri=srt://127.0.0.1:${server.srtPort} streamid=#!::r=live/gst-srt,m=publish`);
  await server.waitForLog((line) => line.msg === 'publish start' && line.protocol === 'srt' && line.stream === 'live/gst-srt', 15_000);
  const rtmpFile = join(dir, 'gst-srt.flv');
  const srtFile = join(dir, 'srtsrc.ts');
  const [rtmp, srt] = await Promise.all([
    playToFile(server.rtmpUrl('live/gst-srt'), 3, rtmpFile).exited,
    gstLaunch(`srtsrc uri=srt://127.0.0.1:${server.srtPort} streamid=#!::r=live/healthy,m=request ! filesink location=${srtFile}`, 4000),
  ]);
  assert.equal(rtmp, 0);
  assert.equal(srt.code, 0, srt.stderr);
  await assertCleanAv(rtmpFile, 2.5);
  // Interrupted, srtsrc may leave the last frame cut: only what came before is decoded.
  await assertCleanAv(srtFile, 2.5, { cut: true });
  assert.equal((await publisher).code, 0);
  await healthy.assertServing();
});

/** VLC, as an unprivileged user when the tests run as root (VLC refuses root); setpriv execs it, so signals reach it. */
function vlc(args: string[], stopAfterMs: number) {
  const vlcArgs = ['-I', 'dummy', '--no-one-instance', ...args];
  const asNobody = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'cvlc'];
  return process.getuid?.() === 0 ? runClient('setpriv', [...asNobody, ...vlcArgs], stopAfterMs) : runClient('cvlc', vlcArgs, stopAfterMs);
}

test('VLC plays over SRT (its libsrt access)', async () => {
  const file = join(dir, 'vlc-srt.ts');
  // The bytes VLC receives, dumped as they come: the stream as VLC's demuxer sees it.
  const run = await vlc([srtUrl('live/healthy'), '--demux=dump', `--demuxdump-file=${file}`], 4000);
  assert.equal(run.code, 0, run.stderr);
  await assertCleanAv(file, 2.5, { cut: true });
  await server.waitForLog((line) => line.msg === 'session end' && line.protocol === 'srt' && line.stream === 'live/healthy' && Number(line.pkt_sent) > 0);
});
