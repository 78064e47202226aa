# End to end: examples/hoba_server driven by Python requests + the openssl command (and curl),
# and by examples/hoba_client (the library's client side).
if(AUTHWIRE_BUILD_EXAMPLES AND AUTHWIRE_HAVE_HTTPLIB)
  add_test(NAME "e2e: HOBA example server (registration, login, replay, session, logout)"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/hoba.py $<TARGET_FILE:hoba_server>
                   $<TARGET_FILE:hoba_client>)
endif()
