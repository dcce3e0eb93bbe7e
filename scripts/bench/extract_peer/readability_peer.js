// The peer of scripts/bench/extract: Mozilla Readability on jsdom over the same pages, timed in
// process (parse + extract per page, node's start-up excluded). Reads a JSON list of
// {"path", "url"} on stdin; writes {"seconds", "texts": [...]} on stdout.
const fs = require("fs");
const { JSDOM, VirtualConsole } = require("jsdom");
const { Readability } = require("@mozilla/readability");

const pages = JSON.parse(fs.readFileSync(0, "utf8"));
const html = pages.map((p) => fs.readFileSync(p.path, "utf8"));
const quiet = new VirtualConsole();  // pages' CSS and script errors are not ours to print
const texts = [];
const t0 = process.hrtime.bigint();
for (let i = 0; i < pages.length; i++) {
  let text = "";
  try {
    const dom = new JSDOM(html[i], { url: pages[i].url || "https://example.invalid/", virtualConsole: quiet });
    const article = new Readability(dom.window.document).parse();
    text = article ? article.textContent : "";
    dom.window.close();
  } catch (e) {
    text = "";
  }
  texts.push(text);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ seconds, texts }));
