// The callback receiver of `npm run bench:gate`, in its own process so that its work is not
// the server's: allows everything (200 `{"code":0}`, which SRS's rule and nginx-rtmp's 2xx both
// accept) and counts the calls per path and the TCP connections they came on (a pooled client
// reuses a few; one that connects per call opens one each). The driver asks for them over IPC.
// Usage: node bench/gate-receiver.ts PORT
import { createServer } from 'node:http';

const port = Number(process.argv[2]);
const counts: Record<string, number> = {};
let connections = 0;
const ALLOW = '{"code":0}';

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  req.resume(); // the body is not needed, only consumed
  req.once('end', () => {
    counts[path] = (counts[path] ?? 0) + 1;
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': ALLOW.length });
    res.end(ALLOW);
  });
});
server.maxConnections = 4096;
server.on('connection', () => connections++);
server.listen(port, '127.0.0.1', () => process.send?.({ type: 'listening' }));

process.on('message', (msg: { type?: string }) => {
  if (msg.type === 'counts') process.send?.({ type: 'counts', counts: { ...counts }, connections });
  if (msg.type === 'reset') {
    for (const key of Object.keys(counts)) delete counts[key];
    connections = 0;
  }
});
// Never outlive the driver, nor an hour.
process.on('disconnect', () => process.exit(0));
setTimeout(() => process.exit(3), 3_600_000).unref();
