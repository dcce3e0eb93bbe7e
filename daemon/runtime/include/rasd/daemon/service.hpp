// `rasd run`: loads config and rules, opens the store, and drives the Monitor and Deliverer
// from one Boost.Asio event loop. SIGTERM/SIGINT stop it after the current unit of work;
// SIGHUP reloads config and rules into a staging copy and swaps them in only when valid
// (a failed reload is logged and the old set stays). Reports READY=1 / WATCHDOG=1 / STATUS= to
// systemd when NOTIFY_SOCKET is set.
#pragma once

#include <memory>
#include <string>

namespace spdlog {
class logger;
}

namespace rasd {

struct ServiceOptions {
  std::string config_path;
  bool once = false;
  int tick_ms = 1000;  // how often due sources and deliveries are checked
};

// Returns the process exit status: 0 ok, 1 runtime failure, 2 bad configuration.
int run_service(const ServiceOptions& options, std::shared_ptr<spdlog::logger> log);

}  // namespace rasd
