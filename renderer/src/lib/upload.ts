/**
 * Browser uploads (a dropped file has no path there): each file goes to
 * `POST api/uploads?batch=&path=` with the token as a Bearer header, then
 * `POST api/uploads/share?batch=` shares the batch and answers its ShareInfo (docs/WEB-API.md).
 * Each file is sent with XMLHttpRequest, whose upload progress events give the bytes sent; a file
 * can be cancelled (skipped) while it waits or is being sent. Cancelled files are not shared; when
 * every file is cancelled nothing is.
 */
import type { ShareInfo } from 'swarmdrop/contract'
import { RemoteError } from 'swarmdrop/contract'
import type { DroppedFile } from './dropped-files.ts'

export type UploadFileStatus = 'waiting' | 'sending' | 'done' | 'cancelled' | 'failed'

/** One file of an upload, as shown: bytes sent of its size, when it started and ended (performance.now()). */
export interface UploadFileState {
  readonly path: string
  readonly size: number
  readonly sent: number
  readonly status: UploadFileStatus
  readonly startedAt: number | null
  readonly endedAt: number | null
}

/**
 * One upload of dropped files: its files' states (`files`, replaced wholesale on each change and
 * passed to `onChange`), and `cancel(index)` to skip a file.
 */
export class UploadProgress {
  files: readonly UploadFileState[]
  readonly #onChange: (files: readonly UploadFileState[]) => void
  readonly #aborts = new Map<number, () => void>()

  constructor (files: readonly DroppedFile[], onChange: (files: readonly UploadFileState[]) => void = () => {}) {
    this.files = files.map(f => ({ path: f.relativePath, size: f.file.size, sent: 0, status: 'waiting', startedAt: null, endedAt: null }))
    this.#onChange = onChange
  }

  /** Skips file `index`: one waiting is never sent, one being sent is aborted (the daemon keeps no part of it). */
  cancel (index: number): void {
    const f = this.files[index]
    if (f == null || (f.status !== 'waiting' && f.status !== 'sending')) return
    this.#aborts.get(index)?.()
    this.update(index, { status: 'cancelled', endedAt: performance.now() })
  }

  get cancelled (): boolean { return this.files.every(f => f.status === 'cancelled') }

  /** @internal the uploader's side */
  update (index: number, change: Partial<UploadFileState>): void {
    this.files = this.files.map((f, i) => i === index ? { ...f, ...change } : f)
    this.#onChange(this.files)
  }

  /** @internal */
  onAbort (index: number, abort: (() => void) | null): void {
    if (abort == null) this.#aborts.delete(index)
    else this.#aborts.set(index, abort)
  }
}

/** Bytes per second of a file being sent, and seconds left at that rate (null until known). */
export function uploadRate (f: UploadFileState, now: number): { rate: number, eta: number | null } {
  if (f.startedAt == null) return { rate: 0, eta: null }
  const seconds = ((f.endedAt ?? now) - f.startedAt) / 1000
  const rate = seconds > 0 ? f.sent / seconds : 0
  return { rate, eta: rate > 0 && f.status === 'sending' ? (f.size - f.sent) / rate : null }
}

export async function uploadAndShare (base: string, token: string, files: readonly DroppedFile[], progress = new UploadProgress(files)): Promise<ShareInfo[]> {
  if (files.length === 0) return []
  const batch = crypto.randomUUID()
  const headers = { Authorization: `Bearer ${token}` }
  for (const [index, { file, relativePath }] of files.entries()) {
    if (progress.files[index]?.status === 'cancelled') continue
    const url = new URL('api/uploads', base)
    url.searchParams.set('batch', batch)
    url.searchParams.set('path', relativePath)
    progress.update(index, { status: 'sending', startedAt: performance.now() })
    try {
      const sent = await send(url, { ...headers, 'Content-Type': 'application/octet-stream' }, file, progress, index)
      if (sent) progress.update(index, { status: 'done', sent: file.size, endedAt: performance.now() })
    } catch (err) {
      progress.update(index, { status: 'failed', endedAt: performance.now() })
      throw err
    }
  }
  if (progress.cancelled) return []
  const url = new URL('api/uploads/share', base)
  url.searchParams.set('batch', batch)
  const response = await check(await fetch(url, { method: 'POST', headers }))
  return [await response.json() as ShareInfo]
}

/** Sends one file; resolves true once the daemon stored it, false if it was cancelled. */
function send (url: URL, headers: Record<string, string>, file: Blob, progress: UploadProgress, index: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', url)
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value)
    xhr.upload.onprogress = e => { if (progress.files[index]?.status === 'sending') progress.update(index, { sent: e.loaded }) }
    const done = (): void => { progress.onAbort(index, null) }
    xhr.onload = () => {
      done()
      if (xhr.status >= 200 && xhr.status < 300) resolve(true)
      else reject(errorOf(xhr.status, xhr.statusText, xhr.responseText))
    }
    xhr.onerror = () => { done(); reject(new RemoteError({ code: 'network', message: `upload of ${file instanceof File ? file.name : 'a file'} failed: the daemon did not answer` })) }
    xhr.onabort = () => { done(); resolve(false) }
    progress.onAbort(index, () => { xhr.abort() })
    xhr.send(file)
  })
}

function errorOf (status: number, statusText: string, body: string): RemoteError {
  let error = { code: `http-${status}`, message: `upload failed: ${status} ${statusText}` }
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown, message?: unknown }, code?: unknown, message?: unknown }
    const e = parsed.error ?? parsed
    if (typeof e.message === 'string') error = { code: typeof e.code === 'string' ? e.code : error.code, message: e.message }
  } catch { /* not JSON: keep the status line */ }
  return new RemoteError(error)
}

async function check (response: Response): Promise<Response> {
  if (response.ok) return response
  throw errorOf(response.status, response.statusText, await response.text().catch(() => ''))
}
