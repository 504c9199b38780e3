#!/usr/bin/env bash
# Runs Natter here: natterd on 127.0.0.1:5000 (unless something already
# listens there) and the natter desktop window connected to it.
#   bash run.sh                 # server + desktop client
#   bash run.sh server [ARGS]   # natterd only, e.g. on a VPS (0.0.0.0:5000)
# Builds in release mode first, installing GTK's packages if missing.
set -euo pipefail
cd "$(dirname "$0")"

bin=${CARGO_TARGET_DIR:-target}/release
# natterd as a static-pie binary, as meson installs it (docs/deploy.md).
build_natterd() {
    cargo rustc --locked --release --bin natterd -- -C target-feature=+crt-static
}

if [ "${1:-}" = server ]; then
    shift
    build_natterd
    exec "$bin/natterd" "$@"
fi

bash tests/install-deps.sh libgtk-4-dev libadwaita-1-dev libsecret-1-dev pkg-config gettext fonts-dejavu-core fonts-nanum netcat-openbsd
cargo build --locked --release --features gui --bin natter
# The translations, beside the binary, where natter looks when not installed.
bash po/compile-catalogs.sh "$bin/locale"
build_natterd

server_pid=""
if ! (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null; then
    "$bin/natterd" --listen 127.0.0.1:5000 &
    server_pid=$!
    trap 'kill "$server_pid" 2>/dev/null || true' EXIT
    for _ in $(seq 50); do
        (exec 3<>/dev/tcp/127.0.0.1/5000) 2>/dev/null && break
        sleep 0.1
    done
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo "No display here, so only natterd runs. Chat with: nc 127.0.0.1 5000"
    [ -n "$server_pid" ] && wait "$server_pid"
    exit 0
fi
"$bin/natter" --server 127.0.0.1:5000 "$@"
