#!/usr/bin/env bash
# Compiles every translation in po/LINGUAS into DIR/LANG/LC_MESSAGES/natter.mo,
# the layout gettext reads. run.sh and the GTK tests put them in a `locale`
# folder beside the natter they built, where natter looks first, so a
# build that is run without installing still speaks the user's language.
#   bash po/compile-catalogs.sh target/release/locale
set -euo pipefail
cd "$(dirname "$0")"
out=${1:?usage: po/compile-catalogs.sh DIR}
case "$out" in /*) ;; *) out="$OLDPWD/$out" ;; esac
while read -r lang; do
    case "$lang" in ''|'#'*) continue ;; esac
    mkdir -p "$out/$lang/LC_MESSAGES"
    # Only rewrite a catalog that changed, so a running natter keeps its map.
    if [ ! -f "$out/$lang/LC_MESSAGES/natter.mo" ] || [ "$lang.po" -nt "$out/$lang/LC_MESSAGES/natter.mo" ]; then
        msgfmt --check -o "$out/$lang/LC_MESSAGES/natter.mo.tmp" "$lang.po"
        mv "$out/$lang/LC_MESSAGES/natter.mo.tmp" "$out/$lang/LC_MESSAGES/natter.mo"
    fi
done < LINGUAS
