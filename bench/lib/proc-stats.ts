/**
 * Per-process figures read from Linux /proc: CPU time (user + system, /proc/<pid>/stat) and peak
 * resident memory (VmHWM, /proc/<pid>/status). Read while the process is alive; a process that
 * has exited reads as null.
 */
import { readFileSync } from 'node:fs'
import { loadavg } from 'node:os'

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux we run on. */
const CLOCK_TICKS = 100

/** CPU seconds (user + system) a process has used so far, or null if it is gone. */
export function cpuSeconds (pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 2 (comm) may contain spaces: fields after the last ')' start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const utime = Number(fields[11])
    const stime = Number(fields[12])
    return (utime + stime) / CLOCK_TICKS
  } catch {
    return null
  }
}

/** Write system calls a process has made so far (`syscw`, /proc/<pid>/io: sockets and files), or null if it is gone. */
export function writeSyscalls (pid: number): number | null {
  try {
    const m = /^syscw:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))
    return m == null ? null : Number(m[1])
  } catch {
    return null
  }
}

/** Peak resident set size in bytes (VmHWM), or null if the process is gone. */
export function peakRssBytes (pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m == null ? null : Number(m[1]) * 1024
  } catch {
    return null
  }
}

/** The machine's 1-minute load average (other work on a shared machine shows up here). */
export function loadAverage1 (): number {
  return loadavg()[0]!
}

/** CPU seconds of several processes at one instant (a process that is gone counts as NaN). */
export function cpuOf (pids: readonly number[]): number[] {
  return pids.map(p => cpuSeconds(p) ?? Number.NaN)
}
