import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ShareHashingProgress } from '../../node-core/src/service/share-hashing.ts'
import type { ServiceEvent, ShareHashing } from '../../node-core/src/contract/index.ts'

function collect (): { events: ShareHashing[], emit: (e: ServiceEvent) => void } {
  const events: ShareHashing[] = []
  return { events, emit: e => { if (e.type === 'share:hashing') events.push(e.hashing) } }
}

test('hashing progress: the first update, then at most one per interval, and always the last', () => {
  let t = 0
  const { events, emit } = collect()
  const p = new ShareHashingProgress('/tmp/some/holiday', emit, { intervalMs: 250, now: () => t })
  p.update(0, 1000)
  t = 100; p.update(100, 1000) // within the interval: not sent
  t = 200; p.update(200, 1000) // not sent
  t = 260; p.update(300, 1000) // sent
  t = 300; p.update(1000, 1000) // not sent: the last comes with done()
  t = 320; p.done()
  assert.deepEqual(events.map(e => [e.state, e.bytesHashed, e.elapsedMs]), [['hashing', 0, 0], ['hashing', 300, 260], ['done', 1000, 320]])
  assert.ok(events.every(e => e.name === 'holiday' && e.totalBytes === 1000 && e.id === events[0]!.id))
})

test('hashing progress: a failure is reported, and two shares have different ids', () => {
  const a = collect()
  const b = collect()
  const pa = new ShareHashingProgress('/x/a', a.emit)
  const pb = new ShareHashingProgress('/x/b', b.emit)
  pa.update(0, 10)
  pa.failed()
  pb.update(0, 10)
  assert.deepEqual(a.events.map(e => e.state), ['hashing', 'failed'])
  assert.notEqual(a.events[0]!.id, b.events[0]!.id)
})
