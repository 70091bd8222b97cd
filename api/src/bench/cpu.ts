/**
 * CPU time spent, in milliseconds: by this Node process (every thread, the load generator's
 * included) and by the benchmark's PostgreSQL server (the postmaster, its live backends, and
 * every backend that has exited). On a machine others share, CPU per order moves far less from
 * run to run than orders per second, and it says which side to make cheaper.
 *
 * Leaves out: anything but Linux. The server's figure comes from /proc and is null elsewhere.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

export interface CpuSnapshot {
  nodeMs: number;
  postgresMs: number | null;
}

/** CPU per unit of work between two snapshots. */
export interface CpuCost {
  nodeMsPerUnit: number;
  postgresMsPerUnit: number | null;
}

/** Linux reports process times in ticks of USER_HZ, 100 a second on every common platform. */
const ticksPerSecond = 100;

export async function readCpu(clusterDir: string): Promise<CpuSnapshot> {
  const usage = process.cpuUsage();
  return {
    nodeMs: (usage.user + usage.system) / 1000,
    postgresMs: await readPostgresCpuMs(clusterDir),
  };
}

export function costPerUnit(before: CpuSnapshot, after: CpuSnapshot, units: number): CpuCost {
  const perUnit = (spentMs: number) => Math.round((spentMs / Math.max(1, units)) * 1000) / 1000;
  const postgresMs =
    before.postgresMs === null || after.postgresMs === null
      ? null
      : after.postgresMs - before.postgresMs;

  return {
    nodeMsPerUnit: perUnit(after.nodeMs - before.nodeMs),
    postgresMsPerUnit: postgresMs === null ? null : perUnit(postgresMs),
  };
}

async function readPostgresCpuMs(clusterDir: string): Promise<number | null> {
  try {
    const pidFile = await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8');
    const postmasterPid = Number(pidFile.split('\n')[0]);
    const postmaster = await readStat(postmasterPid);
    if (postmaster === null) {
      return null;
    }

    // Exited backends have been waited for: their time is in the postmaster's children's.
    let ticks = postmaster.ownTicks + postmaster.childrenTicks;
    for (const entry of await readdir('/proc')) {
      const pid = Number(entry);
      if (!Number.isInteger(pid) || pid === postmasterPid) {
        continue;
      }
      const stat = await readStat(pid);
      if (stat?.parentPid === postmasterPid) {
        ticks += stat.ownTicks;
      }
    }
    return (ticks * 1000) / ticksPerSecond;
  } catch {
    return null;
  }
}

interface ProcessStat {
  parentPid: number;
  ownTicks: number;
  childrenTicks: number;
}

/** Fields of /proc/<pid>/stat after the command name, which may itself hold spaces. */
async function readStat(pid: number): Promise<ProcessStat | null> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }

  // After ")": state, ppid, ... utime (14th field of the line), stime, cutime, cstime.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const field = (position: number) => Number(fields[position - 3] ?? 0);
  return {
    parentPid: field(4),
    ownTicks: field(14) + field(15),
    childrenTicks: field(16) + field(17),
  };
}
