#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# dev.sh: set up, build and run Tongban on a Debian 12 (bookworm) machine.
#
#   ./dev.sh demo    install what is missing, build, and open the app on a local demo
#   ./dev.sh test    install what is missing, build, and run every test headlessly
#   ./dev.sh build   install what is missing and build
#
# Missing Debian packages are installed with apt-get, as root or through sudo.
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$PWD
BUILD=$ROOT/build

PACKAGES=(
  gcc meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libjson-glib-dev libsqlite3-dev sqlite3 libsodium-dev libsecret-1-dev glib-networking openssl
  desktop-file-utils appstream
  xvfb xauth dbus dbus-x11 fonts-noto-cjk
  gnome-keyring
)

log () { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

ensure_packages () {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  # Node.js runs the contract's lint and checks (package.json); any install of it will do.
  if ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
  fi
  [ ${#missing[@]} -eq 0 ] && return 0

  log "Installing Debian packages: ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "Please install as root: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

ensure_node_modules () {
  # The npm registry's packages pinned in package-lock.json (the OpenAPI lint and validator).
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "Installing the npm packages of package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

build () {
  ensure_packages
  ensure_node_modules
  if [ ! -f "$BUILD/build.ninja" ]; then
    log "Configuring into build/"
    meson setup "$BUILD" --werror
  fi
  log "Building"
  ninja -C "$BUILD"
}

# Where the uninstalled app finds its settings schema and translations.
export_run_env () {
  export GSETTINGS_SCHEMA_DIR=$BUILD/data
  export TB_LOCALEDIR=$BUILD/po
}

demo () {
  build
  export_run_env
  local dir=$BUILD/demo
  mkdir -p "$dir"

  # The reference server on loopback with the demo data; it stops when the app does.
  log "Starting tongban-server on http://127.0.0.1:8470 with the demo data"
  "$BUILD/server/tongban-server" --listen 127.0.0.1:8470 --db "$dir/server.db" \
    --demo --demo-cases 5000 --demo-seed 1 > "$dir/server.log" 2>&1 &
  demo_server=$!
  trap 'kill $demo_server 2>/dev/null || true' EXIT
  trap 'exit 130' INT TERM HUP
  for _ in $(seq 50); do
    grep -q "Listening on" "$dir/server.log" 2>/dev/null && break
    kill -0 $demo_server 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  grep -A20 -i "demo account" "$dir/server.log" | head -20 || true

  # The desk signs in as the demo caseworker Wang Fang (password tongban-demo, as for every
  # demo account) from a password file, shown nowhere, and runs its first sync itself. The
  # store is build/demo/wangfang.db rather than the account's usual place in ~/.local/share.
  local db=$dir/wangfang.db
  printf '%s\n' tongban-demo > "$dir/password"
  chmod 600 "$dir/password"
  log "Opening Tongban signed in as wangfang (store $db)"
  "$BUILD/ui/tongban" --db "$db" --server http://127.0.0.1:8470 --user wangfang \
    --password-file "$dir/password" "$@"
}

run_tests () {
  build
  log "Running the tests under Xvfb"
  local rc=0
  xvfb-run -a -s "-screen 0 1280x800x24" \
    dbus-run-session -- meson test -C "$BUILD" --print-errorlogs --num-processes 2 "$@" || rc=$?
  python3 - "$BUILD/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {}
with open(sys.argv[1]) as f:
    for line in f:
        r = json.loads(line)["result"]
        counts[r] = counts.get(r, 0) + 1
passed = counts.get("OK", 0) + counts.get("EXPECTEDFAIL", 0)
skipped = counts.get("SKIP", 0)
failed = sum(v for k, v in counts.items() if k not in ("OK", "EXPECTEDFAIL", "SKIP"))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
  return $rc
}

case "${1:-}" in
  demo) shift; demo "$@" ;;
  test) shift; run_tests "$@" ;;
  build) build ;;
  *) sed -n '3,9p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
