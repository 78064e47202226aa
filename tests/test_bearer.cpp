// SPDX-License-Identifier: MIT
#include <authwire/schemes/bearer.hpp>

#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <authwire/challenge.hpp>

namespace bearer = authwire::bearer;
using bearer::errc;

namespace {
// A copy of `s` in a heap buffer of exactly its size: ASan reports any read past the end.
std::string_view exact_copy(std::string_view s, std::unique_ptr<char[]>& buf) {
  buf.reset(new char[s.size() ? s.size() : 1]);
  std::memcpy(buf.get(), s.data(), s.size());
  return {buf.get(), s.size()};
}
nlohmann::json load(const std::string& name) {
  std::ifstream in(std::string(AUTHWIRE_TEST_DATA) + "/bearer/" + name);
  REQUIRE(in);
  return nlohmann::json::parse(in);
}

// A request held in owned strings, with a view over it.
struct fake_request {
  std::string method = "GET", target = "/resource", body;
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<authwire::header_view> hv;
  bool has_body = true;
  authwire::request_view view() {
    hv.clear();
    for (auto& f : fields) hv.push_back({f.first, f.second});
    authwire::request_view v;
    v.method = method;
    v.target = target;
    v.headers = hv.data();
    v.header_count = hv.size();
    v.body = body;
    v.has_body = has_body;
    return v;
  }
  // Parses "METHOD target HTTP/1.1\r\nName: value\r\n...\r\n\r\nbody".
  static fake_request from_wire(const std::string& wire) {
    fake_request r;
    const auto head_end = wire.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    r.body = wire.substr(head_end + 4);
    std::string head = wire.substr(0, head_end);
    std::size_t pos = head.find("\r\n");
    const std::string line = head.substr(0, pos);
    const auto sp1 = line.find(' '), sp2 = line.rfind(' ');
    r.method = line.substr(0, sp1);
    r.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (pos != std::string::npos) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string f = head.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
      const auto colon = f.find(':');
      r.fields.emplace_back(f.substr(0, colon), f.substr(colon + 2));
    }
    return r;
  }
};

bearer::token_info check_token(std::string_view t) {
  if (t == "mF_9.B5f-4.1JqM") return bearer::token_info::valid("alice", {"read", "write"});
  if (t == "readonly") return bearer::token_info::valid("bob", {"read"});
  if (t == "expired") return bearer::token_info::expired();
  if (t == "revoked") return bearer::token_info::revoked();
  if (t == "stepup") {
    auto i = bearer::token_info::valid("carol", {"read"});
    i.acr = "urn:example:mfa";
    i.auth_time = 1000;
    return i;
  }
  if (t == "weak") {
    auto i = bearer::token_info::valid("dave", {"read"});
    i.acr = "urn:example:pwd";
    i.auth_time = 1000;
    return i;
  }
  return bearer::token_info::invalid();
}
}  // namespace

TEST_CASE("bearer: finds the RFC 6750 section 2 tokens in header, body and query", "[bearer][rfc6750]") {
  const auto doc = load("bearer-rfc6750.json");
  int n = 0;
  for (const auto& c : doc["requests"]) {
    INFO(c["id"].get<std::string>());
    auto fr = fake_request::from_wire(c["request"]);
    const auto req = fr.view();
    bearer::parse_options po;
    po.allow_form_body = true;
    po.allow_query = true;
    auto t = bearer::find_token(req, req.header("Authorization").value_or(""), po);
    REQUIRE(t);
    REQUIRE(t->has_value());
    CHECK((*t)->token() == c["expected_token"].get<std::string>());
    // With the optional methods off, only the header counts.
    auto strict = bearer::find_token(req, req.header("Authorization").value_or(""));
    REQUIRE(strict);
    CHECK(strict->has_value() == (c["id"] == "rfc6750-2.1-header"));
    ++n;
  }
  CHECK(n == 3);
}

