// SPDX-License-Identifier: MIT
// Example: an S3-style endpoint on cpp-httplib protected by AWS Signature Version 4
// (AWS4-HMAC-SHA256), header-signed and presigned requests alike.
//
//   GET, HEAD, PUT, DELETE on any path: authenticated with SigV4, region us-east-1, service s3.
//   Refusals carry S3's XML error body (<Error><Code>SignatureDoesNotMatch</Code>...), the
//   status the library chose (400, 401 with an AWS4-HMAC-SHA256 challenge, 403), and the
//   library's reason in <Message>.
//   GET answers "hello <identity> <path>"; PUT answers with an empty body and the header
//   `x-stored-bytes: <n>` (after an aws-chunked body, the decoded length).
//
// Keys (test values, not secrets):
//   AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY            identity "alice"
//   ASIATEMPEXAMPLE / tempSecretEXAMPLE, session token "TOKENEXAMPLE"  identity "temp"
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <authwire/adapters/httplib.hpp>
#include <authwire/schemes/aws_sigv4.hpp>

namespace {

std::string xml_escape(std::string_view s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '&': o += "&amp;"; break;
      case '"': o += "&quot;"; break;
      default: o += c;
    }
  }
  return o;
}

}  // namespace

int main() {
  namespace aws = authwire::aws_sigv4;
  namespace ha = authwire::httplib_adapter;

  const std::map<std::string, aws::secret_record, std::less<>> keys = {
      {"AKIDEXAMPLE", {"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", std::nullopt, "alice"}},
      {"ASIATEMPEXAMPLE", {"tempSecretEXAMPLE", std::string("TOKENEXAMPLE"), "temp"}},
  };
  aws::verifier_options o;
  o.regions = {"us-east-1"};
  o.services = {"s3"};
  o.realm = "aws example";
  auto h = std::make_shared<aws::handler>(o, [keys](std::string_view k) -> std::optional<aws::secret_record> {
    auto it = keys.find(k);
    if (it == keys.end()) return std::nullopt;
    return it->second;
  });
  auto auth = std::make_shared<authwire::authenticator>();
  auth->add(h);

  auto serve = [auth](const httplib::Request& req, httplib::Response& res) {
    ha::request_adapter ra(req, true);
    const authwire::decision d = auth->authenticate(ra.view());
    if (!d.allowed()) {
      for (auto& x : d.headers()) res.headers.emplace(x.name, x.value);
      res.status = d.status();
      const std::string code = d.code().empty() ? std::string("AccessDenied") : d.code();
      res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + xml_escape(code) +
                          "</Code><Message>" + xml_escape(d.reason()) + "</Message></Error>\n",
                      "application/xml");
      return;
    }
    if (req.method == "PUT") {
      std::string n = std::to_string(req.body.size());
      if (auto dl = req.get_header_value("x-amz-decoded-content-length"); !dl.empty()) n = dl;
      res.set_header("x-stored-bytes", n);  // empty body: what S3 answers to PutObject
      res.set_header("ETag", "\"authwire\"");
    } else {
      res.set_content("hello " + d.identity() + " " + req.path + "\n", "text/plain");
    }
  };

  httplib::Server svr;
  svr.Get(".*", serve);
  svr.Put(".*", serve);
  svr.Delete(".*", serve);
  svr.Post(".*", serve);
  return ha::run_example(svr);
}
