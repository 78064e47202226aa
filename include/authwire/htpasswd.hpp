// SPDX-License-Identifier: MIT
/**
 * @file htpasswd.hpp
 * @brief Apache htpasswd password hashes and files for the Basic scheme: bcrypt (`$2y$`,
 *        `$2a$`, `$2b$`), SHA-256-crypt (`$5$`), SHA-512-crypt (`$6$`), MD5-crypt (`$1$`),
 *        Apache's `$apr1$` and `{SHA}`.
 *
 * Needs libcrypt (libxcrypt, Debian libcrypt-dev) for bcrypt and SHA-crypt: link the CMake
 * target `authwire::htpasswd` (which adds `crypt`) instead of only `authwire::authwire`.
 * libxcrypt has no `$apr1$`; it is composed here from OpenSSL's MD5 exactly as Apache's
 * apr_md5_encode does, and `{SHA}` is base64(SHA-1(password)).
 *
 * @code
 *   auto f = authwire::htpasswd::file::load("/etc/app/htpasswd");
 *   authwire::basic::options o; o.realm = "app";
 *   auth.add(std::make_shared<authwire::basic::handler>(o, f->checker()));
 * @endcode
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <crypt.h>
#include <openssl/crypto.h>

#include "codec.hpp"
#include "config.hpp"
#include "crypto.hpp"
#include "error.hpp"
#include "result.hpp"
#include "schemes/basic.hpp"

namespace authwire {
inline namespace v1 {
namespace htpasswd {

/// Why an htpasswd file or hash was refused. Values are never reused.
enum class errc : std::uint8_t {
  ok = 0,
  cannot_open = 1,       ///< the file could not be read
  missing_colon = 2,     ///< a line without "user:hash" (offset: the line's start)
  empty_user = 3,        ///< a line with an empty user name
  duplicate_user = 4,    ///< the same user twice
  unsupported_hash = 5,  ///< a hash format this library does not verify (offset: the hash)
  empty_file = 6,        ///< no entry at all
  hash_failed = 7,       ///< libcrypt refused to hash (bad setting)
};

/// The enumerator's name as spelled in the source.
constexpr std::string_view to_string(errc e) noexcept {
  switch (e) {
    case errc::ok: return "ok";
    case errc::cannot_open: return "cannot_open";
    case errc::missing_colon: return "missing_colon";
    case errc::empty_user: return "empty_user";
    case errc::duplicate_user: return "duplicate_user";
    case errc::unsupported_hash: return "unsupported_hash";
    case errc::empty_file: return "empty_file";
    case errc::hash_failed: return "hash_failed";
  }
  return "unknown";
}
/// A short English description.
constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::ok: return "no error";
    case errc::cannot_open: return "the htpasswd file cannot be read";
    case errc::missing_colon: return "an htpasswd line has no colon";
    case errc::empty_user: return "an htpasswd line has an empty user name";
    case errc::duplicate_user: return "a user appears twice in the htpasswd file";
    case errc::unsupported_hash: return "the password hash format is not supported";
    case errc::empty_file: return "the htpasswd file has no entries";
    case errc::hash_failed: return "the password could not be hashed";
  }
  return "unknown error";
}
/// The error category "authwire.htpasswd".
inline const std::error_category& category() noexcept {
  static const authwire::detail::enum_category<errc> c("authwire.htpasswd");
  return c;
}
inline std::error_code make_error_code(errc e) noexcept { return {static_cast<int>(e), category()}; }

/// The hash formats that htpasswd writes.
enum class hash_kind : std::uint8_t {
  unsupported,
  bcrypt,        ///< `$2y$` (htpasswd -B), also `$2a$`, `$2b$`
  apr1,          ///< `$apr1$` (htpasswd -m, the default)
  md5_crypt,     ///< `$1$`
  sha256_crypt,  ///< `$5$` (htpasswd -2)
  sha512_crypt,  ///< `$6$` (htpasswd -5)
  sha1,          ///< `{SHA}` (htpasswd -s), unsalted: weak
};

/// The format of a stored hash, from its prefix.
constexpr hash_kind kind_of(std::string_view h) noexcept {
  if (h.substr(0, 4) == "$2y$" || h.substr(0, 4) == "$2a$" || h.substr(0, 4) == "$2b$") return hash_kind::bcrypt;
  if (h.substr(0, 6) == "$apr1$") return hash_kind::apr1;
  if (h.substr(0, 3) == "$1$") return hash_kind::md5_crypt;
  if (h.substr(0, 3) == "$5$") return hash_kind::sha256_crypt;
  if (h.substr(0, 3) == "$6$") return hash_kind::sha512_crypt;
  if (h.substr(0, 5) == "{SHA}") return hash_kind::sha1;
  return hash_kind::unsupported;
}

namespace detail {
inline constexpr char itoa64[] = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

inline void to64(std::string& out, std::uint32_t v, int n) {
  while (n-- > 0) {
    out += itoa64[v & 0x3f];
    v >>= 6;
  }
}

// The MD5-crypt composition (Poul-Henning Kamp's, as Apache's apr_md5_encode): `magic` is
// "$apr1$" or "$1$"; the salt is at most 8 characters, up to the next '$'.
inline std::string md5_crypt(std::string_view pw, std::string_view setting, std::string_view magic) {
  std::string_view salt = setting;
  if (salt.substr(0, magic.size()) == magic) salt.remove_prefix(magic.size());
  salt = salt.substr(0, salt.find('$'));
  if (salt.size() > 8) salt = salt.substr(0, 8);

  hasher ctx(hash_algorithm::md5);
  ctx.update(pw).update(magic).update(salt);
  digest_bytes fin = hasher(hash_algorithm::md5).update(pw).update(salt).update(pw).final();
  for (std::size_t pl = pw.size(); pl > 0; pl -= (pl > 16 ? 16 : pl))
    ctx.update(fin.view().substr(0, pl > 16 ? 16 : pl));
  const char zero = '\0';
  for (std::size_t i = pw.size(); i != 0; i >>= 1) ctx.update((i & 1) ? std::string_view(&zero, 1) : pw.substr(0, 1));
  fin = ctx.final();
  hasher h;
  for (int i = 0; i < 1000; ++i) {
    h.init(hash_algorithm::md5);
    if (i & 1) h.update(pw); else h.update(fin.view());
    if (i % 3) h.update(salt);
    if (i % 7) h.update(pw);
    if (i & 1) h.update(fin.view()); else h.update(pw);
    fin = h.final();
  }
  const auto* f = fin.data.data();
  auto b = [&](int k) { return static_cast<std::uint32_t>(f[k]); };
  std::string out;
  out.reserve(magic.size() + salt.size() + 1 + 22);
  out.append(magic).append(salt).append(1, '$');
  to64(out, (b(0) << 16) | (b(6) << 8) | b(12), 4);
  to64(out, (b(1) << 16) | (b(7) << 8) | b(13), 4);
  to64(out, (b(2) << 16) | (b(8) << 8) | b(14), 4);
  to64(out, (b(3) << 16) | (b(9) << 8) | b(15), 4);
  to64(out, (b(4) << 16) | (b(10) << 8) | b(5), 4);
  to64(out, b(11), 2);
  OPENSSL_cleanse(fin.data.data(), fin.data.size());
  return out;
}

// crypt_rn with a per-thread work area (struct crypt_data is about 32 KiB).
inline std::optional<std::string> libcrypt(std::string_view pw, std::string_view setting) {
  thread_local std::unique_ptr<crypt_data> data;
  if (!data) data = std::make_unique<crypt_data>();
  const std::string p(pw), s(setting);  // NUL-terminated copies
  if (p.find('\0') != std::string::npos) return std::nullopt;  // crypt cannot take NUL bytes
  const char* r = crypt_rn(p.c_str(), s.c_str(), data.get(), static_cast<int>(sizeof(crypt_data)));
  std::optional<std::string> out;
  if (r && r[0] != '*') out = std::string(r);
  OPENSSL_cleanse(data.get(), sizeof(crypt_data));
  return out;
}
}  // namespace detail

/**
 * Apache's `$apr1$` hash of `password` with `salt` (at most 8 characters of `./0-9A-Za-z`;
 * a whole `$apr1$salt$...` hash is accepted as the salt too).
 */
