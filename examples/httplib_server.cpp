// SPDX-License-Identifier: MIT
// Example: a cpp-httplib server protected by authwire.
//
//   /basic, /basic/...    Basic (realm "basic@example", charset="UTF-8")
//   /bearer, /bearer/...  Bearer (realm "bearer@example"); /bearer/write needs scope "write"
//   /any                  Bearer or Basic, Bearer preferred
//   /form (POST)          Bearer from the header, a form body or the query (RFC 6750 2.2, 2.3)
//   /public               open
//
// Users: Aladdin / "open sesame", "J\xc3\xbcrgen" / "p\xc3\xa4ss" (UTF-8), or those of an htpasswd
// file given with --htpasswd FILE. Tokens: mF_9.B5f-4.1JqM (read write), readonly (read),
// expired. With --proxy, the whole server acts as a proxy that wants Basic
// (Proxy-Authorization, 407) and answers every request it lets through.
#include <cstring>
#include <iostream>
#include <memory>
#include <string>

#include <authwire/adapters/httplib.hpp>
#include <authwire/htpasswd.hpp>
#include <authwire/schemes/basic.hpp>
#include <authwire/schemes/bearer.hpp>

namespace {
std::optional<std::string> demo_password(std::string_view user) {
  if (user == "Aladdin") return std::string("open sesame");
  if (user == "J\xc3\xbcrgen") return std::string("p\xc3\xa4ss");
  return std::nullopt;
}

authwire::bearer::token_info demo_token(std::string_view token) {
  using authwire::bearer::token_info;
  if (token == "mF_9.B5f-4.1JqM") return token_info::valid("alice", {"read", "write"});
  if (token == "readonly") return token_info::valid("bob", {"read"});
  if (token == "expired") return token_info::expired();
  return token_info::invalid();
}

void hello(const httplib::Request& req, httplib::Response& res) {
  const auto& d = authwire::httplib_adapter::current();
  res.set_content("hello " + d.identity() + " via " + d.scheme() + " at " + req.target + "\n", "text/plain");
}
}  // namespace

int main(int argc, char** argv) {
  std::string htpasswd_path;
  bool proxy = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--htpasswd") == 0 && i + 1 < argc) {
      htpasswd_path = argv[++i];
    } else if (std::strcmp(argv[i], "--proxy") == 0) {
      proxy = true;
    } else {
      std::cerr << "usage: " << argv[0] << " [--htpasswd FILE] [--proxy]\n";
      return 2;
    }
  }

  authwire::basic::options bo;
  bo.realm = "basic@example";
  std::shared_ptr<authwire::basic::handler> basic;
  if (!htpasswd_path.empty()) {
    auto f = authwire::htpasswd::file::load(htpasswd_path);
    if (!f) {
      std::cerr << "htpasswd: " << authwire::htpasswd::describe(f.code()) << " at byte " << f.offset() << "\n";
      return 1;
    }
    basic = std::make_shared<authwire::basic::handler>(bo, f->checker());
  } else {
    basic = std::make_shared<authwire::basic::handler>(bo, demo_password);
  }

  authwire::bearer::options to;
  to.realm = "bearer@example";
  to.required_scopes_for = [](const authwire::request_view& r) {
    return r.path() == "/bearer/write" ? std::vector<std::string>{"write"} : std::vector<std::string>{"read"};
  };
  auto bearer = std::make_shared<authwire::bearer::handler>(to, demo_token);
  authwire::bearer::options fo = to;
  fo.allow_form_body = true;
  fo.allow_query = true;
  auto bearer_form = std::make_shared<authwire::bearer::handler>(fo, demo_token);

  httplib::Server svr;
  namespace ha = authwire::httplib_adapter;
  if (proxy) {
    authwire::authenticator_options po;
    po.proxy = true;
    auto auth = std::make_shared<authwire::authenticator>(po);
    auth->add(basic);
    svr.set_pre_routing_handler(ha::protect(auth, {"/"}));
    svr.Get(".*", hello);
    return ha::run_example(svr);
  }

  auto basic_only = std::make_shared<authwire::authenticator>();
  basic_only->add(basic);
  auto bearer_only = std::make_shared<authwire::authenticator>();
  bearer_only->add(bearer);
  auto either = std::make_shared<authwire::authenticator>();
  either->add(bearer).add(basic);
  auto form = std::make_shared<authwire::authenticator>();
  form->add(bearer_form);

  // The longest matching prefix picks the authenticator.
  svr.set_pre_routing_handler(ha::protect(std::vector<ha::route>{
      {"/basic", basic_only}, {"/bearer", bearer_only}, {"/any", either}}));
  for (const char* path : {"/basic", "/basic/.*", "/bearer", "/bearer/.*", "/any"}) svr.Get(path, hello);
  svr.Post("/form", ha::guard(form, [](const httplib::Request& req, httplib::Response& res, const authwire::decision&) {
             hello(req, res);
           }));
  svr.Get("/public", [](const httplib::Request&, httplib::Response& res) { res.set_content("public\n", "text/plain"); });
  return ha::run_example(svr);
}
