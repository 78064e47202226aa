// SPDX-License-Identifier: MIT
/**
 * @file stores/redis.hpp
 * @brief `redis_store`: the `state_store` for server fleets, on Redis through hiredis. Nonce
 *        counts, single-use values and session records are shared by every process that
 *        points at the same Redis and prefix, so a replay sent to another process is refused.
 *
 * Link `authwire::redis` (CMake), which adds hiredis to `authwire::authwire`. Users of the
 * core library never need hiredis.
 *
 * Every operation is one atomic check-and-update in ONE round trip: `use_counter`, `put` and
 * `take` run a Lua script (EVALSHA, falling back to EVAL once when Redis answers NOSCRIPT,
 * e.g. after a restart), `get` is one HMGET and `erase` one DEL. The out-of-order window is
 * the same as `memory_store`'s: the highest value seen plus a 64-bit mask of the values below
 * it (kept in Redis as two 32-bit halves, because Redis's Lua numbers are doubles).
 *
 * Expiry. Each entry is a Redis hash holding the caller's `expires_at`; an entry at or past
 * it (by the caller's `now`) is dead, exactly as in `memory_store`. Redis drops the key by
 * itself after the remaining lifetime (PEXPIRE with `expires_at - now`, a relative TTL, so
 * that the clock skew between application hosts and the Redis host moves nothing).
 *
 * Dropped state. `memory_store` remembers the newest `issued_at` among counters it evicted.
 * Redis drops keys only by TTL (configure `maxmemory-policy noeviction`: every key here has a
 * TTL, so a `volatile-*` policy could evict a live counter; with noeviction a full Redis
 * answers OOM, which is `unavailable`, fail closed). What Redis can lose is everything at
 * once, when it restarts without persistence. For that case (`redis_options::loss_guard`,
 * on by default) the store keeps a floor key `<prefix>#floor` without TTL, set to the caller's
 * `now` by the first `use_counter` that finds it missing; a counter that does not exist yet
 * is refused (too_old) for anything issued strictly before the floor. After a data loss,
 * clients holding old nonces get one stale answer and continue with a fresh nonce (the same
 * happens once when a fleet first starts on an empty Redis). The floor is one process's
 * clock: keep the fleet's clocks in step (NTP), as Digest's nonce lifetime needs anyway.
 *
 * Connections. A pool of at most `pool_size` hiredis connections, opened lazily and checked
 * out under a mutex (callers wait up to `checkout_timeout` for a free one). Connect and
 * command timeouts apply to every connection. An idle connection is probed (non-blocking
 * peek) before use; on an I/O error the connection is dropped and the command retried once
 * on a freshly opened one, which is how the store reconnects after Redis restarts. A
 * command whose reply was lost may then have run twice: the second run sees its own effect
 * and answers `replayed` (or `not_found` for `take`), which fails closed. When Redis cannot
 * be reached, or answers with an error, the operation returns `store_status::unavailable`,
 * which the schemes turn into 503 with Retry-After: never an accepted replay.
 *
 * Not supported: Redis Cluster (MOVED redirections); use one primary (with Sentinel or a
 * managed failover endpoint: a READONLY answer drops the connection so the next one reaches
 * the new primary).
 */
#pragma once

#include <hiredis/hiredis.h>

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../config.hpp"
#include "../crypto.hpp"
#include "../store.hpp"

