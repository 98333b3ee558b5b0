/** What a client asks for in a SETUP's Transport header (RFC 2326 12.39), first usable choice. */
export type TransportSpec =
  | { protocol: 'tcp'; channels: [number, number]; record: boolean }
  | { protocol: 'udp'; clientPorts: [number, number]; record: boolean };

/** The first unicast RTP/AVP transport in the header, or undefined when none is offered. */
export function parseTransport(header: string): TransportSpec | undefined {
  for (const choice of header.split(',')) {
    const [spec, ...params] = choice.trim().split(';').map((part) => part.trim());
    const upper = spec?.toUpperCase();
    if (upper !== 'RTP/AVP' && upper !== 'RTP/AVP/UDP' && upper !== 'RTP/AVP/TCP') continue;
    const values = new Map(params.map((param) => [param.split('=')[0]!.toLowerCase(), param.split('=')[1] ?? '']));
    if (values.has('multicast')) continue;
    const record = values.get('mode')?.replace(/"/g, '').toLowerCase() === 'record';
    if (upper === 'RTP/AVP/TCP') {
      const channels = pair(values.get('interleaved'), 255) ?? [0, 1];
      return { protocol: 'tcp', channels, record };
    }
    const clientPorts = pair(values.get('client_port'), 65535);
    if (clientPorts && clientPorts[0] > 0 && clientPorts[1] > 0) return { protocol: 'udp', clientPorts, record };
  }
  return undefined;
}

/** `a-b` (or `a`, meaning a and a+1) with both in range. */
function pair(value: string | undefined, max: number): [number, number] | undefined {
  if (!value) return undefined;
  const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value);
  if (!match) return undefined;
  const first = Number(match[1]);
  const second = match[2] === undefined ? first + 1 : Number(match[2]);
  return first <= max && second <= max ? [first, second] : undefined;
}

/** The Transport header of a SETUP answer. */
export function formatTransport(spec: TransportSpec, serverPorts?: [number, number]): string {
  const mode = spec.record ? ';mode=record' : '';
  if (spec.protocol === 'tcp') return `RTP/AVP/TCP;unicast;interleaved=${spec.channels[0]}-${spec.channels[1]}${mode}`;
  const server = serverPorts ? `;server_port=${serverPorts[0]}-${serverPorts[1]}` : '';
  return `RTP/AVP;unicast;client_port=${spec.clientPorts[0]}-${spec.clientPorts[1]}${server}${mode}`;
}
