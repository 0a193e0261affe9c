# A thin wrapper over meson: install what is missing, build, run, test.
#   make run    build and start the console on a demo database
#   make test   build with ASan + UBSan and run the whole suite
#   make install   build, then install the binary to $(PREFIX)/bin, the man
#               page to $(PREFIX)/share/man/man1 and the systemd unit to
#               $(SYSTEMD_DIR) (default /etc/systemd/system when that folder
#               exists; SYSTEMD_DIR= skips it). DESTDIR is honoured.
BUILD    ?= build
RUN_ARGS ?= --demo
DEB_PKGS := meson ninja-build pkg-config gcc libncurses-dev libsqlite3-dev libcjson-dev \
            libcurl4-openssl-dev libjwt-dev libmicrohttpd-dev libsodium-dev libcmocka-dev \
            python3 python3-aiosmtpd tmux sqlite3 curl locales libical-dev \
            g++ libhnswlib-dev bsdutils prometheus prometheus-alertmanager chromium wrk \
            python3-flasgger
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PREFIX   ?= /usr/local
DESTDIR  ?=
SYSTEMD_DIR ?= $(shell [ -d /etc/systemd/system ] && echo /etc/systemd/system)

.PHONY: all deps build run test clean bench install install-files

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

test: build
	meson test -C $(BUILD) --print-errorlogs

# install-files copies what is built, without building (the install test
# uses it against the suite's build); the unit's ExecStart follows PREFIX.
install: build
	$(MAKE) --no-print-directory install-files

install-files:
	install -D -m 0755 $(BUILD)/resops $(DESTDIR)$(PREFIX)/bin/resops
	install -D -m 0644 data/resops.1 $(DESTDIR)$(PREFIX)/share/man/man1/resops.1
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
	rm -rf $(BUILD)
