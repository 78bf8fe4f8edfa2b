#include "realtime/engineio/coalescing_stream.hpp"

#include "realtime/engineio/websocket_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/websocket.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace suda::realtime::engineio {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using namespace std::chrono_literals;

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

// Every wait below is for an event; this only bounds a broken implementation.
constexpr auto patience = 10s;

// Runs one test body (a coroutine) on a fresh io_context until it finishes; fails instead of hanging.
void run(asio::awaitable<void> (*body)()) {
  asio::io_context ioc;
  bool finished = false;
  std::exception_ptr failure;
  asio::co_spawn(ioc, body(), [&](std::exception_ptr e) {
    failure = e;
    finished = true;
    ioc.stop();
  });
  ioc.run_for(patience);
  ASSERT_TRUE(finished) << "the test did not finish in time";
  if (failure) std::rethrow_exception(failure);
}

void check(bool condition, const char* what) {
  if (!condition) throw std::runtime_error(what);
}

// A coroutine started now, next to the test body, on the same thread; join() waits for it.
struct task {
  bool done = false;
  std::exception_ptr failure;
};

std::shared_ptr<task> start(const asio::any_io_executor& ex, asio::awaitable<void> work) {
  auto t = std::make_shared<task>();
  asio::co_spawn(ex, std::move(work), [t](std::exception_ptr e) {
    t->failure = e;
    t->done = true;
  });
  return t;
}

// Lets everything else on the io_context run until `t` has finished.
asio::awaitable<void> join(std::shared_ptr<task> t) {
  while (!t->done) {
    auto yielding = asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
    co_await std::move(yielding);
  }
  if (t->failure) std::rethrow_exception(t->failure);
}

