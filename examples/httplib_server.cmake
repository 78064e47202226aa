# The httplib example uses authwire/htpasswd.hpp (libcrypt) besides cpp-httplib.
if(AUTHWIRE_HAVE_HTTPLIB)
  add_executable(httplib_server ${CMAKE_CURRENT_SOURCE_DIR}/httplib_server.cpp)
  target_link_libraries(httplib_server PRIVATE authwire::htpasswd PkgConfig::HTTPLIB Threads::Threads)
endif()
