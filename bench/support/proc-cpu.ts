import { readdirSync, readFileSync } from 'node:fs';

const TICK = 100; // USER_HZ on Linux

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime, in ticks */
  own: number;
  /** cutime + cstime: reaped children (PostgreSQL backends that have exited) */
  children: number;
}

function readStat(pid: number): Stat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after "pid (comm) ": state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based over the whole line
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by a process and all its descendants (live ones, plus children they have reaped):
 * a server's cost, including its PostgreSQL backends when the server is their ancestor.
 */
export function treeCpuSeconds(...roots: number[]): number {
  const stats = new Map<number, Stat>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const st = readStat(pid);
    if (st) stats.set(pid, st);
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid, hops = 0; p && hops < 64; hops++) {
      if (roots.includes(p)) return true;
      p = stats.get(p)?.ppid;
    }
    return false;
  };
  let ticks = 0;
  for (const st of stats.values()) if (inTree(st.pid)) ticks += st.own + (roots.includes(st.pid) ? st.children : 0);
  return ticks / TICK;
}

export function postmasterPid(pgDataDir: string): number {
  return Number(readFileSync(`${pgDataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
}
