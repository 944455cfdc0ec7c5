# Examples: each examples/NAME/*.c becomes the image build/examples/NAME,
# built with hermit-gcc exactly as a user would build their own program.
# An example that needs other kernel features lists its images in
# examples/NAME/images, one "IMAGE: FEATURES" line each.

EXAMPLES := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard examples/*/*.c)))))

# example_images NAME: "IMAGE:FEATURE,FEATURE..." words for the example.
example_images = $(if $(wildcard examples/$(1)/images),$(shell sed -n 's/^\([A-Za-z0-9_.-]*\):[[:space:]]*\(.*\)/\1:\2/p' examples/$(1)/images | tr ' ' ','),$(1):)

define image_rule
$(BUILD)/examples/$(2): $(wildcard examples/$(1)/*.c examples/$(1)/*.h examples/$(1)/images) $(BIN)/hermit-gcc $(KLIB) $(ROOT)/sdk/hermit.ld
	@mkdir -p $$(@D)
	HERMIT_FEATURES="$(subst $(comma), ,$(3))" $(BIN)/hermit-gcc -O2 -g -Wall -Wextra -Werror -o $$@ $(wildcard examples/$(1)/*.c)
all: $(BUILD)/examples/$(2)
endef
comma := ,
$(foreach e,$(EXAMPLES),$(foreach i,$(call example_images,$(e)),\
	$(eval $(call image_rule,$(e),$(firstword $(subst :, ,$(i))),$(word 2,$(subst :, ,$(i)))))))
