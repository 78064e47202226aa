# Boost.Beast is header-only (Debian libboost-dev); it needs Threads.
find_package(Boost 1.74 QUIET)
if(Boost_FOUND)
  add_executable(beast_server ${CMAKE_CURRENT_SOURCE_DIR}/beast_server.cpp)
  target_link_libraries(beast_server PRIVATE authwire::authwire Boost::boost Threads::Threads)
else()
  message(STATUS "authwire: Boost not found (libboost-dev): beast_server is skipped")
endif()
