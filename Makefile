# complaintd — build, test, demo, benchmark and install.
#
#   make            build the daemon and the admin tool into build/
#   make check      install missing Debian packages, then unit, fuzz-smoke
#                   and integration tests (sanitizer build, real servers)
#   make demo       install, build, run the daemon on sample complaints
#   make bench      throughput / latency / RSS figures
#   make install    PREFIX=/usr/local DESTDIR= ...
#
# pkg-config is evaluated lazily (recursive '=') so that 'make check' can
# install the -dev packages first and then build in a sub-make.

VERSION  = 0.1
PREFIX   ?= /usr/local
SYSCONFDIR ?= /etc
DESTDIR  ?=
# the group that may read SYSCONFDIR/complaintd (made by sysusers.d)
INSTALL_GROUP ?= complaintd
CC       ?= cc
BUILD    ?= build
V        ?= 0
Q        = $(if $(filter 1,$(V)),,@)

PKGS     = glib-2.0 gmime-3.0 libcurl libpcre2-8 libmariadb libmicrohttpd \
           libsystemd uchardet libytnef libhs libcrypto
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))

OPT      ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Werror=implicit-function-declaration
DEFS     = -D_GNU_SOURCE -DCOMPLAINTD_VERSION='"$(VERSION)"' -DCOMPLAINTD_SYSCONFDIR='"$(SYSCONFDIR)/complaintd"' \
           -DCOMPLAINTD_DATADIR='"$(PREFIX)/share/complaintd"'
ALL_CFLAGS = -std=c17 $(OPT) $(WARN) $(DEFS) -Isrc $(PKG_CFLAGS) $(CFLAGS)
ALL_LIBS   = $(PKG_LIBS) -lpthread -lm $(LDLIBS)

SAN_FLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined

