# foundry_add_driver(<name> SOURCES <src>... [OUTPUT_DIRECTORY <dir>] [LINK_LIBRARIES <lib>...])
#
# Builds a Foundry driver plugin: a MODULE library (loaded at run time, never linked), with
# hidden symbol visibility so only the entry point exported by FOUNDRY_DRIVER_PLUGIN is visible,
# no "lib" prefix, and the SDK's include path. Used in-tree and by vendors via find_package(Foundry).
#
# Unknown arguments are refused. cmake_parse_arguments alone would take a misspelled keyword
# after SOURCES (OUTPUT_DIR, LINK_LIBRARY) for one more source file, so any argument written like
# a keyword (capitals and underscores only) must be one of ours.
function(foundry_add_driver name)
  set(_single OUTPUT_DIRECTORY)
  set(_multi SOURCES LINK_LIBRARIES)
  set(_unknown "")
  foreach(_arg IN LISTS ARGN)
    if(_arg MATCHES "^[A-Z][A-Z_]+$" AND NOT _arg IN_LIST _single AND NOT _arg IN_LIST _multi)
      list(APPEND _unknown "${_arg}")
    endif()
  endforeach()
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "${_single}" "${_multi}")
  if(arg_UNPARSED_ARGUMENTS OR _unknown)
    list(APPEND _unknown ${arg_UNPARSED_ARGUMENTS})
    list(REMOVE_DUPLICATES _unknown)
    list(JOIN _unknown ", " _unknown)
    message(FATAL_ERROR "foundry_add_driver(${name}): unknown arguments: ${_unknown} "
                        "(known: SOURCES, OUTPUT_DIRECTORY, LINK_LIBRARIES)")
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
