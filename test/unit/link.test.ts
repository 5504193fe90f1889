import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { CID } from 'multiformats/cid'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { identity } from 'multiformats/hashes/identity'
import * as Digest from 'multiformats/hashes/digest'
import { base58btc } from 'multiformats/bases/base58'
import { base36 } from 'multiformats/bases/base36'
import { formatLink, isShareId, parseLink, parseShareId } from '../../node-core/src/link/link.ts'
import type { ShareLink } from '../../node-core/src/link/link.ts'

const INVALID = { name: 'InvalidLinkError' }
const PEER_ID = '12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA'
const PEER_ID_V0 = 'QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'
const PEER = `/ip4/192.0.2.7/tcp/4001/p2p/${PEER_ID}`
const PEER6 = `/ip6/2001:db8::1/udp/4001/quic-v1/p2p/${PEER_ID}`
const PEER_DNS = `/dns4/peer.example.com/tcp/443/wss/p2p/${PEER_ID_V0}`
const CIDV0 = 'QmcgpsyWgH8Y8ajJz1Cu72KnS5uo2Aa2LpzU7kinSupNKC'

let cid: CID
let id: string
let sha512Digest: Awaited<ReturnType<typeof sha512.digest>>

before(async () => {
  cid = CID.createV1(0x71, await sha256.digest(new TextEncoder().encode('a manifest')))
  id = cid.toString()
  sha512Digest = await sha512.digest(new Uint8Array(1))
})

const enc = encodeURIComponent

describe('parseLink / formatLink: valid links', () => {
  it('round-trips a link with every parameter', () => {
    const link: ShareLink = { shareId: id, name: 'Holiday photos 2024 (été)', size: 123_456_789, peers: [PEER, PEER6, PEER_DNS] }
    const text = formatLink(link)
    assert.ok(text.startsWith(`swarmdrop://${id}?`))
    assert.deepEqual(parseLink(text), link)
  })

  it('round-trips the largest safe size and size 0', () => {
    for (const size of [0, Number.MAX_SAFE_INTEGER]) {
      const link: ShareLink = { shareId: id, size, peers: [] }
      assert.deepEqual(parseLink(formatLink(link)), link)
    }
  })

  it('round-trips a name with characters that need encoding', () => {
    const link: ShareLink = { shareId: id, name: 'a+b & c=d %20 #1 \u{1f600}', peers: [] }
    assert.deepEqual(parseLink(formatLink(link)), link)
  })

  it('parses a bare link with no parameters', () => {
    assert.deepEqual(parseLink(`swarmdrop://${id}`), { shareId: id, peers: [] })
    assert.equal(formatLink({ shareId: id, peers: [] }), `swarmdrop://${id}`)
  })

  it('tolerates a trailing slash, an empty query, surrounding whitespace and an upper-case scheme', () => {
    for (const text of [`swarmdrop://${id}/`, `swarmdrop://${id}?`, `swarmdrop://${id}/?`, `  swarmdrop://${id}\n`, `SwarmDrop://${id}`]) {
      assert.deepEqual(parseLink(text), { shareId: id, peers: [] }, text)
    }
  })

  it('accepts a share ID in another multibase and returns it canonical', () => {
    for (const other of [cid.toString(base58btc), cid.toString(base36)]) {
      assert.notEqual(other, id)
      assert.equal(parseLink(`swarmdrop://${other}`).shareId, id)
    }
  })

  it('parses hand-written (unencoded) peers and returns them canonical', () => {
    const link = parseLink(`swarmdrop://${id}?peer=${PEER}&peer=/ip4/192.0.2.8/tcp/1/ipfs/${PEER_ID_V0}`)
    assert.deepEqual(link.peers, [PEER, `/ip4/192.0.2.8/tcp/1/p2p/${PEER_ID_V0}`])
  })

  it('accepts a relayed address ending in /p2p/', () => {
    const relayed = `/ip4/192.0.2.7/tcp/4001/p2p/${PEER_ID_V0}/p2p-circuit/p2p/${PEER_ID}`
    assert.deepEqual(parseLink(`swarmdrop://${id}?peer=${enc(relayed)}`).peers, [relayed])
  })

  it('accepts 16 peers', () => {
    const peers = Array.from({ length: 16 }, (_, i) => `/ip4/192.0.2.${i}/tcp/4001/p2p/${PEER_ID}`)
    assert.deepEqual(parseLink(formatLink({ shareId: id, peers })).peers, peers)
  })

  it('accepts names that are near misses of unsafe ones', () => {
    for (const name of ['a..b', '.hidden', 'CONSOLE', 'x'.repeat(255)]) {
      assert.equal(parseLink(`swarmdrop://${id}?name=${enc(name)}`).name, name)
    }
  })

  it('accepts a link of exactly 8192 characters and rejects one of 8193', () => {
    const withHost = (n: number): string => `swarmdrop://${id}?peer=/dns4/${'a'.repeat(n)}/tcp/1/p2p/${PEER_ID}`
    const n = 8192 - withHost(0).length
    assert.equal(withHost(n).length, 8192)
    assert.equal(parseLink(withHost(n)).peers.length, 1)
    assert.throws(() => parseLink(withHost(n + 1)), INVALID)
  })
})

