import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { configSchemas, parseConfig } from '../../../src/config/schema.js';
import { collectGarbage } from '../../support/gc.js';

test('the config schemas are shared while held and collected once no one holds them', async () => {
  const watched = useSchemas();
  // A WeakRef's target lives at least until the current job ends: let it end, then collect.
  await nextTurn();
  collectGarbage();
  assert.equal(watched.deref(), undefined, 'nothing in the modules keeps the schemas alive');
  assert.equal(parseConfig({}).listen[0]!.port, 1935, 'built again when needed');
});

/** Uses the schemas as a config load does, and returns a weak reference to them. */
function useSchemas(): WeakRef<object> {
  const held = configSchemas();
  assert.equal(configSchemas(), held, 'one build while it is in use');
  assert.equal(parseConfig({ listen: 1936 }).listen[0]!.port, 1936);
  return new WeakRef(held);
}
