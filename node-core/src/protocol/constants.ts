/** The chunk-exchange protocol id (see docs/PROTOCOL.md). */
export const CHUNK_PROTOCOL = '/swarmdrop/chunks/1.0.0'

/** Largest frame a downloader accepts: the largest chunk (4 MiB) plus room for the header. */
export const MAX_SERVER_MESSAGE_BYTES = 4 * 1024 * 1024 + 64 * 1024
/** Largest frame a server accepts: requests are tiny. */
export const MAX_CLIENT_MESSAGE_BYTES = 16 * 1024
/** Manifest bytes sent per MANIFEST_PIECE. */
export const MANIFEST_PIECE_BYTES = 1024 * 1024
/** Requests a server queues per stream; more are answered with `busy`. */
export const MAX_QUEUED_REQUESTS = 64
/** Chunk-exchange streams one connection may open to us, and we to it. */
export const MAX_STREAMS_PER_CONNECTION = 32
/** Chunk-exchange streams served at once, across all peers; more get `busy`. */
export const MAX_SERVED_SESSIONS = 512
/** Chunk-exchange streams served at once to one peer (one per share it downloads from us); more get `busy`. */
export const MAX_SESSIONS_PER_PEER = 16
/** Peer addresses carried in one PEERS message. */
export const MAX_PEX_PEERS = 32
/** Time to receive HELLO (server) or WELCOME (client). */
export const HANDSHAKE_TIMEOUT_MS = 10_000
/**
 * Time to receive each manifest piece asked for. Past it the session ends and the download asks
 * another peer: a peer that welcomed us with a manifest size and never sends it would otherwise
 * hold the download before its first chunk for as long as it kept the stream open.
 */
export const MANIFEST_PIECE_TIMEOUT_MS = 15_000
/**
 * Longest a server holds WELCOME back for the swarm's addresses (peer exchange); addresses not
 * ready by then follow in a PEERS message. Reading them is a peer-store read per peer, and in a
 * crowd of 16 on 2 cores that took a median 9 s, past the downloader's HANDSHAKE_TIMEOUT_MS.
 */
export const WELCOME_PEERS_WAIT_MS = 200

export const ERROR_CODES = ['unknown-share', 'out-of-range', 'busy', 'unavailable', 'bad-request'] as const
export type ErrorCode = typeof ERROR_CODES[number]
/**
 * Initial seeding (initial-seeding.ts): chunks a seed shows a downloader at a time, divided among
 * the downloaders. Alone, a downloader is shown more than the deepest pipeline it keeps to one
 * source (32 requests), so it is never held back; with 8 or more, 4 to 5 each, about what each
 * keeps requested of a capped seed.
 */
export const INITIAL_SEEDING_WINDOW = 40
export const INITIAL_SEEDING_MIN_WINDOW = 4
/** A chunk shown and not requested within this time is handed out again. */
export const INITIAL_SEEDING_TTL_MS = 5000
/** How often shown chunks are checked for that. */
export const INITIAL_SEEDING_TICK_MS = 1000
/** Shares of more chunks are seeded the ordinary way (showing everything means a HAVE per chunk). */
export const INITIAL_SEEDING_MAX_CHUNKS = 65_536
