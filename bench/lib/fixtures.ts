/** Test data on a real disk, made once per run and shared by the scenarios that use the same tree. */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { makeTree, tempDir } from '../../test/helpers/files.ts'
import { seededRandom } from '../../test/helpers/random.ts'

const made = new Map<string, Promise<string>>()

/** A folder `<tmp>/<name>` holding `files` (path -> size) of random bytes; the same key is made once. */
export function tree (name: string, files: Record<string, number>): Promise<string> {
  const key = `${name}:${JSON.stringify(files)}`
  let p = made.get(key)
  if (p == null) {
    p = (async () => {
      const root = join(await tempDir('swarmdrop-bench-src-'), name)
      await makeTree(root, files)
      return root
    })()
    made.set(key, p)
  }
  return p
}

/** `count` files of 1–64 KiB (sizes from a fixed seed) in folders of 200; returns the folder. */
export function smallFiles (name: string, count: number): Promise<string> {
  const key = `small:${name}:${count}`
  let p = made.get(key)
  if (p == null) {
    p = (async () => {
      const root = join(await tempDir('swarmdrop-bench-src-'), name)
      const random = seededRandom(count)
      const pool = randomBytes(64 * 1024 + 4096)
      for (let i = 0; i < count; i++) {
        const dir = join(root, `d${Math.floor(i / 200)}`)
        if (i % 200 === 0) await mkdir(dir, { recursive: true })
        const size = 1024 + Math.floor(random() * 63 * 1024)
        const at = Math.floor(random() * 4096)
        await writeFile(join(dir, `f${i}.bin`), pool.subarray(at, at + size))
      }
      return root
    })()
    made.set(key, p)
  }
  return p
}
