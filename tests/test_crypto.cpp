#include <authwire/crypto.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>

#include <unistd.h>

using namespace std::literals;
using authwire::hash_algorithm;

namespace {

std::string hex_of(const authwire::digest_bytes& d) { return d.hex(); }

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}
void write_file(const std::string& path, std::string_view data) {
  std::ofstream f(path, std::ios::binary);
  f.write(data.data(), static_cast<std::streamsize>(data.size()));
}

/// A temporary directory with keys made by the `openssl` command.
struct key_dir {
  std::string path;
  key_dir() {
    char tmpl[] = "/tmp/authwire_crypto_XXXXXX";
    const char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~key_dir() {
    const std::string cmd = "rm -rf '" + path + "'";
    if (std::system(cmd.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", path.c_str());
  }
  int run(const std::string& cmd) const {
    const std::string full = "cd '" + path + "' && " + cmd + " >/dev/null 2>&1";
    return std::system(full.c_str());
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
};

}  // namespace

TEST_CASE("crypto: known-answer hashes of \"abc\" and \"\"", "[crypto][hash]") {
  CHECK(hex_of(authwire::hash(hash_algorithm::md5, "abc")) == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(hex_of(authwire::hash(hash_algorithm::sha1, "abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(hex_of(authwire::hash(hash_algorithm::sha256, "abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // FIPS 180-4 SHA-512/256 (not SHA-512 truncated).
  CHECK(hex_of(authwire::hash(hash_algorithm::sha512_256, "abc")) ==
        "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  CHECK(hex_of(authwire::hash(hash_algorithm::sha512, "abc")) ==
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
        "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
  CHECK(hex_of(authwire::hash(hash_algorithm::md5, "")) == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(hex_of(authwire::hash(hash_algorithm::sha256, "")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 2617 section 3.5: HA1 = MD5("Mufasa:testrealm@host.com:Circle Of Life").
  CHECK(hex_of(authwire::hash(hash_algorithm::md5, "Mufasa:testrealm@host.com:Circle Of Life")) ==
        "939e7578ed9e3c518a452acee763bce9");
  for (auto a : {hash_algorithm::md5, hash_algorithm::sha1, hash_algorithm::sha256, hash_algorithm::sha512_256,
                 hash_algorithm::sha512}) {
    const auto d = authwire::hash(a, "x");
    CHECK(d.size == authwire::digest_size(a));
    CHECK(d.view().size() == d.size);
    const authwire::hex_digest h(d);
    CHECK(h.view() == d.hex());
    CHECK(h.view().size() == 2 * d.size);
  }
  static_assert(authwire::digest_size(hash_algorithm::sha512_256) == 32, "constexpr");
}

TEST_CASE("crypto: hasher is incremental and reusable", "[crypto][hash]") {
  authwire::hasher h(hash_algorithm::sha256);
  h.update("a").update("").update("bc");
  CHECK(h.final().hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  h.init(hash_algorithm::md5).update("ab").update("c");
  CHECK(h.final().hex() == "900150983cd24fb0d6963f7d28e17f72");
  // A million 'a' (FIPS 180 long message), in chunks.
  h.init(hash_algorithm::sha256);
  const std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk);
  CHECK(h.final().hex() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  authwire::hasher moved = std::move(h);
  moved.init(hash_algorithm::sha1).update("abc");
  CHECK(moved.final().hex() == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("crypto: HMAC-SHA256 RFC 4231 test cases 1 and 2", "[crypto][hmac][rfc4231]") {
  const std::string key1(20, '\x0b');
  CHECK(authwire::hmac_sha256(key1, "Hi There").hex() ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(authwire::hmac_sha256("Jefe", "what do ya want for nothing?").hex() ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // The same through the keyed context, and SHA-512 (RFC 4231 test case 2).
  authwire::hmac m(hash_algorithm::sha512, "Jefe");
  CHECK(m.update("what do ya want ").update("for nothing?").final().hex() ==
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
        "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
  // RFC 4231 test case 6: a key longer than the block size.
  const std::string key6(131, '\xaa');
  CHECK(authwire::hmac_sha256(key6, "Test Using Larger Than Block-Size Key - Hash Key First").hex() ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // An empty key is valid HMAC.
  CHECK(authwire::hmac_sha256("", "").hex() == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST_CASE("crypto: hmac reset reuses the key and copies are independent", "[crypto][hmac]") {
  authwire::hmac m(hash_algorithm::sha256, "Jefe");
  const std::string want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  CHECK(m.update("what do ya want for nothing?").final().hex() == want);
  for (int i = 0; i < 3; ++i) {
    m.reset();
    CHECK(m.update("what do ya want for nothing?").final().hex() == want);
  }
  // reset discards a half-fed message.
  m.reset().update("garbage");
  m.reset();
  CHECK(m.update("what do ya want for nothing?").final().hex() == want);
  // A copy taken mid-message continues independently.
  m.reset().update("what do ya ");
  authwire::hmac copy = m;
  m.update("want for nothing?");
  copy.update("want for nothing?");
  CHECK(m.final().hex() == want);
  CHECK(copy.final().hex() == want);
  // init with another key and digest.
  m.init(hash_algorithm::sha256, std::string(20, '\x0b')).update("Hi There");
  CHECK(m.final().hex() == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  authwire::hmac assigned;
  assigned = copy;
  assigned.reset().update("what do ya want for nothing?");
  CHECK(assigned.final().hex() == want);
  // The thread-local one-shot works from other threads.
  std::string other;
  std::thread t([&] { other = authwire::hmac_sha256("Jefe", "what do ya want for nothing?").hex(); });
  t.join();
  CHECK(other == want);
}

TEST_CASE("crypto: constant_time_equal", "[crypto]") {
  CHECK(authwire::constant_time_equal("", ""));
  CHECK(authwire::constant_time_equal("abc", "abc"));
  CHECK_FALSE(authwire::constant_time_equal("abc", "abd"));
  CHECK_FALSE(authwire::constant_time_equal("abc", "ab"));
  CHECK_FALSE(authwire::constant_time_equal("", "a"));
  CHECK_FALSE(authwire::constant_time_equal("a\0b"sv, "a\0c"sv));
  CHECK(authwire::constant_time_equal("a\0b"sv, "a\0b"sv));
  CHECK_FALSE(authwire::constant_time_equal("xbc", "abc"));  // first byte differs
}

TEST_CASE("crypto: constant_time_equal, every length and every single-byte difference", "[crypto]") {
  // Lengths 0..40 cover the 8-byte words, the byte tail and both together; every position
  // and several bit patterns (the high bit, the low bit, all bits) must make it unequal.
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string a(n, '\0');
    for (std::size_t i = 0; i < n; ++i) a[i] = static_cast<char>(0x30 + (i * 7) % 64);
    std::string b = a;
    CHECK(authwire::constant_time_equal(a, b));
    for (std::size_t i = 0; i < n; ++i)
      for (const int flip : {0x01, 0x80, 0xFF, 0x10}) {
        b[i] = static_cast<char>(static_cast<unsigned char>(a[i]) ^ flip);
        if (authwire::constant_time_equal(a, b)) FAIL("equal despite byte " << i << " of " << n << " ^ " << flip);
        b[i] = a[i];
      }
    CHECK(authwire::constant_time_equal(a, b));
    // Unequal lengths, including a prefix (same bytes, one more or one fewer).
    CHECK_FALSE(authwire::constant_time_equal(a, a + "x"));
    CHECK_FALSE(authwire::constant_time_equal(a + '\0', a));
    if (n > 0) CHECK_FALSE(authwire::constant_time_equal(std::string_view(a).substr(1), a));
  }
  // Unaligned views into one buffer.
  const std::string buf = "xxABCDEFGHIJKLMNOPQRSTUVWXYZyyABCDEFGHIJKLMNOPQRSTUVWXYZ";
  const std::string_view v(buf);
  CHECK(authwire::constant_time_equal(v.substr(2, 26), v.substr(30, 26)));
  CHECK_FALSE(authwire::constant_time_equal(v.substr(2, 27), v.substr(30, 27)));
}

TEST_CASE("crypto: digest_bytes::hex_to equals a byte-by-byte reference for every size and byte", "[crypto]") {
  // Sizes 0..64 take the 16-byte vector path, the scalar tail, or both.
  for (std::size_t n = 0; n <= 64; ++n) {
    authwire::digest_bytes d;
    d.size = n;
    for (std::size_t i = 0; i < n; ++i) d.data[i] = static_cast<unsigned char>((i * 37 + n * 11) & 0xFF);
    std::string want;
    for (std::size_t i = 0; i < n; ++i) {
      want += "0123456789abcdef"[d.data[i] >> 4];
      want += "0123456789abcdef"[d.data[i] & 15];
    }
    CHECK(d.hex() == want);
  }
  // Every byte value in every lane.
  for (int b = 0; b < 256; ++b) {
    authwire::digest_bytes d;
    d.size = 64;
    d.data.fill(static_cast<unsigned char>(b));
    const std::string h = d.hex();
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", b);
    std::string want;
    for (int i = 0; i < 64; ++i) want += pair;
    if (h != want) FAIL("hex of byte " << b << ": " << h);
  }
}

TEST_CASE("crypto: digest_bytes::hex_equal accepts exactly its own lower-case hex", "[crypto]") {
  // Sizes 0..64 (vector path, scalar tail, both); every position changed to every other hex
  // digit and to its upper-case form; wrong lengths; every byte value in every lane.
  std::size_t refused = 0;
  for (std::size_t n = 0; n <= 64; ++n) {
    authwire::digest_bytes d;
    d.size = n;
    for (std::size_t i = 0; i < n; ++i) d.data[i] = static_cast<unsigned char>((i * 53 + n * 7 + 0xA0) & 0xFF);
    const std::string h = d.hex();
    REQUIRE(d.hex_equal(h));
    CHECK_FALSE(d.hex_equal(h + "0"));
    if (n > 0) CHECK_FALSE(d.hex_equal(std::string_view(h).substr(1)));
    for (std::size_t i = 0; i < h.size(); ++i)
      for (const char c : std::string_view("0123456789abcdefABCDEF\0g", 24)) {
        std::string m = h;
        m[i] = c;
        if (m == h) continue;
        if (d.hex_equal(m)) FAIL("accepted " << m << " for " << h);
        ++refused;
      }
  }
  CHECK(refused > 60000);
  for (int b = 0; b < 256; ++b) {
    authwire::digest_bytes d;
    d.size = 32;
    d.data.fill(static_cast<unsigned char>(b));
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", b);
    std::string want;
    for (int i = 0; i < 32; ++i) want += pair;
    if (!d.hex_equal(want)) FAIL("hex_equal of byte " << b);
  }
}

TEST_CASE("crypto: secure_wipe zeroes the bytes", "[crypto]") {
  std::string s = "a secret of some length, longer than SSO";
  const std::size_t n = s.size();
  authwire::secure_wipe(s);
  CHECK(s.size() == n);
  CHECK(s == std::string(n, '\0'));
  unsigned char k[37];
  for (auto& c : k) c = 0xAB;
  authwire::secure_wipe(k + 1, 35);
  CHECK(k[0] == 0xAB);
  CHECK(k[36] == 0xAB);
  for (std::size_t i = 1; i < 36; ++i) CHECK(k[i] == 0);
  authwire::secure_wipe(nullptr, 0);  // nothing to do
  std::string empty;
  authwire::secure_wipe(empty);
  CHECK(empty.empty());
}

TEST_CASE("crypto: random bytes", "[crypto][random]") {
  unsigned char a[32] = {}, b[32] = {};
  authwire::random_bytes(a, sizeof a);
  authwire::system_random()(b, sizeof b);
  // 2^-256 chance of a false failure.
  CHECK_FALSE(authwire::constant_time_equal(std::string_view(reinterpret_cast<char*>(a), 32),
                                            std::string_view(reinterpret_cast<char*>(b), 32)));
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    unsigned char c[16];
    authwire::random_bytes(c, sizeof c);
    seen.emplace(reinterpret_cast<char*>(c), sizeof c);
  }
  CHECK(seen.size() == 100);
  authwire::random_bytes(a, 0);  // no-op
}

TEST_CASE("crypto: RSA and EC sign/verify round trips with keys from the openssl command", "[crypto][pkey]") {
  key_dir d;
  REQUIRE(d.run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem") == 0);
  REQUIRE(d.run("openssl pkey -in rsa.pem -pubout -out rsa.pub") == 0);
  REQUIRE(d.run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem") == 0);
  REQUIRE(d.run("openssl pkey -in ec.pem -pubout -out ec.pub") == 0);
  const std::string data = "the data to sign\n";
  write_file(d.file("data"), data);

  for (std::string kind : {"rsa", "ec"}) {
    INFO(kind);
    const std::string priv_pem = read_file(d.file(kind + ".pem"));
    const std::string pub_pem = read_file(d.file(kind + ".pub"));
    auto priv = authwire::private_key::from_pem(priv_pem);
    auto pub = authwire::public_key::from_pem(pub_pem);
    REQUIRE(priv);
    REQUIRE(pub);
    CHECK(static_cast<bool>(*pub));
    for (auto a : {hash_algorithm::sha256, hash_algorithm::sha512}) {
      const std::string sig = priv->sign(a, data);
      REQUIRE_FALSE(sig.empty());
      CHECK(authwire::verify_signature(*pub, a, data, sig));
      // Any change to the data or the signature, or another digest, fails.
      CHECK_FALSE(authwire::verify_signature(*pub, a, data + "x", sig));
      std::string bad = sig;
      bad[bad.size() / 2] = static_cast<char>(bad[bad.size() / 2] ^ 1);
      CHECK_FALSE(authwire::verify_signature(*pub, a, data, bad));
      CHECK_FALSE(authwire::verify_signature(*pub, a, data, ""));
      CHECK_FALSE(authwire::verify_signature(
          *pub, a == hash_algorithm::sha256 ? hash_algorithm::sha512 : hash_algorithm::sha256, data, sig));
    }
    // Interoperability with the openssl command, both ways.
    const std::string sig = priv->sign(hash_algorithm::sha256, data);
    write_file(d.file(kind + ".ours.sig"), sig);
    CHECK(d.run("openssl dgst -sha256 -verify " + kind + ".pub -signature " + kind + ".ours.sig data") == 0);
    REQUIRE(d.run("openssl dgst -sha256 -sign " + kind + ".pem -out " + kind + ".theirs.sig data") == 0);
    CHECK(authwire::verify_signature(*pub, hash_algorithm::sha256, data, read_file(d.file(kind + ".theirs.sig"))));
    // Loading: a private key is not a public key, garbage is nothing.
    CHECK_FALSE(authwire::public_key::from_pem(priv_pem));
    CHECK_FALSE(authwire::private_key::from_pem(pub_pem));
  }
  // A signature by one key does not verify under the other.
  auto rsa = authwire::private_key::from_pem(read_file(d.file("rsa.pem")));
  auto ec_pub = authwire::public_key::from_pem(read_file(d.file("ec.pub")));
  CHECK_FALSE(authwire::verify_signature(*ec_pub, hash_algorithm::sha256, data, rsa->sign(hash_algorithm::sha256, data)));
  CHECK_FALSE(authwire::public_key::from_pem("not a key"));
  CHECK_FALSE(authwire::public_key::from_pem(""));
  CHECK_FALSE(authwire::private_key::from_pem("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
  // An empty public_key verifies nothing.
  CHECK_FALSE(authwire::verify_signature(authwire::public_key(), hash_algorithm::sha256, data, "sig"));
}
