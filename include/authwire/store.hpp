// SPDX-License-Identifier: MIT
/**
 * @file store.hpp
 * @brief Server state that must survive between requests: nonce counts (Digest, Mutual),
 *        single-use values (HOBA challenges), and small session records (Mutual). The
 *        `state_store` interface, and `memory_store`, the in-process default: thread-safe and
 *        bounded, the least recently used entries going first. A shared network store
 *        (stores/redis.hpp) implements the same interface for server fleets.
 *
 * Every operation is one atomic check-and-update, so that a network store can do it in one
 * round trip. A store that cannot answer says `store_status::unavailable`; callers fail closed
 * (503), never accept.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "config.hpp"

namespace authwire {
inline namespace v1 {

/// The answer of a store operation.
enum class store_status : std::uint8_t {
  ok,           ///< done; for use_counter: the counter value was fresh and is now recorded
  replayed,     ///< use_counter: this value was seen already
  too_old,      ///< use_counter: below the out-of-order window
  not_found,    ///< take_once / get: no such live entry
  unavailable,  ///< the store cannot be reached: fail closed
};

constexpr std::string_view to_string(store_status s) noexcept {
  switch (s) {
    case store_status::ok: return "ok";
    case store_status::replayed: return "replayed";
    case store_status::too_old: return "too_old";
    case store_status::not_found: return "not_found";
    case store_status::unavailable: return "store_unavailable";
  }
  return "";
}

/**
 * Server-side state shared by the requests of one application. Keys are opaque strings
 * chosen by the schemes (they namespace them, e.g. "digest:nc:<nonce>"); times are Unix
 * seconds from the caller's clock.
 */
class state_store {
 public:
  virtual ~state_store() = default;

  /**
   * Records the use of counter value `value` under `key`, accepting each value once.
   * Values may arrive out of order within `window` (1 to 64) below the highest seen.
   * `issued_at` is when the thing counted (a nonce, a session) was created: a store that had to
   * drop state refuses to start counting afresh for anything issued before what it dropped.
   * @return ok (recorded), replayed (seen before), too_old (below the window, or state for it
   *   may have been dropped: the caller should issue a new nonce), unavailable.
   */
  virtual store_status use_counter(std::string_view key, std::uint64_t value, unsigned window,
                                   std::int64_t issued_at, std::int64_t expires_at, std::int64_t now) = 0;

  /// Stores `value` under `key` until `expires_at` (replacing any previous value).
  virtual store_status put(std::string_view key, std::string_view value, std::int64_t expires_at,
                           std::int64_t now) = 0;

  /// Reads the live value under `key` into `out`: ok, not_found or unavailable.
  virtual store_status get(std::string_view key, std::string& out, std::int64_t now) = 0;

  /// Removes `key` and reads its live value into `out`, atomically: ok exactly once per put.
  virtual store_status take(std::string_view key, std::string& out, std::int64_t now) = 0;

  /// Removes `key`.
  virtual store_status erase(std::string_view key) = 0;
};

/**
 * The in-process store: a mutex-protected hash map with an LRU list, holding at most
 * `max_entries` entries (the least recently used are dropped first). Dropping a counter can
 * never let a replay pass: the store remembers the newest `issued_at` it dropped, and refuses
 * (too_old) to start a new counter for anything issued at or before it.
 */
class memory_store final : public state_store {
 public:
  explicit memory_store(std::size_t max_entries = 100000) : max_(max_entries ? max_entries : 1) {}

