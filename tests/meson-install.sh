#!/usr/bin/env bash
# The desktop install, end to end: meson setup, compile, install into a
# throwaway prefix, meson test, then the INSTALLED natter (from the prefix,
# not the build tree) is started under Xvfb in Korean and must find its
# translations and its icon and show a window.
#
#   bash tests/meson-install.sh [--keep] [--screenshot FILE] [--with-cargo-test] [--installed PREFIX]
#
#   --keep               leave the temp build dir and prefix (path printed)
#   --screenshot FILE    save a screenshot of the Korean window to FILE
#   --with-cargo-test    also run meson's cargo-test suite (a debug build of
#                        everything: minutes; tests/run-all.sh runs cargo test)
#   --installed PREFIX   no build: check an existing install (-Dserver=true) in PREFIX
#
# CARGO_TARGET_DIR, when set, is where cargo builds (keep it warm between
# runs); otherwise the target dir is inside the temp build dir. DISPLAY, when
# set, is used; otherwise the script starts its own Xvfb on a free display.
# Installs the Debian packages it needs when they are missing (meson, gettext,
# desktop-file-utils, appstream, Xvfb, x11-utils, imagemagick, fonts-nanum…);
# systemd-analyze is used when present.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
keep=0
screenshot=""
installed=""
meson_test_args=(--no-suite cargo)
while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep=1 ;;
        --screenshot) screenshot=$(realpath -m -- "$2"); shift ;;
        --with-cargo-test) meson_test_args=() ;;
        --installed) installed=$(realpath -- "$2"); shift ;;
        *) echo "usage: $0 [--keep] [--screenshot FILE] [--with-cargo-test] [--installed PREFIX]" >&2; exit 2 ;;
    esac
    shift
done

app_id=io.github.natter.Natter
work=$(mktemp -d "${TMPDIR:-/tmp}/natter-meson.XXXXXX")
build=$work/build
prefix=$work/prefix
natter_pid=""
natterd_pid=""
scene_pid=""
xvfb_pid=""
dbus_pid=""

