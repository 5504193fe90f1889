/**
 * `swarmdrop://<share-id>?name=<name>&size=<bytes>&peer=<multiaddr>&peer=<multiaddr>` links. The
 * share ID is the CID (v1, dag-cbor, sha2-256) of the manifest; everything after it is an optional
 * hint. Links come from other people, so parsing is strict and every part is checked.
 */
import { CID } from 'multiformats/cid'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidLinkError, UnsafePathError } from '../errors.ts'
import { validateComponentName } from '../manifest/validate.ts'

export interface ShareLink {
  /** Canonical share ID: the manifest CID as a base32 string. */
  shareId: string
  /** Suggested share name (a single safe path component). */
  name?: string
  /** Total size in bytes. */
  size?: number
  /** Multiaddrs of peers that hold the share; each ends in `/p2p/<peer id>`. */
  peers: string[]
}

const SCHEME = 'swarmdrop://'
export const MAX_LINK_LENGTH = 8192
export const MAX_LINK_PEERS = 16
const DAG_CBOR = 0x71
const SHA2_256 = 0x12
const SHA2_256_BYTES = 32
const P2P = 421
const MAX_QUOTED = 80

/** Quotes a piece of untrusted input for an error message: one line, printable ASCII, bounded. */
function quote (s: string): string {
  const cut = s.length > MAX_QUOTED ? s.slice(0, MAX_QUOTED) : s
  const body = cut.replace(/[^\x20-\x7e]|["\\]/gu, (c) => {
    if (c === '"' || c === '\\') return `\\${c}`
    const code = c.codePointAt(0)!
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
  return `"${body}${s.length > MAX_QUOTED ? '…' : ''}"`
}

/** Parses a share ID in any multibase the CID parser accepts; returns the canonical base32 form. */
function canonicalShareId (input: string): string {
  let cid: CID
  try {
    cid = CID.parse(input)
  } catch {
    throw new InvalidLinkError(`share ID ${quote(input)} is not a CID`)
  }
  if (cid.version !== 1) throw new InvalidLinkError(`share ID ${quote(input)} is a CIDv${cid.version}, expected CIDv1`)
  if (cid.code !== DAG_CBOR) throw new InvalidLinkError(`share ID ${quote(input)} has codec 0x${cid.code.toString(16)}, expected dag-cbor (0x71)`)
  if (cid.multihash.code !== SHA2_256 || cid.multihash.digest.length !== SHA2_256_BYTES) {
    throw new InvalidLinkError(`share ID ${quote(input)} is not a sha2-256 hash`)
  }
  return cid.toString()
}

/** Returns the canonical share ID for a share ID in any supported multibase; throws InvalidLinkError. */
export function parseShareId (input: string): string {
  if (typeof input !== 'string') throw new InvalidLinkError('share ID is not a string')
  if (input.length > MAX_LINK_LENGTH) throw new InvalidLinkError('share ID is too long')
  return canonicalShareId(input)
}

/** True when `s` is a share ID in its canonical form (as ShareLink.shareId and parseLink return it). */
export function isShareId (s: string): boolean {
  try {
    return parseShareId(s) === s
  } catch {
    return false
  }
}

/** Checks a peer multiaddr as a link's `peer` (or `--peer`) must be; returns its canonical string form. */
export function validatePeerAddress (input: string): string {
  if (input === '') throw new InvalidLinkError('link has an empty peer')
  // Multiaddrs in links are plain ASCII; this also keeps spaces and control characters out.
  if (!/^[\x21-\x7e]+$/.test(input)) throw new InvalidLinkError(`peer ${quote(input)} has characters other than printable ASCII`)
  let canonical: string
  let last: { code: number, value?: string } | undefined
  try {
    const ma = multiaddr(input)
    // Encoding to bytes validates every value (the string parser accepts e.g. any /p2p/ text).
    const encoded = multiaddr(ma.bytes)
    canonical = encoded.toString()
    last = encoded.getComponents().at(-1)
  } catch (err) {
    throw new InvalidLinkError(`peer ${quote(input)} is not a valid multiaddr${err instanceof Error ? ` (${err.message.split('\n')[0]})` : ''}`)
  }
  if (last == null || last.code !== P2P || last.value == null || last.value === '') {
    throw new InvalidLinkError(`peer ${quote(input)} does not end with /p2p/<peer id>`)
  }
  return canonical
}

/**
 * Parses a `swarmdrop://` link. Strict: unknown or repeated parameters, unsafe names, malformed
 * sizes and unusable peer addresses are errors (InvalidLinkError), not ignored.
 */
export function parseLink (input: string): ShareLink {
  if (typeof input !== 'string') throw new InvalidLinkError('link is not a string')
  if (input.length > MAX_LINK_LENGTH * 2) throw new InvalidLinkError(`link is longer than ${MAX_LINK_LENGTH} characters`)
  const text = input.trim()
  if (text === '') throw new InvalidLinkError('link is empty')
  if (text.length > MAX_LINK_LENGTH) throw new InvalidLinkError(`link is longer than ${MAX_LINK_LENGTH} characters`)
  if (text.slice(0, SCHEME.length).toLowerCase() !== SCHEME) throw new InvalidLinkError(`link ${quote(text)} does not start with ${SCHEME}`)
  if (text.includes('#')) throw new InvalidLinkError(`link ${quote(text)} has a fragment ("#")`)

  const rest = text.slice(SCHEME.length)
  const q = rest.indexOf('?')
  let id = q === -1 ? rest : rest.slice(0, q)
  const query = q === -1 ? '' : rest.slice(q + 1)
  if (id.endsWith('/')) id = id.slice(0, -1)
  if (id === '') throw new InvalidLinkError('link has no share ID')
  const shareId = canonicalShareId(id)

  const link: ShareLink = { shareId, peers: [] }
  let peerCount = 0
  for (const [key, value] of new URLSearchParams(query)) {
    switch (key) {
      case 'name': {
        if (link.name != null) throw new InvalidLinkError('link has more than one name parameter')
        try {
          validateComponentName(value)
        } catch (err) {
          if (err instanceof UnsafePathError) throw new InvalidLinkError(`link name is unsafe: ${err.message}`)
          throw err
        }
        link.name = value
        break
      }
      case 'size': {
        if (link.size != null) throw new InvalidLinkError('link has more than one size parameter')
        if (!/^(?:0|[1-9][0-9]*)$/.test(value)) throw new InvalidLinkError(`link size ${quote(value)} is not a plain decimal number of bytes`)
        const size = value.length > 16 ? Infinity : Number(value)
        if (!Number.isSafeInteger(size)) throw new InvalidLinkError(`link size ${quote(value)} is too large`)
        link.size = size
        break
      }
      case 'peer': {
        if (++peerCount > MAX_LINK_PEERS) throw new InvalidLinkError(`link has more than ${MAX_LINK_PEERS} peers`)
        link.peers.push(validatePeerAddress(value))
        break
      }
      default:
        throw new InvalidLinkError(`link has an unknown parameter ${quote(key)}`)
    }
  }
  return link
}

/**
 * Formats a link; the inverse of parseLink. Throws InvalidLinkError if the result would not parse
 * (bad share ID, name, size or peer, too many peers or too long).
 */
export function formatLink (link: ShareLink): string {
  const params = new URLSearchParams()
  if (link.name != null) params.append('name', link.name)
  if (link.size != null) params.append('size', String(link.size))
  for (const peer of link.peers) params.append('peer', peer)
  const query = params.toString()
  const text = `${SCHEME}${link.shareId}${query === '' ? '' : `?${query}`}`
  parseLink(text)
  return text
}
