# The SDK: hermit-gcc, its specs file, the linker script, hermit-qemu.

$(BUILD)/sdk/hermit.specs: sdk/hermit.specs.in Makefile
	@mkdir -p $(@D)
	sed -e 's|@MUSL_INC@|$(MUSL_INC)|g; s|@MUSL_LIB@|$(MUSL_LIB)|g; s|@ROOT@|$(ROOT)|g' $< >$@

$(BIN)/hermit-gcc: sdk/hermit-gcc.in $(BUILD)/sdk/hermit.specs
	@mkdir -p $(@D)
	sed -e 's|@ROOT@|$(ROOT)|g' $< >$@
	chmod +x $@

$(BIN)/hermit-qemu: sdk/hermit-qemu
	@mkdir -p $(@D)
	cp $< $@
	chmod +x $@

all: $(BIN)/hermit-gcc $(BIN)/hermit-qemu