TEST_CASE("bearer: builds the RFC 6750 section 3 challenges", "[bearer][rfc6750][builder]") {
  const auto doc = load("bearer-rfc6750.json");
  CHECK(*bearer::challenge_builder().realm("example").str() == doc["challenges"][0]["www_authenticate"].get<std::string>());
  auto c = bearer::challenge_builder()
               .realm("example")
               .error(bearer::error_code::invalid_token)
               .error_description("The access token expired")
               .str();
  REQUIRE(c);
  CHECK(*c == doc["challenges"][1]["www_authenticate"].get<std::string>());
  // The scope examples: three tokens, and one token with '=', '&' and ','.
  auto s1 = bearer::challenge_builder().scope(std::vector<std::string>{"openid", "profile", "email"}).str();
  CHECK(*s1 == "Bearer " + doc["challenges"][2]["param"].get<std::string>());
  auto s2 = bearer::challenge_builder().scope("urn:example:channel=HBO&urn:example:rating=G,PG-13").str();
  CHECK(*s2 == "Bearer " + doc["challenges"][3]["param"].get<std::string>());
  // And the generic parser reads them back.
  auto parsed = authwire::parse_challenges(*s2);
  REQUIRE(parsed);
  CHECK((*parsed)[0].param("scope")->value() == "urn:example:channel=HBO&urn:example:rating=G,PG-13");
}

TEST_CASE("bearer: builds the RFC 9470 and RFC 9728 challenges", "[bearer][rfc9470][rfc9728][builder]") {
  const auto doc = load("rfc9470-rfc9728.json");
  for (const auto& c : doc["challenges"]) {
    INFO(c["id"].get<std::string>());
    bearer::challenge_builder b;
    const auto& a = c["attributes"];
    if (a.contains("error")) b.error(bearer::error_code::insufficient_user_authentication);
    if (a.contains("error_description")) b.error_description(a["error_description"].get<std::string>());
    if (a.contains("acr_values")) b.acr_values(a["acr_values"].get<std::string>());
    if (a.contains("max_age")) b.max_age(std::stoull(a["max_age"].get<std::string>()));
    if (a.contains("resource_metadata")) b.resource_metadata(a["resource_metadata"].get<std::string>());
    auto s = b.str();
    REQUIRE(s);
    CHECK(*s == c["www_authenticate"].get<std::string>());
  }
}

TEST_CASE("bearer: error codes map to the RFC 6750 3.1 / RFC 9470 statuses", "[bearer][rfc6750]") {
  const auto doc = load("bearer-rfc6750.json");
  for (const auto& e : doc["error_codes"]) {
    const std::string name = e["error"];
    bearer::error_code code = name == "invalid_request" ? bearer::error_code::invalid_request
                              : name == "invalid_token" ? bearer::error_code::invalid_token
                                                        : bearer::error_code::insufficient_scope;
    CHECK(bearer::to_string(code) == name);
    CHECK(bearer::status_of(code) == e["status"].get<int>());
  }
  CHECK(bearer::status_of(bearer::error_code::insufficient_user_authentication) == 401);
  CHECK(bearer::error_code_of(errc::token_expired) == bearer::error_code::invalid_token);
  CHECK(bearer::error_code_of(errc::multiple_methods) == bearer::error_code::invalid_request);
  std::error_code ec = errc::bad_scope;
  CHECK(std::string(ec.category().name()) == "authwire.bearer");
  for (int i = 1; i <= 23; ++i) CHECK(bearer::to_string(static_cast<errc>(i)) != "unknown");
}

