# foundry_add_driver(<name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>] [LINK_LIBRARIES <lib>...])
#
# Builds a Foundry driver plugin: a MODULE library (loaded at run time, never linked), with
# hidden symbol visibility so only the entry point exported by FOUNDRY_DRIVER_PLUGIN is visible,
# no "lib" prefix, and the SDK's include path. Used in-tree and by vendors via find_package(Foundry).
function(foundry_add_driver name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY" "SOURCES;LINK_LIBRARIES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "foundry_add_driver(${name}): unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "foundry_add_driver(${name}): no value for: ${arg_KEYWORDS_MISSING_VALUES}")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "foundry_add_driver(${name}): SOURCES is required")
  endif()
  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE foundry::sdk ${arg_LINK_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    C_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # A plugin must not leave undefined symbols for the host to fill in.
  target_link_options(${name} PRIVATE "LINKER:--no-undefined")
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  endif()
endfunction()
