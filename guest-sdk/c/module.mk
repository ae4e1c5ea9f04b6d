# module.mk builds a chatwasm module written in C on chatwasm.h with clang
# (scripts/install-toolchains c). A module's Makefile sets SDK (the path of
# this directory), MODULE (the module's name: it makes MODULE.wasm), SRC
# (its C files) and FLAGS (clang's: the target, libc or none, warnings),
# then includes this file.
CLANG ?= clang

.PHONY: all clean
all: $(MODULE).wasm

$(MODULE).wasm: $(SRC) $(SDK)/chatwasm.h
	$(CLANG) $(FLAGS) -I$(SDK) -o $@ $(SRC)

clean:
	rm -f $(MODULE).wasm
