# The adapters need their frameworks: Boost.Beast (header-only) and Poco.
find_package(Boost 1.74 REQUIRED)
find_package(Poco REQUIRED COMPONENTS Net Foundation)
target_link_libraries(test_adapters PRIVATE Boost::boost Poco::Net Poco::Foundation Threads::Threads)
if(TARGET beast_server AND TARGET poco_server)
  add_test(NAME "e2e: Beast and Poco example servers with curl"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/adapters.py
                   $<TARGET_FILE:beast_server> $<TARGET_FILE:poco_server>)
endif()