namespace authwire {
inline namespace v1 {

/** Connection and naming settings of a `redis_store`. */
struct redis_options {
  std::string host = "127.0.0.1";  ///< Redis host (name or address)
  int port = 6379;                 ///< Redis TCP port
  std::string unix_socket;         ///< when not empty: connect to this Unix socket instead
  std::string username;            ///< ACL user for AUTH (Redis 6+); empty: AUTH with the password only
  std::string password;            ///< AUTH password; empty: no AUTH. Never printed or logged.
  int database = 0;                ///< SELECT this database when not 0
  /// Prepended to every key: one namespace per application and realm (see redis_key_prefix()).
  std::string prefix = "authwire:";
  std::size_t pool_size = 4;                           ///< at most this many connections (at least 1)
  std::chrono::milliseconds connect_timeout{500};      ///< per connection attempt
  std::chrono::milliseconds command_timeout{500};      ///< per command (send and reply)
  std::chrono::milliseconds checkout_timeout{1000};    ///< waiting for a free pooled connection
  /// After a failed connection attempt, answer `unavailable` at once for this long instead of
  /// trying again for every request (0: try every time).
  std::chrono::milliseconds reconnect_backoff{100};
  bool loss_guard = true;       ///< keep the `<prefix>#floor` key (see the file comment)
  bool block_sigpipe = true;    ///< block SIGPIPE on the calling thread while writing to Redis
};

/**
 * Builds a key prefix naming one application and one realm: `authwire:<app>:<realm>:`, with
 * `:`, `%`, `{`, `}` and bytes outside 0x21-0x7E percent-encoded so that no two
 * (application, realm) pairs share a prefix.
 * @return e.g. "authwire:shop:users%20realm:" for ("shop", "users realm")
 */
[[nodiscard]] inline std::string redis_key_prefix(std::string_view application, std::string_view realm) {
  std::string out = "authwire:";
  auto add = [&out](std::string_view s) {
    constexpr char hex[] = "0123456789ABCDEF";
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if (c < 0x21 || c > 0x7e || c == ':' || c == '%' || c == '{' || c == '}') {
        out += '%';
        out += hex[c >> 4];
        out += hex[c & 15];
      } else {
        out += ch;
      }
    }
    out += ':';
  };
  add(application);
  add(realm);
  return out;
}

namespace detail {

// use_counter. KEYS: entry, floor. ARGV: value high 32 bits, value low 32 bits, window,
// issued_at, expires_at, now, ttl ms, loss guard (1/0). Returns 0 ok, 1 replayed, 2 too_old.
// Fields: e = expires_at (caller's clock), hh/hl = highest value, mh/ml = seen mask (bit i:
// value high - i seen), v = value of put(). Same logic as memory_store::use_counter.
inline constexpr std::string_view redis_use_counter_lua = R"lua(
local now = tonumber(ARGV[6])
local exp = tonumber(ARGV[5])
local floor = nil
if ARGV[8] == '1' then
  floor = redis.call('GET', KEYS[2])
  if not floor then
    redis.call('SET', KEYS[2], ARGV[6])
    floor = now
  else
    floor = tonumber(floor)
  end
end
local r = redis.call('HMGET', KEYS[1], 'e', 'hh', 'hl', 'mh', 'ml')
if r[1] and tonumber(r[1]) <= now then
  redis.call('DEL', KEYS[1])
  r[1] = false
end
if not r[1] then
  if floor and tonumber(ARGV[4]) < floor then return 2 end
  redis.call('HSET', KEYS[1], 'e', ARGV[5], 'hh', ARGV[1], 'hl', ARGV[2], 'mh', '0', 'ml', '1')
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
  return 0
end
if exp > tonumber(r[1]) then
  redis.call('HSET', KEYS[1], 'e', ARGV[5])
  redis.call('PEXPIRE', KEYS[1], ARGV[7])
end
if not r[2] then
  redis.call('HSET', KEYS[1], 'hh', ARGV[1], 'hl', ARGV[2], 'mh', '0', 'ml', '1')
  return 0
end
local vh, vl = tonumber(ARGV[1]), tonumber(ARGV[2])
local mh, ml = tonumber(r[4]), tonumber(r[5])
local d = (vh - tonumber(r[2])) * 4294967296 + (vl - tonumber(r[3]))
if d > 0 then
  if d >= 64 then
    mh, ml = 0, 0
  elseif d >= 32 then
    mh, ml = bit.lshift(ml, d - 32), 0
  else
    mh = bit.bor(bit.lshift(mh, d), bit.rshift(ml, 32 - d))
    ml = bit.lshift(ml, d)
  end
  ml = bit.bor(ml, 1)
  redis.call('HSET', KEYS[1], 'hh', ARGV[1], 'hl', ARGV[2], 'mh', tostring(mh), 'ml', tostring(ml))
  return 0
end
local back = -d
if back >= tonumber(ARGV[3]) then return 2 end
if back < 32 then
  local b = bit.lshift(1, back)
  if bit.band(ml, b) ~= 0 then return 1 end
  redis.call('HSET', KEYS[1], 'ml', tostring(bit.bor(ml, b)))
else
  local b = bit.lshift(1, back - 32)
  if bit.band(mh, b) ~= 0 then return 1 end
  redis.call('HSET', KEYS[1], 'mh', tostring(bit.bor(mh, b)))
end
return 0
)lua";

// put. KEYS: entry. ARGV: value, expires_at, now, ttl ms. A live entry keeps its counter.
inline constexpr std::string_view redis_put_lua = R"lua(
local e = redis.call('HGET', KEYS[1], 'e')
if e and tonumber(e) <= tonumber(ARGV[3]) then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 0
)lua";

