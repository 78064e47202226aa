// SPDX-License-Identifier: MIT
// The AWS Signature Version 4 (AWS4-HMAC-SHA256) plug-in of `authwire verify` (see
// authwire.cpp and CLI.md).
//
// Settings: the input line's "server" object may hold an "aws" object:
//
//   "aws": {
//     "credentials": [{"access_key": "AKIDEXAMPLE", "secret": "...",
//                      "session_token": "...",       // optional: required on the request
//                      "identity": "alice"}],        // optional: reported identity
//     "region": "us-east-1",                         // or "regions": [...]
//     "service": "s3",                               // or "services": [...]
//     "max_skew": 900,                               // seconds, default 900
//     "path_mode": "automatic",                      // automatic, s3, normalized, unnormalized
//     "require_signed_amz_headers": true,
//     "query_token_excluded": false,
//     "realm": "aws"                                 // default: server.realm, else "aws"
//   }
//
// The clock is the line's "now" (cli_state.clock). The handler is stateless across lines
// apart from its signing-key cache.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <authwire/schemes/aws_sigv4.hpp>

#include "cli_state.hpp"

namespace authwire_cli {

/// Builds the SigV4 handler of one `verify` line from "server" (throws on bad settings).
inline std::shared_ptr<authwire::scheme_handler> make_handler_aws_sigv4(const nlohmann::json& server, cli_state& st) {
  namespace aws = authwire::aws_sigv4;
  const nlohmann::json empty = nlohmann::json::object();
  const nlohmann::json& cfg = server.contains("aws") ? server["aws"] : empty;
  if (!cfg.is_object()) throw std::runtime_error("server.aws is not an object");

  aws::verifier_options o;
  auto list = [&cfg](const char* one, const char* many, std::vector<std::string>& out) {
    if (cfg.contains(one)) out.push_back(cfg[one].get<std::string>());
    if (cfg.contains(many))
      for (const auto& x : cfg[many]) out.push_back(x.get<std::string>());
  };
  list("region", "regions", o.regions);
  list("service", "services", o.services);
  if (cfg.contains("max_skew")) o.max_skew = cfg["max_skew"].get<std::int64_t>();
  if (cfg.contains("require_signed_amz_headers")) o.require_signed_amz_headers = cfg["require_signed_amz_headers"].get<bool>();
  if (cfg.contains("query_token_excluded")) o.query_token_excluded = cfg["query_token_excluded"].get<bool>();
  if (cfg.contains("path_mode")) {
    const auto m = cfg["path_mode"].get<std::string>();
    if (m == "automatic") o.mode = aws::path_mode::automatic;
    else if (m == "s3") o.mode = aws::path_mode::s3;
    else if (m == "normalized") o.mode = aws::path_mode::normalized;
    else if (m == "unnormalized") o.mode = aws::path_mode::unnormalized;
    else throw std::runtime_error("aws.path_mode is automatic, s3, normalized or unnormalized");
  }
  if (cfg.contains("realm")) {
    o.realm = cfg["realm"].get<std::string>();
  } else if (server.contains("realm") && server["realm"].is_string()) {
    o.realm = server["realm"].get<std::string>();
  }

  struct account {
    std::string access_key;
    aws::secret_record rec;
  };
  auto accounts = std::make_shared<std::vector<account>>();
  if (cfg.contains("credentials")) {
    for (const auto& c : cfg["credentials"]) {
      account a;
      a.access_key = c.at("access_key").get<std::string>();
      a.rec.secret = c.at("secret").get<std::string>();
      if (c.contains("session_token")) a.rec.session_token = c["session_token"].get<std::string>();
      if (c.contains("identity")) a.rec.identity = c["identity"].get<std::string>();
      accounts->push_back(std::move(a));
    }
  }
  return std::make_shared<aws::handler>(
      std::move(o),
      [accounts](std::string_view key) -> std::optional<aws::secret_record> {
        for (const auto& a : *accounts)
          if (a.access_key == key) return a.rec;
        return std::nullopt;
      },
      st.clock);
}

/// The typed reading of an `AWS4-HMAC-SHA256 ...` Authorization value for `authwire credentials`.
inline std::optional<nlohmann::ordered_json> typed_aws_sigv4(std::string_view authorization_value) {
  namespace aws = authwire::aws_sigv4;
  auto a = aws::parse_authorization(authorization_value);
  if (!a) return std::nullopt;
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["access_key"] = std::string(a->credential.access_key);
  j["date"] = std::string(a->credential.date);
  j["region"] = std::string(a->credential.region);
  j["service"] = std::string(a->credential.service);
  nlohmann::ordered_json names = nlohmann::ordered_json::array();
  std::string_view sh = a->signed_headers;
  std::size_t b = 0;
  for (std::size_t i = 0; i <= sh.size(); ++i) {
    if (i < sh.size() && sh[i] != ';') continue;
    names.push_back(std::string(sh.substr(b, i - b)));
    b = i + 1;
  }
  j["signed_headers"] = names;
  return j;  // the signature is a per-request value, but it is left out like every secret
}

}  // namespace authwire_cli

#define AUTHWIRE_CLI_HAS_TYPED_AWS_SIGV4 1
