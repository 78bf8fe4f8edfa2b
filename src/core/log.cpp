#include "core/log.hpp"

#include "core/clock.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

namespace suda::core::log {
namespace {
std::atomic<level> min_level_{level::info};
std::mutex write_mutex_;  // keeps each line whole when several threads log at once

const char* name_of(level lvl) {
  switch (lvl) {
    case level::debug: return "DEBUG";
    case level::info: return "INFO ";
    case level::warn: return "WARN ";
    case level::error: return "ERROR";
  }
  return "?";
}
}  // namespace

void set_level(level lvl) noexcept { min_level_.store(lvl, std::memory_order_relaxed); }

bool parse_level(std::string_view text, level& out) noexcept {
  if (text == "debug") out = level::debug;
  else if (text == "info") out = level::info;
  else if (text == "warn") out = level::warn;
  else if (text == "error") out = level::error;
  else return false;
  return true;
}

bool enabled(level lvl) noexcept { return lvl >= min_level_.load(std::memory_order_relaxed); }

void write(level lvl, std::string_view component, std::string_view text) {
  std::string line = format_iso8601(now_ms());
  line += ' ';
  line += name_of(lvl);
  line += " [";
  line += component;
  line += "] ";
  line += text;
  line += '\n';
  std::lock_guard lock(write_mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace suda::core::log
