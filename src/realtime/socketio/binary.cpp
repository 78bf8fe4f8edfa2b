#include "realtime/socketio/binary.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <vector>

namespace suda::realtime::socketio {
namespace {

constexpr std::string_view placeholder_key = "_placeholder";
constexpr std::string_view num_key = "num";

core::error placeholder_error(std::string message) {
  return core::bad_request(std::string(errors::bad_placeholder), std::move(message));
}

}  // namespace

boost::json::value make_placeholder(std::size_t num) {
  return boost::json::object{{placeholder_key, true}, {num_key, num}};
}

boost::json::value attach(packet& p, std::string bytes) {
  p.attachments.push_back(std::move(bytes));
  return make_placeholder(p.attachments.size() - 1);
}

std::optional<std::size_t> placeholder_num(const boost::json::value& v) noexcept {
  const auto* object = v.if_object();
  if (!object || object->size() != 2) return std::nullopt;
  const auto* flag = object->if_contains(placeholder_key);
  const auto* num = object->if_contains(num_key);
  if (!flag || !num || !flag->is_bool() || !flag->get_bool()) return std::nullopt;
  // The peer serializes a JavaScript number; an integral one arrives as int64 (or uint64 when huge).
  if (num->is_int64() && num->get_int64() >= 0) return static_cast<std::size_t>(num->get_int64());
  if (num->is_uint64()) return static_cast<std::size_t>(num->get_uint64());
  return std::nullopt;
}

const std::string* attachment_at(const packet& p, const boost::json::value& v) noexcept {
  auto num = placeholder_num(v);
  if (!num || *num >= p.attachments.size()) return nullptr;
  return &p.attachments[*num];
}

core::result<void> check_placeholders(const boost::json::value& data, std::size_t count) {
  // The nums found; sized by the data, not by `count`, which a hand-built packet could set to anything.
  std::vector<std::size_t> nums;
  // Explicit stack instead of recursion: a value built in code has no parser depth limit.
  std::vector<const boost::json::value*> stack{&data};
  while (!stack.empty()) {
    const boost::json::value* v = stack.back();
    stack.pop_back();
    if (const auto* array = v->if_array()) {
      for (const auto& element : *array) stack.push_back(&element);
    } else if (const auto* object = v->if_object()) {
      if (!object->contains(placeholder_key)) {
        for (const auto& entry : *object) stack.push_back(&entry.value());
        continue;
      }
      auto num = placeholder_num(*v);
      if (!num) return placeholder_error("malformed attachment placeholder");
      if (*num >= count) return placeholder_error("placeholder refers to a missing attachment");
      nums.push_back(*num);
    }
  }
  std::sort(nums.begin(), nums.end());
  if (std::adjacent_find(nums.begin(), nums.end()) != nums.end()) {
    return placeholder_error("attachment referenced twice");
  }
  // Distinct and all below count: there are `count` of them exactly when every attachment is referenced.
  if (nums.size() != count) return placeholder_error("an announced attachment is never referenced");
  return {};
}

void binary_reconstructor::reset() noexcept {
  pending_.reset();
  pending_bytes_ = 0;
}

core::result<std::optional<packet>> binary_reconstructor::add_text(std::string_view text) {
  if (pending_) {
    reset();
    return core::bad_request(std::string(errors::expected_binary), "text frame while attachments were expected");
  }
  auto decoded = decode(text, limits_.decode);
  if (!decoded) return decoded.error();
  return add_packet(std::move(*decoded));
}

core::result<std::optional<packet>> binary_reconstructor::add_packet(packet p) {
  if (pending_) {
    reset();
    return core::bad_request(std::string(errors::expected_binary), "text frame while attachments were expected");
  }
  if (!is_binary_type(p.type)) return std::optional<packet>(std::move(p));

  // A packet decoded with the same limits already passed these checks; a hand-built one may not have.
  if (p.attachment_count > limits_.decode.max_attachments) {
    return core::bad_request(std::string(errors::bad_attachments), "too many attachments");
  }
  if (!p.attachments.empty()) {
    return core::bad_request(std::string(errors::bad_attachments), "packet already holds attachments");
  }
  if (auto ok = check_placeholders(p.data, p.attachment_count); !ok) return ok.error();
  if (p.attachment_count == 0) return std::optional<packet>(std::move(p));

  p.attachments.reserve(p.attachment_count);
  pending_ = std::make_unique<packet>(std::move(p));
  pending_bytes_ = 0;
  return std::optional<packet>();
}

core::result<std::optional<packet>> binary_reconstructor::add_binary(std::string_view bytes) {
  if (!pending_) {
    return core::bad_request(std::string(errors::unexpected_binary), "binary frame without a binary packet");
  }
  if (bytes.size() > limits_.max_attachment_bytes - pending_bytes_) {
    reset();
    return core::make_error(core::errc::payload_too_large, std::string(errors::attachments_too_large),
                            "attachments exceed the size limit");
  }
  pending_bytes_ += bytes.size();
  pending_->attachments.emplace_back(bytes);
  if (pending_->attachments.size() < pending_->attachment_count) return std::optional<packet>();

  std::optional<packet> done(std::move(*pending_));
  reset();
  return done;
}

}  // namespace suda::realtime::socketio
