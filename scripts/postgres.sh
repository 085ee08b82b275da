#!/usr/bin/env bash
# A throw-away PostgreSQL server for the register tests, on a local port:
#   scripts/postgres.sh start [DIR] [PORT]   prints the URL to put in BW_TEST_POSTGRES
#   scripts/postgres.sh stop  [DIR]
# Uses Debian's postgresql package (scripts/setup.sh installs it). The server trusts local
# connections and lives only in DIR.
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:-${TMPDIR:-/tmp}/bw-postgres}
port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: no PostgreSQL server installed (run scripts/setup.sh)" >&2; exit 1; }
# initdb refuses to run as root: run the server as the package's postgres user then.
as=()
if [ "$(id -u)" -eq 0 ]; then as=(runuser -u postgres --); fi
case $cmd in
  start)
    if [ -f "$dir/data/postmaster.pid" ]; then "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true; fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ ${#as[@]} -gt 0 ]; then
      chown postgres "$dir"
      "${as[@]}" test -w "$dir" || { echo "postgres.sh: the postgres user cannot reach $dir (a parent folder is private)" >&2; exit 1; }
    fi
    "${as[@]}" "$bin/initdb" -D "$dir/data" -U bw --auth=trust --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://bw@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
  stop)
    [ -d "$dir/data" ] && "${as[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "postgres.sh: start or stop" >&2; exit 2 ;;
esac
