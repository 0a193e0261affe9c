#!/usr/bin/env bash
# make install (issue 11, item 7): the binary, the man page stub and the
# systemd unit land under a temporary PREFIX / DESTDIR, no root needed.
# Runs the Makefile's install-files (what `make install` runs after
# building) against the suite's build, so the test never rebuilds.
. "$(dirname "$0")/tap.sh"
SRC=${RESOPS_SOURCE_ROOT:?RESOPS_SOURCE_ROOT must point at the source tree}
BUILD=$(dirname "$RESOPS_BIN")

skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1 # SKIP $2"; }
inst() { make -s -C "$SRC" install-files BUILD="$BUILD" "$@" >"$TMP/make.out" 2>&1; }

P=$TMP/prefix
ok_if "make install-files PREFIX=tmp SYSTEMD_DIR=tmp/systemd exits 0" \
    inst PREFIX="$P" SYSTEMD_DIR="$TMP/systemd"
ok_if "the binary lands in PREFIX/bin, executable" test -x "$P/bin/resops"
ok_if "the installed binary answers --version" \
    bash -c '"$0" --version | grep -q "^resops "' "$P/bin/resops"
ok_if "the installed binary answers --help" \
    bash -c '"$0" --help | grep -q -- "--headless"' "$P/bin/resops"
ok_if "the man page lands in PREFIX/share/man/man1" test -s "$P/share/man/man1/resops.1"
if command -v man >/dev/null; then
    ok_if "man -l renders NAME, SYNOPSIS and OPTIONS" bash -c \
        'out=$(MANWIDTH=80 man -l "$0" 2>/dev/null) && grep -q "^NAME" <<<"$out" &&
         grep -q "^SYNOPSIS" <<<"$out" && grep -q -- "--headless" <<<"$out"' \
        "$P/share/man/man1/resops.1"
else
    skip "man -l renders the page" "no man"
fi

U=$TMP/systemd/resops.service
ok_if "the unit lands in SYSTEMD_DIR" test -s "$U"
ok_if "its ExecStart runs the installed binary headless on /var/lib/resops" \
    grep -qxF "ExecStart=$P/bin/resops --headless --db /var/lib/resops/resops.db --listen 127.0.0.1:5001" "$U"
ok_if "StateDirectory=resops, Restart=on-failure, a dedicated user" \
    bash -c 'grep -qx "StateDirectory=resops" "$0" && grep -qx "Restart=on-failure" "$0" &&
             grep -qx "User=resops" "$0"' "$U"
if command -v systemd-analyze >/dev/null; then
    # MANPATH: verify also checks Documentation=man:resops(1)
    ok_if "systemd-analyze verify accepts the installed unit" \
        env MANPATH="$P/share/man" systemd-analyze verify "$U"
else
    skip "systemd-analyze verify accepts the installed unit" "no systemd-analyze"
fi

P2=$TMP/nounit
ok_if "SYSTEMD_DIR= installs no unit" bash -c \
    'inst() { make -s -C "$1" install-files BUILD="$2" PREFIX="$3" SYSTEMD_DIR= >/dev/null 2>&1; };
     inst "$1" "$2" "$3" && test -x "$3/bin/resops" && test -z "$(find "$3" -name "*.service")"' \
    _ "$SRC" "$BUILD" "$P2"

S=$TMP/stage
ok_if "DESTDIR stages the default paths without root" bash -c \
    'make -s -C "$1" install-files BUILD="$2" DESTDIR="$3" PREFIX=/usr/local \
         SYSTEMD_DIR=/etc/systemd/system >/dev/null 2>&1 &&
     test -x "$3/usr/local/bin/resops" && test -s "$3/usr/local/share/man/man1/resops.1" &&
     grep -q "^ExecStart=/usr/local/bin/resops --headless" "$3/etc/systemd/system/resops.service"' \
    _ "$SRC" "$BUILD" "$S"

ok_if "make install builds first, then installs the same files" bash -c \
    'out=$(make -n -C "$0" install 2>&1) && grep -q "ninja -C build" <<<"$out" &&
     grep -q "install-files" <<<"$out"' "$SRC"
tap_done
