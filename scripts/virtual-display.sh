# Sourced by the scripts that run the window headless: starts Xvfb on display $1 with a
# private runtime, data and config home (so the window starts on the sample data, not on
# remembered inputs), and stops it, and the app in $app, on exit.
# -noreset: by default Xvfb resets when its last client leaves, and a window started
# during that reset cannot connect ("Failed to open connection to X server").
export DISPLAY=$1
export XDG_RUNTIME_DIR=$(mktemp -d)
chmod 700 "$XDG_RUNTIME_DIR"
export XDG_DATA_HOME=$(mktemp -d) XDG_CONFIG_HOME=$(mktemp -d)
Xvfb $DISPLAY -screen 0 1500x950x24 -noreset >/dev/null 2>&1 &
xvfb=$!
app=
trap 'kill $xvfb 2>/dev/null; [ -n "$app" ] && kill $app 2>/dev/null || true' EXIT
sleep 1
