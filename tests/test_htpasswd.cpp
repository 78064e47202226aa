// SPDX-License-Identifier: MIT
#include <authwire/htpasswd.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include <catch2/catch.hpp>

namespace htpasswd = authwire::htpasswd;
using htpasswd::errc;
using htpasswd::hash_kind;

namespace {
// A fresh temporary directory under the build tree (never /tmp guesses shared by others).
std::string temp_dir() {
  std::string tmpl = std::string(AUTHWIRE_BINARY_DIR) + "/htpasswd-XXXXXX";
  char* d = mkdtemp(tmpl.data());
  REQUIRE(d != nullptr);
  return d;
}
bool have_htpasswd() { return std::system("htpasswd -nb x y >/dev/null 2>&1") == 0; }
}  // namespace

TEST_CASE("htpasswd: recognizes the hash formats by prefix", "[htpasswd]") {
  CHECK(htpasswd::kind_of("$2y$05$abc") == hash_kind::bcrypt);
  CHECK(htpasswd::kind_of("$2b$05$abc") == hash_kind::bcrypt);
  CHECK(htpasswd::kind_of("$apr1$abc$def") == hash_kind::apr1);
  CHECK(htpasswd::kind_of("$1$abc$def") == hash_kind::md5_crypt);
  CHECK(htpasswd::kind_of("$5$abc$def") == hash_kind::sha256_crypt);
  CHECK(htpasswd::kind_of("$6$abc$def") == hash_kind::sha512_crypt);
  CHECK(htpasswd::kind_of("{SHA}abc") == hash_kind::sha1);
  CHECK(htpasswd::kind_of("plaintext") == hash_kind::unsupported);
  CHECK(htpasswd::kind_of("") == hash_kind::unsupported);
}

TEST_CASE("htpasswd: apr1 composition matches libcrypt's MD5-crypt with the $1$ magic", "[htpasswd][apr1]") {
  // The same algorithm with magic "$1$" is what libxcrypt implements: a cross-check of the
  // composition. libxcrypt itself has no $apr1$.
  for (const char* pw : {"", "p", "password", "a much longer password than sixteen bytes, really"}) {
    for (const char* salt : {"abcdefgh", "x", "./9Az"}) {
      const auto ours = htpasswd::detail::md5_crypt(pw, salt, "$1$");
      const auto theirs = htpasswd::detail::libcrypt(pw, std::string("$1$") + salt + "$");
      REQUIRE(theirs);
      CHECK(ours == *theirs);
    }
  }
}

TEST_CASE("htpasswd: known apr1 and SHA vectors", "[htpasswd][apr1]") {
  // Apache's documented example pair (htpasswd -nbm with salt "r31....."), recomputed by
  // openssl passwd -apr1 -salt r31..... myPassword when this test was written.
  CHECK(htpasswd::apr1("myPassword", "r31.....") == "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/");
  CHECK(htpasswd::sha1("p") == "{SHA}UWuXg/ylF+7L0dBk2i0WUxCxl1k=");
  CHECK(htpasswd::verify_password("myPassword", "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"));
  CHECK_FALSE(htpasswd::verify_password("mypassword", "$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/"));
}

TEST_CASE("htpasswd: make_hash and verify_password for every format", "[htpasswd]") {
  for (auto k : {hash_kind::bcrypt, hash_kind::apr1, hash_kind::md5_crypt, hash_kind::sha256_crypt,
                 hash_kind::sha512_crypt, hash_kind::sha1}) {
    auto h = htpasswd::make_hash("s\xc3\xa9same", k, k == hash_kind::bcrypt ? 4 : 0);
    REQUIRE(h);
    CHECK(htpasswd::kind_of(*h) == k);
    CHECK(htpasswd::verify_password("s\xc3\xa9same", *h));
    CHECK_FALSE(htpasswd::verify_password("s\xc3\xa9samE", *h));
    CHECK_FALSE(htpasswd::verify_password("", *h));
  }
  auto u = htpasswd::make_hash("x", hash_kind::unsupported);
  REQUIRE_FALSE(u);
  CHECK(u.code() == errc::unsupported_hash);
  CHECK_FALSE(htpasswd::verify_password("x", "x"));
  CHECK_FALSE(htpasswd::verify_password("x", "$2y$broken"));
}

