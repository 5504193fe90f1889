import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, readdir, readFile, readlink, rm, writeFile, lstat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'

const temps: string[] = []

export async function tempDir (prefix = 'swarmdrop-test-'): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), prefix))
  temps.push(d)
  return d
}

export async function removeTemps (): Promise<void> {
  for (const d of temps.splice(0)) await rm(d, { recursive: true, force: true })
}

/** Writes files of random content: `{ 'a/b.bin': 1000, 'empty': 0 }`. */
export async function makeTree (root: string, files: Record<string, number>): Promise<void> {
  for (const [path, size] of Object.entries(files)) {
    const full = join(root, path)
    await mkdir(dirname(full), { recursive: true })
    const buf = Buffer.allocUnsafe(size)
    for (let off = 0; off < size; off += 1 << 20) randomBytes(Math.min(1 << 20, size - off)).copy(buf, off)
    await writeFile(full, buf)
  }
}

/** Relative path -> SHA-256 hex of every regular file below `root`, the target of every symlink, the mode of anything else. */
export async function treeHashes (root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, e.name)
      if (e.isDirectory()) await walk(full)
      else if (e.isFile()) out[relative(root, full)] = createHash('sha256').update(await readFile(full)).digest('hex')
      else if (e.isSymbolicLink()) out[relative(root, full)] = `link:${await readlink(full)}`
      else out[relative(root, full)] = `special:${(await lstat(full)).mode}`
    }
  }
  await walk(root)
  return out
}
