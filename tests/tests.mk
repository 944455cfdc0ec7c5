# Tests build their guest programs with hermit-gcc inside the suites (tests/suites/).
