// Store::Batch, and the search rows it stages on SQLite (store.hpp).
#include "rasd/daemon/store.hpp"

namespace rasd {

Store::Batch::Batch(Store& store)
    : store_(store),
      outermost_(!store.db_->in_transaction()),
      tx_(std::make_unique<sql::Transaction>(*store.db_)) {
  if (outermost_ && store_.db_->dialect() == sql::Dialect::sqlite) {
    // Per connection, so created here rather than by a migration; inside the transaction,
    // so a rollback of the whole batch drops it too and the next batch creates it again.
    store_.db_->exec(
        "CREATE TEMP TABLE IF NOT EXISTS search_stage(rowid INTEGER PRIMARY KEY, words TEXT NOT "
        "NULL, stems TEXT NOT NULL)");
    store_.staging_search_ = true;
  }
}

Store::Batch::~Batch() {
  if (outermost_) store_.staging_search_ = store_.search_staged_ = false;
}

void Store::Batch::commit() {
  if (outermost_ && store_.search_staged_) store_.flush_staged_search();
  tx_->commit();
  if (outermost_) store_.staging_search_ = store_.search_staged_ = false;
}

void Store::write_search_row(int64_t article_id, std::string_view words, std::string_view stems) {
  cached(staging_search_ ? "INSERT INTO temp.search_stage(rowid, words, stems) VALUES(?1, ?2, ?3)"
                         : "INSERT INTO article_search(rowid, words, stems) VALUES(?1, ?2, ?3)")
      ->bind(1, article_id)
      .bind(2, words)
      .bind(3, stems)
      .run();
  search_staged_ = search_staged_ || staging_search_;
}

void Store::flush_staged_search() {
  // One statement: FTS5 sees one statement journal, before any of its own writes. OR REPLACE:
  // a stale search row under a new article's id (left by a store an older rasd wrote) gives
  // way, rather than failing every answer of the batch at each try.
  cached(
      "INSERT OR REPLACE INTO article_search(rowid, words, stems) SELECT rowid, words, stems "
      "FROM temp.search_stage ORDER BY rowid")
      ->run();
  cached("DELETE FROM temp.search_stage")->run();
  search_staged_ = false;
}

}  // namespace rasd
