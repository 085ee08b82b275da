#!/usr/bin/env bash
# Starts the window under a virtual display and saves a screenshot of each tab.
#   bash scripts/screenshot.sh [OUTPUT_DIR] [BINARY]
# Needs: apt-get install -y --no-install-recommends xvfb mesa-vulkan-drivers libvulkan1 imagemagick xdotool
set -euo pipefail
out=${1:-screenshots}
bin=${2:-${CARGO_TARGET_DIR:-target}/release/billing-workbench}
mkdir -p "$out"
export DISPLAY=:97
export XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
# A private config home, so the screenshots start on the sample data.
export XDG_DATA_HOME=$(mktemp -d) XDG_CONFIG_HOME=$(mktemp -d)
# -noreset: by default Xvfb resets when its last client leaves, and a window started
# during that reset cannot connect ("Failed to open connection to X server").
Xvfb $DISPLAY -screen 0 1500x950x24 -noreset >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; kill $app 2>/dev/null || true' EXIT
sleep 1
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
