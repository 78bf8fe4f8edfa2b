#include "realtime/socketio/server.hpp"

#include "realtime/socketio/binary.hpp"
#include "realtime/socketio/packet.hpp"
#include "fake_engineio_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace suda::realtime::socketio {
namespace {

namespace asio = boost::asio;
namespace json = boost::json;
using testing::fake_engineio_socket;
using namespace std::chrono_literals;

const std::string bytes_123("\x01\x02\x03", 3);
const std::string bytes_456("\x04\x05\x06", 3);
constexpr std::string_view two_placeholders = R"({"_placeholder":true,"num":0},{"_placeholder":true,"num":1})";

// What a namespace's sockets did, as seen by the layer above.
struct journal {
  std::vector<std::shared_ptr<socket>> connected;
  std::vector<std::string> events;         // "name:[args]" with the attachment count when any
  std::vector<std::string> disconnects;    // "nsp:reason"
  std::vector<ack_sender> acks;            // kept for the test to call
};

std::string describe(std::string_view event, const arguments& args) {
  std::string out(event);
  out += ':';
  out += json::serialize(args.values);
  if (!args.attachments.empty()) out += "+" + std::to_string(args.attachments.size());
  return out;
}

class SocketioServer : public ::testing::Test {
 protected:
  ~SocketioServer() override {
    // Every connection ends before the io_context does, as the Engine.IO server guarantees at shutdown.
    for (auto& c : connections_) c->transport_close("test over");
    settle();
  }

  // Journals belong to the fixture: the sockets' on_disconnect handlers still write to them when the
  // destructor closes the connections, after the test body's locals are gone.
  journal& new_journal() { return journals_.emplace_back(); }

  // A namespace whose connection handler records into `j` and lets `setup` add handlers.
  namespace_options recording(journal& j, std::function<void(socket&)> setup = {}) {
    namespace_options options;
    options.on_connection = [&j, setup](std::shared_ptr<socket> s) {
      j.connected.push_back(s);
      s->on_any([&j](std::string_view event, arguments args, ack_sender ack) {
        j.events.push_back(describe(event, args));
        if (ack) j.acks.push_back(std::move(ack));
      });
      s->on_disconnect([&j, nsp = s->nsp()](std::string_view reason) {
        j.disconnects.push_back(nsp + ":" + std::string(reason));
      });
      if (setup) setup(*s);
    };
    return options;
  }

  std::shared_ptr<fake_engineio_socket> open(server& sio) {
    auto c = std::make_shared<fake_engineio_socket>(ioc_, "eio" + std::to_string(connections_.size()));
    connections_.push_back(c);
    sio.accept(c);
    settle();
    return c;
  }

  // Runs every handler that is ready, including those they post, then returns.
  void settle() {
    ioc_.restart();
    ioc_.poll();
  }

  // Runs the io_context until `done` holds (an event, not a delay), failing after a generous limit.
  template <class Pred>
  bool run_until(Pred done, std::chrono::milliseconds limit = 5000ms) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      ioc_.restart();
      ioc_.run_one_for(10ms);
    }
    return true;
  }

  // A connection whose client joined the main namespace (recorded in `j`, which must be its only socket).
  std::shared_ptr<fake_engineio_socket> connected(server& sio, journal& j) {
    auto c = open(sio);
    c->inject_text("0");
    settle();
    EXPECT_EQ(j.connected.size(), 1u);
    return c;
  }

  static std::string sid_of(const std::string& connect_answer, std::size_t prefix) {
    auto data = json::parse(connect_answer.substr(prefix));
    return std::string(data.as_object().at("sid").as_string());
  }

  asio::io_context ioc_;
  std::deque<journal> journals_;
  std::vector<std::shared_ptr<fake_engineio_socket>> connections_;
};

// ---- CONNECT ----

