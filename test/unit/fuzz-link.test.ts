/**
 * Property and fuzz tests of the link parser (link.ts) and of the service API's argument
 * validation (api.ts `parseCommand`, which the WebSocket and IPC bridges both go through): valid
 * input round-trips; any input gives a result that passes the parser again unchanged, or an
 * InvalidLinkError / InvalidArgumentError, never another error.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { base58btc } from 'multiformats/bases/base58'
import { base64 } from 'multiformats/bases/base64'
import { InvalidArgumentError, InvalidLinkError } from '../../node-core/src/errors.ts'
import { formatLink, parseLink, parseShareId, MAX_LINK_PEERS } from '../../node-core/src/link/link.ts'
import { validateComponentName } from '../../node-core/src/manifest/validate.ts'
import { commandSchemas, parseCommand } from '../../node-core/src/contract/index.ts'
import type { ShareLink } from '../../node-core/src/link/link.ts'
import { cborValue, mutatedString } from '../helpers/arbitraries.ts'
import { fuzzParams, typedOrResult } from '../helpers/fuzz.ts'

const peerIds = await Promise.all([0, 1, 2].map(async () => peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()))

const shareId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map(d => CID.createV1(0x71, Digest.create(0x12, d)).toString())
const safeName = fc.stringMatching(/^[a-zA-Z0-9_][a-zA-Z0-9 _.\-éß\u4e2d&=#%+]{0,20}[a-zA-Z0-9_]$/).filter(n => !/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i.test(n))
const peer = fc.record({
  ip: fc.ipV4(),
  port: fc.integer({ min: 1, max: 65535 }),
  id: fc.constantFrom(...peerIds),
  transport: fc.constantFrom('tcp', 'udp')
}).map(({ ip, port, id, transport }) => `/ip4/${ip}/${transport}/${port}/p2p/${id}`)

const validLink: fc.Arbitrary<ShareLink> = fc.record({
  shareId,
  name: safeName,
  size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  peers: fc.array(peer, { maxLength: 4 })
}, { requiredKeys: ['shareId', 'peers'], noNullPrototype: true })

/** Strings with lone surrogates and any code unit, not only well-formed Unicode. */
const anyCodeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map(c => String.fromCharCode(c)), maxLength: 120 })

describe('fuzz: link parser', () => {
  it('round-trips every valid link', () => {
    fc.assert(fc.property(validLink, link => {
      assert.deepEqual(parseLink(formatLink(link)), link)
    }), fuzzParams())
  })

  it('parses any mutated or random text to a valid link or refuses it with an InvalidLinkError', () => {
    const text = fc.oneof(mutatedString(validLink.map(formatLink)), fc.string({ unit: 'binary', maxLength: 200 }), anyCodeUnits.map(s => 'swarmdrop://' + s))
    fc.assert(fc.property(text, input => {
      const link = typedOrResult(() => parseLink(input), InvalidLinkError)
      if (link === undefined) return
      assert.deepEqual(parseLink(formatLink(link)), link, 'a parsed link formats and parses to itself')
      if (link.name !== undefined) validateComponentName(link.name)
      assert.ok(link.peers.length <= MAX_LINK_PEERS)
      for (const p of link.peers) assert.match(p, /\/p2p\/[^/]+$/)
    }), fuzzParams())
  })

  it('canonicalises share IDs in any multibase and refuses everything else with an InvalidLinkError', () => {
    const ids = fc.oneof(
      shareId,
      shareId.map(id => CID.parse(id).toString(base58btc)),
      shareId.map(id => CID.parse(id).toString(base64)),
      mutatedString(shareId),
      anyCodeUnits
    )
    fc.assert(fc.property(ids, id => {
      const canonical = typedOrResult(() => parseShareId(id), InvalidLinkError)
      if (canonical !== undefined) assert.equal(parseShareId(canonical), canonical)
    }), fuzzParams())
  })

  it('refuses non-string input with an InvalidLinkError', () => {
    fc.assert(fc.property(fc.anything({ withBigInt: true }).filter(v => typeof v !== 'string'), v => {
      assert.throws(() => parseLink(v as string), InvalidLinkError)
      assert.throws(() => parseShareId(v as string), InvalidLinkError)
    }), fuzzParams())
  })
})

const commandNames = Object.keys(commandSchemas)
const anything = fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true, withSparseArray: true, withMap: true, withSet: true, withDate: true, withBoxedValues: true, maxDepth: 3 })

/** Arguments shaped like the real ones, with fields replaced, added (including `__proto__`) or dropped. */
const argsLike = fc.record({
  base: fc.record({
    path: fc.oneof(fc.string({ maxLength: 20 }), fc.constant('/tmp/x')),
    shareId: fc.oneof(shareId, fc.string()),
    link: fc.oneof(validLink.map(formatLink), fc.string()),
    outDir: fc.string({ maxLength: 20 }),
    peers: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
    deleteData: fc.boolean(),
    maxUploadBytesPerSecond: fc.oneof(fc.nat(), fc.double()),
    maxDownloadBytesPerSecond: fc.nat()
  }, { requiredKeys: [] }),
  extra: fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'toString', 'extra', 'path'), fc.oneof(cborValue, anything), { maxKeys: 2 }),
  command: fc.constantFrom(...commandNames),
  withExtra: fc.boolean()
}).map(({ base, extra, command, withExtra }) => {
  // Mostly the command's own fields (so many calls are valid), sometimes hostile extras on top.
  const own = Object.keys(commandSchemas[command as keyof typeof commandSchemas].shape)
  const args = Object.fromEntries(Object.entries(base).filter(([k]) => own.includes(k)))
  return { command, args: withExtra ? { ...args, ...extra } : args }
})

describe('fuzz: service API argument validation', () => {
  it('accepts valid-looking arguments only when they pass the schema again unchanged; refuses the rest with an InvalidArgumentError', () => {
    let accepted = 0
    const calls = fc.oneof(argsLike, fc.record({ command: fc.oneof(fc.constantFrom(...commandNames), anything), args: anything }))
    fc.assert(fc.property(calls, ({ command, args }) => {
      const parsed = typedOrResult(() => parseCommand(command, args), InvalidArgumentError)
      if (parsed === undefined) return
      accepted++
      assert.deepEqual(parseCommand(parsed.command, parsed.args), parsed)
    }), fuzzParams())
    assert.ok(accepted > 0, 'some generated calls are valid, so the accepting path is exercised')
  })

  it('treats arguments that arrive as JSON (the WebSocket) the same way, `__proto__` keys included', () => {
    fc.assert(fc.property(argsLike, ({ command, args }) => {
      let json: unknown
      try { json = JSON.parse(JSON.stringify(args, (_k, v: unknown) => typeof v === 'bigint' ? String(v) : v)) } catch { return }
      const parsed = typedOrResult(() => parseCommand(command, json), InvalidArgumentError)
      if (parsed !== undefined) assert.ok(!Object.hasOwn(parsed.args, '__proto__'), 'an own __proto__ key never passes')
      assert.equal(({} as Record<string, unknown>).polluted, undefined)
    }), fuzzParams())
  })

  it('regression: a bigint or symbol command name is refused with an InvalidArgumentError (was a TypeError from JSON.stringify)', () => {
    for (const c of [10n, Symbol('x'), { toJSON () { throw new Error('boom') } }, 'x'.repeat(100_000)]) {
      assert.throws(() => parseCommand(c, {}), InvalidArgumentError)
    }
    assert.ok((() => { try { parseCommand('x'.repeat(100_000), {}) } catch (e) { return (e as Error).message.length < 300 } return false })(), 'the message quotes a bounded part of the name')
  })
})
