#include "chat/avatar_image.hpp"

#include "core/log.hpp"

#include <vips/vips.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

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
    case image_format::jpeg: return "jpegload_buffer";
    case image_format::png: return "pngload_buffer";
    case image_format::webp: return "webpload_buffer";
    case image_format::gif: return "gifload_buffer";
  }
  return {};
}

// Loader options. Animated formats decode the first frame only (n=1 is libvips' default too, spelled out
// so that a change of default cannot turn one avatar into a 1000-frame decode); JPEG and PNG have no
// page options and would reject them.
const char* loader_options(image_format format) noexcept {
  return format == image_format::gif || format == image_format::webp ? "page=0,n=1" : "";
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
  if (vips_webpsave_buffer(image, &buffer, &length, "Q", webp_quality, "strip", TRUE, nullptr) != 0) {
    const std::string reason = take_vips_error();
    core::log::error(log_component, "WebP encoding failed: ", reason);
    return core::internal_error("the avatar could not be encoded");
  }
  std::unique_ptr<void, glib_free> owned(buffer);
  return std::string(static_cast<const char*>(owned.get()), length);
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
  // thread; libvips' default (one worker per core, per pipeline) would let a few simultaneous uploads
  // oversubscribe the 2-core machine and starve the writer and the readers. A 256px thumbnail gains
  // little from parallel tiles anyway.
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
  for (const char* allowed : {"VipsForeignLoadJpeg", "VipsForeignLoadPng", "VipsForeignLoadWebp",
                              "VipsForeignLoadNsgif"}) {
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
      return invalid_image("the image is too large: at most 40 megapixels");
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
  //    short side is 256 and crop the centre. fail_on=error makes truncated or corrupt data an error
  //    instead of a picture padded with grey.
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
  if (vips_thumbnail_image(large.get(), &raw_small, small_size, "height", small_size, "crop",
                           VIPS_INTERESTING_CENTRE, "no_rotate", TRUE, nullptr) != 0) {
    const std::string reason = take_vips_error();
    core::log::error(log_component, "resize to ", small_size, " failed: ", reason);
    return core::internal_error("the avatar could not be resized");
  }
  const image_ptr small(raw_small);

  // 4. Encode; strip=true drops EXIF, XMP and ICC from the output.
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
