#!/usr/bin/env python3
"""Scores rasd's feed parser against third-party suites (issue 3).

1. feedparser (../shared/corpora/feedparser/cases.jsonl): every check whose path is a field our
   contract exposes (feed/item title, link, id/guid, description/summary, content, author,
   published/updated, categories/tags, language) plus `bozo`, mapped to our "recovered from
   malformed input" warnings. Skipped: sanitize/ files, iTunes/GeoRSS/PSC fields, and paths
   outside the contract (*_detail.base/type/language, rights, contributors, ...). Reported per
   category (test folder) and per field.
2. gofeed (../shared/corpora/gofeed/testdata/translator): title, link, guid and published of
   feed and items against the expected JSON beside each input.
3. Robustness: every file of both suites through `rasd parse-feed`; a crash (signal) or a
   sanitizer report fails; so does an error on a well-formed feedparser file.

Usage: scripts/eval/feeds.py [--rasd PATH] [--corpora DIR] [--verbose]
Exit status 0 when the targets (>= 95 % of the in-scope checks of each suite, no crash, every
well-formed file parsed) are met, 1 when not, 2 when the corpora are missing.
"""
import argparse
import collections
import datetime
import email.utils
import html.parser
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

SKIP_FIELD_PREFIXES = ("itunes", "geo", "georss", "where", "psc", "media")
FEED_FIELDS = {
    "title": "title", "title_detail.value": "title",
    "link": "link", "language": "language",
}
ITEM_FIELDS = {
    "title": "title", "title_detail.value": "title",
    "link": "link", "id": "guid", "guid": "guid",
    "description": "summary", "summary": "summary", "summary_detail.value": "summary",
    "content.value": "content",
    "author": "author", "author_detail.name": "author",
    "published": "published", "published_parsed": "published",
    "updated": "updated", "updated_parsed": "updated",
    "tags.term": "categories", "category": "categories",
}


