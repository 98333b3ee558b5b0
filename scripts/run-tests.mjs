// Runs the test suite with Node's own test runner: unit tests first, then end-to-end tests.
// `node scripts/run-tests.mjs unit` runs only the unit tests.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return findTests(path);
      return name.endsWith('.test.ts') ? [path] : [];
    })
    .sort();
}

// The real clients the end-to-end tests drive: a missing one fails the run rather than skipping tests.
const TOOLS = [
  'ffmpeg', 'ffprobe', 'rtmpdump', 'srt-live-transmit', 'openssl', 'gst-launch-1.0', 'cvlc', 'setpriv',
  '/usr/bin/chromium', '/usr/sbin/nginx', '/usr/lib/nginx/modules/ngx_rtmp_module.so',
];
// GStreamer elements the interop tests use (plugins base, good, bad, ugly, libav and rtsp).
const GST_ELEMENTS = ['rtspclientsink', 'rtspsrc', 'srtsink', 'srtsrc', 'x264enc', 'avenc_aac', 'mpegtsmux', 'rtpmp4gdepay'];

function missingTools() {
  const missing = TOOLS.filter((tool) =>
    tool.startsWith('/') ? !existsSync(tool) : spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0,
  );
  const elements = GST_ELEMENTS.filter((element) => spawnSync('gst-inspect-1.0', ['--exists', element]).status !== 0);
  // VLC's SRT input (vlc-plugin-access-extra), wherever the architecture puts VLC's plugins.
  const vlcSrt = spawnSync('sh', ['-c', 'ls /usr/lib/*/vlc/plugins/access/libaccess_srt_plugin.so']).status === 0;
  return [...missing, ...elements.map((element) => `GStreamer element ${element}`), ...(vlcSrt ? [] : ['VLC SRT access'])];
}

const only = process.argv[2];
const suites = only ? [only] : ['unit', 'e2e'];
if (suites.includes('e2e')) {
  const missing = missingTools();
  if (missing.length > 0) {
    console.error(`missing test tools: ${missing.join(', ')}; install them with: sudo bash scripts/test-deps.sh`);
    process.exit(1);
  }
}
const files = suites.flatMap((suite) => findTests(join('test', suite)));
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=180000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
