/**
 * Loaded into a soak subject with `--import` (see bench/soak.ts): every 2 s, after a full GC
 * (when run with --expose-gc), appends { t, heapUsed, rss, fds } as one JSON line to the file
 * named by SWARMDROP_SOAK_PROBE.
 */
import { appendFileSync, readdirSync } from 'node:fs'

const file = process.env.SWARMDROP_SOAK_PROBE
const gc = (globalThis as { gc?: () => void }).gc
if (file != null) {
  setInterval(() => {
    gc?.()
    const m = process.memoryUsage()
    appendFileSync(file, JSON.stringify({ t: Date.now(), heapUsed: m.heapUsed, rss: m.rss, fds: readdirSync('/proc/self/fd').length }) + '\n')
  }, 2000).unref()
}
