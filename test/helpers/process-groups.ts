/**
 * Children started by tests, each in a process group of its own, so that killing the group also
 * kills whatever the child started (bench/run.ts's swarmdrop nodes, a CLI's helpers). Every group
 * started here is SIGKILLed when this process exits, and when it is interrupted (SIGINT, SIGTERM,
 * SIGHUP: the signal is then raised again so the process still ends as it would have).
 */
import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

/**
 * Process group IDs (the leaders' PIDs), with each leader's start time (null if it could not be
 * read). Kept after a leader exits: its descendants may live on.
 */
const groups = new Map<number, string | null>()

/** A process's start time since boot (field 22 of /proc/PID/stat), or null when it is gone. */
function startTime (pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch { return null }
}

/**
 * Whether the PID of one of our group leaders now belongs to another process (the leader is gone
 * and the PID was given out again, which pid_max 32768 makes common): Linux never reuses a PID that
 * is still a live group's ID, so that group has no member left, and killing "its" group or tree
 * would kill a stranger, such as another test file's node when test files run side by side.
 */
function reused (pid: number): boolean {
  const recorded = groups.get(pid)
  if (recorded == null) return false
  const now = startTime(pid)
  return now != null && now !== recorded
}

/** `spawn` with the child as the leader of a new process group, killed with this process. */
export function spawnInGroup (command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true })
  if (child.pid !== undefined) groups.set(child.pid, startTime(child.pid))
  return child
}

/**
 * The PIDs of every live descendant of `roots` (from /proc, Linux). A child that put its own children
 * in groups of their own (bench/run.ts through this module) has descendants outside its group: they
 * are found before anything is killed, while they still have their parent.
 */
function descendantsOf (roots: Iterable<number>): number[] {
  const children = new Map<number, number[]>()
  let entries: string[]
  try { entries = readdirSync('/proc') } catch { return [] }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const list = children.get(ppid) ?? []
      list.push(Number(entry))
      children.set(ppid, list)
    } catch { /* gone meanwhile */ }
  }
  const found: number[] = []
  const todo = [...roots]
  while (todo.length > 0) {
    for (const child of children.get(todo.pop()!) ?? []) { found.push(child); todo.push(child) }
  }
  return found
}

/** SIGKILLs the groups led by `leaders` and every descendant of theirs, wherever its group. */
function killTrees (all: readonly number[]): void {
  const leaders = all.filter(pid => !reused(pid))
  const descendants = descendantsOf(leaders)
  for (const pgid of leaders) {
    try { process.kill(-pgid, 'SIGKILL') } catch { /* the group is gone */ }
  }
  for (const pid of descendants) {
    try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
  }
}

/** SIGKILLs every process in the child's group and every descendant of it (nothing if it is gone). */
export function killGroup (child: ChildProcess): void {
  if (child.pid === undefined) return
  killTrees([child.pid])
  groups.delete(child.pid)
}

/** Synchronous clean-ups run after the groups are killed, at exit or interruption (e.g. removing network namespaces). */
const cleanups = new Set<() => void>()

/** Runs `cleanup` (synchronous) when this process exits or is interrupted; returns a function that cancels it. */
export function onExitOrInterrupt (cleanup: () => void): () => void {
  cleanups.add(cleanup)
  return () => { cleanups.delete(cleanup) }
}

function cleanUp (): void {
  killTrees([...groups.keys()])
  groups.clear()
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup)
    try { cleanup() } catch { /* the others still run */ }
  }
}

process.on('exit', cleanUp)
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanUp()
    process.kill(process.pid, signal)
  })
}
