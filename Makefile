# slant - news framing and outlet-type classifier.
#
#   make            build ./slant (and build/libslant.a, build/libslant.so)
#   make demo       install missing packages, build, classify examples/ with the shipped model
#   make check      install missing packages, build, run every test (Criterion + CLI)
#   make sanitize   the test suite under AddressSanitizer and UBSan (build-san/)
#   make tsan       classify and train with two threads under ThreadSanitizer (build-tsan/)
#   make fuzz       the libFuzzer harnesses of tests/fuzz, FUZZ_SECONDS each (build-fuzz/)
#   make fuzz-coverage   line coverage of the library by the fuzzers' corpora (build-cov/)
#   make model      retrain models/default.slant from training/data and CORPUS (reproducible)
#   make bench      speed and accuracy against fastText and scikit-learn
#   make bench-abstain   the language check on CORPUS and on foreign samples
#   make install PREFIX=/usr/local [DESTDIR=stage]   binary, library (static and shared),
#                   header, slant.pc, man page and model; rebuilt for that PREFIX
#   make install-check   install into build-install/prefix, build examples/classify.c
#                   with pkg-config (shared and static) and run it
#   make check-exports   libslant.so exports exactly the functions slant.h declares
#
# Settings you may override:  make CC=clang OPT=-O0 SAN=address,undefined WERROR=-Werror
#                             make model CORPUS=dir/with/real.jsonl

SHELL   := /bin/bash
CC      ?= cc
OPT     ?= -O2 -g
WERROR  ?=
SAN     ?=
BUILD   ?= build$(if $(SAN),-san)
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share/slant
MANDIR     ?= $(PREFIX)/share/man
# libslant.so.$(SOVERSION) -> libslant.so.$(VERSION); the soname changes when the ABI breaks
VERSION  := $(shell sed -n 's/^\#define SLANT_VERSION "\(.*\)"/\1/p' include/slant.h)
SOVERSION = 0

STD   = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN  = -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
        -Wold-style-definition -Wwrite-strings -Wformat=2 -Wundef -Wconversion \
        -Wdouble-promotion -Wcast-qual -Wpointer-arith -Wvla -Wnull-dereference
PKGS  = jansson libutf8proc zlib libxml-2.0
# only locate.c needs it; it is rebuilt when PREFIX changes ($(BUILD)/install-dirs)
DEFS  = -DSLANT_DATADIR='"$(DATADIR)"'

CPPFLAGS += -Iinclude -MMD -MP
CFLAGS   += $(STD) $(WARN) $(WERROR) $(OPT) $(EXTRA_CFLAGS) -pthread \
            $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
LDFLAGS  += -pthread $(if $(SAN),-fsanitize=$(SAN))
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -ljansson -lutf8proc -lz -lxml2)
# libsvm and libstemmer ship no .pc on Debian
LDLIBS   += $(PKG_LIBS) -lsvm -lstemmer -lm

LIB_SRC = src/util.c src/io.c src/vocab.c src/text.c src/stem.c src/features.c \
          src/dataset.c src/mask.c src/folds.c src/jsonl.c src/svm.c src/gram.c src/calibrate.c \
          src/train.c src/threads.c src/model.c src/record.c src/batch.c src/input.c src/style.c \
          src/classify.c src/metrics.c src/decode.c src/html.c src/abstain.c src/walk.c src/locate.c \
          src/shingle.c src/wdiff.c src/relation.c src/trace.c src/trace_input.c src/spin.c \
          src/audit.c src/audit_record.c src/audit_file.c src/audit_report.c src/audit_html.c \
          src/audit_json.c src/audit_run.c src/audit_trace.c
CLI_SRC = src/cli/cli.c src/cli/cmd_classify.c src/cli/cmd_train.c src/cli/cmd_report.c \
          src/cli/output.c src/cli/cmd_trace.c src/cli/cmd_spin.c src/cli/trace_frames.c \
          src/cli/cmd_audit.c
TEST_SRC = $(sort $(wildcard tests/test_*.c)) tests/helpers.c

LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/%.o)
CLI_OBJ  = $(CLI_SRC:src/cli/%.c=$(BUILD)/cli/%.o)
TEST_OBJ = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.o)