// take. KEYS: entry. ARGV: now. Returns the value (nil when there is no live entry).
inline constexpr std::string_view redis_take_lua = R"lua(
local r = redis.call('HMGET', KEYS[1], 'e', 'v')
if not r[1] then return false end
redis.call('DEL', KEYS[1])
if tonumber(r[1]) <= tonumber(ARGV[1]) then return false end
return r[2] or ''
)lua";

struct redis_context_deleter {
  void operator()(redisContext* c) const noexcept {
    if (c) redisFree(c);
  }
};
using redis_connection = std::unique_ptr<redisContext, redis_context_deleter>;

struct redis_reply_deleter {
  void operator()(redisReply* r) const noexcept {
    if (r) freeReplyObject(r);
  }
};
using redis_reply_ptr = std::unique_ptr<redisReply, redis_reply_deleter>;

// Blocks SIGPIPE on this thread while hiredis writes (it uses write(2), not MSG_NOSIGNAL), and
// discards a SIGPIPE raised meanwhile, so that a connection closed by Redis cannot kill the
// process.
class sigpipe_block {
 public:
  explicit sigpipe_block(bool on) noexcept : on_(on) {
    if (!on_) return;
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    was_pending_ = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  sigpipe_block(const sigpipe_block&) = delete;
  sigpipe_block& operator=(const sigpipe_block&) = delete;
  ~sigpipe_block() {
    if (!on_) return;
    if (!was_pending_) {
      sigset_t pending;
      sigemptyset(&pending);
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE) == 1) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_, nullptr, &zero) == -1 && errno == EINTR) {
        }
      }
    }
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  bool on_;
  bool was_pending_ = false;
  sigset_t pipe_{};
  sigset_t old_{};
};

inline timeval to_timeval(std::chrono::milliseconds ms) noexcept {
  const auto n = ms.count() < 1 ? 1 : ms.count();
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(n / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((n % 1000) * 1000);
  return tv;
}

// Remaining lifetime in milliseconds, as decimal text: 0 when already expired (Redis then
// deletes the key at once), at most about 100 years.
inline std::string redis_ttl_ms(std::int64_t expires_at, std::int64_t now) {
  if (expires_at <= now) return "0";
  const std::uint64_t secs = static_cast<std::uint64_t>(expires_at) - static_cast<std::uint64_t>(now);
  constexpr std::uint64_t max_secs = 100ULL * 366 * 24 * 3600;
  return std::to_string((secs > max_secs ? max_secs : secs) * 1000);
}

inline bool parse_i64(const char* s, std::size_t n, std::int64_t& out) noexcept {
  auto [p, ec] = std::from_chars(s, s + n, out);
  return ec == std::errc() && p == s + n;
}

}  // namespace detail

