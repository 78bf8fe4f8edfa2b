#pragma once
// Turns an uploaded avatar (untrusted bytes) into the two images the server stores and serves: a
// 256x256 and a 64x64 WebP, centre-cropped to a square, upright (EXIF orientation applied), sRGB, with
// all metadata (EXIF, GPS, ICC, XMP) stripped so that no upload leaks where or with what it was taken.
//
// Decoding runs libvips on attacker-controlled input and costs real CPU and memory: call it only off the
// I/O threads (core::offload to the CPU pool), never on an event loop. The caller bounds the body size
// before it gets here; this function bounds the pixel count.
#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace suda::chat {

struct avatar_images {
  std::string webp_256;  // 256x256 WebP
  std::string webp_64;   // 64x64 WebP
};

// The largest image accepted, in pixels (width * height of the first frame), checked from the header
// before any pixel is decoded: 40 megapixels covers any phone camera while bounding the decode work.
inline constexpr std::uint64_t max_avatar_source_pixels = 40'000'000;

// Initializes libvips once per process (idempotent, thread-safe) and restricts it to what avatars need:
// one worker thread per operation, no operation cache, and only the JPEG, PNG, WebP and GIF loaders.
// make_avatar_images calls it itself; main may call it at start so that a broken libvips fails early.
// Returns false (and logs why) if libvips cannot initialize.
bool init_imaging();

// Accepts JPEG, PNG, WebP or GIF, recognised from the bytes' magic numbers, never from a client's
// Content-Type. Animated GIF/WebP: only the first frame is used. Never throws on bad input; every
// undecodable, truncated, unsupported or oversized image is bad_request("invalid_image", ...).
// If libvips itself cannot be initialized or fails to encode, the error is internal.
core::result<avatar_images> make_avatar_images(std::string_view bytes);

}  // namespace suda::chat
