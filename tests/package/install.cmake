# cmake -DSOURCE_DIR=... -DBUILD_DIR=... -DPREFIX=... [-DCXX=...] -P install.cmake
# Configures authwire alone (no tests, tools or examples: nothing is compiled), then installs
# it into PREFIX, from scratch each time.
foreach(v SOURCE_DIR BUILD_DIR PREFIX)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "install.cmake: ${v} is not set")
  endif()
endforeach()
file(REMOVE_RECURSE ${BUILD_DIR} ${PREFIX})
set(args -S ${SOURCE_DIR} -B ${BUILD_DIR} -DCMAKE_INSTALL_PREFIX=${PREFIX}
  -DAUTHWIRE_BUILD_TESTS=OFF -DAUTHWIRE_BUILD_TOOLS=OFF -DAUTHWIRE_BUILD_EXAMPLES=OFF -DAUTHWIRE_INSTALL=ON)
if(CXX)
  list(APPEND args -DCMAKE_CXX_COMPILER=${CXX})
endif()
execute_process(COMMAND ${CMAKE_COMMAND} ${args} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring authwire failed")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()
foreach(f include/authwire/authwire.hpp share/cmake/authwire/authwireConfig.cmake
          share/cmake/authwire/authwireConfigVersion.cmake share/cmake/authwire/authwire-targets.cmake)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "not installed: ${f}")
  endif()
endforeach()
message(STATUS "authwire installed into ${PREFIX}")
