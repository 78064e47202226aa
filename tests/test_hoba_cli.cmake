# test_hoba_cli includes the CLI plug-in tools/verify_hoba.hpp, which uses nlohmann-json.
if(TARGET nlohmann_json::nlohmann_json)
  target_link_libraries(test_hoba_cli PRIVATE nlohmann_json::nlohmann_json)
endif()
