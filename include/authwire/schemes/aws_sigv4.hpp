// SPDX-License-Identifier: MIT
/**
 * @file aws_sigv4.hpp
 * @brief AWS Signature Version 4 (`AWS4-HMAC-SHA256`): the Authorization grammar AWS defines,
 *        presigned-URL parameters, the canonical request, signing (header form and presigned
 *        URL), a reusable server-side verifier with every check a server must make, the
 *        chunk-signature chain of streaming uploads, and a `scheme_handler`.
 *
 * The Authorization value of SigV4 does not follow RFC 9110's auth-param grammar (`/` and `;`
 * appear unquoted), so it is parsed here with the grammar AWS documents, not with
 * `parse_credentials`.
 *
 * @code
 *   aws_sigv4::verifier_options o;
 *   o.regions = {"us-east-1"};
 *   o.services = {"s3"};
 *   auto h = std::make_shared<aws_sigv4::handler>(o, [](std::string_view akid) {
 *     return akid == "AKID" ? std::optional<aws_sigv4::secret_record>({"SECRET"}) : std::nullopt;
 *   });
 *   authwire::authenticator auth;
 *   auth.add(h);
 * @endcode
 */
#pragma once

// The scheme in parts, each including the one before it.
#include "aws_sigv4/verifier.hpp"
