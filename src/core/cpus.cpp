#include "core/cpus.hpp"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace suda::core {

unsigned usable_cpus() noexcept {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof mask, &mask) == 0) {
    const int count = CPU_COUNT(&mask);
    if (count > 0) return static_cast<unsigned>(count);
  }
  return std::max(1u, std::thread::hardware_concurrency());  // no mask to read: the machine's count
}

}  // namespace suda::core
