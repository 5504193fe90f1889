/** Human figures for the UI: sizes, rates, durations; text from peers as shown. */
import { displayText } from 'swarmdrop/contract'
import type { DownloadWaiting, PeerInfo, SeedStopped } from 'swarmdrop/contract'

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–'
  let v = n
  let u = 0
  while (v >= 1024 && u < UNITS.length - 1) { v /= 1024; u++ }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${UNITS[u]}`
}

export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** Seconds left at the current rate, or null when unknown (no rate, or total unknown). */
export function etaSeconds (total: number | null, done: number, rate: number): number | null {
  if (total == null || rate <= 0) return null
  return Math.max(0, (total - done) / rate)
}

export function shortPeerId (peerId: string): string {
  return peerId.length > 16 ? `${peerId.slice(0, 8)}…${peerId.slice(-6)}` : peerId
}

/**
 * The Okabe–Ito palette without black: seven colours told apart with every common colour-vision
 * deficiency. Each source also has a letter (sourceLetter), so no one depends on colour alone.
 */
const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#F0E442', '#0072B2', '#D55E00', '#CC79A7'] as const

/** A stable colour for source number `index` of a chunk map (Okabe–Ito, repeating after seven). */
export function sourceColour (index: number): string {
  return OKABE_ITO[((index % OKABE_ITO.length) + OKABE_ITO.length) % OKABE_ITO.length]!
}

/** The letter label of source number `index`: A … Z, then A2 … Z2, and so on. */
export function sourceLetter (index: number): string {
  if (index < 0) return '?'
  const round = Math.floor(index / 26)
  return String.fromCharCode(65 + (index % 26)) + (round === 0 ? '' : String(round + 1))
}

export function errorMessage (err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/** A multiaddr without its trailing `/p2p/<peer id>` (the peer ID is shown on its own), as peer text. */
export function addressWithoutPeer (address: string): string {
  const at = address.lastIndexOf('/p2p/')
  return peerText(at > 0 ? address.slice(0, at) : address)
}

/**
 * Text that came from a peer or a manifest (a share or file name, a peer's error message, an
 * address) as the page shows it: Svelte already renders it as text, and this also shows every
 * control, bidi and zero-width character escaped (`invoice\u{202E}txt.exe`, not `invoiceexe.txt`)
 * and bounds its length. The rule is the contract's, the same as the CLI's.
 */
export function peerText (text: string): string {
  return displayText(text)
}

/** A share ratio: `0.52`, `1.5`, `2.0`, `12`. */
export function formatRatio (ratio: number): string {
  if (!Number.isFinite(ratio) || ratio < 0) return '–'
  return ratio >= 10 ? ratio.toFixed(0) : ratio.toFixed(2).replace(/(\.\d)0$/, '$1')
}

/** Why a finished download stopped seeding by itself (a limit in Settings). */
export function seedStoppedText (why: SeedStopped): string {
  return why.reason === 'ratio'
    ? `Seeding stopped: ratio ${formatRatio(why.ratio)} reached`
    : `Seeding stopped: seeded for ${formatDuration(why.seedingMinutes * 60)}`
}

/** `5 s ago`, `2 min ago`, `3 h ago`: how long before `now` a moment (ms since the epoch) was. */
export function formatAgo (at: number, now: number): string {
  return `${formatDuration(Math.max(0, Math.round((now - at) / 1000)))} ago`
}

/** One line saying why a download receives nothing (see the contract's DownloadWaiting). */
export function waitingText (waiting: DownloadWaiting, now: number): string {
  switch (waiting.reason) {
    case 'finding-peers': return 'Finding peers: looking for anyone who has this share…'
    case 'connecting': return `Connecting to ${waiting.knownPeers} known peer${waiting.knownPeers === 1 ? '' : 's'}…`
    case 'sources-gone': {
      const seen = waiting.lastSeen
      return seen == null
        ? 'Waiting for peers: every source disconnected; still trying them and looking for others'
        : `Waiting for peers: last seen ${formatAgo(seen.at, now)}${seen.address != null ? ` at ${addressWithoutPeer(seen.address)}` : ''}; still trying and looking for others`
    }
    case 'sources-idle': return `Stalled: nothing received for ${waiting.lastChunkAt == null ? 'a while' : formatAgo(waiting.lastChunkAt, now).replace(/ ago$/, '')}; the sources are connected but send nothing`
  }
}

/** How a peer is connected, for the Peers view: "LAN · IPv4", "Direct · IPv6", "Relayed via 12D3KooW…abcdef · IPv4". */
export function connectionLabel (peer: Pick<PeerInfo, 'connectionKind' | 'relayPeerId' | 'ipFamily'>): string {
  const kind = peer.connectionKind === 'relayed'
    ? `Relayed via ${peer.relayPeerId == null ? 'a relay' : peerText(shortPeerId(peer.relayPeerId))}`
    : peer.connectionKind === 'lan' ? 'LAN' : 'Direct'
  return peer.ipFamily == null ? kind : `${kind} · ${peer.ipFamily === 'ipv4' ? 'IPv4' : 'IPv6'}`
}
