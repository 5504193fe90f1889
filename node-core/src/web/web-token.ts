import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmod, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { writePrivateFile } from '../config/private-file.ts'
import { MEDIA_KEY_LABEL } from '../contract/index.ts'

export const WEB_TOKEN_FILE = 'web-token'
/** 32 random bytes, base64url without padding. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * The web UI's per-install secret: `<profile>/web-token`, mode 0600, 32 random bytes in base64url,
 * created on first use and reused across restarts (a bookmarked URL keeps working). A file that
 * does not hold a well-formed token is replaced.
 */
export async function loadOrCreateWebToken (profileDir: string): Promise<string> {
  await mkdir(profileDir, { recursive: true, mode: 0o700 })
  const file = join(profileDir, WEB_TOKEN_FILE)
  try {
    const text = (await readFile(file, 'utf8')).trim()
    if (TOKEN_PATTERN.test(text)) {
      await chmod(file, 0o600)
      return text
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const token = randomBytes(32).toString('base64url')
  await writePrivateFile(file, token + '\n')
  return token
}

/**
 * Compares a presented token with the expected one in constant time (both are hashed first, so
 * neither the content nor the length of the secret leaks through timing).
 */
export function tokenMatches (expected: string, presented: string | null | undefined): boolean {
  if (presented == null || presented === '') return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(presented).digest()
  return timingSafeEqual(a, b)
}

/**
 * The key of the read-only media route (`/api/media/…?key=`): HMAC-SHA256 of a fixed label under
 * the token, base64url. A player's `<video src>` cannot send a header, so the key travels in the
 * address; it opens the share's files for reading and nothing else, and the token cannot be
 * recovered from it. The renderer derives the same key with Web Crypto (lib/media-url.ts).
 */
export function mediaKey (token: string): string {
  return createHmac('sha256', token).update(MEDIA_KEY_LABEL).digest('base64url')
}
