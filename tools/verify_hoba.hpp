// SPDX-License-Identifier: MIT
// The HOBA (RFC 7486) plug-in of `authwire verify` (see authwire.cpp and CLI.md).
//
// Settings: the input line's "server" object may hold a "hoba" object:
//
//   "hoba": {
//     "keys": [{"kid": "a2lk",                   // base64url key identifier
//               "alg": 0,                        // 0 RSA-SHA256 (default), 1 RSA-SHA1
//               "public_key_pem": "-----BEGIN PUBLIC KEY-----\n...",
//               "user": "alice"}],               // the identity; absent: the kid
//     "max_age": 600,                            // challenge lifetime (seconds); default 600
//     "realm": "example",                        // default: server.realm; absent: no realm
//     "origin": "https://example.org:443",       // fixed origin; absent: request.origin_scheme
//                                                //   (default "http") + the Host header
//     "origin_form": "explicit_port",            // or "rfc6454" (default port omitted)
//     "allow_rsa_sha1": false,                   // accept keys registered with alg 1
//     "min_rsa_bits": 2048,
//     "issued": ["<challenge values this server issued earlier>"]
//   }
//
// "issued" challenges count as issued at this line's "now", each once per run: a challenge
// that a later line uses up stays used even when the later lines list it again, so a replayed
// result is caught exactly as one long-running server would catch it. Challenges the tool
// offers in its own 401 answers are recorded too, in the run's shared store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <authwire/schemes/hoba.hpp>

#include "cli_state.hpp"

namespace authwire_cli {

/// Builds the HOBA handler of one `verify` line from "server" (throws on bad settings).
inline std::shared_ptr<authwire::scheme_handler> make_handler_hoba(const nlohmann::json& server, cli_state& st) {
  namespace hoba = authwire::hoba;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& cfg = server.contains("hoba") ? server["hoba"] : empty;
  if (!cfg.is_object()) throw std::runtime_error("server.hoba is not an object");

  hoba::options o;
  o.store = st.store;
  o.clock = st.clock;
  if (cfg.contains("realm")) {
    o.realm = cfg["realm"].get<std::string>();
  } else if (server.contains("realm") && server["realm"].is_string()) {
    o.realm = server["realm"].get<std::string>();
  }
  if (cfg.contains("max_age")) o.max_age = cfg["max_age"].get<std::int64_t>();
  if (cfg.contains("origin")) o.origin = cfg["origin"].get<std::string>();
  if (cfg.contains("origin_form")) {
    const auto f = cfg["origin_form"].get<std::string>();
    if (f == "rfc6454") {
      o.form = hoba::origin_form::rfc6454;
    } else if (f != "explicit_port") {
      throw std::runtime_error("hoba.origin_form is \"explicit_port\" or \"rfc6454\"");
    }
  }
  if (cfg.contains("allow_rsa_sha1")) o.allow_rsa_sha1 = cfg["allow_rsa_sha1"].get<bool>();
  if (cfg.contains("min_rsa_bits")) o.min_rsa_bits = cfg["min_rsa_bits"].get<unsigned>();

  auto keys = std::make_shared<std::map<std::string, hoba::key_record, std::less<>>>();
  if (cfg.contains("keys")) {
    for (const auto& k : cfg["keys"]) {
      const auto kid = k.at("kid").get<std::string>();
      auto key = authwire::public_key::from_pem(k.at("public_key_pem").get<std::string>());
      if (!key) throw std::runtime_error("hoba.keys: no public key in public_key_pem for kid " + kid);
      hoba::key_record rec;
      rec.key = std::move(*key);
      const unsigned alg = k.contains("alg") ? k["alg"].get<unsigned>() : 0u;
      const auto a = hoba::algorithm_from_number(alg);
      if (!a) throw std::runtime_error("hoba.keys: alg is 0 (RSA-SHA256) or 1 (RSA-SHA1)");
      rec.alg = *a;
      if (k.contains("user")) rec.user = k["user"].get<std::string>();
      (*keys)[kid] = std::move(rec);
    }
  }

  auto h = std::make_shared<hoba::handler>(o, [keys](std::string_view kid) -> std::optional<hoba::key_record> {
    auto it = keys->find(kid);
    if (it == keys->end()) return std::nullopt;
    return it->second;
  });

  if (cfg.contains("issued")) {
    auto& slot = st.extra["hoba.adopted"];
    if (!slot) slot = std::make_shared<std::set<std::string>>();
    auto& adopted = *std::static_pointer_cast<std::set<std::string>>(slot);
    for (const auto& c : cfg["issued"]) {
      const auto v = c.get<std::string>();
      if (!adopted.insert(v).second) continue;
      if (h->adopt_challenge(v, st.now) != authwire::store_status::ok)
        throw std::runtime_error("hoba.issued: the store refused a challenge");
    }
  }
  return h;
}

/// The typed reading of `HOBA result=...` for `authwire credentials` (no signature bytes shown).
inline std::optional<nlohmann::ordered_json> typed_hoba(std::string_view authorization_value) {
  auto r = authwire::hoba::parse_credentials(authorization_value);
  if (!r) return std::nullopt;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["kid"] = std::string(r->kid);
  j["challenge"] = std::string(r->challenge);
  j["nonce"] = std::string(r->nonce);
  j["signature_bytes"] = r->sig.size();
  return j;
}

}  // namespace authwire_cli

#define AUTHWIRE_CLI_HAS_TYPED_HOBA 1