// A connected TCP pair on loopback: {server side, client side}.
asio::awaitable<std::pair<tcp::socket, tcp::socket>> connected_pair() {
  auto ex = co_await asio::this_coro::executor;
  tcp::acceptor acceptor(ex, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  tcp::socket client(ex);
  client.connect(acceptor.local_endpoint());
  auto server = acceptor.accept();
  server.set_option(tcp::no_delay(true));
  client.set_option(tcp::no_delay(true));
  co_return std::make_pair(std::move(server), std::move(client));
}

// Small kernel buffers, so a few hundred KiB are enough to fill them and make a write wait for the reader.
void shrink_kernel_buffers(tcp::socket& sender, tcp::socket& receiver) {
  sender.set_option(asio::socket_base::send_buffer_size(16 * 1024));
  receiver.set_option(asio::socket_base::receive_buffer_size(16 * 1024));
}

std::string pattern(std::size_t size, char seed) {
  std::string s(size, ' ');
  for (std::size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (seed + i) % 26);
  return s;
}

// --- the layer alone ------------------------------------------------------------------------------------------

asio::awaitable<void> appends_and_flushes_in_order() {
  auto [server, client] = co_await connected_pair();
  coalescing_stream layer{beast::tcp_stream(std::move(server))};

  // Sync writes only append: nothing reaches the socket until a flush.
  error_code ec;
  check(layer.write_some(asio::buffer(std::string_view("ab")), ec) == 2 && !ec, "write_some appends all");
  check(layer.pending_bytes() == 2, "pending after a sync write");
  check(layer.socket_writes() == 0, "a sync write does not write");

  // An async write flushes everything before it too, and completes once written.
  auto [wec, wrote] = co_await layer.async_write_some(asio::buffer(std::string_view("cd")), use_tuple);
  check(!wec && wrote == 2, "async_write_some reports its own bytes");
  check(layer.pending_bytes() == 0, "nothing pending after the write completed");
  check(layer.socket_writes() == 1, "both appends left in one socket write");

  const std::vector<asio::const_buffer> pieces{asio::buffer(std::string_view("ef")), asio::buffer(std::string_view("gh"))};
  layer.write_some(pieces);
  layer.write_some(asio::buffer(std::string_view("ij")));
  auto [fec, flushed] = co_await layer.async_flush(use_tuple);
  check(!fec && flushed == 6, "flush reports what it waited for");
  check(layer.socket_writes() == 2, "one socket write per flush");

  auto [nec, nothing] = co_await layer.async_flush(use_tuple);
  check(!nec && nothing == 0 && layer.socket_writes() == 2, "an empty flush completes without writing");

  std::string received(10, '\0');
  co_await asio::async_read(client, asio::buffer(received), asio::use_awaitable);
  EXPECT_EQ(received, "abcdefghij");
}

TEST(coalescing_stream, appends_and_flushes_in_order) { run(appends_and_flushes_in_order); }

asio::awaitable<void> a_held_write_leaves_with_the_next_flush() {
  auto [server, client] = co_await connected_pair();
  coalescing_stream layer{beast::tcp_stream(std::move(server))};

  layer.hold_next_write();
  auto [hec, held] = co_await layer.async_write_some(asio::buffer(std::string_view("101")), use_tuple);
  check(!hec && held == 3, "a held write completes with its bytes");
  check(layer.socket_writes() == 0 && layer.pending_bytes() == 3, "a held write is only appended");

  // Only the next write is held: this one goes out, with the held bytes before it.
  layer.write_some(asio::buffer(std::string_view("open")));
  auto [fec, flushed] = co_await layer.async_flush(use_tuple);
  check(!fec && flushed == 7, "the flush waits for the held bytes too");
  check(layer.socket_writes() == 1, "the held write and the next packet leave in one socket write");
  auto [wec, wrote] = co_await layer.async_write_some(asio::buffer(std::string_view("!")), use_tuple);
  check(!wec && wrote == 1 && layer.socket_writes() == 2, "later writes are not held");

  std::string received(8, '\0');
  co_await asio::async_read(client, asio::buffer(received), asio::use_awaitable);
  EXPECT_EQ(received, "101open!");
}

TEST(coalescing_stream, a_held_write_completes_at_once_and_leaves_with_the_next_flush) {
  run(a_held_write_leaves_with_the_next_flush);
}

asio::awaitable<void> a_peer_that_stops_reading_makes_the_flush_wait() {
  auto [server, client] = co_await connected_pair();
  shrink_kernel_buffers(server, client);
  coalescing_stream layer{beast::tcp_stream(std::move(server))};

  constexpr std::size_t batch = 4 << 20;  // far beyond what the small kernel buffers hold
  const auto data = pattern(batch, 0);
  layer.write_some(asio::buffer(data));
  bool flushed = false;
  auto flush = [](coalescing_stream& l, bool& done) -> asio::awaitable<void> {
    auto [ec, n] = co_await l.async_flush(use_tuple);
    done = !ec && n == batch;
  };
  auto flushing = flush(layer, flushed);
  asio::co_spawn(co_await asio::this_coro::executor, std::move(flushing), asio::detached);

  // The peer reads only a little: the flush cannot have completed (the rest does not fit in the kernel).
  std::string head(64 * 1024, '\0');
  co_await asio::async_read(client, asio::buffer(head), asio::use_awaitable);
  check(!flushed, "the flush waits for the reader");
  check(layer.pending_bytes() == batch, "the batch is pending until written");
  // Bounded: the layer holds the batch once, not a copy per attempt.
  check(layer.buffer_capacity() < 2 * batch, "one batch held, no more");

  // Appended meanwhile (Beast's pong would be): goes out after the batch, in the next socket write.
  layer.write_some(asio::buffer(std::string_view("tail")));

  std::string rest(batch - head.size() + 4, '\0');
  co_await asio::async_read(client, asio::buffer(rest), asio::use_awaitable);
  EXPECT_EQ(head + rest, data + "tail");
  auto [ec, n] = co_await layer.async_flush(use_tuple);  // completes after the round carrying "tail"
  check(!ec, "everything written");
  check(flushed, "the first flush completed once the reader caught up");
  // A buffer that grew past the kept size is given back after use.
  check(layer.buffer_capacity() <= coalescing_stream::kept_buffer_bytes, "the burst's buffer is given back");
}

TEST(coalescing_stream, a_peer_that_stops_reading_makes_the_flush_wait_and_memory_stays_at_one_batch) {
  run(a_peer_that_stops_reading_makes_the_flush_wait);
}

asio::awaitable<void> an_error_completes_every_waiter_and_sticks() {
  auto [server, client] = co_await connected_pair();
  shrink_kernel_buffers(server, client);
  coalescing_stream layer{beast::tcp_stream(std::move(server))};

  // A flush stuck behind a peer that does not read, and a write queued behind it.
  const auto data = pattern(4 << 20, 1);
  layer.write_some(asio::buffer(data));
  int completions = 0;
  error_code first, second;
  auto flush = [](coalescing_stream& l, error_code& out, int& count) -> asio::awaitable<void> {
    auto [ec, n] = co_await l.async_flush(use_tuple);
    out = ec;
    ++count;
  };
  auto write = [](coalescing_stream& l, error_code& out, int& count) -> asio::awaitable<void> {
    auto [ec, n] = co_await l.async_write_some(asio::buffer(std::string_view("late")), use_tuple);
    out = ec;
    ++count;
  };
  const auto ex = co_await asio::this_coro::executor;
  auto flushing = flush(layer, first, completions);
  asio::co_spawn(ex, std::move(flushing), asio::detached);
  auto writing = write(layer, second, completions);
  asio::co_spawn(ex, std::move(writing), asio::detached);
  std::string head(1024, '\0');
  co_await asio::async_read(client, asio::buffer(head), asio::use_awaitable);  // the write is under way
  check(completions == 0, "both wait");

  // The socket goes away under them (what abort() does): both complete, with an error.
  layer.next_layer().close();
  while (completions < 2) {
    auto yielding = asio::post(ex, asio::use_awaitable);
    co_await std::move(yielding);
  }
  check(first.failed() && second.failed(), "both waiters see the error");

  // Sticky: later writes fail at once, sync and async.
  error_code ec;
  check(layer.write_some(asio::buffer(std::string_view("x")), ec) == 0 && ec.failed(), "a sync write fails");
  auto [aec, n] = co_await layer.async_write_some(asio::buffer(std::string_view("x")), use_tuple);
  check(aec.failed() && n == 0, "an async write fails");
  auto [fec, f] = co_await layer.async_flush(use_tuple);
  check(fec.failed(), "a flush fails");
  check(layer.buffer_capacity() == 0, "a failed stream holds no buffer");
}

TEST(coalescing_stream, an_error_on_the_socket_completes_every_waiter_and_later_writes_fail) {
  run(an_error_completes_every_waiter_and_sticks);
}

asio::awaitable<void> a_write_on_a_closed_socket_fails() {
  auto [server, client] = co_await connected_pair();
  coalescing_stream layer{beast::tcp_stream(std::move(server))};
  layer.next_layer().close();
  layer.write_some(asio::buffer(std::string_view("x")));
  auto [ec, n] = co_await layer.async_flush(use_tuple);
  check(ec.failed(), "the flush reports the closed socket");
}

TEST(coalescing_stream, a_flush_on_a_closed_socket_completes_with_an_error) { run(a_write_on_a_closed_socket_fails); }

asio::awaitable<void> idle_buffers_are_given_back() {
  auto [server, client] = co_await connected_pair();
  coalescing_stream layer{beast::tcp_stream(std::move(server))};
  const auto data = pattern(1000, 2);
  layer.write_some(asio::buffer(data));
  co_await layer.async_flush(asio::use_awaitable);
  check(layer.buffer_capacity() >= 1000, "a small buffer is kept for the next batch");
  layer.release_idle_buffers();
  check(layer.buffer_capacity() == 0, "an idle connection holds no buffer");
  std::string received(1000, '\0');
  co_await asio::async_read(client, asio::buffer(received), asio::use_awaitable);
  EXPECT_EQ(received, data);
}

TEST(coalescing_stream, a_small_buffer_is_reused_and_given_back_when_idle) { run(idle_buffers_are_given_back); }

TEST(coalescing_stream, a_write_pending_when_the_io_context_goes_away_does_not_keep_its_owner_alive) {
  // The session's flush handler holds the session, which holds the stream: a cycle that only the completion
  // breaks. Destroyed uncalled (shutdown), the socket write's handler must break it instead.
  struct owner {
    std::optional<coalescing_stream> layer;
  };
  std::weak_ptr<owner> watch;
  {
    asio::io_context ioc;
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    auto server = acceptor.accept();
    shrink_kernel_buffers(server, client);
    auto o = std::make_shared<owner>();
    o->layer.emplace(beast::tcp_stream(std::move(server)));
    const auto data = pattern(4 << 20, 3);
    o->layer->write_some(asio::buffer(data));
    o->layer->async_flush([o](const error_code&, std::size_t) {});  // the peer never reads: stays pending
    ioc.poll();
    watch = o;
    o.reset();
    EXPECT_FALSE(watch.expired());  // held by its own pending flush
  }
  EXPECT_TRUE(watch.expired());
}

// --- under Beast's websocket::stream, through websocket_transport ----------------------------------------------

// The server side as the Engine.IO server builds it, and a plain Beast client on the other end.
struct websocket_pair {
  std::shared_ptr<websocket_transport> server;
  std::unique_ptr<websocket::stream<beast::tcp_stream>> client;
  coalescing_stream* layer = nullptr;
};

asio::awaitable<websocket_pair> open_websocket(bool small_buffers = false) {
  auto [server_socket, client_socket] = co_await connected_pair();
  if (small_buffers) shrink_kernel_buffers(server_socket, client_socket);
  websocket_pair pair;
  pair.client = std::make_unique<websocket::stream<beast::tcp_stream>>(beast::tcp_stream(std::move(client_socket)));
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = patience;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  pair.client->set_option(timeouts);

  auto handshake = [](websocket::stream<beast::tcp_stream>& ws) -> asio::awaitable<void> {
    co_await ws.async_handshake("127.0.0.1", "/engine.io/?EIO=4&transport=websocket", asio::use_awaitable);
  };
  const auto ex = co_await asio::this_coro::executor;
  auto handshaking = handshake(*pair.client);
  auto client_done = start(ex, std::move(handshaking));

  beast::tcp_stream server_stream(std::move(server_socket));
  beast::flat_buffer buffer;
  websocket_transport::request req;
  co_await http::async_read(server_stream, buffer, req, asio::use_awaitable);
  pair.server = std::make_shared<websocket_transport>(std::move(server_stream), 1 << 20, patience);
  const auto ec = co_await pair.server->accept(req);
  check(!ec, "the server accepts");
  co_await join(client_done);
  co_return pair;
}

outgoing text_packet(std::string data) { return outgoing::message(text_frame(std::move(data))); }
outgoing binary_packet(std::string data) { return outgoing::message(binary_frame(std::move(data))); }

// Reads one message on the client: {binary, data}.
asio::awaitable<std::pair<bool, std::string>> client_read(websocket::stream<beast::tcp_stream>& ws) {
  beast::flat_buffer buffer;
  co_await ws.async_read(buffer, asio::use_awaitable);
  co_return std::make_pair(ws.got_binary(), beast::buffers_to_string(buffer.data()));
}

asio::awaitable<void> a_batch_arrives_intact_and_in_order() {
  auto pair = co_await open_websocket();
  auto& client = *pair.client;

  // A batch as the session writer makes one: many frames, text and binary, small and beyond 64 KiB.
  std::vector<outgoing> batch;
  for (int i = 0; i < 1000; ++i) {
    const std::size_t size = i % 100 == 7 ? 70000 : static_cast<std::size_t>(i % 300);
    if (i % 10 == 3) {
      batch.push_back(binary_packet(pattern(size, static_cast<char>(i))));
    } else {
      batch.push_back(text_packet(std::to_string(i) + ":" + pattern(size, static_cast<char>(i))));
    }
  }
  batch.push_back(outgoing::control(packet_type::ping));
  check(!pair.server->queue(batch), "the batch is framed");
  const auto ec = co_await pair.server->flush();
  check(!ec, "the batch is written");

  for (int i = 0; i < 1000; ++i) {
    auto [binary, data] = co_await client_read(client);
    const auto& sent = batch[static_cast<std::size_t>(i)];
    EXPECT_EQ(binary, sent.binary) << "message " << i;
    EXPECT_EQ(data, sent.binary ? std::string(sent.view()) : "4" + std::string(sent.view())) << "message " << i;
  }
  auto [binary, ping] = co_await client_read(client);
  EXPECT_FALSE(binary);
  EXPECT_EQ(ping, "2");
}

TEST(coalescing_websocket, a_batch_of_frames_arrives_intact_and_in_order_at_a_beast_client) {
  run(a_batch_arrives_intact_and_in_order);
}

asio::awaitable<void> a_batch_leaves_in_one_socket_write() {
  auto [server_socket, client_socket] = co_await connected_pair();
  // Same stack as websocket_transport, with the layer in reach to count its socket writes.
  websocket::stream<coalescing_stream> server{beast::tcp_stream(std::move(server_socket))};
  websocket::stream<beast::tcp_stream> client{beast::tcp_stream(std::move(client_socket))};
  auto handshake = [](websocket::stream<beast::tcp_stream>& ws) -> asio::awaitable<void> {
    co_await ws.async_handshake("127.0.0.1", "/", asio::use_awaitable);
  };
  auto handshaking = handshake(client);
  auto client_done = start(co_await asio::this_coro::executor, std::move(handshaking));
  co_await server.async_accept(asio::use_awaitable);
  co_await join(client_done);
  const auto after_handshake = server.next_layer().socket_writes();

  for (int i = 0; i < 100; ++i) server.write(asio::buffer("frame " + std::to_string(i)));
  check(server.next_layer().socket_writes() == after_handshake, "framing does not write");
  co_await server.next_layer().async_flush(asio::use_awaitable);
  EXPECT_EQ(server.next_layer().socket_writes(), after_handshake + 1);
  for (int i = 0; i < 100; ++i) {
    auto [binary, data] = co_await client_read(client);
    EXPECT_EQ(data, "frame " + std::to_string(i));
  }
}

TEST(coalescing_websocket, a_batch_of_frames_leaves_in_one_socket_write) { run(a_batch_leaves_in_one_socket_write); }

asio::awaitable<void> a_ping_during_a_batch_is_answered() {
  auto pair = co_await open_websocket(/*small_buffers=*/true);
  auto& client = *pair.client;
  const auto ex = co_await asio::this_coro::executor;

  // The server reads, as the session does: Beast answers pings from inside this read.
  std::vector<std::string> server_got;
  auto reader = [](std::shared_ptr<websocket_transport> ws, std::vector<std::string>& got) -> asio::awaitable<void> {
    for (;;) {
      const auto in = co_await ws->read();
      if (in.ec) co_return;
      got.emplace_back(in.data);
    }
  };
  auto reading = reader(pair.server, server_got);
  asio::co_spawn(ex, std::move(reading), asio::detached);

  // A batch far bigger than the kernel buffers: its flush is in flight while the ping arrives, so the pong
  // is appended behind the batch and must come out whole, between two frames.
  std::vector<outgoing> batch;
  for (int i = 0; i < 200; ++i) batch.push_back(text_packet(std::to_string(i) + ":" + pattern(10000, 'x')));
  check(!pair.server->queue(batch), "framed");
  bool flushed = false;
  auto flush = [](std::shared_ptr<websocket_transport> ws, bool& done) -> asio::awaitable<void> {
    const auto ec = co_await ws->flush();
    done = !ec;
  };
  auto flushing = flush(pair.server, flushed);
  asio::co_spawn(ex, std::move(flushing), asio::detached);

  int pongs = 0;
  client.control_callback([&pongs](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong && payload == "are you there") ++pongs;
  });
  co_await client.async_ping("are you there", asio::use_awaitable);

  for (int i = 0; i < 200; ++i) {
    auto [binary, data] = co_await client_read(client);
    EXPECT_EQ(data, "4" + std::string(batch[static_cast<std::size_t>(i)].view())) << "message " << i;
  }
  // The pong was appended behind the batch: it comes after every frame of it, never inside one.
  EXPECT_EQ(pongs, 0);
  co_await client.async_write(asio::buffer(std::string_view("4still here")), asio::use_awaitable);
  while (server_got.empty()) {  // the server's reader gets it on its next turn
    auto yielding = asio::post(ex, asio::use_awaitable);
    co_await std::move(yielding);
  }
  check(!pair.server->queue(std::vector<outgoing>{text_packet("after")}), "framed");
  const auto ec = co_await pair.server->flush();
  check(!ec, "the stream is still valid");
  auto [binary, after] = co_await client_read(client);
  EXPECT_EQ(after, "4after");
  EXPECT_EQ(pongs, 1);
  check(flushed, "the big flush completed");
  EXPECT_EQ(server_got, std::vector<std::string>{"4still here"});
  pair.server->abort();
}

