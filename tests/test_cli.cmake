# Included by tests/CMakeLists.txt after the target test_cli is made (tests of
# tools/cli_json.hpp). Also registers the end-to-end tests of the `authwire` tool and, at the
# end, the packaging tests (test_package.cmake). Do not set `name` or `src` here: they belong to
# the caller's loop.
target_include_directories(test_cli PRIVATE ${PROJECT_SOURCE_DIR}/tools)
target_link_libraries(test_cli PRIVATE nlohmann_json::nlohmann_json)

# A variant of the tool with the fake scheme "X-Test" (tests/cli/cli_test_plugin.hpp) and none
# of the real plug-ins, so that its exact output does not change as schemes are added.
add_executable(authwire_cli_test ${PROJECT_SOURCE_DIR}/tools/authwire.cpp)
target_include_directories(authwire_cli_test PRIVATE ${PROJECT_SOURCE_DIR}/tools ${CMAKE_CURRENT_SOURCE_DIR}/cli)
target_compile_definitions(authwire_cli_test PRIVATE AUTHWIRE_CLI_TEST_PLUGIN AUTHWIRE_CLI_NO_PLUGINS)
target_link_libraries(authwire_cli_test PRIVATE authwire::authwire nlohmann_json::nlohmann_json)

# One CTest test per case of tests/cli/cases.json; "tools" says which build runs it: "test"
# (the variant above) and/or "real" (the tool `authwire` itself, for cases no plug-in can change).
set(_aw_cases_file ${CMAKE_CURRENT_SOURCE_DIR}/cli/cases.json)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${_aw_cases_file})
file(READ ${_aw_cases_file} _aw_cases)
string(JSON _aw_n LENGTH "${_aw_cases}")
math(EXPR _aw_last "${_aw_n} - 1")
foreach(_aw_i RANGE ${_aw_last})
  string(JSON _aw_case_name GET "${_aw_cases}" ${_aw_i} name)
  string(JSON _aw_ntools LENGTH "${_aw_cases}" ${_aw_i} tools)
  math(EXPR _aw_tlast "${_aw_ntools} - 1")
  foreach(_aw_t RANGE ${_aw_tlast})
    string(JSON _aw_tool GET "${_aw_cases}" ${_aw_i} tools ${_aw_t})
    if(_aw_tool STREQUAL "test")
      add_test(NAME "cli ${_aw_case_name}"
        COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/run_cases.py
                $<TARGET_FILE:authwire_cli_test> ${_aw_cases_file} "${_aw_case_name}")
      set_tests_properties("cli ${_aw_case_name}" PROPERTIES LABELS cli)
    elseif(AUTHWIRE_BUILD_TOOLS AND nlohmann_json_FOUND)  # tools/ is added after tests/
      add_test(NAME "cli [authwire] ${_aw_case_name}"
        COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/cli/run_cases.py
                $<TARGET_FILE:authwire_cli> ${_aw_cases_file} "${_aw_case_name}")
      set_tests_properties("cli [authwire] ${_aw_case_name}" PROPERTIES LABELS cli)
    endif()
  endforeach()
endforeach()

include(${CMAKE_CURRENT_LIST_DIR}/test_package.cmake)

# scripts/deps.sh: a missing package leads to one `apt-get update` and one install (dry run).
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/deps_check_packages.txt "cmake # installed\nno-such-package-authwire-check\n")
add_test(NAME "scripts: deps.sh installs only what is missing (dry run)"
  COMMAND env AUTHWIRE_DEPS_LIST=${CMAKE_CURRENT_BINARY_DIR}/deps_check_packages.txt AUTHWIRE_DEPS_DRY_RUN=1
          bash ${PROJECT_SOURCE_DIR}/scripts/deps.sh)
set_tests_properties("scripts: deps.sh installs only what is missing (dry run)" PROPERTIES LABELS scripts
  PASS_REGULAR_EXPRESSION "deps: installing no-such-package-authwire-check\n[^\n]*apt-get update -q\n[^\n]*apt-get install -y -q --no-install-recommends no-such-package-authwire-check\n$")
