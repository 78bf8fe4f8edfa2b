#include "chat/avatar_image.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "core/log.hpp"

namespace suda::chat {

namespace {

constexpr std::string_view log_component = "avatar";

constexpr int large_size = 256;
constexpr int small_size = 64;
// WebP quality: 80 is visually clean at avatar sizes while keeping the 256px file around 10 KB.
constexpr int webp_quality = 80;

// ---------------------------------------------------------------------------------------------------
// Format detection from magic numbers. Only these four reach libvips; anything else (SVG, TIFF, PDF,
// HEIF, ...) is refused before a decoder sees it, whatever the client claimed the type was.

enum class image_format { jpeg, png, webp, gif };

bool starts_with_bytes(std::string_view bytes, std::string_view magic, std::size_t at = 0) noexcept {
  return bytes.size() >= at + magic.size() && bytes.substr(at, magic.size()) == magic;
}

std::optional<image_format> sniff_format(std::string_view bytes) noexcept {
  using namespace std::string_view_literals;
  if (starts_with_bytes(bytes, "\xFF\xD8\xFF"sv)) return image_format::jpeg;
  if (starts_with_bytes(bytes, "\x89PNG\r\n\x1A\n"sv)) return image_format::png;
  if (starts_with_bytes(bytes, "GIF87a"sv) || starts_with_bytes(bytes, "GIF89a"sv)) return image_format::gif;
  // RIFF, a 4-byte little-endian chunk size, then the form type.
  if (starts_with_bytes(bytes, "RIFF"sv) && starts_with_bytes(bytes, "WEBP"sv, 8)) return image_format::webp;
  return std::nullopt;
}

// The loader libvips must pick for each format (its "vips-loader" header field). Checked so that the
// magic numbers and libvips' own sniffing agree on what is being decoded.
std::string_view expected_loader(image_format format) noexcept {
  switch (format) {
    case image_format::jpeg:
      return "jpegload_buffer";
    case image_format::png:
      return "pngload_buffer";
    case image_format::webp:
      return "webpload_buffer";
    case image_format::gif:
      return "gifload_buffer";
  }
  return {};
}

// Loader options. fail_on=error makes truncated or corrupt data an error instead of a picture padded
// with grey; it is given here, to the loader, because libvips 8.14's vips_thumbnail_buffer ignores its
// own fail_on argument (a truncated PNG decodes "successfully" with it). Animated formats decode the
// first frame only: n=1 is libvips' default too, spelled out so that a change of default cannot turn
// one avatar into a 1000-frame decode. JPEG and PNG have no page options and would reject them.
const char* loader_options(image_format format) noexcept {
  return format == image_format::gif || format == image_format::webp ? "fail_on=error,page=0,n=1" : "fail_on=error";
}

// ---------------------------------------------------------------------------------------------------
// Metadata removal at the container level. libvips 8.14's webpsave ignores strip=true and writes an EXIF
// chunk (and ICC, XMP) from the image's fields, the uploader's camera, GPS position and name included.
// Rather than trust each libvips version, the encoded file is rewritten without those chunks.
//
// WebP container (RFC 9649): "RIFF" <u32 LE size of the rest> "WEBP", then chunks of <FourCC> <u32 LE
// payload size> <payload, padded to an even length>. The extended format's leading VP8X chunk has flag
// bits announcing ICC (0x20), EXIF (0x08) and XMP (0x04) chunks, cleared here with the chunks.

constexpr std::size_t riff_header_size = 12;
constexpr std::size_t chunk_header_size = 8;
constexpr unsigned char vp8x_metadata_flags = 0x20 | 0x08 | 0x04;

std::uint32_t read_le32(std::string_view bytes, std::size_t at) noexcept {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
  return value;
}

void write_le32(std::string& bytes, std::size_t at, std::uint32_t value) noexcept {
  for (std::size_t i = 0; i < 4; ++i) bytes[at + i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

// nullopt if `webp` is not a well-formed container (which would be a libvips bug: it is our own output).
std::optional<std::string> without_webp_metadata(std::string_view webp) {
  using namespace std::string_view_literals;
  if (sniff_format(webp) != image_format::webp) return std::nullopt;
  std::string out(webp.substr(0, riff_header_size));
  std::size_t at = riff_header_size;
  while (at < webp.size()) {
    if (webp.size() - at < chunk_header_size) return std::nullopt;
    const std::string_view fourcc = webp.substr(at, 4);
    const std::uint32_t payload_size = read_le32(webp, at + 4);
    const std::size_t padded_size = static_cast<std::size_t>(payload_size) + (payload_size & 1u);
    if (padded_size > webp.size() - at - chunk_header_size) return std::nullopt;
    const std::string_view chunk = webp.substr(at, chunk_header_size + padded_size);
    at += chunk.size();

    if (fourcc == "EXIF"sv || fourcc == "XMP "sv || fourcc == "ICCP"sv) continue;
    const std::size_t chunk_start = out.size();
    out.append(chunk);
    if (fourcc == "VP8X"sv && payload_size >= 1) {
      out[chunk_start + chunk_header_size] =
          static_cast<char>(static_cast<unsigned char>(out[chunk_start + chunk_header_size]) & ~vp8x_metadata_flags);
    }
  }
  write_le32(out, 4, static_cast<std::uint32_t>(out.size() - 8));  // "WEBP" and the chunks
  return out;
}

// ---------------------------------------------------------------------------------------------------
// RAII for libvips' C objects: every path, error or not, releases what it made.

struct image_unref {
  void operator()(VipsImage* image) const noexcept { g_object_unref(image); }
};
using image_ptr = std::unique_ptr<VipsImage, image_unref>;

struct glib_free {
  void operator()(void* memory) const noexcept { g_free(memory); }
};

// Takes libvips' pending error text and clears it, so that one request's failure never shows up in the
// next one's message. vips_error_buffer_copy reads and clears under libvips' own lock.
std::string take_vips_error() {
  std::unique_ptr<char, glib_free> text(vips_error_buffer_copy());
  std::string message = text ? std::string(text.get()) : std::string();
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

core::error invalid_image(std::string message) { return core::bad_request("invalid_image", std::move(message)); }

// A rejected upload is the client's problem, not the server's: logged at debug, with libvips' reason.
core::error undecodable(std::string_view stage) {
  const std::string reason = take_vips_error();
  core::log::debug(log_component, "rejected avatar at ", stage, ": ", reason);
  return invalid_image("the image could not be decoded; it may be damaged or truncated");
}

core::result<std::string> encode_webp(VipsImage* image) {
  void* buffer = nullptr;
  std::size_t length = 0;
  // strip=true is what libvips versions that honour it need; without_webp_metadata covers those that don't.
  if (vips_webpsave_buffer(image, &buffer, &length, "Q", webp_quality, "strip", TRUE, nullptr) != 0) {
    const std::string reason = take_vips_error();
    core::log::error(log_component, "WebP encoding failed: ", reason);
    return core::internal_error("the avatar could not be encoded");
  }
  const std::unique_ptr<void, glib_free> owned(buffer);
  std::optional<std::string> stripped =
      without_webp_metadata(std::string_view(static_cast<const char*>(owned.get()), length));
  if (!stripped) {
    core::log::error(log_component, "libvips produced a malformed WebP container (", length, " bytes)");
    return core::internal_error("the avatar could not be encoded");
  }
  return std::move(*stripped);
}

// libvips reports decoder warnings (e.g. "premature end of JPEG file") through GLib's log, which would
// otherwise print straight to stderr. They describe untrusted uploads, so they go to our log at debug.
void on_vips_log(const gchar* domain, GLogLevelFlags, const gchar* message, gpointer) {
  core::log::debug(log_component, domain ? domain : "glib", ": ", message ? message : "");
}

bool initialize_vips() {
  if (VIPS_INIT("suda") != 0) {
    core::log::error(log_component, "libvips could not be initialized: ", take_vips_error());
    return false;
  }
  g_log_set_handler("VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO),
                    on_vips_log, nullptr);

  // One thread per libvips pipeline. Avatars already run on the server's small CPU pool, one job per pool
  // thread, so the pool's size is the bound on image work; libvips' default (one worker per core, per
  // pipeline) would let a few simultaneous uploads take every core and starve the writer and the
  // readers. A 256px thumbnail gains little from parallel tiles anyway.
  vips_concurrency_set(1);
  // No operation cache. libvips caches recent operations and their results (by default up to 100 MB and
  // 1000 operations) to speed up repeated calls on the same input; every upload is different, so the
  // hit rate is zero and the cache would only hold decoded untrusted images in memory.
  vips_cache_set_max(0);

  // Only the four decoders avatars accept are reachable, even if libvips' own sniffing were to disagree
  // with ours: ImageMagick, SVG, PDF, TIFF, matrix, ... stay blocked (blocking a class blocks its
  // subclasses; unblocking re-enables one family). This is process-wide, and avatars are libvips' only
  // use in suda.
  vips_operation_block_set("VipsForeignLoad", TRUE);
  for (const char* allowed :
       {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp", "VipsForeignLoadNsgif"}) {
    vips_operation_block_set(allowed, FALSE);
  }
  return true;
}

}  // namespace

bool init_imaging() {
  // call_once: the first uploads may arrive on several pool threads at once, and VIPS_INIT is not safe to
  // race. The outcome is remembered so that a failed init is reported on every call, not retried.
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] { ready = initialize_vips(); });
  return ready;
}

core::result<avatar_images> make_avatar_images(std::string_view bytes) {
  if (!init_imaging()) return core::internal_error("image processing is unavailable");

  const std::optional<image_format> format = sniff_format(bytes);
  if (!format) return invalid_image("the avatar must be a JPEG, PNG, WebP or GIF image");

  // libvips reads from the caller's buffer without copying it (and never writes to it, whatever the
  // non-const signature of vips_thumbnail_buffer says); `bytes` outlives every image made below.
  void* const data = const_cast<char*>(bytes.data());
  const char* const options = loader_options(*format);

  // 1. The header only: vips_image_new_from_buffer is lazy, no pixel is decoded yet. This is where the
  //    size is checked, before shrink-on-load or a full decode could be asked for.
  {
    const image_ptr header(vips_image_new_from_buffer(data, bytes.size(), options, nullptr));
    if (!header) return undecodable("header");

    const char* loader = nullptr;
    if (vips_image_get_string(header.get(), VIPS_META_LOADER, &loader) != 0 || loader == nullptr ||
        std::string_view(loader) != expected_loader(*format)) {
      vips_error_clear();
      core::log::debug(log_component, "rejected avatar: libvips chose loader ", loader ? loader : "(none)");
      return invalid_image("the image could not be decoded; it may be damaged or truncated");
    }

    const auto width = static_cast<std::uint64_t>(vips_image_get_width(header.get()));
    const auto height = static_cast<std::uint64_t>(vips_image_get_height(header.get()));
    if (width == 0 || height == 0) return invalid_image("the image is empty");
    if (width * height > max_avatar_source_pixels) {
      return invalid_image("the image is too large: at most " + std::to_string(max_avatar_source_pixels / 1'000'000) +
                           " megapixels");
    }
    // Cropping to a square happens after resizing, so the short side is scaled to 256 px first and the
    // intermediate image is 256 x (256 * long/short). Bounding that by the same pixel budget keeps a
    // 1 x 40,000,000 strip from turning into ten billion pixels of work.
    const std::uint64_t long_side = std::max(width, height);
    const std::uint64_t short_side = std::min(width, height);
    if (long_side * large_size * large_size > max_avatar_source_pixels * short_side) {
      return invalid_image("the image is too narrow to crop to a square avatar");
    }
  }

  // 2. Decode (with shrink-on-load where the format has it), rotate upright from EXIF, resize so the
  //    short side is 256 and crop the centre. fail_on is also in the loader options (see loader_options).
  VipsImage* raw_thumbnail = nullptr;
  if (vips_thumbnail_buffer(data, bytes.size(), &raw_thumbnail, large_size, "height", large_size, "crop",
                            VIPS_INTERESTING_CENTRE, "size", VIPS_SIZE_BOTH, "fail_on", VIPS_FAIL_ON_ERROR,
                            "option_string", options, nullptr) != 0) {
    return undecodable("thumbnail");
  }
  const image_ptr thumbnail(raw_thumbnail);

  // vips_thumbnail already converts colour images with a profile (or CMYK) to sRGB, but leaves greyscale
  // as greyscale and 16-bit as 16-bit; this makes every avatar 8-bit sRGB (alpha kept).
  VipsImage* raw_srgb = nullptr;
  if (vips_colourspace(thumbnail.get(), &raw_srgb, VIPS_INTERPRETATION_sRGB, nullptr) != 0) {
    return undecodable("colourspace");
  }
  const image_ptr srgb(raw_srgb);

  // 3. Run the pipeline once, into memory: all decoding happens here, so its errors are the upload's
  //    fault (invalid_image), and both sizes are made from these 256x256 pixels without decoding twice.
  const image_ptr large(vips_image_copy_memory(srgb.get()));
  if (!large) return undecodable("decode");
  if (vips_image_get_width(large.get()) != large_size || vips_image_get_height(large.get()) != large_size) {
    core::log::error(log_component, "thumbnail has unexpected size ", vips_image_get_width(large.get()), "x",
                     vips_image_get_height(large.get()));
    return core::internal_error("the avatar could not be resized");
  }

  // thumbnail_image rather than a plain resize: it premultiplies alpha, so transparent edges do not
  // bleed dark fringes. The source is already upright, hence no_rotate.
  VipsImage* raw_small = nullptr;
  if (vips_thumbnail_image(large.get(), &raw_small, small_size, "height", small_size, "crop", VIPS_INTERESTING_CENTRE,
                           "no_rotate", TRUE, nullptr) != 0) {
    const std::string reason = take_vips_error();
    core::log::error(log_component, "resize to ", small_size, " failed: ", reason);
    return core::internal_error("the avatar could not be resized");
  }
  const image_ptr small(raw_small);

  // 4. Encode, without EXIF, XMP or ICC (encode_webp).
  avatar_images images;
  auto webp_large = encode_webp(large.get());
  if (!webp_large) return webp_large.error();
  auto webp_small = encode_webp(small.get());
  if (!webp_small) return webp_small.error();
  images.webp_256 = std::move(*webp_large);
  images.webp_64 = std::move(*webp_small);
  return images;
}

}  // namespace suda::chat
