import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from '../../node-core/src/identity/identity.ts'
import { removeTemps, tempDir } from '../helpers/files.ts'

after(removeTemps)

describe('identity', () => {
  it('creates an Ed25519 key once, mode 0600, and gives the same peer ID on every load', async () => {
    const dir = join(await tempDir(), 'profile')
    const a = await loadOrCreateIdentity(dir)
    const b = await loadOrCreateIdentity(dir)
    assert.equal(a.type, 'Ed25519')
    assert.equal(peerIdFromPrivateKey(a).toString(), peerIdFromPrivateKey(b).toString())
    assert.equal((await stat(join(dir, 'identity.key'))).mode & 0o777, 0o600)
    assert.equal((await stat(dir)).mode & 0o777, 0o700)
    const other = await loadOrCreateIdentity(join(await tempDir(), 'p2'))
    assert.notEqual(peerIdFromPrivateKey(other).toString(), peerIdFromPrivateKey(a).toString())
  })
})
