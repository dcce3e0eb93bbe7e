// `rasd migrate --from sqlite:PATH --to postgresql://…`: copies a store into a new one (see
// Store::copy_into). The source is opened read-only and never changed; the target is created
// (its schema migrated) and must be empty; the copy is one transaction of the target's, so a
// failure leaves it as empty as it was.
#include <ostream>

#include "commands.hpp"
#include "rasd/daemon/postgres.hpp"
#include "rasd/daemon/store.hpp"

namespace rasd::cli {
namespace {

// "sqlite:PATH" or a plain path is an SQLite file; a postgresql:// URL is itself.
std::string location_of(const std::string& arg) {
  if (arg.rfind("sqlite:", 0) == 0) return arg.substr(7);
  return arg;
}

std::string shown(const std::string& location) {
  return sql::is_postgres_url(location) ? sql::redact_postgres_url(location) : "sqlite:" + location;
}

}  // namespace

int cmd_migrate(const std::string& from_arg, const std::string& to_arg, std::ostream& out,
                std::ostream& err) {
  const std::string from = location_of(from_arg), to = location_of(to_arg);
  if (from == to) {
    err << "rasd: migrate: --from and --to name the same store\n";
    return 2;
  }
  try {
    StoreOptions read_only;
    read_only.read_only = true;
    Store source(from, read_only);
    Store target(to);
    int64_t rows = 0;
    source.copy_into(target, [&](const Store::CopiedTable& t) {
      out << t.table << ": " << t.rows << " rows\n";
      rows += t.rows;
    });
    out << "copied " << rows << " rows from " << shown(from) << " to " << shown(to) << "\n";
    return 0;
  } catch (const sql::StoreError& e) {
    err << "rasd: migrate from " << shown(from) << " to " << shown(to) << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace rasd::cli
