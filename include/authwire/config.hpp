// SPDX-License-Identifier: MIT
/**
 * @file config.hpp
 * @brief Version, configuration macros and the inline ABI namespace of authwire.
 */
#pragma once

#define AUTHWIRE_VERSION_MAJOR 0
#define AUTHWIRE_VERSION_MINOR 1
#define AUTHWIRE_VERSION_PATCH 0
/// major*10000 + minor*100 + patch, as {fmt} does.
#define AUTHWIRE_VERSION (AUTHWIRE_VERSION_MAJOR * 10000 + AUTHWIRE_VERSION_MINOR * 100 + AUTHWIRE_VERSION_PATCH)

#ifndef AUTHWIRE_NO_EXCEPTIONS
#  if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#    define AUTHWIRE_NO_EXCEPTIONS 0
#  else
#    define AUTHWIRE_NO_EXCEPTIONS 1
#  endif
#endif

// Marks accessors whose returned view lives as long as the object (ada's ada_lifetime_bound).
#ifndef AUTHWIRE_LIFETIMEBOUND
#  if defined(__clang__)
#    define AUTHWIRE_LIFETIMEBOUND [[clang::lifetimebound]]
#  else
#    define AUTHWIRE_LIFETIMEBOUND
#  endif
#endif

/// 1 where authwire scans with SSE2 (x86-64 with GCC or Clang), else 0. Define
/// AUTHWIRE_NO_SIMD to use the portable scalar loops everywhere (the tests build both).
#ifndef AUTHWIRE_SSE2
#  if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__)) && !defined(AUTHWIRE_NO_SIMD)
#    define AUTHWIRE_SSE2 1
#  else
#    define AUTHWIRE_SSE2 0
#  endif
#endif
#if AUTHWIRE_SSE2
#  include <emmintrin.h>
#endif

namespace authwire {
/// ABI namespace: a macro that changes the ABI is folded into its name.
inline namespace v1 {}
}  // namespace authwire
