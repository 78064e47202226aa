// SPDX-License-Identifier: MIT
// The Digest (RFC 7616) plug-in of `authwire verify` (see authwire.cpp and CLI.md).
//
// Settings, from the input line's "server" object:
//
//   "realm": "...",                                   // the realm (required unless digest.realm)
//   "accounts": [{"user": "Mufasa", "password": "Circle of Life"}],
//                                                     // plain passwords; either may be {"b64": ...}
//   "digest": {"realm": "...",                        // overrides server.realm
//              "algorithms": ["SHA-256", "MD5"],      // one challenge each, in this order
//              "qop": ["auth", "auth-int"],           // offered qop values
//              "userhash": false,                     // offer userhash=true
//              "opaque": "...",                       // sent and required
//              "domain": ["/a", "/b"],
//              "nonce_lifetime": 300,
//              "nc_window": 64,
//              "rfc2069": false,                      // accept the RFC 2069 form for own nonces
//              "binding": "none",                     // or "uri", "client_address", "method",
//                                                     //   "path", or a list of them
//              "max_nc": 0,                           // highest nc per nonce (0: no limit)
//              "issued": ["<WWW-Authenticate values another server sent>"]}
//
// State across lines (cli_state): nonces are signed with st.secret_key, nonce counts and the
// `issued` challenges live in st.store, and the clock is the line's "now". So a nonce issued on
// one line verifies on a later one, and a replayed nc is caught. `issued` challenges count as
// issued by this server at the line's "now", with their own realm, opaque, algorithm, qop and
// userhash as offered (no qop: the RFC 2069 form).
//
// The typed reading of `authwire credentials` is the Digest directives, unescaped, with "nc" as
// a number, "userhash" as a boolean, "algorithm" and "qop" as sent, and "username*" decoded.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <authwire/schemes/digest.hpp>

#include "cli_json.hpp"
#include "cli_state.hpp"

#define AUTHWIRE_CLI_HAS_TYPED_DIGEST 1

namespace authwire_cli {

/// Builds the Digest handler of one `verify` line from "server" (throws on bad settings).
inline std::shared_ptr<authwire::scheme_handler> make_handler_digest(const nlohmann::json& server, cli_state& st) {
  namespace dg = authwire::digest;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& cfg = server.contains("digest") ? server["digest"] : empty;
  if (!cfg.is_object()) throw std::runtime_error("server.digest is not an object");
  dg::options o;
  if (cfg.contains("realm")) o.realm = cfg["realm"].get<std::string>();
  else if (server.contains("realm") && server["realm"].is_string()) o.realm = server["realm"].get<std::string>();
  else o.realm = "authwire";
  if (cfg.contains("algorithms")) {
    o.algorithms.clear();
    for (const auto& a : cfg["algorithms"]) {
      const auto alg = dg::parse_algorithm(a.get<std::string>());
      if (!alg) throw std::runtime_error("server.digest.algorithms: unknown algorithm " + a.get<std::string>());
      o.algorithms.push_back(*alg);
    }
  }
  if (cfg.contains("qop")) {
    o.qops.clear();
    for (const auto& q : cfg["qop"]) {
      const auto s = q.get<std::string>();
      if (s == "auth") o.qops.push_back(dg::qop::auth);
      else if (s == "auth-int") o.qops.push_back(dg::qop::auth_int);
      else throw std::runtime_error("server.digest.qop: unknown qop " + s);
    }
  }
  if (cfg.contains("userhash")) o.userhash = cfg["userhash"].get<bool>();
  if (cfg.contains("opaque")) o.opaque = cfg["opaque"].get<std::string>();
  if (cfg.contains("domain"))
    for (const auto& d : cfg["domain"]) o.domain.push_back(d.get<std::string>());
  if (cfg.contains("nonce_lifetime")) o.nonce_lifetime = cfg["nonce_lifetime"].get<std::int64_t>();
  if (cfg.contains("nc_window")) o.nc_window = cfg["nc_window"].get<unsigned>();
  if (cfg.contains("rfc2069")) o.allow_rfc2069 = cfg["rfc2069"].get<bool>();
  if (o.qops.empty()) o.allow_rfc2069 = true;
  if (cfg.contains("binding")) {
    // A name or a list of names: "uri", "client_address", "method", "path" ("none": nothing).
    nlohmann::json list = cfg["binding"].is_array() ? cfg["binding"] : nlohmann::json::array({cfg["binding"]});
    for (const auto& x : list) {
      const auto b = x.get<std::string>();
      if (b == "none") continue;
      else if (b == "uri") o.binding = o.binding | dg::nonce_binding::uri;
      else if (b == "client_address") o.binding = o.binding | dg::nonce_binding::client_address;
      else if (b == "method") o.binding = o.binding | dg::nonce_binding::method;
      else if (b == "path") o.binding = o.binding | dg::nonce_binding::path;
      else throw std::runtime_error("server.digest.binding: none, uri, client_address, method or path");
    }
  }
  if (cfg.contains("max_nc")) o.max_nc = cfg["max_nc"].get<std::uint32_t>();
  o.nonce_keys = {st.secret_key};
  o.store = st.store;
  o.clock = st.clock;
  o.accept_registered_nonces = true;

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
  dg::credential_fn lookup = [accounts](std::string_view user, std::string_view, dg::algorithm, std::string& secret) {
    for (const auto& [u, p] : *accounts)
      if (u == user) {
        secret = p;
        return dg::secret_kind::password;
      }
    return dg::secret_kind::unknown;
  };
  dg::userhash_fn by_hash = [accounts](std::string_view uh, std::string_view realm, dg::algorithm alg,
                                       std::string& user) {
    for (const auto& [u, p] : *accounts)
      if (authwire::constant_time_equal(dg::userhash(alg, u, realm), uh)) {
        user = u;
        return true;
      }
    return false;
  };
  auto h = std::make_shared<dg::handler>(o, std::move(lookup), std::move(by_hash));
  if (cfg.contains("issued")) {
    std::size_t k = 0;
    for (const auto& c : cfg["issued"]) {
      std::string value;
      if (!json_to_bytes(c, value)) throw std::runtime_error("server.digest.issued holds a non-string");
      auto r = h->register_challenge(value, st.now);
      if (!r)
        throw std::runtime_error("server.digest.issued[" + std::to_string(k) + "]: " +
                                 std::string(dg::to_string(r.code())));
      ++k;
    }
  }
  return h;
}

/// `authwire credentials`: Digest's typed reading.
inline std::optional<nlohmann::ordered_json> typed_digest(std::string_view value) {
  namespace dg = authwire::digest;
  auto c = dg::parse(value);
  if (!c) return std::nullopt;
  nlohmann::ordered_json o = nlohmann::ordered_json::object();
  auto put = [&](const char* name, const authwire::auth_param_view& p) {
    if (dg::credentials::has(p)) o[name] = bytes_to_json(p.value());
  };
  put("username", c->username);
  if (dg::credentials::has(c->username_star)) {
    std::string u;
    if (!dg::decode_ext_value(c->username_star.raw_value, u)) return std::nullopt;
    o["username*"] = bytes_to_json(u);
  }
  put("realm", c->realm);
  put("nonce", c->nonce);
  put("uri", c->uri);
  put("response", c->response);
  o["algorithm"] = std::string(dg::to_string(c->algorithm));
  if (c->qop != dg::qop::none) {
    o["qop"] = std::string(dg::to_string(c->qop));
    o["nc"] = c->nc;
  }
  put("cnonce", c->cnonce);
  put("opaque", c->opaque);
  o["userhash"] = c->userhash;
  return o;
}

}  // namespace authwire_cli
