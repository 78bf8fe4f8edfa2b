#include "core/batch_scheduling.hpp"

#include "core/log.hpp"

#include <cerrno>
#include <cstring>
#include <sched.h>

namespace suda::core {

void use_batch_scheduling() noexcept {
  thread_local bool done = false;
  if (done) return;
  done = true;
  sched_param param{};
  param.sched_priority = 0;
  // pid 0: the calling thread (Linux applies scheduling policies per thread).
  if (::sched_setscheduler(0, SCHED_BATCH, &param) != 0) {
    log::warn("core", "SCHED_BATCH for a helper thread failed: ", std::strerror(errno));
  }
}

}  // namespace suda::core
