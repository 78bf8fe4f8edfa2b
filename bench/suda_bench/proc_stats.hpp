#pragma once
// What the kernel knows about a process: resident memory (/proc/<pid>/status VmRSS) and CPU time
// (/proc/<pid>/stat utime + stime). Used on the server under test (--server-pid) and on the generator itself.
#include <optional>
#include <sys/types.h>

namespace suda::bench {

struct process_sample {
  double rss_bytes = 0;
  double cpu_seconds = 0;  // user + system, since the process started
};

// nullopt when the process does not exist (or /proc is unreadable).
std::optional<process_sample> sample_process(pid_t pid);

// The generator itself: CPU seconds used so far (getrusage), and how many CPUs it may run on (its affinity
// mask, e.g. 1 under `taskset -c 1`).
double self_cpu_seconds() noexcept;
unsigned usable_cpus() noexcept;

// Raises the soft RLIMIT_NOFILE as far as allowed (raising the hard limit too when running as root, up to
// fs.nr_open). Returns the soft limit in force afterwards.
unsigned long raise_fd_limit() noexcept;

}  // namespace suda::bench
