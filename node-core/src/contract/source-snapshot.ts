// Plain data, no imports: the renderer type-checks against it without Node's types.
/** Statistics of one source, as the service API reports them. */
export interface SourceSnapshot {
  readonly peerId: string
  readonly address: string | null
  readonly bytes: number
  readonly rate: number
  readonly inFlight: number
  readonly failures: number
  readonly badChunks: number
  readonly chunks: number
  readonly connected: boolean
}
