/** Hard caps applied to every manifest, whether built locally or received from a peer. */
export const MANIFEST_LIMITS = {
  /** Most files a share may hold. */
  maxFiles: 200_000,
  /** Longest path, in UTF-8 bytes (whole relative path). */
  maxPathBytes: 4096,
  /** Longest single path component, in UTF-8 bytes (the common file-system limit). */
  maxComponentBytes: 255,
  /** Deepest nesting of directories. */
  maxDepth: 64,
  /** Largest total size: 64 TiB. */
  maxTotalSize: 64 * 2 ** 40,
  /** Smallest and largest chunk size. */
  minChunkSize: 16 * 1024,
  maxChunkSize: 4 * 1024 * 1024,
  /** Most chunks in a share (bitfield of 2 MiB). */
  maxChunks: 16 * 1024 * 1024,
  /** Largest encoded manifest, in bytes. */
  maxManifestBytes: 64 * 1024 * 1024
} as const
