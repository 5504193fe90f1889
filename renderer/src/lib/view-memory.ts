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
