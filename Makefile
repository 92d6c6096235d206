# isolator: the two commands a newcomer needs are `make demo` and `make check`.
# Meson + ninja build user space; this file installs what is missing (Debian
# packages, as root), and fronts the kernel and VM scripts.
#
#   make            build: build/isolator, build/libisolator.so
#   make demo       build, then `isolator bench response` for 10 s: the
#                   table, and the plot in build/demo-response.png
#   make check      every test suite: unit, simulated system, command line,
#                   ASan/UBSan, TSan (channels), the Debian packages, and every
#                   guest suite in one VM boot per architecture (vm-check)
#   make install    PREFIX=/usr/local (DESTDIR honoured); runs ldconfig
#   make deb        Debian packages in build/deb (libisolator0, -dev, isolator)
#   make check-deb  make deb, then install them in a scratch root and build
#                   and run the README example against them with pkg-config
#   make kernel     build/kernel/bzImage with the isolator patches
#                   (ARCH=arm64: build/kernel-arm64/Image, cross-built)
#   make kernel-series  build/series/: the series as it would be mailed, with
#                   the generated last patch that adds the in-guest tests as
#                   kselftests (tools/testing/selftests/isolator)
#   make vm-test    boot it under QEMU and run the in-guest tests (TAP)
#   make vm-bench   the same kernel: isolator bench on gpio-sim and ivshmem (TAP)
#   make vm-model   the same kernel: the latency model's bound vs timerlat (TAP)
#   make vm-check   all three guest suites in one boot, per architecture
#   make vm-table   the README's kernel table: t1 alone in one boot, as markdown
#   make vm-cost    instructions per event on the kernel's hot paths, counted by
#                   a QEMU plugin: CONFIG_ISOLATOR=n vs the series
#   make vm-entry   x86 entry safety: objtool noinstr validation (DEBUG_ENTRY
#                   kernel) and t26, a kprobe on the isolated CPU's entry path
# The vm-* targets take ARCH=x86_64 (default) or ARCH=arm64; all of them are
# vm/run.sh (the one VM runner), which builds the kernel first.

PREFIX ?= /usr/local
BUILD  ?= build
ASAN   ?= build-asan
MESON_OPTS ?=

.PHONY: all deps demo check check-unit check-asan check-tsan check-deb deb install kernel kernel-series vm-test \
	vm-bench vm-model vm-check vm-table vm-cost vm-entry clean

ARCH ?= x86_64
# the architectures make check boots
VM_ARCHS ?= x86_64 arm64

all: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

deps:
	@scripts/deps.sh build model formats explain

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_OPTS)

demo: all
	@scripts/deps.sh bench
	$(BUILD)/isolator bench response --duration 10 --plot $(BUILD)/demo-response.png

check: check-unit check-asan check-tsan check-deb vm-check

check-unit: all
	@scripts/deps.sh plot
	meson test -C $(BUILD) --print-errorlogs

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
check-asan: deps
	@scripts/deps.sh sanitize plot
	@[ -f $(ASAN)/build.ninja ] || meson setup $(ASAN) -Db_sanitize=address,undefined \
		-Db_lundef=false $(MESON_OPTS)
	ninja -C $(ASAN)
	ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C $(ASAN) --print-errorlogs

# The channel suite under ThreadSanitizer (the rings' barrier pairs, both
# layouts, bursts, doorbells, and the C++ fast path); the stress test runs
# 10^6 messages per layout there instead of 10^8.
TSAN ?= build-tsan
TSAN_CPP = $(addprefix tests/test_cpp_,cpp11 cpp14 cpp17 cpp20 cpp23)
check-tsan: deps
	@[ -f $(TSAN)/build.ninja ] || meson setup $(TSAN) -Db_sanitize=thread -Db_lundef=false $(MESON_OPTS)
	ninja -C $(TSAN) tests/test_channel tests/test_chan_stress tests/test_pool $(TSAN_CPP)
	TSAN_OPTIONS=halt_on_error=1 meson test -C $(TSAN) --no-rebuild --suite channel --print-errorlogs

# meson runs scripts/post-install.sh: ldconfig and a systemd reload (not
# into a DESTDIR).
install: all
	meson install -C $(BUILD) $(if $(DESTDIR),--destdir $(DESTDIR))

DEB ?= $(BUILD)/deb
deb:
	@scripts/deps.sh build model deb
	scripts/mkdeb.sh $(DEB)

check-deb: deb
	tests/deb_install.sh $(DEB)

kernel:
	kernel/build.sh $(ARCH)

kernel-series:
	kernel/build.sh series

vm-test:
	vm/run.sh --arch $(ARCH) kernel

vm-bench:
	vm/run.sh --arch $(ARCH) bench

# t1 alone: interrupts on CPU 3 and housekeeping progress, stock vs isolated,
# forced deliveries and culprits, from one boot, as the README's markdown.
vm-table:
	kernel/vm-table.sh --arch $(ARCH)

# Not in make check: two boots under the instruction-counting plugin and a
# second kernel build (about 20 min on the shared 2 cores).
vm-cost: all
	vm/cost.sh --arch $(ARCH)

vm-entry:
	kernel/entry-check.sh

# The latency model's bound against timerlat, recorded together in the VM.
vm-model:
	vm/run.sh --arch $(ARCH) model

# One boot per architecture (plus one per distinct vm-cmdline) for all suites;
# a failing architecture does not hide the next one's results.
vm-check:
	@st=0; for a in $(VM_ARCHS); do vm/run.sh --arch $$a kernel bench model || st=1; done; exit $$st

clean:
	rm -rf $(ASAN) $(TSAN)
	# keep build/kernel*: the kernel tree and its objects take minutes to rebuild
	[ ! -d $(BUILD) ] || find $(BUILD) -mindepth 1 -maxdepth 1 ! -name 'kernel*' -exec rm -rf {} +
