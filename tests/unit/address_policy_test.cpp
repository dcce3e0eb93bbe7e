// is_restricted_address: the addresses a source or webhook without allow_private may not reach
// (IANA special-purpose registries, RFC 6890 and later), with both sides of every boundary, the
// IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) judged by that
// address, and ordinary public addresses left alone.
#include <catch2/catch.hpp>

#include "rasd/daemon/curl_http_client.hpp"

using namespace rasd;

namespace {

void check_all(std::initializer_list<const char*> addresses, bool restricted) {
  for (const char* a : addresses) {
    INFO(a << (restricted ? " should be refused" : " should be allowed"));
    CHECK(is_restricted_address(a) == restricted);
  }
}
void refused(std::initializer_list<const char*> a) { check_all(a, true); }
void allowed(std::initializer_list<const char*> a) { check_all(a, false); }

}  // namespace

TEST_CASE("address policy: ordinary public addresses are allowed", "[address-policy]") {
  allowed({"8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1", "2001:4860:4860::8888",
           "2a00:1450:4001:82a::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"});
}

TEST_CASE("address policy: IPv4 private, loopback, link-local and shared ranges",
          "[address-policy]") {
  refused({"0.0.0.0", "0.255.255.255", "10.0.0.0", "10.255.255.255", "127.0.0.1", "127.255.255.255",
           "169.254.0.0", "169.254.169.254", "169.254.255.255", "172.16.0.0", "172.31.255.255",
           "192.168.0.0", "192.168.255.255", "100.64.0.0", "100.100.100.200", "100.127.255.255"});
  allowed({"1.0.0.0", "9.255.255.255", "11.0.0.0", "126.255.255.255", "128.0.0.0",
           "169.253.255.255", "169.255.0.0", "172.15.255.255", "172.32.0.0", "192.167.255.255",
           "192.169.0.0", "100.63.255.255", "100.128.0.0"});
}

TEST_CASE("address policy: IPv4 multicast, reserved and broadcast", "[address-policy]") {
  refused({"224.0.0.0", "224.0.0.1", "239.255.255.255", "240.0.0.0", "255.255.255.254",
           "255.255.255.255"});
  allowed({"223.255.255.255"});
}

TEST_CASE("address policy: IPv4 protocol assignments, documentation, 6to4 relay and benchmarking",
          "[address-policy]") {
  // 192.0.0.0/24 IETF protocol assignments (192.0.0.192 is Oracle Cloud's metadata service).
  refused({"192.0.0.0", "192.0.0.192", "192.0.0.255"});
  allowed({"191.255.255.255", "192.0.1.0"});
  // Documentation: TEST-NET-1, -2 and -3.
  refused({"192.0.2.0", "192.0.2.255", "198.51.100.0", "198.51.100.255", "203.0.113.0",
           "203.0.113.255"});
  allowed({"192.0.1.255", "192.0.3.0", "198.51.99.255", "198.51.101.0", "203.0.112.255",
           "203.0.114.0"});
  // 192.88.99.0/24, the deprecated 6to4 relay anycast.
  refused({"192.88.99.0", "192.88.99.255"});
  allowed({"192.88.98.255", "192.88.100.0"});
  // 198.18.0.0/15 benchmarking.
  refused({"198.18.0.0", "198.18.0.1", "198.19.255.255"});
  allowed({"198.17.255.255", "198.20.0.0"});
}

TEST_CASE("address policy: IPv6 loopback, unspecified, local and multicast", "[address-policy]") {
  refused({"::", "::1", "fc00::", "fc00::1", "fd00:ec2::254",
           "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe80::", "fe80::1", "FE80::1",
           "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::", "ff02::1"});
  // fec0::/10, the deprecated site-local range, between link-local and multicast.
  refused({"fec0::", "fec0::1", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"});
  // 100::/64 discard-only, 5f00::/16 SRv6 SIDs, and other space outside 2000::/3 global unicast.
  refused({"100::", "100::1", "100::ffff:ffff:ffff:ffff", "100:0:0:1::1", "5f00::1", "4000::1",
           "1fff:ffff::1", "e000::1"});
  // The edges of 2000::/3.
  allowed({"2000::1", "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"});
}

TEST_CASE("address policy: IPv6 protocol assignments and documentation", "[address-policy]") {
  // 2001::/23: Teredo 2001::/32, benchmarking 2001:2::/48, ORCHID, anycast services.
  refused({"2001::", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:2::1", "2001:20::1",
           "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff"});
  allowed({"2000:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2001:200::", "2001:200::1"});
  // Documentation: 2001:db8::/32 and 3fff::/20.
  refused({"2001:db8::", "2001:db8::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
           "3fff::", "3fff::1", "3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff"});
  allowed({"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff",
           "2001:db9::", "3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "3fff:1000::"});
}

TEST_CASE("address policy: IPv4-mapped and IPv4-compatible addresses are judged by their IPv4",
          "[address-policy]") {
  refused({"::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:169.254.169.254", "::ffff:198.18.0.1",
           "::ffff:0.0.0.0"});
  allowed({"::ffff:8.8.8.8", "::ffff:1.1.1.1"});
  // ::a.b.c.d, deprecated, still routed by a kernel with an automatic tunnel (sit).
  refused({"::127.0.0.1", "::10.0.0.1", "::169.254.169.254", "::192.168.1.1", "::198.19.0.1", "::2",
           "::0.255.255.255"});
  allowed({"::8.8.8.8", "::1.0.0.0"});
  // ::ffff:0:a.b.c.d (SIIT, RFC 2765) is neither: outside 2000::/3.
  refused({"::ffff:0:8.8.8.8"});
}

TEST_CASE("address policy: NAT64 addresses are judged by their IPv4, local-use NAT64 is refused",
          "[address-policy]") {
  // 64:ff9b::/96, the well-known prefix (RFC 6052): a DNS64 resolver maps every IPv4 into it.
  refused({"64:ff9b::7f00:1", "64:ff9b::127.0.0.1", "64:ff9b::a00:1", "64:ff9b::a9fe:a9fe",
           "64:ff9b::c0a8:101", "64:ff9b::c612:1", "64:ff9b::", "64:ff9b::e000:1"});
  allowed({"64:ff9b::808:808", "64:ff9b::8.8.8.8", "64:ff9b::101:101"});
  // Just beyond the /96: not a translation address (and outside 2000::/3).
  refused({"64:ff9b::1:808:808", "64:ff9b:0:1::808:808"});
  // 64:ff9b:1::/48, local-use NAT64 (RFC 8215): a site's own translator.
  refused({"64:ff9b:1::", "64:ff9b:1::808:808", "64:ff9b:1:ffff:ffff:ffff:ffff:ffff"});
}

TEST_CASE("address policy: 6to4 addresses are judged by their IPv4", "[address-policy]") {
  // 2002::/16 (RFC 3056): bytes 2-5 are the IPv4 of the site's 6to4 router.
  refused({"2002:7f00:1::1", "2002:a00:1::", "2002:a9fe:a9fe::1", "2002:c0a8:101:1::1",
           "2002:c612:1::1", "2002::1", "2002:e000:1::1"});
  allowed({"2002:808:808::1", "2002:808:808:ffff:ffff:ffff:ffff:ffff", "2002:101:101::"});
  // Either side of 2002::/16: ordinary global unicast.
  allowed({"2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "2003::1"});
}

TEST_CASE("address policy: anything that is not a numeric address is refused", "[address-policy]") {
  refused(
      {"", "localhost", "example.com", "fe80::1%eth0", "127.1", "0x7f000001", "8.8.8.8 ", "[::1]"});
}
