# A thin wrapper over meson: install what is missing, build, run, test.
#   make run    build and start the console on a demo database
#   make test   build with ASan + UBSan and run the whole suite: the main
#               suite in build/, every fuzz target for 20 s in build-fuzz/
#               (clang, libFuzzer) and the valgrind runs in build-vg/
#   make fuzz   run every fuzz target for FUZZ_SECONDS (default 300) each
#   make soak   the 10-minute soak and the slowloris run (tests/soak/)
#   make bench  an optimised build and every benchmark, one Markdown table
#   make install   build, then install the binary to $(PREFIX)/bin, the man
#               page to $(PREFIX)/share/man/man1 and the systemd unit to
#               $(SYSTEMD_DIR) (default /etc/systemd/system when that folder
#               exists; SYSTEMD_DIR= skips it). DESTDIR is honoured.
BUILD    ?= build
FUZZ_BUILD ?= build-fuzz
VG_BUILD   ?= build-vg
FUZZ_SECONDS ?= 300
RUN_ARGS ?= --demo
DEB_PKGS := meson ninja-build pkg-config gcc libncurses-dev libsqlite3-dev libcjson-dev \
            libcurl4-openssl-dev libjwt-dev libmicrohttpd-dev libsodium-dev libcmocka-dev \
            python3 python3-aiosmtpd tmux sqlite3 curl locales libical-dev \
            g++ libhnswlib-dev bsdutils prometheus prometheus-alertmanager chromium wrk \
            python3-flasgger clang valgrind
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PREFIX   ?= /usr/local
DESTDIR  ?=
SYSTEMD_DIR ?= $(shell [ -d /etc/systemd/system ] && echo /etc/systemd/system)

.PHONY: all deps build build-fuzz build-vg run test test-main test-fuzz test-vg fuzz soak clean bench install install-files

all: build

deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
	  | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

$(BUILD)/build.ninja: | deps
	meson setup $(BUILD) -Db_sanitize=address,undefined -Db_lundef=false

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	./$(BUILD)/resops $(RUN_ARGS)

# The fuzz build: clang with -fsanitize=fuzzer,address,undefined (meson
# option fuzz, off by default). The valgrind build: no sanitizers.
$(FUZZ_BUILD)/build.ninja: | deps
	CC=clang CXX=clang++ meson setup $(FUZZ_BUILD) -Dfuzz=true -Db_sanitize=address,undefined \
	  -Db_lundef=false -Dtests=disabled

build-fuzz: deps $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD)

$(VG_BUILD)/build.ninja: | deps
	meson setup $(VG_BUILD) -Db_sanitize=none

build-vg: deps $(VG_BUILD)/build.ninja
	ninja -C $(VG_BUILD)

# Three runs, all of them always (one failing does not hide the others);
# .ci/run sums the three test logs into one line.
test: build build-fuzz build-vg
	@rc=0; \
	$(MAKE) --no-print-directory test-main || rc=1; \
	$(MAKE) --no-print-directory test-fuzz || rc=1; \
	$(MAKE) --no-print-directory test-vg || rc=1; \
	exit $$rc

test-main:
	meson test -C $(BUILD) --print-errorlogs

test-fuzz:
	meson test -C $(FUZZ_BUILD) --suite fuzz --print-errorlogs

test-vg:
	meson test -C $(VG_BUILD) --setup valgrind --suite valgrind --print-errorlogs

fuzz: build-fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZ_BUILD)

soak: deps
	tests/soak/run.sh

# install-files copies what is built, without building (the install test
# uses it against the suite's build); the unit's ExecStart follows PREFIX.
install: build
	$(MAKE) --no-print-directory install-files

install-files:
	install -D -m 0755 $(BUILD)/resops $(DESTDIR)$(PREFIX)/bin/resops
	install -D -m 0644 $(BUILD)/data/resops.1 $(DESTDIR)$(PREFIX)/share/man/man1/resops.1
	@if [ -n "$(SYSTEMD_DIR)" ]; then \
	  echo "install data/resops.service -> $(DESTDIR)$(SYSTEMD_DIR)/resops.service"; \
	  mkdir -p $(DESTDIR)$(SYSTEMD_DIR) && \
	  sed 's|/usr/local/bin/resops|$(PREFIX)/bin/resops|' data/resops.service \
	    > $(DESTDIR)$(SYSTEMD_DIR)/resops.service && \
	  chmod 0644 $(DESTDIR)$(SYSTEMD_DIR)/resops.service; \
	else \
	  echo "no systemd unit installed (SYSTEMD_DIR is empty)"; \
	fi

bench: deps
	tests/bench/run.sh

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(VG_BUILD)
