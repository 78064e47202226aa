# Included by tests/CMakeLists.txt after the test_redis_store target is made.
# authwire::redis (hiredis) and a redis-server binary are needed; without them the test
# program compiles to no test cases. Also: stores/redis.hpp compiled on its own as C++17 and
# C++20 (the generic header check leaves stores/ out), and the fleet end-to-end test.
find_program(AUTHWIRE_REDIS_SERVER_EXE redis-server)
if(TARGET authwire::redis AND AUTHWIRE_REDIS_SERVER_EXE)
  target_link_libraries(${name} PRIVATE authwire::redis Threads::Threads)
  target_compile_definitions(${name} PRIVATE AUTHWIRE_REDIS_SERVER="${AUTHWIRE_REDIS_SERVER_EXE}")
  foreach(std 17 20)
    set(f ${CMAKE_CURRENT_BINARY_DIR}/self_contained/cxx${std}/authwire_stores_redis_hpp.cpp)
    file(CONFIGURE OUTPUT ${f} CONTENT "#include <authwire/stores/redis.hpp>\n#include <authwire/stores/redis.hpp>\n")
    add_library(redis_header_cxx${std} OBJECT ${f})
    target_link_libraries(redis_header_cxx${std} PRIVATE authwire::redis)
    set_target_properties(redis_header_cxx${std} PROPERTIES CXX_STANDARD ${std} CXX_STANDARD_REQUIRED ON CXX_EXTENSIONS OFF)
    add_dependencies(${name} redis_header_cxx${std})
  endforeach()
  # Two example servers sharing one Redis (examples/digest_fleet_server.cpp, built by the
  # examples directory under the same conditions).
  if(AUTHWIRE_BUILD_EXAMPLES AND AUTHWIRE_HAVE_HTTPLIB)
    add_test(NAME "redis_fleet: Digest replay refused across processes, 503 when Redis is down"
      COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/redis_fleet.py
              $<TARGET_FILE:digest_fleet_server> ${AUTHWIRE_REDIS_SERVER_EXE})
    set_tests_properties("redis_fleet: Digest replay refused across processes, 503 when Redis is down"
      PROPERTIES LABELS "e2e;redis" TIMEOUT 120)
  endif()
else()
  message(STATUS "authwire: hiredis or redis-server missing: test_redis_store has no test cases")
  target_compile_definitions(${name} PRIVATE AUTHWIRE_TEST_NO_HIREDIS)
endif()
