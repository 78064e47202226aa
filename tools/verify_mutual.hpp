// SPDX-License-Identifier: MIT
// The Mutual (RFC 8120 / RFC 8121) plug-in of `authwire verify` (see authwire.cpp and CLI.md).
//
// Settings: the input line's "server" object holds "realm" and "accounts" (plain passwords,
// [{"user": ..., "password": ...}]) and may hold a "mutual" object:
//
//   "mutual": {
//     "algorithms": ["iso-kam3-ec-p256-sha256"],  // offered, strongest first (default: P-256)
//     "realm": "...",                            // default: server.realm
//     "validation": "host",                      // or "tls-server-end-point" / "tls-unique"
//     "channel_binding_b64": "...",              // the binding octets for the tls-* methods
//     "auth_scope": "www.example.com",           // default: the Host header's host name
//     "validation_host": "http://h:80",          // default: origin_scheme + Host (port written)
//     "nc_max": 1000000, "nc_window": 64,
//     "session_lifetime": 3600, "kex_lifetime": 300,
//     "path": "/a /b"                            // the path parameter of 401-KEX-S1
//   }
//
// Sessions (the RFC 8120 section 11 table) live in the run's shared store, so a req-VFY-C on a
// later line finds the session that a req-KEX-C1 on an earlier line opened, and a replayed nc
// is caught. Random values come from the system CSPRNG: the sid and ks1 of a 401-KEX-S1
// differ from run to run, so a client must take them from the tool's own output.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <authwire/codec.hpp>
#include <authwire/schemes/mutual.hpp>

#include "cli_state.hpp"

namespace authwire_cli {

/// Builds the Mutual handler of one `verify` line from "server" (throws on bad settings).
inline std::shared_ptr<authwire::scheme_handler> make_handler_mutual(const nlohmann::json& server, cli_state& st) {
  namespace mu = authwire::mutual;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& cfg = server.contains("mutual") ? server["mutual"] : empty;
  if (!cfg.is_object()) throw std::runtime_error("server.mutual is not an object");

  mu::server_options o;
  o.clock = st.clock;
  if (cfg.contains("realm")) {
    o.realm = cfg["realm"].get<std::string>();
  } else if (server.contains("realm") && server["realm"].is_string()) {
    o.realm = server["realm"].get<std::string>();
  }
  if (cfg.contains("algorithms")) {
    o.algorithms.clear();
    for (const auto& a : cfg["algorithms"]) {
      mu::algorithm alg{};
      if (!mu::algorithm_from_string(a.get<std::string>(), alg))
        throw std::runtime_error("mutual.algorithms: unknown algorithm " + a.get<std::string>());
      o.algorithms.push_back(alg);
    }
    if (o.algorithms.empty()) throw std::runtime_error("mutual.algorithms is empty");
  }
  if (cfg.contains("validation")) {
    if (!mu::validation_from_string(cfg["validation"].get<std::string>(), o.validation))
      throw std::runtime_error("mutual.validation is host, tls-server-end-point or tls-unique");
  }
  if (cfg.contains("channel_binding_b64")) {
    std::string cb;
    if (!authwire::base64_decode(cb, cfg["channel_binding_b64"].get<std::string>()))
      throw std::runtime_error("mutual.channel_binding_b64 is not base64");
    o.channel_binding = [cb](const authwire::request_view&) { return std::optional<std::string>(cb); };
  }
  if (cfg.contains("auth_scope")) o.auth_scope = cfg["auth_scope"].get<std::string>();
  if (cfg.contains("validation_host")) o.validation_host = cfg["validation_host"].get<std::string>();
  if (cfg.contains("nc_max")) o.nc_max = cfg["nc_max"].get<std::uint64_t>();
  if (cfg.contains("nc_window")) o.nc_window = cfg["nc_window"].get<unsigned>();
  if (cfg.contains("session_lifetime")) o.session_lifetime = cfg["session_lifetime"].get<std::int64_t>();
  if (cfg.contains("kex_lifetime")) o.kex_lifetime = cfg["kex_lifetime"].get<std::int64_t>();
  if (cfg.contains("path")) o.path = cfg["path"].get<std::string>();

  auto accounts = std::make_shared<std::map<std::string, std::string, std::less<>>>();
  if (server.contains("accounts"))
    for (const auto& a : server["accounts"]) (*accounts)[a.at("user").get<std::string>()] = a.at("password").get<std::string>();

  return std::make_shared<mu::handler>(
      o,
      [accounts](std::string_view user, std::string_view) -> std::optional<std::string> {
        auto it = accounts->find(user);
        if (it == accounts->end()) return std::nullopt;
        return it->second;
      },
      st.store);
}

/// The typed reading of a Mutual `Authorization` value for `authwire credentials`: the message
/// kind and its parameters; key exchange values and verifiers only by their length.
inline std::optional<nlohmann::ordered_json> typed_mutual(std::string_view authorization_value) {
  namespace mu = authwire::mutual;
  auto m = mu::parse_request(authorization_value);
  if (!m) return std::nullopt;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["message"] = std::string(mu::to_string(m->kind));
  j["version"] = m->version;
  j["algorithm"] = std::string(mu::to_string(m->alg));
  j["validation"] = std::string(mu::to_string(m->validation));
  if (m->auth_scope) j["auth_scope"] = *m->auth_scope;
  j["realm"] = m->realm;
  if (m->kind == mu::message_kind::kex_c1) {
    j["user"] = m->user;
    j["kc1_bytes"] = m->kc1.size();
  } else {
    j["sid"] = m->sid;
    j["nc"] = m->nc;
    j["vkc_bytes"] = m->vkc.size();
  }
  return j;
}

}  // namespace authwire_cli

#define AUTHWIRE_CLI_HAS_TYPED_MUTUAL 1
