# test_mutual reads tests/data/mutual/*.json with nlohmann-json.
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_mutual PRIVATE nlohmann_json::nlohmann_json)
endif()
# End to end: examples/mutual_server with the C++ example client and an independent Python client.
if(AUTHWIRE_BUILD_EXAMPLES AND AUTHWIRE_HAVE_HTTPLIB)
  add_test(NAME "e2e: Mutual handshake, C++ and independent Python clients (cpp-httplib)"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/mutual.py
                   $<TARGET_FILE:mutual_server> $<TARGET_FILE:mutual_client>)
  set_tests_properties("e2e: Mutual handshake, C++ and independent Python clients (cpp-httplib)"
                       PROPERTIES TIMEOUT 180 LABELS e2e)
endif()