TEST_CASE("bearer: parse errors with offsets", "[bearer][negative]") {
  struct row {
    const char* input;
    errc code;
    std::size_t offset;
  };
  const row rows[] = {
      {"Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==", errc::not_bearer, 0},
      {"Bearer", errc::missing_token, 6},
      {"Bearer ", errc::missing_token, 7},
      {"Bearer a=b", errc::unexpected_parameters, 7},
      {"Bearer abc def", errc::malformed_credentials, 11},
      {"Bearer ab==c", errc::malformed_credentials, 10},  // read as param "ab" with a bad value
  };
  for (const auto& r : rows) {
    INFO(r.input);
    std::unique_ptr<char[]> buffer;
    const std::string_view exact = exact_copy(r.input, buffer);
    auto p = bearer::parse(exact);
    REQUIRE_FALSE(p);
    CHECK(p.code() == r.code);
    CHECK(p.offset() == r.offset);
  }
  bearer::parse_options small;
  small.max_length = 8;
  auto t = bearer::parse("Bearer abcdef", small);
  REQUIRE_FALSE(t);
  CHECK(t.code() == errc::too_long);
  CHECK(t.offset() == 8);
  auto ok = bearer::parse("bearer  mF_9.B5f-4.1JqM==");
  REQUIRE(ok);
  CHECK(ok->token() == "mF_9.B5f-4.1JqM==");
  CHECK(ok->source() == bearer::token_source::authorization_header);
}

TEST_CASE("bearer: b64token grammar", "[bearer]") {
  CHECK(bearer::is_b64token("mF_9.B5f-4.1JqM"));
  CHECK(bearer::is_b64token("a+/~-._=="));
  CHECK_FALSE(bearer::is_b64token(""));
  CHECK_FALSE(bearer::is_b64token("=="));
  CHECK_FALSE(bearer::is_b64token("a=b"));
  CHECK_FALSE(bearer::is_b64token("a b"));
  CHECK_FALSE(bearer::is_b64token("a,b"));
}

TEST_CASE("bearer: query and body extraction errors with offsets", "[bearer][negative][rfc6750]") {
  bearer::parse_options po;
  po.allow_query = true;
  po.allow_form_body = true;
  struct row {
    const char* target;
    const char* body;
    const char* authorization;
    errc code;
    std::size_t offset;
  };
  const row rows[] = {
      {"/r?access_token=a&access_token=b", "", "", errc::duplicate_access_token, 15},
      {"/r?x=1&access_token=", "", "", errc::empty_access_token, 4},
      {"/r?access_token", "", "", errc::empty_access_token, 0},
      {"/r?access_token=a%2", "", "", errc::bad_percent_encoding, 14},
      {"/r?access_token=a%zz", "", "", errc::bad_percent_encoding, 14},
      {"/r?access_token=a+b", "", "", errc::bad_token, 0},  // '+' decodes to SP
      {"/r?access_token=abc", "", "Bearer abc", errc::multiple_methods, 0},
      {"/r", "access_token=abc", "Bearer abc", errc::multiple_methods, 0},
      {"/r?access_token=abc", "access_token=abc", "", errc::multiple_methods, 0},
      {"/r", "a=1&access_token=x&access_token=y", "", errc::duplicate_access_token, 19},
  };
  for (const auto& r : rows) {
    INFO(r.target << " | " << r.body << " | " << r.authorization);
    fake_request fr;
    fr.method = "POST";
    fr.target = r.target;
    fr.body = r.body;
    fr.fields = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    auto t = bearer::find_token(fr.view(), r.authorization, po);
    REQUIRE_FALSE(t);
    CHECK(t.code() == r.code);
    CHECK(t.offset() == r.offset);
  }
  // A percent-encoded '+' is a b64token character.
  fake_request fr;
  fr.target = "/r?a=%41&access_token=x%2By%3D";
  auto t = bearer::find_token(fr.view(), "", po);
  REQUIRE(t);
  REQUIRE(t->has_value());
  CHECK((*t)->token() == "x+y=");
  CHECK((*t)->source() == bearer::token_source::uri_query);
  // A GET body, or a body of another content type, is not a token method.
  fake_request get;
  get.method = "GET";
  get.body = "access_token=abc";
  get.fields = {{"Content-Type", "application/x-www-form-urlencoded"}};
  auto g = bearer::find_token(get.view(), "", po);
  REQUIRE(g);
  CHECK_FALSE(g->has_value());
  fake_request json;
  json.method = "POST";
  json.body = "access_token=abc";
  json.fields = {{"Content-Type", "application/json"}};
  auto j = bearer::find_token(json.view(), "", po);
  REQUIRE(j);
  CHECK_FALSE(j->has_value());
}

