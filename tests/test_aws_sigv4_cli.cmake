# test_aws_sigv4_cli includes the CLI plug-in tools/verify_aws_sigv4.hpp, which uses nlohmann-json.
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_aws_sigv4_cli PRIVATE nlohmann_json::nlohmann_json)
endif()

# End to end: the `authwire verify` tool with this plug-in, fed botocore-signed requests.
if(TARGET authwire_cli)
  add_test(NAME "e2e: authwire verify with AWS SigV4 (botocore-signed requests)"
           COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/e2e/aws_sigv4_cli.py $<TARGET_FILE:authwire_cli>)
endif()
