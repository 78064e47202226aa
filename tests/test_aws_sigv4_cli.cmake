# test_aws_sigv4_cli includes the CLI plug-in tools/verify_aws_sigv4.hpp, which uses nlohmann-json.
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_aws_sigv4_cli PRIVATE nlohmann_json::nlohmann_json)
endif()
