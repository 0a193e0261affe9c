# A thin wrapper over meson: install what is missing, build, run, test.
#   make run    build and start the console on a demo database
#   make test   build with ASan + UBSan and run the whole suite
BUILD    ?= build
RUN_ARGS ?= --demo
DEB_PKGS := meson ninja-build pkg-config gcc libncurses-dev libsqlite3-dev libcjson-dev \
            libcurl4-openssl-dev libjwt-dev libmicrohttpd-dev libsodium-dev libcmocka-dev \
            python3 python3-aiosmtpd tmux sqlite3 curl locales
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps build run test clean bench

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

bench: deps
	tests/bench/run.sh

clean:
	rm -rf $(BUILD)