describe('parseLink: rejections', () => {
  const cases: Array<[string, () => string]> = [
    ['an empty string', () => ''],
    ['only whitespace', () => '   '],
    ['a wrong scheme', () => `https://${id}`],
    ['a scheme without slashes', () => `swarmdrop:${id}`],
    ['a missing share ID', () => 'swarmdrop://'],
    ['a missing share ID with a query', () => `swarmdrop://?name=x`],
    ['a share ID that is not a CID', () => 'swarmdrop://not-a-cid'],
    ['a share ID with extra characters', () => `swarmdrop://${id}x`],
    ['a share ID with a path', () => `swarmdrop://${id}/extra`],
    ['two trailing slashes', () => `swarmdrop://${id}//`],
    ['an upper-case base32 share ID', () => `swarmdrop://${id.toUpperCase()}`],
    ['a CIDv0', () => `swarmdrop://${CIDV0}`],
    ['a raw-codec CID', () => `swarmdrop://${CID.createV1(0x55, cid.multihash).toString()}`],
    ['a dag-pb CID', () => `swarmdrop://${CID.createV1(0x70, cid.multihash).toString()}`],
    ['a sha2-512 CID', () => `swarmdrop://${CID.createV1(0x71, sha512Digest).toString()}`],
    ['an identity-hash CID', () => `swarmdrop://${CID.createV1(0x71, identity.digest(new Uint8Array(32))).toString()}`],
    ['a short sha2-256 digest', () => `swarmdrop://${CID.createV1(0x71, Digest.create(0x12, new Uint8Array(20))).toString()}`],
    ['a fragment', () => `swarmdrop://${id}#name=x`],
    ['an unknown parameter', () => `swarmdrop://${id}?foo=bar`],
    ['an empty parameter name', () => `swarmdrop://${id}?=x`],
    ['an upper-case parameter name', () => `swarmdrop://${id}?Name=x`],
    ['a duplicate name', () => `swarmdrop://${id}?name=a&name=b`],
    ['an empty name', () => `swarmdrop://${id}?name=`],
    ['a name ../x', () => `swarmdrop://${id}?name=${enc('../x')}`],
    ['a name ..', () => `swarmdrop://${id}?name=..`],
    ['a name with a slash', () => `swarmdrop://${id}?name=a%2Fb`],
    ['a name with a backslash', () => `swarmdrop://${id}?name=a%5Cb`],
    ['a name with a NUL', () => `swarmdrop://${id}?name=a%00b`],
    ['a reserved name', () => `swarmdrop://${id}?name=nul.txt`],
    ['a name with a drive letter', () => `swarmdrop://${id}?name=C%3A`],
    ['a name of 256 bytes', () => `swarmdrop://${id}?name=${'x'.repeat(256)}`],
    ['a duplicate size', () => `swarmdrop://${id}?size=1&size=1`],
    ['an empty size', () => `swarmdrop://${id}?size=`],
    ['size 1e3', () => `swarmdrop://${id}?size=1e3`],
    ['size -1', () => `swarmdrop://${id}?size=-1`],
    ['size +1', () => `swarmdrop://${id}?size=${enc('+1')}`],
    ['size 1.0', () => `swarmdrop://${id}?size=1.0`],
    ['size 0x10', () => `swarmdrop://${id}?size=0x10`],
    ['size with spaces', () => `swarmdrop://${id}?size=%201`],
    ['size with a leading zero', () => `swarmdrop://${id}?size=010`],
    ['size with non-ASCII digits', () => `swarmdrop://${id}?size=${enc('\u0661')}`],
    ['size 9007199254740992', () => `swarmdrop://${id}?size=9007199254740992`],
    ['size 9007199254740993', () => `swarmdrop://${id}?size=9007199254740993`],
    ['a huge size', () => `swarmdrop://${id}?size=${'9'.repeat(400)}`],
    ['17 peers', () => `swarmdrop://${id}?` + Array.from({ length: 17 }, () => `peer=${enc(PEER)}`).join('&')],
    ['a peer without /p2p/', () => `swarmdrop://${id}?peer=${enc('/ip4/192.0.2.7/tcp/4001')}`],
    ['a peer not ending in /p2p/', () => `swarmdrop://${id}?peer=${enc(`/p2p/${PEER_ID}/p2p-circuit`)}`],
    ['a peer with an invalid peer ID', () => `swarmdrop://${id}?peer=${enc('/ip4/192.0.2.7/tcp/4001/p2p/notapeer')}`],
    ['a garbage multiaddr', () => `swarmdrop://${id}?peer=garbage`],
    ['an unknown protocol', () => `swarmdrop://${id}?peer=${enc(`/nope/1/p2p/${PEER_ID}`)}`],
    ['a bad port', () => `swarmdrop://${id}?peer=${enc(`/ip4/192.0.2.7/tcp/70000/p2p/${PEER_ID}`)}`],
    ['an empty peer', () => `swarmdrop://${id}?peer=`],
    ['a peer with a space', () => `swarmdrop://${id}?peer=${enc(`/dns4/a b/tcp/1/p2p/${PEER_ID}`)}`],
    ['a peer with a newline', () => `swarmdrop://${id}?peer=${enc(`/dns4/a\nb/tcp/1/p2p/${PEER_ID}`)}`],
    ['an over-long link', () => `swarmdrop://${id}?name=${'x'.repeat(8200)}`],
    ['a very long link', () => `swarmdrop://${id}?` + 'x'.repeat(1_000_000)]
  ]

  for (const [description, build] of cases) {
    it(`rejects ${description}`, () => {
      const text = build()
      assert.throws(() => parseLink(text), INVALID)
    })
  }

  it('rejects a non-string', () => {
    assert.throws(() => parseLink(undefined as unknown as string), INVALID)
  })
})