TEST_F(SocketioServer, ConnectToTheMainNamespaceIsAnsweredWithTheSocketId) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);
  ASSERT_TRUE(c->has_handlers());

  c->inject_text("0");
  settle();

  ASSERT_EQ(j.connected.size(), 1u);
  auto texts = c->texts();
  ASSERT_EQ(texts.size(), 1u);
  ASSERT_TRUE(texts[0].starts_with(R"(0{"sid":")")) << texts[0];
  EXPECT_EQ(sid_of(texts[0], 1), j.connected[0]->id());
  EXPECT_NE(j.connected[0]->id(), c->id());  // the Socket.IO id is not the Engine.IO sid
  EXPECT_EQ(j.connected[0]->nsp(), "/");
  EXPECT_EQ(j.connected[0]->auth(), json::object());
  EXPECT_EQ(j.connected[0]->info().remote_ip, "192.0.2.7");
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, AHeldConnectAnswerIsHeldBeforeItIsQueuedAndReleasedByTheSocket) {
  server sio({});
  journal& j = new_journal();
  auto options = recording(j, [](socket& s) { s.emit("hello", arguments{json::array{}, {}}); });
  options.hold_connect_answer = 250ms;
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);

  c->inject_text("0");
  settle();
  ASSERT_EQ(j.connected.size(), 1u);
  // The hold starts before the answer, so the answer and the handler's event share the held write.
  EXPECT_EQ(c->hold_log(), std::vector<std::string>{"hold 250 ms after 0"});
  EXPECT_EQ(c->texts().size(), 2u);
  j.connected[0]->release_connect_answer();
  EXPECT_EQ(c->hold_log(), (std::vector<std::string>{"hold 250 ms after 0", "release after 2"}));
}

TEST_F(SocketioServer, WithoutAHoldTheConnectAnswerIsNotHeld) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = connected(sio, j);
  EXPECT_EQ(c->texts().size(), 1u);
  EXPECT_TRUE(c->hold_log().empty());
}

TEST_F(SocketioServer, ConnectToACustomNamespaceCarriesTheAuthPayload) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/custom", recording(j, [](socket& s) { s.emit("auth", arguments{json::array{s.auth()}, {}}); }));
  auto c = open(sio);

  c->inject_text(R"(0/custom,{"token":"abc"})");
  settle();

  auto texts = c->texts();
  ASSERT_EQ(texts.size(), 2u);
  ASSERT_TRUE(texts[0].starts_with(R"(0/custom,{"sid":")")) << texts[0];
  EXPECT_EQ(sid_of(texts[0], 9), j.connected.at(0)->id());
  EXPECT_EQ(texts[1], R"(2/custom,["auth",{"token":"abc"}])");
}

TEST_F(SocketioServer, NamespaceWithoutTheTrailingCommaIsReadAsTheReferenceDoes) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  sio.add_namespace("/custom", recording(j));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("0/custom");
  c->inject_text("0/random");
  settle();

  auto texts = c->texts();
  ASSERT_EQ(texts.size(), 3u);
  EXPECT_TRUE(texts[1].starts_with(R"(0/custom,{"sid":")")) << texts[1];
  EXPECT_EQ(texts[2], R"(4/random,{"message":"Invalid namespace"})");
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, UnknownNamespaceIsRefusedAndTheConnectionStays) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);

  c->inject_text("0/random,");
  c->inject_text("0");
  settle();

  auto texts = c->texts();
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[0], R"(4/random,{"message":"Invalid namespace"})");
  EXPECT_TRUE(texts[1].starts_with(R"(0{"sid":")"));
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, AuthorizerRefusalAnswersConnectErrorWithItsMessage) {
  server sio({});
  journal& j = new_journal();
  auto options = recording(j);
  std::string seen_token;
  options.authorize = [&seen_token](socket& s) -> asio::awaitable<std::optional<std::string>> {
    seen_token = std::string(s.auth().as_object().at("token").as_string());
    co_return std::optional<std::string>("Not authorized");
  };
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);

  c->inject_text(R"(0{"token":"123"})");
  settle();

  EXPECT_EQ(seen_token, "123");
  EXPECT_EQ(c->texts(), std::vector<std::string>{R"(4{"message":"Not authorized"})"});
  EXPECT_TRUE(j.connected.empty());
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, AuthorizerThatAcceptsConnectsAndCanSetData) {
  server sio({});
  journal& j = new_journal();
  auto options = recording(j);
  options.authorize = [](socket& s) -> asio::awaitable<std::optional<std::string>> {
    s.data = std::string("alice");
    co_return std::nullopt;
  };
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);

  c->inject_text("0");
  settle();

  ASSERT_EQ(j.connected.size(), 1u);
  EXPECT_EQ(std::any_cast<std::string>(j.connected[0]->data), "alice");
  ASSERT_EQ(c->texts().size(), 1u);
  EXPECT_TRUE(c->texts()[0].starts_with(R"(0{"sid":")"));
}

