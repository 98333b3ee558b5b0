import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { recordingPath, templateRoot } from '../../../src/recorder/path-template.js';
import { confine, PathEscape, renderTemplate } from '../../../src/util/path-template.js';
import { applies } from '../../../src/recorder/dvr-service.js';

const at = new Date(2026, 0, 2, 3, 4, 5, 6); // local time, as SRS uses

test('renderTemplate: SRS placeholders for names, epoch ms and local date/time parts', () => {
  const names = { app: 'live', stream: 'cam', time: at };
  assert.equal(renderTemplate('./objs/dvr/[app]/[stream].[timestamp].flv', names), `./objs/dvr/live/cam.${at.getTime()}.flv`);
  assert.equal(renderTemplate('/r/[2006]/[01]/[02]/[15][04][05].[999]-[stream].mp4', names), '/r/2026/01/02/030405.006-cam.mp4');
  assert.equal(renderTemplate('/r/[unknown]/[app]', names), '/r/[unknown]/live', 'unknown words stay');
});

test('templateRoot: the fixed directory before the first placeholder', () => {
  assert.equal(templateRoot('./objs/dvr/[app]/[stream].flv'), resolve('objs/dvr'));
  assert.equal(templateRoot('/data/rec-[app]/[stream].flv'), '/data');
  assert.equal(templateRoot('[stream].flv'), resolve('.'));
  assert.equal(templateRoot('/data/fixed.flv'), '/data');
});

test('confine: paths must stay under the root', () => {
  assert.equal(confine('/data', '/data/live/a.flv'), '/data/live/a.flv');
  assert.throws(() => confine('/data', '/data/../etc/a.flv'), PathEscape);
  assert.throws(() => confine('/data', '/database/a.flv'), PathEscape, 'a sibling with the same prefix is outside');
  assert.throws(() => recordingPath('/data/[app]/[stream].flv', { app: '..', stream: '../../etc/x' }, at), PathEscape);
  assert.equal(recordingPath('/data/[app]/[stream].flv', { app: 'live', stream: 'cam' }, at), '/data/live/cam.flv');
});

test('dvr_apply: all, or app/stream names', () => {
  assert.ok(applies(['all'], 'live', 'cam'));
  assert.ok(applies(['live/cam', 'live/b'], 'live', 'cam'));
  assert.ok(!applies(['live/b'], 'live', 'cam'));
  assert.ok(!applies([], 'live', 'cam'));
});
