import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Headless Debian Chromium, with everything that would reach out to the network turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Serves `html` at `/` and each script file at its path, on another origin than Sluice (so
 * CORS is exercised).
 */
export async function servePage(html: string, scripts: Record<string, string>): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const script = scripts[req.url ?? ''];
    if (script) res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(readFileSync(script));
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}