/**
 * The shared `state_store` for server fleets, on one Redis primary. Thread-safe; one object
 * per process is enough (it holds a pool). Construction does not connect: the first operation
 * does, and every later one reconnects as needed.
 *
 * Keys are `prefix + key`; the schemes choose `key` (e.g. "digest:nc:<nonce>"), the prefix
 * separates applications and realms sharing one Redis. Operation semantics are those of
 * `state_store` and `memory_store`, except that nothing is evicted by size (see the file
 * comment on `loss_guard`).
 *
 * @code
 *   authwire::redis_options ro;
 *   ro.host = "redis.internal";
 *   ro.password = std::getenv("REDIS_PASSWORD");
 *   ro.prefix = authwire::redis_key_prefix("shop", "api@example.org");
 *   authwire::digest::options o;
 *   o.realm = "api@example.org";
 *   o.nonce_keys = {shared_key};  // the same key in every process of the fleet
 *   o.store = std::make_shared<authwire::redis_store>(ro);
 * @endcode
 */
class redis_store final : public state_store {
 public:
  /// Keeps the options; connects lazily.
  explicit redis_store(redis_options opts = {}) : opts_(std::move(opts)) {
    if (opts_.pool_size == 0) opts_.pool_size = 1;
    counter_sha_ = authwire::hash(hash_algorithm::sha1, detail::redis_use_counter_lua).hex();
    put_sha_ = authwire::hash(hash_algorithm::sha1, detail::redis_put_lua).hex();
    take_sha_ = authwire::hash(hash_algorithm::sha1, detail::redis_take_lua).hex();
    floor_key_ = opts_.prefix + "#floor";
  }
  redis_store(const redis_store&) = delete;
  redis_store& operator=(const redis_store&) = delete;
  ~redis_store() override = default;

  /**
   * Records counter `value` under `key` (see state_store::use_counter): one EVALSHA.
   * @return ok, replayed, too_old (below the window, or issued before `<prefix>#floor`),
   *   unavailable (Redis unreachable or answering an error).
   */
  store_status use_counter(std::string_view key, std::uint64_t value, unsigned window, std::int64_t issued_at,
                           std::int64_t expires_at, std::int64_t now) override {
    if (window == 0) window = 1;
    if (window > 64) window = 64;
    const std::string k = opts_.prefix + std::string(key);
    const std::string args[] = {std::to_string(value >> 32),
                                std::to_string(value & 0xffffffffULL),
                                std::to_string(window),
                                std::to_string(issued_at),
                                std::to_string(expires_at),
                                std::to_string(now),
                                detail::redis_ttl_ms(expires_at, now),
                                opts_.loss_guard ? "1" : "0"};
    const std::string_view keys[] = {k, floor_key_};
    return eval(counter_sha_, detail::redis_use_counter_lua, keys, args, [](const redisReply& r) {
      if (r.type != REDIS_REPLY_INTEGER) return store_status::unavailable;
      switch (r.integer) {
        case 0: return store_status::ok;
        case 1: return store_status::replayed;
        case 2: return store_status::too_old;
        default: return store_status::unavailable;
      }
    });
  }

  /// Stores `value` under `key` until `expires_at` (a live entry keeps its counter): one EVALSHA.
  store_status put(std::string_view key, std::string_view value, std::int64_t expires_at,
                   std::int64_t now) override {
    const std::string k = opts_.prefix + std::string(key);
    const std::string args[] = {std::string(value), std::to_string(expires_at), std::to_string(now),
                                detail::redis_ttl_ms(expires_at, now)};
    const std::string_view keys[] = {k};
    return eval(put_sha_, detail::redis_put_lua, keys, args, [](const redisReply& r) {
      return r.type == REDIS_REPLY_INTEGER && r.integer == 0 ? store_status::ok : store_status::unavailable;
    });
  }

