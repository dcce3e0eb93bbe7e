// The wall clock the daemon runs on: the system's. In builds with the test-only fault hooks,
// RASD_FAULT_CLOCK_FILE names a file holding an offset in seconds that is added to it (read
// again at most every 100 ms), so that a test can make the clock jump under a running daemon.
#pragma once

#include <memory>

#include "rasd/daemon/env.hpp"

namespace rasd {

std::unique_ptr<Clock> make_daemon_clock();

}  // namespace rasd
