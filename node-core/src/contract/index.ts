/**
 * `swarmdrop/contract`: the one contract between node-core and every front end (the CLI, the
 * Electron shell and its IPC bridge, the daemon's WebSocket, the renderer's client). Commands with
 * their schemas, results and events, the wire messages, error codes, the chunk-map constants and
 * how text from peers is displayed.
 * It imports nothing from the rest of node-core; front ends import only this (eslint enforces it).
 */
export { commandSchemas, parseCommand } from './commands.ts'
export type { CommandArgs, CommandName } from './commands.ts'
export type { AppSettings, CommandResults, ConnectionKind, DhtInfo, DownloadInfo, DownloadState, DownloadWaiting, FileEntry, NodeInfo, PeerInfo, PeerVia, ReachInfo, RelayInfo, SearchDone, SeedStopped, SearchResult, ServiceEvent, ShareHashing, ShareInfo, ShareOffer, SwarmdropApi, TransferTotals, UpnpInfo } from './types.ts'
export type { SourceSnapshot } from './source-snapshot.ts'
export { ORIGIN_EARLIER, ORIGIN_MISSING } from './chunk-map.ts'
export { MEDIA_KEY_LABEL, MEDIA_TYPES, mediaType } from './media.ts'
export type { ChunkMap, ChunkRun } from './chunk-map.ts'
export { DISPLAY_TEXT_MAX, displayText, escapeCharacter, firstNonPrinting, hasNonPrinting } from './display-text.ts'
export { InvalidArgumentError, NotFoundError, SwarmdropError } from './errors.ts'
export type { ErrorCode } from './errors.ts'
export { RemoteError, TOKEN_PROTOCOL_PREFIX, WIRE_PROTOCOL, toWireError } from './wire.ts'
export type { ClientMessage, ServerMessage, WireError } from './wire.ts'
