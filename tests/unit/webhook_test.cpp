#include "rasd/daemon/webhook.hpp"

#include <catch2/catch.hpp>

#include "rasd/daemon/config.hpp"
#include "rasd/daemon/schedule.hpp"
#include "test_util.hpp"

using namespace rasd;

TEST_CASE("webhook signature: the Standard Webhooks published example", "[webhook][signature]") {
  const auto key = decode_webhook_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  REQUIRE(key);
  CHECK(webhook_signature(*key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                          R"({"test": 2432232314})") ==
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST_CASE("webhook signature: agrees with Python's hmac on an Arabic body",
          "[webhook][signature]") {
  const std::string secret = "whsec_c2VjcmV0LWtleS1mb3ItcmFzZC10ZXN0cw==";
  const std::string body = R"({"type":"alert.created","article":{"title":"د|عـ.ـش"}})";
  const auto key = decode_webhook_secret(secret);
  REQUIRE(key);
  CHECK(*key == "secret-key-for-rasd-tests");
  const std::string script =
      "import hmac,hashlib,base64,sys\n"
      "key=base64.b64decode(sys.argv[1].split('_',1)[1])\n"
      "body=sys.stdin.buffer.read()\n"
      "msg=b'msg_1.1700000000.'+body\n"
      "print('v1,'+base64.b64encode(hmac.new(key,msg,hashlib.sha256).digest()).decode())\n";
  auto py = test::run_process({"/usr/bin/python3", "-c", script, secret}, body);
  REQUIRE(py.exit_code == 0);
  CHECK(webhook_signature(*key, "msg_1", 1700000000, body) + "\n" == py.out);
}

TEST_CASE("webhook request: headers, several secrets for rotation, slack format", "[webhook]") {
  WebhookConfig hook;
  hook.name = "a";
  hook.url = "https://hooks.example/x";
  hook.secrets = {"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                  "whsec_c2VjcmV0LWtleS1mb3ItcmFzZC10ZXN0cw=="};
  Delivery d;
  d.id = "msg_abc";
  d.payload =
      R"({"type":"alert.created","rule":{"title":"ISIS","severity":"high"},"article":{"title":"عنوان","url":"https://n.example/1","source":"s"}})";
  auto req = build_webhook_request(hook, d, 1700000000, 10);
  std::map<std::string, std::string> h(req.headers.begin(), req.headers.end());
  CHECK(h["webhook-id"] == "msg_abc");
  CHECK(h["webhook-timestamp"] == "1700000000");
  const auto sig = h["webhook-signature"];
  CHECK(std::count(sig.begin(), sig.end(), ' ') == 1);
  CHECK(sig.rfind("v1,", 0) == 0);
  hook.format = "slack";
  auto slack = build_webhook_request(hook, d, 1700000000, 10);
  CHECK(slack.body == R"({"text":"[high] ISIS: عنوان (s) https://n.example/1"})");
  // A Mattermost-style template; unknown {names} and lone braces stay as written.
  hook.text_template = "#### {rule}\n{title} — {url} {unknown} {";
  auto templated = build_webhook_request(hook, d, 1700000000, 10);
  CHECK(templated.body == R"({"text":"#### ISIS\nعنوان — https://n.example/1 {unknown} {"})");
}

TEST_CASE("retry schedule and Retry-After", "[webhook][retry]") {
  CHECK(retry_delay(1) == 5);
  CHECK(retry_delay(2) == 300);
  CHECK(retry_delay(7) == 36000);
  CHECK_FALSE(retry_delay(8));
  CHECK(parse_retry_after("120", 0) == 120);
  CHECK(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1445412480 - 60) == 60);
  CHECK(parse_retry_after("99999999999", 0) == 86400);
  CHECK_FALSE(parse_retry_after("soon", 0));
}

TEST_CASE("webhook secrets must be whsec_ base64", "[webhook][config]") {
  CHECK_FALSE(decode_webhook_secret("secret"));
  CHECK_FALSE(decode_webhook_secret("whsec_"));
  CHECK_FALSE(decode_webhook_secret("whsec_abc"));
}

TEST_CASE("slack format: bodies without an article say what they are about", "[webhook]") {
  const std::string notice =
      R"J({"type":"alert.suppressed","rule":{"id":"isis","title":"ISIS","severity":"medium"},)J"
      R"J("held_back":3,"from":"2026-12-01T09:00:00Z","see":"rasd alerts --rule isis"})J";
  CHECK(
      rasd::slack_body(notice, "{rule}: {title}") ==
      R"J({"text":"ISIS: 3 alerts held back by max_alerts since 2026-12-01T09:00:00Z (rasd alerts --rule isis)"})J");
  const std::string resolved =
      R"J({"type":"internal.resolved","rule":{"id":"rasd.source_failing","title":"rasd: source 'x' works again","severity":"high"},"subject":"x"})J";
  CHECK(rasd::slack_body(resolved, "{rule} ({source})") ==
        R"J({"text":"rasd: source 'x' works again (x)"})J");
  const std::string summary =
      R"J({"type":"alert.updated","rule":{"title":"Surge"},"counted":{"articles":7},"article":null})J";
  CHECK(rasd::slack_body(summary, "{rule}: {title}") ==
        R"J({"text":"Surge: 7 matching articles in the window"})J");
}
