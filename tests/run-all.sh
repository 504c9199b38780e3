#!/usr/bin/env bash
# Runs every Natter test on this machine, installing what a fresh Debian
# machine lacks first (GTK 4, Xvfb, meson, gettext, fonts).
#   bash tests/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install-deps.sh

echo "== server and protocol (no GTK)"
cargo test --locked

echo "== natter-bench smoke run (figures not asserted)"
cargo test --locked --features bench --test bench_smoke

echo "== desktop client (GTK under Xvfb)"
bash tests/run-gtk-tests.sh

echo "== desktop install with meson (translations, desktop file, metainfo, unit)"
bash tests/meson-install.sh
