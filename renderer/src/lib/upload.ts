/**
 * Browser uploads (a dropped file has no path there): each file goes to
 * `POST api/uploads?batch=&path=` with the token as a Bearer header, then
 * `POST api/uploads/share?batch=` shares the batch and answers its ShareInfo (docs/WEB-API.md).
 */
import type { ShareInfo } from 'swarmdrop/contract'
import { RemoteError } from 'swarmdrop/contract'
import type { DroppedFile } from './dropped-files.ts'

export async function uploadAndShare (base: string, token: string, files: readonly DroppedFile[]): Promise<ShareInfo[]> {
  if (files.length === 0) return []
  const batch = crypto.randomUUID()
  const headers = { Authorization: `Bearer ${token}` }
  for (const { file, relativePath } of files) {
    const url = new URL('api/uploads', base)
    url.searchParams.set('batch', batch)
    url.searchParams.set('path', relativePath)
    await check(await fetch(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: file }))
  }
  const url = new URL('api/uploads/share', base)
  url.searchParams.set('batch', batch)
  const response = await check(await fetch(url, { method: 'POST', headers }))
  return [await response.json() as ShareInfo]
}

async function check (response: Response): Promise<Response> {
  if (response.ok) return response
  let error = { code: `http-${response.status}`, message: `upload failed: ${response.status} ${response.statusText}` }
  try {
    const body = await response.json() as { error?: { code?: unknown, message?: unknown }, code?: unknown, message?: unknown }
    const e = body.error ?? body
    if (typeof e.message === 'string') error = { code: typeof e.code === 'string' ? e.code : error.code, message: e.message }
  } catch { /* not JSON: keep the status line */ }
  throw new RemoteError(error)
}
