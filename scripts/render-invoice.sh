#!/usr/bin/env bash
# Renders an invoice workbook as LibreOffice prints it: PDF, then one PNG per page.
#   bash scripts/render-invoice.sh OUT/AURA-ES-202610.xlsx [DIR]
# Needs: apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils
set -euo pipefail
xlsx=${1:?usage: render-invoice.sh FILE.xlsx [OUTPUT_DIR]}
out=${2:-$(dirname "$xlsx")/rendered}
mkdir -p "$out"
command -v soffice >/dev/null || { echo "soffice not found: apt-get install -y --no-install-recommends libreoffice-calc-nogui poppler-utils" >&2; exit 1; }
# A private profile so a running LibreOffice does not interfere.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
soffice -env:UserInstallation=file://"$profile" --headless --convert-to pdf --outdir "$out" "$xlsx" >/dev/null
pdf="$out/$(basename "${xlsx%.*}").pdf"
pdftoppm -png -r 90 "$pdf" "${pdf%.pdf}"
ls "$out"
