/**
 * The desktop's `swarmdrop-media://` handler (Electron's protocol.handle takes a Request and
 * returns a Response: both are Node's own here, so the handler runs without Electron) over the
 * service's real MediaFiles and an in-memory share: ranges, types, a chunk that arrives while the
 * player waits, and the refusals.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { MediaFiles } from '../../node-core/src/service/media-files.ts'
import { createMediaProtocolHandler } from '../../electron/main/media-protocol.ts'
import { memoryShare } from '../helpers/served-share.ts'
import type { ServedShare } from '../../node-core/src/storage/served-share.ts'

const CHUNK = 1024

async function fixture (have?: Bitfield): Promise<{ share: ServedShare, arrive (i: number): void, media: MediaFiles, focused: Array<{ first: number, last: number }> }> {
  const manifest = { version: 1 as const, name: 'album', chunkSize: CHUNK, files: [{ path: 'album/a.bin', size: 100 }, { path: 'album/song.mp3', size: 5 * CHUNK + 10 }], hashes: new Uint8Array(32 * 7) }
  const listeners = new Set<(i: number) => void>()
  const share = await memoryShare(manifest, {
    ...(have != null ? { have } : {}),
    onHave (l) { listeners.add(l); return () => { listeners.delete(l) } }
  })
  const focused: Array<{ first: number, last: number }> = []
  const media = new MediaFiles({ servedFor: id => id === share.shareId ? share : undefined, focus: (_id, range) => { focused.push(range) } })
  return { share, media, focused, arrive (i) { share.have.set(i); for (const l of [...listeners]) l(i) } }
}

const expected = (from: number, to: number): number[] => {
  // memoryShare's chunk i is filled with the byte i & 0xff; song.mp3 starts at global chunk 1.
  const out: number[] = []
  for (let off = from; off < to; off++) out.push((1 + Math.floor(off / CHUNK)) & 0xff)
  return out
}

test('a range of a complete share: 206 with the bytes, the type and the range', async () => {
  const { share, media } = await fixture()
  const handle = createMediaProtocolHandler(() => media)
  const res = await handle(new Request(`swarmdrop-media://file/${share.shareId}/1`, { headers: { range: 'bytes=1000-2100' } }))
  assert.equal(res.status, 206)
  assert.equal(res.headers.get('content-type'), 'audio/mpeg')
  assert.equal(res.headers.get('content-range'), `bytes 1000-2100/${5 * CHUNK + 10}`)
  assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], expected(1000, 2101))
  const whole = await handle(new Request(`swarmdrop-media://file/${share.shareId}/1`))
  assert.equal(whole.status, 200)
  assert.equal((await whole.arrayBuffer()).byteLength, 5 * CHUNK + 10)
})

test('a chunk still downloading: the player waits, the download is asked for it and what follows, and only what is here is returned', async () => {
  const have = new Bitfield(7)
  for (const i of [0, 1, 2]) have.set(i)
  const { share, media, focused, arrive } = await fixture(have)
  const handle = createMediaProtocolHandler(() => media)
  const answer = handle(new Request(`swarmdrop-media://file/${share.shareId}/1`, { headers: { range: `bytes=${2 * CHUNK + 5}-` } }))
  // Global chunk 3 holds song.mp3's bytes 2048..3071: it is missing, so the read focuses on it.
  await new Promise(resolve => setImmediate(resolve))
  assert.deepEqual(focused, [{ first: 3, last: 6 }])
  arrive(3)
  const res = await answer
  assert.equal(res.status, 206)
  // Chunk 4 is missing: the answer stops at the end of chunk 3.
  assert.equal(res.headers.get('content-range'), `bytes ${2 * CHUNK + 5}-${3 * CHUNK - 1}/${5 * CHUNK + 10}`)
  assert.deepEqual([...new Uint8Array(await res.arrayBuffer())], expected(2 * CHUNK + 5, 3 * CHUNK))
})

test('refusals: not a media type, no such share or file, a range past the end, no service, a foreign URL', async () => {
  const { share, media } = await fixture()
  const handle = createMediaProtocolHandler(() => media)
  assert.equal((await handle(new Request(`swarmdrop-media://file/${share.shareId}/0`))).status, 415)
  assert.equal((await handle(new Request('swarmdrop-media://file/nosuch/1'))).status, 404)
  assert.equal((await handle(new Request(`swarmdrop-media://file/${share.shareId}/9`))).status, 404)
  assert.equal((await handle(new Request(`swarmdrop-media://file/${share.shareId}/../1`))).status, 404)
  assert.equal((await handle(new Request(`swarmdrop-media://other/${share.shareId}/1`))).status, 404)
  const beyond = await handle(new Request(`swarmdrop-media://file/${share.shareId}/1`, { headers: { range: 'bytes=99999-' } }))
  assert.equal(beyond.status, 416)
  assert.equal(beyond.headers.get('content-range'), `bytes */${5 * CHUNK + 10}`)
  assert.equal((await createMediaProtocolHandler(() => null)(new Request(`swarmdrop-media://file/${share.shareId}/1`))).status, 503)
  assert.equal((await handle(new Request(`swarmdrop-media://file/${share.shareId}/1`, { method: 'POST', body: 'x' }))).status, 405)
})
