import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { hookDbPath } from '../gate/index.js';
import { openHookDb } from '../gate/store/db.js';
import { DeliveryTable, type Delivery } from '../gate/store/deliveries.js';
import type { Output } from './hooks-output.js';

export const LOG_HELP = `Usage: sluice hooks log [--data-dir DIR] [--limit N] [--event on_publish]

Prints the latest calls to callback receivers (oldest first), from DIR/sluice.db.`;

/** `sluice hooks log`: the delivery log, readable while the server runs. */
export async function runLog(argv: string[], out: Output): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string', default: './data' },
      limit: { type: 'string', default: '50' },
      event: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    out(LOG_HELP);
    return 0;
  }
  const path = hookDbPath(values['data-dir']);
  if (!existsSync(path)) {
    out(`no delivery log at ${path}`);
    return 1;
  }
  const db = openHookDb(path, { readonly: true });
  try {
    const entries = new DeliveryTable(db).list({ limit: Number(values.limit), ...(values.event ? { event: values.event } : {}) });
    for (const entry of entries.reverse()) out(formatDelivery(entry));
    if (entries.length === 0) out('no calls yet');
  } finally {
    db.close();
  }
  return 0;
}

export function formatDelivery(d: Delivery): string {
  const status = d.status === null ? '---' : String(d.status);
  const detail = d.detail === '' ? '' : `  ${d.detail}`;
  return `${new Date(d.at).toISOString()}  ${d.event.padEnd(15)} ${d.dialect.padEnd(6)} ${d.method} ${d.url}  ${status}  ${d.latencyMs.toFixed(1)} ms  #${d.attempt} ${d.outcome}  ${JSON.stringify(d.answer)}${detail}`;
}
