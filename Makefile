# orch — the only build entry point.
#
# Public targets (deps, all, run, test, bench, fuzz, asan, tsan, install,
# clean) first make sure the Debian packages are present, then re-enter this
# Makefile for the real work, so that pkg-config is asked only once the
# libraries are installed.

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 60
BUILD    ?= build
SAN      ?=
OPT      ?= -O2

DEB_PKGS = libevent-dev libmsgpack-dev libyaml-dev liblz4-dev libcmocka-dev \
           libjansson-dev pkg-config tmux clang libclang-rt-14-dev \
           libzmq3-dev libnng-dev bubblewrap jq nodejs curl git \
           python3-prometheus-client libncurses-dev chromium
PKGS     = libevent msgpack yaml-0.1 liblz4 jansson

VERSION  = 0.1.0
# Builds run this many jobs at once, and the end-to-end scripts (E2E_JOBS).
NPROC   := $(shell nproc 2>/dev/null || echo 2)
WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS_ALL = -std=gnu11 $(WARN) $(OPT) -g -I. -D_GNU_SOURCE \
             -DORCH_VERSION='"$(VERSION)"' $(SAN) \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) $(CFLAGS)
LDLIBS_ALL = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lrt -lm $(LDLIBS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

# The lock-free shared-memory code also runs its suites under TSan in make test.
TSAN_TESTS = build/tsan/tests/unit/test_ring build/tsan/tests/unit/test_bank \
             build/tsan/tests/unit/test_ring_notify build/tsan/tests/unit/test_lock
ASAN_FLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
TSAN_FLAGS = -fsanitize=thread -fno-omit-frame-pointer

# Modules -------------------------------------------------------------------

COMMON_SRC = common/audit.c common/clock.c common/gate.c common/log.c common/shquote.c common/xmalloc.c common/rundir.c common/proc.c \
             common/strlist.c common/tasklog.c common/proctree.c common/sockowner.c common/termtext.c common/utf8.c common/tmux.c common/compat.c
IPC_SRC    = ipc/agent_config.c ipc/agent_config_wire.c ipc/perm.c ipc/permtab.c ipc/proto.c ipc/msgcheck.c ipc/frame.c ipc/envelope.c \
             ipc/pending.c ipc/sock.c ipc/peer.c ipc/body.c ipc/body_json.c ipc/relay.c
SUP_SRC    = supervisor/yamldoc.c supervisor/schema.c supervisor/config.c supervisor/config_mcp.c supervisor/config_claude.c supervisor/config_wire.c \
             supervisor/restart.c supervisor/workflow.c \
             supervisor/workflow_check.c supervisor/runner.c supervisor/runner_claude.c \
             supervisor/spawn.c supervisor/tasktable.c supervisor/logpipe.c \
             supervisor/load.c supervisor/metrics.c supervisor/gc.c supervisor/fsm.c supervisor/hub.c
SHM_SRC    = shm/futex.c shm/ring.c shm/lock.c shm/arena.c shm/bank.c shm/bank_access.c shm/bank_read.c \
             shm/region.c shm/ring_notify.c shm/serve.c
ACT_SRC    = actors/scrollback.c actors/childwatch.c actors/sandbox.c actors/session.c actors/session_pty.c actors/session_tmux.c actors/session_iterm.c actors/tmuxctl.c \
             actors/task.c actors/inbox.c actors/mcp_tools.c actors/mcp_args.c
LIB_SRC    = $(COMMON_SRC) $(IPC_SRC) $(SUP_SRC) $(ACT_SRC) $(SHM_SRC)
LIB_OBJ    = $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIB        = $(BUILD)/liborch.a

BINS       = $(BUILD)/bin/orch-ipc-demo $(BUILD)/bin/orch-actor \
             $(BUILD)/bin/orch-supervisor $(BUILD)/bin/orch-ctl \
             $(BUILD)/bin/orch-attach $(BUILD)/bin/orch-mcp
BENCHES    = $(BUILD)/bench/bench_ipc $(BUILD)/bench/bench_spawn \
             $(BUILD)/bench/bench_shm $(BUILD)/bench/bench_msg \
             $(BUILD)/bench/bench_gate
# The benchmarks' peers (ZeroMQ, nng); nothing else links them.
CURSES_LIBS = $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)
BENCH_LIBS = $(shell pkg-config --libs libzmq 2>/dev/null) -lnng