  /// Reads the live value under `key` into `out` (empty for a counter-only entry): one HMGET.
  store_status get(std::string_view key, std::string& out, std::int64_t now) override {
    const std::string k = opts_.prefix + std::string(key);
    const std::string_view argv[] = {"HMGET", k, "e", "v"};
    return command(argv, [&](const redisReply& r) {
      if (r.type != REDIS_REPLY_ARRAY || r.elements != 2) return store_status::unavailable;
      const redisReply& e = *r.element[0];
      const redisReply& v = *r.element[1];
      if (e.type == REDIS_REPLY_NIL) return store_status::not_found;
      std::int64_t exp = 0;
      if (e.type != REDIS_REPLY_STRING || !detail::parse_i64(e.str, e.len, exp)) return store_status::unavailable;
      if (exp <= now) return store_status::not_found;
      if (v.type == REDIS_REPLY_STRING) {
        out.assign(v.str, v.len);
      } else {
        out.clear();
      }
      return store_status::ok;
    });
  }

  /// Removes `key` and reads its live value into `out`: ok exactly once per put. One EVALSHA.
  store_status take(std::string_view key, std::string& out, std::int64_t now) override {
    const std::string k = opts_.prefix + std::string(key);
    const std::string args[] = {std::to_string(now)};
    const std::string_view keys[] = {k};
    return eval(take_sha_, detail::redis_take_lua, keys, args, [&](const redisReply& r) {
      if (r.type == REDIS_REPLY_NIL) return store_status::not_found;
      if (r.type != REDIS_REPLY_STRING) return store_status::unavailable;
      out.assign(r.str, r.len);
      return store_status::ok;
    });
  }

  /// Removes `key`: one DEL.
  store_status erase(std::string_view key) override {
    const std::string k = opts_.prefix + std::string(key);
    const std::string_view argv[] = {"DEL", k};
    return command(argv, [](const redisReply& r) {
      return r.type == REDIS_REPLY_INTEGER ? store_status::ok : store_status::unavailable;
    });
  }

  /// Sends PING (health checks, warming the pool): ok or unavailable.
  store_status ping() {
    const std::string_view argv[] = {"PING"};
    return command(argv, [](const redisReply& r) {
      return r.type == REDIS_REPLY_STATUS ? store_status::ok : store_status::unavailable;
    });
  }

  /// Closes the idle pooled connections (busy ones stay open). A child after fork() needs no
  /// call: the store notices the new process and opens its own connections.
  void close_idle() noexcept {
    std::vector<detail::redis_connection> idle;
    {
      std::lock_guard<std::mutex> lock(mu_);
      open_ -= idle_.size();
      idle.swap(idle_);
    }
    cv_.notify_all();
  }

  /// Requests sent and replies read so far (connection setup included): one per operation
  /// normally, two when Redis had to be sent a script again (NOSCRIPT) or a retry happened.
  std::uint64_t round_trips() const noexcept { return round_trips_.load(std::memory_order_relaxed); }

  /// Connections opened and made ready (AUTH, SELECT) so far: the first ones, and one after
  /// each lost connection.
  std::uint64_t connects() const noexcept { return connects_.load(std::memory_order_relaxed); }

