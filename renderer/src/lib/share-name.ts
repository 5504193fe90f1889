/**
 * What a share made from several dropped or picked items is called. The daemon names a share after
 * its top folder, so several loose files are uploaded under one folder named after the first item
 * plus "and N more" (the user may change it before sharing); a single file or folder keeps its name.
 */
import type { DroppedFile } from './dropped-files.ts'

/** The distinct top-level names (first path segment) in the order they came. */
export function topLevelNames (files: readonly DroppedFile[]): string[] {
  return [...new Set(files.map(f => f.relativePath.split('/')[0]!))]
}

/** "a.txt and 2 more" for several top-level items; null when there is one (it keeps its own name). */
export function suggestedName (files: readonly DroppedFile[]): string | null {
  const names = topLevelNames(files)
  if (names.length < 2) return null
  return `${names[0]} and ${names.length - 1} more`
}

/** A name the user typed, as a folder name: trimmed, no slashes or control characters. */
export function cleanName (name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f/\\]/g, ' ').replace(/\s+/g, ' ').trim().replace(/^\.+$/, '')
}

/** The same files under one folder called `name`. */
export function underFolder (files: readonly DroppedFile[], name: string): DroppedFile[] {
  return files.map(f => ({ file: f.file, relativePath: `${name}/${f.relativePath}` }))
}

/** Files from an `<input type="file">`: a folder pick (webkitdirectory) keeps each file's path under the folder. */
export function filesFromInput (list: FileList | null): DroppedFile[] {
  return Array.from(list ?? [], file => ({ file, relativePath: file.webkitRelativePath !== '' ? file.webkitRelativePath : file.name }))
}
