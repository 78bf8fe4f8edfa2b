#pragma once
// Wall-clock time as milliseconds since the Unix epoch (what the store keeps) and its ISO 8601 form
// (what JSON carries, as the original service's createdAt did: "2022-02-28T10:01:52.636Z").
#include <cstdint>
#include <string>

namespace suda::core {

using millis = std::int64_t;

millis now_ms() noexcept;
std::string format_iso8601(millis ms);

}  // namespace suda::core