describe('formatLink: rejections', () => {
  const cases: Array<[string, () => ShareLink]> = [
    ['a bad share ID', () => ({ shareId: 'nope', peers: [] })],
    ['an unsafe name', () => ({ shareId: id, name: '../x', peers: [] })],
    ['a negative size', () => ({ shareId: id, size: -1, peers: [] })],
    ['a fractional size', () => ({ shareId: id, size: 1.5, peers: [] })],
    ['an unsafe size', () => ({ shareId: id, size: 2 ** 60, peers: [] })],
    ['a peer without /p2p/', () => ({ shareId: id, peers: ['/ip4/192.0.2.7/tcp/1'] })],
    ['17 peers', () => ({ shareId: id, peers: Array(17).fill(PEER) })]
  ]
  for (const [description, build] of cases) {
    it(`rejects ${description}`, () => {
      const link = build()
      assert.throws(() => formatLink(link), INVALID)
    })
  }
})

describe('isShareId', () => {
  it('accepts a canonical share ID', () => {
    assert.equal(isShareId(id), true)
  })
  it('rejects non-canonical encodings and other CIDs', () => {
    assert.equal(isShareId(cid.toString(base58btc)), false)
    assert.equal(isShareId(CIDV0), false)
    assert.equal(isShareId(CID.createV1(0x55, cid.multihash).toString()), false)
    assert.equal(isShareId(''), false)
    assert.equal(isShareId(`${id}/`), false)
    assert.equal(isShareId(`swarmdrop://${id}`), false)
  })
})

