#pragma once
// The domain's error vocabulary. Expected failures (bad input, missing rights, unknown ids) are values of
// `core::error` carried in `core::result<T>`; exceptions are for surprises and abort one request only.
// The HTTP layer maps `errc` to a status code in one place (net/http/responses.cpp); Socket.IO acks
// carry the same {code, message} pair.
#include <boost/system/result.hpp>
#include <boost/assert/source_location.hpp>

#include <string>
#include <string_view>

namespace suda::core {

// The kind of failure: one per HTTP status the API uses.
enum class errc {
  bad_request = 1,         // 400: malformed or invalid input
  unauthorized,            // 401: no valid session
  forbidden,               // 403: authenticated, but not allowed (e.g. not a room member)
  not_found,               // 404
  method_not_allowed,      // 405
  conflict,                // 409: e.g. email already taken
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  rate_limited,            // 429
  unavailable,             // 503: shutting down, queue full
  internal,                // 500: a bug or an unexpected storage failure
};

std::string_view to_string(errc kind) noexcept;

// A failure as clients see it: the kind (-> status), a stable machine-readable code and a sentence for people.
struct error {
  errc kind = errc::internal;
  std::string code;     // e.g. "email_taken"; stable, for clients to branch on
  std::string message;  // human-readable, safe to show (never echoes secrets)

  friend bool operator==(const error&, const error&) = default;
};

[[noreturn]] void throw_exception_from_error(const error& e, const boost::source_location& loc);

// The exception thrown by result<T>::value() on an error; also usable to abort a request deliberately.
class error_exception : public std::exception {
 public:
  explicit error_exception(error e) : error_(std::move(e)) {}
  const char* what() const noexcept override { return error_.message.c_str(); }
  const error& err() const noexcept { return error_; }

 private:
  error error_;
};

template <class T>
using result = boost::system::result<T, error>;

inline error make_error(errc kind, std::string code, std::string message) {
  return error{kind, std::move(code), std::move(message)};
}
inline error bad_request(std::string code, std::string message) {
  return make_error(errc::bad_request, std::move(code), std::move(message));
}
inline error forbidden(std::string message) { return make_error(errc::forbidden, "forbidden", std::move(message)); }
inline error not_found(std::string message) { return make_error(errc::not_found, "not_found", std::move(message)); }
inline error unauthorized(std::string message) {
  return make_error(errc::unauthorized, "unauthorized", std::move(message));
}
inline error internal_error(std::string message) {
  return make_error(errc::internal, "internal", std::move(message));
}

}  // namespace suda::core
