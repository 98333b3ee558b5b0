import { fill, h, notice, section, table, time } from '../dom.js';
import type { Page } from '../page.js';
import type { Api } from '../api.js';
import type { CallbackBlock, CallbackTestResult, Delivery } from '../types.js';

const OUTCOMES = ['allowed', 'refused', 'failed-open', 'delivered', 'retrying', 'rejected', 'expired'];

/** Configured receivers, the delivery log (filters, replay) and the connectivity test. */
export const callbacksPage: Page = {
  path: /^\/callbacks$/,
  title: 'Callbacks',
  nav: '#/callbacks',
  async render({ api, root }) {
    const { callbacks } = await api.get<{ callbacks: CallbackBlock[] }>('/callbacks');
    const log = h('div');
    const logMessage = h('div');
    const filters = h(
      'form',
      { class: 'row', id: 'delivery-filters' },
      h('input', { name: 'event', placeholder: 'event (on_publish)', size: 16 }),
      h('select', { name: 'outcome', 'aria-label': 'outcome' }, h('option', { value: '' }, 'any outcome'), ...OUTCOMES.map((o) => h('option', { value: o }, o))),
      h('input', { name: 'url', placeholder: 'receiver URL', size: 28 }),
      h('button', { type: 'submit' }, 'Filter'),
    );
    const load = async (): Promise<void> => {
      const query = new URLSearchParams({ limit: '100' });
      for (const [name, value] of new FormData(filters)) if (typeof value === 'string' && value.trim()) query.set(name, value.trim());
      try {
        const { deliveries } = await api.get<{ deliveries: Delivery[] }>(`/callbacks/deliveries?${query}`);
        fill(log, deliveryTable(deliveries, replay));
      } catch (error) {
        fill(log, notice((error as Error).message, 'error'));
      }
    };
    const replay = async (delivery: Delivery): Promise<void> => {
      try {
        const again = await api.post<Delivery>(`/callbacks/deliveries/${delivery.seq}/replay`);
        fill(logMessage, notice(`replayed #${delivery.seq} as #${again.seq}: ${again.outcome}${again.status !== null ? ` (HTTP ${again.status})` : ''} ${again.detail}`, again.outcome === 'failed-open' || again.outcome === 'rejected' ? 'error' : 'ok'));
      } catch (error) {
        fill(logMessage, notice(`replay failed: ${(error as Error).message}`, 'error'));
      }
      await load();
    };
    filters.addEventListener('submit', (event) => {
      event.preventDefault();
      void load();
    });
    fill(
      root,
      h('h1', {}, 'Callbacks'),
      section('Receivers', receiverTable(callbacks)),
      section('Send a test event', testForm(api)),
      section('Delivery log', filters, logMessage, log),
    );
    await load();
  },
};

function receiverTable(blocks: CallbackBlock[]): HTMLElement {
  const rows = blocks.flatMap((block) =>
    Object.entries(block.events).map(([event, urls]) => [block.vhost, `${block.block} (${block.dialect})`, block.enabled ? 'on' : 'off', event, h('code', {}, urls.join('  ')), block.secret ? 'signed' : '']),
  );
  return table(['vhost', 'block', 'enabled', 'event', 'URLs', 'secret'], rows, 'No callbacks configured: vhost { http_hooks { enabled on; on_publish URL; } }');
}

function deliveryTable(deliveries: Delivery[], replay: (d: Delivery) => Promise<void>): HTMLElement {
  const rows = deliveries.map((d) => [
    String(d.seq),
    time(d.at),
    d.event,
    d.dialect,
    h('code', {}, d.url),
    d.status === null ? '–' : String(d.status),
    h('span', { class: `outcome ${d.outcome}` }, d.outcome),
    `${Math.round(d.latencyMs)} ms`,
    d.replayOf === null ? '' : `replay of #${d.replayOf}`,
    h('details', {}, h('summary', {}, 'body'), h('pre', {}, d.body || '(none)'), h('p', {}, 'answer:'), h('pre', {}, d.answer || '(none)')),
    h('button', { 'data-replay': d.seq, onclick: () => void replay(d) }, 'Replay'),
  ]);
  return table(['#', 'time', 'event', 'dialect', 'URL', 'HTTP', 'outcome', 'latency', '', '', ''], rows, 'no deliveries');
}

function testForm(api: Api): HTMLElement {
  const result = h('div');
  const form = h(
    'form',
    { class: 'row', id: 'callback-test' },
    h('input', { name: 'url', type: 'url', required: true, placeholder: 'http://127.0.0.1:8085/api/v1/streams', size: 36 }),
    h('select', { name: 'dialect', 'aria-label': 'dialect' }, ...['srs', 'notify', 'oryx'].map((d) => h('option', { value: d }, d))),
    h('input', { name: 'event', value: 'on_publish', size: 14, 'aria-label': 'event' }),
    h('button', { type: 'submit' }, 'Send'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form)) as Record<string, string>;
    fill(result, notice(`sending ${data.event} to ${data.url}…`));
    api
      .post<CallbackTestResult>('/callbacks/test', data)
      .then((answer) => {
        const status = answer.delivery?.status;
        fill(result, notice(`${answer.ok ? 'OK' : 'Not OK'}: ${answer.verdict}${status != null ? ` (HTTP ${status})` : ''}`, answer.ok ? 'ok' : 'error'));
      })
      .catch((error: Error) => fill(result, notice(error.message, 'error')));
  });
  return h('div', {}, h('p', { class: 'muted' }, 'Sends one sample event from the server to a URL and tells what Sluice would make of the answer.'), form, result);
}
