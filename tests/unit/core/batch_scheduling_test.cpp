#include "core/batch_scheduling.hpp"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace {

// Policies are per thread: each case runs on a fresh thread, set to the default policy first, so the test process
// keeps its own whatever it was started with.
template <class Body>
void on_new_thread(Body body) {
  std::thread worker([&] {
    sched_param param{};
    ASSERT_EQ(sched_setscheduler(0, SCHED_OTHER, &param), 0);
    body();
  });
  worker.join();
}

TEST(BatchScheduling, TheCallingThreadRunsUnderSchedBatch) {
  on_new_thread([] {
    suda::core::use_batch_scheduling();
    EXPECT_EQ(sched_getscheduler(0), SCHED_BATCH);
  });
}

TEST(BatchScheduling, TheThreadThatStartedItKeepsItsPolicy) {
  const int before = sched_getscheduler(0);
  on_new_thread([] { suda::core::use_batch_scheduling(); });
  EXPECT_EQ(sched_getscheduler(0), before);  // per thread, not per process
}

TEST(BatchScheduling, ASecondCallChangesNothing) {
  on_new_thread([] {
    suda::core::use_batch_scheduling();
    // Set back by hand: a second call must not set it again (once per thread).
    sched_param param{};
    ASSERT_EQ(sched_setscheduler(0, SCHED_OTHER, &param), 0);
    suda::core::use_batch_scheduling();
    EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  });
}

}  // namespace
