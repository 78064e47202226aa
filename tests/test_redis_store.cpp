// SPDX-License-Identifier: MIT
// Tests of authwire::redis_store against a real redis-server, started by each test case on
// 127.0.0.1 on a free port (fork/exec, no persistence) and stopped after it.
#ifndef AUTHWIRE_TEST_NO_HIREDIS
#include <authwire/stores/redis.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#ifndef AUTHWIRE_REDIS_SERVER
#define AUTHWIRE_REDIS_SERVER "redis-server"
#endif

namespace {

using authwire::memory_store;
using authwire::redis_options;
using authwire::redis_store;
using authwire::store_status;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

// One redis-server child process on 127.0.0.1:<port>.
class redis_server {
 public:
  explicit redis_server(std::string unix_socket = {}) : port_(free_port()), unix_(std::move(unix_socket)) { start(); }
  ~redis_server() { stop(); }
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  int port() const { return port_; }

  void start() {
    const std::string port = std::to_string(port_);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      if (unix_.empty()) {
        ::execlp(AUTHWIRE_REDIS_SERVER, AUTHWIRE_REDIS_SERVER, "--port", port.c_str(), "--bind", "127.0.0.1",
                 "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp",
                 static_cast<char*>(nullptr));
      } else {
        ::execlp(AUTHWIRE_REDIS_SERVER, AUTHWIRE_REDIS_SERVER, "--port", port.c_str(), "--bind", "127.0.0.1",
                 "--unixsocket", unix_.c_str(), "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", "/tmp", static_cast<char*>(nullptr));
      }
      ::_exit(127);
    }
    for (int i = 0; i < 500; ++i) {
      if (ping()) return;
      int st = 0;
      if (::waitpid(pid_, &st, WNOHANG) == pid_) {
        pid_ = -1;
        FAIL("redis-server exited at start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL("redis-server did not answer PING");
  }

  void stop() {
    if (pid_ <= 0) return;
    if (stopped_) ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGTERM);
    int st = 0;
    ::waitpid(pid_, &st, 0);
    pid_ = -1;
    stopped_ = false;
  }

  void restart() {
    stop();
    start();
  }

  /// SIGSTOP / SIGCONT: a Redis that accepts connections but never answers.
  void pause() {
    ::kill(pid_, SIGSTOP);
    stopped_ = true;
  }
  void resume() {
    ::kill(pid_, SIGCONT);
    stopped_ = false;
  }

  bool ping() const {
    timeval tv{0, 200000};
    authwire::detail::redis_connection c(redisConnectWithTimeout("127.0.0.1", port_, tv));
    if (!c || c->err) return false;
    authwire::detail::redis_reply_ptr r(static_cast<redisReply*>(redisCommand(c.get(), "PING")));
    return r && r->type == REDIS_REPLY_STATUS;
  }

  /// Runs one command on a separate connection (inspection and setup).
  authwire::detail::redis_reply_ptr raw(const std::vector<std::string>& args) const {
    timeval tv{1, 0};
    authwire::detail::redis_connection c(redisConnectWithTimeout("127.0.0.1", port_, tv));
    REQUIRE(c);
    REQUIRE(c->err == 0);
    std::vector<const char*> p;
    std::vector<std::size_t> l;
    for (const auto& a : args) {
      p.push_back(a.data());
      l.push_back(a.size());
    }
    authwire::detail::redis_reply_ptr r(
        static_cast<redisReply*>(redisCommandArgv(c.get(), static_cast<int>(p.size()), p.data(), l.data())));
    REQUIRE(r);
    return r;
  }

  long long raw_int(const std::vector<std::string>& args) const {
    auto r = raw(args);
    REQUIRE(r->type == REDIS_REPLY_INTEGER);
    return r->integer;
  }

 private:
  int port_;
  std::string unix_;
  pid_t pid_ = -1;
  bool stopped_ = false;
};

redis_options opts_for(const redis_server& srv, std::string prefix = "t:") {
  redis_options o;
  o.port = srv.port();
  o.prefix = std::move(prefix);
  o.reconnect_backoff = std::chrono::milliseconds(0);
  // Generous: the machine running the tests may be loaded. (The hang test sets its own.)
  o.command_timeout = std::chrono::milliseconds(3000);
  o.connect_timeout = std::chrono::milliseconds(3000);
  return o;
}

constexpr std::int64_t t0 = 1700000000;
constexpr std::int64_t life = 300;

}  // namespace

TEST_CASE("redis_store: in-order counter values are accepted once", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv));
  for (std::uint64_t v = 1; v <= 5; ++v) CHECK(s.use_counter("nc:a", v, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.use_counter("nc:a", 5, 64, t0, t0 + life, t0) == store_status::replayed);
  CHECK(s.use_counter("nc:a", 1, 64, t0, t0 + life, t0) == store_status::replayed);
  CHECK(s.use_counter("nc:b", 5, 64, t0, t0 + life, t0) == store_status::ok);
}

