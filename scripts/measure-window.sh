#!/usr/bin/env bash
# Measures the window on a large export: how long loading takes and how many frames the
# window draws meanwhile, then how long each period switch takes to show its result (the
# frame that shows it built, then rendered: taken when the next frame starts).
#   bash scripts/measure-window.sh DATA_DIR [BINARY]
# The figures come from the window itself (BW_FRAME_STATS=1): one line per background job,
# one per switch, and one per second of frames built while no job runs (the scrolling at
# the end).
# Needs what scripts/screenshot.sh needs (Xvfb, xdotool).
set -euo pipefail
data=${1:?usage: measure-window.sh DATA_DIR [BINARY]}
bin=${2:-${CARGO_TARGET_DIR:-target}/release/billing-workbench}
log=$(mktemp)
source "$(dirname "$0")/virtual-display.sh" :96
BW_FRAME_STATS=1 BW_START_DATA="$data" "$bin" >/dev/null 2>"$log" &
app=$!
for _ in $(seq 1 60); do xdotool search --name "Billing Workbench" >/dev/null 2>&1 && break; sleep 0.5; done
# Loading, then rating the latest month and the one before it.
for _ in $(seq 1 600); do grep -q "^Rating" "$log" && break; sleep 0.5; done
win=$(xdotool search --name "Billing Workbench" | head -1)
xdotool windowactivate --sync "$win" 2>/dev/null || xdotool windowfocus "$win"
# Previous month twice, then forward again (already rated: shown at once, no job), then
# the next OB and back. Set BW_START_TAB to measure another tab ("All OBs", "Suspense").
for key in alt+Left alt+Left alt+Right alt+Right alt+Down alt+Up; do
  xdotool key --window "$win" "$key"
  sleep 2
done
# Scroll the tab down and up again (the table's rows on the Suspense tab).
# Wheel events go through XTEST (no --window): the window ignores synthetic ones.
eval "$(xdotool getwindowgeometry --shell "$win")"
xdotool mousemove $((X + WIDTH * 2 / 3)) $((Y + HEIGHT * 2 / 3))
for button in 5 4; do
  for _ in $(seq 1 40); do xdotool click $button; sleep 0.05; done
done
sleep 1.5
cat "$log"