stop() { # PID: TERM, wait up to 5 s, then KILL
    local pid=$1 i
    kill "$pid" 2>/dev/null || return 0
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    # Reap it if it is our child (dbus-daemon --fork is not).
    if jobs -p | grep -qx "$pid"; then wait "$pid" 2>/dev/null || true; fi
}
cleanup() {
    [ -z "$scene_pid" ] || stop "$scene_pid"
    [ -z "$natter_pid" ] || stop "$natter_pid"
    [ -z "$natterd_pid" ] || stop "$natterd_pid"
    [ -z "$dbus_pid" ] || stop "$dbus_pid"
    [ -z "$xvfb_pid" ] || stop "$xvfb_pid"
    if [ $keep -eq 1 ]; then echo "kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

step_start=$SECONDS
step() { echo "== $* (at $((SECONDS - step_start)) s)"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# Debian packages this needs; installed when missing.
bash "$repo/tests/install-deps.sh" \
    meson ninja-build pkg-config libgtk-4-dev libadwaita-1-dev libsecret-1-dev gettext \
    desktop-file-utils appstream xvfb x11-utils imagemagick fonts-nanum python3 \
    xdotool xclip
missing=""
for tool in meson ninja cargo msgfmt gettext desktop-file-validate appstreamcli \
    Xvfb xwininfo xprop xdpyinfo import identify python3; do
    command -v "$tool" >/dev/null || missing="$missing $tool"
done
[ -z "$missing" ] || fail "missing tools:$missing"

if [ -z "$installed" ]; then
    step "meson setup (prefix $prefix)"
    meson setup "$build" "$repo" --prefix="$prefix" -Dserver=true >"$work/setup.log" 2>&1 ||
        { cat "$work/setup.log"; fail "meson setup"; }
    grep -A8 '^natter ' "$work/setup.log" || true

    step "meson compile"
    timeout 1200 meson compile -C "$build"

    step "meson install"
    timeout 300 meson install -C "$build" --quiet
else
    prefix=$installed
    echo "== testing the install in $prefix, no build"
fi

step "installed files"
for f in \
    bin/natter bin/natterd \
    share/applications/$app_id.desktop \
    share/metainfo/$app_id.metainfo.xml \
    share/icons/hicolor/scalable/apps/$app_id.svg \
    share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg \
    share/locale/ko/LC_MESSAGES/natter.mo \
    lib/systemd/system/natterd.service; do
    [ -s "$prefix/$f" ] || fail "not installed: $f"
done
ok "binaries, desktop file, metainfo, icons, ko translation, natterd.service"

if [ -z "$installed" ]; then
    step "meson test"
    timeout 1200 meson test -C "$build" --print-errorlogs "${meson_test_args[@]}"
fi

step "the installed files validate"
desktop-file-validate "$prefix/share/applications/$app_id.desktop"
appstreamcli validate --no-net "$prefix/share/metainfo/$app_id.metainfo.xml" >/dev/null ||
    { appstreamcli validate --no-net --explain "$prefix/share/metainfo/$app_id.metainfo.xml"; fail "metainfo"; }
grep -q "^ExecStart=$prefix/bin/natterd " "$prefix/lib/systemd/system/natterd.service" ||
    fail "natterd.service does not start $prefix/bin/natterd"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$prefix/lib/systemd/system/natterd.service"
    ok "natterd.service verified"
else
    echo "skip: systemd-analyze not installed"
fi
# The Korean desktop entry came through the merge.
grep -q '^Comment\[ko\]=' "$prefix/share/applications/$app_id.desktop" || fail "no Comment[ko] in the desktop file"
grep -q 'xml:lang="ko"' "$prefix/share/metainfo/$app_id.metainfo.xml" || fail "no Korean in the metainfo"
ok "desktop file, metainfo"

step "translations where the installed natter looks for them"
localedir=$prefix/share/locale
grep -aq "$localedir" "$prefix/bin/natter" || fail "bin/natter does not have LOCALEDIR=$localedir built in"
msgfmt --check --statistics -o /dev/null "$repo/po/ko.po"
# Every message of ko.po comes back in Korean through the installed .mo.
lookups=0
while IFS= read -r -d '' pair; do
    id=${pair%%$'\x1f'*}
    want=${pair#*$'\x1f'}
    got=$(LANGUAGE=ko LANG=C.UTF-8 LC_ALL= TEXTDOMAINDIR=$localedir gettext -d natter -e -- "$id")
    [ "$got" = "$want" ] || fail "gettext natter '$id' gave '$got', not '$want'"
    lookups=$((lookups + 1))
done < <(python3 - "$repo/po/ko.po" <<'EOF'
import re, sys
# singular entries without context and without newlines (gettext(1) takes a line)
text = open(sys.argv[1], encoding="utf-8").read()
for block in text.split("\n\n"):
    if "msgid_plural" in block or "msgctxt" in block or block.startswith("#~"):
        continue
    fields = {}
    key = None
    for line in block.splitlines():
        m = re.match(r'^(msgid|msgstr) "(.*)"$', line)
        if m:
            key = m.group(1)
            fields[key] = m.group(2)
        elif line.startswith('"') and key:
            fields[key] += line[1:-1]
    if fields.get("msgid") and fields.get("msgstr") and "\\n" not in fields["msgid"] and "\\" not in fields["msgid"]:
        unesc = lambda s: s.replace('\\"', '"').replace("\\\\", "\\")
        sys.stdout.write(unesc(fields["msgid"]) + "\x1f" + unesc(fields["msgstr"]) + "\0")
EOF
)
[ $lookups -gt 0 ] || fail "no messages looked up"
ok "$lookups messages come back in Korean from $localedir/ko/LC_MESSAGES/natter.mo"

step "the installed natter under Xvfb, LANGUAGE=ko"
if [ -z "${DISPLAY:-}" ]; then
    # -displayfd picks a free display and writes its number: no race with
    # other X servers on the machine.
    Xvfb -displayfd 3 -screen 0 1024x700x24 -nolisten tcp 3>"$work/display" >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do
        [ -s "$work/display" ] && break
        kill -0 "$xvfb_pid" 2>/dev/null || { cat "$work/xvfb.log"; fail "Xvfb did not start"; }
        sleep 0.1
    done
    [ -s "$work/display" ] || fail "Xvfb reported no display within 10 s"
    export DISPLAY=":$(head -n 1 "$work/display")"
    echo "started Xvfb on $DISPLAY"
fi
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
xdpyinfo >/dev/null 2>&1 || fail "no X server on $DISPLAY"

# A private session bus when dbus-daemon is there, so GApplication registers
# as on a desktop; without one GLib runs the app as non-unique, also fine.
bus=disabled:
if command -v dbus-daemon >/dev/null; then
    { read -r bus && read -r dbus_pid; } < <(timeout 10 dbus-daemon --session --fork --print-address=1 --print-pid=1) ||
        bus=disabled:
fi
mkdir -p "$work/home" "$work/run"
chmod 700 "$work/run"

# The installed natterd, for natter to join: proves the server install runs.
: >"$work/natterd.log"
"$prefix/bin/natterd" --listen 127.0.0.1:0 --data-dir "$work/state" --log-level info 2>>"$work/natterd.log" &
natterd_pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$work/natterd.log")
    [ -n "$port" ] && break
    kill -0 "$natterd_pid" 2>/dev/null || { cat "$work/natterd.log"; fail "natterd exited"; }
    sleep 0.1
done
[ -n "$port" ] || fail "natterd did not say where it listens within 10 s"
ok "installed natterd listening on 127.0.0.1:$port"

# Only what a desktop session would set, plus the prefix's data dir so GTK's
# icon theme finds the installed icon. natter joins natterd at once as 민지.
me=민지
env -i \
    HOME="$work/home" PATH="$PATH" DISPLAY="$DISPLAY" \
    XDG_DATA_DIRS="$prefix/share:/usr/local/share:/usr/share" \
    XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache" \
    XDG_RUNTIME_DIR="$work/run" DBUS_SESSION_BUS_ADDRESS="$bus" \
    LANG=C.UTF-8 LANGUAGE=ko \
    GTK_A11Y=none NO_AT_BRIDGE=1 GSETTINGS_BACKEND=memory \
    "$prefix/bin/natter" --server "127.0.0.1:$port" --name "$me" >"$work/natter.log" 2>&1 &
natter_pid=$!

# natter's windows: "0xID "title": ("class" "class")  WxH+X+Y ..."; GTK also
# maps a 1x1 leader window, so take the biggest.
natter_window() {
    xwininfo -root -tree 2>/dev/null |
        awk '/\("natter" |\("'"$app_id"'/ { if (match($0, /[0-9]+x[0-9]+\+/)) {
                 split(substr($0, RSTART, RLENGTH - 1), wh, "x")
                 if (wh[1] * wh[2] > best) { best = wh[1] * wh[2]; id = $1 } } }
             END { if (best > 1) print id }'
}
window=""
for _ in $(seq 150); do
    kill -0 "$natter_pid" 2>/dev/null || { cat "$work/natter.log"; fail "natter exited"; }
    window=$(natter_window)
    [ -n "$window" ] && break
    sleep 0.1
done
[ -n "$window" ] || { xwininfo -root -tree; cat "$work/natter.log"; fail "no natter window within 15 s"; }
ok "window $window: $(xwininfo -id "$window" | sed -n 's/^xwininfo: Window id: [^ ]* //p') $(xwininfo -id "$window" | awk '/Width:/ {w=$2} /Height:/ {h=$2} END {print w "x" h}')"

# Others join and talk, over plain sockets; the scene waits (bounded) until
# natter has joined, which proves the installed client connected. With
# xdotool, 민지 also writes a line in natter's composer and sends it, which
# 지훈 must receive: pasted through the clipboard with xclip, because
# xdotool's typing of non-ASCII characters drops some under GTK; typed
# in ASCII without xclip.
typing=no
reply="OK, see you at 7!"
if command -v xdotool >/dev/null; then
    typing=yes
    command -v xclip >/dev/null && reply="네, 저도 갈게요! 어디서 볼까요?"
fi
python3 - "$port" "$me" "$typing" "$reply" >"$work/scene.log" 2>&1 <<'PY' &
import socket, sys, time
port, me, typing, reply = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "yes", sys.argv[4]
deadline = time.time() + 20

class Peer:
    """One chat connection reading whole lines, never past the deadline."""
    def __init__(self, name):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.sock.sendall((name + "\n").encode())
        # History comes first: "[time id] line", oldest first, then the welcome.
        self.history = []
        self.welcome = self.line()
        while self.welcome.startswith("["):
            self.history.append(self.welcome.split("] ", 1)[1])
            self.welcome = self.line()
        assert self.welcome.startswith("*** welcome"), self.welcome

    def line(self):
        while b"\n" not in self.buf:
            left = deadline - time.time()
            if left <= 0:
                sys.exit("timed out reading from natterd")
            self.sock.settimeout(left)
            data = self.sock.recv(4096)
            if not data:
                sys.exit("natterd closed the connection")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8")

    def wait_for(self, want):
        while self.line() != want:
            pass

    def send(self, line):
        self.sock.sendall((line + "\n").encode())

a = Peer("지훈")
if me not in a.welcome.split(":", 1)[1].replace(",", " ").split():
    a.wait_for(f"*** {me} joined")
print("natter joined", flush=True)

def say(peer, line):
    peer.send(line)
    time.sleep(0.15)

say(a, "안녕하세요! 다들 잘 지내시죠?")
b = Peer("서연")
assert "지훈: 안녕하세요! 다들 잘 지내시죠?" in b.history, b.history
print("history replayed", flush=True)
time.sleep(0.15)
say(b, "오늘 저녁에 같이 밥 먹을 사람?")
if typing:
    print("your turn", flush=True)
    deadline = time.time() + 15
    a.wait_for(f"{me}: {reply}")
    print("reply seen", flush=True)
    time.sleep(0.5)  # natter shows its own line once written; keep the order
say(a, "/me 손을 번쩍 든다")
say(a, "저요! 7시 어때요?")
say(a, f"/msg {me} 회의 자료는 메일로 보냈어요")
say(b, "/nick 서연이")
say(b, "좋아요, 역 앞에서 봐요 😊")
say(b, "/quit 먼저 갈게요")
print("scene done", flush=True)
time.sleep(60)  # stay online for the screenshot; the script ends this
PY
scene_pid=$!
seen() { # WORD SECONDS: true once the scene printed WORD, false after SECONDS
    local i
    for i in $(seq $(($2 * 10))); do
        grep -q "$1" "$work/scene.log" && return 0
        kill -0 "$scene_pid" 2>/dev/null || { cat "$work/scene.log"; fail "the chat scene failed"; }
        sleep 0.1
    done
    return 1
}
wait_scene() { # WORD SECONDS: fail unless the scene prints WORD in time
    seen "$1" "$2" && return 0
    cat "$work/scene.log"
    import -display "$DISPLAY" -window root "$work/failed.png" 2>/dev/null && keep=1 &&
        echo "screen at the failure: $work/failed.png"
    fail "the chat scene did not reach \"$1\" within $2 s"
}
if [ $typing = yes ]; then
    wait_scene "your turn" 25
    # No window manager: keyboard focus follows the pointer, and the
    # composer has GTK's focus once joined. Synthetic keys can be lost
    # right after the server starts, so try a few times (Ctrl+A first, so
    # a retry replaces rather than appends).
    xdotool mousemove --window "$window" 300 300
    xdotool key shift  # the first synthetic key after start is often lost
    sleep 0.3
    for attempt in 1 2 3 4; do
        xdotool key ctrl+a
        if command -v xclip >/dev/null; then
            printf %s "$reply" | timeout 10 xclip -quiet -selection clipboard -loops 5 >/dev/null 2>&1 &
            xclip_pid=$!
            sleep 0.5
            xdotool key ctrl+v
            sleep 0.5
            stop "$xclip_pid"
        else
            xdotool type --delay 20 "$reply"
        fi
        xdotool key Return
        seen "reply seen" 3 && break
        echo "(the typed line did not arrive; attempt $attempt)"
    done
    wait_scene "reply seen" 1
    ok "a line typed into natter reached another client"
fi
wait_scene "scene done" 25
ok "natter joined the installed natterd as $me; others chatted"
sleep 2
kill -0 "$natter_pid" 2>/dev/null || { cat "$work/natter.log"; fail "natter died"; }
ok "natter still running"

# glibc maps the catalogue it uses: proof the installed binary found its
# translations at run time.
grep -q "$localedir/ko/LC_MESSAGES/natter.mo" "/proc/$natter_pid/maps" ||
    fail "natter has not loaded $localedir/ko/LC_MESSAGES/natter.mo"
ok "natter loaded $localedir/ko/LC_MESSAGES/natter.mo"

# The icon: GTK maps the icon theme caches it searches; the prefix's must be
# one, and it must index the app icon. The window icon (_NET_WM_ICON, from
# the client's default icon name) can land a moment after the window maps:
# wait up to 5 s for it, and report it either way.
cache=$prefix/share/icons/hicolor/icon-theme.cache
grep -q "$cache" "/proc/$natter_pid/maps" || fail "natter's icon theme did not load $cache"
grep -aq "$app_id" "$cache" || fail "$cache does not index $app_id"
ok "natter's icon theme loaded $cache, which indexes $app_id"
has_icon() { xprop -id "$window" _NET_WM_ICON 2>/dev/null | grep -q 'Icon ('; }
for _ in $(seq 50); do has_icon && break; sleep 0.1; done
if has_icon; then
    ok "the window shows the $app_id icon (_NET_WM_ICON)"
else
    echo "note: no _NET_WM_ICON on the window after 5 s"
fi

shot=$work/shot.png
import -display "$DISPLAY" -window "$window" "$shot"
colours=$(identify -format '%k' "$shot")
[ "${colours:-0}" -gt 16 ] || fail "the screenshot is blank ($colours colours)"
ok "screenshot has $colours colours"
if [ -n "$screenshot" ]; then
    mkdir -p "$(dirname "$screenshot")"
    cp "$shot" "$screenshot"
    echo "saved $screenshot"
fi

stop "$scene_pid"
stop "$natter_pid"
natter_pid=""
stop "$natterd_pid"
natterd_pid=""
grep -E 'CRITICAL|ERROR|panicked' "$work/natter.log" && echo "(natter logged the above)" || true

echo "== all good in $((SECONDS - step_start)) s"
