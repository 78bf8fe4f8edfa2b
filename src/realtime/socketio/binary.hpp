#pragma once
// Binary attachments of Socket.IO packets: placeholders in the JSON, and the reassembly of a BINARY_EVENT
// or BINARY_ACK from its text frame and the binary frames that follow it.
//
// A placeholder is exactly {"_placeholder":true,"num":i}, i indexing packet::attachments. In a BINARY_*
// packet every object with a "_placeholder" key must be such a placeholder, and the nums must be exactly
// 0..n-1, each once (n = the number of attachments): a missing, repeated or out-of-range attachment is an
// error, not something to guess about. In EVENT / ACK packets such objects are plain data.
#include "core/error.hpp"
#include "realtime/socketio/packet.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace suda::realtime::socketio {

boost::json::value make_placeholder(std::size_t num);

// Appends `bytes` to p.attachments and returns the placeholder to put where the blob belongs in p.data.
boost::json::value attach(packet& p, std::string bytes);

// The num of `v` when it is a well-formed placeholder, else nullopt.
std::optional<std::size_t> placeholder_num(const boost::json::value& v) noexcept;

// The attachment `v` stands for, or nullptr when `v` is not a placeholder of one of p's attachments.
const std::string* attachment_at(const packet& p, const boost::json::value& v) noexcept;

// Checks the placeholder rules above for a payload announcing `count` attachments (error: bad_placeholder).
// Iterative, so work and stack stay bounded for any value, parsed or built by hand.
core::result<void> check_placeholders(const boost::json::value& data, std::size_t count);

struct reconstructor_limits {
  decode_limits decode{};
  // Total bytes of one packet's attachments; past it the packet is dropped (errc::payload_too_large).
  std::size_t max_attachment_bytes = 1 << 20;
};

// Turns the frames of one connection into whole packets, like socket.io-parser's Decoder:
//   add_text("51-[\"up\",{...}]")  -> nullopt (waiting for 1 attachment)
//   add_binary(<bytes>)           -> the packet, with attachments filled
// A text packet without attachments comes back at once. After any error the partial packet is dropped and
// the reconstructor is idle again; the caller should close the connection (the peer is out of step).
// Memory is bounded: at most max_attachments buffers of max_attachment_bytes in total.
class binary_reconstructor {
 public:
  explicit binary_reconstructor(reconstructor_limits limits = {}) : limits_(limits) {}

  // Decodes a text frame (with limits.decode) and continues as add_packet.
  core::result<std::optional<packet>> add_text(std::string_view text);
  // Takes an already decoded packet. Error expected_binary while attachments are still awaited.
  core::result<std::optional<packet>> add_packet(packet p);
  // Takes one binary frame. Error unexpected_binary when no attachment is awaited.
  core::result<std::optional<packet>> add_binary(std::string_view bytes);

  bool awaiting_attachments() const noexcept { return pending_ != nullptr; }
  std::size_t attachments_missing() const noexcept {
    return pending_ ? pending_->attachment_count - pending_->attachments.size() : 0;
  }
  void reset() noexcept;

 private:
  reconstructor_limits limits_;
  // The BINARY_* packet whose attachments are arriving; on the heap only then (one reconstructor per connection).
  std::unique_ptr<packet> pending_;
  std::size_t pending_bytes_ = 0;  // sum of pending_->attachments sizes, checked against the cap
};

}  // namespace suda::realtime::socketio
