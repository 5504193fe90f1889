/**
 * Play while downloading, in the page: which files get a Play / View button, and the address the
 * player loads (the daemon's `/api/media/…?key=`, the key derived from the token with Web Crypto
 * exactly as node-core's web-token.ts does; the desktop's `swarmdrop-media://`).
 */
import { MEDIA_KEY_LABEL, mediaType } from 'swarmdrop/contract'

export type MediaKind = 'video' | 'audio' | 'image'

/** What a file opens in, or null when the page cannot play or show it. */
export function mediaKind (path: string): MediaKind | null {
  const type = mediaType(path)
  if (type == null) return null
  return type.startsWith('video/') ? 'video' : type.startsWith('audio/') ? 'audio' : 'image'
}

/** HMAC-SHA256 of MEDIA_KEY_LABEL under the token, base64url without padding. */
export async function mediaKey (token: string): Promise<string> {
  const enc = new TextEncoder()
  const key = await crypto.subtle.importKey('raw', enc.encode(token), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign'])
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(MEDIA_KEY_LABEL)))
  let binary = ''
  for (const b of mac) binary += String.fromCharCode(b)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/** The daemon's media address of a file, for a page served at `base` (ends with `/`). */
export async function daemonMediaUrl (base: string, token: string, shareId: string, fileIndex: number): Promise<string> {
  const url = new URL(`api/media/${encodeURIComponent(shareId)}/${fileIndex}`, base)
  url.searchParams.set('key', await mediaKey(token))
  return url.toString()
}

/** The desktop app's media address of a file. */
export function desktopMediaUrl (shareId: string, fileIndex: number): string {
  return `swarmdrop-media://file/${encodeURIComponent(shareId)}/${fileIndex}`
}
