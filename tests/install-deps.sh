#!/usr/bin/env bash
# Installs the Debian packages Natter builds, tests and runs with, when any
# is missing. Safe to run again: it does nothing once all are present.
#   bash tests/install-deps.sh            # everything the tests need
#   bash tests/install-deps.sh PKG...     # only these
set -euo pipefail

packages=("$@")
[ $# -gt 0 ] || packages=(
    libgtk-4-dev libadwaita-1-dev libsecret-1-dev pkg-config meson ninja-build gettext
    netcat-openbsd xvfb xauth x11-utils xdotool xclip dbus gnome-keyring desktop-file-utils appstream imagemagick
    fonts-dejavu-core fonts-nanum locales
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
