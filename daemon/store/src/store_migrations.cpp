// The schema of the store, as the migrations that build it (see store_migrations.hpp).
#include "store_migrations.hpp"

namespace rasd::detail {

const std::array<std::string_view, Store::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE sources(
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_fetch INTEGER,
  last_success INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  failures INTEGER NOT NULL DEFAULT 0,
  next_due INTEGER NOT NULL DEFAULT 0,
  interval INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE articles(
  id INTEGER PRIMARY KEY,
  source_id TEXT NOT NULL,
  guid TEXT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  lang TEXT NOT NULL DEFAULT '',
  published INTEGER,
  fetched_at INTEGER NOT NULL,
  UNIQUE(source_id, guid)
);
CREATE TABLE alerts(
  id TEXT PRIMARY KEY,
  rule_id TEXT NOT NULL,
  severity TEXT NOT NULL,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  created_at INTEGER NOT NULL,
  payload TEXT NOT NULL,
  UNIQUE(rule_id, article_id)
);
CREATE INDEX alerts_created ON alerts(created_at);
CREATE TABLE deliveries(
  id TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  webhook TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL,
  last_status INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  delivered_at INTEGER
);
CREATE INDEX deliveries_due ON deliveries(state, next_attempt);
CREATE TABLE delivery_attempts(
  delivery_id TEXT NOT NULL REFERENCES deliveries(id),
  at INTEGER NOT NULL,
  status INTEGER,
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX delivery_attempts_id ON delivery_attempts(delivery_id);
)sql",
    // 2: story clusters. An alert belongs to a cluster; later articles of the cluster are its
    // members, and their alert.updated deliveries carry their own body.
    R"sql(
ALTER TABLE articles ADD COLUMN cluster TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN cluster TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN payload TEXT;
CREATE TABLE alert_members(
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  article_id INTEGER NOT NULL REFERENCES articles(id),
  source_id TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  PRIMARY KEY(alert_id, article_id)
);
INSERT INTO alert_members SELECT a.id, a.article_id, r.source_id, a.created_at
  FROM alerts a JOIN articles r ON r.id = a.article_id;
CREATE INDEX alerts_rule_cluster ON alerts(rule_id, cluster);
CREATE INDEX articles_fetched ON articles(fetched_at);
)sql",
    // 3: full-text search over the engine's normalized text (FTS5 does not fold Arabic: the words
    // column holds the collapsed view's tokens, the stems column their proclitic-free stems; rowid
    // is the article's id), the state of webhook endpoints (410 Gone disables one), the identity
    // hashes of articles and the rule hits behind each alert.
    R"sql(
CREATE VIRTUAL TABLE article_search USING fts5(words, stems, tokenize = 'unicode61 remove_diacritics 0');
CREATE TABLE webhook_endpoints(
  name TEXT PRIMARY KEY,
  disabled_at INTEGER,
  reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_members_article ON alert_members(article_id);
ALTER TABLE articles ADD COLUMN canonical_url TEXT NOT NULL DEFAULT '';
ALTER TABLE articles ADD COLUMN content_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX articles_canonical_url ON articles(canonical_url);
CREATE TABLE alert_hits(
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  article_id INTEGER NOT NULL REFERENCES articles(id),
  field TEXT NOT NULL,
  start INTEGER NOT NULL,
  end INTEGER NOT NULL,
  text TEXT NOT NULL,
  view TEXT NOT NULL
);
CREATE INDEX alert_hits_alert ON alert_hits(alert_id);
CREATE INDEX alerts_article ON alerts(article_id);
)sql",
    // 4: follow-up page fetches are durable (an html source's article links, a full_text feed's
    // items with their teasers): a section page's validators commit in the transaction that
    // queues the pages it links to, and a restart resumes them. The poison-source guard counts
    // unclean exits blamed on a source and quarantines it.
    R"sql(
CREATE TABLE page_fetches(
  source_id TEXT NOT NULL,
  url TEXT NOT NULL,
  teaser TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'pending',
  last_error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  PRIMARY KEY(source_id, url)
);
CREATE INDEX page_fetches_due ON page_fetches(state, next_attempt);
ALTER TABLE sources ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sources ADD COLUMN quarantined_at INTEGER;
ALTER TABLE sources ADD COLUMN quarantine_reason TEXT NOT NULL DEFAULT '';
CREATE INDEX delivery_attempts_at ON delivery_attempts(at);
CREATE INDEX deliveries_alert ON deliveries(alert_id);
CREATE INDEX deliveries_webhook_due ON deliveries(webhook, state, next_attempt);
CREATE INDEX alert_hits_article ON alert_hits(article_id);
)sql",
    // 5: threshold rules. Each matching article that counts is an event (its story cluster,
    // source and event time); a rule's open episode is its alert and when it was last updated.
    R"sql(
