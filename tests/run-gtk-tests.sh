#!/usr/bin/env bash
# Runs the desktop client's tests: its unit tests, then the GTK tests
# (tests/gtk_ui.rs) against a real natterd, under Xvfb when there is no
# display. Installs the GTK packages first when they are missing.
#
#   bash tests/run-gtk-tests.sh            # everything
#   bash tests/run-gtk-tests.sh burst      # only the GTK checks whose name has "burst"
#   bash tests/run-gtk-tests.sh --release burst   # the same, optimised build
#   NATTER_BURST_RUNS=5 bash tests/run-gtk-tests.sh --release burst
#                                          # the burst bench: 5 bursts in one
#                                          # process, the first one cold
#
# Honours CARGO_TARGET_DIR and DISPLAY; always stops the Xvfb it started.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=()
if [ "${1:-}" = "--release" ]; then
    profile=(--release)
    shift
fi

# What the client needs on a Debian machine: GTK 4, libadwaita and
# libsecret headers, a virtual display, a font with Hangul for the Korean
# names, dbus-run-session (package dbus-daemon) for a private session bus,
# and a real Secret Service for the keyring check: gnome-keyring, with
# dbus-send (dbus-bin) to see when it is up.
bash tests/install-deps.sh libgtk-4-dev libadwaita-1-dev libsecret-1-dev pkg-config gettext locales xvfb xauth \
    x11-utils xdotool dbus-daemon dbus-bin gnome-keyring fonts-dejavu-core fonts-nanum
# A Korean desktop's locale, for the check that natter run from its build
# folder (as run.sh does) speaks Korean.
if ! locale -a 2>/dev/null | grep -qix 'ko_KR.utf8'; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo localedef -i ko_KR -f UTF-8 ko_KR.UTF-8
fi
# natter reads its catalogs from `locale` beside the binary when not installed.
target_dir=${CARGO_TARGET_DIR:-target}
bash po/compile-catalogs.sh "$target_dir/$([ ${#profile[@]} -gt 0 ] && echo release || echo debug)/locale"

xvfb_pid=""
tmp=$(mktemp -d)
cleanup() {
    if [ -n "$xvfb_pid" ]; then
        kill "$xvfb_pid" 2>/dev/null || true
        wait "$xvfb_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    # -displayfd: Xvfb picks a free display number and prints it once ready.
    Xvfb -displayfd 1 -screen 0 1280x800x24 -nolisten tcp >"$tmp/display" 2>"$tmp/xvfb.log" &
    xvfb_pid=$!
    for _ in $(seq 100); do
        [ -s "$tmp/display" ] && break
        kill -0 "$xvfb_pid" 2>/dev/null || break
        sleep 0.1
    done
    if [ ! -s "$tmp/display" ]; then
        echo "Xvfb did not start:" >&2
        cat "$tmp/xvfb.log" >&2
        exit 1
    fi
    export DISPLAY=":$(head -n1 "$tmp/display")"
    # Software GL is slow on a virtual display; GTK's cairo renderer is not.
    export GSK_RENDERER="${GSK_RENDERER:-cairo}"
    echo "Xvfb on $DISPLAY"
fi
export GTK_A11Y=none GSETTINGS_BACKEND=memory
# Never the desktop's own session bus: the unit tests get none, and the
# GTK tests a private one (below).
unset DBUS_SESSION_BUS_ADDRESS

echo "== client unit tests"
cargo test --locked "${profile[@]}" --features gui --bin natter

# Build first, so the bus below lives only as long as the tests run.
cargo test --locked "${profile[@]}" --features gui --test gtk_ui --no-run
echo "== GTK tests (natterd + natter under $DISPLAY, on a private session bus)"
# dbus-run-session starts a bus of its own and stops it when the tests end.
# Its address moves to NATTER_PRIVATE_BUS: the notification check runs in a
# child process with it as the session bus and plays the desktop's
# notification server there (tests/gtk_ui/notifications.rs). The keyring
# check (tests/gtk_ui/accounts.rs) runs its child the same way under a
# dbus-run-session of its own, with gnome-keyring unlocked on it. Every
# other check still runs with no session bus, as natter must work without one.
# shellcheck disable=SC2016
dbus-run-session -- sh -c 'export NATTER_PRIVATE_BUS="$DBUS_SESSION_BUS_ADDRESS"; unset DBUS_SESSION_BUS_ADDRESS; exec "$@"' \
    sh cargo test --locked "${profile[@]}" --features gui --test gtk_ui -- "$@"