# The sanitized and portable passes run the scripts that run binaries (not
# check_layers, which reads the source tree only), as the plain pass does
# E2E_JOBS at a time (each script has its own instance, directory and
# sleeps; the machine's cores are what bounds them).
E2E_BIN    = $(filter-out tests/e2e/check_layers.sh,$(wildcard tests/e2e/*.sh))
E2E_JOBS  ?= $(NPROC)
# make test's portable pass: the scripts that lean on what the portable
# build does its own way (caller identity and session kills from ps, the
# ring's polled wait, parent death from the link's EOF, fds from /dev/fd).
# Every ps-walk is a fork, so the whole suite there takes six minutes on two
# cores: make test-portable runs it all.
E2E_PORTABLE = $(addprefix tests/e2e/,bus_follower_cpu.sh ctl_escape.sh \
	ctl_untold.sh ipc_dead_peer.sh msg_direct.sh perm.sh session_rc.sh sup_gc.sh \
	sup_kill9.sh sup_lifecycle.sh sup_restart.sh sup_shutdown.sh wf_events.sh)
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BINS  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
FUZZ_SRC   = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS  = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

# Public targets ------------------------------------------------------------

.PHONY: all deps run tour test test-portable bench fuzz asan tsan install clean \
        build unit-build fuzz-build portable-build check-unit check-e2e check-fuzz

all: deps
	@$(MAKE) --no-print-directory build

deps:
	@missing=""; \
	if ! command -v dpkg-query >/dev/null 2>&1; then \
	  echo "deps: not a Debian system; install by hand: $(DEB_PKGS)" >&2; exit 0; \
	fi; \
	for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; \
	  elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; \
	  else echo "deps: missing:$$missing (need root or sudo to install)" >&2; exit 1; fi; \
	  echo "deps: installing:$$missing"; \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing || exit 1; \
	fi; \
	if [ ! -f tests/mcp/node_modules/.package-lock.json ] || \
	   [ tests/mcp/package-lock.json -nt tests/mcp/node_modules/.package-lock.json ]; then \
	  echo "deps: installing the test-only npm packages of tests/mcp (pinned by its lock file)"; \
	  npm ci --prefix tests/mcp --no-audit --no-fund --loglevel=error || exit 1; \
	fi

run: deps
	@$(MAKE) --no-print-directory build
	@$(BUILD)/bin/orch-supervisor -L quickstart -w examples/quickstart.yaml

tour: deps
	@$(MAKE) --no-print-directory build
	@tools/demo.sh $(BUILD)/bin

test: deps
	@rm -rf $(BUILD)/results; mkdir -p $(BUILD)/results
	@$(MAKE) --no-print-directory -j$(NPROC) build unit-build
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/asan SAN="$(ASAN_FLAGS)" OPT=-O1 build unit-build
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/tsan SAN="$(TSAN_FLAGS)" OPT=-O1 $(TSAN_TESTS)
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/fuzz-replay fuzz-build
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/portable CFLAGS=-DORCH_PORTABLE portable-build
	@r=$(CURDIR)/$(BUILD)/results; \
	tests/run.sh "$$r" layers tools/check-layers.sh ; \
	tests/run.sh "$$r" unit $(BUILD)/tests/unit/test_* ; \
	tests/run.sh "$$r" unit-portable build/portable/tests/unit/test_* ; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run.sh "$$r" unit-asan build/asan/tests/unit/test_* ; \
	ORCH_BIN=$(CURDIR)/$(BUILD)/bin tests/run.sh -j $(E2E_JOBS) "$$r" e2e tests/e2e/*.sh ; \
	ORCH_BIN=$(CURDIR)/$(BUILD)/bin ORCH_BACKEND=tmux tests/run.sh -j $(E2E_JOBS) "$$r" e2e-tmux tests/e2e/wf_*.sh ; \
	ORCH_BIN=$(CURDIR)/build/asan/bin ASAN_OPTIONS=detect_leaks=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run.sh -j $(E2E_JOBS) "$$r" e2e-asan $(E2E_BIN) ; \
	ORCH_BIN=$(CURDIR)/build/portable/bin ORCH_PORTABLE=1 \
	  tests/run.sh -j $(E2E_JOBS) "$$r" e2e-portable $(E2E_PORTABLE) ; \
	TSAN_OPTIONS=halt_on_error=1 tests/run.sh "$$r" unit-tsan $(TSAN_TESTS) ; \
	tests/run.sh "$$r" fuzz build/fuzz-replay/fuzz/fuzz_* ; \
	tests/run.sh --total "$$r"

# Every Linux-only path switched off (common/compat.c, shm/futex.c): the
# portable fallbacks, built and run here since no other system runs CI.
test-portable: deps
	@$(MAKE) --no-print-directory -j$(NPROC) BUILD=build/portable CFLAGS=-DORCH_PORTABLE portable-build
	@rm -rf build/portable/results; r=$(CURDIR)/build/portable/results; \
	tests/run.sh "$$r" unit-portable build/portable/tests/unit/test_* ; \
	ORCH_BIN=$(CURDIR)/build/portable/bin ORCH_PORTABLE=1 \
	  tests/run.sh -j $(E2E_JOBS) "$$r" e2e-portable $(E2E_BIN) ; \
	tests/run.sh --total "$$r"

bench: deps
	@$(MAKE) --no-print-directory build
	@$(BUILD)/bench/bench_ipc
	@echo
	@$(BUILD)/bench/bench_spawn $(BUILD)/bin
	@echo
	@$(BUILD)/bench/bench_shm
	@echo
	@$(BUILD)/bench/bench_gate
	@echo
	@$(BUILD)/bench/bench_msg $(BUILD)/bin
	@echo
	@tools/bench/bench_workflow.sh $(BUILD)/bin
	@echo
	@tools/bench/bench_mcp.sh $(BUILD)/bin
	@echo
	@tools/bench/bench_dashboard.sh $(BUILD)/bin
	@echo
	@tools/bench/bench_claude.py $(BUILD)/bin
	@echo
	@tools/bench/bench_session.py $(BUILD)/bin

fuzz: deps
	@$(MAKE) --no-print-directory BUILD=build/fuzz-replay fuzz-build
	@for f in build/fuzz-replay/fuzz/fuzz_*; do \
	  n=$${f##*/fuzz_}; mkdir -p build/fuzz-corpus/$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 build/fuzz-corpus/$$n tests/fuzz/corpus/$$n || exit 1; \
	done

asan: deps
	@$(MAKE) --no-print-directory BUILD=build/asan SAN="$(ASAN_FLAGS)" OPT=-O1 build unit-build
	@ASAN_OPTIONS=detect_leaks=1 tests/run.sh build/asan/results unit-asan build/asan/tests/unit/test_*

tsan: deps
	@$(MAKE) --no-print-directory BUILD=build/tsan SAN="$(TSAN_FLAGS)" OPT=-O1 build unit-build
	@TSAN_OPTIONS=halt_on_error=1 tests/run.sh build/tsan/results unit-tsan build/tsan/tests/unit/test_*

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 docs/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 docs/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/

clean:
	rm -rf build

# Internal targets (run with the packages present) ---------------------------

build: $(BINS) $(BENCHES)
unit-build: $(UNIT_BINS)
# The portable pass needs the programs and unit suites, not the benchmarks.
portable-build: $(BINS) $(UNIT_BINS)
fuzz-build: $(FUZZ_BINS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# The dashboard's page, in the gateway as it is in web/ (no build step of
# its own: the bytes, as a C array).
$(BUILD)/gen/web_page.c: web/dashboard.html
	@mkdir -p $(@D)
	@{ echo '#include <stddef.h>'; \
	  echo 'const char gw_web_page[] = {'; \
	  od -An -v -tx1 $< | awk '{ for (i = 1; i <= NF; i++) printf "0x%s,", $$i; print "" }'; \
	  echo '0 };'; \
	  echo 'const size_t gw_web_page_len = sizeof gw_web_page - 1;'; } >$@

$(BUILD)/obj/gen/web_page.o: $(BUILD)/gen/web_page.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(BUILD)/bin/orch-ipc-demo: $(BUILD)/obj/tools/ipc_demo.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bin/orch-actor: $(BUILD)/obj/actors/actor.o $(BUILD)/obj/actors/actor_task.o $(BUILD)/obj/actors/actor_clients.o $(BUILD)/obj/actors/actor_msg.o \
    $(BUILD)/obj/actors/actor_type.o $(BUILD)/obj/actors/gateway.o \
    $(BUILD)/obj/actors/gateway_line.o $(BUILD)/obj/actors/gateway_http.o $(BUILD)/obj/actors/gateway_web.o \
    $(BUILD)/obj/gen/web_page.o \
    $(BUILD)/obj/actors/gateway_rpc.o $(BUILD)/obj/actors/gateway_res.o \
    $(BUILD)/obj/actors/claude.o $(BUILD)/obj/actors/claude_hook.o $(BUILD)/obj/actors/claude_print.o \
    $(BUILD)/obj/actors/claude_screen.o $(BUILD)/obj/actors/claude_gate.o \
    $(BUILD)/obj/actors/worktree.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

SUPERVISOR_OBJ = $(addprefix $(BUILD)/obj/supervisor/,main.o agent.o agent_claude.o agent_task.o agent_watch.o alert.o control.o dash.o control_task.o door.o msg.o ports.o sched.o sched_decide.o sched_io.o sched_metrics.o sched_result.o sched_view.o sched_timeline.o snapshot.o tmuxsrv.o)
$(BUILD)/bin/orch-supervisor: $(SUPERVISOR_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bin/orch-ctl: $(BUILD)/obj/tools/ctl.o $(BUILD)/obj/tools/ctl_audit.o $(BUILD)/obj/tools/ctl_mem.o $(BUILD)/obj/tools/ctl_msg.o $(BUILD)/obj/tools/ctl_task.o $(BUILD)/obj/tools/ctl_status.o $(BUILD)/obj/tools/ctl_hook.o $(BUILD)/obj/tools/top.o $(BUILD)/obj/tools/top_draw.o $(BUILD)/obj/tools/client.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) $(CURSES_LIBS)

$(BUILD)/bin/orch-attach: $(BUILD)/obj/tools/attach.o $(BUILD)/obj/tools/client.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bin/orch-mcp: $(BUILD)/obj/tools/mcp.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/bench_ipc: $(BUILD)/obj/tools/bench/bench_ipc.o $(BUILD)/obj/tools/bench/hist.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/bench_spawn: $(BUILD)/obj/tools/bench/bench_spawn.o $(BUILD)/obj/tools/bench/hist.o $(BUILD)/obj/tools/client.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/bench_gate: $(BUILD)/obj/tools/bench/bench_gate.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/bench/bench_shm: $(BUILD)/obj/tools/bench/bench_shm.o $(BUILD)/obj/tools/bench/hist.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL) $(BENCH_LIBS)

$(BUILD)/bench/bench_msg: $(BUILD)/obj/tools/bench/bench_msg.o $(BUILD)/obj/tools/bench/hist.o $(BUILD)/obj/tools/client.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

# Unit tests may wrap syscalls to force failures (tests/unit/<name>.wrap
# lists the symbols, one per line).
$(BUILD)/tests/unit/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS_ALL) -o $@ $(filter %.o,$^) $(filter %.a,$^) \
	  $(foreach s,$(shell cat tests/unit/$*.wrap 2>/dev/null),-Wl,--wrap=$(s)) \
	  $(LDLIBS_ALL) -lcmocka

