/**
 * Tells a wrong token from a daemon that is down when the WebSocket will not open (a browser does
 * not say why an upgrade failed): an authenticated POST that changes nothing (`api/uploads/share`
 * without a batch) answers 401 for a wrong token and 400 for a right one. Any other outcome (no
 * answer) is not a verdict.
 */
export async function tokenIsWrong (base: string, token: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('api/uploads/share', base), { method: 'POST', headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })
    return response.status === 401
  } catch {
    return false
  }
}