inline std::string apr1(std::string_view password, std::string_view salt) {
  return detail::md5_crypt(password, salt, "$apr1$");
}

/// `{SHA}` + base64(SHA-1(password)), as `htpasswd -s` writes.
inline std::string sha1(std::string_view password) {
  auto d = hash(hash_algorithm::sha1, password);
  std::string out = "{SHA}";
  base64_encode(out, d.view());
  return out;
}

/**
 * Hashes `password` with the setting of `stored` (its format, salt and cost) and returns the
 * hash, or nullopt for an unsupported or broken format.
 */
inline std::optional<std::string> hash_like(std::string_view password, std::string_view stored) {
  switch (kind_of(stored)) {
    case hash_kind::apr1: return apr1(password, stored);
    case hash_kind::sha1: return sha1(password);
    case hash_kind::bcrypt:
    case hash_kind::md5_crypt:
    case hash_kind::sha256_crypt:
    case hash_kind::sha512_crypt: return detail::libcrypt(password, stored);
    case hash_kind::unsupported: break;
  }
  return std::nullopt;
}

/**
 * Verifies `password` against one stored htpasswd hash; the final comparison is constant
 * time. False for an unsupported format.
 */
inline bool verify_password(std::string_view password, std::string_view stored) {
  auto h = hash_like(password, stored);
  if (!h) return false;
  const bool ok = constant_time_equal(*h, stored);
  OPENSSL_cleanse(h->data(), h->size());
  return ok;
}