class _TextOf(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


def decoded_text(value):
    """The text a reader sees: tags removed, entities decoded, white space collapsed. Titles are
    plain text in our contract and HTML-ish in feedparser's; summaries and content are HTML in
    both, but feedparser sanitizes and rewrites it. Comparing the text is what the entities/
    and encoding/ tests are about."""
    if not isinstance(value, str):
        return value
    p = _TextOf()
    p.feed(value)
    p.close()
    return " ".join("".join(p.parts).split())


TEXT_FIELDS = {"title", "summary", "content", "author", "categories", "description"}
PLAIN_FIELDS = {"title", "author", "categories"}  # plain text in our output: not parsed as HTML


def collapsed(value):
    return " ".join(value.split()) if isinstance(value, str) else value


def run_rasd(rasd, path, content_type="", base=""):
    argv = [rasd, "parse-feed", path]
    if content_type:
        argv += ["--content-type", content_type]
    if base:
        argv += ["--base-url", base]
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=1")
    p = subprocess.run(argv, capture_output=True, timeout=60, env=env)
    result = {"rc": p.returncode, "stderr": p.stderr.decode("utf-8", "replace")}
    if p.returncode == 0:
        result["out"] = json.loads(p.stdout.decode("utf-8"))
    return result


def to_utc(value):
    """A feedparser date (9-tuple or RFC 822/ISO string) as an RFC 3339 UTC string, or None."""
    if value is None:
        return None
    if isinstance(value, list):
        return datetime.datetime(*value[:6]).strftime("%Y-%m-%dT%H:%M:%SZ")
    try:
        d = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            d = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return "unparsed:" + value
    if d.tzinfo is None:
        d = d.replace(tzinfo=datetime.timezone.utc)
    return d.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def classify(path):
    """(scope key, our field) for a feedparser check path, or None when out of scope."""
    if path == ["bozo"]:
        return ("bozo", "bozo")
    if len(path) < 2 or path[0] not in ("feed", "entries"):
        return None
    if path[0] == "feed":
        key = ".".join(str(p) for p in path[1:])
        return ("feed." + key, FEED_FIELDS[key]) if key in FEED_FIELDS else None
    if len(path) < 3 or not isinstance(path[1], int):
        return None
    rest = [p for p in path[2:] if not isinstance(p, int)]
    key = ".".join(rest)
    if key.split(".")[0].startswith(SKIP_FIELD_PREFIXES):
        return None
    return ("entries." + key, ITEM_FIELDS[key]) if key in ITEM_FIELDS else None


def our_value(out, path, field):
    if field == "bozo":
        return len(out.get("warnings", [])) > 0
    if path[0] == "feed":
        return out["feed"].get(field)
    items = out["items"]
    i = path[1]
    if i >= len(items):
        raise LookupError("no item %d" % i)
    v = items[i].get(field)
    if field == "categories":
        j = next((p for p in path[3:] if isinstance(p, int)), 0)
        if j >= len(v):
            raise LookupError("no category %d" % j)
        return v[j]
    return v


def check_passes(out, check, field):
    path, op, expected = check["path"], check["op"], check["value"]
    try:
        got = our_value(out, path, field)
    except LookupError:
        return False, None
    if field in ("published", "updated"):
        expected = to_utc(expected)
    elif field in TEXT_FIELDS:
        got = collapsed(got) if field in PLAIN_FIELDS else decoded_text(got)
        expected = decoded_text(expected)
    elif isinstance(expected, str) and isinstance(got, str):
        got = got.strip()
        expected = expected.strip()
    if op == "==":
        return got == expected, got
    return got != expected, got


def eval_feedparser(rasd, root, verbose):
    cases = [json.loads(l) for l in open(os.path.join(root, "cases.jsonl"), encoding="utf-8")]
    per_cat = collections.defaultdict(lambda: [0, 0])
    per_field = collections.defaultdict(lambda: [0, 0])
    crashes, wellformed_errors, failures = [], [], []

    def work(case):
        path = os.path.join(root, case["file"])
        ct = ""
        for k, v in case.get("http_headers") or []:
            if k.lower() == "content-type":
                ct = v
        base = "http://127.0.0.1:8097/" + case["file"]
        return case, run_rasd(rasd, path, ct, base)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(work, cases))
    for case, res in results:
        f = case["file"]
        parts = f.split("/")
        cat = parts[1] if parts[1] != "wellformed" else "wellformed/" + parts[2]
        if res["rc"] < 0 or "Sanitizer" in res["stderr"] or res["rc"] not in (0, 2):
            crashes.append((f, res["rc"], res["stderr"][-300:]))
            continue
        if cat == "wellformed/sanitize":
            continue
        if res["rc"] != 0 and parts[1] == "wellformed":
            wellformed_errors.append((f, res["stderr"].strip()))
        for check in case.get("checks") or []:
            c = classify(check["path"])
            if c is None:
                continue
            key, field = c
            if res["rc"] != 0:
                ok, got = (field == "bozo" and check["value"] is True and check["op"] == "=="), None
            else:
                ok, got = check_passes(res["out"], check, field)
            per_cat[cat][0] += ok
            per_cat[cat][1] += 1
            per_field[key][0] += ok
            per_field[key][1] += 1
            if not ok:
                failures.append((f, check, got))
    return per_cat, per_field, crashes, wellformed_errors, failures


GOFEED_FEED = {"title": "title", "link": "link", "description": "description", "language": "language",
               "feedLink": "self"}
GOFEED_ITEM = {"title": "title", "link": "link", "guid": "guid", "description": "summary", "content": "content",
               "publishedParsed": "published", "updatedParsed": "updated", "author": "author",
               "categories": "categories"}


def gofeed_value(key, value):
    """An expected gofeed value in our form."""
    if key == "author":
        return (value or {}).get("name")
    if key in ("publishedParsed", "updatedParsed"):
        return to_utc(value) if value else None
    return value


def eval_gofeed(rasd, root, verbose):
    """The translator cases: every field of the expected JSON that our contract exposes."""
    base = os.path.join(root, "testdata", "translator")
    per_field = collections.defaultdict(lambda: [0, 0])
    crashes, failures, jobs = [], [], []
    for kind in sorted(os.listdir(base)):
        for name in sorted(os.listdir(os.path.join(base, kind))):
            p = os.path.join(base, kind, name)
            if kind == "json":
                if name.endswith("_expected.json"):
                    jobs.append((p[: -len("_expected.json")] + ".json", p))
            elif name.endswith(".json") and os.path.exists(p[:-5] + ".xml"):
                jobs.append((p[:-5] + ".xml", p))
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda j: (j, run_rasd(rasd, j[0])), jobs))
    for (src, exp_path), res in results:
        if res["rc"] < 0 or "Sanitizer" in res["stderr"]:
            crashes.append((src, res["rc"], res["stderr"][-300:]))
            continue
        expected = json.load(open(exp_path, encoding="utf-8"))
        out = res.get("out") or {"feed": {}, "items": []}
        pairs = []
        for k, ours in GOFEED_FEED.items():
            if k in expected:
                pairs.append(("feed." + k, gofeed_value(k, expected[k]), out["feed"].get(ours)))
        for i, item in enumerate(expected.get("items") or []):
            got_item = out["items"][i] if i < len(out["items"]) else {}
            for k, ours in GOFEED_ITEM.items():
                if k in item:
                    pairs.append(("items." + k, gofeed_value(k, item[k]), got_item.get(ours)))
        for key, want, got in pairs:
            field = key.split(".")[1]
            if field in ("title", "description", "content"):
                want = decoded_text(want)
                got = collapsed(got) if field == "title" else decoded_text(got)
            if isinstance(want, str):
                want = want.strip() or None
            if isinstance(got, str):
                got = got.strip() or None
            if got == [] and want is None:
                got = None
            ok = want == got
            per_field[key][0] += ok
            per_field[key][1] += 1
            if not ok:
                failures.append((src, key, want, got))
    return per_field, crashes, failures, len(jobs)