DEPS = libsvm-dev libstemmer-dev libjansson-dev libcriterion-dev libutf8proc-dev zlib1g-dev \
       libxml2-dev pkg-config python3 mythes-en-us
# where 'make model' finds the real articles (training/SOURCES.md)
CORPUS ?= ../shared/corpus

.PHONY: all demo check test sanitize sanitize-run tsan tsan-run fuzz fuzz-run fuzz-coverage \
        fuzz-coverage-run model deps bench \
        bench-abstain install install-check check-exports clean echo FORCE

all: slant $(BUILD)/libslant.so

slant: $(BUILD)/slant
	cp $(BUILD)/slant slant.tmp && mv -f slant.tmp slant

$(BUILD)/libslant.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

# The shared library is built from the same objects, so they are all
# position-independent; no semantic interposition keeps calls inside the
# library as direct as in the static build. Only the slant_ API is
# exported (src/libslant.map).
$(LIB_OBJ): CFLAGS += -fPIC -fno-semantic-interposition
$(BUILD)/libslant.so.$(VERSION): $(LIB_OBJ) src/libslant.map
	$(CC) -shared $(LDFLAGS) -Wl,-soname,libslant.so.$(SOVERSION) \
	    -Wl,--version-script=src/libslant.map $(if $(SAN),,-Wl,--no-undefined) \
	    -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/libslant.so: $(BUILD)/libslant.so.$(VERSION)
	ln -sf libslant.so.$(VERSION) $(BUILD)/libslant.so.$(SOVERSION)
	ln -sf libslant.so.$(SOVERSION) $@

$(BUILD)/slant.pc: slant.pc.in $(BUILD)/install-dirs
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' slant.pc.in > $@

# The install directories, rewritten only when they change, so that
# locate.o (which bakes in DATADIR) and slant.pc follow PREFIX.
$(BUILD)/install-dirs: FORCE | $(BUILD)
	@echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(DATADIR)' | cmp -s - $@ || \
	    echo '$(PREFIX) $(LIBDIR) $(INCLUDEDIR) $(DATADIR)' > $@
$(BUILD)/locate.o: CPPFLAGS += $(DEFS)
$(BUILD)/locate.o: $(BUILD)/install-dirs

