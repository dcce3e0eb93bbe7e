#!/usr/bin/python3
"""Every webhook body rasd sends is described by config/schema/webhook.schema.json (issue 19).

Runs the real rasd binary (argv[1]) against a feed server and a webhook receiver on 127.0.0.1
(Python's http.server, one thread each): `rasd run --once` raises a per-article alert.created,
an alert.updated (a second outlet's copy of the story), a threshold rule's alert.created and
alerts past a rule's max_alerts (whose alert.suppressed notice the daemon sends a second later),
each to a webhook with `group: false`; the same alerts to a webhook that groups (alert.group,
formed when --once ends) and to one that takes digests every second (alert.digest);
then `rasd run` is sent SIGHUP over a broken rule file and raises the internal alert
rasd.reload_failed. Each body received is validated against the schema, each kind must have
been seen, and the schema must refuse a few wrong bodies. Run by CTest as schema:webhooks.
Needs Debian's python3-jsonschema."""
import http.server
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import jsonschema

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

FEEDS = {
    "/a.xml": [("a1", "هجوم لداعش قرب البوكمال", "أعلن مصدر أمني أن عناصر من داعش هاجموا نقطة "
                "عسكرية قرب البوكمال فجر اليوم وأن اشتباكات استمرت ساعتين"),
               ("a2", "داعش يتبنى تفجيرا في الرقة", "تبنى تنظيم داعش تفجيرا استهدف سوقا في الرقة "
                "وأسفر عن إصابات بين المدنيين بحسب مصادر محلية")],
    "/b.xml": [("b1", "هجوم لداعش قرب البوكمال", "أعلن مصدر أمني أن عناصر من داعش هاجموا نقطة "
                "عسكرية قرب البوكمال فجر اليوم وأن اشتباكات استمرت ساعتين"),
               ("b2", "ISIS claims an attack near Raqqa", "ISIS (داعش) claimed an attack on a "
                "checkpoint near Raqqa on Tuesday, local sources said")],
}


def rss(items):
    out = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
    for guid, title, body in items:
        out += (f"<item><guid>{guid}</guid><title>{title}</title><link>https://news.example/{guid}"
                f"</link><description>{body}</description></item>")
    return (out + "</channel></rss>").encode()


def main():
    rasd = sys.argv[1]
    schema = json.load(open(os.path.join(ROOT, "config", "schema", "webhook.schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    bodies, lock = [], threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            data = rss(FEEDS.get(self.path, []))
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            with lock:
                bodies.append(self.rfile.read(n).decode())
            self.send_response(204)
            self.end_headers()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    work = tempfile.mkdtemp(prefix="rasd-webhook-schema-")
    failures = 0
    try:
        rules = os.path.join(work, "rules.yaml")
        with open(rules, "w", encoding="utf-8") as f:
            f.write("rules:\n"
                    "  - {id: isis, title: ISIS, query: داعش, severity: high, tags: [isis], "
                    "notify: [hook, grouped, digest]}\n"
                    "  - {id: surge, title: ISIS surge, query: داعش, notify: [hook, grouped, digest], "
                    "threshold: {count: 3, window: 1h, distinct_sources: 2}}\n"
                    "  - {id: limited, title: Limited, query: داعش, notify: [hook, grouped, digest], "
                    "max_alerts: {count: 1, per: 1s}}\n")
        cfg = os.path.join(work, "rasd.yaml")
        with open(cfg, "w") as f:
            f.write(f"store: {{path: {work}/rasd.db}}\nrules: [{rules}]\n"
                    "network: {allow_private: true}\nhttp: {listen: \"\"}\n"
                    "defaults: {per_host_gap: 0}\n"
                    f"webhooks:\n  - {{name: hook, url: \"{base}/hook\", group: false}}\n"
                    f"  - {{name: grouped, url: \"{base}/grouped\"}}\n"
                    f"  - {{name: digest, url: \"{base}/digest\", digest: {{every: 1s}}}}\n"
                    f"sources:\n  - {{id: a, url: \"{base}/a.xml\"}}\n"
                    f"  - {{id: b, url: \"{base}/b.xml\"}}\n")
        r = subprocess.run([rasd, "run", "--once", "--config", cfg], capture_output=True, text=True)
        if r.returncode != 0:
            print("rasd run --once failed:", r.stderr[-2000:])
            return 1
        # The daemon, and a reload that fails: the internal alert.
        proc = subprocess.Popen([rasd, "run", "--config", cfg, "--tick-ms", "100"],
                                stderr=subprocess.DEVNULL)
        time.sleep(1.5)
        with open(rules, "a", encoding="utf-8") as f:
            f.write("  - {id: broken, query: 'داعش AND'}\n")
        proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with lock:
                if (any('"rasd.reload_failed"' in b for b in bodies) and
                        any('"alert.digest"' in b for b in bodies)):
                    break
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)

    kinds = set()
    for b in bodies:
        doc = json.loads(b)
        errors = list(validator.iter_errors(doc))
        kind = (doc.get("type"), "threshold" if "threshold" in doc else
                "internal" if doc.get("rule", {}).get("id", "").startswith("rasd.") else "article")
        kinds.add(kind)
        for e in errors:
            print(f"{kind}: {'/'.join(map(str, e.absolute_path))}: {e.message}")
        failures += bool(errors)
        print(f"{kind[0]} ({kind[1]}): {'ok' if not errors else 'INVALID'}")
    for want in [("alert.created", "article"), ("alert.updated", "article"),
                 ("alert.created", "threshold"), ("alert.created", "internal"),
                 ("alert.suppressed", "article"), ("alert.group", "article"),
                 ("alert.digest", "article")]:
        if want not in kinds:
            print("no body of this kind was sent:", want)
            failures += 1
    # The schema must refuse wrong bodies.
    sample = next((json.loads(b) for b in bodies if "cluster" in json.loads(b)), None)
    if sample:
        for what, change in [("unknown key", lambda d: d.update(extra=1)),
                             ("bad type", lambda d: d.update(type="alert.deleted")),
                             ("hit without view", lambda d: d["article"]["hits"][0].pop("view")
                              if d["article"]["hits"] else d["article"].pop("hits")),
                             ("cluster and threshold", lambda d: d.update(threshold={}))]:
            doc = json.loads(json.dumps(sample))
            change(doc)
            if validator.is_valid(doc):
                print("schema accepts a wrong body:", what)
                failures += 1
    group = next((json.loads(b) for b in bodies if '"alert.group"' in b), None)
    if group:
        for what, change in [("group alert without a rule", lambda d: d["alerts"][0].pop("rule")),
                             ("group without its count", lambda d: d["group"].pop("count")),
                             ("unknown group key", lambda d: d["group"]["key"].update(x="y"))]:
            doc = json.loads(json.dumps(group))
            change(doc)
            if validator.is_valid(doc):
                print("schema accepts a wrong body:", what)
                failures += 1
    print(f"{len(bodies)} bodies:", "ok" if failures == 0 else f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
