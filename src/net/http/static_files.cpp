#include "net/http/static_files.hpp"

#include "core/log.hpp"
#include "net/http/responses.hpp"
#include "net/http/target.hpp"

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/file_body.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <utility>

namespace suda::net::http {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view content_security_policy =
    "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; style-src 'self'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'";
constexpr std::string_view immutable_cache = "public, max-age=31536000, immutable";
constexpr std::string_view revalidate_cache = "no-cache";

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The extension of the last segment, with its dot (".js"); empty when there is none. A leading dot
// does not start an extension, but dot files are refused before this is asked.
std::string_view extension_of(std::string_view segment) {
  const auto dot = segment.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  return segment.substr(dot);
}

template <class Body>
void set_file_headers(beast_http::response<Body>& res, const request& req, std::string_view content_type,
                      std::string_view etag, bool immutable) {
  res.keep_alive(req.keep_alive());
  res.set(beast_http::field::content_type, content_type);
  res.set(beast_http::field::etag, etag);
  res.set(beast_http::field::cache_control, immutable ? immutable_cache : revalidate_cache);
  res.set("X-Content-Type-Options", "nosniff");
  if (content_type.starts_with("text/html")) {
    res.set("Content-Security-Policy", content_security_policy);
    res.set("Referrer-Policy", "same-origin");
  }
}

// True when If-None-Match names `etag` (or is "*"). Weak validators compare equal to strong ones here,
// since a GET only needs weak comparison (RFC 9110 13.1.2).
bool etag_matches(const request& req, std::string_view etag) {
  for (auto [it, end] = req.equal_range(beast_http::field::if_none_match); it != end; ++it) {
    std::string_view list = it->value();
    while (!list.empty()) {
      const auto comma = list.find(',');
      std::string_view item = list.substr(0, comma);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item.starts_with("W/")) item.remove_prefix(2);
      if (item == "*" || item == etag) return true;
    }
  }
  return false;
}

bool is_inside(const fs::path& root, const fs::path& file) {
  auto [root_end, file_it] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  return root_end == root.end();
}

beast_http::message_generator error(const request& req, core::error err) {
  return beast_http::message_generator{error_response(req, err)};
}

}  // namespace

std::string_view mime_type(std::string_view extension) noexcept {
  struct entry {
    std::string_view extension;
    std::string_view type;
  };
  static constexpr std::array<entry, 18> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
      {".webmanifest", "application/manifest+json"},
  }};
  if (extension.size() > 16) return "application/octet-stream";
  const std::string lower = lowercase(extension);
  for (const auto& e : types) {
    if (e.extension == lower) return e.type;
  }
  return "application/octet-stream";
}

static_files::static_files(std::filesystem::path root) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec) {
    root_ = std::move(root);
    return;
  }
  available_ = fs::is_directory(root_, ec) && fs::is_regular_file(root_ / "index.html", ec);
}

beast_http::message_generator static_files::serve(const request& req) const {
  if (req.method() != verb::get && req.method() != verb::head) {
    auto res = error_response(req, core::make_error(core::errc::method_not_allowed, "method_not_allowed",
                                                    "only GET and HEAD are allowed here"));
    res.set(beast_http::field::allow, "GET, HEAD");
    return beast_http::message_generator{std::move(res)};
  }
  // Every check happens on the decoded segments, before any filesystem path exists.
  const auto encoded_path = target_path(req.target());
  if (!encoded_path || encoded_path->find('\\') != std::string_view::npos) {
    return error(req, core::bad_request("bad_path", "malformed path"));
  }
  auto segments = path_segments(*encoded_path);
  if (!segments) return error(req, core::bad_request("bad_path", "malformed path"));
  for (const auto& segment : *segments) {
    // An encoded "/" or "\" would let one segment name several directories; refuse rather than guess.
    if (segment.find_first_of("/\\") != std::string::npos) {
      return error(req, core::bad_request("bad_path", "malformed path"));
    }
    // Dot files (.env, .git) are never part of a build; do not reveal whether one exists.
    if (segment.front() == '.') return error(req, core::not_found("no such file"));
  }
  if (!segments->empty() && segments->front() == "api") {
    return error(req, core::not_found("no such endpoint"));
  }
  if (!available_) return error(req, core::not_found("no such file"));

  fs::path file = root_;
  for (const auto& segment : *segments) file /= segment;
  if (segments->empty()) file /= "index.html";

  std::error_code ec;
  if (fs::is_regular_file(file, ec)) {
    // A symbolic link may point anywhere; only files that resolve inside the root are served.
    const fs::path resolved = fs::canonical(file, ec);
    if (ec || !is_inside(root_, resolved)) return error(req, core::not_found("no such file"));
    const bool immutable = segments->size() > 1 && segments->front() == "assets";
    return serve_file(req, resolved, immutable);
  }
  if (!segments->empty() && extension_of(segments->back()).empty()) {
    return serve_file(req, root_ / "index.html", false);  // a client-side route: the SPA decides
  }
  return error(req, core::not_found("no such file"));
}

beast_http::message_generator static_files::serve_file(const request& req, const std::filesystem::path& file,
                                                       bool immutable) const {
  boost::beast::error_code ec;
  beast_http::file_body::value_type body;
  body.open(file.c_str(), boost::beast::file_mode::scan, ec);
  if (ec) {
    core::log::warn("http", "cannot open ", file.string(), ": ", ec.message());
    return error(req, core::not_found("no such file"));
  }
  const std::uint64_t size = body.size();
  std::error_code time_ec;
  const auto modified = fs::last_write_time(file, time_ec);
  const long long stamp = time_ec ? 0 : static_cast<long long>(modified.time_since_epoch().count());
  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%llx-%llx\"", static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(stamp));
  const std::string_view content_type = mime_type(extension_of(file.filename().native()));

  if (etag_matches(req, etag)) {
    beast_http::response<beast_http::empty_body> res{status::not_modified, req.version()};
    set_file_headers(res, req, content_type, etag, immutable);
    res.erase(beast_http::field::content_type);  // a 304 describes the cached representation, not itself
    return beast_http::message_generator{std::move(res)};
  }
  if (req.method() == verb::head) {
    beast_http::response<beast_http::empty_body> res{status::ok, req.version()};
    set_file_headers(res, req, content_type, etag, immutable);
    res.content_length(size);
    return beast_http::message_generator{std::move(res)};
  }
  beast_http::response<beast_http::file_body> res{status::ok, req.version()};
  set_file_headers(res, req, content_type, etag, immutable);
  res.body() = std::move(body);
  res.prepare_payload();
  return beast_http::message_generator{std::move(res)};
}

}  // namespace suda::net::http
