// The in-process bus: who gets a payload, in which order, and what an RAII subscription promises
// (no call after its destructor returned, safe from inside a handler, safe after the bus is gone).
#include "bus/local_bus.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace suda::bus {
namespace {

using namespace std::chrono_literals;

// Long enough for a loaded CI machine; a passing test never waits for it.
constexpr auto patience = 10s;

payload bytes(std::string text) { return std::make_shared<const std::string>(std::move(text)); }

// Records what a handler received; safe to call from any thread.
class inbox {
 public:
  handler make() {
    return [this](const std::string& channel, const payload& p) {
      std::lock_guard lock(mutex_);
      received_.push_back(channel + "=" + *p);
      payloads_.push_back(p);
      changed_.notify_all();
    };
  }
  std::vector<std::string> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }
  std::vector<payload> payloads() const {
    std::lock_guard lock(mutex_);
    return payloads_;
  }
  bool wait_for_count(std::size_t n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] { return received_.size() >= n; });
  }

 private:
  mutable std::mutex mutex_;  // guards received_ and payloads_
  std::condition_variable changed_;
  std::vector<std::string> received_;
  std::vector<payload> payloads_;
};

// Runs `fn` on a thread of its own and reports whether it returned within `patience`. A deadlocked thread is
// detached (the test fails instead of hanging).
template <class Fn>
bool finishes(Fn fn) {
  std::packaged_task<void()> task(std::move(fn));
  auto done = task.get_future();
  std::thread runner(std::move(task));
  if (done.wait_for(patience) != std::future_status::ready) {
    runner.detach();
    return false;
  }
  runner.join();
  done.get();  // rethrows what fn threw
  return true;
}

TEST(LocalBus, DeliversToEverySubscriberOfTheChannelOnly) {
  auto bus = std::make_shared<local_bus>();
  inbox a, b, other;
  auto sa = bus->subscribe("room:1", a.make());
  auto sb = bus->subscribe("room:1", b.make());
  auto so = bus->subscribe("room:2", other.make());
  auto sent = bytes("hello");
  bus->publish("room:1", sent);
  EXPECT_EQ(a.received(), std::vector<std::string>{"room:1=hello"});
  EXPECT_EQ(b.received(), std::vector<std::string>{"room:1=hello"});
  EXPECT_TRUE(other.received().empty());
  // The same immutable bytes reach every recipient: encoded once, never copied per delivery.
  ASSERT_EQ(a.payloads().size(), 1u);
  EXPECT_EQ(a.payloads()[0].get(), sent.get());
  EXPECT_EQ(b.payloads()[0].get(), sent.get());
}

TEST(LocalBus, PublishingToAChannelWithoutSubscribersDoesNothing) {
  auto bus = std::make_shared<local_bus>();
  bus->publish("nobody", bytes("x"));
  EXPECT_EQ(bus->channel_count(), 0u);
}

TEST(LocalBus, OnePublishersPayloadsArriveInPublishOrder) {
  auto bus = std::make_shared<local_bus>();
  inbox got;
  auto s = bus->subscribe("room:1", got.make());
  std::vector<std::string> expected;
  for (int i = 0; i < 1000; ++i) {
    bus->publish("room:1", bytes(std::to_string(i)));
    expected.push_back("room:1=" + std::to_string(i));
  }
  EXPECT_EQ(got.received(), expected);
}

TEST(LocalBus, ConcurrentPublishersKeepTheirOwnOrderOnAChannel) {
  auto bus = std::make_shared<local_bus>();
  inbox got;
  auto s = bus->subscribe("room:1", got.make());
  constexpr int per_thread = 2000;
  auto publish_all = [&](char who) {
    for (int i = 0; i < per_thread; ++i) bus->publish("room:1", bytes(who + std::to_string(i)));
  };
  std::thread a(publish_all, 'a');
  std::thread b(publish_all, 'b');
  a.join();
  b.join();
  auto received = got.received();
  ASSERT_EQ(received.size(), 2u * per_thread);
  int next_a = 0, next_b = 0;
  for (const auto& r : received) {
    std::string body = r.substr(std::string("room:1=").size());
    int& next = body[0] == 'a' ? next_a : next_b;
    EXPECT_EQ(std::stoi(body.substr(1)), next) << r;
    ++next;
  }
  EXPECT_EQ(next_a, per_thread);
  EXPECT_EQ(next_b, per_thread);
}

TEST(LocalBus, DestroyingTheSubscriptionStopsDeliveryAndDropsAnEmptyChannel) {
  auto bus = std::make_shared<local_bus>();
  inbox kept, dropped;
  auto keep = bus->subscribe("room:1", kept.make());
  auto drop = bus->subscribe("room:1", dropped.make());
  EXPECT_TRUE(drop);
  bus->publish("room:1", bytes("1"));
  drop.reset();
  EXPECT_FALSE(drop);
  bus->publish("room:1", bytes("2"));
  EXPECT_EQ(dropped.received(), std::vector<std::string>{"room:1=1"});
  EXPECT_EQ(kept.received(), (std::vector<std::string>{"room:1=1", "room:1=2"}));
  EXPECT_EQ(bus->channel_count(), 1u);
  {
    auto scoped = bus->subscribe("room:2", kept.make());
    EXPECT_EQ(bus->channel_count(), 2u);
  }
  EXPECT_EQ(bus->channel_count(), 1u);
  keep.reset();
  EXPECT_EQ(bus->channel_count(), 0u);
}

