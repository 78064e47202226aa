// SPDX-License-Identifier: MIT
/**
 * @file authwire.cpp
 * @brief The `authwire` command-line tool: inspect challenges, credentials and
 *        Authentication-Info values, and replay requests through server-side verification.
 *
 * The contract (input and output formats, exit status) is the design note CLI.md; `authwire
 * --help` prints a summary. Output is one JSON document per line, keys in a fixed order.
 * Exit status: 0 every input handled (even when a verdict is "invalid"), 1 an input could not
 * be parsed or handled as asked, 2 usage error. Nothing escapes `main` as an exception.
 *
 * Bytes and JSON (tools/cli_json.hpp): a header value that is not UTF-8 is written, wherever it
 * appears in the output, as `{"b64": "<base64>"}`, mirroring the input format of `verify`.
 *
 * Scheme plug-ins
 * ---------------
 * A scheme joins the tool with one header `tools/verify_<scheme>.hpp`, <scheme> being one of
 * basic, bearer, digest, aws_sigv4, hoba, mutual. This file includes it when it exists
 * (`__has_include`) and maps the scheme names of the input ("Basic", "Bearer", "Digest",
 * "AWS4-HMAC-SHA256", "HOBA", "Mutual"; compared case-insensitively) to it. The header defines,
 * in namespace authwire_cli:
 *
 *   inline std::shared_ptr<authwire::scheme_handler>
 *   make_handler_<scheme>(const nlohmann::json& server, authwire_cli::cli_state& st);
 *
 * which builds the scheme's handler from the input line's "server" object (it may throw on bad
 * settings: the line is then answered with a "bad_input" error). State that must survive from
 * one line to the next goes into `st` (tools/cli_state.hpp).
 *
 * Optional typed reading (for `authwire credentials`): the same header may also define
 *
 *   inline std::optional<nlohmann::ordered_json> typed_<scheme>(std::string_view authorization_value);
 *
 * together with the macro `AUTHWIRE_CLI_HAS_TYPED_<SCHEME>` (upper case: ..._BASIC, ..._BEARER,
 * ..._DIGEST, ..._AWS_SIGV4, ..._HOBA, ..._MUTUAL). It receives the whole credentials value
 * (several lines joined by ", ") and returns the scheme's own reading (for example Digest `nc`
 * as a number), or nullopt when the value is not valid for the scheme. Its result is printed as
 * "typed". When the generic auth-param grammar rejects a value that the scheme's own grammar
 * accepts (SigV4's `Credential=AKID/date/...`), the output is
 * `{"credentials":{"scheme":...},"typed":{...}}` and the exit status 0.
 *
 * Build switches: AUTHWIRE_CLI_NO_PLUGINS leaves the scheme plug-ins out;
 * AUTHWIRE_CLI_TEST_PLUGIN includes "cli_test_plugin.hpp" (tests only), whose
 * AUTHWIRE_CLI_EXTRA_SCHEMES macro adds entries to the scheme table.
 */
#include <cstddef>
#include <cstdint>
#include <exception>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <authwire/authentication_info.hpp>
#include <authwire/challenge.hpp>
#include <authwire/codec.hpp>
#include <authwire/credentials.hpp>
#include <authwire/decision.hpp>
#include <authwire/error.hpp>
#include <authwire/grammar.hpp>
#include <authwire/server.hpp>

#include "cli_json.hpp"
#include "cli_state.hpp"

#if !defined(AUTHWIRE_CLI_NO_PLUGINS)
#  if __has_include("verify_basic.hpp")
#    include "verify_basic.hpp"
#    define AUTHWIRE_CLI_HAVE_BASIC 1
#  endif
#  if __has_include("verify_bearer.hpp")
#    include "verify_bearer.hpp"
#    define AUTHWIRE_CLI_HAVE_BEARER 1
#  endif
#  if __has_include("verify_digest.hpp")
#    include "verify_digest.hpp"
#    define AUTHWIRE_CLI_HAVE_DIGEST 1
#  endif
#  if __has_include("verify_aws_sigv4.hpp")
#    include "verify_aws_sigv4.hpp"
#    define AUTHWIRE_CLI_HAVE_AWS_SIGV4 1
#  endif
#  if __has_include("verify_hoba.hpp")
#    include "verify_hoba.hpp"
#    define AUTHWIRE_CLI_HAVE_HOBA 1
#  endif
#  if __has_include("verify_mutual.hpp")
#    include "verify_mutual.hpp"
#    define AUTHWIRE_CLI_HAVE_MUTUAL 1
#  endif
#endif
#if defined(AUTHWIRE_CLI_TEST_PLUGIN)
#  include "cli_test_plugin.hpp"
#endif

