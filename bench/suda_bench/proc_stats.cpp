#include "proc_stats.hpp"

#include <fstream>
#include <sstream>
#include <string>

#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

namespace suda::bench {

std::optional<process_sample> sample_process(pid_t pid) {
  process_sample out;
  {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status) return std::nullopt;
    std::string line;
    bool found = false;
    while (std::getline(status, line)) {
      if (line.rfind("VmRSS:", 0) == 0) {
        std::istringstream fields(line.substr(6));
        double kib = 0;
        fields >> kib;
        out.rss_bytes = kib * 1024.0;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
  }
  {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    if (!stat || !std::getline(stat, text)) return std::nullopt;
    // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // After ')' come field 3 (state) onwards; utime and stime are fields 14 and 15.
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    const long ticks = sysconf(_SC_CLK_TCK);
    out.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(ticks > 0 ? ticks : 100);
  }
  return out;
}

double self_cpu_seconds() noexcept {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

unsigned usable_cpus() noexcept {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
  const int n = CPU_COUNT(&set);
  return n > 0 ? static_cast<unsigned>(n) : 1u;
}

unsigned long raise_fd_limit() noexcept {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  rlim_t ceiling = limit.rlim_max;
  std::ifstream nr_open("/proc/sys/fs/nr_open");
  unsigned long long kernel_max = 0;
  if (nr_open >> kernel_max && kernel_max > ceiling) {
    rlimit raised{static_cast<rlim_t>(kernel_max), static_cast<rlim_t>(kernel_max)};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) ceiling = raised.rlim_max;  // only root may raise the hard limit
  }
  limit.rlim_cur = ceiling;
  limit.rlim_max = ceiling;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return static_cast<unsigned long>(limit.rlim_cur);
}

}  // namespace suda::bench
