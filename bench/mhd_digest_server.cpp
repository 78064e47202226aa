// SPDX-License-Identifier: MIT
/**
 * @file mhd_digest_server.cpp
 * @brief The libmicrohttpd side of bench/loopback.sh: answers GET with 200 "ok" when
 *        MHD_digest_auth_check2(..., MHD_DIGEST_ALG_SHA256) accepts the Authorization, else 401
 *        with MHD's SHA-256 challenge (stale=true for an invalid nonce). With --noauth it answers
 *        200 "ok" to everything (the baseline). Binds 127.0.0.1 on a free port, prints
 *        `listening http://127.0.0.1:<port>`, serves until SIGTERM, then prints on stderr the
 *        time MHD_digest_auth_get_username + MHD_digest_auth_check2 took per request.
 *
 * Usage: mhd_digest_server [--noauth] [--threads N]   (N: MHD thread pool, default 2)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "loopback_stats.hpp"

namespace {

constexpr const char* realm = "bench@authwire";
constexpr const char* user = "bench";
constexpr const char* password = "loopback secret";
constexpr const char* opaque = "0123456789abcdef";

bool g_noauth = false;
MHD_Response* g_ok = nullptr;
loopback::histogram g_check;

MHD_Result on_request(void*, MHD_Connection* c, const char*, const char*, const char*, const char*, size_t*,
                      void** con_cls) {
  // The libmicrohttpd idiom: no answer on the first call, which comes before the request is
  // complete (an answer there makes MHD close the connection: no keep-alive).
  static int marker;
  if (*con_cls != &marker) {
    *con_cls = &marker;
    return MHD_YES;
  }
  if (g_noauth) return MHD_queue_response(c, MHD_HTTP_OK, g_ok);
  const std::uint64_t t0 = loopback::now_ns();
  char* u = MHD_digest_auth_get_username(c);
  int r = MHD_NO;
  if (u) {
    const bool known = std::strcmp(u, user) == 0;
    r = MHD_digest_auth_check2(c, realm, u, known ? password : "\x01 unknown", 300, MHD_DIGEST_ALG_SHA256);
    if (!known) r = MHD_NO;
    MHD_free(u);
    g_check.add(loopback::now_ns() - t0);
  }
  if (r == MHD_YES) return MHD_queue_response(c, MHD_HTTP_OK, g_ok);
  // A response per 401: MHD_queue_auth_fail_response2 adds its WWW-Authenticate to the response.
  static char denied_body[] = "denied";
  MHD_Response* denied = MHD_create_response_from_buffer(6, denied_body, MHD_RESPMEM_PERSISTENT);
  const MHD_Result q = MHD_queue_auth_fail_response2(c, realm, opaque, denied, r == MHD_INVALID_NONCE ? MHD_YES : MHD_NO,
                                                     MHD_DIGEST_ALG_SHA256);
  MHD_destroy_response(denied);
  return q;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned threads = 2;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--noauth") == 0) g_noauth = true;
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = static_cast<unsigned>(std::atoi(argv[++i]));
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  static char ok_body[] = "ok";
  g_ok = MHD_create_response_from_buffer(2, ok_body, MHD_RESPMEM_PERSISTENT);
  static char rnd[32];
  std::ifstream("/dev/urandom", std::ios::binary).read(rnd, sizeof rnd);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  MHD_Daemon* d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, 0, nullptr, nullptr, &on_request,
                                   nullptr, MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
                                   MHD_OPTION_DIGEST_AUTH_RANDOM, sizeof rnd, rnd, MHD_OPTION_NONCE_NC_SIZE, 4096u,
                                   MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
  if (!d) {
    std::fprintf(stderr, "MHD_start_daemon failed\n");
    return 1;
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  std::printf("listening http://127.0.0.1:%u\n", info ? static_cast<unsigned>(info->port) : 0u);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&set, &sig);
  MHD_stop_daemon(d);
  g_check.print("check_ns");
  MHD_destroy_response(g_ok);
  return 0;
}
