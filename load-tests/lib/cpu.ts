import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

/**
 * CPU time per decision, of the service and of Redis. On a shared, noisy machine throughput
 * moves with whatever else runs; the CPU a decision costs moves less, and says which process
 * the time went to.
 */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

export interface CpuMark {
  readonly service: number;
  readonly redis: number;
}

export interface CpuPerDecision {
  /** Microseconds of CPU (user + system) per decision. */
  readonly serviceUs: number;
  readonly redisUs: number;
}

/** User + system CPU seconds a process has used so far (proc(5): utime and stime). */
function processCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  // The command name may hold spaces; the fields after it start with the state (field 3).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[14 - 3]) + Number(fields[15 - 3])) / TICKS_PER_SECOND;
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

export async function cpuMark(servicePid: number, redis: Redis): Promise<CpuMark> {
  return { service: processCpuSeconds(servicePid), redis: await redisCpuSeconds(redis) };
}

export function cpuPerDecision(from: CpuMark, to: CpuMark, decisions: number): CpuPerDecision {
  const us = (seconds: number) => (decisions > 0 ? Math.round((seconds * 1e6) / decisions) : Number.NaN);
  return { serviceUs: us(to.service - from.service), redisUs: us(to.redis - from.redis) };
}
