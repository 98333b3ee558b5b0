import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, networkInterfaces } from 'node:os';
import { VERSION } from '../version.js';

/** Server-wide bytes and client count, as SRS's `srs_*` and `conn_srs` figures. */
export interface ServerTraffic {
  sent: number;
  received: number;
  clients: number;
}

interface CpuTimes {
  at: number;
  selfMicros: number;
  systemBusy: number;
  systemTotal: number;
}

/**
 * Process and system figures for /api/v1/summaries, rusages and meminfos, read from /proc and
 * `os` as SRS reads them (where /proc is missing they are 0 and `ok` is false). CPU percentages
 * are over the time since the previous call, as SRS's are since its previous sample.
 */
export class SystemStats {
  private readonly startedAt = Date.now();
  private last: CpuTimes = this.cpuTimes();

  summaries(traffic: ServerTraffic): Record<string, unknown> {
    const now = Date.now();
    const usage = process.resourceUsage();
    const mem = this.meminfo();
    const cpu = this.cpuPercents();
    const [uptime = 0, idle = 0] = readProc('/proc/uptime').split(/\s+/).map(Number);
    const [load1 = 0, load5 = 0, load15 = 0] = loadavg();
    const net = networkBytes();
    const conns = connectionCounts();
    return {
      ok: mem.ok,
      now_ms: now,
      self: {
        version: VERSION,
        pid: process.pid,
        ppid: process.ppid,
        argv: process.argv.join(' '),
        cwd: process.cwd(),
        mem_kbyte: usage.maxRSS,
        mem_percent: mem.MemTotal > 0 ? usage.maxRSS / mem.MemTotal : 0,
        cpu_percent: cpu.self,
        srs_uptime: Math.floor((now - this.startedAt) / 1000),
      },
      system: {
        cpu_percent: cpu.system,
        disk_read_KBps: 0,
        disk_write_KBps: 0,
        disk_busy_percent: 0,
        mem_ram_kbyte: mem.MemTotal,
        mem_ram_percent: mem.percent_ram,
        mem_swap_kbyte: mem.SwapTotal,
        mem_swap_percent: mem.percent_swap,
        cpus: cpus().length,
        cpus_online: availableParallelism(),
        uptime,
        ilde_time: idle,
        load_1m: load1,
        load_5m: load5,
        load_15m: load15,
        net_sample_time: now,
        net_recv_bytes: net.recv,
        net_send_bytes: net.send,
        net_recvi_bytes: net.recvi,
        net_sendi_bytes: net.sendi,
        srs_sample_time: now,
        srs_recv_bytes: traffic.received,
        srs_send_bytes: traffic.sent,
        conn_sys: conns.all,
        conn_sys_et: conns.established,
        conn_sys_tw: conns.timeWait,
        conn_sys_udp: conns.udp,
        conn_srs: traffic.clients,
      },
    };
  }

  /** /proc/meminfo in kB, with SRS's derived figures (srs_update_meminfo). */
  meminfo() {
    const fields = new Map<string, number>();
    for (const line of readProc('/proc/meminfo').split('\n')) {
      const match = /^(\w+):\s+(\d+)/.exec(line);
      if (match) fields.set(match[1]!, Number(match[2]));
    }
    const get = (key: string): number => fields.get(key) ?? 0;
    const MemTotal = get('MemTotal');
    const MemFree = get('MemFree');
    const Buffers = get('Buffers');
    const Cached = get('Cached');
    const SwapTotal = get('SwapTotal');
    const SwapFree = get('SwapFree');
    const MemActive = MemTotal - MemFree;
    const RealInUse = MemActive - Buffers - Cached;
    return {
      ok: MemTotal > 0,
      sample_time: Date.now(),
      percent_ram: MemTotal > 0 ? RealInUse / MemTotal : 0,
      percent_swap: SwapTotal > 0 ? (SwapTotal - SwapFree) / SwapTotal : 0,
      MemActive,
      RealInUse,
      NotInUse: MemTotal - RealInUse,
      MemTotal,
      MemFree,
      Buffers,
      Cached,
      SwapTotal,
      SwapFree,
    };
  }

