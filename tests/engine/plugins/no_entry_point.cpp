// A shared library that is not a Foundry driver: it exports no entry point.
extern "C" __attribute__((visibility("default"))) int some_other_library_function(void) { return 42; }