# The scheduler is tested against a fake port onto its agents (a struct
# sched_port of the test's own), so it links the scheduler alone.
$(BUILD)/tests/unit/test_sched: $(BUILD)/obj/supervisor/sched.o \
    $(BUILD)/obj/supervisor/sched_decide.o $(BUILD)/obj/supervisor/sched_io.o $(BUILD)/obj/supervisor/sched_result.o \
    $(BUILD)/obj/supervisor/sched_view.o $(BUILD)/obj/supervisor/sched_metrics.o $(BUILD)/obj/supervisor/sched_timeline.o

# The interactive Claude Code driver, its session and actor the test's own.
$(BUILD)/tests/unit/test_claude: $(BUILD)/obj/actors/claude.o $(BUILD)/obj/actors/claude_hook.o $(BUILD)/obj/actors/claude_print.o \
    $(BUILD)/obj/actors/claude_screen.o $(BUILD)/obj/actors/claude_gate.o

$(BUILD)/tests/unit/test_worktree: $(BUILD)/obj/actors/worktree.o

# The gateway's JSON-RPC side, without its transports (the test has its own).
$(BUILD)/tests/unit/test_gateway: $(BUILD)/obj/actors/gateway.o $(BUILD)/obj/actors/gateway_rpc.o $(BUILD)/obj/actors/gateway_res.o

