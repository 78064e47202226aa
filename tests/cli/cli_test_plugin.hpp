// SPDX-License-Identifier: MIT
/**
 * @file cli_test_plugin.hpp
 * @brief A fake scheme "X-Test" for the tests of the `authwire` tool only (built into the test
 *        variant `authwire_cli_test` with AUTHWIRE_CLI_TEST_PLUGIN). It exercises the plug-in
 *        interface, state kept across lines, proxy mode and the typed hook without depending
 *        on the real schemes.
 *
 * Credentials: `X-Test user="...", pass="...", n=<number>`. Valid when the account
 * (server.accounts) matches and `n` is larger than any `n` already accepted for that user
 * (a replay is refused with reason "replayed"). A wrong password gives reason "bad_password"
 * and the challenge `X-Test realm="...", error="bad"`; a token68 gives 400 "malformed".
 * Success sends `Authentication-Info: n=<n>`.
 */
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <authwire/challenge.hpp>
#include <authwire/credentials.hpp>
#include <authwire/crypto.hpp>
#include <authwire/server.hpp>

#include "cli_json.hpp"
#include "cli_state.hpp"

namespace authwire_cli {

class x_test_handler final : public authwire::scheme_handler {
 public:
  x_test_handler(const nlohmann::json& server, cli_state& st) {
    realm_ = server.value("realm", std::string("test"));
    if (server.contains("accounts"))
      for (const auto& a : server.at("accounts")) {
        std::string user;
        if (!json_to_bytes(a.at("user"), user)) throw std::invalid_argument("accounts: bad user");
        accounts_[user] = a.at("password").get<std::string>();
      }
    auto& slot = st.extra["x-test"];
    if (!slot) slot = std::make_shared<std::map<std::string, std::int64_t>>();
    seen_ = std::static_pointer_cast<std::map<std::string, std::int64_t>>(slot);
  }

  std::string_view scheme() const noexcept override { return "X-Test"; }

  void challenges(const authwire::request_view&, std::vector<std::string>& out) override {
    out.push_back(*authwire::challenge_builder("X-Test").param("realm", realm_, authwire::quoting::always).str());
  }

  authwire::verdict verify(const authwire::request_view&, std::string_view authorization) override {
    using authwire::verdict;
    using authwire::verdict_kind;
    auto c = authwire::parse_credentials(authorization);
    if (!c || c->has_token68()) return verdict::make(verdict_kind::bad_request, "malformed");
    const auto* user = c->param("user");
    const auto* pass = c->param("pass");
    const auto* n = c->param("n");
    if (!user || !pass || !n) return verdict::make(verdict_kind::bad_request, "malformed");
    std::int64_t count = 0;
    for (char ch : n->value()) {
      if (ch < '0' || ch > '9' || count > 1000000) return verdict::make(verdict_kind::bad_request, "malformed");
      count = count * 10 + (ch - '0');
    }
    const auto it = accounts_.find(user->value());
    if (it == accounts_.end() || !authwire::constant_time_equal(it->second, pass->value())) {
      auto ch = authwire::challenge_builder("X-Test")
                    .param("realm", realm_, authwire::quoting::always)
                    .param("error", "bad", authwire::quoting::always)
                    .str();
      return verdict::make(verdict_kind::unauthorized, "bad_password", {*ch});
    }
    auto& last = (*seen_)[it->first];
    if (count <= last) return verdict::make(verdict_kind::unauthorized, "replayed");
    last = count;
    verdict v = verdict::allow(it->first);
    v.authentication_info = "n=" + std::to_string(count);
    return v;
  }

 private:
  std::string realm_;
  std::map<std::string, std::string> accounts_;
  std::shared_ptr<std::map<std::string, std::int64_t>> seen_;
};

inline std::shared_ptr<authwire::scheme_handler> make_handler_x_test(const nlohmann::json& server, cli_state& st) {
  return std::make_shared<x_test_handler>(server, st);
}

/// Typed reading: `{"user": ..., "n": <number>}`; for the scheme's own grammar
/// `X-Test raw:<anything>` (not an auth-param list): `{"raw": "<anything>"}`.
inline std::optional<nlohmann::ordered_json> typed_x_test(std::string_view value) {
  constexpr std::string_view raw_prefix = "X-Test raw:";
  if (value.substr(0, raw_prefix.size()) == raw_prefix) {
    nlohmann::ordered_json o;
    o["raw"] = std::string(value.substr(raw_prefix.size()));
    return o;
  }
  auto c = authwire::parse_credentials(value);
  if (!c || c->has_token68()) return std::nullopt;
  const auto* user = c->param("user");
  const auto* n = c->param("n");
  if (!user || !n) return std::nullopt;
  nlohmann::ordered_json o;
  o["user"] = user->value();
  o["n"] = std::stoll(n->value());
  return o;
}

}  // namespace authwire_cli

#define AUTHWIRE_CLI_EXTRA_SCHEMES {"X-Test", &make_handler_x_test, &typed_x_test},