  store_status use_counter(std::string_view key, std::uint64_t value, unsigned window, std::int64_t issued_at,
                           std::int64_t expires_at, std::int64_t now) override {
    if (window == 0) window = 1;
    if (window > 64) window = 64;
    std::lock_guard<std::mutex> lock(mu_);
    entry* e = find_live(key, now);
    if (!e) {
      if (has_horizon_ && issued_at <= horizon_) return store_status::too_old;
      e = &insert(key, expires_at);
      e->issued_at = issued_at;
      e->high = value;
      e->seen = 1;
      e->has_counter = true;
      return store_status::ok;
    }
    e->expires_at = expires_at > e->expires_at ? expires_at : e->expires_at;
    if (!e->has_counter) {
      e->has_counter = true;
      e->high = value;
      e->seen = 1;
      return store_status::ok;
    }
    if (value > e->high) {
      const std::uint64_t shift = value - e->high;
      e->seen = shift >= 64 ? 0 : e->seen << shift;
      e->seen |= 1;
      e->high = value;
      return store_status::ok;
    }
    const std::uint64_t back = e->high - value;
    if (back >= window) return store_status::too_old;
    const std::uint64_t bit = std::uint64_t{1} << back;
    if (e->seen & bit) return store_status::replayed;
    e->seen |= bit;
    return store_status::ok;
  }

  store_status put(std::string_view key, std::string_view value, std::int64_t expires_at, std::int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    entry* e = find_live(key, now);
    if (!e) e = &insert(key, expires_at);
    e->value.assign(value.data(), value.size());
    e->expires_at = expires_at;
    return store_status::ok;
  }

  store_status get(std::string_view key, std::string& out, std::int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    entry* e = find_live(key, now);
    if (!e) return store_status::not_found;
    out = e->value;
    return store_status::ok;
  }

  store_status take(std::string_view key, std::string& out, std::int64_t now) override {
    std::lock_guard<std::mutex> lock(mu_);
    entry* e = find_live(key, now);
    if (!e) return store_status::not_found;
    out = std::move(e->value);
    remove(scratch(key));
    return store_status::ok;
  }

  store_status erase(std::string_view key) override {
    std::lock_guard<std::mutex> lock(mu_);
    remove(scratch(key));
    return store_status::ok;
  }

  /// Live and expired entries currently held.
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return map_.size();
  }

 private:
  struct entry {
    std::string value;
    std::int64_t expires_at = 0;
    std::uint64_t high = 0;  // highest counter value seen
    std::uint64_t seen = 0;  // bit i: value high - i was seen
    std::int64_t issued_at = 0;
    bool has_counter = false;
    std::list<std::string>::iterator lru;
  };

  entry* find_live(std::string_view key, std::int64_t now) {
    now_hint_ = now;
    auto it = map_.find(scratch(key));
    if (it == map_.end()) return nullptr;
    if (it->second.expires_at <= now) {
      lru_.erase(it->second.lru);
      map_.erase(it);
      return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return &it->second;
  }

  entry& insert(std::string_view key, std::int64_t expires_at) {
    while (map_.size() >= max_ && !lru_.empty()) {
      auto victim = map_.find(lru_.back());
      if (victim->second.has_counter && victim->second.expires_at > now_hint_) {
        if (!has_horizon_ || victim->second.issued_at > horizon_) horizon_ = victim->second.issued_at;
        has_horizon_ = true;
      }
      map_.erase(victim);
      lru_.pop_back();
    }
    lru_.emplace_front(key);
    auto& e = map_[lru_.front()];
    e = entry{};
    e.expires_at = expires_at;
    e.lru = lru_.begin();
    return e;
  }

  // The key as a std::string without allocating once warm (C++17 has no heterogeneous find).
  static const std::string& scratch(std::string_view key) {
    thread_local std::string buf;
    buf.assign(key.data(), key.size());
    return buf;
  }

  void remove(const std::string& key) {
    auto it = map_.find(key);
    if (it == map_.end()) return;
    lru_.erase(it->second.lru);
    map_.erase(it);
  }

  std::size_t max_;
  std::int64_t now_hint_ = 0;
  std::int64_t horizon_ = 0;  // newest issued_at among dropped live counters
  bool has_horizon_ = false;
  mutable std::mutex mu_;
  std::list<std::string> lru_;
  std::unordered_map<std::string, entry> map_;
};

}  // namespace v1
}  // namespace authwire
