# module.mk builds a chatwasm module written in AssemblyScript on this SDK
# with the compiler pinned here (scripts/install-toolchains as installs it
# in node_modules). A module's Makefile sets SDK (the path of this
# directory), MODULE (the module's name: it makes MODULE.wasm) and SRC (its
# entry file), then includes this file.
ASC := $(SDK)/node_modules/.bin/asc
# abort: AssemblyScript imports env.abort unless told to use the SDK's.
ASC_FLAGS := -Oz --runtime incremental --path $(SDK)/node_modules --use abort=$(SDK)/assembly/index/abort

.PHONY: all clean
all: $(MODULE).wasm

$(MODULE).wasm: $(SRC) $(wildcard $(SDK)/assembly/*.ts)
	@test -x $(ASC) || { echo "no AssemblyScript compiler in $(SDK)/node_modules: run scripts/install-toolchains as" >&2; exit 1; }
	$(ASC) $(SRC) -o $@ $(ASC_FLAGS)

clean:
	rm -f $(MODULE).wasm