  /** Fractions of one CPU (self) and of all CPUs (system) used since the previous call. */
  private cpuPercents(): { self: number; system: number } {
    const now = this.cpuTimes();
    const before = this.last;
    this.last = now;
    const wallMicros = (now.at - before.at) * 1000;
    const total = now.systemTotal - before.systemTotal;
    return {
      self: wallMicros > 0 ? round2((now.selfMicros - before.selfMicros) / wallMicros) : 0,
      system: total > 0 ? round2((now.systemBusy - before.systemBusy) / total) : 0,
    };
  }

  private cpuTimes(): CpuTimes {
    const usage = process.cpuUsage();
    // /proc/stat's first line: user nice system idle iowait irq softirq steal ...
    const ticks = readProc('/proc/stat').split('\n')[0]!.split(/\s+/).slice(1).map(Number).filter(Number.isFinite);
    const total = ticks.reduce((sum, n) => sum + n, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { at: Date.now(), selfMicros: usage.user + usage.system, systemBusy: total - idle, systemTotal: total };
  }
}

/** Bytes of every network device from /proc/net/dev: loopback and private ones as intranet (SRS's `i` figures). */
function networkBytes(): { recv: number; send: number; recvi: number; sendi: number } {
  const sums = { recv: 0, send: 0, recvi: 0, sendi: 0 };
  const interfaces = networkInterfaces();
  for (const line of readProc('/proc/net/dev').split('\n').slice(2)) {
    const [name, rest] = line.split(':');
    if (!name || rest === undefined) continue;
    const values = rest.trim().split(/\s+/).map(Number);
    const [recv = 0, send = 0] = [values[0], values[8]];
    const addresses = interfaces[name.trim()] ?? [];
    const internet = addresses.some((a) => !a.internal && a.family === 'IPv4' && !isPrivate(a.address));
    if (internet) {
      sums.recv += recv;
      sums.send += send;
    } else {
      sums.recvi += recv;
      sums.sendi += send;
    }
  }
  return sums;
}

function isPrivate(ip: string): boolean {
  return /^(10\.|127\.|192\.168\.|169\.254\.|172\.(1[6-9]|2\d|3[01])\.)/.test(ip);
}

/** TCP sockets of the system by state (/proc/net/tcp*), and UDP sockets, as SRS's conn_sys figures. */
function connectionCounts(): { all: number; established: number; timeWait: number; udp: number } {
  const counts = { all: 0, established: 0, timeWait: 0, udp: 0 };
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readProc(file).split('\n').slice(1)) {
      const state = line.trim().split(/\s+/)[3];
      if (!state) continue;
      counts.all++;
      if (state === '01') counts.established++;
      if (state === '06') counts.timeWait++;
    }
  }
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    counts.udp += readProc(file).split('\n').slice(1).filter((line) => line.trim()).length;
  }
  return counts;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

/** This process's getrusage, as SRS's /api/v1/rusages shows its own. */
export function processRusage(): Record<string, number | boolean> {
  const u = process.resourceUsage();
  return {
    ok: true,
    sample_time: Date.now(),
    ru_utime: Math.floor(u.userCPUTime / 1e6),
    ru_stime: Math.floor(u.systemCPUTime / 1e6),
    ru_maxrss: u.maxRSS,
    ru_ixrss: u.sharedMemorySize,
    ru_idrss: u.unsharedDataSize,
    ru_isrss: u.unsharedStackSize,
    ru_minflt: u.minorPageFault,
    ru_majflt: u.majorPageFault,
    ru_nswap: u.swappedOut,
    ru_inblock: u.fsRead,
    ru_oublock: u.fsWrite,
    ru_msgsnd: u.ipcSent,
    ru_msgrcv: u.ipcReceived,
    ru_nsignals: u.signalsCount,
    ru_nvcsw: u.voluntaryContextSwitches,
    ru_nivcsw: u.involuntaryContextSwitches,
  };
}

/** Several processes' rusages as one (workers): every figure added up, ru_maxrss as the sum of each one's peak. */
export function addRusages(list: Array<Record<string, number | boolean>>): Record<string, number | boolean> {
  const sum: Record<string, number | boolean> = { ok: true, sample_time: Math.max(...list.map((r) => Number(r.sample_time))) };
  for (const rusage of list) {
    for (const [key, value] of Object.entries(rusage)) if (key.startsWith('ru_')) sum[key] = Number(sum[key] ?? 0) + Number(value);
  }
  return sum;
}
