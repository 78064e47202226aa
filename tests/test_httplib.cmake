# The cpp-httplib adapter needs cpp-httplib (libcpp-httplib-dev); without it the test is not built.
if(AUTHWIRE_HAVE_HTTPLIB)
  target_link_libraries(test_httplib PRIVATE PkgConfig::HTTPLIB Threads::Threads)
else()
  set_target_properties(test_httplib PROPERTIES EXCLUDE_FROM_ALL ON)
endif()
