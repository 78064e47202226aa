// SPDX-License-Identifier: MIT
// Example: a HOBA (RFC 7486) client on cpp-httplib, using the library's client side only.
//
//   hoba_client <base-url> <private-key.pem> <device-name> [<protected-path>]
//
// Registers the key with a server like examples/hoba_server (GET /.well-known/hoba/getchal,
// then POST /.well-known/hoba/register with a proof of possession), then logs in to /private
// by answering the 401's HOBA challenge on /private (or <protected-path>). Prints one line per step; exit status 0 when every
// step got the expected answer.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include <httplib.h>

#include <authwire/schemes/hoba.hpp>

namespace {

int fail(const char* what, int status) {
  std::printf("FAIL %s (status %d)\n", what, status);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  namespace hoba = authwire::hoba;
  if (argc != 4 && argc != 5) {
    std::fprintf(stderr, "usage: hoba_client <base-url> <private-key.pem> <device-name> [<protected-path>]\n");
    return 2;
  }
  const std::string path = argc == 5 ? argv[4] : "/private";
  const std::string base = argv[1];
  std::ifstream f(argv[2], std::ios::binary);
  const std::string pem((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const auto key = authwire::private_key::from_pem(pem);
  if (!key) {
    std::fprintf(stderr, "no private key in %s\n", argv[2]);
    return 2;
  }
  // The origin as the server will see it: scheme and the Host this client sends.
  const auto scheme_end = base.find("://");
  if (scheme_end == std::string::npos) return 2;
  const std::string scheme = base.substr(0, scheme_end);
  const std::string host = base.substr(scheme_end + 3);
  const auto origin = hoba::make_origin(scheme, host);
  if (!origin) {
    std::fprintf(stderr, "cannot build the origin: %s\n", std::string(hoba::to_string(origin.code())).c_str());
    return 2;
  }
  const std::string kid = hoba::kid_from_public_key(key->get());

  httplib::Client cli(base);
  cli.set_connection_timeout(10);
  cli.set_read_timeout(10);

  // 1. A challenge for the registration proof.
  auto r = cli.Get(std::string(hoba::well_known_getchal));
  if (!r || r->status != 200) return fail("getchal", r ? r->status : 0);
  auto proof = hoba::respond(r->get_header_value("WWW-Authenticate"), *key, kid, *origin);
  if (!proof) return fail("sign the registration proof", 0);

  // 2. Registration (RFC 7486 section 6.1).
  httplib::Headers h = {{"Authorization", *proof}};
  r = cli.Post(std::string(hoba::well_known_register), h,
               hoba::build_registration(hoba::public_pem_of(*key), kid, argv[3]),
               "application/x-www-form-urlencoded");
  if (!r || r->status != 200) return fail("register", r ? r->status : 0);
  std::printf("register %d Hobareg=%s\n", r->status, r->get_header_value("Hobareg").c_str());

  // 3. Login: the 401's challenge, answered.
  r = cli.Get(path);
  if (!r || r->status != 401) return fail("challenge", r ? r->status : 0);
  auto authz = hoba::respond(r->get_header_value("WWW-Authenticate"), *key, kid, *origin);
  if (!authz) return fail("sign the login", 0);
  h = {{"Authorization", *authz}};
  r = cli.Get(path, h);
  if (!r || r->status != 200) return fail("login", r ? r->status : 0);
  std::printf("login %d %s", r->status, r->body.c_str());

  // 4. The same Authorization again is refused: challenges are single-use.
  r = cli.Get(path, h);
  if (!r || r->status != 401) return fail("replay refused", r ? r->status : 0);
  std::printf("replay %d\n", r->status);
  return 0;
}