TEST_F(SocketioServer, AuthorizerThatThrowsRefusesWithoutLeakingTheException) {
  server sio({});
  journal& j = new_journal();
  auto options = recording(j);
  options.authorize = [](socket&) -> asio::awaitable<std::optional<std::string>> {
    throw std::runtime_error("database password is hunter2");
    co_return std::nullopt;
  };
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);

  c->inject_text("0");
  settle();

  EXPECT_EQ(c->texts(), std::vector<std::string>{R"(4{"message":"Server error"})"});
  EXPECT_TRUE(j.connected.empty());
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, ARepeatedConnectToAJoinedNamespaceIsIgnoredAndKeepsTheConnection) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("0");
  settle();

  EXPECT_EQ(c->texts().size(), 1u);  // one answer
  EXPECT_FALSE(c->closed());
  EXPECT_EQ(j.connected.size(), 1u);
  EXPECT_TRUE(j.disconnects.empty());
}

TEST_F(SocketioServer, AddNamespaceAfterServingStartedIsAProgrammingError) {
  server sio({});
  EXPECT_THROW(sio.add_namespace("no-slash", {}), std::invalid_argument);
  sio.add_namespace("/", {});
  EXPECT_THROW(sio.add_namespace("/", {}), std::invalid_argument);
  open(sio);
  EXPECT_THROW(sio.add_namespace("/late", {}), std::logic_error);
}

// ---- Events and acks ----

TEST_F(SocketioServer, EventWithoutAckReachesItsHandlerWithNoAckSender) {
  server sio({});
  journal& j = new_journal();
  std::vector<std::string> seen;
  bool had_ack = true;
  sio.add_namespace("/", recording(j, [&](socket& s) {
    s.on("message", [&](arguments args, ack_sender ack) {
      seen.push_back(describe("message", args));
      had_ack = static_cast<bool>(ack);
    });
  }));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text(R"(2["message",1,"2",{"3":[true]}])");
  c->inject_text(R"(2["other"])");
  settle();

  EXPECT_EQ(seen, std::vector<std::string>{R"(message:[1,"2",{"3":[true]}])"});
  EXPECT_FALSE(had_ack);
  EXPECT_EQ(j.events, std::vector<std::string>{"other:[]"});  // on_any: events with no handler
  EXPECT_EQ(c->texts().size(), 1u);  // nothing but the CONNECT answer
}

TEST_F(SocketioServer, NamespaceHandlersTakeWhatNoSocketHandlerTookAndTheDisconnect) {
  server sio({});
  std::vector<std::string> order;  // who saw what, in order
  std::vector<std::shared_ptr<socket>> connected;
  namespace_options options;
  options.on_connection = [&](std::shared_ptr<socket> s) {
    connected.push_back(s);
    s->on("own", [&](arguments args, ack_sender) { order.push_back(describe("socket", args)); });
    s->on_disconnect([&](std::string_view reason) { order.push_back("socket disconnect:" + std::string(reason)); });
  };
  options.on_event = [&](socket& s, std::string_view event, arguments args, ack_sender ack) {
    EXPECT_EQ(&s, connected.back().get());  // the socket the event came to
    order.push_back("namespace " + describe(event, args));
    if (ack) ack(arguments{json::array{"seen"}, {}});
  };
  options.on_disconnect = [&](socket& s, std::string_view reason) {
    EXPECT_EQ(&s, connected.back().get());  // the one leaving: the first, then the second
    order.push_back("namespace disconnect:" + std::string(reason));
  };
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text(R"(2["own",1])");
  c->inject_text(R"(27["shared",2])");
  c->inject_text("1");
  c->inject_text("0");  // a new socket, then the connection's end: its disconnect reaches the namespace too
  settle();
  c->transport_close("transport close");
  settle();

  EXPECT_EQ(order, (std::vector<std::string>{"socket:[1]", "namespace shared:[2]",
                                             "socket disconnect:client namespace disconnect",
                                             "namespace disconnect:client namespace disconnect",
                                             "socket disconnect:transport close",
                                             "namespace disconnect:transport close"}));
  auto texts = c->texts();
  ASSERT_GE(texts.size(), 2u);
  EXPECT_EQ(texts[1], R"(37["seen"])");
}

