#pragma once
// Maps (method, path) to a handler. Patterns are literal segments and "{name}" parameters, e.g.
// "/api/room/{id}/chat". A path that matches a pattern but not its method is a 405 (with Allow);
// no pattern: not found (the server then tries static files for GET/HEAD).
#include "net/http/types.hpp"

#include <string>
#include <vector>

namespace suda::net::http {

class router {
 public:
  void add(verb method, std::string pattern, handler h);

  struct match_result {
    const handler* found = nullptr;                          // set when method and path matched
    std::vector<std::pair<std::string, std::string>> params;  // decoded "{name}" values
    bool path_matched = false;                               // a pattern matched with another method
    std::string allow;                                       // methods allowed for the path, for 405
  };
  // `path` is the request target's path without the query, still percent-encoded.
  match_result match(verb method, std::string_view path) const;

 private:
  struct route {
    verb method;
    std::vector<std::string> segments;  // "{name}" marks a parameter
    handler h;
  };
  std::vector<route> routes_;
};

}  // namespace suda::net::http
