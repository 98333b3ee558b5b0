import type { ApiPeers } from '../../src/api/api-routes.js';

/**
 * Workers' API peers in one process: what one asks, the others answer (as the primary passes it
 * on); a worker whose answer fails is left out of a question to all, as under `workers N`.
 */
export function fakePeers(count: number): ApiPeers[] {
  const ops = Array.from({ length: count }, () => new Map<string, (arg: any) => unknown>());
  const run = async (worker: number, op: string, arg: unknown): Promise<unknown> => {
    const handler = ops[worker - 1]!.get(op);
    if (!handler) throw new Error(`no api operation ${op}`);
    // The answer crosses a process boundary: a copy, never the object itself.
    return structuredClone(await handler(structuredClone(arg)));
  };
  return ops.map((served, i) => ({
    worker: i + 1,
    gather: async () => [],
    kick: async () => false,
    async ask<T>(op: string, arg?: unknown, only?: number): Promise<T[]> {
      if (only !== undefined) return [(await run(only, op, arg)) as T];
      const others = ops.map((_, j) => j + 1).filter((w) => w !== i + 1);
      const answers = await Promise.all(others.map((w) => run(w, op, arg).then((a) => [a as T], () => [])));
      return answers.flat();
    },
    serve: (op: string, handler: (arg: any) => unknown) => void served.set(op, handler),
  }));
}