TEST_F(SocketioServer, AuthIsForTheAuthorizerAndTheConnectionHandlerOnly) {
  server sio({});
  journal& j = new_journal();
  std::string seen_by_authorizer;
  std::string seen_by_handler;
  auto options = recording(j, [&](socket& s) { seen_by_handler = json::serialize(s.auth()); });
  options.authorize = [&](socket& s) -> asio::awaitable<std::optional<std::string>> {
    seen_by_authorizer = json::serialize(s.auth());
    co_return std::nullopt;
  };
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);

  c->inject_text(R"(0{"token":"123","lastSeqs":{"r":4}})");
  settle();

  ASSERT_EQ(j.connected.size(), 1u);
  EXPECT_EQ(seen_by_authorizer, R"({"token":"123","lastSeqs":{"r":4}})");
  EXPECT_EQ(seen_by_handler, R"({"token":"123","lastSeqs":{"r":4}})");
  // Not kept for the socket's life: nothing after the connection handler needs it.
  EXPECT_EQ(j.connected[0]->auth(), json::object());
}

TEST_F(SocketioServer, EventWithAckIsAnsweredOnceWithTheAckId) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j, [](socket& s) {
    s.on("message-with-ack", [](arguments args, ack_sender ack) {
      ASSERT_TRUE(ack);
      auto copy = ack;
      ack(args);
      copy(args);  // a second call, through a copy, is ignored
    });
  }));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text(R"(2456["message-with-ack",1,"2",{"3":[false]}])");
  settle();

  auto texts = c->texts();
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[1], R"(3456[1,"2",{"3":[false]}])");
}

TEST_F(SocketioServer, EventsOnACustomNamespaceAreAnsweredOnIt) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/admin", recording(j, [](socket& s) {
    s.on("ping", [](arguments, ack_sender ack) { ack(arguments{json::array{"pong"}, {}}); });
  }));
  auto c = open(sio);

  c->inject_text("0/admin,");
  c->inject_text(R"(2/admin,13["ping"])");
  settle();

  auto texts = c->texts();
  ASSERT_EQ(texts.size(), 2u);
  EXPECT_EQ(texts[1], R"(3/admin,13["pong"])");
}

TEST_F(SocketioServer, BinaryEventWithTwoAttachmentsIsReconstructedAndEchoedAsBinaryAck) {
  server sio({});
  journal& j = new_journal();
  std::vector<std::string> received;
  sio.add_namespace("/", recording(j, [&](socket& s) {
    s.on("message-with-ack", [&](arguments args, ack_sender ack) {
      received = args.attachments;
      ack(std::move(args));
    });
  }));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("52-789[\"message-with-ack\"," + std::string(two_placeholders) + "]");
  c->inject_binary(bytes_123);
  settle();
  EXPECT_TRUE(received.empty());  // still waiting for the second attachment
  c->inject_binary(bytes_456);
  settle();

  EXPECT_EQ(received, (std::vector<std::string>{bytes_123, bytes_456}));
  auto sent = c->sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[1].bytes, "62-789[" + std::string(two_placeholders) + "]");
  EXPECT_FALSE(sent[1].binary);
  EXPECT_EQ(sent[2], (fake_engineio_socket::sent_frame{bytes_123, true, sent[1].group}));
  EXPECT_EQ(sent[3], (fake_engineio_socket::sent_frame{bytes_456, true, sent[1].group}));  // one send_all
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, EmitWithAttachmentsSendsABinaryEventAndItsFramesTogether) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j, [](socket& s) {
    s.on("message", [&s](arguments args, ack_sender) { EXPECT_TRUE(s.emit("message-back", std::move(args))); });
  }));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("52-[\"message\"," + std::string(two_placeholders) + ",\"test\"]");
  c->inject_binary(bytes_123);
  c->inject_binary(bytes_456);
  settle();

  auto sent = c->sent();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[1].bytes, "52-[\"message-back\"," + std::string(two_placeholders) + ",\"test\"]");
  EXPECT_EQ(sent[2].bytes, bytes_123);
  EXPECT_EQ(sent[3].bytes, bytes_456);
  EXPECT_EQ(sent[1].group, sent[3].group);
}

