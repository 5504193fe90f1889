/**
 * Crash consistency against real processes: a `get` is SIGKILLed at seeded random moments (30
 * times) and restarted on the same profile; between some runs the profile's LevelDB files are
 * truncated, zeroed or garbled. After every kill, every chunk the state store records as verified
 * must match the manifest's hash on disk; every restart must start (never crash on the damage);
 * the final file tree is byte-identical; a finished download survives a damaged state.
 */
import { after, afterEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { open, readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildShare } from '../../node-core/src/manifest/builder.ts'
import { encodeManifest, shareIdOf } from '../../node-core/src/manifest/codec.ts'
import { HashPool } from '../../node-core/src/manifest/hash-pool.ts'
import { ManifestLayout } from '../../node-core/src/manifest/layout.ts'
import { sha256, bytesEqual } from '../../node-core/src/storage/file-handles.ts'
import { Bitfield } from '../../node-core/src/storage/bitfield.ts'
import { PARTIAL_DIR } from '../../node-core/src/storage/partial-download.ts'
import { StateStore } from '../../node-core/src/storage/state-store.ts'
import { makeTree, removeTemps, tempDir, treeHashes } from '../helpers/files.ts'
import { killAll, swarmdrop } from '../helpers/processes.ts'
import { seededRandom } from '../helpers/random.ts'

const MiB = 1024 * 1024
const KILLS = 30
const SEED = Number(process.env.SWARMDROP_CRASH_SEED ?? 20261122)

afterEach(killAll)
after(removeTemps)

/** Damages one LevelDB file of the profile (never LOCK or the human-readable LOG). */
async function damageStore (dir: string, random: () => number): Promise<string> {
  // The folder may be missing: a run killed between moving a damaged store aside and creating the new one.
  const files = (await readdir(dir).catch(() => [])).filter(n => n !== 'LOCK' && !n.startsWith('LOG'))
  if (files.length === 0) return `${dir}: nothing to damage`
  const name = files[Math.floor(random() * files.length)]!
  const path = join(dir, name)
  const bytes = await readFile(path)
  const how = ['truncated', 'zeroed', 'garbled'][Math.floor(random() * 3)]!
  if (how === 'truncated') await truncate(path, Math.floor(bytes.length * random()))
  else if (how === 'zeroed') await writeFile(path, Buffer.alloc(bytes.length))
  else {
    for (let i = Math.floor(random() * 16); i < bytes.length; i += 1 + Math.floor(random() * 64)) bytes[i] = bytes[i]! ^ (1 + Math.floor(random() * 255))
    await writeFile(path, bytes)
  }
  return `${name} ${how}`
}

/** Every chunk recorded as verified, checked against the manifest on disk; returns how many. */
async function checkRecorded (repo: string, out: string, shareId: string, layout: ManifestLayout): Promise<number> {
  const store = await StateStore.open(repo)
  try {
    assert.equal(store.movedAside, null, `a SIGKILL left the state store unreadable: ${store.movedAside?.reason}`)
    const recorded = await store.getHave(shareId)
    if (recorded == null) return 0
    const have = new Bitfield(layout.chunkCount, recorded)
    for (const i of have.indices()) {
      const loc = layout.locate(i)
      const part = join(out, PARTIAL_DIR, shareId, `${loc.fileIndex}.part`)
      const fh = await open(part, 'r')
      try {
        const buf = Buffer.alloc(loc.length)
        const { bytesRead } = await fh.read(buf, 0, loc.length, loc.offset)
        assert.equal(bytesRead, loc.length, `chunk ${i} is short on disk`)
        assert.ok(bytesEqual(sha256(buf), layout.hashOf(i)), `chunk ${i} is recorded as verified but its bytes on disk do not match`)
      } finally {
        await fh.close()
      }
    }
    return have.count
  } finally {
    await store.close()
  }
}

describe('crash consistency', { timeout: 600_000 }, () => {
  it(`survives ${KILLS} SIGKILLs at seeded random moments and damaged state files, ending byte-identical`, async (t) => {
    const random = seededRandom(SEED)
    t.diagnostic(`seed ${SEED} (set SWARMDROP_CRASH_SEED to replay)`)
    const src = await tempDir()
    const folder = join(src, 'crash')
    await makeTree(folder, { 'a.bin': 5 * MiB + 123, 'b/c.bin': 3 * MiB, 'd.bin': 700_001, e: 0 })
    const pool = new HashPool(1)
    const built = await buildShare(folder, pool)
    await pool.close()
    const layout = new ManifestLayout(built.manifest)
    const shareId = await shareIdOf(encodeManifest(built.manifest))

    const seeder = swarmdrop(['share', folder, '--repo', await tempDir('swarmdrop-repo-'), '--max-upload', '256KiB'])
    const shared = await seeder.event('shared', 120_000)
    assert.equal(shared.shareId, shareId)
    const out = await tempDir()
    const repo = await tempDir('swarmdrop-repo-')
    const log: string[] = []
    let recovered = 0
    let damaged = false // stores damaged and not opened by a run since: nothing new to check
    for (let round = 0; round < KILLS; round++) {
      if (round % 6 === 5) {
        log.push(`before run ${round}: ${await damageStore(join(repo, random() < 0.75 ? 'state' : 'peers'), random)}`)
        damaged = true
      }
      const get = swarmdrop(['get', shared.link as string, '--out', out, '--repo', repo, '--allow-private'])
      // One kill in five lands anywhere in start-up, one just after the node is up (fetching the
      // manifest, opening the partial area), three at a random moment of the transfer.
      const phase = round % 5 === 4 ? 'spawn' : round % 5 === 3 ? 'start-up' : 'first progress'
      const delay = Math.floor(random() * (phase === 'spawn' ? 2500 : 1500))
      if (phase !== 'spawn') await get.event('listening', 120_000) // rejects if a damaged store made it exit
      if (phase === 'first progress') await get.waitFor(l => l.event === 'progress' && typeof l.chunkCount === 'number', 120_000)
      await Promise.race([new Promise(resolve => setTimeout(resolve, delay)), get.exited])
      assert.equal(get.child.exitCode, null, `run ${round} exited by itself before its kill (code ${get.child.exitCode}): ${get.stderr.slice(-1000)}`)
      await get.kill('SIGKILL')
      if (get.lines.some(l => l.event === 'state-recovered')) recovered++
      if (get.lines.some(l => l.event === 'listening')) damaged = false // the stores were opened (and recovered)
      if (damaged) { log.push(`run ${round}: killed ${delay} ms after spawn, before it opened the damaged stores`); continue }
      const count = await checkRecorded(repo, out, shareId, layout)
      log.push(`run ${round}: killed ${delay} ms after ${phase}, ${count}/${layout.chunkCount} chunks recorded`)
    }
    t.diagnostic(log.join('\n'))
    t.diagnostic(`${recovered} restarts reported a store moved aside`)

    // The last run gets an uncapped second seeder, so it ends quickly.
    const fast = swarmdrop(['share', folder, '--repo', await tempDir('swarmdrop-repo-')])
    const fastListening = await fast.event('listening')
    await fast.event('shared', 120_000)
    const get = swarmdrop(['get', shared.link as string, '--out', out, '--repo', repo, '--allow-private', '--peer', (fastListening.addresses as string[])[0]!])
    await get.event('complete', 120_000)
    assert.equal(await get.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'crash')), await treeHashes(folder))
    assert.deepEqual(await readdir(out), ['crash'], 'no second copy, no partial area left')

    // The same link again, same profile and folder: a second, byte-identical copy beside the first
    // (the full bitfield recorded by the first download must not be trusted for the new files).
    const again = swarmdrop(['get', shared.link as string, '--out', out, '--repo', repo, '--allow-private', '--peer', (fastListening.addresses as string[])[0]!])
    await again.event('complete', 120_000)
    assert.equal(await again.exited, 0)
    assert.deepEqual(await treeHashes(join(out, 'crash (1)')), await treeHashes(folder))
    assert.deepEqual(await treeHashes(join(out, 'crash')), await treeHashes(folder), 'the first copy is untouched')

    // A finished download survives a damaged state: the daemon starts, says what it moved aside, and the files stay.
    await writeFile(join(repo, 'state', 'CURRENT'), Buffer.alloc(16)) // zeroed: the store cannot open
    const daemon = swarmdrop(['daemon', '--repo', repo, '--allow-private'])
    const note = await daemon.event('state-recovered', 60_000)
    assert.match(note.movedTo as string, /state\.corrupt-/)
    await daemon.event('daemon', 60_000)
    await daemon.kill()
    assert.deepEqual(await treeHashes(join(out, 'crash')), await treeHashes(folder))
    assert.deepEqual(await treeHashes(join(out, 'crash (1)')), await treeHashes(folder))
  })
})
