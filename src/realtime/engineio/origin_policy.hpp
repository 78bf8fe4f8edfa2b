#pragma once
// Which browser origins may open an Engine.IO connection. A cross-site page must not be able to ride on a
// user's cookies into their chat, so a request that carries an Origin header is accepted only when it is
// same-origin (the Origin's host[:port] equals the Host header, as the browser sent both) or listed in
// server_options::allowed_origins; "*" there allows any origin. A request without Origin (curl, native
// clients, the functional tests) is not a browser's cross-site request and is accepted.
#include <string>
#include <string_view>
#include <vector>

namespace suda::realtime::engineio {

class origin_policy {
 public:
  explicit origin_policy(std::vector<std::string> allowed_origins);

  // `origin` and `host` are the header values ("" when absent).
  bool allows(std::string_view origin, std::string_view host) const;

 private:
  bool any_ = false;
  std::vector<std::string> allowed_;  // lowercase, without a trailing '/'
};

}  // namespace suda::realtime::engineio
