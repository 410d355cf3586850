"""leak-dump --format html and leakdump.html.render_series, loaded in a real
headless browser (Debian's chromium; scripts/setup-deps.sh installs it).

The pages report their own script errors into the DOM (window.onerror sets
data-js-errors on <html>) and mark the end of their script (data-ready);
chromium --dump-dom gives the DOM after the scripts ran.  Checked:

  * the report page loads with no error, its groups (counts, states,
    verdicts with --prove) are the json report's, in the same order, and
    its totals are the groups' sum; live and on a core;
  * label values with quotes, newlines and non-ASCII survive escaping
    (--group-by label:KEY on the parked fixture);
  * render_series on hand-made diff/watch documents: no error, each
    group's chart shows its counts, groups largest growth first, and
    markup in the document's strings stays text.
"""

import html.parser
import json
import re
import shutil
import subprocess
import sys

import pytest

import harness

sys.path.insert(0, str(harness.REPO))
from leakdump import html as ldhtml  # noqa: E402


def chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        pytest.skip("chromium is not installed (scripts/setup-deps.sh)")
    return exe


class Dom(html.parser.HTMLParser):
    """The elements of a dumped DOM: (tag, attrs) in order, plus text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.elements, self.text, self.root = [], [], {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root = a
        self.elements.append((tag, a))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag, cls=None):
        return [a for t, a in self.elements
                if t == tag and (cls is None or cls in (a.get("class") or "").split())]


def load(path, tmp_path):
    """The page's DOM after its scripts ran in headless chromium."""
    r = subprocess.run(
        [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu",
         "--no-first-run", "--disable-extensions", "--enable-logging=stderr",
         "--user-data-dir=%s" % (tmp_path / "chromium-profile"),
         "--virtual-time-budget=2000", "--dump-dom", path.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    console = [ln for ln in r.stderr.splitlines()
               if "CONSOLE" in ln or "Uncaught" in ln]
    assert not console, console
    dom = Dom(r.stdout)
    assert dom.root.get("data-ready") == "1", r.stdout[:2000]
    assert "data-js-errors" not in dom.root, dom.root
    return dom


def _check_against_json(dom, doc, proved):
    groups = dom.find("details", "group")
    assert [int(g["data-count"]) for g in groups] == [g["count"] for g in doc["groups"]]
    assert [g["data-state"] for g in groups] == [g["state"] for g in doc["groups"]]
    if proved:
        assert [g["data-verdict"] for g in groups] == [g["verdict"] for g in doc["groups"]]
    totals = dom.find("p")[0]
    assert totals["id"] == "totals"
    assert int(totals["data-goroutines"]) == sum(g["count"] for g in doc["groups"])
    assert int(totals["data-groups"]) == len(doc["groups"])
    assert int(totals["data-hidden"]) == doc["totals"]["hidden"]
    if proved:
        for v in ("leaked", "may-wake", "live"):
            assert int(totals["data-" + v]) == doc["prove"]["verdicts"][v], v
        assert totals["data-proven"] == str(doc["prove"]["proven"]).lower()
    # The objects' table: most waiters first, one row per object (<= 1000).
    rows = dom.find("tr")
    waiters = [int(r["data-waiters"]) for r in rows if "data-waiters" in r]
    assert len(waiters) == min(len(doc.get("objects") or []), 1000)
    assert waiters == sorted(waiters, reverse=True)
    # The summary line is the text report's group line: count first.
    text = "".join(dom.text)
    for g in doc["groups"][:20]:
        assert "{:,} × [{}".format(g["count"], g["state"]) in text


def _page_and_json(target, opts, tmp_path):
    """One GDB session's json and html reports with opts: the page's path,
    the json document, and the page as headless chromium built it."""
    page, js = tmp_path / "r.html", tmp_path / "r.json"
    r = harness.run_gdb(target, [
        "leak-dump --format json %s --output %s" % (opts, js),
        "leak-dump --format html %s --output %s" % (opts, page)])
    assert "Traceback" not in r.output and not r.error_lines(), r.describe()
    return page, json.loads(js.read_text()), load(page, tmp_path)


@pytest.mark.parametrize("mode", ["live", "core"])
def test_report_page_matches_json(go_version, mode, spawn, cores, tool, tmp_path):
    target = harness.mode_target(mode, go_version, "blocking", spawn, cores)[1]
    page, doc, dom = _page_and_json(target, "--prove", tmp_path)
    text = page.read_text()
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", text), "external reference"
    _check_against_json(dom, doc, proved=True)
    verdicts = {g["verdict"] for g in doc["groups"]}
    assert "leaked" in verdicts, verdicts      # the fixture leaks some


def test_report_page_escapes_labels(go_version, cores, tool, tmp_path):
    target = harness.mode_target("core", go_version, "parked", None, cores)[1]
    page, doc, dom = _page_and_json(target, "--group-by 'label:req id'", tmp_path)
    _check_against_json(dom, doc, proved=False)
    labels = [g.get("data-label") for g in dom.find("details", "group")]
    assert labels == [g["label"]["value"] or "" for g in doc["groups"]]
    assert "x\"1\n\u00e9" in labels


def _doc():
    return {
        "samples": [{"taken_at": "2026-12-06T20:00:00Z", "goroutines": 110},
                    {"taken_at": "2026-12-06T20:01:00Z", "goroutines": 160},
                    {"taken_at": "2026-12-06T20:02:00Z", "goroutines": 205}],
        "groups": [
            {"state": "chan receive", "counts": [10, 10, 5], "change": -5,
             "per_minute": -2.5, "trend": "shrinking", "new": [], "stuck": [1, 2],
             "frames": [{"function": "main.drain", "file": "/src/a.go", "line": 3}],
             "created_by": {"function": "main.main", "file": "/src/a.go", "line": 9}},
            {"state": "select", "counts": [100, 150, 200], "change": 100,
             "per_minute": 50.0, "trend": "growing", "new": list(range(500, 700)),
             "stuck": [7],
             "frames": [{"function": "main.leak[<script>window.x=1</script>]",
                         "file": "/src/<b>&'\".go", "line": 12}],
             "created_by": None},
            {"state": "sync.Mutex.Lock", "counts": [0, 0, 0], "change": 0,
             "per_minute": 0, "trend": "steady", "new": [], "stuck": [],
             "frames": [], "created_by": None},
        ]}


@pytest.mark.parametrize("nsamples", [1, 3])
def test_series_page(nsamples, tmp_path):
    doc = _doc()
    doc["samples"] = doc["samples"][:nsamples]
    for g in doc["groups"]:
        g["counts"] = g["counts"][:nsamples]
    page = tmp_path / "s.html"
    page.write_text(ldhtml.render_series(doc))
    assert "http" not in page.read_text().replace("http://www.w3.org/2000/svg", "")
    dom = load(page, tmp_path)
    # Groups by growth, largest first.
    rows = [r for r in dom.find("tr", "group")]
    assert [int(r["data-change"]) for r in rows] == [100, 0, -5]
    # Each group's chart: one point per sample, with its count.
    points = [a for t, a in dom.elements if t == "circle"]
    want = [s["goroutines"] for s in doc["samples"]]
    for i in (1, 2, 0):
        want += doc["groups"][i]["counts"]
    assert [int(p["data-count"]) for p in points] == want
    assert [r["data-counts"] for r in rows] == [
        ",".join(str(c) for c in doc["groups"][i]["counts"]) for i in (1, 2, 0)]
    # Markup in names is text, not elements (the script above did not run).
    text = "".join(dom.text)
    assert "main.leak[<script>window.x=1</script>]" in text
    assert "/src/<b>&'\".go:12" in text
    assert not [a for t, a in dom.elements if t == "b"]
    assert [s["data-goroutines"] for s in dom.find("tr", "sample")] == [
        str(s["goroutines"]) for s in doc["samples"]]
    for s in doc["samples"]:
        assert s["taken_at"] in text


def test_series_page_tolerates_sparse_documents(tmp_path):
    page = tmp_path / "e.html"
    page.write_text(ldhtml.render_series({"samples": [], "groups": [{}]}))
    load(page, tmp_path)
    page.write_text(ldhtml.render_series(json.dumps({"groups": [{"counts": ["x", None]}]})))
    load(page, tmp_path)
