#!/usr/bin/env bash
# Starts the window under a virtual display and saves a screenshot of each tab.
#   bash scripts/screenshot.sh [OUTPUT_DIR] [BINARY]
# Needs: apt-get install -y --no-install-recommends xvfb mesa-vulkan-drivers libvulkan1 imagemagick xdotool
set -euo pipefail
out=${1:-screenshots}
bin=${2:-${CARGO_TARGET_DIR:-target}/release/billing-workbench}
mkdir -p "$out"
source "$(dirname "$0")/virtual-display.sh" :97
for tab in ${BW_TABS:-Invoice Breakdown Meters Suspense Reconciliation All-OBs}; do
  tab=${tab//-/ }
  name=$(echo "$tab" | tr 'A-Z ' 'a-z-')
  BW_START_TAB="$tab" BW_START_OB="${BW_START_OB:-ES}" "$bin" >/dev/null 2>"$out/$name.log" &
  app=$!
  # Wait for the window, then for loading and rating to finish.
  for _ in $(seq 1 60); do xdotool search --name "Billing Workbench" >/dev/null 2>&1 && break; sleep 0.5; done
  sleep "${BW_SETTLE_SECONDS:-6}"
  import -window root "$out/$name.png"
  kill $app 2>/dev/null || echo "the window exited early; see $out/$name.log" >&2
  wait $app 2>/dev/null || true
  echo "$out/$name.png"
done
