import { lstat, mkdir, open, readdir, rmdir, unlink } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { SwarmdropError } from '../errors.ts'
import type { ManifestLayout } from '../manifest/layout.ts'

/** A share lands as a folder (`name/...`) or as one file (`name`). */
export type TargetKind = 'folder' | 'file'

/** A folder share's paths all start with `name/`; a single-file share is the one file `name`. */
export function targetKindOf (layout: ManifestLayout): TargetKind {
  return layout.manifest.files.some(f => f.path.includes('/')) ? 'folder' : 'file'
}

const MAX_VARIANTS = 1000

/** `name`, `name (1)`, `name (2)`, … (before the extension of a file name). */
function variant (name: string, i: number): string {
  if (i === 0) return name
  const ext = extname(name)
  const stem = ext.length > 0 && ext.length < name.length ? name.slice(0, -ext.length) : name
  return `${stem} (${i})${ext.length < name.length ? ext : ''}`
}

/**
 * Reserves the top-level name a download will be written under in `dir`: the first of `name`,
 * `name (1)`, … that does not exist, created at once and exclusively (an empty folder, or an
 * empty placeholder file), so two downloads that start together never pick the same name and
 * never mix their files. The reservation stays on disk across restarts until the files move in.
 * `remember(candidate)` records each name before it is created, so a process killed in between
 * finds its own reservation again at the next start instead of leaving it behind and taking the
 * next name. `reuseEmpty`: this download's partial data is on disk but its record was lost (a
 * damaged state store started empty), so an empty reservation found on the way is taken to be its
 * own (a download of another share has partial data of its own, never this one's).
 */
export async function reserveTarget (dir: string, name: string, kind: TargetKind, remember: (candidate: string) => Promise<void>, reuseEmpty = false): Promise<string> {
  await mkdir(dir, { recursive: true })
  for (let i = 0; i < MAX_VARIANTS; i++) {
    const candidate = variant(name, i)
    const path = join(dir, candidate)
    await remember(candidate)
    try {
      if (kind === 'folder') await mkdir(path)
      else await (await open(path, 'wx')).close()
      return candidate
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      if (reuseEmpty && await isEmptyReservation(path, kind)) return candidate
    }
  }
  throw new SwarmdropError('exists', `${join(dir, name)} and ${MAX_VARIANTS - 1} numbered variants already exist`)
}

async function isEmptyReservation (path: string, kind: TargetKind): Promise<boolean> {
  const s = await lstat(path).catch(() => null)
  if (kind === 'file') return s?.isFile() === true && s.size === 0
  return s?.isDirectory() === true && (await readdir(path)).length === 0
}

/** Gives a reservation back (a download removed before it finished): only while it is still empty. */
export async function releaseTarget (dir: string, name: string, kind: TargetKind): Promise<void> {
  const path = join(dir, name)
  const s = await lstat(path).catch(() => null)
  if (s == null) return
  if (kind === 'folder' && s.isDirectory()) await rmdir(path).catch(() => { /* not empty: something else was put there, kept */ })
  if (kind === 'file' && s.isFile() && s.size === 0) await unlink(path)
}