CREATE TABLE threshold_events(
  rule_id TEXT NOT NULL,
  article_id INTEGER NOT NULL REFERENCES articles(id),
  cluster TEXT NOT NULL,
  source_id TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  PRIMARY KEY(rule_id, article_id)
);
CREATE INDEX threshold_events_time ON threshold_events(rule_id, event_time);
CREATE INDEX threshold_events_article ON threshold_events(article_id);
CREATE TABLE threshold_episodes(
  rule_id TEXT PRIMARY KEY,
  alert_id TEXT NOT NULL REFERENCES alerts(id),
  opened_at INTEGER NOT NULL,
  last_update_at INTEGER NOT NULL,
  unsent INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 6: one source's articles in fetch order (a backtest or rule test of one source reads
    // them without walking every other source's).
    R"sql(
CREATE INDEX articles_source_fetched ON articles(source_id, fetched_at);
)sql",
    // 7: silences. An alert a silence held back names it; its deliveries were never queued.
    R"sql(
CREATE TABLE silences(
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK(kind IN ('rule', 'source', 'story', 'query')),
  value TEXT NOT NULL,
  author TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  removed_at INTEGER,
  expiry_logged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX silences_expiry ON silences(expires_at);
ALTER TABLE alerts ADD COLUMN silenced_by TEXT NOT NULL DEFAULT '';
)sql",
    // 8: acknowledgement: who saw an alert (and so its story), when, and what they noted.
    R"sql(
ALTER TABLE alerts ADD COLUMN acked_by TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN acked_at INTEGER;
ALTER TABLE alerts ADD COLUMN ack_note TEXT NOT NULL DEFAULT '';
)sql",
    // 9: rate limits (max_alerts). An alert past its rule's limit is stored and held back; the
    // notice of what was held back is due when the rule's window frees up.
    R"sql(
ALTER TABLE alerts ADD COLUMN held_back INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_rule_created ON alerts(rule_id, created_at);
CREATE INDEX silences_unlogged ON silences(expires_at) WHERE expiry_logged = 0;
CREATE TABLE held_back(
  rule_id TEXT PRIMARY KEY,
  alerts INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  notice_due INTEGER NOT NULL,
  last_alert_id TEXT NOT NULL
);
)sql",
    // 10: coverage conditions (the watch watching itself): since when a source has been
    // failing, and the internal alert once it lasted long enough.
    R"sql(
CREATE TABLE coverage(
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  since INTEGER NOT NULL,
  alert_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY(kind, subject)
);
)sql",
    // 11: when an alert's story was first told to a webhook (a max_alerts window counts those,
    // and a story never told is told as new); what a held-back notice is to say of its limit.
    R"sql(
ALTER TABLE alerts ADD COLUMN told_at INTEGER;
UPDATE alerts SET told_at = created_at WHERE silenced_by = '' AND held_back = 0 AND
  EXISTS (SELECT 1 FROM deliveries d WHERE d.alert_id = alerts.id);
CREATE INDEX alerts_rule_told ON alerts(rule_id, told_at) WHERE told_at IS NOT NULL;
ALTER TABLE held_back ADD COLUMN max_count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE held_back ADD COLUMN per_seconds INTEGER NOT NULL DEFAULT 1;
)sql",
    // 12: grouping and digests (alerting.md). A delivery with a group key waits, pending, to be
    // folded into one alert.group or alert.digest delivery (then it is 'grouped', and group_id
    // names the delivery that carried it); delivery_groups says when each group last went out.
    R"sql(
ALTER TABLE deliveries ADD COLUMN group_key TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN group_id TEXT;
CREATE INDEX deliveries_waiting ON deliveries(webhook, group_key, next_attempt)
  WHERE state = 'pending' AND group_key <> '';
CREATE INDEX deliveries_group ON deliveries(group_id) WHERE group_id IS NOT NULL;
CREATE TABLE delivery_groups(
  webhook TEXT NOT NULL,
  group_key TEXT NOT NULL,
  last_sent_at INTEGER NOT NULL,
  sent INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(webhook, group_key)
);
)sql",
    // 13: more coverage conditions: how many links or items a source's last successful fetch
    // found (an html page whose selector matches nothing), and a day of rule matches counted
    // through the members' times (a rule that matches too much). The deliveries that can be
    // sent, indexed apart from those waiting for their group (a long digest's).
    R"sql(
ALTER TABLE sources ADD COLUMN last_items INTEGER;
CREATE INDEX alert_members_added ON alert_members(added_at);
CREATE INDEX deliveries_sendable ON deliveries(next_attempt)
  WHERE state = 'pending' AND group_key = '';
CREATE INDEX deliveries_webhook_sendable ON deliveries(webhook, next_attempt)
  WHERE state = 'pending' AND group_key = '';
CREATE INDEX threshold_events_at ON threshold_events(event_time);
CREATE INDEX coverage_alert ON coverage(alert_id) WHERE alert_id <> '';
)sql",
    // 14: the validity of the TLS certificate last seen from each source and webhook (a coverage
    // condition before it expires), with the origin it was seen at for webhooks (whose URL is
    // not stored elsewhere).
    R"sql(
