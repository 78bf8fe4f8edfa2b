#pragma once
// Completing an Asio operation from a thread that is not the caller's: the writer and other worker
// threads finish a job and hand the result back to the awaiting coroutine on its own executor.
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/prefer.hpp>

#include <exception>
#include <utility>

namespace suda::core {

// Holds a type-erased handler and keeps its executor's outstanding work counted (so an io_context does not
// run out of work while the result is being computed elsewhere).
template <class T>
class remote_completion {
 public:
  using handler_type = boost::asio::any_completion_handler<void(std::exception_ptr, T)>;

  explicit remote_completion(handler_type handler)
      : work_(boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                  boost::asio::execution::outstanding_work.tracked)),
        handler_(std::move(handler)) {}

  // Hands the outcome to the handler on its executor (queued there, since this runs on another thread).
  // Call exactly once.
  void complete(std::exception_ptr failure, T value) {
    auto work = std::move(work_);
    boost::asio::dispatch(work, [handler = std::move(handler_), failure, value = std::move(value)]() mutable {
      std::move(handler)(failure, std::move(value));
    });
  }

 private:
  using work_executor = decltype(boost::asio::prefer(
      std::declval<boost::asio::associated_executor_t<handler_type>>(),
      boost::asio::execution::outstanding_work.tracked));
  work_executor work_;
  handler_type handler_;
};

}  // namespace suda::core
