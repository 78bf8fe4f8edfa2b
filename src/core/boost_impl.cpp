// The one translation unit that compiles Boost.Asio and Boost.Beast (separate compilation keeps every
// other file from instantiating them again, which is most of a clean build's time).
#include <boost/asio/impl/src.hpp>
#include <boost/beast/src.hpp>
