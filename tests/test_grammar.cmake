# nlohmann-json reads the vectors in tests/data at test time.
find_package(nlohmann_json 3.10 REQUIRED)
target_link_libraries(${name} PRIVATE nlohmann_json::nlohmann_json)
