#include "core/error.hpp"

namespace suda::core {

std::string_view to_string(errc kind) noexcept {
  switch (kind) {
    case errc::bad_request: return "bad_request";
    case errc::unauthorized: return "unauthorized";
    case errc::forbidden: return "forbidden";
    case errc::not_found: return "not_found";
    case errc::method_not_allowed: return "method_not_allowed";
    case errc::conflict: return "conflict";
    case errc::payload_too_large: return "payload_too_large";
    case errc::unsupported_media_type: return "unsupported_media_type";
    case errc::rate_limited: return "rate_limited";
    case errc::unavailable: return "unavailable";
    case errc::internal: return "internal";
  }
  return "internal";
}

void throw_exception_from_error(const error& e, const boost::source_location&) { throw error_exception(e); }

}  // namespace suda::core