/**
 * Makes a new hash of `password` in format `kind` with a fresh random salt (`cost`: bcrypt's
 * log2 rounds, or SHA-crypt's rounds; 0 for the default). For tests and provisioning.
 */
inline result<std::string, errc> make_hash(std::string_view password, hash_kind kind, unsigned long cost = 0) {
  unsigned char rnd[16];
  random_bytes(rnd, sizeof rnd);
  std::string salt;
  for (unsigned char c : rnd) salt += detail::itoa64[c & 0x3f];
  switch (kind) {
    case hash_kind::apr1: return apr1(password, salt.substr(0, 8));
    case hash_kind::sha1: return sha1(password);
    case hash_kind::bcrypt:
    case hash_kind::md5_crypt:
    case hash_kind::sha256_crypt:
    case hash_kind::sha512_crypt: {
      const char* prefix = kind == hash_kind::bcrypt         ? "$2y$"
                           : kind == hash_kind::md5_crypt    ? "$1$"
                           : kind == hash_kind::sha256_crypt ? "$5$"
                                                             : "$6$";
      char setting[CRYPT_GENSALT_OUTPUT_SIZE];
      if (!crypt_gensalt_rn(prefix, cost, reinterpret_cast<const char*>(rnd), static_cast<int>(sizeof rnd), setting,
                            static_cast<int>(sizeof setting)))
        return basic_error<errc>{errc::hash_failed, 0};
      auto h = detail::libcrypt(password, setting);
      if (!h) return basic_error<errc>{errc::hash_failed, 0};
      return std::move(*h);
    }
    case hash_kind::unsupported: break;
  }
  return basic_error<errc>{errc::unsupported_hash, 0};
}

/// Options of `file::parse` / `file::load`.
struct file_options {
  bool allow_unsupported = false;  ///< keep lines with unknown hash formats (they never match)
  bool allow_duplicates = false;   ///< later lines win instead of failing
};

