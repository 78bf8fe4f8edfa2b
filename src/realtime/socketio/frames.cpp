#include "realtime/socketio/frames.hpp"

namespace suda::realtime::socketio {

core::result<std::vector<engineio::frame>> to_frames(packet p) {
  auto text = encode(p);
  if (!text) return text.error();
  std::vector<engineio::frame> frames;
  frames.reserve(1 + p.attachments.size());
  frames.push_back(engineio::text_frame(std::move(*text)));
  for (auto& attachment : p.attachments) frames.push_back(engineio::binary_frame(std::move(attachment)));
  return frames;
}

bool send_frames(engineio::socket& connection, std::vector<engineio::frame> frames) {
  if (frames.size() == 1) return connection.send(std::move(frames.front()));
  return connection.send_all(std::move(frames));
}

}  // namespace suda::realtime::socketio
