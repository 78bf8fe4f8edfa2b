#pragma once
// Serves the web UI (web/dist, built by Vite) for GET and HEAD requests no route claimed.
//  - The path comes from the decoded target, split into segments that are checked ("..", NUL, "\", an
//    encoded "/", dot files) before any filesystem path is built; a file must resolve inside the root.
//  - Files under /assets/ carry a content hash in their name (Vite), so they are cached for a year as
//    immutable; everything else is revalidated (no-cache + ETag from size and mtime, If-None-Match -> 304).
//  - SPA fallback: a GET/HEAD path without a file extension that names no file is the client-side router's,
//    so it gets index.html; /api/... paths never fall back (a JSON 404 instead).
// Bodies are beast file_body: the file is read while it is written to the socket, in bounded chunks.
#include "net/http/types.hpp"

#include <filesystem>

namespace suda::net::http {

class static_files {
 public:
  explicit static_files(std::filesystem::path root);

  // Answers `req` (any method: others get 405 with Allow: GET, HEAD).
  beast_http::message_generator serve(const request& req) const;

  // True when the root is a directory holding index.html; the server only calls serve() when it is.
  bool available() const noexcept { return available_; }
  const std::filesystem::path& root() const noexcept { return root_; }

 private:
  beast_http::message_generator serve_file(const request& req, const std::filesystem::path& file,
                                           bool immutable) const;

  std::filesystem::path root_;  // canonical, so that "inside the root" is a prefix test
  bool available_ = false;
};

// The Content-Type for a file extension (".js", case-insensitive); application/octet-stream when unknown.
std::string_view mime_type(std::string_view extension) noexcept;

}  // namespace suda::net::http
