# foundry_simulated_driver_targets(<out-var>)
#
# The plugin targets (MODULE libraries) of the simulated fleet in drivers/, found by looking at
# what each drivers/<name>/ folder defines, so a new simulator is installed and checked by the
# conformance ctest without anyone editing a list. Call after add_subdirectory(drivers).
function(foundry_simulated_driver_targets out)
  set(_result "")
  file(GLOB _dirs LIST_DIRECTORIES true "${PROJECT_SOURCE_DIR}/drivers/*")
  foreach(_dir IN LISTS _dirs)
    if(IS_DIRECTORY "${_dir}" AND EXISTS "${_dir}/CMakeLists.txt")
      get_property(_targets DIRECTORY "${_dir}" PROPERTY BUILDSYSTEM_TARGETS)
      foreach(_target IN LISTS _targets)
        get_target_property(_type ${_target} TYPE)
        if(_type STREQUAL "MODULE_LIBRARY")
          list(APPEND _result ${_target})
        endif()
      endforeach()
    endif()
  endforeach()
  set(${out} ${_result} PARENT_SCOPE)
endfunction()

# foundry_install_simulated_drivers(): installs the simulated fleet where the engine looks for
# installed drivers (<prefix>/<libdir>/foundry/drivers).
function(foundry_install_simulated_drivers)
  foundry_simulated_driver_targets(_drivers)
  install(TARGETS ${_drivers} LIBRARY DESTINATION "${FOUNDRY_INSTALL_DRIVERDIR}" COMPONENT drivers)
endfunction()
