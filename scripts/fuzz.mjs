// Long fuzzing runs of every parser's property tests: `npm run fuzz -- [--runs N] [TARGET...]`.
// The same properties run with a few thousand inputs in `npm test`; here each gets N (default a
// million). Every input must either parse or be refused with the parser's own error.
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';

const TARGETS = {
  'rtmp-chunks': { file: 'test/unit/rtmp/fuzz.test.ts', pattern: 'ChunkReader|Handshake|decodeCommand' },
  amf0: { file: 'test/unit/rtmp/fuzz.test.ts', pattern: 'Amf0|AMF0' },
  amf3: { file: 'test/unit/rtmp/fuzz.test.ts', pattern: 'Amf3' },
  flv: { file: 'test/unit/flv/property.test.ts' },
  ts: { file: 'test/unit/mpegts/property.test.ts' },
  'ts-demux': { file: 'test/unit/mpegts/demuxer-fuzz.test.ts' },
  codecs: { file: 'test/unit/codecs/property.test.ts' },
  'srs-conf': { file: 'test/unit/config/srs-conf.test.ts', pattern: 'property' },
  'http-paths': { file: 'test/unit/http/path-fuzz.test.ts' },
  rtsp: { file: 'test/unit/rtsp/rtsp.test.ts', pattern: 'fuzz' },
  'srt-km': { file: 'test/unit/srt/crypto.test.ts', pattern: 'property' },
  stun: { file: 'test/unit/webrtc/stun.test.ts', pattern: 'fuzz' },
  sdp: { file: 'test/unit/webrtc/sdp.test.ts', pattern: 'fuzz' },
  rtcp: { file: 'test/unit/webrtc/rtcp.test.ts', pattern: 'fuzz|property' },
  srtp: { file: 'test/unit/webrtc/srtp.test.ts', pattern: 'malformed' },
  'rtp-extensions': { file: 'test/unit/webrtc/rtp-helpers.test.ts', pattern: 'fuzz' },
  'hls-playlist': { file: 'test/unit/relay/hls-playlist.test.ts', pattern: 'any text' },
  'ice-tcp-framing': { file: 'test/unit/webrtc/ice-tcp-framing.test.ts', pattern: 'however' },
  'transcode-pipes': { file: 'test/unit/transcode/fuzz.test.ts' },
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: 'string', default: '1000000' }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log(`Usage: npm run fuzz -- [--runs N] [TARGET...]\nTargets: ${Object.keys(TARGETS).join(', ')} (default: all)`);
  process.exit(0);
}
const unknown = positionals.filter((name) => !(name in TARGETS));
if (unknown.length > 0) {
  console.error(`unknown target: ${unknown.join(', ')}; targets: ${Object.keys(TARGETS).join(', ')}`);
  process.exit(2);
}

let failed = false;
for (const name of positionals.length > 0 ? positionals : Object.keys(TARGETS)) {
  const { file, pattern } = TARGETS[name];
  const started = Date.now();
  const args = ['--import', 'tsx', '--test', '--test-reporter=dot', '--test-timeout=0'];
  if (pattern) args.push(`--test-name-pattern=${pattern}`);
  const result = spawnSync(process.execPath, [...args, file], {
    stdio: 'inherit',
    env: { ...process.env, SLUICE_FUZZ_RUNS: values.runs },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const outcome = result.status === 0 ? 'passed' : 'FAILED';
  console.log(`${name}: ${values.runs} inputs per property, ${outcome} in ${seconds} s`);
  failed ||= result.status !== 0;
}
process.exit(failed ? 1 : 0);