TEST_CASE("bearer: challenge builder refuses characters RFC 6750 section 3 does not allow", "[bearer][builder][negative]") {
  struct row {
    bearer::challenge_builder b;
    errc code;
    std::size_t offset;
  };
  std::vector<row> rows;
  rows.push_back({bearer::challenge_builder().scope("a\"b"), errc::bad_scope, 1});
  rows.push_back({bearer::challenge_builder().scope("a\\b"), errc::bad_scope, 1});
  rows.push_back({bearer::challenge_builder().scope("a  b"), errc::bad_scope, 2});
  rows.push_back({bearer::challenge_builder().scope(" a"), errc::bad_scope, 0});
  rows.push_back({bearer::challenge_builder().scope("a "), errc::bad_scope, 1});
  rows.push_back({bearer::challenge_builder().scope(""), errc::bad_scope, 0});
  rows.push_back({bearer::challenge_builder().scope("caf\xc3\xa9"), errc::bad_scope, 3});
  rows.push_back({bearer::challenge_builder().error_description("bad \"quote\""), errc::bad_error_description, 4});
  rows.push_back({bearer::challenge_builder().error_description("line\r\nbreak"), errc::bad_error_description, 4});
  rows.push_back({bearer::challenge_builder().error_description("back\\slash"), errc::bad_error_description, 4});
  rows.push_back({bearer::challenge_builder().error_uri("https://x.example/a b"), errc::bad_error_uri, 19});
  rows.push_back({bearer::challenge_builder().error_uri("/relative"), errc::bad_error_uri, 0});
  rows.push_back({bearer::challenge_builder().error_uri("no-colon"), errc::bad_error_uri, 8});
  rows.push_back({bearer::challenge_builder().acr_values("a\tb"), errc::bad_acr_values, 1});
  rows.push_back({bearer::challenge_builder().resource_metadata("x"), errc::bad_resource_metadata, 1});
  rows.push_back({bearer::challenge_builder().realm("a").realm("b"), errc::duplicate_attribute, 0});
  rows.push_back({bearer::challenge_builder().scope("a").scope("b"), errc::duplicate_attribute, 0});
  rows.push_back({bearer::challenge_builder().error(bearer::error_code::invalid_token).error(bearer::error_code::invalid_request),
                  errc::duplicate_attribute, 0});
  rows.push_back({bearer::challenge_builder().max_age(1).max_age(2), errc::duplicate_attribute, 0});
  rows.push_back({bearer::challenge_builder().param("Scope", "x"), errc::duplicate_attribute, 0});
  rows.push_back({bearer::challenge_builder().param("ext", "a").param("EXT", "b"), errc::duplicate_attribute, 0});
  rows.push_back({bearer::challenge_builder().realm("a\nb"), errc::bad_realm, 1});
  rows.push_back({bearer::challenge_builder().param("bad name", "x"), errc::bad_attribute, 0});
  for (std::size_t i = 0; i < rows.size(); ++i) {
    INFO("row " << i);
    auto s = rows[i].b.str();
    REQUIRE_FALSE(s);
    CHECK(s.code() == rows[i].code);
    CHECK(s.offset() == rows[i].offset);
  }
  auto all = bearer::challenge_builder()
                 .param("ext", "v")
                 .resource_metadata("https://rs.example/.well-known/oauth-protected-resource")
                 .max_age(0)
                 .acr_values(std::vector<std::string>{"urn:a", "urn:b"})
                 .error_uri("https://doc.example/e?x=1")
                 .error_description("it's fine!")
                 .error(bearer::error_code::insufficient_user_authentication)
                 .scope("s1 s2")
                 .realm("r")
                 .str();
  REQUIRE(all);
  CHECK(*all ==
        "Bearer realm=\"r\", scope=\"s1 s2\", error=\"insufficient_user_authentication\", "
        "error_description=\"it's fine!\", error_uri=\"https://doc.example/e?x=1\", acr_values=\"urn:a urn:b\", "
        "max_age=\"0\", resource_metadata=\"https://rs.example/.well-known/oauth-protected-resource\", ext=\"v\"");
  auto parsed = authwire::parse_challenges(*all);
  REQUIRE(parsed);
  CHECK((*parsed)[0].params.size() == 9);
}

