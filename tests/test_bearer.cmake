# The CLI plug-ins tools/verify_basic.hpp and tools/verify_bearer.hpp: `authwire verify` over a
# fixed set of Basic and Bearer requests must give exactly the recorded verdicts, and
# `authwire credentials` the Basic typed reading.
if(AUTHWIRE_BUILD_TOOLS AND nlohmann_json_FOUND)
  set(_aw_data ${CMAKE_CURRENT_SOURCE_DIR}/data/basic)
  add_test(NAME "cli: verify with the Basic and Bearer plug-ins"
           COMMAND sh -c "\"$1\" verify < \"$2/cli-verify.jsonl\" | diff -u \"$2/cli-verify.expected.jsonl\" -"
                   sh $<TARGET_FILE:authwire_cli> ${_aw_data})
  add_test(NAME "cli: typed Basic credentials"
           COMMAND sh -c "\"$1\" credentials 'Basic dGVzdDoxMjOj' | diff -u \"$2/cli-credentials.expected.jsonl\" -"
                   sh $<TARGET_FILE:authwire_cli> ${_aw_data})
  unset(_aw_data)
endif()