namespace authwire_cli {
namespace {

/// The typed reading of a credentials value, or nullopt.
using typed_fn = std::optional<ojson> (*)(std::string_view authorization_value);

/// One scheme the tool knows: its name, its handler factory, its optional typed reading.
struct scheme_entry {
  std::string_view name;
  handler_factory make;
  typed_fn typed;
};

// Wrappers so that a plug-in may return a handler subclass or a json of either flavour.
#define AUTHWIRE_CLI_MAKE(fn)                                                                       \
  [](const nlohmann::json& server_, cli_state& st_) -> std::shared_ptr<authwire::scheme_handler> { \
    return fn(server_, st_);                                                                        \
  }
#define AUTHWIRE_CLI_TYPED(fn)                                   \
  [](std::string_view v_) -> std::optional<ojson> {             \
    auto r_ = fn(v_);                                            \
    if (!r_) return std::nullopt;                                \
    return ojson(*r_);                                           \
  }

const std::vector<scheme_entry>& scheme_table() {
  static const std::vector<scheme_entry> table = {
#if defined(AUTHWIRE_CLI_HAVE_BASIC)
#  if defined(AUTHWIRE_CLI_HAS_TYPED_BASIC)
      {"Basic", AUTHWIRE_CLI_MAKE(make_handler_basic), AUTHWIRE_CLI_TYPED(typed_basic)},
#  else
      {"Basic", AUTHWIRE_CLI_MAKE(make_handler_basic), nullptr},
#  endif
#endif
#if defined(AUTHWIRE_CLI_HAVE_BEARER)
#  if defined(AUTHWIRE_CLI_HAS_TYPED_BEARER)
      {"Bearer", AUTHWIRE_CLI_MAKE(make_handler_bearer), AUTHWIRE_CLI_TYPED(typed_bearer)},
#  else
      {"Bearer", AUTHWIRE_CLI_MAKE(make_handler_bearer), nullptr},
#  endif
#endif
#if defined(AUTHWIRE_CLI_HAVE_DIGEST)
#  if defined(AUTHWIRE_CLI_HAS_TYPED_DIGEST)
      {"Digest", AUTHWIRE_CLI_MAKE(make_handler_digest), AUTHWIRE_CLI_TYPED(typed_digest)},
#  else
      {"Digest", AUTHWIRE_CLI_MAKE(make_handler_digest), nullptr},
#  endif
#endif
#if defined(AUTHWIRE_CLI_HAVE_AWS_SIGV4)
#  if defined(AUTHWIRE_CLI_HAS_TYPED_AWS_SIGV4)
      {"AWS4-HMAC-SHA256", AUTHWIRE_CLI_MAKE(make_handler_aws_sigv4), AUTHWIRE_CLI_TYPED(typed_aws_sigv4)},
#  else
      {"AWS4-HMAC-SHA256", AUTHWIRE_CLI_MAKE(make_handler_aws_sigv4), nullptr},
#  endif
#endif
#if defined(AUTHWIRE_CLI_HAVE_HOBA)
#  if defined(AUTHWIRE_CLI_HAS_TYPED_HOBA)
      {"HOBA", AUTHWIRE_CLI_MAKE(make_handler_hoba), AUTHWIRE_CLI_TYPED(typed_hoba)},
#  else
      {"HOBA", AUTHWIRE_CLI_MAKE(make_handler_hoba), nullptr},
#  endif
#endif
#if defined(AUTHWIRE_CLI_HAVE_MUTUAL)
#  if defined(AUTHWIRE_CLI_HAS_TYPED_MUTUAL)
      {"Mutual", AUTHWIRE_CLI_MAKE(make_handler_mutual), AUTHWIRE_CLI_TYPED(typed_mutual)},
#  else
      {"Mutual", AUTHWIRE_CLI_MAKE(make_handler_mutual), nullptr},
#  endif
#endif
#if defined(AUTHWIRE_CLI_EXTRA_SCHEMES)
      AUTHWIRE_CLI_EXTRA_SCHEMES
#endif
  };
  return table;
}

#undef AUTHWIRE_CLI_MAKE
#undef AUTHWIRE_CLI_TYPED

const scheme_entry* find_scheme(std::string_view name) {
  for (const auto& e : scheme_table())
    if (authwire::iequals(e.name, name)) return &e;
  return nullptr;
}

constexpr std::string_view usage_text =
    "usage: authwire <command> [options] [VALUE ...]\n"
    "\n"
    "  challenges [--proxy] [VALUE ...]   WWW-Authenticate (or Proxy-Authenticate) field values\n"
    "  credentials [VALUE]                one Authorization field value\n"
    "  authentication-info [VALUE]        one Authentication-Info field value\n"
    "  verify                             requests as JSON lines on stdin, verdicts on stdout\n"
    "\n"
    "With no VALUE, each line of stdin is one field line (a trailing CR is removed). All values\n"
    "together form one header, as if joined by \", \"; error offsets count bytes in that join.\n"
    "Output: one JSON document per line. A string that is not UTF-8 (a header value with\n"
    "ISO-8859-1 bytes, for example) is written as {\"b64\": \"<base64 of its bytes>\"}; verify\n"
    "accepts header values in the same form.\n"
    "Exit status: 0 every input handled, 1 an input could not be parsed or handled as asked,\n"
    "2 usage error.\n";

/// Writes one JSON line and flushes it (verify answers line by line).
void emit(const ojson& j) {
  std::cout << dump_line(j) << '\n';
  std::cout.flush();
}

ojson error_doc(ojson err) {
  ojson o = ojson::object();
  o["error"] = std::move(err);
  return o;
}

int usage_error(std::string_view message) {
  emit(error_doc(error_object("usage", std::nullopt, message)));
  std::cerr << "authwire: " << message << "\n" << usage_text;
  return 2;
}

/// Reads stdin as field lines: split at LF, one trailing CR removed per line; no final empty line.
std::vector<std::string> read_stdin_lines() {
  std::string all((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
  std::vector<std::string> lines;
  std::size_t i = 0;
  while (i < all.size()) {
    std::size_t j = all.find('\n', i);
    if (j == std::string::npos) j = all.size();
    std::string line = all.substr(i, j - i);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    i = j + 1;
  }
  return lines;
}

std::string join_lines(const std::vector<std::string>& lines) {
  std::string s;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) s += ", ";
    s += lines[i];
  }
  return s;
}

/// The parsed arguments of an inspect command.
struct inspect_args {
  bool proxy = false;
  std::vector<std::string> values;
  bool from_stdin = false;
};

/// Parses `[--proxy] [--] [VALUE ...]`; returns an error message on a usage error.
std::optional<std::string> parse_inspect_args(int argc, char** argv, inspect_args& a) {
  bool options_done = false;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && arg == "--proxy") {
      a.proxy = true;
    } else if (!options_done && arg.size() > 1 && arg[0] == '-') {
      return "unknown option: " + std::string(arg);
    } else {
      a.values.emplace_back(arg);
    }
  }
  if (a.values.empty()) {
    a.from_stdin = true;
    a.values = read_stdin_lines();
  }
  return std::nullopt;
}

