// Store: a copy of every row into another store (`rasd migrate --from sqlite:PATH --to
// postgresql://…`). Both schemas are the same table for table and column for column
// (store_migrations_pg.cpp), so each table is read in insertion order and written with the same
// columns, its ids and rowids kept: what refers to a row (foreign keys, the dashboard's keyset
// cursors, delivery order) means the same in the copy.
#include <array>

#include "rasd/daemon/sqlite.hpp"
#include "rasd/daemon/store.hpp"

namespace rasd {
namespace {

// In an order that inserts every row after the rows it refers to.
constexpr std::array<std::string_view, 16> kTables = {
    "sources",          "articles",           "article_search", "webhook_endpoints", "alerts",
    "alert_members",    "alert_hits",         "deliveries",     "delivery_attempts", "page_fetches",
    "threshold_events", "threshold_episodes", "silences",       "held_back",         "coverage",
    "delivery_groups"};

// The columns a table stores, in their order; not `rowid` (PostgreSQL's explicit one) nor the
// generated tsvector, which both stores number or compute themselves.
std::vector<std::string> columns_of(sql::Connection& db, std::string_view table) {
  std::vector<std::string> out;
  sql::Query q(db, db.dialect() == sql::Dialect::postgres
                       ? "SELECT column_name FROM information_schema.columns WHERE table_name = ?1 "
                         "AND table_schema = current_schema() AND column_name NOT IN ('rowid', "
                         "'tsv') ORDER BY ordinal_position"
                       : "SELECT name FROM pragma_table_info(?1)");
  q.bind(1, table);
  while (q.step()) out.push_back(q.text(0));
  return out;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += '"' + n + '"';
  }
  return out;
}

// One read snapshot of the source for the whole copy, so that rows a running writer adds
// meanwhile are all in it or all out (no alert without its article); ended without writing.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(sql::Connection& db) : db_(db) {
    db_.exec(db_.dialect() == sql::Dialect::postgres
                 ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                 : "BEGIN");
  }
  ~ReadSnapshot() {
    try {
      db_.exec("ROLLBACK");
    } catch (const sql::StoreError&) {  // a lost connection ends it anyway
    }
  }
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;

 private:
  sql::Connection& db_;
};

}  // namespace

std::vector<Store::CopiedTable> Store::copy_into(
    Store& target, const std::function<void(const CopiedTable&)>& progress) {
  if (schema_version() != kSchemaVersion || target.schema_version() != kSchemaVersion) {
    throw sql::StoreError("both stores must be at schema version " +
                              std::to_string(kSchemaVersion) + " (run this rasd on each first)",
                          SQLITE_MISMATCH);
  }
  sql::Connection& to = *target.db_;
  ReadSnapshot snapshot(*db_);
  sql::Transaction tx(to);
  for (const auto table : kTables) {
    sql::Query count(to, "SELECT count(*) FROM " + std::string(table));
    count.step();
    if (count.int64(0) != 0) {
      throw sql::StoreError("the target store is not empty (" + std::string(table) + " has " +
                                std::to_string(count.int64(0)) + " rows); copy into a new one",
                            SQLITE_CONSTRAINT);
    }
  }
  std::vector<CopiedTable> out;
  for (const auto table : kTables) {
    const std::vector<std::string> cols = columns_of(*db_, table);
    if (cols != columns_of(to, table)) {
      throw sql::StoreError("table " + std::string(table) + " has other columns in the target",
                            SQLITE_MISMATCH);
    }
    // articles' id is its rowid; the search table's rowid is the article's id; every other
    // table's insertion order is its rowid, kept too.
    const bool own_rowid = table != "articles";
    std::string select = "SELECT " + joined(cols);
    std::string insert = "INSERT INTO " + std::string(table) + "(" + joined(cols);
    if (own_rowid) {
      select += ", rowid";
      insert += ", rowid";
    }
    select += " FROM " + std::string(table) + " ORDER BY " + (own_rowid ? "rowid" : "id");
    const size_t n = cols.size() + (own_rowid ? 1 : 0);
    insert += ")";
    // PostgreSQL generates the rowid identity itself unless told to take ours.
    if (own_rowid && table != "article_search" && to.dialect() == sql::Dialect::postgres)
      insert += " OVERRIDING SYSTEM VALUE";
    insert += " VALUES(";
    for (size_t i = 1; i <= n; ++i) insert += (i > 1 ? ",?" : "?") + std::to_string(i);
    insert += ")";
    auto ins = to.prepare(insert);
    sql::Query rows(*db_, select);
    CopiedTable copied{std::string(table), 0};
    while (rows.step()) {
      for (size_t c = 0; c < n; ++c) {
        const int col = static_cast<int>(c);
        if (rows.is_null(col)) {
          ins->bind_null(col + 1);
        } else {
          ins->bind_literal(col + 1, rows.text(col));
        }
      }
      ins->run();
      ++copied.rows;
    }
    if (to.dialect() == sql::Dialect::postgres && table != "article_search") {
      // The next generated id follows the copied ones.
      const std::string key = own_rowid ? "rowid" : "id";
      to.exec("SELECT setval(pg_get_serial_sequence('" + std::string(table) + "', '" + key +
              "'), (SELECT coalesce(max(" + key + "), 0) + 1 FROM " + std::string(table) +
              "), false)");
    }
    if (progress) progress(copied);
    out.push_back(std::move(copied));
  }
  tx.commit();
  return out;
}

}  // namespace rasd
