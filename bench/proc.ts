// CPU and memory of a process and its descendants, read from /proc (Linux only).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface StatLine {
  ppid: number;
  /** Clock ticks in user and kernel mode of all its threads and its reaped children. */
  user: number;
  system: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined; // gone
  }
  // The command name is in parentheses and may hold spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const num = (i: number) => Number(fields[i] ?? 0);
  return { ppid: num(1), user: num(11) + num(13), system: num(12) + num(14) };
}

function readRssKiB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** The pid and all its live descendants. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat) parents.set(pid, stat.ppid);
  }
  const tree = [root];
  for (let i = 0; i < tree.length && i < 10_000; i++) {
    for (const [pid, ppid] of parents) if (ppid === tree[i]) tree.push(pid);
  }
  return tree;
}

export interface Usage {
  /** Percent of one core, averaged over the window. */
  cpuPercent: number;
  /** The part of cpuPercent spent in the kernel (system calls, TCP). */
  cpuSystemPercent: number;
  rssPeakMiB: number;
  rssAvgMiB: number;
}

/** CPU of each given process on its own (not its children), % of one core, between start() and stop(). */
export class ProcessesMonitor {
  private startTicks = new Map<number, number>();
  private startTime = 0;

  constructor(readonly pids: number[]) {}

  private ticks(pid: number): number {
    const stat = readStat(pid);
    return stat ? stat.user + stat.system : 0;
  }

  start(): void {
    this.startTicks = new Map(this.pids.map((pid) => [pid, this.ticks(pid)]));
    this.startTime = performance.now();
  }

  stop(): Array<{ pid: number; cpuPercent: number }> {
    const seconds = (performance.now() - this.startTime) / 1000;
    return this.pids.map((pid) => ({ pid, cpuPercent: (100 * (this.ticks(pid) - (this.startTicks.get(pid) ?? 0))) / TICKS_PER_SECOND / seconds }));
  }
}

/** The direct children of a process (a Sluice primary's workers). */
export function childrenOf(pid: number): number[] {
  return processTree(pid).filter((child) => child !== pid && readStat(child)?.ppid === pid);
}

/** Samples a process tree once a second between start() and stop(). */
export class TreeMonitor {
  private rssSamples: number[] = [];
  private startTicks = { user: 0, system: 0 };
  private startTime = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly pid: number) {}

  private ticks(): { user: number; system: number } {
    const sum = { user: 0, system: 0 };
    for (const pid of processTree(this.pid)) {
      const stat = readStat(pid);
      sum.user += stat?.user ?? 0;
      sum.system += stat?.system ?? 0;
    }
    return sum;
  }

  private sampleRss(): void {
    const kib = processTree(this.pid).reduce((sum, pid) => sum + readRssKiB(pid), 0);
    this.rssSamples.push(kib / 1024);
  }

  /** The latest RSS sample (one a second while started), MiB. */
  get lastRssMiB(): number {
    return this.rssSamples.at(-1) ?? 0;
  }

  start(): void {
    this.startTicks = this.ticks();
    this.startTime = performance.now();
    this.sampleRss();
    this.timer = setInterval(() => this.sampleRss(), 1000);
  }

  stop(): Usage {
    clearInterval(this.timer);
    this.sampleRss();
    const end = this.ticks();
    const percent = (ticks: number) => (100 * ticks) / TICKS_PER_SECOND / ((performance.now() - this.startTime) / 1000);
    const rss = this.rssSamples;
    return {
      cpuPercent: percent(end.user + end.system - this.startTicks.user - this.startTicks.system),
      cpuSystemPercent: percent(end.system - this.startTicks.system),
      rssPeakMiB: Math.max(...rss),
      rssAvgMiB: rss.reduce((a, b) => a + b, 0) / rss.length,
    };
  }
}

/** Busy and total clock ticks of the whole machine, from the first line of /proc/stat. */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0); // user .. steal
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/** CPU use of the whole machine between start() and stop(), in percent of one core. */
export class MachineMonitor {
  private from = machineTicks();

  start(): void {
    this.from = machineTicks();
  }

  stop(): number {
    const end = machineTicks();
    const total = end.total - this.from.total;
    return total > 0 ? (100 * cpus().length * (end.busy - this.from.busy)) / total : 0;
  }
}

/** The machine's CPU use over the next `ms`, in percent of one core. */
export async function machineBusyPercent(ms: number): Promise<number> {
  const monitor = new MachineMonitor();
  await sleep(ms);
  return monitor.stop();
}

/** CPU of a few single processes (no descendants, no memory), e.g. load generators. */
export class PidsCpuMonitor {
  private startTicks = 0;
  private startTime = 0;

  constructor(private readonly pids: readonly number[]) {}

  private ticks(): number {
    return this.pids.reduce((sum, pid) => {
      const stat = readStat(pid);
      return sum + (stat ? stat.user + stat.system : 0);
    }, 0);
  }

  start(): void {
    this.startTicks = this.ticks();
    this.startTime = performance.now();
  }

  /** Percent of one core over the window, summed over the processes. */
  stop(): number {
    const seconds = (performance.now() - this.startTime) / 1000;
    return (100 * (this.ticks() - this.startTicks)) / TICKS_PER_SECOND / seconds;
  }
}

/** Resident memory of a process tree now, in MiB: anonymous (heap, buffers) and file-backed (code). */
export function treeRssPartsMiB(pid: number): { anon: number; file: number } {
  const parts = { anon: 0, file: 0 };
  for (const p of processTree(pid)) {
    let status = '';
    try {
      status = readFileSync(`/proc/${p}/status`, 'utf8');
    } catch {
      continue; // gone
    }
    parts.anon += Number(/RssAnon:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
    parts.file += Number(/RssFile:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  }
  return parts;
}

/** VmRSS of a process and its descendants now, in MiB. */
export function treeRssMiB(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + readRssKiB(p), 0) / 1024;
}

/** Machine CPU use (% of one core) under which the machine counts as idle. */
const QUIET_CPU_PERCENT = 25;

/** Waits up to `maxSeconds` for the machine to be nearly idle; returns its last CPU use. */
export async function waitForQuiet(maxSeconds: number): Promise<number> {
  let busy = await machineBusyPercent(2000);
  for (let waited = 2; busy > QUIET_CPU_PERCENT && waited < maxSeconds; waited += 2) busy = await machineBusyPercent(2000);
  return busy;
}

/** What a measurement window saw of the server under test. */
export interface WindowUsage {
  server: Usage;
  /** Everything the machine did in the window (all processes, kernel, steal), in % of one core. */
  machineCpuPercent: number;
  /** This bench process (its publishers, players or receivers), in % of one core. */
  benchCpuPercent: number;
  seconds: number;
}

/** The server's process tree, the whole machine and the bench process itself, over one window. */
export class ServerWindow {
  private readonly server: TreeMonitor;
  private readonly machine = new MachineMonitor();
  private benchCpu = process.cpuUsage();
  private startTime = 0;

  constructor(serverPid: number) {
    this.server = new TreeMonitor(serverPid);
  }

  start(): void {
    this.server.start();
    this.machine.start();
    this.benchCpu = process.cpuUsage();
    this.startTime = performance.now();
  }

  stop(): WindowUsage {
    const bench = process.cpuUsage(this.benchCpu);
    const seconds = (performance.now() - this.startTime) / 1000;
    return {
      server: this.server.stop(),
      machineCpuPercent: this.machine.stop(),
      benchCpuPercent: (100 * (bench.user + bench.system)) / 1e6 / seconds,
      seconds,
    };
  }
}
