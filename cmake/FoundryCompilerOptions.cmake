# Warning and sanitizer flags shared by every target of the project.
# Applied through an INTERFACE target so third-party code and installed SDK users are unaffected.
add_library(foundry_compile_options INTERFACE)
target_compile_options(foundry_compile_options INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${FOUNDRY_WARNINGS_AS_ERRORS}>:-Werror>)

if(FOUNDRY_SANITIZE)
  set(_san -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_compile_options(${_san})
  add_link_options(${_san})
endif()