TEST_CASE("bearer: handler maps token checks to the status table", "[bearer][handler]") {
  bearer::options o;
  o.realm = "example";
  o.required_scopes = {"read"};
  bearer::handler h(o, check_token);
  fake_request fr;
  const auto req = fr.view();
  std::vector<std::string> plain;
  h.challenges(req, plain);
  CHECK(plain == std::vector<std::string>{"Bearer realm=\"example\""});  // no error code (RFC 6750 3.1)

  auto ok = h.verify(req, "Bearer mF_9.B5f-4.1JqM");
  CHECK(ok.kind == authwire::verdict_kind::allow);
  CHECK(ok.identity == "alice");

  auto bad = h.verify(req, "Bearer a b");
  CHECK(bad.kind == authwire::verdict_kind::bad_request);
  CHECK(bad.reason == "malformed_credentials");
  REQUIRE(bad.challenges.size() == 1);
  CHECK(bad.challenges[0] == "Bearer realm=\"example\", error=\"invalid_request\", error_description=\"the credentials value is malformed\"");

  auto inv = h.verify(req, "Bearer nope");
  CHECK(inv.kind == authwire::verdict_kind::unauthorized);
  CHECK(inv.reason == "token_invalid");
  CHECK(inv.challenges.at(0) == "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"the access token is invalid\"");
  auto exp = h.verify(req, "Bearer expired");
  CHECK(exp.kind == authwire::verdict_kind::unauthorized);
  CHECK(exp.reason == "token_expired");
  CHECK(exp.challenges.at(0) == "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"the access token expired\"");
  auto rev = h.verify(req, "Bearer revoked");
  CHECK(rev.kind == authwire::verdict_kind::unauthorized);
  CHECK(rev.reason == "token_revoked");

  bearer::options w = o;
  w.required_scopes = {"read", "write"};
  w.error_descriptions = false;
  bearer::handler hw(w, check_token);
  auto scope = hw.verify(req, "Bearer readonly");
  CHECK(scope.kind == authwire::verdict_kind::forbidden);
  CHECK(scope.reason == "insufficient_scope");
  CHECK(scope.challenges.at(0) == "Bearer realm=\"example\", scope=\"read write\", error=\"insufficient_scope\"");
  CHECK(hw.verify(req, "Bearer mF_9.B5f-4.1JqM").kind == authwire::verdict_kind::allow);
}

TEST_CASE("bearer: handler asks for step-up per RFC 9470", "[bearer][handler][rfc9470]") {
  bearer::options o;
  o.realm = "example";
  o.acr_values = {"urn:example:mfa"};
  o.max_age = 300;
  o.error_descriptions = false;
  std::int64_t now = 1200;
  o.clock = [&now] { return now; };
  o.resource_metadata = "https://rs.example/.well-known/oauth-protected-resource";
  bearer::handler h(o, check_token);
  fake_request fr;
  const auto req = fr.view();
  CHECK(h.verify(req, "Bearer stepup").kind == authwire::verdict_kind::allow);
  auto weak = h.verify(req, "Bearer weak");
  CHECK(weak.kind == authwire::verdict_kind::unauthorized);
  CHECK(weak.reason == "insufficient_user_authentication");
  CHECK(weak.challenges.at(0) ==
        "Bearer realm=\"example\", error=\"insufficient_user_authentication\", acr_values=\"urn:example:mfa\", "
        "max_age=\"300\", resource_metadata=\"https://rs.example/.well-known/oauth-protected-resource\"");
  now = 1301;  // auth_time 1000 + 300 < now: too old
  CHECK(h.verify(req, "Bearer stepup").reason == "insufficient_user_authentication");
  now = 1300;
  CHECK(h.verify(req, "Bearer stepup").kind == authwire::verdict_kind::allow);
  // A token without auth_time cannot meet max_age.
  CHECK(h.verify(req, "Bearer readonly").reason == "insufficient_user_authentication");
  std::vector<std::string> plain;
  h.challenges(req, plain);
  CHECK(plain.at(0) == "Bearer realm=\"example\", resource_metadata=\"https://rs.example/.well-known/oauth-protected-resource\"");
}

