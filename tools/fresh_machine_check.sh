#!/usr/bin/env bash
# The README's two commands on a machine that, as far as they can tell, is new: a fresh
# clone (no .venv), no LibreOffice, Chromium, pdftotext/pdftoppm or PostgreSQL, no sudo.
# Needs root and util-linux's unshare: the programs are hidden in a private mount
# namespace (/usr/bin and /usr/local/bin become folders of links to everything else,
# /usr/lib/postgresql an empty tmpfs), so nothing on the machine changes.
#   1. `make test` as the user nobody: must stop at its first step with one line.
#   2. `make demo` as root: a virtual environment, the install, validate and the solve.
#   3. `make test` as root with apt-get replaced by a recorder and pytest only collecting
#      (PYTEST_ADDOPTS=--collect-only): the install step, the test extras, ruff and the
#      collection of every test; the recorded apt-get calls are printed.
# Usage: sudo unshare -m --propagation private tools/fresh_machine_check.sh [REPO [BRANCH]]
set -u
repo=${1:-$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)}
branch=${2:-$(git -C "$repo" rev-parse --abbrev-ref HEAD)}
work=$(mktemp -d)
chmod 755 "$work"
git clone -q --branch "$branch" "$repo" "$work/sovopt"
hide=" soffice libreoffice localc chromium chromium-browser pdftotext pdftoppm initdb pg_ctl postgres psql "
for d in usr/bin usr/local/bin; do
  real=$work/real-${d//\//-}; farm=$work/farm-${d//\//-}
  mkdir -p "$real" "$farm" && mount --bind "/$d" "$real"
  for f in "$real"/*; do n=${f##*/}; [[ "$hide" == *" $n "* ]] || ln -s "$f" "$farm/$n"; done
  mount --bind "$farm" "/$d"
done
[ -d /usr/lib/postgresql ] && mount -t tmpfs tmpfs /usr/lib/postgresql
for p in soffice chromium pdftotext initdb sudo; do
  command -v "$p" >/dev/null && echo "fresh_machine_check: $p is still visible" >&2
done

echo "== 1. make test as nobody (no root, no sudo)"
mkdir -p "$work/home" && chown -R nobody "$work/sovopt" "$work/home"
(cd "$work/sovopt" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
   env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" make test)
echo "exit $?"
chown -R root "$work/sovopt"

mkdir -p "$work/fakebin"
printf '#!/bin/bash\necho "apt-get $*" >> %s/apt.log\n' "$work" > "$work/fakebin/apt-get"
chmod 755 "$work/fakebin/apt-get"
export PATH=$work/fakebin:$PATH
cd "$work/sovopt" || exit 1
echo "== 2. make demo as root"
time make demo
echo "exit $?"
echo "== 3. make test as root, apt-get recorded, pytest collecting only"
time PYTEST_ADDOPTS="--collect-only -q" make test > "$work/collect.log" 2>&1
echo "exit $?"
grep -v '^tests/' "$work/collect.log"
echo "== apt-get calls"
cat "$work/apt.log"
echo "(clone and logs in $work)"
