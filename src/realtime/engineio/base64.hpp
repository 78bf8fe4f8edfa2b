#pragma once
// Standard base64 (RFC 4648 section 4, with padding), as Engine.IO v4 uses for binary packets over HTTP
// long-polling ("b" + base64). The decoder is strict: the length must be a multiple of four, padding only at
// the end, and the unused low bits of the last symbol must be zero, so every byte string has exactly one
// accepted encoding and garbage is rejected instead of silently decoded.
#include <optional>
#include <string>
#include <string_view>

namespace suda::realtime::engineio {

std::string base64_encode(std::string_view bytes);

// Appends the encoding of `bytes` to `out` (lets the payload encoder build one string without temporaries).
void base64_append(std::string& out, std::string_view bytes);

// The decoded bytes, or nullopt when `text` is not canonical padded base64. Work is linear in the input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace suda::realtime::engineio
