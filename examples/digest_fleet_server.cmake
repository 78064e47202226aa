# Included by examples/CMakeLists.txt instead of the default rule: this example needs hiredis.
if(AUTHWIRE_HAVE_HTTPLIB AND TARGET authwire::redis)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE authwire::redis PkgConfig::HTTPLIB Threads::Threads)
endif()
