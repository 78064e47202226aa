// SPDX-License-Identifier: MIT
// The Basic (RFC 7617) plug-in of `authwire verify` (see authwire.cpp and CLI.md).
//
// Settings, from the input line's "server" object:
//
//   "realm": "...",                                   // the challenge's realm (default "authwire")
//   "accounts": [{"user": "Aladdin", "password": "open sesame"}],
//                                                     // plain passwords; either may be
//                                                     //   {"b64": "..."} for non-UTF-8 bytes
//   "basic": {"realm": "...",                         // overrides server.realm
//             "utf8": true}                           // charset="UTF-8" and UTF-8 checks (default)
//
// The typed reading of `authwire credentials` is {"user": ..., "password": ...} (each a string,
// or {"b64": ...} when not UTF-8), as CLI.md describes.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <authwire/schemes/basic.hpp>

#include "cli_json.hpp"
#include "cli_state.hpp"

namespace authwire_cli {

/// Builds the Basic handler of one `verify` line from "server" (throws on bad settings).
inline std::shared_ptr<authwire::scheme_handler> make_handler_basic(const nlohmann::json& server, cli_state&) {
  namespace basic = authwire::basic;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& cfg = server.contains("basic") ? server["basic"] : empty;
  if (!cfg.is_object()) throw std::runtime_error("server.basic is not an object");
  basic::options o;
  if (cfg.contains("realm")) {
    o.realm = cfg["realm"].get<std::string>();
  } else if (server.contains("realm") && server["realm"].is_string()) {
    o.realm = server["realm"].get<std::string>();
  }
  if (cfg.contains("utf8")) o.utf8 = cfg["utf8"].get<bool>();
  if (!basic::challenge(o.realm)) throw std::runtime_error("the realm cannot be sent in a Basic challenge");

  auto accounts = std::make_shared<std::vector<std::pair<std::string, std::string>>>();
  if (server.contains("accounts")) {
    if (!server["accounts"].is_array()) throw std::runtime_error("server.accounts is not an array");
    std::size_t k = 0;
    for (const auto& a : server["accounts"]) {
      std::string user, password;
      if (!a.is_object() || !a.contains("user") || !json_to_bytes(a["user"], user))
        throw std::runtime_error("server.accounts[" + std::to_string(k) + "].user is missing or not a string");
      if (!a.contains("password") || !json_to_bytes(a["password"], password))
        throw std::runtime_error("server.accounts[" + std::to_string(k) + "].password is missing or not a string");
      accounts->emplace_back(std::move(user), std::move(password));
      ++k;
    }
  }
  return std::make_shared<basic::handler>(o, [accounts](std::string_view user) -> std::optional<std::string> {
    for (const auto& [u, p] : *accounts)
      if (u == user) return p;
    return std::nullopt;
  });
}

/// `authwire credentials`: Basic's typed reading, {"user": ..., "password": ...}.
inline std::optional<nlohmann::ordered_json> typed_basic(std::string_view value) {
  auto c = authwire::basic::parse(value);
  if (!c) return std::nullopt;
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  o["user"] = bytes_to_json(c->user());
  o["password"] = bytes_to_json(c->password());
  return o;
}

}  // namespace authwire_cli

#define AUTHWIRE_CLI_HAS_TYPED_BASIC 1
