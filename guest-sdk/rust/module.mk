# module.mk builds a chatwasm module written in Rust on chatwasm.rs with
# rustc alone: no cargo, no crates (scripts/install-toolchains rust). A
# module's Makefile sets SDK (the path of this directory), MODULE (the
# module's name: it makes MODULE.wasm) and SRC (its crate root, which
# includes chatwasm.rs by #[path]), then includes this file.

# RUSTC is the first rustc that has the standard library for
# wasm32-unknown-unknown: Debian's /usr/bin/rustc when a rustup one on PATH
# lacks the target.
ifeq ($(origin RUSTC),undefined)
RUSTC := $(firstword $(foreach r,$(shell command -v rustc) /usr/bin/rustc,\
	$(if $(wildcard $(shell $(r) --print sysroot 2>/dev/null)/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib),$(r))))
endif
RUST_FLAGS := --edition 2021 --target wasm32-unknown-unknown --crate-type cdylib \
              -C opt-level=s -C lto -C codegen-units=1 -C strip=symbols -D warnings

.PHONY: all clean
all: $(MODULE).wasm

$(MODULE).wasm: $(SRC) $(SDK)/chatwasm.rs
	@test -n "$(RUSTC)" || { echo "no rustc with the wasm32-unknown-unknown target: run scripts/install-toolchains rust" >&2; exit 1; }
	$(RUSTC) $(RUST_FLAGS) -o $@ $(SRC)

clean:
	rm -f $(MODULE).wasm
