// SPDX-License-Identifier: MIT
// The Bearer (RFC 6750, RFC 9470, RFC 9728) plug-in of `authwire verify` (see authwire.cpp
// and CLI.md).
//
// Settings, from the input line's "server" object:
//
//   "realm": "...",                                  // the challenge's realm (default "authwire")
//   "bearer": {
//     "realm": "...",                                // overrides server.realm
//     "tokens": [{"token": "abc",                    // the token (compared in constant time)
//                 "scopes": ["read"],                // granted scopes
//                 "expires_at": 1700003600,          // Unix seconds; now >= expires_at: expired
//                 "revoked": false,
//                 "subject": "alice",                // the identity; absent: "token-<index>"
//                 "acr": "urn:mfa", "auth_time": 1699999000}],   // RFC 9470
//     "required_scopes": ["read"],
//     "acr_values": ["urn:mfa"], "max_age": 300,     // RFC 9470 step-up
//     "resource_metadata": "https://...",            // RFC 9728
//     "allow_query": false, "allow_form_body": false, // RFC 6750 sections 2.3 and 2.2
//     "error_descriptions": true
//   }
//
// "now" is the input line's server.now (cli_state::clock).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <authwire/crypto.hpp>
#include <authwire/schemes/bearer.hpp>

#include "cli_state.hpp"

namespace authwire_cli {

/// Builds the Bearer handler of one `verify` line from "server" (throws on bad settings).
inline std::shared_ptr<authwire::scheme_handler> make_handler_bearer(const nlohmann::json& server, cli_state& st) {
  namespace bearer = authwire::bearer;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& cfg = server.contains("bearer") ? server["bearer"] : empty;
  if (!cfg.is_object()) throw std::runtime_error("server.bearer is not an object");
  bearer::options o;
  if (cfg.contains("realm")) {
    o.realm = cfg["realm"].get<std::string>();
  } else if (server.contains("realm") && server["realm"].is_string()) {
    o.realm = server["realm"].get<std::string>();
  }
  if (cfg.contains("required_scopes")) o.required_scopes = cfg["required_scopes"].get<std::vector<std::string>>();
  if (cfg.contains("acr_values")) o.acr_values = cfg["acr_values"].get<std::vector<std::string>>();
  if (cfg.contains("max_age")) o.max_age = cfg["max_age"].get<std::int64_t>();
  if (cfg.contains("resource_metadata")) o.resource_metadata = cfg["resource_metadata"].get<std::string>();
  if (cfg.contains("allow_query")) o.allow_query = cfg["allow_query"].get<bool>();
  if (cfg.contains("allow_form_body")) o.allow_form_body = cfg["allow_form_body"].get<bool>();
  if (cfg.contains("error_descriptions")) o.error_descriptions = cfg["error_descriptions"].get<bool>();
  o.clock = st.clock;
  {
    bearer::challenge_builder b;
    b.realm(o.realm);
    if (!o.resource_metadata.empty()) b.resource_metadata(o.resource_metadata);
    if (!o.required_scopes.empty()) b.scope(o.required_scopes);
    if (!o.acr_values.empty()) b.acr_values(o.acr_values);
    auto s = b.str();
    if (!s) throw std::runtime_error("bearer settings cannot be sent in a challenge: " + std::string(bearer::describe(s.code())));
  }

  struct entry {
    authwire::digest_bytes digest;  // SHA-256 of the token: every comparison has one length
    bearer::token_info info;
    std::optional<std::int64_t> expires_at;
    bool revoked = false;
  };
  auto tokens = std::make_shared<std::vector<entry>>();
  if (cfg.contains("tokens")) {
    if (!cfg["tokens"].is_array()) throw std::runtime_error("server.bearer.tokens is not an array");
    std::size_t k = 0;
    for (const auto& t : cfg["tokens"]) {
      if (!t.is_object() || !t.contains("token") || !t["token"].is_string())
        throw std::runtime_error("server.bearer.tokens[" + std::to_string(k) + "].token is missing or not a string");
      entry e;
      e.digest = authwire::hash(authwire::hash_algorithm::sha256, t["token"].get<std::string>());
      e.info.status = bearer::token_status::valid;
      e.info.subject = t.contains("subject") ? t["subject"].get<std::string>() : "token-" + std::to_string(k);
      if (t.contains("scopes")) e.info.scopes = t["scopes"].get<std::vector<std::string>>();
      if (t.contains("acr")) e.info.acr = t["acr"].get<std::string>();
      if (t.contains("auth_time")) e.info.auth_time = t["auth_time"].get<std::int64_t>();
      if (t.contains("expires_at")) e.expires_at = t["expires_at"].get<std::int64_t>();
      if (t.contains("revoked")) e.revoked = t["revoked"].get<bool>();
      tokens->push_back(std::move(e));
      ++k;
    }
  }
  auto clock = st.clock;
  return std::make_shared<bearer::handler>(o, [tokens, clock](std::string_view token) {
    const auto d = authwire::hash(authwire::hash_algorithm::sha256, token);
    const entry* found = nullptr;
    for (const auto& e : *tokens)  // no early exit: the time does not tell which one matched
      if (authwire::constant_time_equal(d.view(), e.digest.view()) && !found) found = &e;
    if (!found) return bearer::token_info::invalid();
    if (found->revoked) return bearer::token_info::revoked();
    if (found->expires_at && clock() >= *found->expires_at) return bearer::token_info::expired();
    return found->info;
  });
}

}  // namespace authwire_cli
