#!/usr/bin/env bash
# Renders the committed icons from resources/icon.svg and resources/tray.svg (run by hand after
# editing an SVG; needs rsvg-convert from librsvg2-bin). App icon: PNGs 16…1024 in icons/
# (electron-builder's Linux icon set), icon.png (1024), icon.ico and icon.icns (png2icons).
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512 1024; do
  rsvg-convert -w "$size" -h "$size" icon.svg -o "icons/${size}x${size}.png"
done
cp icons/1024x1024.png icon.png
node -e "
const png2icons = require('png2icons')
const fs = require('node:fs')
const src = fs.readFileSync('icon.png')
fs.writeFileSync('icon.ico', png2icons.createICO(src, png2icons.BICUBIC2, 0, false, true))
fs.writeFileSync('icon.icns', png2icons.createICNS(src, png2icons.BICUBIC2, 0))
"
render_tray () { # name colour
  sed "s/COLOR/$2/" tray.svg > "tray/.$1.svg"
  rsvg-convert -w 16 -h 16 "tray/.$1.svg" -o "tray/$1.png"
  rsvg-convert -w 32 -h 32 "tray/.$1.svg" -o "tray/$1@2x.png"
  rm "tray/.$1.svg"
}
render_tray trayTemplate '#000000'   # macOS template image: black + alpha, tinted by the system
render_tray tray-light '#f5f7fa'     # for dark panels
render_tray tray-dark '#1f2933'      # for light panels