# Fuzzers are built with clang's libFuzzer plus ASan/UBSan from the
# sources, independent of $(CC): the library's objects once, each target
# linked against them.
FUZZ_FLAGS = -std=gnu11 -g -O1 -I. -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
             -DORCH_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_OBJ   = $(LIB_SRC:%.c=$(BUILD)/fuzzobj/%.o)
$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c -o $@ $<
$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_OBJ) $(LDLIBS_ALL)

# What a claude -p task prints, read as orch-actor reads it.
FUZZ_CP    = $(addprefix $(BUILD)/fuzzobj/actors/,claude_print.o claude_gate.o)
$(BUILD)/fuzz/fuzz_claude_print: tests/fuzz/fuzz_claude_print.c $(FUZZ_CP) $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_CP) $(FUZZ_OBJ) $(LDLIBS_ALL)

# The gateway's JSON-RPC side is in orch-actor, not the library.
FUZZ_GW    = $(addprefix $(BUILD)/fuzzobj/actors/,gateway.o gateway_rpc.o gateway_res.o)
$(BUILD)/fuzz/fuzz_gateway: tests/fuzz/fuzz_gateway.c $(FUZZ_GW) $(FUZZ_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(FUZZ_GW) $(FUZZ_OBJ) $(LDLIBS_ALL)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
