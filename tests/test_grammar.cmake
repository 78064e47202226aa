# nlohmann-json reads the vectors in tests/data at test time.
find_package(nlohmann_json 3.10 REQUIRED)
target_link_libraries(${name} PRIVATE nlohmann_json::nlohmann_json)

# The grammar scans with SSE2 where the compiler targets it; AUTHWIRE_NO_SIMD selects the
# portable byte loops. The parser tests run again against those loops, as <test>_nosimd.
foreach(t test_grammar test_credentials test_challenge test_hostile)
  add_executable(${t}_nosimd ${CMAKE_CURRENT_SOURCE_DIR}/${t}.cpp)
  target_link_libraries(${t}_nosimd PRIVATE authwire::authwire Catch2::Catch2WithMain nlohmann_json::nlohmann_json)
  target_compile_definitions(${t}_nosimd PRIVATE AUTHWIRE_NO_SIMD=1
    AUTHWIRE_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/data"
    AUTHWIRE_BINARY_DIR="${PROJECT_BINARY_DIR}")
  catch_discover_tests(${t}_nosimd TEST_PREFIX "${t}_nosimd: " DISCOVERY_TIMEOUT 60)
endforeach()
