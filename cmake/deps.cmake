# Optional third-party targets for tests, examples, tools and benchmarks (never for the library).
# Each lookup is quiet; a missing package disables what needs it, with a message.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND AND NOT TARGET PkgConfig::HTTPLIB)
  pkg_check_modules(HTTPLIB QUIET IMPORTED_TARGET cpp-httplib)
endif()
if(TARGET PkgConfig::HTTPLIB)
  set(AUTHWIRE_HAVE_HTTPLIB ON)
else()
  set(AUTHWIRE_HAVE_HTTPLIB OFF)
  message(STATUS "authwire: cpp-httplib not found (libcpp-httplib-dev): its examples and end-to-end tests are skipped")
endif()
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 QUIET)
