# leakdump build.  `make` builds the core library and the Python extension
# for the Python that GDB embeds (/usr/bin/python3), in place.
PYTHON ?= /usr/bin/python3
CC ?= gcc
BUILD ?= build
SAN ?=

PY_INCLUDES := $(shell $(PYTHON) -c 'import sysconfig as s; print("-I" + s.get_paths()["include"])')
PY_SUFFIX := $(shell $(PYTHON) -c 'import sysconfig as s; print(s.get_config_var("EXT_SUFFIX"))')

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2
# Nothing of the core is exported from the extension but PyInit (Python's
# PyMODINIT_FUNC marks it visible): calls between the core's files are
# direct, not through the PLT, as they were when they were in one file.
CODEGEN := -fvisibility=hidden
CFLAGS ?= -O2 -g
ifeq ($(SAN),1)
BUILD := build-asan
CFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDSAN := -fsanitize=address,undefined
endif
# pprof's profile.proto, compiled by protoc-c at build time into the build
# directory: the generated C is not ours, so its warnings do not fail the
# build (that file only).
GEN := $(BUILD)/gen
GEN_SRCS := $(GEN)/profile.pb-c.c
GEN_OBJS := $(GEN)/profile.pb-c.o
ALL_CFLAGS := -std=gnu11 -fPIC -pthread -D_GNU_SOURCE -Iinclude -Iext -I$(GEN) $(WARN) $(CODEGEN) $(CFLAGS)
GEN_CFLAGS := $(filter-out -Werror,$(ALL_CFLAGS))
LIBS := -ldw -lelf -lprotobuf-c -lz -pthread

