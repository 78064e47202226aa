# bench_aws_sigv4: SigV4 verification of a header-signed S3 GET vs its crypto floor.
add_executable(${name} ${src})
target_link_libraries(${name} PRIVATE authwire::authwire benchmark::benchmark Threads::Threads)
