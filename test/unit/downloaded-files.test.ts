/** Deleting a removed download's files: only this download's, only inside its download folder, never through a link. */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readdir, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { deleteDownloadedFiles } from '../../node-core/src/storage/downloaded-files.ts'
import { makeTree, removeTemps, tempDir } from '../helpers/files.ts'

after(async () => { await removeTemps() })

const exists = async (path: string): Promise<boolean> => await stat(path).then(() => true, () => false)
const manifest = [{ path: 'pkg/a.bin', size: 1000 }, { path: 'pkg/sub/b.bin', size: 500 }, { path: 'pkg/sub/deeper/c.bin', size: 10 }]

describe('deleteDownloadedFiles', () => {
  it('deletes the files written under the target name and the folders left empty; a file the user added stays, and so does its folder', async () => {
    const dir = await tempDir()
    const out = join(dir, 'downloads')
    await makeTree(out, { 'pkg (1)/a.bin': 1000, 'pkg (1)/sub/b.bin': 500, 'pkg (1)/sub/deeper/c.bin': 10, 'pkg (1)/mine.txt': 3, 'pkg/a.bin': 1000, 'other.bin': 7 })
    const result = await deleteDownloadedFiles(out, 'pkg (1)', manifest)
    assert.equal(result.deleted.length, 3)
    assert.deepEqual(result.kept, [])
    assert.deepEqual(await readdir(join(out, 'pkg (1)')), ['mine.txt'])
    assert.ok(await exists(join(out, 'pkg/a.bin')), 'another download of the same name is untouched')
    assert.ok(await exists(join(out, 'other.bin')))
    // A single-file download, and then nothing left: the target goes, the download folder stays.
    await makeTree(out, { 'film.mkv': 42 })
    await deleteDownloadedFiles(out, 'film.mkv', [{ path: 'film.mkv', size: 42 }])
    assert.equal(await exists(join(out, 'film.mkv')), false)
    await deleteDownloadedFiles(out, 'pkg', manifest)
    assert.equal(await exists(join(out, 'pkg')), false)
    assert.ok(await exists(out))
  })

  it('refuses a hostile target name and never follows a link or a hostile path out of the download folder', async () => {
    const dir = await tempDir()
    const out = join(dir, 'downloads')
    const victim = join(dir, 'victim')
    await makeTree(victim, { 'a.bin': 1000, 'sub/b.bin': 500, 'b.bin': 500, 'x.bin': 10 })
    await makeTree(out, { 'keep.txt': 1 })
    for (const name of ['..', '.', '', '../victim', 'a/../../victim', 'pkg/..']) {
      await assert.rejects(deleteDownloadedFiles(out, name, manifest), { code: 'unsafe-path' }, name)
    }
    // The target itself is a link to a folder outside.
    await symlink(victim, join(out, 'pkg'))
    const viaLink = await deleteDownloadedFiles(out, 'pkg', manifest)
    assert.deepEqual(viaLink.deleted, [])
    // A folder inside the target is a link outside; a file is a link outside; a path climbs out.
    await makeTree(out, { 'pkg2/c.bin': 10 })
    await symlink(victim, join(out, 'pkg2', 'sub'))
    await symlink(join(victim, 'a.bin'), join(out, 'pkg2', 'a.bin'))
    const hostile = [...manifest, { path: 'pkg/../../victim/x.bin', size: 10 }, { path: 'pkg/c.bin', size: 10 }]
    const result = await deleteDownloadedFiles(out, 'pkg2', hostile)
    assert.deepEqual(result.deleted, [join(out, 'pkg2', 'c.bin')])
    assert.equal(result.kept.length, 3)
    for (const f of ['a.bin', 'sub/b.bin', 'b.bin', 'x.bin']) assert.ok(await exists(join(victim, f)), `${f} outside is untouched`)
    assert.ok(await exists(join(out, 'keep.txt')))
  })

  it('keeps a file that changed since (another size)', async () => {
    const out = await tempDir()
    await makeTree(out, { 'pkg/a.bin': 999 })
    await writeFile(join(out, 'pkg', 'note'), 'x')
    const result = await deleteDownloadedFiles(out, 'pkg', manifest)
    assert.deepEqual(result.deleted, [])
    assert.deepEqual(result.kept, [join(out, 'pkg', 'a.bin')])
  })
})
