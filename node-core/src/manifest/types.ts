/**
 * The manifest describes a share: its name, the chunk size, each file (relative `/`-separated path
 * and size, in order) and the SHA-256 of every chunk. It is encoded as canonical dag-cbor and its
 * CID is the share ID, so it must contain nothing that differs between two holders of the same
 * content (no timestamps, local paths or peer data).
 */
export interface ManifestFile {
  /** Relative, `/`-separated path. For a folder share it starts with `name + '/'`; for a single file it equals `name`. */
  readonly path: string
  readonly size: number
}

export interface Manifest {
  readonly version: 1
  /** Top-level name: the shared file's or folder's base name. */
  readonly name: string
  /** Bytes per chunk, a power of two. Chunks never span two files; a file's last chunk may be short. */
  readonly chunkSize: number
  /** Files sorted by path (UTF-8 byte order). Empty files have no chunks. */
  readonly files: readonly ManifestFile[]
  /** SHA-256 digests, 32 bytes each, of every chunk of every file, in file order. */
  readonly hashes: Uint8Array
}

export const HASH_BYTES = 32
