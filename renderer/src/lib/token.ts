/**
 * The web UI's token: read once from the address's `#token=` fragment (never sent to the server in a
 * URL), kept in sessionStorage for reloads, and removed from the address bar.
 */
const KEY = 'swarmdrop.token'

export function takeToken (location: Pick<Location, 'hash' | 'pathname' | 'search'>, history: Pick<History, 'replaceState' | 'state'>, storage: Pick<Storage, 'getItem' | 'setItem'>): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''))
  const fromHash = params.get('token')
  if (fromHash != null && fromHash !== '') {
    storage.setItem(KEY, fromHash)
    history.replaceState(history.state, '', location.pathname + location.search)
    return fromHash
  }
  return storage.getItem(KEY)
}
