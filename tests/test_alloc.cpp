#include <authwire/challenge.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include <authwire/authentication_info.hpp>
#include <authwire/credentials.hpp>

// Global operator new/delete replaced by counting versions. Only allocations made while
// `counting` is set are counted (Catch2 allocates freely around the measured code).
namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};

void* counted_alloc(std::size_t n) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t al) {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
  const auto a = static_cast<std::size_t>(al);
  if (void* p = std::aligned_alloc(a, (n + a - 1) / a * a)) return p;
  throw std::bad_alloc();
}

/// Runs `f` and returns how many allocations it made.
template <class F>
std::size_t count_allocations(F&& f) {
  allocations = 0;
  counting = true;
  f();
  counting = false;
  return allocations.load();
}
}  // namespace

void* operator new(std::size_t n) { return counted_alloc(n); }
void* operator new[](std::size_t n) { return counted_alloc(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return counted_alloc(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new(std::size_t n, std::align_val_t al) { return counted_aligned_alloc(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return counted_aligned_alloc(n, al); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace {
// RFC 7616 section 3.9.1 (MD5), 325 bytes.
constexpr std::string_view digest_authorization =
    R"(Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=MD5, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, )"
    R"(cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, )"
    R"(response="8ca523f5e9506fed4657c9700eebdbec", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")";

// RFC 7616 section 3.9.1 challenges (SHA-256 and MD5) and a Basic one.
constexpr std::string_view www_authenticate =
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
    R"(Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, )"
    R"(nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", )"
    R"(Basic realm="http-auth@example.org", charset="UTF-8")";

constexpr std::string_view authentication_info =
    R"(qop=auth, rspauth="d3b07384d113edec49eaa6238ad5ff00", cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", nc=00000001, nextnonce="Zm9vYmFy")";
}  // namespace

TEST_CASE("alloc: the counting operator new sees allocations", "[alloc]") {
  // Guards the other tests against a counter that never counts.
  std::string* volatile s = nullptr;
  const auto n = count_allocations([&] { s = new std::string(100, 'x'); });
  delete s;
  CHECK(n == 2);  // the std::string object and its 101-byte buffer
}

TEST_CASE("alloc: parsing realistic headers allocates nothing", "[alloc]") {
  CHECK(digest_authorization.size() == 325);
  std::size_t params = 0;
  const auto n1 = count_allocations([&] {
    auto r = authwire::parse_credentials(digest_authorization);
    REQUIRE(r);
    params = r->params().size();
  });
  CHECK(params == 10);
  CHECK(n1 == 0);

  std::size_t challenges = 0;
  const auto n2 = count_allocations([&] {
    auto r = authwire::parse_challenges(www_authenticate);
    REQUIRE(r);
    challenges = r->size();
    // Looking values up without escapes does not allocate either.
    REQUIRE(r->find("basic"));
    CHECK(r->find("basic")->param("charset")->value_view() == "UTF-8");
  });
  CHECK(challenges == 3);
  CHECK(n2 == 0);

  const auto n3 = count_allocations([&] {
    auto r = authwire::parse_authentication_info(authentication_info);
    REQUIRE(r);
    CHECK(r->size() == 5);
  });
  CHECK(n3 == 0);

  // Several field lines, and the error path.
  const auto n4 = count_allocations([&] {
    auto r = authwire::parse_challenges({www_authenticate, "Bearer realm=\"x\"", "Negotiate"});
    REQUIRE(r);
    CHECK(r->size() == 5);
    auto e = authwire::parse_credentials(std::string_view(R"(Digest username="Mufasa", realm="x)"));
    CHECK_FALSE(e);
  });
  CHECK(n4 == 0);
}

TEST_CASE("alloc: up to 32 parameters stay inline and beyond them the parser allocates", "[alloc]") {
  auto header = [](int n) {
    std::string h = "X ";
    for (int i = 0; i < n; ++i) h += (i ? ", p" : "p") + std::to_string(i) + "=v";
    return h;
  };
  const std::string inline_max = header(32), spill = header(33);
  const auto n32 = count_allocations([&] {
    auto r = authwire::parse_challenges(inline_max);
    REQUIRE(r);
    CHECK(r->find("X")->params.size() == 32);
  });
  CHECK(n32 == 0);
  // The 33rd parameter moves the parameters to a heap block of 64, and the duplicate check
  // switches to a hash set of names (linear for hostile inputs with raised limits).
  const auto n33 = count_allocations([&] {
    auto r = authwire::parse_challenges(spill);
    REQUIRE(r);
    CHECK(r->find("X")->params.size() == 33);
  });
  CHECK(n33 > 0);
  // Nine challenges: the challenge records (8 inline) spill to one heap block of 16.
  const auto n9 = count_allocations([&] {
    auto r = authwire::parse_challenges("A, B, C, D, E, F, G, H, I");
    REQUIRE(r);
    CHECK(r->size() == 9);
  });
  CHECK(n9 == 1);
}

TEST_CASE("alloc: challenge_builder allocates a known small number of times", "[alloc]") {
  std::string out;
  const auto n_short = count_allocations([&] {
    auto s = authwire::challenge_builder("Basic").param("realm", "http-auth@example.org", authwire::quoting::always).str();
    REQUIRE(s);
    out = std::move(*s);
  });
  // 1: reserve(128) in the constructor; 1: str() copies the 35-byte text into the result
  // (param() returns an lvalue reference, so the const& overload is chosen). The list of
  // parameter names (16 inline) does not allocate; moving the result out does not either.
  CHECK(out == R"(Basic realm="http-auth@example.org")");
  CHECK(n_short == 2);

  const auto n_named = count_allocations([&] {
    authwire::challenge_builder b("Basic");
    b.param("realm", "http-auth@example.org", authwire::quoting::always);
    auto s = std::move(b).str();
    REQUIRE(s);
    out = std::move(*s);
  });
  CHECK(n_named == 1);  // str() && moves the text: only the reserve

  const auto n_sso = count_allocations([&] {
    auto s = authwire::challenge_builder("Basic").param("realm", "x", authwire::quoting::always).str();
    CHECK(s->size() == 15);
  });
  CHECK(n_sso == 1);  // the 15-byte copy fits libstdc++'s small-string buffer

  const auto n_long = count_allocations([&] {
    auto s = authwire::challenge_builder("Digest")
                 .param("realm", "http-auth@example.org", authwire::quoting::always)
                 .param("qop", "auth, auth-int")
                 .param("algorithm", "SHA-256", authwire::quoting::never)
                 .param("nonce", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v")
                 .param("opaque", "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS")
                 .str();
    REQUIRE(s);
    out = std::move(*s);
  });
  // 1: reserve(128); 1: growth past 128 bytes (libstdc++ doubles to 256); 1: the copy in str().
  CHECK(out.size() == 186);
  CHECK(n_long == 3);

  const auto n_failed = count_allocations([&] {
    auto s = authwire::challenge_builder("Bad Scheme").param("realm", "x").str();
    CHECK_FALSE(s);
  });
  CHECK(n_failed == 0);  // a refused scheme never reserves
}