  /// The last connection or Redis error (no secrets), for logs; empty when none happened.
  std::string last_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_error_;
  }

  /// The options in use.
  const redis_options& options() const noexcept { return opts_; }

 private:
  using clock = std::chrono::steady_clock;

  enum class outcome { done, io_error, drop_connection };

  void note_error(std::string_view what) {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_.assign(what.data(), what.size());
  }

  // Sends one command and reads its reply; null on an I/O error (the connection is then unusable).
  template <std::size_t N>
  detail::redis_reply_ptr send(redisContext* c, const std::string_view (&argv)[N]) {
    const char* ptrs[N];
    std::size_t lens[N];
    for (std::size_t i = 0; i < N; ++i) {
      ptrs[i] = argv[i].data();
      lens[i] = argv[i].size();
    }
    return send_argv(c, static_cast<int>(N), ptrs, lens);
  }

  detail::redis_reply_ptr send_argv(redisContext* c, int argc, const char** argv, const std::size_t* lens) {
    round_trips_.fetch_add(1, std::memory_order_relaxed);
    detail::sigpipe_block guard(opts_.block_sigpipe);
    return detail::redis_reply_ptr(static_cast<redisReply*>(redisCommandArgv(c, argc, argv, lens)));
  }

  // True when the idle connection has neither pending data nor EOF nor an error.
  static bool looks_alive(redisContext* c) noexcept {
    if (!c || c->err) return false;
    char b;
    const auto n = ::recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  detail::redis_connection open_connection() {
    const timeval ctv = detail::to_timeval(opts_.connect_timeout);
    detail::redis_connection c(opts_.unix_socket.empty()
                                   ? redisConnectWithTimeout(opts_.host.c_str(), opts_.port, ctv)
                                   : redisConnectUnixWithTimeout(opts_.unix_socket.c_str(), ctv));
    if (!c) {
      note_error("redis: out of memory");
      return nullptr;
    }
    if (c->err) {
      note_error(std::string("redis: connect: ") + c->errstr);
      return nullptr;
    }
    if (redisSetTimeout(c.get(), detail::to_timeval(opts_.command_timeout)) != REDIS_OK) {
      note_error("redis: cannot set the command timeout");
      return nullptr;
    }
    if (opts_.unix_socket.empty()) redisEnableKeepAlive(c.get());
    if (!opts_.password.empty()) {
      detail::redis_reply_ptr r;
      if (opts_.username.empty()) {
        const std::string_view argv[] = {"AUTH", opts_.password};
        r = send(c.get(), argv);
      } else {
        const std::string_view argv[] = {"AUTH", opts_.username, opts_.password};
        r = send(c.get(), argv);
      }
      if (!r || r->type == REDIS_REPLY_ERROR) {
        note_error(r ? "redis: AUTH refused" : "redis: AUTH: I/O error");
        return nullptr;
      }
    }
    if (opts_.database != 0) {
      const std::string db = std::to_string(opts_.database);
      const std::string_view argv[] = {"SELECT", db};
      auto r = send(c.get(), argv);
      if (!r || r->type == REDIS_REPLY_ERROR) {
        note_error("redis: SELECT failed");
        return nullptr;
      }
    }
    connects_.fetch_add(1, std::memory_order_relaxed);
    return c;
  }

  // A pooled connection, or a freshly opened one when `fresh`; null when none can be had.
  detail::redis_connection checkout(bool fresh) {
    std::unique_lock<std::mutex> lock(mu_);
    if (owner_pid_ != ::getpid()) {
      // In a child after fork(): the inherited sockets belong to the parent; forget them
      // without a word to Redis (redisFree only closes this process's descriptors).
      idle_.clear();
      open_ = 0;
      owner_pid_ = ::getpid();
    }
    const auto deadline = clock::now() + opts_.checkout_timeout;
    for (;;) {
      if (fresh && open_ >= opts_.pool_size && !idle_.empty()) {
        idle_.pop_back();  // make room for the fresh connection: idle ones are suspect too
        --open_;
      }
      while (!fresh && !idle_.empty()) {
        detail::redis_connection c = std::move(idle_.back());
        idle_.pop_back();
        if (looks_alive(c.get())) return c;
        --open_;  // closed by Redis (restart, timeout): drop it
      }
      if (open_ < opts_.pool_size) break;
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && open_ >= opts_.pool_size &&
          (fresh || idle_.empty())) {
        last_error_ = "redis: no free connection in the pool";
        return nullptr;
      }
    }
    if (clock::now() < down_until_) return nullptr;
    ++open_;
    lock.unlock();
    detail::redis_connection c = open_connection();
    if (!c) {
      lock.lock();
      --open_;
      down_until_ = clock::now() + opts_.reconnect_backoff;
      lock.unlock();
      cv_.notify_one();
    }
    return c;
  }

  void checkin(detail::redis_connection c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      idle_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  void drop(detail::redis_connection c) {
    c.reset();
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
    }
    cv_.notify_one();
  }

  // Runs `attempt(conn, status)` on a pooled connection; on an I/O error, once more on a fresh one.
  template <class Attempt>
  store_status run(Attempt&& attempt) {
    for (int i = 0; i < 2; ++i) {
      detail::redis_connection c = checkout(i == 1);
      if (!c) return store_status::unavailable;
      store_status st = store_status::unavailable;
      const outcome o = attempt(c.get(), st);
      if (o == outcome::done) {
        checkin(std::move(c));
        return st;
      }
      if (o == outcome::io_error) note_error(std::string("redis: I/O error: ") + c->errstr);
      drop(std::move(c));
      if (o == outcome::drop_connection) return st;
    }
    return store_status::unavailable;
  }

  // An error reply: READONLY (a replica after failover) drops the connection; others keep it.
  outcome server_error(const redisReply& r, store_status& st) {
    note_error(std::string("redis: ") + std::string(r.str ? r.str : "", r.str ? r.len : 0));
    st = store_status::unavailable;
    if (r.len >= 8 && std::memcmp(r.str, "READONLY", 8) == 0) return outcome::drop_connection;
    return outcome::done;
  }

  template <std::size_t N, class Handle>
  store_status command(const std::string_view (&argv)[N], Handle&& handle) {
    return run([&](redisContext* c, store_status& st) {
      auto r = send(c, argv);
      if (!r) return outcome::io_error;
      if (r->type == REDIS_REPLY_ERROR) return server_error(*r, st);
      st = handle(*r);
      return outcome::done;
    });
  }

  template <std::size_t K, std::size_t A, class Handle>
  store_status eval(const std::string& sha, std::string_view script, const std::string_view (&keys)[K],
                    const std::string (&args)[A], Handle&& handle) {
    return run([&](redisContext* c, store_status& st) {
      constexpr std::size_t n = 3 + K + A;
      const std::string numkeys = std::to_string(K);
      const char* argv[n];
      std::size_t lens[n];
      argv[0] = "EVALSHA";
      lens[0] = 7;
      argv[1] = sha.data();
      lens[1] = sha.size();
      argv[2] = numkeys.data();
      lens[2] = numkeys.size();
      for (std::size_t i = 0; i < K; ++i) {
        argv[3 + i] = keys[i].data();
        lens[3 + i] = keys[i].size();
      }
      for (std::size_t i = 0; i < A; ++i) {
        argv[3 + K + i] = args[i].data();
        lens[3 + K + i] = args[i].size();
      }
      auto r = send_argv(c, static_cast<int>(n), argv, lens);
      if (!r) return outcome::io_error;
      if (r->type == REDIS_REPLY_ERROR && r->len >= 8 && std::memcmp(r->str, "NOSCRIPT", 8) == 0) {
        argv[0] = "EVAL";
        lens[0] = 4;
        argv[1] = script.data();
        lens[1] = script.size();
        r = send_argv(c, static_cast<int>(n), argv, lens);
        if (!r) return outcome::io_error;
      }
      if (r->type == REDIS_REPLY_ERROR) return server_error(*r, st);
      st = handle(*r);
      return outcome::done;
    });
  }

  redis_options opts_;
  std::string counter_sha_, put_sha_, take_sha_, floor_key_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<detail::redis_connection> idle_;
  std::size_t open_ = 0;  // idle and checked out
  pid_t owner_pid_ = ::getpid();
  clock::time_point down_until_{};
  std::string last_error_;
  std::atomic<std::uint64_t> round_trips_{0};
  std::atomic<std::uint64_t> connects_{0};
};

}  // namespace v1
}  // namespace authwire