int cmd_challenges(const inspect_args& a) {
  std::vector<std::string_view> lines(a.values.begin(), a.values.end());
  auto r = authwire::parse_challenges(lines.begin(), lines.end());
  if (!r) {
    emit(error_doc(error_object(r.error())));
    return 1;
  }
  ojson list = ojson::array();
  for (const auto c : *r) list.push_back(challenge_to_json(c));
  ojson o = ojson::object();
  o["challenges"] = std::move(list);
  emit(o);
  return 0;
}

/// The typed reading of a credentials value by its scheme's plug-in, if it offers one.
std::optional<ojson> typed_reading(std::string_view value) {
  std::size_t i = 0;
  while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
  std::size_t j = i;
  while (j < value.size() && authwire::is_tchar(value[j])) ++j;
  const auto* e = find_scheme(value.substr(i, j - i));
  if (!e || !e->typed) return std::nullopt;
  try {
    return e->typed(value);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

int cmd_credentials(const inspect_args& a) {
  if (!a.from_stdin && a.values.size() > 1) return usage_error("credentials takes one VALUE");
  std::vector<std::string_view> lines(a.values.begin(), a.values.end());
  auto r = authwire::parse_credentials(lines.begin(), lines.end());
  const std::string joined = join_lines(a.values);
  ojson o = ojson::object();
  if (!r) {
    // A scheme with its own grammar (SigV4) may still read it.
    auto typed = typed_reading(joined);
    if (!typed) {
      emit(error_doc(error_object(r.error())));
      return 1;
    }
    std::size_t i = 0;
    while (i < joined.size() && (joined[i] == ' ' || joined[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < joined.size() && authwire::is_tchar(joined[j])) ++j;
    ojson c = ojson::object();
    c["scheme"] = joined.substr(i, j - i);
    o["credentials"] = std::move(c);
    o["typed"] = std::move(*typed);
    emit(o);
    return 0;
  }
  o["credentials"] = challenge_to_json(r->view());
  if (auto typed = typed_reading(joined)) o["typed"] = std::move(*typed);
  emit(o);
  return 0;
}

int cmd_authentication_info(const inspect_args& a) {
  if (!a.from_stdin && a.values.size() > 1) return usage_error("authentication-info takes one VALUE");
  std::vector<std::string_view> lines(a.values.begin(), a.values.end());
  auto r = authwire::parse_authentication_info(lines.begin(), lines.end());
  if (!r) {
    emit(error_doc(error_object(r.error())));
    return 1;
  }
  ojson o = ojson::object();
  o["authentication_info"] = params_to_json(r->params());
  emit(o);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// verify

/// Why a line could not be handled.
struct line_failure {
  std::string code;
  std::optional<std::size_t> offset;
  std::string message;
};

/// The request of one line, owning the bytes its request_view points into.
struct owned_request {
  std::string method, target, body, peer_address, origin_scheme = "http";
  std::vector<std::string> names, values;
  std::vector<authwire::header_view> headers;

  authwire::request_view view() {
    headers.clear();
    for (std::size_t i = 0; i < names.size(); ++i) headers.push_back({names[i], values[i]});
    authwire::request_view r;
    r.method = method;
    r.target = target;
    r.headers = headers.data();
    r.header_count = headers.size();
    r.body = body;
    r.has_body = true;  // absent body_b64: the request had no body
    r.peer_address = peer_address;
    r.origin_scheme = origin_scheme;
    return r;
  }
};

std::optional<line_failure> bad_input(std::string message) {
  return line_failure{"bad_input", std::nullopt, std::move(message)};
}

std::optional<line_failure> read_request(const nlohmann::json& j, owned_request& out) {
  if (!j.contains("request") || !j["request"].is_object()) return bad_input("missing object: request");
  const auto& rq = j["request"];
  if (!rq.contains("method") || !rq["method"].is_string()) return bad_input("missing string: request.method");
  if (!rq.contains("target") || !rq["target"].is_string()) return bad_input("missing string: request.target");
  if (!rq.contains("headers") || !rq["headers"].is_array()) return bad_input("missing array: request.headers");
  out.method = rq["method"].get<std::string>();
  out.target = rq["target"].get<std::string>();
  std::size_t k = 0;
  for (const auto& h : rq["headers"]) {
    const std::string where = "request.headers[" + std::to_string(k++) + "]";
    if (!h.is_array() || h.size() != 2 || !h[0].is_string())
      return bad_input(where + ": expected [name, value]");
    std::string value;
    if (!json_to_bytes(h[1], value))
      return bad_input(where + ": a value is a string or {\"b64\": \"...\"} with strict base64");
    out.names.push_back(h[0].get<std::string>());
    out.values.push_back(std::move(value));
  }
  if (rq.contains("body_b64")) {
    if (!rq["body_b64"].is_string()) return bad_input("request.body_b64 is not a string");
    if (!authwire::base64_decode(out.body, rq["body_b64"].get<std::string>()))
      return bad_input("request.body_b64 is not strict base64");
  }
  if (rq.contains("peer_address") && rq["peer_address"].is_string())
    out.peer_address = rq["peer_address"].get<std::string>();
  if (rq.contains("origin_scheme") && rq["origin_scheme"].is_string())
    out.origin_scheme = rq["origin_scheme"].get<std::string>();
  return std::nullopt;
}

/// Handles one parsed line; fills `out` with the verdict document.
std::optional<line_failure> verify_one(const nlohmann::json& j, cli_state& st, ojson& out) {
  if (!j.contains("id")) return bad_input("missing key: id");
  owned_request req;
  if (auto f = read_request(j, req)) return f;
  if (!j.contains("server") || !j["server"].is_object()) return bad_input("missing object: server");
  const auto& server = j["server"];
  if (!server.contains("now") || !server["now"].is_number_integer()) return bad_input("missing integer: server.now");
  if (!server.contains("schemes") || !server["schemes"].is_array()) return bad_input("missing array: server.schemes");
  bool proxy = false;
  if (server.contains("proxy")) {
    if (!server["proxy"].is_boolean()) return bad_input("server.proxy is not true or false");
    proxy = server["proxy"].get<bool>();
  }
  std::vector<const scheme_entry*> entries;
  for (const auto& s : server["schemes"]) {
    if (!s.is_string()) return bad_input("server.schemes holds a non-string");
    const auto name = s.get<std::string>();
    const auto* e = find_scheme(name);
    if (!e)
      return line_failure{"unsupported_scheme", std::nullopt, "no plug-in for scheme \"" + name + "\" in this build"};
    entries.push_back(e);
  }

  st.now = server["now"].get<std::int64_t>();
  authwire::authenticator_options opts;
  opts.proxy = proxy;
  authwire::authenticator auth(opts);
  for (const auto* e : entries) {
    std::shared_ptr<authwire::scheme_handler> h;
    try {
      h = e->make(server, st);
    } catch (const std::exception& ex) {
      return bad_input("server settings for " + std::string(e->name) + ": " + ex.what());
    }
    if (!h) return bad_input("server settings for " + std::string(e->name) + " were refused by its plug-in");
    auth.add(std::move(h));
  }

  const authwire::decision d = auth.authenticate(req.view());
  out = ojson::object();
  out["id"] = j["id"];
  out["verdict"] = d.allowed() ? "valid" : "invalid";
  out["status"] = d.status();
  out["scheme"] = d.scheme().empty() ? ojson(nullptr) : ojson(d.scheme());
  out["identity"] = d.identity().empty() ? ojson(nullptr) : ojson(d.identity());
  out["reason"] = d.reason().empty() ? ojson(nullptr) : ojson(d.reason());
  ojson headers = ojson::array();
  for (const auto& h : d.headers()) headers.push_back(ojson::array({h.name, h.value}));
  out["headers"] = std::move(headers);
  return std::nullopt;
}

int cmd_verify(int argc, char**) {
  if (argc > 2) return usage_error("verify reads its requests from stdin and takes no arguments");
  cli_state st;
  bool all_handled = true;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines are skipped
    nlohmann::json j;
    ojson id = nullptr;
    std::optional<line_failure> failure;
    ojson out;
    try {
      j = nlohmann::json::parse(line);
      if (!j.is_object()) {
        failure = bad_input("the line is not a JSON object");
      } else {
        if (j.contains("id")) id = j["id"];
        failure = verify_one(j, st, out);
      }
    } catch (const nlohmann::json::parse_error& e) {
      failure = line_failure{"bad_input", e.byte > 0 ? e.byte - 1 : 0, "the line is not a JSON document"};
    } catch (const std::exception& e) {
      failure = line_failure{"internal_error", std::nullopt, e.what()};
    }
    if (failure) {
      all_handled = false;
      ojson o = ojson::object();
      o["id"] = id;
      o["error"] = error_object(failure->code, failure->offset, failure->message);
      emit(o);
    } else {
      emit(out);
    }
  }
  return all_handled ? 0 : 1;
}

int run(int argc, char** argv) {
  if (argc < 2) return usage_error("a command is required");
  const std::string_view cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::cout << usage_text;
    return 0;
  }
  if (cmd == "verify") return cmd_verify(argc, argv);
  if (cmd != "challenges" && cmd != "credentials" && cmd != "authentication-info")
    return usage_error("unknown command: " + std::string(cmd));
  inspect_args a;
  if (auto msg = parse_inspect_args(argc, argv, a)) return usage_error(*msg);
  if (cmd == "challenges") return cmd_challenges(a);
  if (cmd == "credentials") return cmd_credentials(a);
  return cmd_authentication_info(a);
}

}  // namespace
}  // namespace authwire_cli

int main(int argc, char** argv) {
  try {
    return authwire_cli::run(argc, argv);
  } catch (const std::exception& e) {
    try {
      authwire_cli::emit(authwire_cli::error_doc(authwire_cli::error_object("internal_error", std::nullopt, e.what())));
    } catch (...) {
    }
    return 1;
  } catch (...) {
    std::cout << "{\"error\":{\"code\":\"internal_error\",\"offset\":null,\"message\":\"unknown exception\"}}\n";
    return 1;
  }
}