describe('parseLink: each refusal says what is wrong', () => {
  // The messages reach the user as they are (the CLI prints them, the UI shows them), so each
  // names the part of the link at fault and quotes it safely.
  const cases: Array<[string, () => string, string | (() => string)]> = [
    ['an empty link', () => '', 'link is empty'],
    ['only whitespace', () => ' \n ', 'link is empty'],
    ['a wrong scheme', () => `https://${id}`, () => `link "https://${id}" does not start with swarmdrop://`],
    ['a missing share ID', () => 'swarmdrop://', 'link has no share ID'],
    ['a fragment', () => `swarmdrop://${id}#x`, () => `link "swarmdrop://${id}#x" has a fragment ("#")`],
    ['a share ID that is not a CID', () => 'swarmdrop://not-a-cid', 'share ID "not-a-cid" is not a CID'],
    ['a CIDv0', () => `swarmdrop://${CIDV0}`, `share ID "${CIDV0}" is a CIDv0, expected CIDv1`],
    ['a raw-codec CID', () => `swarmdrop://${CID.createV1(0x55, cid.multihash).toString()}`,
      () => `share ID "${CID.createV1(0x55, cid.multihash).toString()}" has codec 0x55, expected dag-cbor (0x71)`],
    ['a sha2-512 CID', () => `swarmdrop://${CID.createV1(0x71, sha512Digest).toString()}`,
      () => `share ID "${CID.createV1(0x71, sha512Digest).toString().slice(0, 80)}…" is not a sha2-256 hash`],
    ['an unknown parameter', () => `swarmdrop://${id}?foo=bar`, 'link has an unknown parameter "foo"'],
    ['a duplicate name', () => `swarmdrop://${id}?name=a&name=b`, 'link has more than one name parameter'],
    ['an unsafe name', () => `swarmdrop://${id}?name=..`, 'link name is unsafe: name ".." is ".."'],
    ['a duplicate size', () => `swarmdrop://${id}?size=1&size=2`, 'link has more than one size parameter'],
    ['a size in exponent form', () => `swarmdrop://${id}?size=1e3`, 'link size "1e3" is not a plain decimal number of bytes'],
    ['a size past 2^53', () => `swarmdrop://${id}?size=9007199254740992`, 'link size "9007199254740992" is too large'],
    ['17 peers', () => `swarmdrop://${id}?` + Array.from({ length: 17 }, () => `peer=${enc(PEER)}`).join('&'), 'link has more than 16 peers'],
    ['an empty peer', () => `swarmdrop://${id}?peer=`, 'link has an empty peer'],
    ['a peer with a newline', () => `swarmdrop://${id}?peer=${enc('/dns4/a\nb/tcp/1')}`,
      'peer "/dns4/a\\u000ab/tcp/1" has characters other than printable ASCII'],
    ['a garbage peer', () => `swarmdrop://${id}?peer=garbage`, 'peer "garbage" is not a valid multiaddr (String multiaddr must start with "/")'],
    ['a peer without /p2p/', () => `swarmdrop://${id}?peer=${enc('/ip4/192.0.2.7/tcp/1')}`, 'peer "/ip4/192.0.2.7/tcp/1" does not end with /p2p/<peer id>'],
    ['a peer of no components', () => `swarmdrop://${id}?peer=${enc('/')}`, 'peer "/" does not end with /p2p/<peer id>'],
    ['an over-long link', () => `swarmdrop://${id}?name=${'x'.repeat(8200)}`, 'link is longer than 8192 characters'],
    ['a very long link', () => `swarmdrop://${id}?` + 'x'.repeat(20_000), 'link is longer than 8192 characters']
  ]
  for (const [description, build, expected] of cases) {
    it(`refuses ${description} and says why`, () => {
      const text = build()
      const message = typeof expected === 'string' ? expected : expected()
      assert.throws(() => parseLink(text), { name: 'InvalidLinkError', message })
    })
  }

  it('refuses non-strings by name', () => {
    assert.throws(() => parseLink(42 as unknown as string), { name: 'InvalidLinkError', message: 'link is not a string' })
    assert.throws(() => parseShareId(42 as unknown as string), { name: 'InvalidLinkError', message: 'share ID is not a string' })
  })

  it('refuses a share ID over 8192 characters before parsing it', () => {
    assert.throws(() => parseShareId('x'.repeat(8193)), { message: 'share ID is too long' })
    assert.throws(() => parseShareId('x'.repeat(8192)), { message: `share ID "${'x'.repeat(80)}…" is not a CID` })
  })

  it('measures the length limit after trimming: 8192 characters with as much whitespace around still parse', () => {
    const withHost = (n: number): string => `swarmdrop://${id}?peer=/dns4/${'a'.repeat(n)}/tcp/1/p2p/${PEER_ID}`
    const link = withHost(8192 - withHost(0).length)
    assert.equal(parseLink(' '.repeat(4096) + link + ' '.repeat(4096)).peers.length, 1)
    assert.throws(() => parseLink(' '.repeat(4096) + link + ' '.repeat(4097)), { message: 'link is longer than 8192 characters' })
  })

  it('quotes untrusted text on one printable line: escapes, and cuts at 80 characters with an ellipsis', () => {
    const key = (k: string): string => { try { parseLink(`swarmdrop://${id}?${enc(k)}=1`) } catch (err) { return (err as Error).message } return 'accepted' }
    assert.equal(key('a"b\\c'), 'link has an unknown parameter "a\\"b\\\\c"')
    assert.equal(key('tab\there\u00e9\u{1f600}\u0000'), 'link has an unknown parameter "tab\\u0009here\\u00e9\\u{1f600}\\u0000"')
    assert.equal(key('\uffff'), 'link has an unknown parameter "\\uffff"')
    assert.equal(key('k'.repeat(80)), `link has an unknown parameter "${'k'.repeat(80)}"`)
    assert.equal(key('k'.repeat(81)), `link has an unknown parameter "${'k'.repeat(80)}…"`)
  })
})
