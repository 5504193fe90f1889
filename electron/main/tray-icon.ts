/**
 * Which tray icon to show. macOS: a template image (black + alpha; the system tints it for the
 * menu bar). Elsewhere: a light glyph on a dark panel, a dark glyph on a light one.
 */
export const TRAY_ICON_DIR = 'resources/tray'

export function trayIconFile (platform: NodeJS.Platform, darkTheme: boolean): string {
  if (platform === 'darwin') return `${TRAY_ICON_DIR}/trayTemplate.png`
  return `${TRAY_ICON_DIR}/${darkTheme ? 'tray-light.png' : 'tray-dark.png'}`
}
