// Debian's Boost 1.81 ships Boost.URL and Boost.JSON as header-only; their definitions are
// compiled once, here, for the whole program.
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
