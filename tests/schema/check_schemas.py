#!/usr/bin/python3
"""Validates the shipped configuration and rule files against config/schema/*.json, and checks
that the schemas reject what rasd rejects (an unknown key, a bad enum value, a missing id).
Run by CTest as schema:files. Needs Debian's python3-jsonschema and python3-yaml."""
import glob
import json
import os
import sys

import jsonschema
import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


def main():
    config_schema = json.load(open(os.path.join(ROOT, "config/schema/rasd.schema.json")))
    rules_schema = json.load(open(os.path.join(ROOT, "config/schema/rules.schema.json")))
    webhook_schema = json.load(open(os.path.join(ROOT, "config/schema/webhook.schema.json")))
    for s in (config_schema, rules_schema, webhook_schema):
        jsonschema.Draft202012Validator.check_schema(s)
    cv = jsonschema.Draft202012Validator(config_schema)
    rv = jsonschema.Draft202012Validator(rules_schema)
    failures = 0
    configs = [os.path.join(ROOT, "config", n) for n in ("rasd.yaml", "demo.yaml")]
    rules = sorted(glob.glob(os.path.join(ROOT, "config", "rules", "*.yaml")))
    for path, v in [(p, cv) for p in configs] + [(p, rv) for p in rules]:
        errors = list(v.iter_errors(load(path)))
        for e in errors:
            print(f"{os.path.relpath(path, ROOT)}: {'/'.join(map(str, e.path))}: {e.message}")
        failures += bool(errors)
        print(f"{os.path.relpath(path, ROOT)}: {'ok' if not errors else 'INVALID'}")
    # The schemas must refuse what rasd refuses.
    bad = [
        (cv, {"sources": [{"id": "a", "url": "https://x.example/", "intervall": "5m"}]}, "unknown source key"),
        (cv, {"sources": [{"id": "a", "url": "https://x.example/", "type": "pdf"}]}, "bad source type"),
        (cv, {"webhooks": [{"url": "https://x.example/"}]}, "webhook without name"),
        (cv, {"stor": {}}, "unknown top-level key"),
        (cv, {"defaults": {"body_budget": "lots"}}, "bad body_budget size"),
        (rv, {"rules": [{"id": "r", "query": "a", "severity": "urgent"}]}, "bad severity"),
        (rv, {"rules": [{"query": "a"}]}, "rule without id"),
    ]
    for v, doc, what in bad:
        if v.is_valid(doc):
            print(f"schema accepts an invalid document: {what}")
            failures += 1
    print("schemas:", "ok" if failures == 0 else f"{failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
