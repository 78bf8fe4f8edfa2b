#pragma once
// Helper threads (the store's writer and readers) ask the kernel not to preempt the I/O thread when they wake.
//
// Why: on a core shared with an I/O thread, Linux's scheduler runs a thread that was just woken ahead of the one
// that woke it. Every store call is such a wake-up: the writer ran each message's commit as soon as its append
// was queued, one message per transaction and per broadcast, and the I/O thread was switched out and back in
// for every read at connect. SCHED_BATCH (sched(7)) keeps the fair share of CPU time and drops only that
// wake-up preemption: the helper runs when the I/O thread waits for events or its slice ends, and finds every
// job queued meanwhile. With its own core, a helper runs at once as before.
//
// The policy needs no privilege (SCHED_OTHER and SCHED_BATCH are both unprivileged) and is per thread.
namespace suda::core {

// For the calling thread; once per thread (later calls do nothing). Failure is logged and otherwise ignored:
// the thread then keeps the default policy, which is only slower.
void use_batch_scheduling() noexcept;

}  // namespace suda::core
