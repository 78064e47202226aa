# Poco (Debian libpoco-dev): Net and Foundation.
find_package(Poco QUIET COMPONENTS Net Foundation)
if(Poco_FOUND)
  add_executable(poco_server ${CMAKE_CURRENT_SOURCE_DIR}/poco_server.cpp)
  target_link_libraries(poco_server PRIVATE authwire::authwire Poco::Net Poco::Foundation Threads::Threads)
else()
  message(STATUS "authwire: Poco not found (libpoco-dev): poco_server is skipped")
endif()
