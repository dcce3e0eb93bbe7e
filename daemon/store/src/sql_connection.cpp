#include "rasd/daemon/sql_connection.hpp"

namespace rasd::sql {

Transaction::Transaction(Connection& db) : db_(db), nested_(db.in_transaction()) {
  db_.exec(nested_ ? std::string_view("SAVEPOINT nested") : db_.begin_sql());
}

Transaction::~Transaction() {
  if (done_) return;
  // The undo must not throw from a destructor; a failure here means the connection is gone,
  // which rolls the transaction back anyway.
  try {
    if (nested_) {
      if (db_.in_transaction()) {
        db_.exec("ROLLBACK TO nested");
        db_.exec("RELEASE nested");
      }
    } else if (db_.in_transaction()) {
      db_.exec("ROLLBACK");
    }
  } catch (const StoreError&) {
  }
}

void Transaction::commit() {
  db_.exec(nested_ ? "RELEASE nested" : "COMMIT");
  done_ = true;
}

}  // namespace rasd::sql
