# test_digest reads its JSON vectors with nlohmann-json (header-only) and starts threads.
target_link_libraries(test_digest PRIVATE Threads::Threads)
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_digest PRIVATE nlohmann_json::nlohmann_json)
endif()
# End to end: examples/digest_server (cpp-httplib) with curl --digest (MD5, MD5-sess, SHA-256,
# SHA-512-256, userhash, opaque, replay, proxy) and Python requests' HTTPDigestAuth (MD5, SHA-256).
if(AUTHWIRE_BUILD_EXAMPLES AND AUTHWIRE_HAVE_HTTPLIB)
  add_test(NAME "e2e: Digest with curl and requests (cpp-httplib)"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/digest.py $<TARGET_FILE:digest_server>)
  set_tests_properties("e2e: Digest with curl and requests (cpp-httplib)" PROPERTIES TIMEOUT 180 LABELS e2e)
endif()
