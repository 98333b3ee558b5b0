import { rawApi } from '../api.js';
import { fill, h, notice, section } from '../dom.js';
import type { Page } from '../page.js';

// SRS's error codes the raw API answers with (srs_kernel_error.hpp).
const ERROR_SYSTEM_CONFIG_RAW_DISABLED = 1061;

/** The effective config (credentials redacted), and a reload when the raw API allows it. */
export const configPage: Page = {
  path: /^\/config$/,
  title: 'Config',
  nav: '#/config',
  async render({ api, root }) {
    const { config } = await api.get<{ config: Record<string, unknown> }>('/config');
    const reload = h('div');
    fill(
      root,
      h('h1', {}, 'Config'),
      section('Reload', reload),
      section('Effective config', h('p', { class: 'muted' }, 'Defaults applied; every password, secret, key and token shows as <redacted>.'), h('pre', { class: 'config' }, JSON.stringify(config, null, 2))),
    );
    fill(reload, await reloadControls());
  },
};

async function reloadControls(): Promise<HTMLElement> {
  const how = 'Or send the server SIGHUP (systemctl reload sluice).';
  const raw = await rawApi('raw').catch(() => undefined);
  if (!raw || raw.status === 401) {
    return notice(`The SRS API (/api/v1/) asks for its own Basic credentials (http_api { auth { } }), which the console does not hold. ${how}`);
  }
  const settings = (raw.body.http_api as { raw_api?: { enabled?: boolean; allow_reload?: boolean } } | undefined)?.raw_api;
  if (!settings?.enabled || !settings.allow_reload) {
    return h(
      'div',
      {},
      notice('Reloading from here goes through SRS\'s raw API, which this server does not allow.'),
      h('p', {}, 'To allow it: ', h('code', {}, 'http_api { raw_api { enabled on; allow_reload on; } }'), ` ${how}`),
    );
  }
  const result = h('div');
  const run = async (): Promise<void> => {
    fill(result, notice('reloading…'));
    const { body } = await rawApi('reload');
    const data = body.data as { msg?: string } | undefined;
    if (body.code === 0) fill(result, notice('Reloaded: what starts from now on uses the new configuration.', 'ok'));
    else if (body.code === ERROR_SYSTEM_CONFIG_RAW_DISABLED) fill(result, notice('The raw API no longer allows reloads.', 'error'));
    else fill(result, notice(`Refused (code ${String(body.code)}): ${data?.msg ?? 'see the server log'}`, 'error'));
  };
  return h('div', {}, h('p', {}, 'Reads the configuration file again; sessions stay up.'), h('button', { id: 'reload', onclick: () => void run() }, 'Reload config'), result);
}