# The core is every .c under ext/ but the Python binding (one folder per
# layer, see README "How it is built"); setup.py reads the same lists.
CORE_SRCS := $(sort $(filter-out ext/python/%,$(wildcard ext/*/*.c)))
CORE_OBJS := $(CORE_SRCS:ext/%.c=$(BUILD)/core/%.o)
PY_SRCS := $(sort $(wildcard ext/python/*.c))
PY_OBJS := $(PY_SRCS:ext/python/%.c=$(BUILD)/python/%.o)
HEADERS := $(wildcard include/leakdump/*/*.h ext/*/*.h)
# Unit tests follow the modules: tests/unit/<folder>/test_<module>.c; the
# synthetic-input helpers live in tests/unit/synth/.
UNIT_SRCS := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_HELPERS := $(wildcard tests/unit/synth/*.c)
EXT := leakdump/_leakdump$(PY_SUFFIX)
# The sanitized extension lives in a checkout of its own (the Python files
# linked), so that the command line can run with it (make asan-e2e).
ASAN_HOME := build-asan/home
ifeq ($(SAN),1)
EXT := $(ASAN_HOME)/leakdump/_leakdump$(PY_SUFFIX)
endif
# The e2e subset run with it (make asan-e2e), through the command line:
# GDB hangs at start-up with the sanitizer runtimes preloaded.
ASAN_E2E ?= tests/e2e/test_cli.py tests/e2e/test_corruption.py

.PHONY: all lib unit check-unit check-layout asan asan-home asan-e2e test e2e clean deps \
	example bench fuzz fuzz-build fuzz-ci
all: $(EXT) lib

lib: $(BUILD)/libleakdump.a

$(GEN)/profile.pb-c.c $(GEN)/profile.pb-c.h &: proto/profile.proto
	@mkdir -p $(GEN)
	protoc-c --proto_path=proto --c_out=$(GEN) proto/profile.proto

$(GEN)/%.o: $(GEN)/%.c $(GEN)/profile.pb-c.h
	$(CC) $(GEN_CFLAGS) -c -o $@ $<

$(BUILD)/core/report/pprof.o: $(GEN)/profile.pb-c.h

$(BUILD)/core/%.o: ext/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/python/%.o: ext/python/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(PY_INCLUDES) -c -o $@ $<

$(BUILD)/libleakdump.a: $(CORE_OBJS) $(GEN_OBJS)
	rm -f $@
	ar rcs $@ $^

$(EXT): $(PY_OBJS) $(BUILD)/libleakdump.a
	$(CC) -shared $(LDSAN) -o $@ $(PY_OBJS) $(BUILD)/libleakdump.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_HELPERS) $(wildcard tests/unit/synth/*.h) $(BUILD)/libleakdump.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit/synth $(LDSAN) -o $@ $< $(UNIT_HELPERS) \
		$(BUILD)/libleakdump.a $(LIBS) -lcmocka

# The layout-table generator (scripts/gen-layouts.sh runs it).
$(BUILD)/tools/layoutgen: tools/layoutgen.c $(BUILD)/libleakdump.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libleakdump.a $(LIBS)

unit: $(UNIT_BINS)

# Run every cmocka binary; fail if any fails.
check-unit: unit
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

# The same unit tests under ASan+UBSan.
asan:
	$(MAKE) SAN=1 check-unit

# An e2e subset with the extension built under ASan+UBSan, run through
# the command line with the sanitizer runtimes preloaded into it (never
# into GDB or the fixtures), on the newest Go release.
asan-home:
	mkdir -p $(ASAN_HOME)/leakdump
	$(MAKE) SAN=1 $(ASAN_HOME)/leakdump/_leakdump$(PY_SUFFIX)
	ln -sf $(abspath leakdump)/*.py $(ASAN_HOME)/leakdump/

asan-e2e: all asan-home
	LEAKDUMP_E2E_CLI_HOME=$(abspath $(ASAN_HOME)) \
	LEAKDUMP_E2E_CLI_PRELOAD="$$($(CC) -print-file-name=libasan.so) $$($(CC) -print-file-name=libubsan.so)" \
	LEAKDUMP_E2E_HOST=cli ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	LEAKDUMP_GO_VERSIONS="$(lastword $(shell sed '/^#/d' go-versions))" \
		$(PYTHON) -m pytest -q $(ASAN_E2E)

e2e: all
	$(PYTHON) -m pytest -q tests/e2e

# House rules of the tree: file sizes, layers, include cycles, and what
# only the target and runtime-knowledge modules may know (CONTRIBUTING.md).
check-layout:
	$(PYTHON) tools/check-layout.py

# libFuzzer targets (tests/fuzz/fuzz_<parser>.c) over the core built with
# clang's fuzzer instrumentation and ASan+UBSan; seeds in tests/fuzz/corpus/.
# `make fuzz FUZZ_SECONDS=N` runs each target N seconds (scripts/fuzz.sh).
FUZZ_CC ?= clang-16
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build-fuzz
FUZZ_CFLAGS := -std=gnu11 -pthread -D_GNU_SOURCE -Iinclude -Iext $(WARN) \
	-Wno-format-nonliteral \
	-O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJS := $(CORE_SRCS:ext/%.c=$(FUZZ_BUILD)/core/%.o) \
	$(FUZZ_BUILD)/gen/profile.pb-c.o

$(FUZZ_BUILD)/core/%.o: ext/%.c $(HEADERS) $(GEN)/profile.pb-c.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -I$(GEN) \
		-fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

# The generated protobuf code (made in $(GEN) by the normal build's rule).
$(FUZZ_BUILD)/gen/profile.pb-c.o: $(GEN)/profile.pb-c.c $(GEN)/profile.pb-c.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(filter-out -Werror,$(FUZZ_CFLAGS)) -I$(GEN) \
		-fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(FUZZ_BUILD)/libleakdump.a: $(FUZZ_OBJS)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) \
		$(wildcard tests/unit/synth/*.h) $(FUZZ_BUILD)/libleakdump.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests/unit/synth -Itests/fuzz \
		-fsanitize=fuzzer,address,undefined -o $@ $< \
		$(FUZZ_BUILD)/libleakdump.a $(LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	nice -n 10 scripts/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# The short run `make test` does: every target 10 s from its seeds.
fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=10

# The whole suite (README's test command calls this through scripts/test.sh).
test: all check-layout check-unit asan fuzz-ci e2e asan-e2e

deps:
	scripts/setup-deps.sh

clean:
	rm -rf build build-asan build-fuzz leakdump/_leakdump*.so
