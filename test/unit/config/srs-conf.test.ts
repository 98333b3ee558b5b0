import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fuzzRuns } from '../../support/fuzz.js';
import { parseSrsConf, type Directive } from '../../../src/config/srs-conf.js';
import { ConfigError } from '../../../src/util/errors.js';

/** The tree without file names, for compact expectations. */
const shape = (ds: Directive[]): unknown =>
  ds.map((d) => ({ name: d.name, args: d.args, line: d.line, ...(d.children ? { children: shape(d.children) } : {}) }));

const throwsAt = (text: string, where: string, message: RegExp) =>
  assert.throws(
    () => parseSrsConf(text, 'x.conf'),
    (e: unknown) => e instanceof ConfigError && e.where === where && message.test(e.message),
  );

test('directives, blocks with arguments, comments and lines', () => {
  const text = [
    '# a comment',
    'listen 1935 1936; # trailing comment',
    'vhost __defaultVhost__ {',
    '    play { gop_cache on; }',
    '',
    '}',
  ].join('\n');
  assert.deepEqual(shape(parseSrsConf(text, 'x.conf')), [
    { name: 'listen', args: ['1935', '1936'], line: 2 },
    {
      name: 'vhost',
      args: ['__defaultVhost__'],
      line: 3,
      children: [{ name: 'play', args: [], line: 4, children: [{ name: 'gop_cache', args: ['on'], line: 4 }] }],
    },
  ]);
});

test('quoted strings keep spaces, semicolons and escaped quotes', () => {
  const [d] = parseSrsConf(`mount "a b;{}" 'it\\'s' "x\\\\y" "";`, 'x.conf');
  assert.deepEqual(d?.args, ['a b;{}', "it's", 'x\\y', '']);
});

test('a # inside a word is not a comment', () => {
  const [d] = parseSrsConf('on_play http://h/#frag;', 'x.conf');
  assert.deepEqual(d?.args, ['http://h/#frag']);
});

test('every directive carries its file name', () => {
  const [d] = parseSrsConf('a { b 1; }', 'dir/x.conf');
  assert.equal(d?.file, 'dir/x.conf');
  assert.equal(d?.children?.[0]?.file, 'dir/x.conf');
});

test('unbalanced braces name the file and line', () => {
  throwsAt('a 1;\nvhost x {\n  b 1;\n', 'x.conf:2', /never closed/);
  throwsAt('a 1;\n}\n', 'x.conf:2', /unexpected "}"/);
  throwsAt('a { b { } \n', 'x.conf:1', /never closed/);
});

test('a missing ";" before a brace or the end names the directive line', () => {
  // Before another directive it cannot be seen here: newlines do not end directives.
  throwsAt('a {\n  b 1\n}', 'x.conf:2', /missing ";" after "b"/);
  throwsAt('a 1;\nb 2', 'x.conf:2', /missing ";"/);
});

test('an unterminated quote names the line it opened on', () => {
  throwsAt('a 1;\nb "open\nstill open;\n', 'x.conf:2', /unterminated " quote/);
  throwsAt("b 'x;", 'x.conf:1', /unterminated ' quote/);
});

test('stray punctuation is an error', () => {
  throwsAt('a 1;\n;', 'x.conf:2', /unexpected ";"/);
  throwsAt('{ a 1; }', 'x.conf:1', /unexpected "{"/);
  throwsAt('a "b"c;', 'x.conf:1', /after the quoted string/);
});

test('include reads files relative to the including file, in place', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-conf-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'vhost.conf'), '# included\nvhost a {\n  include play.conf;\n}\n');
  writeFileSync(join(dir, 'sub', 'play.conf'), 'play { gop_cache off; }\n');
  const main = join(dir, 'main.conf');
  const ds = parseSrsConf('listen 1;\ninclude sub/vhost.conf;\npid x;\n', main);
  assert.deepEqual(ds.map((d) => d.name), ['listen', 'vhost', 'pid']);
  const vhost = ds[1]!;
  assert.equal(vhost.file, join(dir, 'sub', 'vhost.conf'));
  assert.equal(vhost.line, 2);
  assert.equal(vhost.children?.[0]?.file, join(dir, 'sub', 'play.conf'));
  assert.equal(vhost.children?.[0]?.children?.[0]?.name, 'gop_cache');
});

test('include cycles and missing files are ConfigErrors naming the include line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-conf-'));
  writeFileSync(join(dir, 'a.conf'), 'x 1;\ninclude b.conf;\n');
  writeFileSync(join(dir, 'b.conf'), 'include a.conf;\n');
  assert.throws(
    () => parseSrsConf('include a.conf;', join(dir, 'top.conf')),
    (e: unknown) => e instanceof ConfigError && e.where === `${join(dir, 'b.conf')}:1 include` && /cycle/.test(e.message),
  );
  assert.throws(
    () => parseSrsConf('a 1;\ninclude nope.conf;', join(dir, 'top.conf')),
    (e: unknown) => e instanceof ConfigError && e.where === `${join(dir, 'top.conf')}:2 include` && /cannot read/.test(e.message),
  );
  throwsAt('include;', 'x.conf:1 include', /needs a file name/);
  throwsAt('include x { }', 'x.conf:1 include', /cannot open a block/);
});

test('property: any text parses or fails with a ConfigError, never anything else', () => {
  const token = fc.constantFrom('a', 'vhost', 'include', ' ', '\n', '\t', '{', '}', ';', '"', "'", '\\', '#', 'on', '1935');
  const soup = fc.array(token, { maxLength: 60 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(fc.oneof(fc.string(), soup), (text) => {
      try {
        assert.ok(Array.isArray(parseSrsConf(text, '/nonexistent/fuzz.conf')));
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }),
    fuzzRuns(2000),
  );
});
