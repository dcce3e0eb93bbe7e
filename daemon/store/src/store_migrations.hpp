// Internal to store/: the schema, as the migrations that build it (store_migrations.cpp).
#pragma once

#include <array>
#include <string_view>

#include "rasd/daemon/store.hpp"

namespace rasd::detail {

// Migration N brings the schema from version N-1 to N; Store::migrate() runs each in its own
// transaction. Never edit a released entry; append.
extern const std::array<std::string_view, Store::kSchemaVersion> kMigrations;

}  // namespace rasd::detail
