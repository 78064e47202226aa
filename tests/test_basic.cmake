# End to end: the cpp-httplib example server with curl and Python requests (Basic and Bearer).
if(AUTHWIRE_BUILD_EXAMPLES AND AUTHWIRE_HAVE_HTTPLIB)
  add_test(NAME "e2e: Basic and Bearer with curl and requests (cpp-httplib)"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/basic_bearer.py $<TARGET_FILE:httplib_server>)
  set_tests_properties("e2e: Basic and Bearer with curl and requests (cpp-httplib)" PROPERTIES TIMEOUT 120 LABELS e2e)
endif()
