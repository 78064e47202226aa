// SPDX-License-Identifier: MIT
/**
 * @file authwire.hpp
 * @brief Umbrella header: the grammar, header models, codecs, crypto, decisions, server core
 *        and every scheme. Adapters and stores are included separately.
 */
#pragma once

#include "authentication_info.hpp"
#include "challenge.hpp"
#include "clock.hpp"
#include "codec.hpp"
#include "config.hpp"
#include "credentials.hpp"
#include "crypto.hpp"
#include "decision.hpp"
#include "error.hpp"
#include "grammar.hpp"
#include "result.hpp"
#include "server.hpp"
#include "store.hpp"