# Every exported symbol of the shared library is declared in a public
# header (include/), and every function they declare is exported.
check-exports: $(BUILD)/libslant.so
	@nm -D --defined-only $(BUILD)/libslant.so | awk '$$2 == "T" {print $$3}' | sort > $(BUILD)/exports.txt
	@cat include/*.h | $(CC) -Iinclude -E -P - | grep -oE '\bslant_[a-z0-9_]+ *\(' | tr -d ' (' | \
	    sort -u > $(BUILD)/declared.txt
	@diff -u $(BUILD)/declared.txt $(BUILD)/exports.txt && \
	    echo "check-exports: $$(wc -l < $(BUILD)/exports.txt) functions, exports match include/*.h"

$(BUILD)/slant: $(BUILD)/cli/main.o $(CLI_OBJ) $(BUILD)/libslant.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

# The command line (src/cli/) is built on the public API alone,
# include/slant.h: the library's private headers are out of its reach.
$(BUILD)/cli/%.o: src/cli/%.c | $(BUILD)/cli
	$(CC) $(CPPFLAGS) $(DEFS) $(PKG_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -iquote src -iquote src/cli $(PKG_CFLAGS) $(shell pkg-config --cflags criterion 2>/dev/null) \
	    $(CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(BUILD)/slant-tests: $(TEST_OBJ) $(CLI_OBJ) $(BUILD)/libslant.a
	$(CC) $(LDFLAGS) -o $@ $^ $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion) $(LDLIBS)

$(BUILD) $(BUILD)/tests $(BUILD)/cli:
	mkdir -p $@

# Install what a fresh Debian 12 machine lacks (as root, or with sudo).
deps:
	@missing=""; for p in $(DEPS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	    $$SUDO apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

demo: deps
	$(MAKE) slant
	@for f in examples/*.txt; do echo "== $$f"; ./slant classify --top 4 "$$f" || exit 1; echo; done

check: deps
	$(MAKE) slant $(BUILD)/slant-tests
	python3 training/validate.py --strict
	python3 -m unittest discover -s training/farm
	SLANT_BIN=./slant SLANT_CORPUS=$(CORPUS) $(BUILD)/slant-tests --timeout 900 -j2

test: check

# ASan/UBSan reports make a test fail, but Criterion ignores LeakSanitizer's
# reports, so every sanitizer report also goes to a log directory that must
# stay empty.
sanitize: deps
	@for p in clang libclang-rt-14-dev; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q "ok installed" || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$p; }; done
	$(MAKE) SAN=address,undefined CC=clang sanitize-run

sanitize-run: $(BUILD)/slant-tests $(BUILD)/slant
	rm -rf $(BUILD)/sanlogs && mkdir -p $(BUILD)/sanlogs
	SLANT_BIN=$(BUILD)/slant SLANT_SANITIZED=1 ASAN_OPTIONS=detect_leaks=1:log_path=$(CURDIR)/$(BUILD)/sanlogs/asan \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/$(BUILD)/sanlogs/ubsan \
	    $(BUILD)/slant-tests --timeout 900 -j2
	@if [ -n "$$(ls -A $(BUILD)/sanlogs)" ]; then cat $(BUILD)/sanlogs/*; \
	    echo "sanitizer reports above"; exit 1; fi

# ThreadSanitizer on the command itself: classification with two workers
# sharing one model (thousands of documents, so batches overlap), training
# with the Gram matrix computed by two threads, and training through a Gram
# cache smaller than the data (two problems pinning and filling it at once).
# Any report stops it (exit 66).
tsan: deps
	@for p in clang libclang-rt-14-dev; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q "ok installed" || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$p; }; done
	$(MAKE) SAN=thread CC=clang BUILD=build-tsan tsan-run

tsan-run: $(BUILD)/slant
	printf '{"id":1,"text":"A bad line follows."}\n{"id":2,"text":oops}\n' > $(BUILD)/tsan-bad.jsonl
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(BUILD)/slant classify -j 4 --format jsonl \
	    training/data/*.jsonl $(BUILD)/tsan-bad.jsonl no-such-file.txt examples/*.txt \
	    > $(BUILD)/tsan-classify4.jsonl 2>/dev/null; test $$? -eq 1
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(BUILD)/slant classify -j 2 --format jsonl \
	    training/data/*.jsonl training/holdout/holdout.jsonl examples/*.txt \
	    > $(BUILD)/tsan-classify.jsonl
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(BUILD)/slant train -j 2 \
	    --out $(BUILD)/tsan.slant training/data/h1.jsonl
	TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(BUILD)/slant train -j 2 --gram-mb 20 \
	    --out $(BUILD)/tsan-cache.slant training/data/h1.jsonl training/data/h2.jsonl \
	    training/data/h3.jsonl training/data/h4.jsonl
	rm -rf $(BUILD)/tsan-audit && TSAN_OPTIONS=halt_on_error=1:exitcode=66 $(BUILD)/slant audit -q -j 2 \
	    --checkpoint 20 --by domain --out $(BUILD)/tsan-audit training/holdout/holdout.jsonl
	@echo "tsan: no data races in classify -j 4 (bad records and a missing file among them), classify -j 2, train -j 2 or audit -j 2 (whole Gram matrix and Gram cache)"

# libFuzzer harnesses (tests/fuzz/), each run FUZZ_SECONDS from its seed
# corpus (tests/fuzz/corpus/NAME) under ASan and UBSan; a crash stops the run
# and leaves its input in build-fuzz/. CI runs each for a short while.
FUZZERS      = jsonl model classify dataset decode audit train batch walk
FUZZ_SECONDS ?= 60
# FUZZ_RUNS=N runs N inputs each instead, and with FUZZ_SEED fixed the run
# is the same every time: what CI does, so that it never fails by chance
FUZZ_RUNS    ?=
FUZZ_SEED    ?= 0
FUZZ_LIMIT    = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS),-max_total_time=$(FUZZ_SECONDS))
# the training harness trains a model an input, and the directory harness
# makes a tree of files an input: a thirtieth of the runs each
FUZZ_SLOW        = train walk
FUZZ_LIMIT_slow  = $(if $(FUZZ_RUNS),-runs=$(shell echo $$(( $(FUZZ_RUNS) / 30 ))),$(FUZZ_LIMIT))
fuzz: deps
	@for p in clang libclang-rt-14-dev; do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | \
	    grep -q "ok installed" || { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$p; }; done
	$(MAKE) CC=clang BUILD=build-fuzz SAN=address,undefined \
	    EXTRA_CFLAGS=-fsanitize=fuzzer-no-link fuzz-run

fuzz-run: $(FUZZERS:%=$(BUILD)/fuzz_%)
	@for f in $(FUZZERS); do \
	    mkdir -p $(BUILD)/fuzz-corpus/$$f $(BUILD)/fuzz-crashes/$$f; \
	    limit="$(FUZZ_LIMIT)"; case " $(FUZZ_SLOW) " in *" $$f "*) limit="$(FUZZ_LIMIT_slow)";; esac; \
	    echo "fuzz: $$f ($$limit)"; \
	    dict=""; [ -f tests/fuzz/$$f.dict ] && dict=-dict=tests/fuzz/$$f.dict; \
	    $(BUILD)/fuzz_$$f $$limit -seed=$(FUZZ_SEED) $$dict -timeout=20 -rss_limit_mb=2048 \
	        -max_len=65536 -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz-crashes/$$f/ \
	        $(BUILD)/fuzz-corpus/$$f tests/fuzz/corpus/$$f 2>&1 | \
	        grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|INFO: Running)' ; \
	    [ "$${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz: $$f failed"; exit 1; }; \
	done; echo "fuzz: no crash, hang or sanitizer report in $(FUZZERS)"

# Line coverage of the library by each harness's corpus (its seeds, and
# the inputs make fuzz kept in FUZZ_CORPORA/NAME): build-cov/coverage.txt,
# per source file.
FUZZ_CORPORA ?= build-fuzz/fuzz-corpus
fuzz-coverage: deps
	$(MAKE) CC=clang BUILD=build-cov SAN=address,undefined \
	    EXTRA_CFLAGS="-fsanitize=fuzzer-no-link -fprofile-instr-generate -fcoverage-mapping" \
	    fuzz-coverage-run

fuzz-coverage-run: $(FUZZERS:%=$(BUILD)/fuzz_%)
	@rm -f $(BUILD)/*.profraw
	@for f in $(FUZZERS); do \
	    dirs=tests/fuzz/corpus/$$f; [ -d $(FUZZ_CORPORA)/$$f ] && dirs="$(FUZZ_CORPORA)/$$f $$dirs"; \
	    LLVM_PROFILE_FILE=$(BUILD)/$$f.profraw $(BUILD)/fuzz_$$f -runs=0 -rss_limit_mb=2048 \
	        -max_len=65536 $$dirs > $(BUILD)/$$f.cov.log 2>&1 || { echo "fuzz-coverage: $$f failed"; exit 1; }; \
	done
	llvm-profdata merge -sparse $(BUILD)/*.profraw -o $(BUILD)/fuzz.profdata
	llvm-cov report $(BUILD)/fuzz_$(firstword $(FUZZERS)) $(patsubst %,-object $(BUILD)/fuzz_%,$(wordlist 2,99,$(FUZZERS))) \
	    -instr-profile=$(BUILD)/fuzz.profdata $(LIB_SRC) > $(BUILD)/coverage.txt
	@tail -1 $(BUILD)/coverage.txt; echo "fuzz-coverage: per file in $(BUILD)/coverage.txt"

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(BUILD)/libslant.a
	$(CC) $(CPPFLAGS) -iquote src $(PKG_CFLAGS) $(STD) -g -O1 $(EXTRA_CFLAGS) -fsanitize=fuzzer,address,undefined \
	    -fno-omit-frame-pointer -o $@ $< $(BUILD)/libslant.a $(LDLIBS) -pthread

model: deps slant
	training/retrain.sh $(CORPUS) models/default.slant ./slant

bench: slant
	bench/run.sh

# the language check's figures in bench/README.md
bench-abstain: $(BUILD)/abstain_stats
	$(BUILD)/abstain_stats $(CORPUS)/real.jsonl
	$(BUILD)/abstain_stats tests/data/lang/*.txt

$(BUILD)/abstain_stats: bench/abstain_stats.c $(BUILD)/libslant.a
	$(CC) $(CPPFLAGS) -iquote src $(PKG_CFLAGS) $(CFLAGS) -o $@ $< $(BUILD)/libslant.a $(LDFLAGS) $(LDLIBS)

# Built for PREFIX (the binary and the library look for the model in
# DATADIR); DESTDIR only stages the files, for packaging.
install: $(BUILD)/slant $(BUILD)/libslant.a $(BUILD)/libslant.so $(BUILD)/slant.pc
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DATADIR)
	install -m 755 $(BUILD)/slant $(DESTDIR)$(BINDIR)/slant
	install -m 644 include/*.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(BUILD)/libslant.a $(DESTDIR)$(LIBDIR)/libslant.a
	install -m 755 $(BUILD)/libslant.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libslant.so.$(VERSION)
	ln -sf libslant.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libslant.so.$(SOVERSION)
	ln -sf libslant.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libslant.so
	install -m 644 $(BUILD)/slant.pc $(DESTDIR)$(LIBDIR)/pkgconfig/slant.pc
	install -m 644 docs/slant.1 $(DESTDIR)$(MANDIR)/man1/slant.1
	install -m 644 models/default.slant $(DESTDIR)$(DATADIR)/default.slant
	install -m 644 models/collocations.tsv $(DESTDIR)$(DATADIR)/collocations.tsv

# What a user of the library does: install, then build examples/classify.c
# with pkg-config, against the shared library and against the static one,
# and run both from a directory with no model beside them (the model is
# found in the installed DATADIR). Its own build directory leaves build/
# and ./slant alone.
IC = build-install
install-check:
	rm -rf $(IC)/prefix $(IC)/stage $(IC)/example
	$(MAKE) BUILD=$(IC) PREFIX=$(CURDIR)/$(IC)/prefix install
	$(MAKE) BUILD=$(IC) PREFIX=/usr DESTDIR=$(CURDIR)/$(IC)/stage install
	test -f $(IC)/stage/usr/lib/pkgconfig/slant.pc && grep -qx 'prefix=/usr' $(IC)/stage/usr/lib/pkgconfig/slant.pc
	mkdir -p $(IC)/example
	export PKG_CONFIG_PATH=$(CURDIR)/$(IC)/prefix/lib/pkgconfig && \
	$(CC) -std=c11 -Wall -Wextra -Werror -o $(IC)/example/classify examples/classify.c \
	    $$(pkg-config --cflags --libs slant) && \
	$(CC) -std=c11 -Wall -Wextra -Werror -o $(IC)/example/classify-static examples/classify.c \
	    $$(pkg-config --cflags slant) $$(pkg-config --static --libs slant | sed 's/-lslant /-l:libslant.a /')
	readelf -d $(IC)/example/classify | grep -q 'NEEDED.*libslant.so.$(SOVERSION)'
	! readelf -d $(IC)/example/classify-static | grep -q 'NEEDED.*libslant'
	cd $(IC)/example && env -u SLANT_MODEL LD_LIBRARY_PATH=$(CURDIR)/$(IC)/prefix/lib \
	    ./classify ../../examples/wire-desalination.txt | tee classify.out && grep -q "outlet_type wire" classify.out
	cd $(IC)/example && env -u SLANT_MODEL ./classify-static ../../examples/wire-desalination.txt | grep -q "outlet_type wire"
	$(MAKE) BUILD=$(IC) check-exports
	@echo "install-check: installed, built with pkg-config (shared and static) and ran"

echo:
	@echo "CC=$(CC)"; echo "CFLAGS=$(CFLAGS)"; echo "LDLIBS=$(LDLIBS)"

clean:
	rm -rf build build-san build-tsan build-fuzz build-cov build-install slant

-include $(wildcard $(BUILD)/*.d $(BUILD)/cli/*.d $(BUILD)/tests/*.d)
