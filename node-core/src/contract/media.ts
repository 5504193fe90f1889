/**
 * Play while downloading: which files a player (or an image view) may open, and how a front end
 * addresses them. The daemon serves them at `/api/media/<shareId>/<fileIndex>?key=<media key>`
 * (the key: HMAC-SHA256 of MEDIA_KEY_LABEL under the web token, base64url); the desktop app at
 * `swarmdrop-media://file/<shareId>/<fileIndex>`. `fileIndex` is the file's place in the `files`
 * command's answer (the manifest's order). Nothing that runs script (SVG, HTML) is on the list.
 */
export const MEDIA_TYPES: Readonly<Record<string, string>> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.webm': 'video/webm',
  '.ogv': 'video/ogg',
  '.mov': 'video/quicktime',
  '.mkv': 'video/x-matroska',
  '.mp3': 'audio/mpeg',
  '.m4a': 'audio/mp4',
  '.aac': 'audio/aac',
  '.ogg': 'audio/ogg',
  '.oga': 'audio/ogg',
  '.opus': 'audio/ogg',
  '.flac': 'audio/flac',
  '.wav': 'audio/wav',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif'
}

export const MEDIA_KEY_LABEL = 'swarmdrop-media'

/** The MIME type of a file a player can open, by its path's extension; null for any other file. */
export function mediaType (path: string): string | null {
  const slash = path.lastIndexOf('/')
  const dot = path.lastIndexOf('.')
  if (dot <= slash + 1) return null
  return MEDIA_TYPES[path.slice(dot).toLowerCase()] ?? null
}
