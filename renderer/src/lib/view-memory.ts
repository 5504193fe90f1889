/** The view a user was on, kept across reloads (localStorage; a missing or odd value gives the default). */
const KEY = 'swarmdrop.view'

export function rememberedView<V extends string> (views: readonly V[], fallback: V, storage: Pick<Storage, 'getItem'> | null = safeStorage()): V {
  const saved = storage?.getItem(KEY)
  return views.find(v => v === saved) ?? fallback
}

export function rememberView (view: string, storage: Pick<Storage, 'setItem'> | null = safeStorage()): void {
  try { storage?.setItem(KEY, view) } catch { /* storage full or denied: the view is just not kept */ }
}

function safeStorage (): Storage | null {
  try { return window.localStorage } catch { return null }
}

const OPEN_KEY = 'swarmdrop.open'
const MAX_OPEN = 200

/** Whether a card's part (`files:<shareId>`) was left open, kept across reloads. */
export function wasOpen (id: string, storage: Pick<Storage, 'getItem'> | null = safeStorage()): boolean {
  return openList(storage).includes(id)
}

export function rememberOpen (id: string, open: boolean, storage: Pick<Storage, 'getItem' | 'setItem'> | null = safeStorage()): void {
  const list = openList(storage).filter(x => x !== id)
  if (open) list.push(id)
  try { storage?.setItem(OPEN_KEY, JSON.stringify(list.slice(-MAX_OPEN))) } catch { /* not kept */ }
}

function openList (storage: Pick<Storage, 'getItem'> | null): string[] {
  try {
    const parsed: unknown = JSON.parse(storage?.getItem(OPEN_KEY) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : []
  } catch {
    return []
  }
}
