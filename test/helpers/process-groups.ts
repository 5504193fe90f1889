/**
 * Children started by tests, each in a process group of its own, so that killing the group also
 * kills whatever the child started (bench/run.ts's swarmdrop nodes, a CLI's helpers). Every group
 * started here is SIGKILLed when this process exits, and when it is interrupted (SIGINT, SIGTERM,
 * SIGHUP: the signal is then raised again so the process still ends as it would have).
 */
import { spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

/** Process group IDs (the leaders' PIDs). Kept after a leader exits: its descendants may live on. */
const groups = new Set<number>()

/** `spawn` with the child as the leader of a new process group, killed with this process. */
export function spawnInGroup (command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true })
  if (child.pid !== undefined) groups.add(child.pid)
  return child
}

/** Sends `signal` to every process in the child's group (nothing if it is gone). */
export function killGroup (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return
  try { process.kill(-child.pid, signal) } catch { /* the group is gone */ }
  if (signal === 'SIGKILL') groups.delete(child.pid)
}

/** Synchronous clean-ups run after the groups are killed, at exit or interruption (e.g. removing network namespaces). */
const cleanups = new Set<() => void>()

/** Runs `cleanup` (synchronous) when this process exits or is interrupted; returns a function that cancels it. */
export function onExitOrInterrupt (cleanup: () => void): () => void {
  cleanups.add(cleanup)
  return () => { cleanups.delete(cleanup) }
}

function cleanUp (): void {
  for (const pgid of groups) {
    try { process.kill(-pgid, 'SIGKILL') } catch { /* gone */ }
  }
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
