import { lstat, readdir, stat } from 'node:fs/promises'
import { basename, join, resolve } from 'node:path'
import { InvalidArgumentError } from '../errors.ts'
import { HashPool } from './hash-pool.ts'
import type { HashRange } from './hash-pool.ts'
import { MANIFEST_LIMITS } from './limits.ts'
import { validateManifest, validateRelativePath } from './validate.ts'
import type { Manifest } from './types.ts'

/** A shared file on this machine: where it is, and the size and mtime it had when hashed. */
export interface LocalFile {
  readonly path: string
  readonly absolutePath: string
  readonly size: number
  readonly mtimeMs: number
}

export interface BuiltShare {
  readonly manifest: Manifest
  /** In manifest order. */
  readonly files: readonly LocalFile[]
}

/** Chunk size: a power of two aiming at about 1,024 chunks, between 64 KiB and 1 MiB. */
export function chooseChunkSize (totalSize: number): number {
  const min = 64 * 1024
  const max = 1024 * 1024
  let size = min
  while (size < max && size * 1024 < totalSize) size *= 2
  return size
}

/** Byte-order comparison of UTF-8 strings, the order manifests use. */
export function compareUtf8 (a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/**
 * Walks a file or folder (regular files only; symbolic links and special files are skipped so a
 * share never reaches outside what was chosen) and lists its files with manifest paths.
 */
export async function walkShare (root: string): Promise<LocalFile[]> {
  const absRoot = resolve(root)
  const rootStat = await stat(absRoot).catch(() => { throw new InvalidArgumentError(`cannot share ${root}: no such file or folder`) })
  const name = basename(absRoot)
  const files: LocalFile[] = []
  if (rootStat.isFile()) {
    validateRelativePath(name)
    return [{ path: name, absolutePath: absRoot, size: rootStat.size, mtimeMs: rootStat.mtimeMs }]
  }
  if (!rootStat.isDirectory()) throw new InvalidArgumentError(`cannot share ${root}: not a file or folder`)
  const pending = [{ abs: absRoot, rel: name }]
  while (pending.length > 0) {
    const dir = pending.pop()!
    for (const entry of await readdir(dir.abs, { withFileTypes: true })) {
      const abs = join(dir.abs, entry.name)
      const rel = `${dir.rel}/${entry.name}`
      if (entry.isDirectory()) pending.push({ abs, rel })
      else if (entry.isFile()) {
        validateRelativePath(rel)
        const s = await lstat(abs)
        files.push({ path: rel, absolutePath: abs, size: s.size, mtimeMs: s.mtimeMs })
        if (files.length > MANIFEST_LIMITS.maxFiles) throw new InvalidArgumentError(`cannot share ${root}: more than ${MANIFEST_LIMITS.maxFiles} files`)
      }
    }
  }
  if (files.length === 0) throw new InvalidArgumentError(`cannot share ${root}: the folder has no files`)
  return files.sort((a, b) => compareUtf8(a.path, b.path))
}

const JOB_BYTES = 64 * 1024 * 1024
const JOB_RANGES = 256

/**
 * Builds the manifest of a file or folder: walks it, then hashes every chunk in worker threads
 * (large files split in 64 MiB ranges so one big file uses every core). Fails if a file changes
 * while it is hashed.
 */
export async function buildShare (root: string, pool: HashPool, onProgress?: (bytesHashed: number, totalBytes: number) => void): Promise<BuiltShare> {
  const files = await walkShare(root)
  const totalSize = files.reduce((s, f) => s + f.size, 0)
  onProgress?.(0, totalSize)
  const chunkSize = chooseChunkSize(totalSize)

  const jobs: HashRange[][] = []
  let current: HashRange[] = []
  let currentBytes = 0
  for (const f of files) {
    for (let start = 0; start < f.size; start += JOB_BYTES) {
      const end = Math.min(f.size, start + JOB_BYTES)
      current.push({ file: f.absolutePath, start, end })
      currentBytes += end - start
      if (currentBytes >= JOB_BYTES || current.length >= JOB_RANGES) {
        jobs.push(current)
        current = []
        currentBytes = 0
      }
    }
  }
  if (current.length > 0) jobs.push(current)

  let hashed = 0
  const parts = await Promise.all(jobs.map(async ranges => {
    const part = await pool.hash(chunkSize, ranges)
    hashed += ranges.reduce((s, r) => s + r.end - r.start, 0)
    onProgress?.(hashed, totalSize)
    return part
  }))
  const hashes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0))
  let offset = 0
  for (const p of parts) { hashes.set(p, offset); offset += p.length }

  for (const f of files) {
    const s = await stat(f.absolutePath)
    if (s.size !== f.size || s.mtimeMs !== f.mtimeMs) throw new InvalidArgumentError(`${f.absolutePath} changed while it was being hashed; share it again`)
  }
  const manifest = validateManifest({
    version: 1,
    name: files[0]!.path.split('/')[0]!,
    chunkSize,
    files: files.map(f => ({ path: f.path, size: f.size })),
    hashes
  })
  return { manifest, files }
}
