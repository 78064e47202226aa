// SPDX-License-Identifier: MIT
// Benchmark: state_store::use_counter (and put + take) on memory_store and on redis_store, in
// the same run. The Redis one starts its own redis-server on 127.0.0.1 on a free port (no
// persistence), or uses AUTHWIRE_BENCH_REDIS_PORT when set. Each redis benchmark reports
// round_trips/op, counted by the store (the target is one).
#include <authwire/stores/redis.hpp>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#ifndef AUTHWIRE_REDIS_SERVER
#define AUTHWIRE_REDIS_SERVER "redis-server"
#endif

namespace {

constexpr std::int64_t t0 = 1700000000;
constexpr std::size_t n_keys = 1024;

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) std::abort();
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The redis-server of this run (started on first use, stopped at exit).
struct redis_process {
  int port = 0;
  pid_t pid = -1;
  redis_process() {
    if (const char* p = std::getenv("AUTHWIRE_BENCH_REDIS_PORT")) {
      port = std::atoi(p);
      return;
    }
    port = free_port();
    const std::string ps = std::to_string(port);
    pid = ::fork();
    if (pid == 0) {
      const int null = ::open("/dev/null", O_RDWR);
      if (null >= 0) {
        ::dup2(null, 1);
        ::dup2(null, 2);
      }
      ::execlp(AUTHWIRE_REDIS_SERVER, AUTHWIRE_REDIS_SERVER, "--port", ps.c_str(), "--bind", "127.0.0.1", "--save", "",
               "--appendonly", "no", "--daemonize", "no", "--dir", "/tmp", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    authwire::redis_options o;
    o.port = port;
    o.reconnect_backoff = std::chrono::milliseconds(0);
    authwire::redis_store probe(o);
    for (int i = 0; i < 500 && probe.ping() != authwire::store_status::ok; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~redis_process() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int st = 0;
      ::waitpid(pid, &st, 0);
    }
  }
};

redis_process& server() {
  static redis_process p;
  return p;
}

// Keys unique to this run of a benchmark function (google benchmark runs each several times).
std::vector<std::string> make_keys(const std::string& tag) {
  static std::atomic<unsigned> run{0};
  const std::string base = "digest:nc:" + tag + std::to_string(run++) + ":";
  std::vector<std::string> k;
  for (std::size_t i = 0; i < n_keys; ++i) k.push_back(base + std::to_string(i));
  return k;
}

// One shared store per kind, as a server process would hold.
std::shared_ptr<authwire::state_store> store_for(bool redis) {
  static std::shared_ptr<authwire::state_store> mem = std::make_shared<authwire::memory_store>();
  static std::shared_ptr<authwire::redis_store> red = [] {
    authwire::redis_options o;
    o.port = server().port;
    o.prefix = "bench:";
    o.pool_size = 8;
    return std::make_shared<authwire::redis_store>(o);
  }();
  return redis ? std::static_pointer_cast<authwire::state_store>(red) : mem;
}

// use_counter with increasing values on 1024 keys per thread: every call is a fresh accept.
void use_counter(benchmark::State& state, bool redis) {
  auto store = store_for(redis);
  auto* rs = redis ? static_cast<authwire::redis_store*>(store.get()) : nullptr;
  const auto keys = make_keys(std::string(redis ? "r" : "m") + std::to_string(state.thread_index()) + ":");
  if (rs && rs->use_counter("warm", 1, 64, t0, t0 + 3600, t0) == authwire::store_status::unavailable) {
    state.SkipWithError("redis unavailable");
    return;
  }
  std::vector<std::uint64_t> next(n_keys, 1);
  const std::uint64_t trips0 = rs ? rs->round_trips() : 0;
  std::size_t i = 0, refused = 0;
  for (auto _ : state) {
    const std::size_t k = i++ % n_keys;
    const auto st = store->use_counter(keys[k], next[k]++, 64, t0, t0 + 3600, t0);
    refused += st != authwire::store_status::ok;
  }
  if (refused) state.SkipWithError("a fresh counter value was refused");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  if (rs && state.thread_index() == 0 && state.threads() == 1) {
    state.counters["round_trips/op"] =
        static_cast<double>(rs->round_trips() - trips0) / static_cast<double>(state.iterations());
  }
}

// put then take (a single-use challenge): two operations per iteration.
void put_take(benchmark::State& state, bool redis) {
  auto store = store_for(redis);
  auto* rs = redis ? static_cast<authwire::redis_store*>(store.get()) : nullptr;
  const auto keys = make_keys(std::string(redis ? "pr" : "pm") + std::to_string(state.thread_index()) + ":");
  const std::uint64_t trips0 = rs ? rs->round_trips() : 0;
  std::string out;
  std::size_t i = 0, refused = 0;
  for (auto _ : state) {
    const auto& key = keys[i++ % n_keys];
    refused += store->put(key, "challenge-value-0123456789", t0 + 3600, t0) != authwire::store_status::ok;
    refused += store->take(key, out, t0) != authwire::store_status::ok;
  }
  if (refused) state.SkipWithError("put or take failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 2);
  if (rs && state.thread_index() == 0 && state.threads() == 1) {
    state.counters["round_trips/op"] =
        static_cast<double>(rs->round_trips() - trips0) / static_cast<double>(2 * state.iterations());
  }
}

// Baseline: one PING through the same pool (a round trip without a script).
void BM_redis_ping(benchmark::State& state) {
  auto store = std::static_pointer_cast<authwire::redis_store>(store_for(true));
  std::size_t refused = 0;
  for (auto _ : state) refused += store->ping() != authwire::store_status::ok;
  if (refused) state.SkipWithError("ping failed");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_memory_use_counter(benchmark::State& s) { use_counter(s, false); }
void BM_redis_use_counter(benchmark::State& s) { use_counter(s, true); }
void BM_memory_put_take(benchmark::State& s) { put_take(s, false); }
void BM_redis_put_take(benchmark::State& s) { put_take(s, true); }

}  // namespace

BENCHMARK(BM_redis_ping)->Threads(1)->UseRealTime();
BENCHMARK(BM_memory_use_counter)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_redis_use_counter)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_memory_put_take)->Threads(1)->UseRealTime();
BENCHMARK(BM_redis_put_take)->Threads(1)->UseRealTime();

BENCHMARK_MAIN();
