#!/usr/bin/env bash
# Keeps po/ in step with the sources.
#
#   po/check-potfiles.sh          check, exit 1 on any difference
#   po/check-potfiles.sh --fix    rewrite POTFILES.in and natter.pot from the
#                                 sources and merge them into every .po (the
#                                 translations of new strings are still yours)
#
# Checks that:
#  1. POTFILES.in lists exactly the data/*.in files and the src/client .rs/.ui
#     files that hold translatable strings, sorted (src/client/i18n.rs only
#     defines the helpers, so it is left out: its tests would add junk);
#  2. po/natter.pot has the same messages as a fresh extraction, and every
#     .po in LINGUAS translates all of them (no fuzzy, no untranslated).
# Regenerate with: meson compile -C BUILD natter-pot natter-update-po
set -euo pipefail
cd "$(dirname "$0")/.."

fix=0
[ "${1:-}" = "--fix" ] && fix=1

header='# Files with translatable strings, sorted; po/check-potfiles.sh checks this list
# and --fix rewrites it (src/client/i18n.rs only defines the helpers).'

expected() {
    {
        ls data/*.desktop.in.in data/*.metainfo.xml.in.in data/*.gschema.xml 2>/dev/null || true
        # gettext(…), gettext_f(…), ngettext(…), pgettext(…) calls and
        # translatable="yes" properties.
        grep -rlE --include='*.rs' --include='*.ui' \
            '(^|[^A-Za-z0-9_])(n?p?gettext(_f)?)\(|translatable="yes"' src/client 2>/dev/null \
            | grep -v '^src/client/i18n\.rs$' || true
    } | LC_ALL=C sort -u
}

listed() {
    grep -vE '^[[:space:]]*(#|$)' po/POTFILES.in 2>/dev/null || true
}

status=0
want=$(expected)
have=$(listed)
if [ "$want" != "$have" ]; then
    if [ $fix -eq 1 ]; then
        { echo "$header"; echo "$want"; } > po/POTFILES.in
        echo "po/POTFILES.in rewritten"
    else
        echo "po/POTFILES.in is out of step with the sources (- listed, + should be listed):"
        diff <(echo "$have") <(echo "$want") | grep -E '^[<>]' | sed 's/^</-/; s/^>/+/' || true
        echo "fix: po/check-potfiles.sh --fix"
        status=1
    fi
fi
if [ "$(listed)" != "$(listed | LC_ALL=C sort)" ]; then
    echo "po/POTFILES.in is not sorted"
    status=1
fi
for f in $(listed); do
    [ -f "$f" ] || { echo "po/POTFILES.in lists $f, which does not exist"; status=1; }
done
[ $status -eq 0 ] || exit $status

# 2. natter.pot and the translations against a fresh extraction, with the
# keywords po/meson.build gives xgettext (glib preset + our helpers).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
xgettext --from-code=UTF-8 --add-comments \
    --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
    --keyword=gettext_f --keyword=ngettext_f:1,2 \
    --files-from=po/POTFILES.in --output="$tmp/fresh.pot" 2> "$tmp/xgettext.err" || {
    cat "$tmp/xgettext.err"
    exit 1
}
# ".rs is unknown, will try C" is expected, and so are the "unterminated
# character constant" warnings from Rust lifetimes ('static); the cross-check
# below catches any string the C scanner lost.
grep -vE "extension 'rs' is unknown; will try C|unterminated character constant" "$tmp/xgettext.err" >&2 || true

# Cross-check the C scanner on Rust: every literal first argument of a
# gettext-style call in the listed .rs files must be in the extraction.
if ! python3 - "$tmp/fresh.pot" $(listed | grep '\.rs$') <<'PY'
import re, sys
pot = open(sys.argv[1], encoding="utf-8").read()
ids = set()
for m in re.finditer(r'^msgid(?:_plural)?((?:\s*"(?:[^"\\]|\\.)*")+)', pot, re.M):
    ids.add("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(1))))
call = re.compile(r'\b(?:gettext_f|ngettext_f|gettext|ngettext|pgettext|npgettext)\s*\(\s*'
                  r'(?:"(?:[^"\\]|\\.)*"\s*,\s*)?(r#*)?"((?:[^"\\]|\\.)*)"')
missing = 0
for path in sys.argv[2:]:
    src = open(path, encoding="utf-8").read()
    for m in call.finditer(src):
        line = src.count("\n", 0, m.start()) + 1
        if m.group(1):
            print(f"{path}:{line}: raw string in a gettext call: xgettext cannot read it")
            missing += 1
        elif "\\\n" in m.group(2):
            print(f"{path}:{line}: backslash-newline in a gettext string: C and Rust read it differently")
            missing += 1
        elif m.group(2) not in ids:
            print(f"{path}:{line}: xgettext did not extract \"{m.group(2)}\"")
            missing += 1
sys.exit(1 if missing else 0)
PY
then
    status=1
fi

if [ $fix -eq 1 ]; then
    cp "$tmp/fresh.pot" po/natter.pot
    for lang in $(grep -vE '^[[:space:]]*(#|$)' po/LINGUAS); do
        msgmerge --quiet --update --backup=none --no-fuzzy-matching "po/$lang.po" po/natter.pot
    done
    echo "po/natter.pot regenerated and merged into every .po"
fi
if ! msgcmp --use-untranslated po/natter.pot "$tmp/fresh.pot" 2> "$tmp/cmp.err" ||
   ! msgcmp --use-untranslated "$tmp/fresh.pot" po/natter.pot 2>> "$tmp/cmp.err"; then
    echo "po/natter.pot does not match the sources:"
    sed 's/^/  /' "$tmp/cmp.err" | head -n 20
    echo "fix: meson compile -C BUILD natter-pot natter-update-po"
    status=1
fi
for lang in $(grep -vE '^[[:space:]]*(#|$)' po/LINGUAS); do
    if ! msgcmp "po/$lang.po" "$tmp/fresh.pot" 2> "$tmp/cmp.err"; then
        echo "po/$lang.po lacks translations for current strings:"
        sed 's/^/  /' "$tmp/cmp.err" | head -n 20
        status=1
    fi
done
[ $status -eq 0 ] && echo "po/ is in step: $(grep -c '^msgid "' "$tmp/fresh.pot") messages (with header), $(listed | wc -l) files"
exit $status
