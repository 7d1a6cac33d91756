#!/usr/bin/env bash
# Draws Callpop's icons with ImageMagick (Debian: imagemagick, fonts-dejavu-core).
# The PNGs are committed; run this only to change them.
set -euo pipefail
cd "$(dirname "$0")"
glyph=$'\u260E'   # BLACK TELEPHONE, from DejaVu Sans
font=$(fc-match -f '%{file}' 'DejaVu Sans')

# App icon: a blue rounded square with a white telephone.
convert -size 512x512 -depth 8 xc:none \
  -fill '#1f6feb' -draw 'roundrectangle 16,16 496,496 96,96' \
  -fill white -font "$font" -pointsize 330 -gravity center -annotate +0+18 "$glyph" \
  PNG32:icon.png
convert icon.png -resize 128x128 PNG32:128x128.png
convert icon.png -resize 32x32 PNG32:32x32.png
# Windows builds embed an .ico with the sizes Explorer and the taskbar ask for.
convert icon.png -define icon:auto-resize=256,64,48,32,16 icon.ico

# Tray: a filled circle (status colour) with a white telephone; drawn big, scaled down smooth.
# Linux panels scale the 64 px picture down smoothly; Windows' notification area gets one drawn
# at each size it uses (16, 20, 24, 32 px at 100, 125, 150, 200 % scaling), so none is blurred.
tray() { # name colour
  convert -size 256x256 xc:none \
    -fill "$2" -draw 'circle 128,128 128,8' \
    -fill white -font "$font" -pointsize 170 -gravity center -annotate +0+10 "$glyph" \
    "PNG32:tray-$1-256.png"
  for size in 64 32 24 20 16; do
    convert "tray-$1-256.png" -filter Lanczos -resize "${size}x${size}" "PNG32:tray-$1-$size.png"
  done
  mv "tray-$1-64.png" "tray-$1.png"
  rm "tray-$1-256.png"
}
tray online '#1a7f37'
tray offline '#6e7781'
tray dnd '#cf222e'
