# bench_digest: Digest SHA-256 verification vs its crypto floor, allocation counts, one challenge.
add_executable(${name} ${src})
target_link_libraries(${name} PRIVATE authwire::authwire benchmark::benchmark Threads::Threads)
