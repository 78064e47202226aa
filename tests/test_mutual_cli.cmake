# test_mutual_cli includes the CLI plug-in tools/verify_mutual.hpp, which uses nlohmann-json.
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_mutual_cli PRIVATE nlohmann_json::nlohmann_json)
endif()
