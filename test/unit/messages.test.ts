import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import * as dagCbor from '@ipld/dag-cbor'
import { decodeClientMessage, decodeServerMessage, encodeMessage } from '../../node-core/src/protocol/messages.ts'
import type { ClientMessage, ServerMessage } from '../../node-core/src/protocol/messages.ts'

describe('protocol messages', () => {
  it('round-trips every message type', () => {
    const client: ClientMessage[] = [{ t: 'hello', share: 'bafy' }, { t: 'manifest', offset: 5 }, { t: 'request', index: 0 }, { t: 'cancel', index: 7 }]
    for (const m of client) assert.deepEqual(decodeClientMessage(encodeMessage(m)), m)
    const server: ServerMessage[] = [
      { t: 'welcome', manifestSize: 10, have: Uint8Array.of(0x80), peers: ['/ip4/127.0.0.1/tcp/1/p2p/x'] },
      { t: 'manifest-piece', offset: 0, data: Uint8Array.of(1, 2) },
      { t: 'block', index: 3, data: new Uint8Array(100) },
      { t: 'have', index: 9 },
      { t: 'peers', peers: [] },
      { t: 'error', code: 'busy', index: 4 },
      { t: 'error', code: 'unknown-share', message: 'no' },
      { t: 'error', code: 'busy', message: 'too many sessions', peers: ['/ip4/127.0.0.1/tcp/2/p2p/y'] }
    ]
    for (const m of server) assert.deepEqual(decodeServerMessage(encodeMessage(m)), m)
  })

  it('rejects malformed messages with a ProtocolError', () => {
    for (const v of badClient) {
      const bytes = dagCbor.encode(v as never)
      assert.throws(() => decodeClientMessage(bytes), { name: 'ProtocolError' }, JSON.stringify(v))
    }
    assert.throws(() => decodeClientMessage(Uint8Array.of(0xff)), { name: 'ProtocolError' })
    for (const v of badServer) assert.throws(() => decodeServerMessage(dagCbor.encode(v as never)), { name: 'ProtocolError' }, JSON.stringify(v).slice(0, 80))
  })

  it('accepts every field at its limit', () => {
    assert.deepEqual(decodeClientMessage(encodeMessage({ t: 'hello', share: 's'.repeat(256) })), { t: 'hello', share: 's'.repeat(256) })
    const peers = new Array(32).fill('p'.repeat(512))
    assert.deepEqual(decodeServerMessage(encodeMessage({ t: 'peers', peers })), { t: 'peers', peers })
    const error = { t: 'error', code: 'busy', index: 0, message: 'm'.repeat(1024), peers } as const
    assert.deepEqual(decodeServerMessage(encodeMessage(error)), error)
  })

  it('keeps the CBOR library\'s error as the cause of an undecodable message', () => {
    assert.throws(() => decodeClientMessage(Uint8Array.of(0xff)), (err: Error) => err.name === 'ProtocolError' && err.cause instanceof Error)
  })

  it('says what is wrong with each (messages against messages.test.ts.snapshot)', (t) => {
    const messageOf = (f: () => unknown): string => {
      try { f() } catch (err) { return `${(err as Error).name}: ${(err as Error).message}` }
      return 'accepted'
    }
    t.assert.snapshot({
      client: badClient.map(v => messageOf(() => decodeClientMessage(dagCbor.encode(v as never)))),
      // The CBOR library's own words follow "undecodable message: "; they are its, not ours.
      notCbor: messageOf(() => decodeClientMessage(Uint8Array.of(0xff))).replace(/(undecodable message: ).*/, '$1…'),
      server: badServer.map(v => messageOf(() => decodeServerMessage(dagCbor.encode(v as never))))
    })
  })
})

const badClient: unknown[] = [
  null, [1], 5, 'x', { t: 'nope' }, { t: 'request' }, { t: 'request', index: -1 }, { t: 'request', index: 1.5 },
  { t: 'request', index: 2 ** 60 }, { t: 'request', index: '1' }, { t: 'request', index: 1, extra: 1 },
  { t: 'hello', share: 'x'.repeat(300) }, { t: 'hello', share: 'x'.repeat(257) }, { t: 'hello', share: 5 }, { t: 'hello' },
  // What the type tag was, said in the message: a number, a boolean, null, bytes, a list, a map, a long string.
  { t: 5 }, { t: true }, { t: null }, { t: new Uint8Array(2) }, { t: [1] }, { t: {} }, { t: 'y'.repeat(50) },
  { t: 'z'.repeat(40) } // the longest type quoted whole
]
const badServer: unknown[] = [
  { t: 'welcome', manifestSize: 1, have: 'x', peers: [] },
  { t: 'welcome', manifestSize: 1, have: new Uint8Array(1), peers: new Array(33).fill('/ip4/1.2.3.4') },
  { t: 'welcome', manifestSize: 1, have: new Uint8Array(1), peers: [5] },
  { t: 'error', code: 'weird' },
  { t: 'error', code: 'busy', message: 'x'.repeat(2000) },
  { t: 'error', code: 'busy', peers: new Array(33).fill('/ip4/1.2.3.4') },
  { t: 'error', code: 'busy', peers: 'x' },
  { t: 'error', code: 'busy', message: 5 },
  { t: 'error', code: 'busy', message: 'x'.repeat(1025) },
  { t: 'error', code: 7 },
  { t: 'peers', peers: ['x'.repeat(513)] },
  { t: 'peers', peers: new Array(33).fill('x') },
  { t: 'block', index: 1 },
  { t: 'nope' }
]
