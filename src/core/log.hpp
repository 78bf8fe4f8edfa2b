#pragma once
// Readable logs to stderr: "2026-11-25T13:00:00.123Z INFO  [net] listening on 127.0.0.1:8080".
// One line per call, written whole under a mutex so lines of different threads never interleave.
#include <sstream>
#include <string_view>

namespace suda::core::log {

enum class level { debug = 0, info, warn, error };

void set_level(level min_level) noexcept;
bool parse_level(std::string_view text, level& out) noexcept;
bool enabled(level lvl) noexcept;
void write(level lvl, std::string_view component, std::string_view text);

template <class... Args>
void print(level lvl, std::string_view component, const Args&... args) {
  if (!enabled(lvl)) return;
  std::ostringstream line;
  (line << ... << args);
  write(lvl, component, line.str());
}

template <class... Args>
void debug(std::string_view component, const Args&... args) { print(level::debug, component, args...); }
template <class... Args>
void info(std::string_view component, const Args&... args) { print(level::info, component, args...); }
template <class... Args>
void warn(std::string_view component, const Args&... args) { print(level::warn, component, args...); }
template <class... Args>
void error(std::string_view component, const Args&... args) { print(level::error, component, args...); }

}  // namespace suda::core::log