TEST_F(SocketioServer, AcksFromTheClientAreIgnoredSafely) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("35[]");
  c->inject_text(R"(61-7[{"_placeholder":true,"num":0}])");
  c->inject_binary(bytes_123);
  c->inject_text(R"(2["after"])");
  settle();

  EXPECT_EQ(j.events, std::vector<std::string>{"after:[]"});
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, SendEncodedPassesAPreEncodedFrameThrough) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);
  c->inject_text("0");
  settle();
  ASSERT_EQ(j.connected.size(), 1u);

  std::string_view args[] = {R"({"seq":1})"};
  auto text = encode_event("/", "message", args);
  ASSERT_TRUE(text);
  EXPECT_TRUE(j.connected[0]->send_encoded(engineio::text_frame(*text)));
  settle();

  EXPECT_EQ(c->texts().back(), R"(2["message",{"seq":1}])");
}

TEST_F(SocketioServer, EmitOfAReservedEventNameIsRefused) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);
  c->inject_text("0");
  settle();

  EXPECT_FALSE(j.connected.at(0)->emit("disconnect", {}));
  settle();
  EXPECT_EQ(c->sent_count(), 1u);
}

TEST_F(SocketioServer, AHandlerThatThrowsDoesNotBreakTheConnection) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j, [](socket& s) {
    s.on("boom", [](arguments, ack_sender) { throw std::runtime_error("handler bug"); });
  }));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text(R"(2["boom"])");
  c->inject_text(R"(2["after"])");
  settle();

  EXPECT_EQ(j.events, std::vector<std::string>{"after:[]"});
  EXPECT_FALSE(c->closed());
}

// ---- Malformed input: the connection closes, the server keeps serving others ----

struct malformed_case {
  const char* name;
  std::vector<std::pair<bool, std::string>> frames;  // (binary, bytes), after a CONNECT to "/"
};

class SocketioServerMalformed : public SocketioServer, public ::testing::WithParamInterface<malformed_case> {};

TEST_P(SocketioServerMalformed, ClosesThatConnectionWithParseErrorOnly) {
  server_options options;
  options.max_attachment_bytes = 8;
  server sio(options);
  journal& j = new_journal();
  sio.add_namespace("/", recording(j, [](socket& s) {
    s.on("message", [&s](arguments args, ack_sender) { s.emit("message-back", std::move(args)); });
  }));
  auto bad = open(sio);
  auto good = open(sio);
  bad->inject_text("0");
  good->inject_text("0");
  for (const auto& [binary, bytes] : GetParam().frames) {
    if (binary) bad->inject_binary(bytes);
    else bad->inject_text(bytes);
  }
  good->inject_text(R"(2["message","still here"])");
  settle();

  EXPECT_EQ(bad->close_reason(), "parse error");
  ASSERT_EQ(j.disconnects.size(), 1u);
  EXPECT_EQ(j.disconnects[0], "/:parse error");
  EXPECT_FALSE(good->closed());
  EXPECT_EQ(good->texts().back(), R"(2["message-back","still here"])");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SocketioServerMalformed,
    ::testing::Values(
        malformed_case{"UnknownPacketType", {{false, "abc"}}},
        malformed_case{"EventPayloadNotAnArray", {{false, "2{}"}}},
        malformed_case{"InvalidAckId", {{false, R"(2abc["message-with-ack",1])"}}},
        malformed_case{"AnnouncesMoreAttachmentsThanItReferences",
                       {{false, R"(52-["message",{"_placeholder":true,"num":0}])"}}},
        malformed_case{"PlaceholderOutOfRange", {{false, R"(51-["message",{"_placeholder":true,"num":3}])"}}},
        malformed_case{"MalformedPlaceholder", {{false, R"(51-["message",{"_placeholder":true,"num":"0"}])"}}},
        malformed_case{"TooManyAttachments", {{false, R"(511-["message"])"}}},
        malformed_case{"TextWhileAttachmentsAreExpected",
                       {{false, R"(51-["message",{"_placeholder":true,"num":0}])"}, {false, R"(2["message"])"}}},
        malformed_case{"BinaryFrameWithoutABinaryPacket", {{true, "\x01\x02"}}},
        malformed_case{"OversizedAttachments",
                       {{false, R"(51-["message",{"_placeholder":true,"num":0}])"}, {true, "123456789"}}},
        malformed_case{"ReservedEventName", {{false, R"(2["connect"])"}}}),
    [](const ::testing::TestParamInfo<malformed_case>& info) { return std::string(info.param.name); });

