# Examples: each examples/NAME/*.c becomes the image build/examples/NAME,
# built with hermit-gcc exactly as a user would build their own program.

EXAMPLES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard examples/*/*.c)))))

define example_rule
$(BUILD)/examples/$(1): $(wildcard examples/$(1)/*.c examples/$(1)/*.h) $(BIN)/hermit-gcc $(KLIB) $(ROOT)/sdk/hermit.ld
	@mkdir -p $$(@D)
	$(BIN)/hermit-gcc -O2 -g -Wall -Wextra -Werror -o $$@ $(wildcard examples/$(1)/*.c)
all: $(BUILD)/examples/$(1)
endef
$(foreach e,$(EXAMPLES),$(eval $(call example_rule,$(e))))
