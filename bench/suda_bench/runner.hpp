#pragma once
// One benchmark run: setup over HTTP, connect every client, apply the scenario's load, drain, measure.
//
// Threads: `options.threads` io_contexts, each run by one thread, clients spread over them round-robin. The
// calling thread is the controller: it blocks on futures and sleeps between samples, and never runs a context.
#include "options.hpp"
#include "report.hpp"

#include <optional>

namespace suda::bench {

// nullopt when the run could not take place (bad URL, setup failed); the reason is logged.
std::optional<run_result> run(const options& o);

}  // namespace suda::bench
