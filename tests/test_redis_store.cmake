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
else()
  message(STATUS "authwire: hiredis or redis-server missing: test_redis_store has no test cases")
  target_compile_definitions(${name} PRIVATE AUTHWIRE_TEST_NO_HIREDIS)
endif()
