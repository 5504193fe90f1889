/**
 * `swarmdrop doctor [--repo DIR] [--out FILE]`: writes a bug report of the profile (log tails,
 * config.json, versions, OS and the state the profile has stored) without starting a node and
 * without changing the profile. When a swarmdrop process runs on the profile its store is locked:
 * the report then says the live state was not available (the running app's Settings has "Save a
 * bug report" for that) and still holds the logs and config.
 */
import { stat } from 'node:fs/promises'
import { NotFoundError } from '../errors.ts'
import { storedState, writeBugReport } from '../log/bug-report.ts'

export interface DoctorResult {
  readonly path: string
  readonly bytes: number
  /** Whether the node's state is in the report ('stored'), or why not. */
  readonly state: string
}

export async function doctor (profileDir: string, outFile: string | undefined): Promise<DoctorResult> {
  const isFolder = await stat(profileDir).then(s => s.isDirectory(), (err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return false; throw err })
  if (!isFolder) throw new NotFoundError(`no profile folder at ${profileDir} (use --repo DIR)`)
  const state = await storedState(profileDir)
  const { path, bytes } = await writeBugReport({ profileDir, state, ...(outFile != null ? { outFile } : {}) })
  return { path, bytes, state: state.kind === 'unavailable' ? state.reason : state.kind }
}
