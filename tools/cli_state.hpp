// SPDX-License-Identifier: MIT
// State that `authwire verify` keeps from one input line to the next, exactly as one
// long-running server would, and the factory signature each scheme's plug-in provides.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <authwire/clock.hpp>
#include <authwire/crypto.hpp>
#include <authwire/server.hpp>
#include <authwire/store.hpp>

namespace authwire_cli {

struct cli_state {
  std::int64_t now = 0;  ///< the "now" of the current input line
  /// A clock that answers the current line's "now".
  authwire::clock_fn clock = [this] { return now; };
  /// Server state (nonce counts, single-use challenges, sessions) for the whole run.
  std::shared_ptr<authwire::memory_store> store = std::make_shared<authwire::memory_store>();
  /// 32 random bytes per process: the key of stateless nonces.
  std::string secret_key = [] {
    std::string k(32, '\0');
    authwire::random_bytes(reinterpret_cast<unsigned char*>(k.data()), k.size());
    return k;
  }();
  /// Anything else a scheme keeps across lines, by a name of its choosing.
  std::map<std::string, std::shared_ptr<void>> extra;

  cli_state() = default;
  cli_state(const cli_state&) = delete;
  cli_state& operator=(const cli_state&) = delete;
};

/// Builds the handler of one scheme from the input line's "server" object.
using handler_factory = std::shared_ptr<authwire::scheme_handler> (*)(const nlohmann::json& server, cli_state& state);

}  // namespace authwire_cli
