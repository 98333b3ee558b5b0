import type { z } from 'zod/v4';
import type { SessionRegistry } from '../../servers/sessions.js';
import type { ApiPeers } from '../api-routes.js';
import type { FigureHistory, FigureSample } from './figures.js';
import type { Session, Stream } from './schemas.js';
import { sessionView, streamView, type ViewSources } from './views.js';

type SessionOut = z.output<typeof Session>;
type StreamOut = z.output<typeof Stream>;

/** What the API's lists show: the whole server's, whichever worker answers. */
export interface ServerViews {
  streams(): Promise<StreamOut[]>;
  sessions(): Promise<SessionOut[]>;
  /** Ends a session wherever it is; false when no worker holds it. */
  kick(id: string): Promise<boolean>;
  figures(): Promise<FigureSample>;
  /** Oldest first. */
  figureHistory(): Promise<FigureSample[]>;
}

export interface ViewParts {
  sessions: SessionRegistry;
  sources: ViewSources;
  figures: FigureHistory;
  peers?: ApiPeers | undefined;
}

/**
 * The lists of this process, merged with those of the other workers when there are some: a stream
 * relayed to several workers is one stream (its readers and traffic added up), sessions are each
 * worker's, figures are added up sample by sample.
 */
export function serverViews({ sessions, sources, figures, peers }: ViewParts): ServerViews {
  const localStreams = (): StreamOut[] => sessions.listStreams().map((stats) => streamView(sources, stats, Date.now()));
  const localSessions = (): SessionOut[] => sessions.listClients().map((client) => sessionView(sources, client, Date.now()));
  if (!peers) {
    return {
      streams: async () => localStreams(),
      sessions: async () => localSessions(),
      kick: async (id) => sessions.kick(id),
      figures: async () => figures.live(),
      figureHistory: async () => figures.history(),
    };
  }
  peers.serve('sluice.streams', localStreams);
  peers.serve('sluice.sessions', localSessions);
  peers.serve('sluice.figures', () => figures.live());
  peers.serve('sluice.figureHistory', () => figures.history());
  return {
    streams: async () => mergeStreamViews([localStreams(), ...(await peers.ask<StreamOut[]>('sluice.streams'))]),
    sessions: async () => [localSessions(), ...(await peers.ask<SessionOut[]>('sluice.sessions'))].flat(),
    kick: async (id) => sessions.kick(id) || (await peers.kick(id)),
    figures: async () => addFigures([figures.live(), ...(await peers.ask<FigureSample>('sluice.figures'))]),
    figureHistory: async () => {
      const rings = [figures.history(), ...(await peers.ask<FigureSample[]>('sluice.figureHistory'))];
      // Every worker samples on the same interval: the n-th newest samples are added up.
      const length = Math.max(...rings.map((ring) => ring.length));
      return Array.from({ length }, (_, i) => addFigures(rings.flatMap((ring) => ring[i - (length - ring.length)] ?? [])));
    },
  };
}

/** One view per stream: the publisher's worker gives the publisher, tracks and frames; readers and traffic add up. */
export function mergeStreamViews(perWorker: StreamOut[][]): StreamOut[] {
  const merged = new Map<string, StreamOut>();
  for (const view of perWorker.flat()) {
    const seen = merged.get(view.id);
    if (!seen) {
      merged.set(view.id, { ...view });
      continue;
    }
    const home = view.publisher ? view : seen;
    merged.set(view.id, {
      ...home,
      publishing: seen.publishing || view.publishing,
      readers: [...seen.readers, ...view.readers],
      kbps: { recv_30s: seen.kbps.recv_30s + view.kbps.recv_30s, send_30s: seen.kbps.send_30s + view.kbps.send_30s },
      sendBytes: seen.sendBytes + view.sendBytes,
      recvBytes: seen.recvBytes + view.recvBytes,
    });
  }
  return [...merged.values()];
}

/** Figures of several processes as one: counts, rates, CPU (percent of one core) and memory add up; lag is the worst. */
export function addFigures(samples: FigureSample[]): FigureSample {
  const [first, ...rest] = samples;
  return rest.reduce((sum, f) => {
    const byProtocol = { ...sum.sessions.byProtocol };
    for (const [protocol, n] of Object.entries(f.sessions.byProtocol)) byProtocol[protocol] = (byProtocol[protocol] ?? 0) + n;
    return {
      at: Math.max(sum.at, f.at),
      sessions: { total: sum.sessions.total + f.sessions.total, byProtocol, publishers: sum.sessions.publishers + f.sessions.publishers, players: sum.sessions.players + f.sessions.players },
      streams: sum.streams + f.streams,
      kbps: { in: sum.kbps.in + f.kbps.in, out: sum.kbps.out + f.kbps.out },
      cpuPercent: Math.round((sum.cpuPercent + f.cpuPercent) * 10) / 10,
      memory: {
        rssBytes: sum.memory.rssBytes + f.memory.rssBytes,
        heapUsedBytes: sum.memory.heapUsedBytes + f.memory.heapUsedBytes,
        heapTotalBytes: sum.memory.heapTotalBytes + f.memory.heapTotalBytes,
        externalBytes: sum.memory.externalBytes + f.memory.externalBytes,
      },
      eventLoopLagMs: Math.max(sum.eventLoopLagMs, f.eventLoopLagMs),
    };
  }, first!);
}
