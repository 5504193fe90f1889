/**
 * Files dropped on the window, with their path relative to what was dropped (a dropped folder keeps
 * its structure). Reads folders through the File and Directory Entries API when the browser gives
 * one; a drop without entries (or a synthetic one) falls back to the flat file list.
 */
export interface DroppedFile {
  readonly file: File
  /** `/`-separated, starting with the dropped item's own name. */
  readonly relativePath: string
}

const MAX_FILES = 100_000

export async function filesFromDataTransfer (dt: DataTransfer): Promise<DroppedFile[]> {
  const entries: FileSystemEntry[] = []
  for (const item of Array.from(dt.items)) {
    if (item.kind !== 'file') continue
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null
    if (entry == null) return Array.from(dt.files, file => ({ file, relativePath: file.name }))
    entries.push(entry)
  }
  if (entries.length === 0) return Array.from(dt.files, file => ({ file, relativePath: file.name }))
  const out: DroppedFile[] = []
  for (const entry of entries) await walk(entry, entry.name, out)
  return out
}

async function walk (entry: FileSystemEntry, path: string, out: DroppedFile[]): Promise<void> {
  if (out.length >= MAX_FILES) throw new Error(`more than ${MAX_FILES} files dropped`)
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => { (entry as FileSystemFileEntry).file(resolve, reject) })
    out.push({ file, relativePath: path })
    return
  }
  if (!entry.isDirectory) return
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => { reader.readEntries(resolve, reject) })
    if (batch.length === 0) return
    for (const child of batch) await walk(child, `${path}/${child.name}`, out)
  }
}

/** `swarmdrop://` links in dropped or pasted text (a link is one word; at most 16). */
export function linksInText (text: string): string[] {
  const found = text.match(/swarmdrop:\/\/[^\s"'<>]+/g) ?? []
  return [...new Set(found)].slice(0, 16)
}
