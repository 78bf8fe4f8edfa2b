#include "chat/service.hpp"

#include "chat/avatar_image.hpp"
#include "chat/events.hpp"
#include "chat/json.hpp"
#include "chat/password.hpp"
#include "chat/validation.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "core/utf8.hpp"

#include <boost/json/serialize.hpp>
#include <sodium.h>

#include <algorithm>

namespace suda::chat {
namespace asio = boost::asio;
using core::bad_request;
using core::errc;
using core::make_error;

namespace {

core::error invalid_credentials() {
  return make_error(errc::unauthorized, "invalid_credentials", "The email or password is incorrect");
}

core::error no_such_user() { return core::not_found("No such user"); }
core::error no_such_room() { return core::not_found("No such room"); }

std::string lowercase_ascii(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The user list's paging cursor: base64url("<display name>\n<id>"), opaque to clients.
std::string encode_cursor(const store::user_record& last) {
  std::string raw = last.display_name + "\n" + last.id;
  std::string out(sodium_base64_ENCODED_LEN(raw.size(), sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(out.find('\0'));
  return out;
}

std::optional<std::pair<std::string, std::string>> decode_cursor(std::string_view cursor) {
  if (cursor.empty() || cursor.size() > 512) return std::nullopt;
  std::string raw(cursor.size(), '\0');
  std::size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), cursor.data(), cursor.size(),
                        nullptr, &length, nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
    return std::nullopt;
  raw.resize(length);
  auto newline = raw.rfind('\n');
  if (newline == std::string::npos || !core::is_uuid(std::string_view(raw).substr(newline + 1))) return std::nullopt;
  return std::pair{raw.substr(0, newline), raw.substr(newline + 1)};
}

// The avatar version: a short random hex string, so each upload gets a new, cacheable URL.
std::string new_avatar_version() { return core::new_token().substr(0, 12); }

}  // namespace

service::service(store::writer& writer, store::reader_pool& readers, asio::thread_pool& cpu, bus::bus& bus,
                 profile_cache& profiles, service_options options)
    : writer_(writer),
      readers_(readers),
      cpu_(cpu),
      bus_(bus),
      profiles_(profiles),
      options_(options),
      login_per_ip_(options.login_per_ip_per_minute),
      login_per_account_(options.login_per_account_per_minute),
      sessions_(options.session_cache) {
  writer_.set_commit_listener([this](const std::vector<store::append_result>& results) { on_committed(results); });
  // Without this, a session logged out on another node would still be answered from this node's cache for up
  // to its ttl, and this node's sockets would not check their sessions again (session_revocations()).
  auto on_ended = [this](const std::string&, const bus::payload& token_hash) { sessions_.revoke(*token_hash); };
  ended_sessions_ = bus_.subscribe(std::string(ended_sessions_channel), std::move(on_ended));
}

void service::publish(const std::string& channel, std::string payload) {
  bus_.publish(channel, std::make_shared<const std::string>(std::move(payload)));
}

void service::announce_ended_session(const std::string& token_hash, const std::optional<std::string>& user_id) {
  // After the delete, so a store read that starts from now on cannot find the session, and one that started
  // before cannot put it back (session_cache::revocations()).
  sessions_.revoke(token_hash);
  publish(std::string(ended_sessions_channel), token_hash);  // the other nodes' caches (this one's too: harmless)
  // The sockets opened with this session are told to stop, through the user's channel (every node).
  if (user_id)
    publish(user_channel(*user_id), encode_event("logout", "", 0, *user_id, token_hash, boost::json::object{}));
}

void service::announce_joins(store::connection& c, const std::string& room_id,
                             const std::vector<std::string>& joined_ids) {
  auto room = c.find_room(room_id);
  if (!room) return;
  auto members = c.room_members(room_id);
  const auto room_data = room_json(*room, members);
  for (const auto& user_id : joined_ids) {
    // To the newcomer's clients (their hub joins the room at this seq), and to the members already there.
    publish(user_channel(user_id), encode_event("room", room_id, room->last_seq, user_id, "join", room_data));
    boost::json::object data{{"roomId", room_id}, {"userId", user_id}, {"action", "join"}};
    for (const auto& m : members)
      if (m.user_id == user_id)
        data["member"] = boost::json::object{{"id", m.user_id},
                                             {"displayName", m.display_name},
                                             {"avatarUrl", avatar_url(m.user_id, m.avatar_version)},
                                             {"role", to_string(m.role)}};
    publish(room_channel(room_id), encode_event("member", room_id, 0, user_id, "join", data));
  }
}

void service::on_committed(const std::vector<store::append_result>& results) {
  // On the writer thread, in commit order: the fan-out sees messages in the order of their seqs.
  for (const auto& r : results) {
    if (r.status != store::append_status::stored) continue;
    const auto& m = r.message;
    author_profile author = profiles_.find(m.user_id).value_or(author_profile{m.user_id, {}});
    publish(room_channel(m.room_id),
            encode_event("message", m.room_id, m.seq, m.user_id, "", message_event_data(m, author)));
  }
}

task<author_profile> service::author(const std::string& user_id) {
  if (auto known = profiles_.find(user_id)) co_return *known;
  auto job = [user_id](store::connection& c) { return c.find_user(user_id); };
  auto user = co_await readers_.run(std::move(job));
  if (!user) co_return core::unauthorized("Log in first");
  author_profile profile{user->display_name, user->avatar_version};
  profiles_.put(user_id, profile);
  co_return profile;
}

void service::announce_profile(store::connection& c, const store::user_record& user) {
  profiles_.put(user.id, author_profile{user.display_name, user.avatar_version});
  boost::json::object data{{"id", user.id},
                           {"displayName", user.display_name},
                           {"avatarUrl", avatar_url(user.id, user.avatar_version)}};
  const std::string event_id = new_event_id();  // one id for all copies: each client gets it once
  for (const auto& room_id : c.room_ids_of_user(user.id))
    publish(room_channel(room_id), encode_event("user", room_id, 0, user.id, event_id, data));
}

// ---------------------------------------------------------------------------------------------------------
// Accounts and sessions

task<account> service::sign_up(std::string email_in, std::string password_in) {
  auto email = validate_email(email_in);
  if (!email) co_return email.error();
  auto password = validate_password(password_in);
  if (!password) co_return password.error();

  auto job = [p = *password] { return hash_password(p); };
  std::string hash = co_await core::offload(cpu_.get_executor(), std::move(job));
  store::new_user user{core::new_uuid(), *email, std::move(hash), default_display_name(*email), core::now_ms()};
  auto job2 = [user](store::connection& c) { return c.create_user(user); };
  auto created = co_await writer_.run(std::move(job2));
  if (!created) co_return created.error();
  core::log::info("chat", "new account ", created->id);
  co_return account{*created, *email};
}

task<login_result> service::log_in(std::string email, std::string password, std::string remote_ip) {
  const auto now = core::now_ms();
  // Both limits are checked before any work, and an attempt counts against both, successful or not.
  const bool ip_ok = login_per_ip_.try_acquire(remote_ip, now);
  const bool account_ok = login_per_account_.try_acquire(lowercase_ascii(core::trim(email)), now);
  if (!ip_ok || !account_ok)
    co_return make_error(errc::rate_limited, "rate_limited", "Too many login attempts; try again in a minute");
  if (password.size() > max_password_bytes) co_return invalid_credentials();

  auto job = [e = std::string(core::trim(email))](store::connection& c) { return c.find_credentials(e); };
  auto credentials = co_await readers_.run(
      std::move(job));
  // An unknown email costs one Argon2id verification too, so timing does not tell which accounts exist.
  auto job2 = [credentials, password] {
    if (!credentials) {
      verify_against_dummy(password);
      return false;
    }
    return verify_password(credentials->password_hash, password);
  };
  bool ok = co_await core::offload(cpu_.get_executor(), std::move(job2));
  if (!ok) co_return invalid_credentials();

  std::string token = core::new_token();
  std::string hash = core::hash_token(token);
  const auto expires = now + std::chrono::duration_cast<std::chrono::milliseconds>(options_.session_lifetime).count();
  const auto revocations = sessions_.revocations();
  auto job3 = [hash, id = credentials->user_id, now, expires](store::connection& c) {
    c.create_session(hash, id, now, expires);
    return c.find_user(id);
  };
  auto me = co_await writer_.run(std::move(job3));
  if (!me) co_return invalid_credentials();  // the account was deleted in the meantime
  // The client usually opens its socket right after logging in: that connect then needs no store read.
  sessions_.put(hash, store::session_record{me->id, expires}, revocations);
  auto job4 = [id = me->id](store::connection& c) { return c.find_email(id); };
  auto email_of = co_await readers_.run(std::move(job4));
  co_return login_result{std::move(token), account{*me, email_of.value_or("")}, options_.session_lifetime};
}

task<bool> service::log_out(std::string token) {
  auto job = [this, hash = core::hash_token(token)](store::connection& c) {
    auto user_id = c.find_session_user(hash, core::now_ms());
    c.delete_session(hash);
    announce_ended_session(hash, user_id);
    return true;
  };
  co_await writer_.run(std::move(job));
  co_return true;
}

task<std::size_t> service::end_expired_sessions(std::size_t limit) {
  auto job = [this, limit](store::connection& c) {
    auto ended = c.delete_expired_sessions(core::now_ms(), limit);
    for (const auto& s : ended) announce_ended_session(s.token_hash, s.user_id);
    return ended.size();
  };
  co_return co_await writer_.run(std::move(job));
}

task<std::string> service::authenticate(std::string token) {
  auto found = co_await session(std::move(token));
  if (!found) co_return found.error();
  co_return std::move(found->user_id);
}

task<store::session_record> service::session(std::string token) {
  if (token.empty() || token.size() > 256) co_return core::unauthorized("Log in first");
  co_return co_await session_by_hash(core::hash_token(token));
}

task<store::session_record> service::session_by_hash(std::string hash) {
  // A hit returns here, on the caller's thread: no reader-pool hop, no post.
  if (auto cached = sessions_.find_session(hash)) co_return std::move(*cached);
  // Taken before the read: a log out while the read runs keeps its result out of the cache.
  const auto revocations = sessions_.revocations();
  auto job = [hash, now = core::now_ms()](store::connection& c) { return c.find_session(hash, now); };
  auto session = co_await readers_.run(std::move(job));
  if (!session) co_return core::unauthorized("Log in first");
  sessions_.put(hash, *session, revocations);
  co_return std::move(*session);
}

// ---------------------------------------------------------------------------------------------------------
// Profiles and the user list

task<account> service::me(std::string user_id) {
  auto job = [user_id](store::connection& c) {
    return std::pair{c.find_user(user_id), c.find_email(user_id)};
  };
  auto found = co_await readers_.run(std::move(job));
  if (!found.first || !found.second) co_return core::unauthorized("Log in first");
  co_return account{*found.first, *found.second};
}

task<store::user_record> service::user(std::string user_id) {
  if (!core::is_uuid(user_id)) co_return no_such_user();
  auto job = [user_id](store::connection& c) { return c.find_user(user_id); };
  auto found = co_await readers_.run(std::move(job));
  if (!found) co_return no_such_user();
  co_return *found;
}

task<user_page> service::users(std::string query, std::optional<std::string> cursor, int limit) {
  std::string q(core::trim(query));
  if (q.size() > 254 || !core::is_valid_utf8(q)) co_return bad_request("invalid_query", "The search is too long");
  std::optional<std::pair<std::string, std::string>> after;
  if (cursor) {
    after = decode_cursor(*cursor);
    if (!after) co_return bad_request("invalid_cursor", "The cursor is not valid");
  }
  // Ask for one more than the page, to know whether there is a next page.
  auto job = [q, after, limit](store::connection& c) {
    return c.list_users(q, after ? std::optional(after->first) : std::nullopt,
                        after ? std::optional(after->second) : std::nullopt, limit + 1);
  };
  auto rows = co_await readers_.run(std::move(job));
  user_page page;
  if (static_cast<int>(rows.size()) > limit) {
    rows.resize(static_cast<std::size_t>(limit));
    page.next_cursor = encode_cursor(rows.back());
  }
  page.users = std::move(rows);
  co_return page;
}

task<account> service::rename(std::string user_id, std::string display_name) {
  auto name = validate_display_name(display_name);
  if (!name) co_return name.error();
  auto job = [this, user_id, name = *name](store::connection& c) {
    auto updated = c.update_display_name(user_id, name, core::now_ms());
    if (updated) announce_profile(c, *updated);
    return updated;
  };
  auto updated = co_await writer_.run(std::move(job));
  if (!updated) co_return core::unauthorized("Log in first");
  co_return co_await me(user_id);
}

task<account> service::set_avatar(std::string user_id, std::string image_bytes) {
  auto job = [bytes = std::move(image_bytes)] { return make_avatar_images(bytes); };
  auto images = co_await core::offload(cpu_.get_executor(),
                                       std::move(job));
  if (!images) co_return images.error();
  auto job2 = [this, user_id, images = std::move(*images)](store::connection& c) {
    auto updated = c.set_avatar(user_id, new_avatar_version(), images.webp_256, images.webp_64, core::now_ms());
    if (updated) announce_profile(c, *updated);
    return updated;
  };
  auto updated = co_await writer_.run(std::move(job2));
  if (!updated) co_return core::unauthorized("Log in first");
  co_return co_await me(user_id);
}

task<store::avatar_record> service::avatar(std::string user_id, int size) {
  if (!core::is_uuid(user_id)) co_return no_such_user();
  auto job = [user_id, size](store::connection& c) { return c.find_avatar(user_id, size); };
  auto found = co_await readers_.run(std::move(job));
  if (!found) co_return core::not_found("No avatar");
  co_return std::move(*found);
}

// ---------------------------------------------------------------------------------------------------------
// Rooms

task<room_view> service::load_room(std::string room_id) {
  auto job = [room_id](store::connection& c) {
    return std::pair{c.find_room(room_id), c.room_members(room_id)};
  };
  auto loaded = co_await readers_.run(std::move(job));
  if (!loaded.first) co_return no_such_room();
  co_return room_view{std::move(*loaded.first), std::move(loaded.second)};
}

task<store::room_record> service::require_member(const std::string& user_id, const std::string& room_id) {
  if (!core::is_uuid(room_id)) co_return no_such_room();
  auto job = [user_id, room_id](store::connection& c) {
    return std::pair{c.find_room(room_id), c.membership(room_id, user_id)};
  };
  auto found = co_await readers_.run(std::move(job));
  if (!found.first) co_return no_such_room();
  if (!found.second) co_return core::forbidden("You are not a member of this room");
  co_return std::move(*found.first);
}

task<room_view> service::create_room(std::string user_id, std::string title, std::vector<std::string> member_ids) {
  auto valid_title = validate_title(title);
  if (!valid_title) co_return valid_title.error();
  if (member_ids.size() > 1000) co_return bad_request("too_many_members", "At most 1000 members at creation");
  std::sort(member_ids.begin(), member_ids.end());
  member_ids.erase(std::unique(member_ids.begin(), member_ids.end()), member_ids.end());
  std::erase(member_ids, user_id);
  for (const auto& id : member_ids)
    if (!core::is_uuid(id)) co_return bad_request("unknown_user", "No such user: " + id);
  auto job = [this, user_id, title = *valid_title,
              member_ids](store::connection& c) -> core::result<store::room_record> {
    for (const auto& id : member_ids)
      if (!c.find_user(id)) return bad_request("unknown_user", "No such user: " + id);
    auto room = c.create_group_room(core::new_uuid(), title, user_id, member_ids, core::now_ms());
    std::vector<std::string> joined = member_ids;
    joined.push_back(user_id);
    announce_joins(c, room.id, joined);
    return room;
  };
  auto room = co_await writer_.run(std::move(job));
  if (!room) co_return room.error();
  co_return co_await load_room(room->id);
}

task<std::pair<room_view, bool>> service::open_direct(std::string user_id, std::string other_id) {
  if (other_id == user_id) co_return bad_request("self_direct", "You cannot open a direct chat with yourself");
  if (!core::is_uuid(other_id)) co_return no_such_user();
  auto job = [this, user_id,
              other_id](store::connection& c) -> core::result<std::pair<store::room_record, bool>> {
    if (!c.find_user(other_id)) return no_such_user();
    std::string new_id = core::new_uuid();
    std::vector<std::string> joined;
    auto existing = c.get_or_create_direct_room(new_id, user_id, other_id, core::now_ms());
    const bool created = existing.id == new_id;
    if (created) joined = {user_id, other_id};
    if (!joined.empty()) announce_joins(c, existing.id, joined);
    return std::pair{existing, created};
  };
  auto opened = co_await writer_.run(std::move(job));
  if (!opened) co_return opened.error();
  auto view = co_await load_room(opened->first.id);
  if (!view) co_return view.error();
  co_return std::pair{std::move(*view), opened->second};
}

task<std::vector<store::room_summary>> service::my_rooms(std::string user_id) {
  auto job = [user_id](store::connection& c) { return c.rooms_of_user(user_id); };
  co_return co_await readers_.run(std::move(job));
}

task<std::vector<store::room_seq>> service::room_seqs(std::string user_id) {
  auto job = [user_id](store::connection& c) { return c.room_seqs_of_user(user_id); };
  co_return co_await readers_.run(std::move(job));
}

task<room_view> service::room(std::string user_id, std::string room_id) {
  auto room = co_await require_member(user_id, room_id);
  if (!room) co_return room.error();
  co_return co_await load_room(room_id);
}

task<room_view> service::invite(std::string user_id, std::string room_id, std::string invitee_id) {
  auto room = co_await require_member(user_id, room_id);
  if (!room) co_return room.error();
  if (room->kind == store::room_kind::direct)
    co_return bad_request("direct_room", "A direct chat has exactly two members; create a group instead");
  if (!core::is_uuid(invitee_id)) co_return no_such_user();
  auto job = [this, room_id, invitee_id](store::connection& c) -> core::result<bool> {
    if (!c.find_user(invitee_id)) return no_such_user();
    bool added = c.add_member(room_id, invitee_id, store::member_role::member, core::now_ms());
    if (added) announce_joins(c, room_id, {invitee_id});
    return added;
  };
  auto added = co_await writer_.run(std::move(job));
  if (!added) co_return added.error();
  co_return co_await load_room(room_id);
}

task<bool> service::leave(std::string user_id, std::string room_id) {
  auto room = co_await require_member(user_id, room_id);
  if (!room) co_return room.error();
  auto job = [this, room_id, user_id](store::connection& c) {
    bool removed = c.remove_member(room_id, user_id);
    if (removed) {
      boost::json::object data{{"roomId", room_id}, {"userId", user_id}, {"action", "leave"}};
      publish(room_channel(room_id), encode_event("member", room_id, 0, user_id, "leave", data));
    }
    return removed;
  };
  co_return co_await writer_.run(std::move(job));
}

// ---------------------------------------------------------------------------------------------------------
// Messages

task<posted_message> service::post(std::string user_id, std::string room_id, std::string body,
                                   std::optional<std::string> client_msg_id) {
  if (!core::is_uuid(room_id)) co_return no_such_room();
  auto text = validate_message(body);
  if (!text) co_return text.error();
  if (client_msg_id) {
    auto id = validate_client_msg_id(*client_msg_id);
    if (!id) co_return id.error();
  }
  // The author's name and avatar are stamped on the delivered message; have them at hand for the writer.
  auto me = co_await author(user_id);
  if (!me) co_return me.error();
  // Membership is checked inside the writer's transaction, so a user who just left cannot slip a message in.
  const core::millis now = core::now_ms();
  store::new_message message{core::new_uuid_v7(now), room_id, user_id, std::move(*text), client_msg_id, now};
  auto appended = co_await writer_.append(std::move(message));
  if (!appended) co_return appended.error();
  switch (appended->status) {
    case store::append_status::no_room: co_return no_such_room();
    case store::append_status::not_member: co_return core::forbidden("You are not a member of this room");
    case store::append_status::duplicate: co_return posted_message{std::move(appended->message), false};
    case store::append_status::stored: break;
  }
  // Committed, and already published by on_committed() on the writer thread.
  co_return posted_message{std::move(appended->message), true};
}

task<history_page> service::history(std::string user_id, std::string room_id, std::optional<std::int64_t> before,
                                    int limit) {
  auto room = co_await require_member(user_id, room_id);
  if (!room) co_return room.error();
  auto job = [room_id, before, limit](store::connection& c) { return c.history(room_id, before, limit + 1); };
  auto rows = co_await readers_.run(
      std::move(job));
  history_page page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  if (page.has_more) rows.resize(static_cast<std::size_t>(limit));
  page.messages = std::move(rows);
  co_return page;
}

task<std::int64_t> service::mark_read(std::string user_id, std::string room_id, std::int64_t seq) {
  if (!core::is_uuid(room_id)) co_return no_such_room();
  if (seq < 0) co_return bad_request("invalid_seq", "seq must not be negative");
  auto job = [this, room_id, user_id, seq](store::connection& c) {
    auto stored = c.mark_read(room_id, user_id, seq);
    if (stored) {
      boost::json::object data{{"roomId", room_id}, {"userId", user_id}, {"seq", *stored}};
      publish(room_channel(room_id), encode_event("read", room_id, 0, user_id, "", data));
    }
    return stored;
  };
  auto stored = co_await writer_.run(std::move(job));
  if (!stored) co_return core::forbidden("You are not a member of this room");
  co_return *stored;
}

task<bool> service::typing(std::string user_id, std::string room_id) {
  auto room = co_await require_member(user_id, room_id);
  if (!room) co_return room.error();
  boost::json::object data{{"roomId", room_id}, {"userId", user_id}};
  publish(room_channel(room_id), encode_event("typing", room_id, 0, user_id, "", data));
  co_return true;
}

}  // namespace suda::chat