TEST_CASE("redis_store: out-of-order values inside the window, too_old below it", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv));
  SECTION("window 64") {
    CHECK(s.use_counter("k", 100, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", 37, 64, t0, t0 + life, t0) == store_status::ok);  // 63 below
    CHECK(s.use_counter("k", 36, 64, t0, t0 + life, t0) == store_status::too_old);  // 64 below
    CHECK(s.use_counter("k", 37, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.use_counter("k", 68, 64, t0, t0 + life, t0) == store_status::ok);  // 32 below: high mask half
    CHECK(s.use_counter("k", 68, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.use_counter("k", 69, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", 101, 64, t0, t0 + life, t0) == store_status::ok);  // shift by 1 keeps the mask
    CHECK(s.use_counter("k", 69, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.use_counter("k", 37, 64, t0, t0 + life, t0) == store_status::too_old);
    CHECK(s.use_counter("k", 38, 64, t0, t0 + life, t0) == store_status::ok);
  }
  SECTION("window 8") {
    CHECK(s.use_counter("k", 10, 8, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", 3, 8, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", 2, 8, t0, t0 + life, t0) == store_status::too_old);
  }
  SECTION("window 0 is 1 and more than 64 is 64") {
    CHECK(s.use_counter("k", 10, 0, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", 9, 0, t0, t0 + life, t0) == store_status::too_old);
    CHECK(s.use_counter("j", 100, 1000, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("j", 36, 1000, t0, t0 + life, t0) == store_status::too_old);
  }
  SECTION("values across 2^32 and up to 2^64-1") {
    const std::uint64_t b = std::uint64_t{1} << 32;
    CHECK(s.use_counter("k", b - 1, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", b + 1, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", b - 1, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.use_counter("k", b, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", b, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.use_counter("k", b + 1 - 64, 64, t0, t0 + life, t0) == store_status::too_old);
    CHECK(s.use_counter("k", UINT64_MAX, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", UINT64_MAX - 63, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("k", UINT64_MAX - 64, 64, t0, t0 + life, t0) == store_status::too_old);
    CHECK(s.use_counter("k", b + 1, 64, t0, t0 + life, t0) == store_status::too_old);
  }
}

TEST_CASE("redis_store: the window logic answers as memory_store does", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv));
  memory_store m;
  std::mt19937_64 rng(20261123);
  const std::uint64_t bases[] = {0, (std::uint64_t{1} << 32) - 40, UINT64_MAX - 3000};
  int compared = 0;
  for (int k = 0; k < 12; ++k) {
    const std::string key = "diff:" + std::to_string(k);
    const unsigned window = static_cast<unsigned>(1 + rng() % 64);
    std::uint64_t high = bases[k % 3] + rng() % 10;
    for (int i = 0; i < 150; ++i) {
      std::uint64_t v = high;
      switch (rng() % 4) {
        case 0: v = high + 1 + rng() % 3; break;              // forward
        case 1: v = high - std::min<std::uint64_t>(high, rng() % 70); break;  // back, in or below window
        case 2: v = high + rng() % 100; break;                // forward jumps, some over 64
        default: v = high - std::min<std::uint64_t>(high, rng() % 8); break;  // replays
      }
      if (v > high) high = v;
      const auto want = m.use_counter(key, v, window, t0, t0 + life, t0);
      const auto got = s.use_counter(key, v, window, t0, t0 + life, t0);
      INFO("key " << key << " value " << v << " window " << window << " step " << i);
      REQUIRE(to_string(got) == to_string(want));
      ++compared;
    }
  }
  CHECK(compared == 12 * 150);
}

TEST_CASE("redis_store: expiry follows the caller's clock and sets a Redis TTL", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv, "exp:"));
  SECTION("counters") {
    CHECK(s.use_counter("c", 7, 64, t0, t0 + 10, t0) == store_status::ok);
    const long long ttl = srv.raw_int({"PTTL", "exp:c"});
    CHECK(ttl > 0);
    CHECK(ttl <= 10000);
    CHECK(s.use_counter("c", 7, 64, t0, t0 + 10, t0 + 9) == store_status::replayed);
    // At expires_at the entry is dead: a counter starts afresh (the scheme refuses an expired
    // nonce before it asks the store).
    CHECK(s.use_counter("c", 7, 64, t0, t0 + 10, t0 + 10) == store_status::ok);
    // A later expires_at extends the entry and its TTL.
    CHECK(s.use_counter("c", 8, 64, t0, t0 + 1000, t0 + 10) == store_status::ok);
    CHECK(srv.raw_int({"PTTL", "exp:c"}) > 10000);
    CHECK(s.use_counter("c", 9, 64, t0, t0 + 20, t0 + 10) == store_status::ok);
    CHECK(srv.raw_int({"PTTL", "exp:c"}) > 10000);
  }
  SECTION("values") {
    CHECK(s.put("v", "x", t0 + 5, t0) == store_status::ok);
    const long long ttl = srv.raw_int({"PTTL", "exp:v"});
    CHECK(ttl > 0);
    CHECK(ttl <= 5000);
    std::string out;
    CHECK(s.get("v", out, t0 + 4) == store_status::ok);
    CHECK(out == "x");
    out.clear();
    CHECK(s.get("v", out, t0 + 5) == store_status::not_found);
    CHECK(s.take("v", out, t0 + 5) == store_status::not_found);
    CHECK(s.get("v", out, t0) == store_status::not_found);  // take removed the dead entry
  }
  SECTION("already expired") {
    CHECK(s.put("v", "x", t0, t0) == store_status::ok);
    std::string out;
    CHECK(s.get("v", out, t0) == store_status::not_found);
    CHECK(srv.raw_int({"EXISTS", "exp:v"}) == 0);
  }
}

TEST_CASE("redis_store: put, get, take exactly once, erase", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv));
  std::string out;
  CHECK(s.get("h", out, t0) == store_status::not_found);
  CHECK(s.take("h", out, t0) == store_status::not_found);
  CHECK(s.put("h", "challenge-1", t0 + life, t0) == store_status::ok);
  CHECK(s.get("h", out, t0) == store_status::ok);
  CHECK(out == "challenge-1");
  CHECK(s.put("h", std::string("a\0b\r\n", 5), t0 + life, t0) == store_status::ok);  // binary-safe, replaced
  CHECK(s.take("h", out, t0) == store_status::ok);
  CHECK(out == std::string("a\0b\r\n", 5));
  CHECK(s.take("h", out, t0) == store_status::not_found);
  CHECK(s.get("h", out, t0) == store_status::not_found);

  CHECK(s.put("e", "1", t0 + life, t0) == store_status::ok);
  CHECK(s.erase("e") == store_status::ok);
  CHECK(s.get("e", out, t0) == store_status::not_found);
  CHECK(s.erase("never-there") == store_status::ok);

  SECTION("a value and a counter share one entry, as in memory_store") {
    CHECK(s.put("m", "sess", t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("m", 1, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("m", 1, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.get("m", out, t0) == store_status::ok);
    CHECK(out == "sess");
    CHECK(s.put("m", "sess2", t0 + life, t0) == store_status::ok);  // keeps the counter
    CHECK(s.use_counter("m", 1, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(s.use_counter("n", 1, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.get("n", out, t0) == store_status::ok);
    CHECK(out.empty());
    memory_store m;
    std::string mout = "x";
    CHECK(m.use_counter("n", 1, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(m.get("n", mout, t0) == store_status::ok);
    CHECK(mout.empty());
  }
}

TEST_CASE("redis_store: keys are namespaced by the prefix", "[redis][store]") {
  CHECK(authwire::redis_key_prefix("shop", "users") == "authwire:shop:users:");
  CHECK(authwire::redis_key_prefix("a:b", "my realm%{}") == "authwire:a%3Ab:my%20realm%25%7B%7D:");
  CHECK(authwire::redis_key_prefix("a", "b:c") != authwire::redis_key_prefix("a:b", "c"));

  redis_server srv;
  redis_store a(opts_for(srv, authwire::redis_key_prefix("shop", "users")));
  redis_store b(opts_for(srv, authwire::redis_key_prefix("shop", "admins")));
  CHECK(a.use_counter("digest:nc:N1", 1, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(b.use_counter("digest:nc:N1", 1, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(srv.raw_int({"EXISTS", "authwire:shop:users:digest:nc:N1"}) == 1);
  CHECK(srv.raw_int({"EXISTS", "authwire:shop:admins:digest:nc:N1"}) == 1);
  CHECK(srv.raw_int({"EXISTS", "authwire:shop:users:#floor"}) == 1);
}

TEST_CASE("redis_store: two stores on one Redis refuse each other's replays", "[redis][store][fleet]") {
  redis_server srv;
  redis_store p1(opts_for(srv, "fleet:"));
  redis_store p2(opts_for(srv, "fleet:"));
  CHECK(p1.use_counter("digest:nc:N", 1, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(p2.use_counter("digest:nc:N", 1, 64, t0, t0 + life, t0) == store_status::replayed);
  CHECK(p2.use_counter("digest:nc:N", 2, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(p1.use_counter("digest:nc:N", 2, 64, t0, t0 + life, t0) == store_status::replayed);
  CHECK(p1.put("hoba:ch:X", "c", t0 + life, t0) == store_status::ok);
  std::string out;
  CHECK(p2.take("hoba:ch:X", out, t0) == store_status::ok);
  CHECK(p1.take("hoba:ch:X", out, t0) == store_status::not_found);
}

TEST_CASE("redis_store: check-and-update is atomic under concurrency", "[redis][store][threads]") {
  redis_server srv;
  redis_options o = opts_for(srv, "conc:");
  o.pool_size = 2;
  redis_store s1(o);
  redis_store s2(o);
  constexpr int n = 300;
  SECTION("use_counter: each (key, value) accepted exactly once by two threads") {
    std::atomic<int> ok{0}, replayed{0}, other{0};
    auto work = [&](redis_store& s) {
      for (int i = 0; i < n; ++i) {
        switch (s.use_counter("k" + std::to_string(i), 1, 64, t0, t0 + life, t0)) {
          case store_status::ok: ++ok; break;
          case store_status::replayed: ++replayed; break;
          default: ++other; break;
        }
      }
    };
    std::thread a(work, std::ref(s1));
    std::thread b(work, std::ref(s2));
    a.join();
    b.join();
    CHECK(ok == n);
    CHECK(replayed == n);
    CHECK(other == 0);
  }
  SECTION("take: each value taken exactly once by two threads") {
    for (int i = 0; i < n; ++i) REQUIRE(s1.put("t" + std::to_string(i), "v", t0 + life, t0) == store_status::ok);
    std::atomic<int> ok{0}, missing{0}, other{0};
    auto work = [&](redis_store& s) {
      std::string out;
      for (int i = 0; i < n; ++i) {
        switch (s.take("t" + std::to_string(i), out, t0)) {
          case store_status::ok: ++ok; break;
          case store_status::not_found: ++missing; break;
          default: ++other; break;
        }
      }
    };
    std::thread a(work, std::ref(s1));
    std::thread b(work, std::ref(s2));
    a.join();
    b.join();
    CHECK(ok == n);
    CHECK(missing == n);
    CHECK(other == 0);
  }
  SECTION("four threads share a pool of one connection") {
    redis_options one = o;
    one.pool_size = 1;
    one.checkout_timeout = std::chrono::milliseconds(5000);
    redis_store s(one);
    std::atomic<int> ok{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t) {
      ts.emplace_back([&, t] {
        for (int i = 0; i < 50; ++i)
          if (s.use_counter("p" + std::to_string(t), static_cast<std::uint64_t>(i + 1), 64, t0, t0 + life, t0) ==
              store_status::ok)
            ++ok;
      });
    }
    for (auto& t : ts) t.join();
    CHECK(ok == 200);
    CHECK(s.connects() == 1);
  }
}

TEST_CASE("redis_store: one round trip per operation", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv));
  std::string out;
  REQUIRE(s.ping() == store_status::ok);
  // First use of each script on this server: EVALSHA answers NOSCRIPT, then EVAL (2 trips).
  auto before = s.round_trips();
  CHECK(s.use_counter("r", 1, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.round_trips() - before == 2);
  before = s.round_trips();
  CHECK(s.use_counter("r", 2, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.round_trips() - before == 1);
  CHECK(s.put("p", "v", t0 + life, t0) == store_status::ok);
  CHECK(s.take("p", out, t0) == store_status::ok);
  before = s.round_trips();
  CHECK(s.put("p", "v", t0 + life, t0) == store_status::ok);
  CHECK(s.get("p", out, t0) == store_status::ok);
  CHECK(s.take("p", out, t0) == store_status::ok);
  CHECK(s.erase("p") == store_status::ok);
  CHECK(s.round_trips() - before == 4);
  // SCRIPT FLUSH (as a restart does): one extra trip, once.
  srv.raw({"SCRIPT", "FLUSH"});
  before = s.round_trips();
  CHECK(s.use_counter("r", 3, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.use_counter("r", 4, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.round_trips() - before == 3);
  CHECK(s.connects() == 1);
}

TEST_CASE("redis_store: reconnects after Redis restarts, refusing counters it lost", "[redis][store][restart]") {
  redis_server srv;
  redis_options o = opts_for(srv, "rs:");
  o.pool_size = 2;
  redis_store s(o);
  std::string out;
  CHECK(s.use_counter("nc:old", 1, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.put("v", "x", t0 + life, t0) == store_status::ok);
  const auto connects = s.connects();
  srv.restart();  // no persistence: everything is gone, the pooled connection is dead
  // The old nonce's count is lost; starting afresh would accept its replay: too_old instead.
  CHECK(s.use_counter("nc:old", 1, 64, t0, t0 + life, t0 + 5) == store_status::too_old);
  CHECK(s.connects() == connects + 1);
  CHECK(s.use_counter("nc:old", 2, 64, t0, t0 + life, t0 + 5) == store_status::too_old);
  // Nonces issued from the first use after the loss on count normally.
  CHECK(s.use_counter("nc:new", 1, 64, t0 + 5, t0 + 5 + life, t0 + 5) == store_status::ok);
  CHECK(s.use_counter("nc:new", 1, 64, t0 + 5, t0 + 5 + life, t0 + 6) == store_status::replayed);
  CHECK(s.get("v", out, t0 + 5) == store_status::not_found);
  CHECK(s.put("v", "y", t0 + life, t0 + 5) == store_status::ok);
  CHECK(s.get("v", out, t0 + 5) == store_status::ok);
  CHECK(out == "y");

  SECTION("without the loss guard the lost counter starts afresh") {
    redis_options no = o;
    no.loss_guard = false;
    no.prefix = "rs2:";
    redis_store u(no);
    CHECK(u.use_counter("nc:old", 1, 64, t0, t0 + life, t0) == store_status::ok);
    srv.restart();
    CHECK(u.use_counter("nc:old", 1, 64, t0, t0 + life, t0 + 5) == store_status::ok);
  }
}

TEST_CASE("redis_store: a child process after fork() opens its own connections", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv, "fork:"));
  REQUIRE(s.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::ok);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // No Catch2 here: the exit status says what the child saw.
    const bool ok = s.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::replayed &&
                    s.use_counter("nc", 2, 64, t0, t0 + life, t0) == store_status::ok && s.connects() == 2;
    ::_exit(ok ? 0 : 1);
  }
  int st = 0;
  REQUIRE(::waitpid(child, &st, 0) == child);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 0);
  // The parent's connection was not disturbed by the child.
  CHECK(s.use_counter("nc", 2, 64, t0, t0 + life, t0) == store_status::replayed);
  CHECK(s.use_counter("nc", 3, 64, t0, t0 + life, t0) == store_status::ok);
  CHECK(s.connects() == 1);
}

TEST_CASE("redis_store: Redis down means unavailable (fail closed), then recovery", "[redis][store][restart]") {
  redis_server srv;
  redis_store s(opts_for(srv, "down:"));
  std::string out;
  CHECK(s.use_counter("nc:a", 1, 64, t0, t0 + life, t0) == store_status::ok);
  srv.stop();
  CHECK(s.use_counter("nc:a", 1, 64, t0, t0 + life, t0) == store_status::unavailable);
  CHECK(s.use_counter("nc:a", 2, 64, t0, t0 + life, t0) == store_status::unavailable);
  CHECK(s.put("v", "x", t0 + life, t0) == store_status::unavailable);
  CHECK(s.get("v", out, t0) == store_status::unavailable);
  CHECK(s.take("v", out, t0) == store_status::unavailable);
  CHECK(s.erase("v") == store_status::unavailable);
  CHECK(s.ping() == store_status::unavailable);
  CHECK_FALSE(s.last_error().empty());
  srv.start();
  CHECK(s.ping() == store_status::ok);
  CHECK(s.use_counter("nc:b", 1, 64, t0 + 1, t0 + life, t0 + 1) == store_status::ok);
  CHECK(s.put("v", "x", t0 + life, t0 + 1) == store_status::ok);
  CHECK(s.take("v", out, t0 + 1) == store_status::ok);

  SECTION("with a reconnect backoff, unavailable without a new attempt") {
    redis_options o = opts_for(srv, "down:");
    o.reconnect_backoff = std::chrono::hours(1);
    redis_store b(o);
    srv.stop();
    CHECK(b.ping() == store_status::unavailable);
    srv.start();
    CHECK(b.ping() == store_status::unavailable);  // still backing off
    CHECK(b.connects() == 0);
  }
}

TEST_CASE("redis_store: a Redis that stops answering times out as unavailable", "[redis][store][restart]") {
  redis_server srv;
  redis_options o = opts_for(srv, "hang:");
  o.command_timeout = std::chrono::milliseconds(100);
  redis_store s(o);
  REQUIRE(s.use_counter("nc:a", 1, 64, t0, t0 + life, t0) == store_status::ok);
  srv.pause();
  CHECK(s.use_counter("nc:a", 2, 64, t0, t0 + life, t0) == store_status::unavailable);
  srv.resume();
  CHECK(s.use_counter("nc:a", 3, 64, t0, t0 + life, t0) == store_status::ok);
  // The timed-out command may have run after all (value 2): never accepted twice.
  CHECK(s.use_counter("nc:a", 2, 64, t0, t0 + life, t0) != store_status::unavailable);
  CHECK(s.use_counter("nc:a", 2, 64, t0, t0 + life, t0) == store_status::replayed);
}

TEST_CASE("redis_store: Unix socket, AUTH (password and ACL user) and SELECT", "[redis][store]") {
  SECTION("unix socket") {
    const std::string path = "/tmp/authwire-test-redis-" + std::to_string(::getpid()) + ".sock";
    redis_server srv(path);
    redis_options o;
    o.unix_socket = path;
    o.port = 1;  // not used
    o.prefix = "unix:";
    redis_store s(o);
    CHECK(s.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::ok);
    CHECK(s.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::replayed);
    CHECK(srv.raw_int({"EXISTS", "unix:nc"}) == 1);
  }
  SECTION("database") {
    redis_server srv;
    redis_options o = opts_for(srv, "db:");
    o.database = 3;
    redis_store s(o);
    CHECK(s.put("v", "x", t0 + life, t0) == store_status::ok);
    CHECK(srv.raw_int({"EXISTS", "db:v"}) == 0);  // database 0
    auto r = srv.raw({"EVAL", "redis.call('SELECT', 3) return redis.call('EXISTS', KEYS[1])", "1", "db:v"});
    REQUIRE(r->type == REDIS_REPLY_INTEGER);
    CHECK(r->integer == 1);
  }
  SECTION("password and ACL user") {
    redis_server srv;
    srv.raw({"ACL", "SETUSER", "app", "on", ">app-secret", "~app:*", "+@all"});
    srv.raw({"CONFIG", "SET", "requirepass", "default-secret"});
    redis_options o = opts_for(srv, "app:");
    redis_store none(o);
    CHECK(none.ping() == store_status::unavailable);  // NOAUTH
    o.password = "default-secret";
    redis_store def(o);
    CHECK(def.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::ok);
    o.username = "app";
    o.password = "app-secret";
    redis_store app(o);
    CHECK(app.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::replayed);
    o.password = "wrong-secret";
    redis_store bad(o);
    CHECK(bad.ping() == store_status::unavailable);
    CHECK(bad.last_error().find("wrong-secret") == std::string::npos);
    CHECK(bad.connects() == 0);
    // The ACL user may touch app:* only: another prefix is refused by Redis, fail closed.
    o.password = "app-secret";
    o.prefix = "other:";
    redis_store outside(o);
    CHECK(outside.put("v", "x", t0 + life, t0) == store_status::unavailable);
  }
}

TEST_CASE("redis_store: Redis errors fail closed", "[redis][store]") {
  redis_server srv;
  redis_store s(opts_for(srv, "err:"));
  std::string out;
  srv.raw({"SET", "err:wrong", "a plain string"});
  CHECK(s.use_counter("wrong", 1, 64, t0, t0 + life, t0) == store_status::unavailable);
  CHECK(s.get("wrong", out, t0) == store_status::unavailable);
  CHECK(s.last_error().find("WRONGTYPE") != std::string::npos);
  // A full Redis under maxmemory-policy noeviction refuses writes.
  srv.raw({"CONFIG", "SET", "maxmemory-policy", "noeviction"});
  srv.raw({"CONFIG", "SET", "maxmemory", "1"});
  CHECK(s.put("v", "x", t0 + life, t0) == store_status::unavailable);
  CHECK(s.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::unavailable);
  srv.raw({"CONFIG", "SET", "maxmemory", "0"});
  CHECK(s.use_counter("nc", 1, 64, t0, t0 + life, t0) == store_status::ok);
  SECTION("AUTH refused") {
    redis_options o = opts_for(srv, "err:");
    o.password = "not-the-password";
    redis_store a(o);
    CHECK(a.ping() == store_status::unavailable);
    CHECK(a.last_error().find("not-the-password") == std::string::npos);
  }
}

#endif  // AUTHWIRE_TEST_NO_HIREDIS
