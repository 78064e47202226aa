# test_digest_cli includes the CLI plug-in tools/verify_digest.hpp, which uses nlohmann-json.
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_digest_cli PRIVATE nlohmann_json::nlohmann_json)
endif()
