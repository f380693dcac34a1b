import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * CPU time per decision, of the service, of Redis and of the Kafka broker. On a shared, noisy
 * machine throughput moves with whatever else runs; the CPU a decision costs moves less, and
 * says which process the time went to.
 */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface CpuMark {
  readonly service: number;
  readonly redis: number;
  readonly broker: number | null;
}

export interface CpuPerDecision {
  /** Microseconds of CPU (user + system) per decision. */
  readonly serviceUs: number;
  readonly redisUs: number;
  /** Null when the broker is not a process on this machine (or not one the bench can read). */
  readonly brokerUs: number | null;
}

/** User + system CPU seconds a process has used so far (proc(5): utime and stime). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name may hold spaces; the fields after it start with the state (field 3).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) / TICKS_PER_SECOND;
}

export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

function brokerCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    return processCpuSeconds(pid);
  } catch {
    return null; // gone, or not ours to read
  }
}

/** Calls and microseconds per Redis command so far (`INFO commandstats`; execution time only). */
export type RedisCommandMark = ReadonlyMap<string, { readonly calls: number; readonly usec: number }>;

export async function redisCommandMark(redis: Redis): Promise<RedisCommandMark> {
  const marks = new Map<string, { calls: number; usec: number }>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm))
    marks.set(m[1] ?? '', { calls: Number(m[2]), usec: Number(m[3]) });
  return marks;
}

/** Per decision, each command's calls and microseconds between two marks, largest time first. */
export function redisCommandsPerDecision(from: RedisCommandMark, to: RedisCommandMark, decisions: number): { command: string; calls: number; us: number }[] {
  return [...to]
    .map(([command, t]) => {
      const f = from.get(command) ?? { calls: 0, usec: 0 };
      return { command, calls: Math.round(((t.calls - f.calls) / decisions) * 100) / 100, us: Math.round(((t.usec - f.usec) / decisions) * 10) / 10 };
    })
    .filter((c) => c.calls > 0)
    .sort((a, b) => b.us - a.us);
}

export async function cpuMark(servicePid: number, redis: Redis, brokerPid: number | null): Promise<CpuMark> {
  return { service: processCpuSeconds(servicePid), redis: await redisCpuSeconds(redis), broker: brokerCpuSeconds(brokerPid) };
}

/** Whole microseconds of CPU per decision, from CPU seconds over a window of `decisions`. */
const usPer = (decisions: number) => (seconds: number) => (decisions > 0 ? Math.round((seconds * 1e6) / decisions) : Number.NaN);

export function cpuPerDecision(from: CpuMark, to: CpuMark, decisions: number): CpuPerDecision {
  const us = usPer(decisions);
  return {
    serviceUs: us(to.service - from.service),
    redisUs: us(to.redis - from.redis),
    brokerUs: from.broker === null || to.broker === null ? null : us(to.broker - from.broker),
  };
}

/**
 * The process on this machine listening on TCP `port` (the broker of a stack the bench did
 * not start), from /proc: the socket's inode in /proc/net/tcp{,6}, then the process holding
 * it. Null when none is found, e.g. a broker on another machine.
 */
export function listeningPid(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st ... inode: the local address is HEXIP:HEXPORT, 0A is LISTEN.
      const f = line.trim().split(/\s+/);
      const localPort = Number.parseInt(f[1]?.split(':')[1] ?? '', 16);
      if (f[3] === '0A' && localPort === port && f[9] !== undefined) inodes.add(f[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // another user's process, or gone
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode !== undefined && inodes.has(inode)) return Number(pid);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return null;
}

/** The scale-out scenario's CPU: each service instance, each Redis master, the broker. */
export interface ClusterCpuMark {
  readonly instances: readonly number[];
  readonly redisNodes: readonly number[];
  readonly broker: number | null;
}

export interface ClusterCpuPerDecision {
  /** Microseconds of CPU per decision of the whole stream (not of each one's share), per instance. */
  readonly instancesUs: readonly number[];
  /** The same per Redis master, in the order of their ports. */
  readonly redisNodesUs: readonly number[];
  readonly brokerUs: number | null;
}

export async function clusterCpuMark(instancePids: readonly number[], masters: readonly Redis[], brokerPid: number | null): Promise<ClusterCpuMark> {
  return {
    instances: instancePids.map(processCpuSeconds),
    redisNodes: await Promise.all(masters.map(redisCpuSeconds)),
    broker: brokerCpuSeconds(brokerPid),
  };
}

export function clusterCpuPerDecision(from: ClusterCpuMark, to: ClusterCpuMark, decisions: number): ClusterCpuPerDecision {
  const us = usPer(decisions);
  return {
    instancesUs: to.instances.map((s, i) => us(s - (from.instances[i] ?? Number.NaN))),
    redisNodesUs: to.redisNodes.map((s, i) => us(s - (from.redisNodes[i] ?? Number.NaN))),
    brokerUs: from.broker === null || to.broker === null ? null : us(to.broker - from.broker),
  };
}
