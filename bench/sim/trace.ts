/**
 * `node bench/sim/trace.ts N [every]`: one residential flash crowd, traced every `every` virtual
 * seconds: how much of the present peers' upload capacity is in use, how many sessions a busy
 * server shares its upload among, how many distinct chunks the downloaders hold, what the origin
 * sends (and how much of it is a chunk it already sent), when downloaders get their first chunk.
 * The instrument behind docs/PERFORMANCE.md, "Why the gap grew with N".
 */
import { residentialFlash } from './config.ts'
import { Swarm } from './swarm.ts'

const n = Number(process.argv[2] ?? 1000)
const every = Number(process.argv[3] ?? 5)
const extra = process.argv[4] != null ? JSON.parse(process.argv[4]) as Record<string, unknown> : {}
const swarm = new Swarm(residentialFlash(n, extra))
let lastUp = new Map<number, number>()
let lastOrigin = 0
swarm.probe = s => {
  const t = Math.round(s.now())
  if (t % every !== 0) return
  let capacity = 0
  let used = 0
  let busy = 0
  let busyCapacity = 0
  let sessions = 0
  let done = 0
  let withChunk = 0
  let served = 0
  let wasted = 0
  const distinct = new Set<number>()
  for (const p of s.all) {
    if (p.origin || p.state === 'pending' || p.state === 'gone') continue
    if (p.have.count > 0) withChunk++
    if (p.state === 'seeding') done++
    for (let i = 0; i < s.chunkCount; i++) if (p.have.has(i)) distinct.add(i)
    if (p.freeRider) continue
    wasted += p.wasted
    capacity += p.up
    const before = lastUp.get(p.id) ?? 0
    used += (p.uploaded - before) / every
    lastUp.set(p.id, p.uploaded)
    let queued = 0
    for (const x of p.serving.values()) if (x.queue.length > 0) queued++
    if (queued > 0) { busy++; sessions += queued; busyCapacity += p.up }
    served += p.serving.size
  }
  const o = s.origin
  const originRate = (o.uploaded - lastOrigin) / every
  lastOrigin = o.uploaded
  const present = s.all.filter(p => !p.origin && p.state !== 'pending' && p.state !== 'gone').length
  console.log(`t=${t}s peers ${present} done ${done} | upload busy ${(100 * busyCapacity / capacity).toFixed(1)} %, chunks completed ${(100 * used / capacity).toFixed(1)} % of ${(capacity / 125000).toFixed(0)} Mbit/s | uploading ${busy}, ${(sessions / Math.max(1, busy)).toFixed(1)} sessions queued each, ${(served / Math.max(1, present)).toFixed(1)} served each | have >=1 chunk ${withChunk}, distinct chunks held ${distinct.size}/${s.chunkCount} | origin ${(originRate / 125000).toFixed(1)} Mbit/s, ${o.serving.size} sessions, ${o.active.size} queued, origin sent ${(o.uploaded / s.config.shareBytes).toFixed(2)}x, wasted ${(o.wasted / s.config.shareBytes).toFixed(2)}x | peers wasted ${(wasted / s.config.shareBytes).toFixed(1)}x`)
  lastUp = new Map(lastUp)
}
const out = swarm.run()
const done = out.peers.map(p => p.done).sort((a, b) => a - b)
const sum = (f: (p: typeof out.origin) => number): number => out.peers.reduce((a, p) => a + f(p), 0) / swarm.config.shareBytes
console.log(`all done ${done[done.length - 1]!.toFixed(1)} s, median ${done[done.length >> 1]!.toFixed(1)} s, origin ${(out.origin.uploaded / swarm.config.shareBytes).toFixed(2)}x (wasted ${(out.origin.wasted / swarm.config.shareBytes).toFixed(2)}x); peers sent ${sum(p => p.uploaded).toFixed(1)}x, wasted ${sum(p => p.wasted).toFixed(1)}x the share`)
