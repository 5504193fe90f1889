import { chmod, open, rename } from 'node:fs/promises'

/**
 * Writes a secret (identity key, web token) readable only by its owner, atomically: a temporary
 * file created with mode 0600, synced, then renamed into place.
 */
export async function writePrivateFile (file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`
  const fh = await open(tmp, 'w', 0o600)
  try {
    await fh.writeFile(data)
    await fh.sync()
  } finally {
    await fh.close()
  }
  await chmod(tmp, 0o600)
  await rename(tmp, file)
}
