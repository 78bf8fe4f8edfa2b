#include "report.hpp"

#include <cstdio>
#include <string>

namespace suda::bench {
namespace json = boost::json;

namespace {

json::object latency_json(const histogram& h) {
  return json::object{{"count", h.count()},
                      {"mean", h.mean()},
                      {"p50", h.percentile(0.50)},
                      {"p90", h.percentile(0.90)},
                      {"p99", h.percentile(0.99)},
                      {"p999", h.percentile(0.999)},
                      {"max", h.max()}};
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof text, pattern, value);
  return text;
}

std::string millis(std::int64_t micros) { return format("%.2f ms", static_cast<double>(micros) / 1000.0); }
std::string mib(double bytes) { return format("%.1f MiB", bytes / (1024.0 * 1024.0)); }

void row(std::string& out, const std::string& name, const std::string& value) {
  out += "  ";
  out += name;
  if (name.size() < 40) out.append(40 - name.size(), ' ');
  out += value;
  out += '\n';
}

void latency_rows(std::string& out, const std::string& what, const histogram& h) {
  if (h.count() == 0) return;
  row(out, what + " p50 / p90", millis(h.percentile(0.5)) + " / " + millis(h.percentile(0.9)));
  row(out, what + " p99 / p99.9 / max",
      millis(h.percentile(0.99)) + " / " + millis(h.percentile(0.999)) + " / " + millis(h.max()));
}

}  // namespace

json::object to_json(const run_result& r) {
  json::object load{{"clients", r.clients},   {"users", r.users},       {"rooms", r.rooms},
                    {"membersPerRoom", r.members_per_room}, {"senders", r.senders}, {"window", r.window},
                    {"slowClients", r.slow_clients}, {"rate", r.rate}, {"duration", r.duration}, {"threads", r.threads}};
  json::object connections{{"connected", r.connected},
                           {"failures", r.connect_failures},
                           {"seconds", r.connect_seconds},
                           {"perSecond", r.connect_rate()},
                           {"latencyUs", latency_json(r.connect_latency)}};
  json::object messages{{"sent", r.sent},
                        {"acked", r.acked},
                        {"ackErrors", r.ack_errors},
                        {"unacked", r.unacked},
                        {"delivered", r.delivered},
                        {"expectedDeliveries", r.expected},
                        {"lost", r.lost},
                        {"duplicates", r.duplicates},
                        {"disconnects", r.disconnects},
                        {"unknownFrames", r.unknown_frames},
                        {"tableFull", r.table_full},
                        {"behindSchedule", r.behind_schedule},
                        {"seconds", r.measure_seconds},
                        {"ackedPerSecond", r.acked_per_second()},
                        {"deliveredPerSecond", r.delivered_per_second()},
                        {"deliveryLatencyUs", latency_json(r.delivery_latency)},
                        {"ackLatencyUs", latency_json(r.ack_latency)}};
  json::object out{{"label", r.label},       {"scenario", r.scenario},       {"load", std::move(load)},
                   {"setupSeconds", r.setup_seconds}, {"connections", std::move(connections)},
                   {"messages", std::move(messages)}};
  if (r.server_sampled) {
    out["server"] = json::object{{"rssBeforeConnectBytes", r.rss_before_connect},
                                 {"rssConnectedBytes", r.rss_connected},
                                 {"rssEndBytes", r.rss_end},
                                 {"rssPerClientBytes", r.rss_per_client()},
                                 {"cpuSeconds", r.server_cpu_seconds},
                                 {"connectCpuSeconds", r.server_connect_cpu_seconds},
                                 {"cpuUsPerConnect", r.cpu_us_per_connect()},
                                 {"cpuUsPerDelivery", r.cpu_us_per_delivery()}};
  }
  out["generator"] = json::object{{"cpuSeconds", r.generator_cpu_seconds},
                                  {"cpuCapacitySeconds", r.generator_cpu_capacity},
                                  {"saturated", r.generator_saturated}};
  json::array notes;
  for (const auto& n : r.notes) notes.push_back(json::value(n));
  out["notes"] = std::move(notes);
  out["clean"] = r.clean();
  return out;
}

std::string to_table(const run_result& r) {
  std::string out = "suda-bench " + r.scenario + " against " + r.label + "\n";
  row(out, "load",
      std::to_string(r.clients) + " clients (" + std::to_string(r.users) + " users), " + std::to_string(r.rooms) +
          " rooms x " + std::to_string(r.members_per_room) + ", " + std::to_string(r.senders) + " senders, " +
          (r.window ? "window " + std::to_string(r.window) : format("%.0f msg/s", r.rate)) +
          (r.slow_clients ? ", " + std::to_string(r.slow_clients) + " slow" : ""));
  row(out, "setup (HTTP)", format("%.2f s", r.setup_seconds));
  row(out, "connected", std::to_string(r.connected) + " of " + std::to_string(r.clients) + " in " +
                            format("%.2f s", r.connect_seconds) + " = " + format("%.0f/s", r.connect_rate()) +
                            (r.connect_failures ? " (" + std::to_string(r.connect_failures) + " failed)" : ""));
  latency_rows(out, "connect", r.connect_latency);
  if (r.sent || r.delivered) {
    row(out, "sent / acked / ack errors",
        std::to_string(r.sent) + " / " + std::to_string(r.acked) + " / " + std::to_string(r.ack_errors));
    row(out, "acked/s", format("%.0f", r.acked_per_second()));
    row(out, "delivered / expected", std::to_string(r.delivered) + " / " + std::to_string(r.expected));
    row(out, "delivered/s", format("%.0f", r.delivered_per_second()));
    row(out, "lost / unacked / duplicates",
        std::to_string(r.lost) + " / " + std::to_string(r.unacked) + " / " + std::to_string(r.duplicates));
    latency_rows(out, "delivery", r.delivery_latency);
    latency_rows(out, "ack", r.ack_latency);
  }
  if (r.disconnects) row(out, "disconnected by the server", std::to_string(r.disconnects));
  if (r.behind_schedule) row(out, "sends behind schedule (>1 ms)", std::to_string(r.behind_schedule));
  if (r.server_sampled) {
    row(out, "server RSS before / connected / end", mib(r.rss_before_connect) + " / " + mib(r.rss_connected) + " / " +
                                                        mib(r.rss_end));
    row(out, "server RSS per client", format("%.1f KiB", r.rss_per_client() / 1024.0));
    row(out, "server CPU while connecting", format("%.2f s", r.server_connect_cpu_seconds) +
                                                format(" = %.0f us per connect", r.cpu_us_per_connect()));
    row(out, "server CPU", format("%.2f s", r.server_cpu_seconds) +
                               (r.delivered ? format(" = %.2f us per delivery", r.cpu_us_per_delivery()) : ""));
  }
  row(out, "generator CPU", format("%.2f s", r.generator_cpu_seconds) + " of " +
                                format("%.2f s", r.generator_cpu_capacity) +
                                (r.generator_saturated ? "  SATURATED: the generator, not the server, may be the limit" : ""));
  for (const auto& n : r.notes) row(out, "note", n);
  return out;
}

}  // namespace suda::bench
