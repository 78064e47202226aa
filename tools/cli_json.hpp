// SPDX-License-Identifier: MIT
/**
 * @file cli_json.hpp
 * @brief JSON helpers of the `authwire` command-line tool: byte strings in and out of JSON
 *        (`{"b64": ...}` for bytes that are not UTF-8), the error object, and the generic
 *        views of challenges, credentials and Authentication-Info as JSON.
 *
 * JSON strings are UTF-8 text, header values are bytes. The rule, in both directions: a byte
 * string that is valid UTF-8 is a JSON string; any other is the object `{"b64": "<base64 of
 * the bytes>"}` (RFC 4648 section 4, padded). On output this applies to every string in every
 * document (`sanitize`), so the output is always valid JSON.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <authwire/authentication_info.hpp>
#include <authwire/challenge.hpp>
#include <authwire/codec.hpp>
#include <authwire/credentials.hpp>
#include <authwire/error.hpp>

namespace authwire_cli {

using ojson = nlohmann::ordered_json;

/// A byte string as JSON: a string when it is UTF-8, else `{"b64": ...}`.
inline ojson bytes_to_json(std::string_view s) {
  if (authwire::is_valid_utf8(s)) return ojson(std::string(s));
  ojson o = ojson::object();
  o["b64"] = authwire::base64_encode(s);
  return o;
}

/**
 * Reads a byte string from JSON: a string (its UTF-8 bytes) or `{"b64": "..."}` (strict
 * base64). Returns false when `j` is neither.
 */
template <class Json>
bool json_to_bytes(const Json& j, std::string& out) {
  out.clear();
  if (j.is_string()) {
    out = j.template get<std::string>();
    return true;
  }
  if (j.is_object() && j.size() == 1 && j.contains("b64") && j["b64"].is_string()) {
    const auto text = j["b64"].template get<std::string>();
    return static_cast<bool>(authwire::base64_decode(out, text));
  }
  return false;
}

/// Replaces, in place and recursively, every string value that is not UTF-8 by `{"b64": ...}`.
inline void sanitize(ojson& j) {
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (!authwire::is_valid_utf8(s)) j = bytes_to_json(s);
  } else if (j.is_array() || j.is_object()) {
    for (auto& v : j) sanitize(v);
  }
}

/// One output line: sanitized, compact, keys in insertion order; object keys that are not
/// UTF-8 (never produced by the tool itself) are replaced rather than failing.
inline std::string dump_line(ojson j) {
  sanitize(j);
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

/// `{"code": ..., "offset": ..., "message": ...}`; `offset` null when it does not apply.
inline ojson error_object(std::string_view code, std::optional<std::size_t> offset, std::string_view message) {
  ojson e = ojson::object();
  e["code"] = std::string(code);
  if (offset) {
    e["offset"] = *offset;
  } else {
    e["offset"] = nullptr;
  }
  e["message"] = std::string(message);
  return e;
}

/// The error object of a library error (code spelled as in the source, offset, description).
inline ojson error_object(const authwire::error& e) {
  return error_object(authwire::to_string(e.code), e.offset, authwire::describe(e.code));
}

/// `[[name, value], ...]` with names as written and values unescaped, in order.
inline ojson params_to_json(authwire::param_range params) {
  ojson a = ojson::array();
  for (const auto& p : params) a.push_back(ojson::array({std::string(p.name), p.value()}));
  return a;
}

/// `{"scheme": ..., "params": [...]}` or `{"scheme": ..., "token68": ...}`, never both.
inline ojson challenge_to_json(const authwire::challenge_view& c) {
  ojson o = ojson::object();
  o["scheme"] = std::string(c.scheme);
  if (c.has_token68) {
    o["token68"] = std::string(c.token68);
  } else {
    o["params"] = params_to_json(c.params);
  }
  return o;
}

}  // namespace authwire_cli
