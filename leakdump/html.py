"""HTML pages for leak-dump's series: a snapshot diff or a watch.

render_series(doc) turns the JSON document of a diff or a watch
(leakdump/snapshot.py) into one self-contained page: no scripts or styles
from elsewhere, no network.  The document's schema:

    {"samples": [{"taken_at": "<RFC 3339>", "goroutines": N}, ...],
     "groups": [{"state": S, "frames": [{"function", "file", "line"}],
                 "created_by": {"function", "file", "line"} | null,
                 "counts": [n1, n2, ...],      # one per sample
                 "change": n, "per_minute": r,
                 "trend": "growing" | "shrinking" | "steady",
                 "new": [ids], "stuck": [ids]}]}

The page: the samples' times and totals, a table of the groups (largest
growth first) and for each group its stack (folded, <details>) and a chart
of its count over time (inline SVG).  Every text from the document is
escaped.  The dump report's page (--format html) is made by the native
core (ext/report/html.c).
"""

import html
import json

__all__ = ["render_series"]

_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:1em 2em;color:#222}
table{border-collapse:collapse;font:12px ui-monospace,monospace}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
td.n{text-align:right}
tr.growing td.trend{color:#c33;font-weight:bold}
tr.shrinking td.trend{color:#3a3}
pre{font:12px/1.35 ui-monospace,monospace;margin:.2em 0 .2em 1em}
summary{cursor:pointer}
svg.chart{background:#fafafa;border:1px solid #ddd}
svg.chart polyline{fill:none;stroke:#36c;stroke-width:1.5}
svg.chart circle{fill:#36c}
svg.chart text{font:10px sans-serif;fill:#555}
"""

# Errors in the page's own script land in the DOM, for tests and users.
_ONERROR = ("<script>window.onerror=function(m){var d=document.documentElement;"
            "d.setAttribute('data-js-errors',(d.getAttribute('data-js-errors')"
            "||'')+String(m)+' | ');};</script>")

_SCRIPT = """<script>(function(){
var rows=document.querySelectorAll('tr.group');
for(var i=0;i<rows.length;i++){rows[i].addEventListener('click',function(){
var d=document.getElementById('g'+this.getAttribute('data-id'));
if(d){d.open=true;d.scrollIntoView();}});}
document.documentElement.setAttribute('data-ready','1');})();</script>"""


def _e(x):
    return html.escape("" if x is None else str(x), quote=True)


def _num(x, default=0):
    try:
        return float(x)
    except (TypeError, ValueError):
        return default


def _frame_text(f):
    if not isinstance(f, dict):
        return _e(f)
    where = f.get("file") or ""
    if f.get("line"):
        where += ":%s" % f.get("line")
    return "%s\n    %s" % (_e(f.get("function")), _e(where))


def _chart(counts, times, width=360, height=90):
    """An SVG polyline of counts over the samples, axes labelled."""
    vals = [_num(c) for c in counts]
    if not vals:
        return "<svg class=\"chart\" width=\"%d\" height=\"%d\"></svg>" % (width, height)
    lo, hi = 0.0, max(max(vals), 1.0)
    pad_l, pad_r, pad_t, pad_b = 40, 8, 8, 16
    w, h = width - pad_l - pad_r, height - pad_t - pad_b
    step = w / (len(vals) - 1) if len(vals) > 1 else 0

    def xy(i, v):
        x = pad_l + (i * step if len(vals) > 1 else w / 2)
        y = pad_t + h - (v - lo) / (hi - lo) * h
        return x, y

    pts = [xy(i, v) for i, v in enumerate(vals)]
    out = ["<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
           "width=\"%d\" height=\"%d\" role=\"img\">" % (width, height)]
    out.append("<text x=\"2\" y=\"%d\">%s</text>" % (pad_t + 8, _e(_fmt(hi))))
    out.append("<text x=\"2\" y=\"%d\">0</text>" % (pad_t + h))
    out.append("<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>"
               % (pad_l, pad_t + h, pad_l + w, pad_t + h))
    if len(pts) > 1:
        out.append("<polyline points=\"%s\"/>" % " ".join(
            "%.1f,%.1f" % p for p in pts))
    for i, ((x, y), v) in enumerate(zip(pts, vals)):
        t = times[i] if i < len(times) else ""
        out.append("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" data-count=\"%s\">"
                   "<title>%s: %s</title></circle>" % (x, y, _e(_fmt(v)), _e(t), _e(_fmt(v))))
    if times:
        out.append("<text x=\"%d\" y=\"%d\">%s</text>" % (pad_l, height - 3, _e(times[0])))
        if len(times) > 1:
            out.append("<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>"
                       % (pad_l + w, height - 3, _e(times[-1])))
    out.append("</svg>")
    return "".join(out)


def _fmt(v):
    return "%d" % v if float(v).is_integer() else "%.2f" % v


def _growth_key(ig):
    i, g = ig
    return (-_num(g.get("change")), -_num((g.get("counts") or [0])[-1]), i)


def render_series(doc):
    """The page (a str) for a diff or watch document (a dict, or its JSON)."""
    if isinstance(doc, (str, bytes)):
        doc = json.loads(doc)
    samples = [s for s in (doc.get("samples") or []) if isinstance(s, dict)]
    groups = [g for g in (doc.get("groups") or []) if isinstance(g, dict)]
    times = [str(s.get("taken_at", "")) for s in samples]
    order = sorted(enumerate(groups), key=_growth_key)

    out = ["<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
           _ONERROR, "<title>leak-dump: goroutines over time</title>",
           "<style>%s</style></head><body>" % _STYLE,
           "<h1>Goroutines over time</h1>"]
    out.append("<section id=\"samples\"><h2>Samples</h2><table><tr><th>#</th>"
               "<th>taken at</th><th>goroutines</th></tr>")
    for i, s in enumerate(samples):
        out.append("<tr class=\"sample\" data-goroutines=\"%s\"><td class=\"n\">%d</td>"
                   "<td>%s</td><td class=\"n\">%s</td></tr>"
                   % (_e(s.get("goroutines")), i + 1, _e(s.get("taken_at")),
                      _e(s.get("goroutines"))))
    out.append("</table>")
    out.append(_chart([s.get("goroutines") for s in samples], times, 560, 120))
    out.append("</section>")

    out.append("<section id=\"groups\"><h2>Groups, largest growth first</h2>"
               "<table><tr><th>change</th><th>per minute</th><th>trend</th>"
               "<th>counts</th><th>state</th><th>top frame</th><th>new</th>"
               "<th>stuck</th></tr>")
    for i, g in order:
        frames = g.get("frames") or []
        top = frames[0].get("function") if frames and isinstance(frames[0], dict) else ""
        counts = g.get("counts") or []
        out.append(
            "<tr class=\"group %s\" data-id=\"%d\" data-counts=\"%s\" "
            "data-change=\"%s\"><td class=\"n\">%s</td><td class=\"n\">%s</td>"
            "<td class=\"trend\">%s</td><td>%s</td><td>%s</td><td>%s</td>"
            "<td class=\"n\">%d</td><td class=\"n\">%d</td></tr>"
            % (_e(g.get("trend")), i, _e(",".join(_fmt(_num(c)) for c in counts)),
               _e(g.get("change")), _e(_signed(g.get("change"))),
               _e(_rate(g.get("per_minute"))), _e(g.get("trend")),
               _e(" → ".join(_fmt(_num(c)) for c in counts)), _e(g.get("state")),
               _e(top), len(g.get("new") or []), len(g.get("stuck") or [])))
    out.append("</table></section>")

    out.append("<section id=\"charts\"><h2>Each group over time</h2>")
    for i, g in order:
        frames = g.get("frames") or []
        cb = g.get("created_by")
        body = "\n".join(_frame_text(f) for f in frames)
        if isinstance(cb, dict):
            body += "\ncreated by %s" % _frame_text(cb)
        ids = ""
        for key in ("new", "stuck"):
            v = g.get(key) or []
            if v:
                shown = ", ".join(_e(x) for x in v[:50])
                ids += "<p>%s: %s%s</p>" % (key, shown, " …" if len(v) > 50 else "")
        counts = g.get("counts") or []
        out.append(
            "<div class=\"series\" data-id=\"%d\"><h3>%s × [%s] %s</h3>%s"
            "<details id=\"g%d\"><summary>stack</summary><pre>%s</pre>%s</details></div>"
            % (i, _e(_fmt(_num(counts[-1])) if counts else "0"), _e(g.get("state")),
               _e(g.get("trend")), _chart(counts, times), i, body, ids))
    out.append("</section>")
    out.append(_SCRIPT)
    out.append("</body></html>\n")
    return "\n".join(out)


def _signed(v):
    n = _num(v)
    return ("+" if n > 0 else "") + _fmt(n)


def _rate(v):
    return "%+.2f" % _num(v)
