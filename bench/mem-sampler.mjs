// Usage: MEMPROBE_DIR=/tmp/x NODE_OPTIONS=--import=$PWD/bench/mem-sampler.mjs npm run bench -- --only peak-memory
// Samples process.memoryUsage() every 100 ms; writes per-field maxima, the sample at peak RSS and a 1 s series to $MEMPROBE_DIR/<pid>.json.
import { writeFileSync } from 'node:fs'
const dir = process.env.MEMPROBE_DIR
if (dir && process.argv.some(a => a.endsWith('swarmdrop.mjs'))) {
  const role = process.argv.includes('share') ? 'seeder' : process.argv.includes('get') ? 'downloader' : 'other'
  const max = { rss: 0, heapUsed: 0, heapTotal: 0, external: 0, arrayBuffers: 0 }
  const M = x => Math.round(x / 1048576)
  let atPeak = null; let n = 0; const series = []
  const t = setInterval(() => {
    const m = process.memoryUsage()
    for (const k of Object.keys(max)) if (m[k] > max[k]) max[k] = m[k]
    if (atPeak == null || m.rss >= atPeak.rss) atPeak = { ...m, t: process.uptime() }
    if (++n % 10 === 0) series.push([Math.round(process.uptime()), M(m.rss), M(m.heapUsed), M(m.external), M(m.arrayBuffers)])
    if (n % 5 === 0) writeFileSync(`${dir}/${process.pid}.json`, JSON.stringify({ role, max: Object.fromEntries(Object.entries(max).map(([k, v]) => [k, M(v)])), atPeak: Object.fromEntries(Object.entries(atPeak).map(([k, v]) => [k, k === 't' ? v : M(v)])), series }))
  }, 100)
  t.unref()
}