TEST_F(SocketioServer, PacketForANamespaceNotJoinedClosesTheConnection) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  sio.add_namespace("/custom", recording(j));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text(R"(2/custom,["hello"])");
  settle();

  EXPECT_EQ(c->close_reason(), "forced server close");
  EXPECT_TRUE(j.events.empty());
}

// ---- Disconnection ----

TEST_F(SocketioServer, ClientDisconnectEndsThatNamespaceOnly) {
  server sio({});
  journal& main_journal = new_journal();
  journal& custom_journal = new_journal();
  sio.add_namespace("/", recording(main_journal));
  sio.add_namespace("/custom", recording(custom_journal));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("0/custom");
  c->inject_text("1/custom");
  c->inject_text(R"(2["message","to main"])");
  settle();

  EXPECT_EQ(custom_journal.disconnects, std::vector<std::string>{"/custom:client namespace disconnect"});
  EXPECT_FALSE(custom_journal.connected.at(0)->emit("late", {}));
  EXPECT_TRUE(main_journal.disconnects.empty());
  EXPECT_EQ(main_journal.events, std::vector<std::string>{R"(message:["to main"])"});

  // Leaving the last namespace keeps the Engine.IO connection, as the reference server does.
  c->inject_text("1");
  settle();
  EXPECT_EQ(main_journal.disconnects, std::vector<std::string>{"/:client namespace disconnect"});
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServer, TransportCloseEndsEverySocketWithTheEngineIoReason) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  sio.add_namespace("/custom", recording(j));
  auto c = open(sio);
  c->inject_text("0");
  c->inject_text("0/custom,");
  settle();
  ASSERT_EQ(j.connected.size(), 2u);

  c->transport_close("ping timeout");
  settle();

  std::sort(j.disconnects.begin(), j.disconnects.end());
  EXPECT_EQ(j.disconnects, (std::vector<std::string>{"/:ping timeout", "/custom:ping timeout"}));
  EXPECT_FALSE(j.connected[0]->emit("late", {}));
  EXPECT_FALSE(j.connected[1]->send_encoded(engineio::text_frame(R"(2["late"])")));
}

TEST_F(SocketioServer, ServerDisconnectSendsDisconnectAndEndsTheSocket) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/custom", recording(j, [](socket& s) {
    s.on("leave", [&s](arguments, ack_sender) { s.disconnect(); });
  }));
  auto c = open(sio);

  c->inject_text("0/custom,");
  c->inject_text(R"(2/custom,["leave"])");
  settle();

  EXPECT_EQ(c->texts().back(), "1/custom,");
  EXPECT_EQ(j.disconnects, std::vector<std::string>{"/custom:server namespace disconnect"});
  EXPECT_FALSE(j.connected.at(0)->emit("late", {}));
  EXPECT_FALSE(c->closed());

  // The namespace can be joined again on the same connection.
  c->inject_text("0/custom,");
  settle();
  EXPECT_EQ(j.connected.size(), 2u);
}

TEST_F(SocketioServer, HandlersThatCaptureTheirSocketAreReleasedWhenItEnds) {
  server sio({});
  std::weak_ptr<socket> watched;
  namespace_options options;
  options.on_connection = [&watched](std::shared_ptr<socket> s) {
    watched = s;
    s->on("x", [s](arguments, ack_sender) {});  // a cycle: the socket holds a handler that holds it
  };
  sio.add_namespace("/", std::move(options));
  auto c = open(sio);
  c->inject_text("0");
  settle();
  ASSERT_FALSE(watched.expired());

  c->transport_close("transport close");
  settle();
  EXPECT_TRUE(watched.expired());
}

// ---- Threads ----

