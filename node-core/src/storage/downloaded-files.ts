import { lstat, readdir, rmdir, unlink } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { SwarmdropError } from '../errors.ts'
import { logger } from '../log/logger.ts'

const log = logger('swarmdrop:storage')

/** What `deleteDownloadedFiles` did: files deleted, and files it left (not a regular file of the right size, or behind a link). */
export interface DeletedFiles {
  readonly deleted: readonly string[]
  readonly kept: readonly string[]
}

function isPlainComponent (part: string): boolean {
  return part !== '' && part !== '.' && part !== '..' && !/[/\\\0]/.test(part)
}

/** `outDir/parts…` if every part is a plain name and the result is inside `outDir`; else null. */
function inside (outDir: string, parts: readonly string[]): string | null {
  if (!parts.every(isPlainComponent)) return null
  const path = resolve(outDir, ...parts)
  const rel = relative(resolve(outDir), path)
  return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep) ? path : null
}

/** Whether every folder from `outDir` (exclusive) down to `dir` is a real folder (no link to follow). */
async function realFoldersDown (outDir: string, dir: string): Promise<boolean> {
  const rel = relative(outDir, dir)
  if (rel === '') return true
  let at = outDir
  for (const part of rel.split(sep)) {
    at = join(at, part)
    const s = await lstat(at).catch(() => null)
    if (s == null || !s.isDirectory()) return false
  }
  return true
}

/**
 * Deletes the files a finished download wrote: each manifest path (its first component replaced
 * by `targetName`, the name it was written under in `outDir`) that is a regular file of the
 * manifest's size, reached through real folders only. Nothing outside `outDir` is touched: a name
 * that is not plain (`..`, a separator) is refused, a link on the way (file or folder) is never
 * followed, and a file of another size (changed since) is kept. Folders left empty are removed up
 * to the target itself; `outDir` stays.
 */
export async function deleteDownloadedFiles (outDir: string, targetName: string, files: ReadonlyArray<{ readonly path: string, readonly size: number }>): Promise<DeletedFiles> {
  const root = resolve(outDir)
  const top = inside(root, [targetName])
  if (top == null) throw new SwarmdropError('unsafe-path', `refusing to delete under ${JSON.stringify(targetName)}: not a plain name in the download folder`)
  const deleted: string[] = []
  const kept: string[] = []
  const folders = new Set<string>()
  for (const file of files) {
    const parts = file.path.split('/')
    parts[0] = targetName
    const path = inside(root, parts)
    if (path == null) { kept.push(file.path); continue }
    const s = await lstat(path).catch(() => null)
    if (s == null) continue // already gone
    if (!s.isFile() || s.size !== file.size || !await realFoldersDown(root, dirname(path))) {
      log.warn('not deleting %s: not the downloaded file (a link, a folder, or changed since)', path)
      kept.push(path)
      continue
    }
    await unlink(path)
    deleted.push(path)
    for (let dir = dirname(path); dir.length >= top.length && dir !== root; dir = dirname(dir)) folders.add(dir)
  }
  // Deepest first; only folders now empty (a file the user added keeps its folder).
  for (const dir of [...folders].sort((a, b) => b.length - a.length)) {
    if ((await lstat(dir).catch(() => null))?.isDirectory() !== true) continue
    if ((await readdir(dir)).length === 0) await rmdir(dir).catch(() => { /* not empty after all */ })
  }
  return { deleted, kept }
}
