import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { RtcServerConfig } from '../../config/rtc-schema.js';

/**
 * The addresses a WebRTC answer offers as host candidates, as SRS picks them: `candidate` as
 * written, `$NAME` read from the environment (unset or empty: `*`), `*` for the machine's
 * interface addresses; plus the address the signalling request was sent to when it is an IP
 * (`api_as_candidates`), so a client that reached the API reaches the media too.
 */
export function candidateAddresses(config: RtcServerConfig, apiHost: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  let wanted = config.candidate.trim();
  if (wanted.startsWith('$')) wanted = env[wanted.slice(1)]?.trim() || '*';
  const out = wanted === '*' ? interfaceAddresses(config) : [wanted];
  const api = apiHost ? hostOnly(apiHost) : undefined;
  if (config.api_as_candidates && api && isIP(api) && api !== '0.0.0.0' && !out.includes(api)) out.push(api);
  return out;
}

/** Interface addresses of the family asked for; loopback only when nothing else is up. */
function interfaceAddresses(config: RtcServerConfig): string[] {
  const family = (version: string): boolean => config.ip_family === 'all' || (config.ip_family === 'ipv4' ? version === 'IPv4' : version === 'IPv6');
  const all = Object.values(networkInterfaces())
    .flat()
    .filter((address) => address !== undefined && family(address.family) && !address.address.startsWith('fe80:'));
  const external = all.filter((address) => !address!.internal).map((address) => address!.address);
  if (external.length > 0 && config.use_auto_detect_network_ip) return external;
  return all.map((address) => address!.address);
}

/** `host` of a Host header (`[::1]:1985`, `10.0.0.1:1985`, `example.com`). */
function hostOnly(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(1, authority.indexOf(']'));
  const colon = authority.lastIndexOf(':');
  return colon > 0 && authority.indexOf(':') === colon ? authority.slice(0, colon) : authority;
}