# src/PART/: the parts, lowest first (tests/layering checks the includes):
# lib, mail, rules, store, workflow, intake, daemon, ctl
MAINS    = src/daemon/complaintd.c src/ctl/complaintctl.c
LIB_SRC  = $(filter-out $(MAINS),$(wildcard src/*/*.c))
HDRS     = $(wildcard src/*/*.h)
UNIT_SRC = $(wildcard tests/unit/*/test_*.c)
vpath test_%.c $(sort $(dir $(UNIT_SRC)))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)

# Debian packages the build, the tests and the demo need. Node.js and npm are
# installed only when the commands are missing: a machine may already carry
# them from NodeSource, whose nodejs package conflicts with Debian's npm.
DEB_PKGS = build-essential pkg-config clang libclang-rt-14-dev \
           libglib2.0-dev libgmime-3.0-dev libcurl4-openssl-dev libpcre2-dev \
           libmariadb-dev libmicrohttpd-dev libsystemd-dev libuchardet-dev \
           libytnef0-dev libcmocka-dev libvectorscan-dev libssl-dev \
           mariadb-server mariadb-client galera-4 rsync dovecot-imapd python3 \
           python3-aiosmtpd python3-pymysql openssl ca-certificates curl \
           valgrind wrk chromium fonts-wqy-microhei

.PHONY: all asan deps check test test-build layering unit rules-gate install-check fuzz fuzz-smoke integration browser demo bench \
        install clean

all: $(BUILD)/complaintd $(BUILD)/complaintctl

# ---- install what is missing (idempotent, quiet) ------------------------
deps:
	@missing=$$(for p in $(DEB_PKGS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q 'install ok installed' || echo $$p; done; \
	    command -v node >/dev/null || echo nodejs; \
	    command -v npm >/dev/null || echo npm); \
	if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "missing Debian packages; run as root or install:" $$missing >&2; \
	        exit 1; fi; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq >/dev/null && \
	    apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

# ---- normal build ---------------------------------------------------------
$(BUILD)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libcomplaintd.a: $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/complaintd: $(BUILD)/obj/daemon/complaintd.o $(BUILD)/libcomplaintd.a
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LIBS)

$(BUILD)/complaintctl: $(BUILD)/obj/ctl/complaintctl.o $(BUILD)/libcomplaintd.a
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LIBS)

# ---- sanitizer build: what the tests run ----------------------------------
ASAN = $(BUILD)/asan
$(ASAN)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -c -o $@ $<

$(ASAN)/libcomplaintd.a: $(LIB_SRC:src/%.c=$(ASAN)/obj/%.o)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(ASAN)/complaintd: $(ASAN)/obj/daemon/complaintd.o $(ASAN)/libcomplaintd.a
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(ALL_LIBS)

$(ASAN)/complaintctl: $(ASAN)/obj/ctl/complaintctl.o $(ASAN)/libcomplaintd.a
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $^ $(ALL_LIBS)

# unit tests live in tests/unit/PART/ (the parts of src/); binaries flat
$(ASAN)/tests/%: %.c $(ASAN)/libcomplaintd.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $^ $(ALL_LIBS) -lcmocka

# C programs the integration harness runs against real servers
$(ASAN)/itests/%: tests/integration/%.c $(ASAN)/libcomplaintd.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -O1 -o $@ $^ $(ALL_LIBS) -lcmocka

ITEST_SRC = $(wildcard tests/integration/test_*.c)

asan: $(ASAN)/complaintd $(ASAN)/complaintctl \
      $(addprefix $(ASAN)/tests/,$(basename $(notdir $(UNIT_SRC)))) \
      $(ITEST_SRC:tests/integration/%.c=$(ASAN)/itests/%)

# ---- fuzz targets (libFuzzer, clang) ---------------------------------------
FUZZ = $(BUILD)/fuzz
$(FUZZ)/obj/%.o: src/%.c $(HDRS) Makefile
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CLANG  $@';)true
	$(Q)clang $(ALL_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -O1 -c -o $@ $<

$(FUZZ)/%: tests/fuzz/%.c $(LIB_SRC:src/%.c=$(FUZZ)/obj/%.o)
	@$(if $(Q),echo '  CLANG  $@';)true
	$(Q)clang $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -O1 -o $@ $^ $(ALL_LIBS)

# ---- benchmark helpers ----------------------------------------------------
$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libcomplaintd.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo '  CC     $@';)true
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(ALL_LIBS)

BENCH_SRC = $(wildcard tests/bench/*.c)

# ---- tests ----------------------------------------------------------------
export ASAN_OPTIONS = detect_leaks=1:abort_on_error=1:strict_string_checks=1
export UBSAN_OPTIONS = print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS = suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0

# Everything the tests run is built first, one compiler per core (JOBS):
# the sanitizer, plain and fuzzing builds one file at a time took close to
# three minutes of a fresh make check on two cores. The tests themselves
# then run from a plain make, so that the suites never start side by side
# unless their runners say so.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
TEST_BUILD = asan all $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)

check: deps
	$(MAKE) -j$(JOBS) test-build
	$(MAKE) test

test-build: $(TEST_BUILD)

test: layering unit rules-gate install-check fuzz-smoke integration browser

# parts include only the parts below them (the table in tests/layering)
layering:
	@/usr/bin/python3 tests/layering-selftest
	@/usr/bin/python3 tests/layering

# make install into a staging directory: permissions, kept config, the unit
install-check: all
	@/usr/bin/python3 tests/install-check

unit: asan
	@tests/run-unit $(ASAN)/tests

# the default rules against the shared labelled corpus (real complaints,
# never copied here): category accuracy and severity macro-recall, per
# language and per sub-directory.
CORPUS ?= ../shared/corpus/eml
# The figures the shipped rules must keep on ../shared/corpus (category
# accuracy, severity macro-recall): a guard against regressions just below
# what they reach now (0.866, 0.916; en 0.879, zh 0.860). Issue 9 asked for
# 0.85 and 0.80.
RULES_GATE ?= 0.86,0.91
rules-gate: all
	@if [ -d "$(CORPUS)" ]; then rc=0; \
	    $(BUILD)/complaintctl rules eval --rules rules --fail-under $(RULES_GATE) \
	        $(CORPUS) > $(BUILD)/rules-gate.txt || rc=$$?; \
	    sed '/^misclassified/,$$d' $(BUILD)/rules-gate.txt; exit $$rc; \
	else echo "rules-gate: $(CORPUS) not found: skipped"; fi

fuzz-smoke: $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)
	@tests/run-fuzz $(FUZZ) tests/fuzz

# make fuzz [FUZZ_SECONDS=600] [FUZZ_TARGETS="fuzz_mime ..."]: a campaign;
# findings are kept under tests/fuzz/corpus/TARGET/regress-*
fuzz: $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)
	@tests/run-fuzz-campaign $(FUZZ) tests/fuzz $(BUILD)/fuzz-work $(FUZZ_TARGETS)

integration: asan all
	@tests/integration/run $(ASAN)

# the web form in headless Debian chromium; playwright-core from the
# committed package-lock.json (no browser download)
tests/browser/node_modules/.package-lock.json: tests/browser/package.json tests/browser/package-lock.json
	@cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --silent

browser: asan tests/browser/node_modules/.package-lock.json
	@/usr/bin/python3 tests/browser/run_browser.py $(ASAN)

demo: deps
	$(MAKE) all
	@tests/demo/run $(BUILD)

bench: deps
	$(MAKE) all $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
	@tests/bench/run $(BUILD)

# ---- install --------------------------------------------------------------
# Rules, templates and the config are the administrator's: installed into
# SYSCONFDIR only when not there yet (as Postfix treats main.cf); pristine
# copies always go to PREFIX/share/complaintd for comparison.
SHARE = $(DESTDIR)$(PREFIX)/share/complaintd
ETC   = $(DESTDIR)$(SYSCONFDIR)/complaintd

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin $(SHARE)/rules \
	    $(SHARE)/templates $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/lib/systemd/system
	install -m 755 $(BUILD)/complaintd $(DESTDIR)$(PREFIX)/sbin/
	install -m 755 $(BUILD)/complaintctl $(DESTDIR)$(PREFIX)/bin/
	install -m 644 rules/*.rules $(SHARE)/rules/
	install -m 644 templates/*.tmpl $(SHARE)/templates/
	install -m 644 src/complaintd.conf.sample $(SHARE)/
	install -m 644 src/man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 src/man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	install -m 644 src/man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -d $(DESTDIR)$(PREFIX)/lib/sysusers.d
	install -m 644 systemd/complaintd.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/complaintd.conf
	[ -n "$(DESTDIR)" ] || ! command -v systemd-sysusers >/dev/null || \
	    systemd-sysusers $(PREFIX)/lib/sysusers.d/complaintd.conf
	@# SYSCONFDIR/complaintd: root's, readable by the daemon's group (from
	@# sysusers.d above) and no one else - it holds the secrets. Without the
	@# group (a DESTDIR staging build) the package's postinst must chgrp it.
	grp=$$(getent group $(INSTALL_GROUP) >/dev/null && echo $(INSTALL_GROUP)); \
	install -d -m 750 $${grp:+-g $$grp} $(ETC) && \
	{ [ -e $(ETC)/complaintd.conf ] || { sed 's|/etc/complaintd|$(SYSCONFDIR)/complaintd|g' \
	    src/complaintd.conf.sample > $(ETC)/complaintd.conf && \
	  chmod 640 $(ETC)/complaintd.conf && \
	  { [ -z "$$grp" ] || chgrp $$grp $(ETC)/complaintd.conf; }; }; } && \
	{ [ -n "$$grp" ] || echo "make install: no group $(INSTALL_GROUP) yet: chgrp $(INSTALL_GROUP) $(ETC) $(ETC)/complaintd.conf" >&2; }
	[ -d $(ETC)/rules ] || cp -r rules $(ETC)/rules
	[ -d $(ETC)/templates ] || cp -r templates $(ETC)/templates
	install -m 644 src/calendar.sample $(SHARE)/ && \
	    { [ -e $(ETC)/calendar ] || install -m 644 src/calendar.sample $(ETC)/calendar; }
	sed 's|@SBINDIR@|$(PREFIX)/sbin|g; s|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	    systemd/complaintd.service > $(DESTDIR)$(PREFIX)/lib/systemd/system/complaintd.service

clean:
	rm -rf $(BUILD)

.SECONDARY:
