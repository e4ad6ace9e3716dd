#!/usr/bin/env bash
# Install the programs the test suite drives for real, when they are missing:
# LibreOffice (every workbook sovopt writes is opened in it), poppler-utils (pdftotext,
# pdftoppm: the printed results and the brief), Chromium (the brief in a real browser)
# and a PostgreSQL server (the team run store). Debian packages; `make test` runs this
# first. As root it installs with apt-get; otherwise through `sudo -n` when that works;
# otherwise it stops with one sentence saying what to install.
# POSTGRESQL_LIB (default /usr/lib/postgresql) is where Debian keeps PostgreSQL's
# programs (initdb is not on PATH there).
set -euo pipefail

postgresql_lib=${POSTGRESQL_LIB:-/usr/lib/postgresql}
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
command -v pdftotext >/dev/null 2>&1 || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if ! command -v initdb >/dev/null 2>&1 && ! compgen -G "$postgresql_lib/*/bin/initdb" >/dev/null; then
  missing+=(postgresql)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ]; then
  run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  run=(sudo -n)
else
  echo "make test needs ${missing[*]}: run 'sudo apt-get install ${missing[*]}' (or run make test as root), then make test again." >&2
  exit 1
fi
echo "make test: installing ${missing[*]} (Debian packages the tests use)" >&2
if ! "${run[@]}" apt-get update -qq \
    || ! "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
         --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null; then
  echo "make test: apt-get could not install ${missing[*]}; install them by hand, then make test again." >&2
  exit 1
fi
