#pragma once
// How many CPUs this process may run on: the size of its affinity mask (taskset, a container's cpuset), not
// the number the machine has. std::thread::hardware_concurrency() counts the machine's, so a server pinned
// to one core would start one I/O thread per machine core and make them take turns on that core: context
// switches and lock handoffs for nothing.
namespace suda::core {

// At least 1. Reads the calling thread's mask: call it at start-up, before threads are pinned elsewhere.
unsigned usable_cpus() noexcept;

}  // namespace suda::core