TEST(coalescing_websocket, a_client_ping_during_a_batch_is_answered_with_a_pong_and_the_stream_stays_valid) {
  run(a_ping_during_a_batch_is_answered);
}

asio::awaitable<void> the_server_closes_with_the_closing_handshake() {
  auto pair = co_await open_websocket();
  auto& client = *pair.client;
  check(!pair.server->queue(std::vector<outgoing>{text_packet("last")}), "framed");
  const auto ec = co_await pair.server->flush();
  check(!ec, "written");
  const auto ex = co_await asio::this_coro::executor;
  // The session's closing: a reader sees the peer's close frame, close() sends ours and waits for it.
  auto reader = [](std::shared_ptr<websocket_transport> ws) -> asio::awaitable<void> {
    for (;;) {
      const auto in = co_await ws->read();
      if (in.ec) co_return;
    }
  };
  auto reading = reader(pair.server);
  auto read_done = start(ex, std::move(reading));
  auto closing = pair.server->close();
  auto close_done = start(ex, std::move(closing));

  auto [binary, last] = co_await client_read(client);
  EXPECT_EQ(last, "4last");
  beast::flat_buffer buffer;
  auto [rec, n] = co_await client.async_read(buffer, use_tuple);
  EXPECT_EQ(rec, websocket::error::closed);  // Beast answered the close frame, the handshake is complete
  EXPECT_EQ(client.reason().code, websocket::close_code::normal);
  co_await join(close_done);
  co_await join(read_done);
  // After a close frame nothing more may be framed.
  EXPECT_TRUE(pair.server->queue(std::vector<outgoing>{text_packet("too late")}).failed());
}

TEST(coalescing_websocket, the_server_closing_handshake_still_works) { run(the_server_closes_with_the_closing_handshake); }

asio::awaitable<void> the_client_closes_with_the_closing_handshake() {
  auto pair = co_await open_websocket();
  auto& client = *pair.client;
  const auto ex = co_await asio::this_coro::executor;
  error_code server_saw;
  auto reader = [](std::shared_ptr<websocket_transport> ws, error_code& out) -> asio::awaitable<void> {
    for (;;) {
      const auto in = co_await ws->read();
      if (in.ec) {
        out = in.ec;
        co_return;
      }
    }
  };
  auto reading = reader(pair.server, server_saw);
  auto read_done = start(ex, std::move(reading));
  // Beast answers the client's close frame from inside the server's read, through the layer.
  co_await client.async_close(websocket::close_code::going_away, asio::use_awaitable);
  co_await join(read_done);
  EXPECT_EQ(server_saw, websocket::error::closed);
  EXPECT_TRUE(pair.server->queue(std::vector<outgoing>{text_packet("too late")}).failed());
}

TEST(coalescing_websocket, the_client_closing_handshake_still_works) { run(the_client_closes_with_the_closing_handshake); }

}  // namespace
}  // namespace suda::realtime::engineio