TEST_F(SocketioServer, EmitAndAckFromAnotherThreadArriveOnTheConnection) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);
  c->inject_text("0");
  c->inject_text(R"(27["question"])");
  settle();
  ASSERT_EQ(j.connected.size(), 1u);
  ASSERT_EQ(j.acks.size(), 1u);

  auto s = j.connected[0];
  auto ack = j.acks[0];
  bool emitted = false;
  std::thread other([&] {
    emitted = s->emit("news", arguments{json::array{"from another thread"}, {}});
    ack(arguments{json::array{42}, {}});
  });
  other.join();  // both are queued on the connection at once: no strand hop (nothing has run on the strand)
  EXPECT_TRUE(emitted);
  ASSERT_EQ(c->texts().size(), 3u);

  auto texts = c->texts();
  EXPECT_EQ(texts[1], R"(2["news","from another thread"])");
  EXPECT_EQ(texts[2], R"(37[42])");
}

TEST_F(SocketioServer, SendEncodedFromAnotherThreadIsQueuedOnTheConnectionAtOnce) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = connected(sio, j);
  ASSERT_EQ(j.connected.size(), 1u);

  // The hub's fan-out calls this on its own thread: the frame must reach the connection's queue without
  // waiting for the connection's strand (not run here until settle()).
  auto s = j.connected[0];
  bool sent = false;
  std::thread hub_thread([&] { sent = s->send_encoded(engineio::text_frame(R"(2["message",1])")); });
  hub_thread.join();
  EXPECT_TRUE(sent);
  EXPECT_EQ(c->texts().back(), R"(2["message",1])");
}

TEST_F(SocketioServer, NothingIsQueuedAfterTheDisconnectOfANamespaceWhateverTheThread) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto c = open(sio);
  c->inject_text("0");
  settle();
  ASSERT_EQ(j.connected.size(), 1u);
  auto s = j.connected[0];

  // A fan-out thread sends numbered frames while another thread disconnects the socket mid-stream.
  std::atomic<int> accepted{0};
  std::atomic<bool> refused{false};
  std::thread sender([&] {
    // Ends when the disconnect lands: the other thread waits only for the first 200 frames.
    for (int i = 0; !refused; ++i) {
      if (s->send_encoded(engineio::text_frame("2[\"n\"," + std::to_string(i) + "]")))
        ++accepted;
      else
        refused = true;
    }
  });
  std::thread disconnector([&] {
    while (accepted < 200) std::this_thread::yield();
    s->disconnect();
  });
  disconnector.join();
  sender.join();
  ASSERT_TRUE(refused);  // the sender saw the disconnect
  settle();

  // The frames the sender was told were queued, in its order, then the DISCONNECT, then nothing.
  auto texts = c->texts();
  ASSERT_EQ(texts.size(), static_cast<std::size_t>(accepted.load()) + 2);  // + the CONNECT answer
  for (int i = 0; i < accepted; ++i) EXPECT_EQ(texts[1 + i], "2[\"n\"," + std::to_string(i) + "]");
  EXPECT_EQ(texts.back(), "1");
  EXPECT_EQ(j.disconnects, std::vector<std::string>{"/:server namespace disconnect"});
  EXPECT_FALSE(s->send_encoded(engineio::text_frame(R"(2["late"])")));
  EXPECT_EQ(c->texts().size(), texts.size());
}

// ---- Connect timeout ----

TEST_F(SocketioServer, ConnectTimeoutClosesAConnectionThatJoinedNoNamespace) {
  server_options options;
  options.connect_timeout = 50ms;
  server sio(options);
  journal& j = new_journal();
  sio.add_namespace("/", recording(j));
  auto joined = open(sio);
  joined->inject_text("0");
  auto idle = open(sio);

  ASSERT_TRUE(run_until([&] { return idle->closed(); }));
  EXPECT_EQ(idle->close_reason(), "forced server close");
  EXPECT_TRUE(idle->texts().empty());
  // The joined one was accepted first, so its timer would have fired first: it was cancelled by the CONNECT.
  EXPECT_FALSE(joined->closed());
}

TEST_F(SocketioServer, ConnectTimeoutAlsoClosesAConnectionRefusedEverywhere) {
  server_options options;
  options.connect_timeout = 50ms;
  server sio(options);
  auto c = open(sio);
  c->inject_text("0/random,");

  ASSERT_TRUE(run_until([&] { return c->closed(); }));
  EXPECT_EQ(c->texts(), std::vector<std::string>{R"(4/random,{"message":"Invalid namespace"})"});
}

// ---- Packets that arrive while the CONNECT is being authorized ----