ALTER TABLE sources ADD COLUMN tls_expires_at INTEGER;
ALTER TABLE sources ADD COLUMN tls_valid_from INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN tls_expires_at INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN tls_valid_from INTEGER;
ALTER TABLE webhook_endpoints ADD COLUMN tls_origin TEXT NOT NULL DEFAULT '';
)sql",
    // 15: the dashboard's filters (store_dashboard.cpp): each alert's source and rule tags as
    // columns of their own ("|isis|syria|"), so a filtered page reads no payload; indexes by rule
    // and by source in insertion order (keyset pages of the newest first).
    R"sql(
ALTER TABLE alerts ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
ALTER TABLE alerts ADD COLUMN tags TEXT NOT NULL DEFAULT '';
UPDATE alerts SET source_id = coalesce((SELECT a.source_id FROM articles a
  WHERE a.id = alerts.article_id), '');
UPDATE alerts SET tags = coalesce((SELECT '|' || group_concat(value, '|') || '|'
  FROM json_each(alerts.payload, '$.rule.tags')), '') WHERE json_valid(payload);
CREATE INDEX alerts_rule ON alerts(rule_id);
CREATE INDEX alerts_source ON alerts(source_id);
)sql",
    // 16: host leases (store_leases.cpp). Instances that share a PostgreSQL store split the
    // work by host: an instance polls a host's sources and fetches its pages only while it holds
    // the host's lease, so per-host limits hold across instances. Times are the database's clock.
    // Deliveries are claimed the same way (claimed_by, claim_expires), so two instances never
    // send one at once. New columns with defaults and a new table only: the previous release
    // runs against this schema unchanged.
    R"sql(
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN claim_expires INTEGER NOT NULL DEFAULT 0;
CREATE INDEX deliveries_claimed ON deliveries(claimed_by) WHERE claimed_by <> '';
CREATE TABLE host_leases(
  host TEXT PRIMARY KEY,
  owner TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL DEFAULT 0,
  not_before INTEGER NOT NULL DEFAULT 0
);
)sql",
    // 17: story keys (store_stories.cpp). Instances sharing a PostgreSQL store find the
    // articles another instance filed under the keys of a new article's story; written on
    // PostgreSQL only. Not for the previous release: it would file stories beside other
    // instances without the keys and locks that keep them one cluster.
    R"sql(
CREATE TABLE story_keys(
  key INTEGER NOT NULL,
  article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
  PRIMARY KEY(key, article_id)
);
CREATE INDEX story_keys_article ON story_keys(article_id);
)sql",
    // 18: story keys without the foreign key and (on PostgreSQL) the rowid: a new article
    // writes about twenty key rows, and each paid a foreign-key check and an identity with its
    // index. A key whose article is gone finds nothing (the read joins articles) and is pruned
    // with the window (Store::prune_story_keys). The previous release runs on it unchanged.
    R"sql(
CREATE TABLE story_keys_18(
  key INTEGER NOT NULL,
  article_id INTEGER NOT NULL,
  PRIMARY KEY(key, article_id)
);
INSERT INTO story_keys_18(key, article_id) SELECT key, article_id FROM story_keys;
DROP TABLE story_keys;
ALTER TABLE story_keys_18 RENAME TO story_keys;
CREATE INDEX story_keys_article ON story_keys(article_id);
)sql",
    // 19: the search table tokenized by FTS5's ascii tokenizer, which splits on ASCII spaces
    // and punctuation only. Its columns hold the engine's tokens (letters, digits and marks)
    // joined by spaces, so each token is one term, as unicode61 found them, at a third less
    // CPU than unicode61's per-character classes (the same vocabulary over the poll bench's
    // 8,000 articles). The previous release writes and queries the table unchanged. The rows
    // are copied, so every term is indexed anew: through a temporary table, so that the file
    // never holds both indexes (the old one's pages are free before the new one is written).
    R"sql(
CREATE TEMP TABLE search_19(id INTEGER PRIMARY KEY, words TEXT NOT NULL, stems TEXT NOT NULL);
INSERT INTO temp.search_19(id, words, stems) SELECT rowid, words, stems FROM article_search;
DROP TABLE article_search;
CREATE VIRTUAL TABLE article_search USING fts5(words, stems, tokenize = 'ascii');
INSERT INTO article_search(rowid, words, stems) SELECT id, words, stems FROM temp.search_19;
DROP TABLE temp.search_19;
)sql"};

// Version 16 adds a table and defaulted columns that rasd 15 never reads: rasd 15 would run on
// it (had it known to look; from 16 on every rasd reads this). Version 17 needs itself; 18 and
// 19 run under 17.
const std::array<int, Store::kSchemaVersion> kOldestBinary = {1,  2,  3,  4,  5,  6,  7,  8,  9, 10,
                                                              11, 12, 13, 14, 15, 15, 17, 17, 17};

}  // namespace rasd::detail
