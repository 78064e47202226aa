# For a bench/CMakeLists.txt that globs bench_*.cpp and includes bench/<name>.cmake instead of
# its default rule when present (as examples/CMakeLists.txt does): this benchmark needs hiredis
# and a redis-server binary (it starts its own; AUTHWIRE_BENCH_REDIS_PORT uses a running one).
find_program(AUTHWIRE_REDIS_SERVER_EXE redis-server)
find_package(benchmark QUIET)
if(TARGET authwire::redis AND TARGET benchmark::benchmark AND AUTHWIRE_REDIS_SERVER_EXE)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE authwire::redis benchmark::benchmark Threads::Threads)
  target_compile_definitions(${name} PRIVATE AUTHWIRE_REDIS_SERVER="${AUTHWIRE_REDIS_SERVER_EXE}")
endif()