class SocketioServerGated : public SocketioServer {
 protected:
  // Closes the connections while the gate still exists: an authorizer still waiting on it then ends with
  // its connection instead of resuming after the gate is gone.
  ~SocketioServerGated() override {
    for (auto& c : connections_) c->transport_close("test over");
    settle();
  }

  // An authorizer that waits until the test opens the gate, then answers `answer`.
  namespace_options gated(journal& j, std::optional<std::string> answer = std::nullopt) {
    auto options = recording(j);
    options.authorize = [this, answer](socket&) -> asio::awaitable<std::optional<std::string>> {
      ++authorizing;
      co_await gate.async_wait(asio::as_tuple(asio::use_awaitable));
      co_return answer;
    };
    return options;
  }

  asio::steady_timer gate{ioc_, asio::steady_timer::time_point::max()};
  int authorizing = 0;
};

TEST_F(SocketioServerGated, PacketsArrivingWhileAuthorizeIsPendingAreDeliveredAfterItInOrder) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", gated(j));
  auto c = open(sio);

  c->inject_text(R"(0{"token":"t"})");
  c->inject_text(R"(2["n",1])");
  c->inject_text(R"(2["n",2])");
  c->inject_text(R"(52-["n",3,)" + std::string(two_placeholders) + "]");
  c->inject_binary(bytes_123);
  c->inject_binary(bytes_456);
  c->inject_text(R"(2["n",4])");
  settle();
  ASSERT_EQ(authorizing, 1);
  EXPECT_TRUE(c->texts().empty());  // no answer before the authorizer's
  EXPECT_TRUE(j.events.empty());

  gate.cancel();
  settle();

  ASSERT_EQ(j.connected.size(), 1u);
  ASSERT_EQ(c->texts().size(), 1u);
  EXPECT_TRUE(c->texts()[0].starts_with(R"(0{"sid":")"));
  EXPECT_EQ(j.events, (std::vector<std::string>{"n:[1]", "n:[2]",
                                                "n:[3," + std::string(two_placeholders) + "]+2", "n:[4]"}));
}

TEST_F(SocketioServerGated, PacketsForARefusedNamespaceAreDropped) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", gated(j, "Not authorized"));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text(R"(2["n",1])");
  settle();
  gate.cancel();
  settle();

  EXPECT_EQ(c->texts(), std::vector<std::string>{R"(4{"message":"Not authorized"})"});
  EXPECT_TRUE(j.events.empty());
  EXPECT_FALSE(c->closed());
}

TEST_F(SocketioServerGated, TooManyPacketsWhileAuthorizingCloseTheConnection) {
  server_options options;
  options.max_connecting_packets = 2;
  server sio(options);
  journal& j = new_journal();
  sio.add_namespace("/", gated(j));
  auto c = open(sio);

  c->inject_text("0");
  for (int i = 0; i < 3; ++i) c->inject_text(R"(2["n"])");
  settle();

  EXPECT_EQ(c->close_reason(), "forced server close");
  gate.cancel();
  settle();
  EXPECT_TRUE(j.connected.empty());
  EXPECT_TRUE(c->texts().empty());
}

TEST_F(SocketioServerGated, ConnectionClosedWhileAuthorizingNeverConnects) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", gated(j));
  auto c = open(sio);

  c->inject_text("0");
  settle();
  c->transport_close("transport close");
  settle();
  gate.cancel();
  settle();

  EXPECT_TRUE(j.connected.empty());
  EXPECT_TRUE(j.disconnects.empty());  // it never joined, so it never leaves
  EXPECT_TRUE(c->texts().empty());
}

TEST_F(SocketioServerGated, SecondConnectWhileAuthorizingIsAnsweredByTheFirstAndKeepsTheConnection) {
  server sio({});
  journal& j = new_journal();
  sio.add_namespace("/", gated(j));
  auto c = open(sio);

  c->inject_text("0");
  c->inject_text("0");
  settle();
  EXPECT_FALSE(c->closed());
  EXPECT_EQ(authorizing, 1);  // the second CONNECT started no second authorization
  gate.cancel();
  settle();
  EXPECT_EQ(j.connected.size(), 1u);
  ASSERT_EQ(c->texts().size(), 1u);
  EXPECT_TRUE(c->texts()[0].starts_with(R"(0{"sid":")"));
  EXPECT_FALSE(c->closed());
}

}  // namespace
}  // namespace suda::realtime::socketio
