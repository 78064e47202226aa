# Packaging tests (included from test_cli.cmake): install authwire into a temporary prefix and
# build tests/package with find_package(authwire); build the same consumer with
# add_subdirectory() of the source tree. Both consumers use this build's compiler and flags.
set(_aw_pkg ${CMAKE_CURRENT_BINARY_DIR}/package)
add_test(NAME "package: install into a temporary prefix"
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DBUILD_DIR=${_aw_pkg}/authwire-build
          -DPREFIX=${_aw_pkg}/prefix -DCXX=${CMAKE_CXX_COMPILER}
          -P ${CMAKE_CURRENT_SOURCE_DIR}/package/install.cmake)
set_tests_properties("package: install into a temporary prefix" PROPERTIES
  FIXTURES_SETUP authwire_installed LABELS package)

set(_aw_consumer_options
  -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER}
  "-DCMAKE_CXX_FLAGS=${CMAKE_CXX_FLAGS}"
  "-DCMAKE_EXE_LINKER_FLAGS=${CMAKE_EXE_LINKER_FLAGS}"
  -DCMAKE_BUILD_TYPE=Debug)
add_test(NAME "package: find_package consumer builds and runs"
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/package ${_aw_pkg}/consumer-find
          --build-generator ${CMAKE_GENERATOR} --build-noclean
          --build-options ${_aw_consumer_options} -DCMAKE_PREFIX_PATH=${_aw_pkg}/prefix
          --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure)
set_tests_properties("package: find_package consumer builds and runs" PROPERTIES
  FIXTURES_REQUIRED authwire_installed LABELS package)

add_test(NAME "package: add_subdirectory consumer builds and runs"
  COMMAND ${CMAKE_CTEST_COMMAND} --build-and-test ${CMAKE_CURRENT_SOURCE_DIR}/package ${_aw_pkg}/consumer-subdir
          --build-generator ${CMAKE_GENERATOR} --build-noclean
          --build-options ${_aw_consumer_options} -DAUTHWIRE_CONSUMER_SUBDIRECTORY=${PROJECT_SOURCE_DIR}
          --test-command ${CMAKE_CTEST_COMMAND} --output-on-failure)
set_tests_properties("package: add_subdirectory consumer builds and runs" PROPERTIES LABELS package)
