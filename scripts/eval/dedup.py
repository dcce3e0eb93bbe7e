#!/usr/bin/env python3
"""Story-clustering evaluation (issue 9) on a labelled set built from the Arabic seeds.

For each seed article (a distinct story; 000 and 002 are different stories on the same topic)
it writes the original and six republications by other outlets: a verbatim copy under another
headline, a lightly edited copy (words changed and dropped, one sentence removed), a truncated
copy (first 40 %), a teaser (the first ~40 words, as feed summaries are), an obfuscated copy
(د|عـ.ـش-style spellings, tatweel, glued place names) and a copy whose opening sentence is
rewritten. All articles go through `rasd dedup` in a shuffled order; precision and recall of
"same story" are computed over all pairs. Targets: >= 0.95 for both.

Usage: scripts/eval/dedup.py [--rasd PATH] [--seeds DIR] [--verbose]
Exit 0 when the targets are met, 1 when not, 2 when the seeds are missing.
"""
import argparse
import itertools
import json
import os
import random
import re
import subprocess
import sys


def sentences(text):
    return [s for s in re.split(r"(?<=[.!؟?])\s+", text) if s.strip()]


def light_edit(body, rng):
    sents = sentences(body)
    if len(sents) > 3:
        del sents[rng.randrange(1, len(sents))]
    words = " ".join(sents).split(" ")
    out = []
    for w in words:
        r = rng.random()
        if r < 0.03:
            continue  # dropped
        if r < 0.06:
            out.append(w + "ً" if w else w)  # a harakat added
            continue
        if r < 0.08:
            out.append("أيضاً")  # a filler word
        out.append(w)
    return " ".join(out)


def obfuscate(body, rng):
    out = []
    for w in body.split(" "):
        letters = [c for c in w if "\u0621" <= c <= "\u064a"]
        if len(letters) >= 4 and rng.random() < 0.15:
            k = len(w) // 2
            w = w[:k] + "ـ.ـ" + w[k:]
        elif len(letters) >= 4 and rng.random() < 0.05:
            w = w.replace("ا", "|", 1)
        out.append(w)
    text = " ".join(out)
    return text.replace("دير الزور", "ديرالزور").replace("تنظيم داعش", "تنظيم د|عـ.ـش")


def variants(story, title, body, rng):
    words = body.split()
    first = sentences(body)[0] if sentences(body) else ""
    rewritten = body.replace(first, "في تطور جديد، أفادت مصادر محلية بما يلي.", 1) if first else body
    return [
        ("original", title, body),
        ("verbatim", "عاجل: " + title[: len(title) // 2], body),
        ("light-edit", title, light_edit(body, rng)),
        ("truncated", title, " ".join(words[: max(40, len(words) * 2 // 5)])),
        ("teaser", title, " ".join(words[:40])),
        ("obfuscated", obfuscate(title, rng), obfuscate(body, rng)),
        ("new-opening", "تقرير: " + title, rewritten),
    ]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--rasd", default=os.path.join(here, "..", "..", "build", "release", "daemon", "rasd"))
    ap.add_argument("--seeds", default=os.path.join(here, "..", "..", "..", "shared", "seeds"))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    if not os.path.isdir(args.seeds):
        print("SKIPPED: %s not found; the dedup evaluation did not run" % args.seeds)
        return 2
    rng = random.Random(9)
    articles = []
    for name in sorted(os.listdir(args.seeds)):
        text = open(os.path.join(args.seeds, name), encoding="utf-8").read()
        title, _, body = text.partition("\n")
        story = name[:3]
        for i, (kind, t, b) in enumerate(variants(story, title.strip(), body.strip(), rng)):
            articles.append({"id": "%s-%s" % (story, kind), "story": story, "title": t, "body": b,
                             "url": "https://outlet%d.example/%s/%s" % (i, story, kind),
                             "source": "outlet%d" % i, "lang": "ar", "published": "2024-12-19T06:%02d:00Z" % i})
    rng.shuffle(articles)
    # Teasers reach feeds before the full text more often than not; keep some of them first.
    lines = "".join(json.dumps({k: v for k, v in a.items() if k != "story"}, ensure_ascii=False) + "\n" for a in articles)
    p = subprocess.run([args.rasd, "dedup"], input=lines.encode("utf-8"), capture_output=True, timeout=300)
    if p.returncode != 0:
        print("rasd dedup failed: %s" % p.stderr.decode("utf-8", "replace"))
        return 1
    cluster = {}
    for line in p.stdout.decode("utf-8").splitlines():
        row = json.loads(line)
        cluster[row["id"]] = row["cluster"]
    story = {a["id"]: a["story"] for a in articles}
    tp = fp = fn = 0
    misses, false_merges = [], []
    for a, b in itertools.combinations(sorted(story), 2):
        same_truth = story[a] == story[b]
        same_pred = cluster[a] == cluster[b]
        if same_truth and same_pred:
            tp += 1
        elif same_pred:
            fp += 1
            false_merges.append((a, b))
        elif same_truth:
            fn += 1
            misses.append((a, b))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print("articles: %d (%d stories x 7 versions); pairs: %d, of which same story: %d"
          % (len(articles), len(set(story.values())), len(story) * (len(story) - 1) // 2, tp + fn))
    print("clusters: %d" % len(set(cluster.values())))
    print("precision of 'same story': %.3f  (%d false merges)  target >= 0.95" % (precision, fp))
    print("recall of 'same story':    %.3f  (%d missed pairs)  target >= 0.95" % (recall, fn))
    if args.verbose or fp or fn:
        for a, b in false_merges[:20]:
            print("  merged, different stories: %s %s" % (a, b))
        kinds = {}
        for a, b in misses:
            for x in (a, b):
                kinds[x.split("-", 1)[1]] = kinds.get(x.split("-", 1)[1], 0) + 1
        for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print("  missed pairs involving %s: %d" % (k, n))
    ok = precision >= 0.95 and recall >= 0.95
    print("RESULT: %s" % ("targets met" if ok else "targets NOT met"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