TEST(LocalBus, AMovedSubscriptionStaysActiveAndMoveAssignmentDropsTheOldOne) {
  auto bus = std::make_shared<local_bus>();
  inbox first, second;
  subscription holder = bus->subscribe("room:1", first.make());
  subscription moved = std::move(holder);
  bus->publish("room:1", bytes("1"));
  EXPECT_EQ(first.received().size(), 1u);
  moved = bus->subscribe("room:1", second.make());  // the first handler is unsubscribed here
  bus->publish("room:1", bytes("2"));
  EXPECT_EQ(first.received().size(), 1u);
  EXPECT_EQ(second.received(), std::vector<std::string>{"room:1=2"});
}

TEST(LocalBus, AHandlerMayDropItsOwnSubscriptionWithoutDeadlock) {
  auto bus = std::make_shared<local_bus>();
  int calls = 0;
  auto own = std::make_shared<subscription>();
  *own = bus->subscribe("room:1", [&calls, own](const std::string&, const payload&) {
    ++calls;
    own->reset();  // unsubscribes from inside the publish that runs this handler
  });
  ASSERT_TRUE(finishes([&] { bus->publish("room:1", bytes("1")); })) << "publish deadlocked";
  bus->publish("room:1", bytes("2"));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(bus->channel_count(), 0u);
}

TEST(LocalBus, AHandlerDroppedByAnEarlierHandlerOfTheSamePublishIsNotCalled) {
  auto bus = std::make_shared<local_bus>();
  inbox victim_got;
  subscription victim;
  // Subscribed first, so it runs first; the publish already took its list of handlers, `victim` included.
  auto killer = bus->subscribe("room:1", [&victim](const std::string&, const payload&) { victim.reset(); });
  victim = bus->subscribe("room:1", victim_got.make());
  ASSERT_TRUE(finishes([&] { bus->publish("room:1", bytes("1")); }));
  ASSERT_TRUE(finishes([&] { bus->publish("room:1", bytes("2")); }));
  // Its destructor returned inside the killer, before its turn: it must not be called (bus.hpp guarantee;
  // the owner of a subscription may free what the handler uses right after dropping it).
  EXPECT_TRUE(victim_got.received().empty());
}

TEST(LocalBus, AHandlerMayPublishAndSubscribe) {
  auto bus = std::make_shared<local_bus>();
  inbox echoed;
  subscription added;
  auto echo = bus->subscribe("in", [&](const std::string&, const payload& p) {
    if (!added) added = bus->subscribe("in", echoed.make());  // not part of this publish's snapshot
    bus->publish("out", p);
  });
  auto out = bus->subscribe("out", echoed.make());
  ASSERT_TRUE(finishes([&] { bus->publish("in", bytes("1")); })) << "nested publish deadlocked";
  EXPECT_EQ(echoed.received(), std::vector<std::string>{"out=1"});
  // The echo handler was subscribed first, so it runs (and publishes "out") before the one it added.
  bus->publish("in", bytes("2"));
  EXPECT_EQ(echoed.received(), (std::vector<std::string>{"out=1", "out=2", "in=2"}));
}

TEST(LocalBus, TheDestructorWaitsForARunningHandler) {
  auto bus = std::make_shared<local_bus>();
  std::mutex mutex;  // guards the three flags
  std::condition_variable changed;
  bool in_handler = false, release = false, handler_returned = false;
  auto s = std::make_unique<subscription>(bus->subscribe("room:1", [&](const std::string&, const payload&) {
    std::unique_lock lock(mutex);
    in_handler = true;
    changed.notify_all();
    changed.wait_for(lock, patience, [&] { return release; });
    handler_returned = true;
  }));
  std::thread publisher([&] { bus->publish("room:1", bytes("1")); });
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, patience, [&] { return in_handler; }));
  }
  // Destroyed while its handler runs on the publisher's thread: it must not return before the handler did.
  auto destroyed = std::async(std::launch::async, [&] {
    s.reset();
    std::lock_guard lock(mutex);
    return handler_returned;
  });
  EXPECT_EQ(destroyed.wait_for(200ms), std::future_status::timeout) << "returned while the handler still ran";
  {
    std::lock_guard lock(mutex);
    release = true;
  }
  changed.notify_all();
  EXPECT_TRUE(destroyed.get());
  publisher.join();
}

TEST(LocalBus, ASubscriptionMayOutliveTheBus) {
  inbox got;
  subscription s;
  {
    auto bus = std::make_shared<local_bus>();
    s = bus->subscribe("room:1", got.make());
    bus->publish("room:1", bytes("1"));
  }
  s.reset();  // the bus is gone: nothing to unsubscribe from, and no use of freed memory (ASan checks)
  EXPECT_EQ(got.received().size(), 1u);
}

TEST(LocalBus, ABusNotOwnedByASharedPtrRefusesSubscriptions) {
  // Its subscriptions could not unsubscribe (they find the bus through a weak_ptr), so a destroyed
  // subscription's handler would still be called: refused loudly instead.
  local_bus bus;
  EXPECT_THROW((void)bus.subscribe("room:1", [](const std::string&, const payload&) {}), std::logic_error);
  EXPECT_EQ(bus.channel_count(), 0u);
}

}  // namespace
}  // namespace suda::bus
