#pragma once
// A small keep-alive HTTP/1.1 client for the setup phase (sign up, log in, create rooms): one connection,
// one request at a time, reconnecting once when the server closed an idle connection. JSON bodies only.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/verb.hpp>

#include <optional>
#include <string>

namespace suda::bench {

struct http_reply {
  unsigned status = 0;  // 0: no answer (connection failed)
  std::string body;
};

class http_client {
 public:
  http_client(boost::asio::any_io_executor executor, boost::asio::ip::tcp::endpoint server, std::string host);

  // `token`, when not empty, goes in `Authorization: Bearer`. Never throws on network errors: status 0.
  boost::asio::awaitable<http_reply> request(boost::beast::http::verb method, std::string target, std::string body,
                                             std::string token);

 private:
  boost::asio::awaitable<bool> ensure_connected();

  boost::asio::any_io_executor executor_;
  boost::asio::ip::tcp::endpoint server_;
  std::string host_;
  std::optional<boost::beast::tcp_stream> stream_;
};

}  // namespace suda::bench
