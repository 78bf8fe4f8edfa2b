#include "core/cpus.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace {

// Runs `body` on a fresh thread whose affinity mask is `mask`, so the test process keeps its own.
template <class Body>
void with_mask(const cpu_set_t& mask, Body body) {
  std::thread worker([&] {
    ASSERT_EQ(sched_setaffinity(0, sizeof mask, &mask), 0);
    body();
  });
  worker.join();
}

cpu_set_t current_mask() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  EXPECT_EQ(sched_getaffinity(0, sizeof mask, &mask), 0);
  return mask;
}

int first_cpu(const cpu_set_t& mask) {
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &mask)) return cpu;
  return -1;
}

TEST(usable_cpus, counts_the_affinity_mask) {
  const auto mask = current_mask();
  EXPECT_EQ(suda::core::usable_cpus(), static_cast<unsigned>(CPU_COUNT(&mask)));
}

TEST(usable_cpus, a_thread_pinned_to_one_cpu_sees_one) {
  const int cpu = first_cpu(current_mask());
  ASSERT_GE(cpu, 0);
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  with_mask(one, [] { EXPECT_EQ(suda::core::usable_cpus(), 1u); });
}

TEST(usable_cpus, never_more_than_the_machine_has) {
  const unsigned machine = std::thread::hardware_concurrency();
  if (machine > 0) {
    EXPECT_LE(suda::core::usable_cpus(), machine);
  }
  EXPECT_GE(suda::core::usable_cpus(), 1u);
}

}  // namespace
