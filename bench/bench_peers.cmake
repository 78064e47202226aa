# bench_peers: authwire against Poco (parse, Basic, Digest verification), plus the programs of the
# loopback comparison with libmicrohttpd (bench/loopback.sh) and the callgrind drivers
# (bench/callgrind.sh). Each piece is built only when its peer library is present.
find_package(Poco QUIET COMPONENTS Net Foundation)
if(Poco_FOUND)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE authwire::authwire benchmark::benchmark Threads::Threads Poco::Net Poco::Foundation)
else()
  message(STATUS "authwire: Poco not found (libpoco-dev): bench_peers is skipped")
endif()

# bench_hostile has its own default rule (bench_hostile.cpp, no .cmake).

find_package(PkgConfig QUIET)
if(PkgConfig_FOUND AND NOT TARGET PkgConfig::MHD)
  pkg_check_modules(MHD QUIET IMPORTED_TARGET libmicrohttpd)
endif()

# Loopback: a libmicrohttpd Digest SHA-256 server, a cpp-httplib server with authwire's Digest
# handler, and the load client that builds a fresh Authorization (increasing nc) per request.
set(_dir ${CMAKE_CURRENT_SOURCE_DIR})
if(TARGET PkgConfig::MHD AND EXISTS ${_dir}/mhd_digest_server.cpp)
  add_executable(mhd_digest_server ${CMAKE_CURRENT_SOURCE_DIR}/mhd_digest_server.cpp)
  target_link_libraries(mhd_digest_server PRIVATE PkgConfig::MHD Threads::Threads)
else()
  message(STATUS "authwire: libmicrohttpd not found (libmicrohttpd-dev): mhd_digest_server is skipped")
endif()
if(AUTHWIRE_HAVE_HTTPLIB AND EXISTS ${_dir}/loopback_httplib_server.cpp)
  add_executable(loopback_httplib_server ${CMAKE_CURRENT_SOURCE_DIR}/loopback_httplib_server.cpp)
  target_link_libraries(loopback_httplib_server PRIVATE authwire::authwire PkgConfig::HTTPLIB Threads::Threads)
endif()
if(EXISTS ${_dir}/loopback_client.cpp)
  add_executable(loopback_client ${_dir}/loopback_client.cpp)
  target_link_libraries(loopback_client PRIVATE authwire::authwire Threads::Threads)
endif()

# Callgrind drivers: N iterations of each inner operation inside one non-inlined function.
if(EXISTS ${_dir}/cg_ops.cpp)
  add_executable(cg_ops ${_dir}/cg_ops.cpp)
  target_link_libraries(cg_ops PRIVATE authwire::authwire Threads::Threads)
  if(Poco_FOUND)
    target_link_libraries(cg_ops PRIVATE Poco::Net Poco::Foundation)
    target_compile_definitions(cg_ops PRIVATE AUTHWIRE_CG_POCO=1)
  endif()
endif()
