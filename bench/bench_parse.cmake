# bench_parse: the generic parsers, with Poco::Net::HTTPAuthenticationParams as a point of
# comparison when libpoco-dev is present.
add_executable(${name} ${src})
target_link_libraries(${name} PRIVATE authwire::authwire benchmark::benchmark Threads::Threads)
find_package(Poco QUIET COMPONENTS Net Foundation)
if(Poco_FOUND)
  target_link_libraries(${name} PRIVATE Poco::Net Poco::Foundation)
  target_compile_definitions(${name} PRIVATE AUTHWIRE_BENCH_POCO=1)
else()
  message(STATUS "authwire: Poco not found (libpoco-dev): bench_parse runs without the Poco comparison")
endif()
