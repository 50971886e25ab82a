#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# check-po.sh: fails if a translation is incomplete: fuzzy or untranslated entries, or a message
# of the current sources (extracted afresh from po/POTFILES.in) that it lacks.
#
# Usage: check-po.sh SOURCE_ROOT LANGUAGE...

set -eu

if [ $# -lt 2 ]; then
  echo "usage: $0 SOURCE_ROOT LANGUAGE..." >&2
  exit 2
fi

srcdir=$1
shift

tmpdir=$(mktemp -d)
trap 'rm -rf "$tmpdir"' EXIT

# The same keywords and flags as meson's i18n.gettext(preset: 'glib'), so that this POT is the
# one `ninja tongban-pot` would write.
cd "$srcdir"
xgettext --package-name=tongban --from-code=UTF-8 --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format \
  --files-from=po/POTFILES.in --output="$tmpdir/tongban.pot" 2>"$tmpdir/xgettext.log" || {
    cat "$tmpdir/xgettext.log" >&2
    echo "xgettext failed" >&2
    exit 1
  }

status=0

# Every source file that marks strings for translation must be listed, or its strings are
# silently never extracted.
for f in $(grep -l -E '(^|[^A-Za-z0-9_])(N?_|C_|NC_|g_dngettext)\(' app/*.c ui/*.c cli/*.c server/*.c 2>/dev/null); do
  if ! grep -qx "$f" po/POTFILES.in; then
    echo "FAIL: $f has translatable strings but is not in po/POTFILES.in" >&2
    status=1
  fi
done

for lang in "$@"; do
  po="po/$lang.po"

  if ! msgfmt --check --output-file=/dev/null "$po"; then
    echo "FAIL: $po does not compile" >&2
    status=1
    continue
  fi

  fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$po" | grep -c '^msgid ' || true)
  untranslated=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid ' || true)

  if [ "$fuzzy" -gt 0 ]; then
    echo "FAIL: $po has fuzzy entries:" >&2
    msgattrib --only-fuzzy --no-obsolete "$po" >&2
    status=1
  fi
  if [ "$untranslated" -gt 0 ]; then
    echo "FAIL: $po has untranslated entries:" >&2
    msgattrib --untranslated --no-obsolete "$po" >&2
    status=1
  fi

  # msgcmp reports every message of the fresh POT that $po lacks, or has only untranslated or
  # fuzzy.
  if ! msgcmp "$po" "$tmpdir/tongban.pot" 2>"$tmpdir/msgcmp.log"; then
    echo "FAIL: $po lacks messages of the current sources (run ninja tongban-update-po):" >&2
    cat "$tmpdir/msgcmp.log" >&2
    status=1
  fi

  if [ $status -eq 0 ]; then
    echo "ok: $po is complete ($(msgattrib --translated --no-obsolete "$po" | grep -c '^msgid ') messages)"
  fi
done

exit $status
