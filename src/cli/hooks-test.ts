import { parseArgs } from 'node:util';
import { probeable, probeReceiver, probeVerdict, PROBE_DEFAULTS, TRIGGERS } from '../gate/probe.js';
import type { Delivery } from '../gate/index.js';
import type { Output } from './hooks-output.js';

/** `sluice hooks test URL`: sends one realistic callback and says whether Sluice would allow. */

export const TEST_HELP = `Usage: sluice hooks test URL [--event on_publish] [--dialect srs|notify|oryx]
                         [--param '?token=abc'] [--secret S] [--timeout 10s]

Sends one realistic callback to URL and prints the status, the answer, the latency and whether
Sluice would allow. Events: srs: ${Object.keys(TRIGGERS.srs).join(', ')}
  notify: ${Object.keys(TRIGGERS.notify).join(', ')}
  oryx: ${Object.keys(TRIGGERS.oryx).join(', ')}`;

export async function runTest(argv: string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      event: { type: 'string', default: PROBE_DEFAULTS.event },
      dialect: { type: 'string', default: PROBE_DEFAULTS.dialect },
      param: { type: 'string', default: PROBE_DEFAULTS.param },
      secret: { type: 'string', default: PROBE_DEFAULTS.secret },
      timeout: { type: 'string', default: PROBE_DEFAULTS.timeout },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [url] = positionals;
  const { dialect, event } = values;
  if (values.help || url === undefined || !probeable(dialect, event)) {
    out(values.help || url === undefined ? TEST_HELP : `unknown event ${event} for dialect ${dialect}\n\n${TEST_HELP}`);
    return values.help ? 0 : 2;
  }
  const delivery = await probeReceiver({ url, event, dialect, param: values.param, secret: values.secret, timeout: values.timeout });
  if (!delivery) {
    out(`no answer from ${url} in time`);
    return 1;
  }
  return report(delivery, out);
}

function report(d: Delivery, out: Output): number {
  const { verdict, ok } = probeVerdict(d);
  out(`${d.method} ${d.url}  (${d.event}, ${d.dialect} dialect)`);
  out(`status   ${d.status ?? 'no answer'}`);
  out(`body     ${JSON.stringify(d.answer)}`);
  out(`latency  ${d.latencyMs.toFixed(1)} ms`);
  out(`verdict  ${verdict}`);
  return ok ? 0 : 1;
}