def robustness(rasd, root):
    """Every file of the gofeed suite outside translator/ through the parser: no crash."""
    files = []
    for d, _, names in os.walk(os.path.join(root, "testdata")):
        if "translator" in d:
            continue
        files += [os.path.join(d, n) for n in names]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda p: (p, run_rasd(rasd, p)), files))
    return len(files), [(p, r["rc"], r["stderr"][-300:]) for p, r in results
                        if r["rc"] < 0 or "Sanitizer" in r["stderr"] or r["rc"] not in (0, 2)]


def pct(a, b):
    return 100.0 * a / b if b else 100.0


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rasd", default=os.path.join(here, "..", "..", "build", "release", "daemon", "rasd"))
    ap.add_argument("--corpora", default=os.path.join(here, "..", "..", "..", "shared", "corpora"))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    fp_root = os.path.join(args.corpora, "feedparser")
    go_root = os.path.join(args.corpora, "gofeed")
    if not os.path.isdir(fp_root) or not os.path.isdir(go_root):
        print("SKIPPED: %s not found; the feed evaluation did not run" % args.corpora)
        return 2
    ok = True

    per_cat, per_field, crashes, wf_errors, failures = eval_feedparser(args.rasd, fp_root, args.verbose)
    print("== feedparser suite: in-scope checks by category ==")
    tp = tt = 0
    for cat in sorted(per_cat):
        p, t = per_cat[cat]
        tp += p
        tt += t
        print("  %-28s %5d / %-5d %6.1f %%" % (cat, p, t, pct(p, t)))
    print("  %-28s %5d / %-5d %6.1f %%  (target 95 %%)" % ("ALL", tp, tt, pct(tp, tt)))
    print("== feedparser suite: by field ==")
    for key in sorted(per_field, key=lambda k: -per_field[k][1]):
        p, t = per_field[key]
        print("  %-28s %5d / %-5d %6.1f %%" % (key, p, t, pct(p, t)))
    print("well-formed files that failed to parse: %d" % len(wf_errors))
    for f, e in wf_errors[:20]:
        print("  %s: %s" % (f, e))
    if args.verbose:
        for f, check, got in failures:
            print("  FAIL %s %s %r (got %r)" % (f, ".".join(map(str, check["path"])), check["value"], got))
    ok &= pct(tp, tt) >= 95.0 and not wf_errors

    go_field, go_crashes, go_failures, go_files = eval_gofeed(args.rasd, go_root, args.verbose)
    print("== gofeed translator (%d files): by field ==" % go_files)
    gp = gt = 0
    for key in sorted(go_field):
        p, t = go_field[key]
        gp += p
        gt += t
        print("  %-28s %5d / %-5d %6.1f %%" % (key, p, t, pct(p, t)))
    print("  %-28s %5d / %-5d %6.1f %%  (target 95 %%)" % ("ALL", gp, gt, pct(gp, gt)))
    if args.verbose:
        for src, key, want, got in go_failures:
            print("  FAIL %s %s want %r got %r" % (src, key, want, got))
    ok &= pct(gp, gt) >= 95.0

    n_other, other_crashes = robustness(args.rasd, go_root)
    all_crashes = crashes + go_crashes + other_crashes
    n_fp = sum(1 for _ in open(os.path.join(fp_root, "cases.jsonl")))
    print("== robustness: %d feedparser + %d gofeed files; crashes or sanitizer reports: %d ==" %
          (n_fp, go_files + n_other, len(all_crashes)))
    for f, rc, err in all_crashes[:20]:
        print("  %s: rc=%s %s" % (f, rc, err))
    ok &= not all_crashes
    print("RESULT: %s" % ("targets met" if ok else "targets NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