TEST_CASE("bearer: handler with query and body tokens", "[bearer][handler][rfc6750]") {
  bearer::options o;
  o.realm = "example";
  o.allow_query = true;
  o.allow_form_body = true;
  bearer::handler h(o, check_token);
  fake_request q;
  q.target = "/resource?access_token=mF_9.B5f-4.1JqM";
  CHECK(h.has_other_credentials(q.view()));
  auto v = h.verify(q.view(), "");
  CHECK(v.kind == authwire::verdict_kind::allow);
  auto both = h.verify(q.view(), "Bearer mF_9.B5f-4.1JqM");
  CHECK(both.kind == authwire::verdict_kind::bad_request);
  CHECK(both.reason == "multiple_methods");
  fake_request b;
  b.method = "POST";
  b.body = "access_token=readonly";
  b.fields = {{"Content-Type", "application/x-www-form-urlencoded"}};
  CHECK(h.has_other_credentials(b.view()));
  CHECK(h.verify(b.view(), "").identity == "bob");
  b.has_body = false;  // e.g. a pre-routing hook: the body is not there to look at
  CHECK_FALSE(h.has_other_credentials(b.view()));
  bearer::options off;
  bearer::handler h2(off, check_token);
  CHECK_FALSE(h2.has_other_credentials(q.view()));
}

TEST_CASE("bearer: the token never appears in a verdict", "[bearer][handler][security]") {
  bearer::handler h(bearer::options{}, check_token);
  fake_request fr;
  for (const char* v : {"Bearer secretvalue", "Bearer secretvalue x", "Bearer secretvalue="}) {
    auto r = h.verify(fr.view(), v);
    CHECK(r.kind != authwire::verdict_kind::allow);
    CHECK(r.reason.find("secret") == std::string::npos);
    for (const auto& c : r.challenges) CHECK(c.find("secret") == std::string::npos);
  }
}

TEST_CASE("bearer: verify judges token answers against requirements", "[bearer][rfc9470]") {
  bearer::requirements need;
  need.scopes = {"read"};
  auto good = bearer::token_info::valid("u", {"read", "x"});
  CHECK(bearer::verify(good, need, 0) == errc::ok);
  CHECK(bearer::verify(bearer::token_info::invalid(), need, 0) == errc::token_invalid);
  CHECK(bearer::verify(bearer::token_info::expired(), need, 0) == errc::token_expired);
  CHECK(bearer::verify(bearer::token_info::revoked(), need, 0) == errc::token_revoked);
  CHECK(bearer::verify(bearer::token_info::valid("u", {"READ"}), need, 0) == errc::insufficient_scope);
  need.acr_values = {"gold", "silver"};
  good.acr = "silver";
  CHECK(bearer::verify(good, need, 0) == errc::ok);
  good.acr = "bronze";
  CHECK(bearer::verify(good, need, 0) == errc::insufficient_user_authentication);
  good.acr = "gold";
  need.max_age = 10;
  CHECK(bearer::verify(good, need, 100) == errc::insufficient_user_authentication);  // no auth_time
  good.auth_time = 90;
  CHECK(bearer::verify(good, need, 100) == errc::ok);
  CHECK(bearer::verify(good, need, 101) == errc::insufficient_user_authentication);
  good.auth_time = 161;  // beyond now + 60 s of skew
  CHECK(bearer::verify(good, need, 100) == errc::insufficient_user_authentication);
  good.auth_time = 160;
  CHECK(bearer::verify(good, need, 100) == errc::ok);
}
