#include "ws_frames.hpp"

#include <random>

namespace suda::bench {

namespace {

// Assembly buffers beyond this are given back once their message was handed out, so one large fragmented
// message does not pin memory on a client for the rest of a run.
constexpr std::size_t kept_assembly_bytes = 64 << 10;

std::uint8_t byte_at(std::string_view bytes, std::size_t i) noexcept { return static_cast<std::uint8_t>(bytes[i]); }

bool is_known(std::uint8_t opcode) noexcept {
  switch (static_cast<ws_opcode>(opcode)) {
    case ws_opcode::continuation:
    case ws_opcode::text:
    case ws_opcode::binary:
    case ws_opcode::close:
    case ws_opcode::ping:
    case ws_opcode::pong:
      return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(ws_error error) noexcept {
  switch (error) {
    case ws_error::none: return "no error";
    case ws_error::reserved_bits: return "reserved bits set";
    case ws_error::masked: return "masked frame from the server";
    case ws_error::bad_opcode: return "unknown opcode";
    case ws_error::bad_control: return "fragmented or oversized control frame";
    case ws_error::bad_length: return "non-minimal or out-of-range payload length";
    case ws_error::bad_continuation: return "continuation frame out of sequence";
    case ws_error::too_big: return "message beyond the limit";
  }
  return "unknown error";
}

ws_parser::frame_result ws_parser::parse_frame(std::string_view bytes) {
  if (failed()) return {};
  if (!assembling_ && assembly_.capacity() > kept_assembly_bytes) std::string().swap(assembly_);
  if (bytes.size() < 2) return {};

  const std::uint8_t b0 = byte_at(bytes, 0);
  const std::uint8_t b1 = byte_at(bytes, 1);
  const bool fin = (b0 & 0x80) != 0;
  const std::uint8_t opcode = b0 & 0x0F;
  if ((b0 & 0x70) != 0) return fail(ws_error::reserved_bits);
  if ((b1 & 0x80) != 0) return fail(ws_error::masked);
  if (!is_known(opcode)) return fail(ws_error::bad_opcode);
  const bool control = (opcode & 0x08) != 0;

  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7F;
  if (control && (!fin || length > 125)) return fail(ws_error::bad_control);
  if (length == 126) {
    if (bytes.size() < 4) return {};
    length = (std::uint64_t{byte_at(bytes, 2)} << 8) | byte_at(bytes, 3);
    if (length < 126) return fail(ws_error::bad_length);
    header = 4;
  } else if (length == 127) {
    if (bytes.size() < 10) return {};
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = (length << 8) | byte_at(bytes, i);
    if ((length >> 63) != 0 || length <= 0xFFFF) return fail(ws_error::bad_length);
    header = 10;
  }

  // Sequence and size are checked from the header alone, so an oversized message is refused before the
  // caller grows its buffer to hold it.
  if (!control) {
    const bool continuation = opcode == static_cast<std::uint8_t>(ws_opcode::continuation);
    if (continuation != assembling_) return fail(ws_error::bad_continuation);
    const std::uint64_t total = (continuation ? assembly_.size() : 0) + length;
    if (total > limit_) return fail(ws_error::too_big);
  }
  if (bytes.size() - header < length) return {};

  const std::string_view payload = bytes.substr(header, static_cast<std::size_t>(length));
  const std::size_t consumed = header + payload.size();
  const auto op = static_cast<ws_opcode>(opcode);
  if (control || (op != ws_opcode::continuation && fin)) return {consumed, ws_message{op, payload}};
  if (op != ws_opcode::continuation) {
    assembling_ = true;
    assembling_opcode_ = op;
    assembly_.assign(payload);
    return {consumed, std::nullopt};
  }
  assembly_.append(payload);
  if (!fin) return {consumed, std::nullopt};
  assembling_ = false;
  return {consumed, ws_message{assembling_opcode_, assembly_}};
}

void append_client_frame(std::string& out, ws_opcode opcode, std::string_view payload, std::uint32_t mask_key) {
  const std::size_t start = out.size();
  const std::size_t length = payload.size();
  const std::size_t length_bytes = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
  out.resize(start + 2 + length_bytes + 4 + length);
  char* p = out.data() + start;
  *p++ = static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode));
  if (length_bytes == 0) {
    *p++ = static_cast<char>(0x80 | length);
  } else {
    *p++ = static_cast<char>(0x80 | (length_bytes == 2 ? 126 : 127));
    for (std::size_t i = length_bytes; i-- > 0;) *p++ = static_cast<char>((std::uint64_t{length} >> (8 * i)) & 0xFF);
  }
  const unsigned char key[4] = {static_cast<unsigned char>(mask_key >> 24), static_cast<unsigned char>(mask_key >> 16),
                                static_cast<unsigned char>(mask_key >> 8), static_cast<unsigned char>(mask_key)};
  for (unsigned char k : key) *p++ = static_cast<char>(k);
  for (std::size_t i = 0; i < length; ++i) p[i] = static_cast<char>(static_cast<unsigned char>(payload[i]) ^ key[i & 3]);
}

std::uint32_t next_mask_key() noexcept {
  // splitmix64: one add and a few multiplies per key, and any seed is a good one.
  thread_local std::uint64_t state = [] {
    std::random_device device;
    return (std::uint64_t{device()} << 32) | device();
  }();
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return static_cast<std::uint32_t>((z ^ (z >> 31)) >> 32);
}

}  // namespace suda::bench
