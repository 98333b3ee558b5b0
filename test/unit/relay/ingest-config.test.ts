import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfigText } from '../../../src/config/load.js';
import { ffmpegArgs, ingestOutput } from '../../../src/relay/ingest/ffmpeg-args.js';
import { ConfigError } from '../../../src/util/errors.js';

// SRS 7's conf/full.conf, vhost ingest.srs.com, as it spells it.
const SRS_INGEST = `
listen 1935;
vhost ingest.srs.com {
    ingest livestream {
        enabled      on;
        input {
            type    file;
            url     ./doc/source.flv;
        }
        ffmpeg      ./objs/ffmpeg/bin/ffmpeg;
        engine {
            enabled          off;
            output          rtmp://127.0.0.1:[port]/live/livestream?vhost=[vhost];
        }
    }
}
vhost transcode.srs.com {
    ingest cam {
        enabled on;
        input { type stream; url rtsp://10.0.0.2/cam; }
        ffmpeg ffmpeg;
        engine {
            enabled on;
            vfilter { }
            vcodec libx264;
            vbitrate 1500;
            vfps 25;
            vwidth 768;
            vheight 320;
            vthreads 12;
            vprofile main;
            vpreset medium;
            vparams { t 100; }
            acodec libfdk_aac;
            abitrate 70;
            asample_rate 44100;
            achannels 2;
            aparams { profile:a aac_low; }
            output rtmp://127.0.0.1:[port]/[vhost]/cam;
        }
    }
}
`;

test('SRS ingest blocks load from .conf as SRS spells them; unsupported engine blocks are warned about', () => {
  const { config, warnings } = parseConfigText(SRS_INGEST, 'conf', 'srs.conf');
  const file = config.vhosts['ingest.srs.com']!.ingests.livestream!;
  assert.deepEqual([file.enabled, file.input, file.ffmpeg, file.engine.enabled], [true, { type: 'file', url: './doc/source.flv' }, './objs/ffmpeg/bin/ffmpeg', false]);
  assert.equal(ingestOutput(file, 'ingest.srs.com', 19350), 'rtmp://127.0.0.1:19350/live/livestream?vhost=ingest.srs.com');
  assert.deepEqual(ffmpegArgs(file, 'OUT'), ['-re', '-i', './doc/source.flv', '-c', 'copy', '-f', 'flv', '-y', 'OUT']);

  const cam = config.vhosts['transcode.srs.com']!.ingests.cam!;
  assert.deepEqual(ffmpegArgs(cam, 'OUT'), [
    '-i', 'rtsp://10.0.0.2/cam',
    '-vcodec', 'libx264', '-b:v', '1500000', '-r', '25', '-s', '768x320', '-profile:v', 'main', '-preset', 'medium', '-threads', '12',
    '-acodec', 'libfdk_aac', '-b:a', '70000', '-ar', '44100', '-ac', '2',
    '-f', 'flv', '-y', 'OUT',
  ]);
  for (const block of ['vfilter', 'vparams', 'aparams']) assert.ok(warnings.some((w) => w.includes(`engine.${block}`)), block);
});

test('SRS ingest: an engine with vcodec but no acodec copies, vn/an leave a track out', () => {
  const base = { enabled: true, input: { type: 'stream' as const, url: 'srt://h:1?streamid=x' }, ffmpeg: 'ffmpeg' };
  const engine = { enabled: true, iformat: '', vcodec: 'libx264', vbitrate: 0, vfps: 0, vwidth: 0, vheight: 0, vthreads: 0, vprofile: '', vpreset: '', acodec: '', abitrate: 0, asample_rate: 0, achannels: 0, oformat: 'flv', output: 'o' };
  assert.deepEqual(ffmpegArgs({ ...base, engine }, 'o').slice(2, 4), ['-c', 'copy']);
  assert.deepEqual(ffmpegArgs({ ...base, engine: { ...engine, vcodec: 'vn', acodec: 'copy' } }, 'o').slice(2, 5), ['-vn', '-acodec', 'copy']);
});

test('an enabled ingest without an input url or an output, or with a device input, is refused with where it is', () => {
  assert.throws(() => parseConfigText('vhost v { ingest a { enabled on; engine { output rtmp://x/y/z; } } }', 'conf', 'x.conf'), (error: ConfigError) => /input\.url|input/.test(error.message) && error.message.includes('x.conf'));
  assert.throws(() => parseConfigText('vhost v { ingest a { enabled on; input { url f.flv; } } }', 'conf', 'x.conf'), /an enabled ingest needs an engine output/);
  assert.throws(() => parseConfigText('vhost v { ingest a { enabled on; input { type device; url x; } engine { output o; } } }', 'conf', 'x.conf'), /device input is not supported/);
  assert.doesNotThrow(() => parseConfigText('vhost v { ingest a { enabled off; } }', 'conf', 'x.conf'));
});