TEST_CASE("htpasswd: verifies files written by Apache's htpasswd tool", "[htpasswd][apache]") {
  if (!have_htpasswd()) {
    WARN("htpasswd (apache2-utils) not installed: Apache cross-check skipped");
    return;
  }
  const std::string dir = temp_dir();
  const std::string path = dir + "/users";
  // -c creates; -b takes the password; -B bcrypt, -m apr1, -s SHA, -2 SHA-256, -5 SHA-512.
  const char* cmds[] = {
      "htpasswd -cbB -C 4 '%s' bcrypt 'pw bcrypt' 2>/dev/null",
      "htpasswd -bm '%s' apr1 'pw:apr1' 2>/dev/null",
      "htpasswd -bs '%s' sha1 'pw sha1' 2>/dev/null",
      "htpasswd -b2 '%s' sha256 'pw sha256' 2>/dev/null",
      "htpasswd -b5 -r 1000 '%s' sha512 'pw sha512' 2>/dev/null",
  };
  for (const char* c : cmds) {
    char buf[512];
    std::snprintf(buf, sizeof buf, c, path.c_str());
    REQUIRE(std::system(buf) == 0);
  }
  auto f = htpasswd::file::load(path);
  REQUIRE(f);
  CHECK(f->size() == 5);
  CHECK(htpasswd::kind_of(*f->find("bcrypt")) == hash_kind::bcrypt);
  CHECK(htpasswd::kind_of(*f->find("apr1")) == hash_kind::apr1);
  CHECK(htpasswd::kind_of(*f->find("sha1")) == hash_kind::sha1);
  CHECK(htpasswd::kind_of(*f->find("sha256")) == hash_kind::sha256_crypt);
  CHECK(htpasswd::kind_of(*f->find("sha512")) == hash_kind::sha512_crypt);
  CHECK(f->check("bcrypt", "pw bcrypt"));
  CHECK(f->check("apr1", "pw:apr1"));
  CHECK(f->check("sha1", "pw sha1"));
  CHECK(f->check("sha256", "pw sha256"));
  CHECK(f->check("sha512", "pw sha512"));
  CHECK_FALSE(f->check("bcrypt", "pw apr1"));
  CHECK_FALSE(f->check("apr1", "pw:apr2"));
  CHECK_FALSE(f->check("sha1", "pw sha"));
  CHECK_FALSE(f->check("sha256", ""));
  CHECK_FALSE(f->check("sha512", "pw sha256"));
  CHECK_FALSE(f->check("nobody", "pw bcrypt"));
  // Apache verifies what we write, too (htpasswd -v reads the file).
  {
    std::ofstream out(dir + "/ours");
    out << "a:" << *htpasswd::make_hash("one", hash_kind::apr1) << "\n";
    out << "b:" << *htpasswd::make_hash("two", hash_kind::bcrypt, 4) << "\n";
    out << "c:" << *htpasswd::make_hash("three", hash_kind::sha512_crypt) << "\n";
  }
  CHECK(std::system(("htpasswd -vb '" + dir + "/ours' a one >/dev/null 2>&1").c_str()) == 0);
  CHECK(std::system(("htpasswd -vb '" + dir + "/ours' b two >/dev/null 2>&1").c_str()) == 0);
  CHECK(std::system(("htpasswd -vb '" + dir + "/ours' c three >/dev/null 2>&1").c_str()) == 0);
  CHECK(std::system(("htpasswd -vb '" + dir + "/ours' a two >/dev/null 2>&1").c_str()) != 0);
  std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("htpasswd: file parse errors with offsets", "[htpasswd][negative]") {
  const std::string sha = htpasswd::sha1("x");
  struct row {
    std::string text;
    errc code;
    std::size_t offset;
  };
  const row rows[] = {
      {"", errc::empty_file, 0},
      {"# only a comment\n\n", errc::empty_file, 0},
      {"a:" + sha + "\nnocolon\n", errc::missing_colon, 3 + sha.size()},
      {":" + sha + "\n", errc::empty_user, 0},
      {"a:" + sha + "\na:" + sha + "\n", errc::duplicate_user, 3 + sha.size()},
      {"a:plain\n", errc::unsupported_hash, 2},
  };
  for (const auto& r : rows) {
    INFO(r.text);
    auto f = htpasswd::file::parse(r.text);
    REQUIRE_FALSE(f);
    CHECK(f.code() == r.code);
    CHECK(f.offset() == r.offset);
  }
  auto missing = htpasswd::file::load("/nonexistent/authwire/htpasswd");
  REQUIRE_FALSE(missing);
  CHECK(missing.code() == errc::cannot_open);
  htpasswd::file_options lenient;
  lenient.allow_duplicates = true;
  lenient.allow_unsupported = true;
  auto ok = htpasswd::file::parse("a:plain\r\na:" + sha + "\r\n# c\nb:" + sha + ":comment\n", lenient);
  REQUIRE(ok);
  CHECK(ok->size() == 2);
  CHECK(ok->check("a", "x"));
  CHECK(ok->check("b", "x"));
}

TEST_CASE("htpasswd: checker plugs into basic::handler", "[htpasswd][basic]") {
  auto f = htpasswd::file::parse("Aladdin:" + *htpasswd::make_hash("open sesame", hash_kind::sha256_crypt) + "\n");
  REQUIRE(f);
  authwire::basic::options o;
  o.realm = "WallyWorld";
  authwire::basic::handler h(o, f->checker());
  const authwire::request_view req{};
  CHECK(h.verify(req, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==").kind == authwire::verdict_kind::allow);
  CHECK(h.verify(req, *authwire::basic::authorization("Aladdin", "open sesamE")).reason == "wrong_credentials");
  CHECK(h.verify(req, *authwire::basic::authorization("Nobody", "open sesame")).reason == "wrong_credentials");
}