/**
 * An htpasswd file in memory: `user:hash` lines; blank lines and lines starting with '#' are
 * skipped; a trailing CR is dropped. Immutable once loaded, so `checker()` is thread-safe.
 */
class file {
 public:
  /// Parses the text of an htpasswd file. Error offsets are byte indexes into `text`.
  [[nodiscard]] static result<file, errc> parse(std::string_view text, const file_options& o = {}) {
    using err = basic_error<errc>;
    file f;
    std::size_t pos = 0;
    while (pos < text.size()) {
      std::size_t eol = text.find('\n', pos);
      if (eol == std::string_view::npos) eol = text.size();
      std::string_view line = text.substr(pos, eol - pos);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      const std::size_t start = pos;
      pos = eol + 1;
      if (line.empty() || line[0] == '#') continue;
      const auto colon = line.find(':');
      if (colon == std::string_view::npos) return err{errc::missing_colon, start};
      if (colon == 0) return err{errc::empty_user, start};
      const std::string_view user = line.substr(0, colon);
      std::string_view h = line.substr(colon + 1);
      // Some tools append ":comment" after the hash; a hash never contains ':'.
      h = h.substr(0, h.find(':'));
      if (kind_of(h) == hash_kind::unsupported && !o.allow_unsupported)
        return err{errc::unsupported_hash, start + colon + 1};
      auto [it, fresh] = f.entries_->emplace(std::string(user), std::string(h));
      if (!fresh) {
        if (!o.allow_duplicates) return err{errc::duplicate_user, start};
        it->second = std::string(h);
      }
      if (f.setting_.empty() && kind_of(h) != hash_kind::unsupported) f.setting_ = std::string(h);
    }
    if (f.entries_->empty()) return err{errc::empty_file, 0};
    f.make_dummy();
    return f;
  }

  /// Reads and parses the file at `path`.
  [[nodiscard]] static result<file, errc> load(const std::string& path, const file_options& o = {}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return basic_error<errc>{errc::cannot_open, 0};
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), o);
  }

  /// The number of users.
  std::size_t size() const noexcept { return entries_->size(); }
  /// The stored hash of `user`, if any.
  std::optional<std::string_view> find(std::string_view user) const {
    auto it = entries_->find(user);
    if (it == entries_->end()) return std::nullopt;
    return std::string_view(it->second);
  }

  /**
   * Checks `password` for `user`. An unknown user is checked against a dummy hash with the
   * format and cost of the file's first entry, so that it costs the same as a wrong password.
   */
  bool check(std::string_view user, std::string_view password) const {
    const auto stored = find(user);
    const bool ok = verify_password(password, stored ? *stored : std::string_view(*dummy_));
    return ok && stored.has_value();
  }

  /// The check as a `basic::credential_check` for `basic::handler` (shares the entries).
  basic::credential_check checker() const {
    return [f = *this](std::string_view user, std::string_view password) { return f.check(user, password); };
  }

 private:
  file() : entries_(std::make_shared<std::map<std::string, std::string, std::less<>>>()), dummy_(std::make_shared<std::string>()) {}

  void make_dummy() {
    unsigned char rnd[24];
    random_bytes(rnd, sizeof rnd);
    std::string pw;
    for (unsigned char c : rnd) pw += detail::itoa64[c & 0x3f];
    auto h = setting_.empty() ? std::nullopt : hash_like(pw, setting_);
    *dummy_ = h ? *h : sha1(pw);
    OPENSSL_cleanse(pw.data(), pw.size());
  }

  std::shared_ptr<std::map<std::string, std::string, std::less<>>> entries_;
  std::shared_ptr<std::string> dummy_;
  std::string setting_;
};

}  // namespace htpasswd
}  // namespace v1
}  // namespace authwire

template <>
struct std::is_error_code_enum<authwire::htpasswd::errc> : std::true_type {};
