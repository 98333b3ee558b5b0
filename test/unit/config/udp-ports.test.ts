import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/load.js';
import { rtspRtpPort } from '../../../src/config/udp-ports.js';
import { ConfigError } from '../../../src/util/errors.js';

const conf = (text: string) => parseConfigText(text, 'conf', 'sluice.conf').config;

test('WebRTC and RTSP enabled with their defaults bind apart: RTC 8000, RTSP 8002-8003', () => {
  const config = conf('workers 1;\nrtc_server { enabled on; }\nrtsp_server { enabled on; }\nsrt_server { enabled on; }\n');
  assert.equal(config.rtc_server.listen.port, 8000);
  assert.equal(config.rtsp_server.rtp_port, 8002);
});

test('UDP listeners sharing a port are refused, naming both', () => {
  assert.throws(
    () => conf('workers 1;\nrtc_server { enabled on; listen 8000; }\nrtsp_server { enabled on; rtp_port 7999; }\n'),
    (error: unknown) => error instanceof ConfigError && /rtc_server listen \(UDP 8000\) and rtsp_server rtp_port \(UDP 7999-8000\) share a port/.test(error.message),
  );
  assert.throws(() => conf('srt_server { enabled on; listen 9000; }\nrtc_server { enabled on; listen 9000; }\n'), /rtc_server listen \(UDP 9000\) and srt_server listen \(UDP 9000\)/);
});

test("RTSP's pairs are counted per worker; disabled, port-0 and other-address listeners never clash", () => {
  assert.throws(() => conf('workers 3;\nrtsp_server { enabled on; rtp_port 8002; }\nsrt_server { enabled on; listen 8007; }\n'), /UDP 8002-8007/);
  conf('workers 2;\nrtsp_server { enabled on; rtp_port 8002; }\nsrt_server { enabled on; listen 8006; }\n');
  conf('workers 1;\nrtc_server { enabled off; listen 8002; }\nrtsp_server { enabled on; }\n');
  conf('workers 1;\nrtc_server { enabled on; listen 0; }\nsrt_server { enabled on; listen 0; }\n');
  conf('workers 1;\nrtsp_server { enabled on; udp off; rtp_port 8000; }\nrtc_server { enabled on; }\n');
  conf('workers 1;\nrtc_server { enabled on; listen 127.0.0.1:8000; }\nsrt_server { enabled on; listen 127.0.0.2:8000; }\n');
});

test('each worker binds its own RTSP pair, two ports up from the previous worker', () => {
  assert.deepEqual([1, 2, 3].map((worker) => rtspRtpPort(8002, worker)), [8002, 8004, 8006]);
  assert.deepEqual([1, 2].map((worker) => rtspRtpPort(0, worker)), [0, 0], 'rtp_port 0: each picks a free pair');
});
