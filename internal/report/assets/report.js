// Secret Warden compliance report: renders the data embedded in
// #warden-data. Vanilla JS, no network: every text goes through
// textContent, never innerHTML.
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("warden-data").textContent);
  var STATUSES = ["fail", "error", "exempt", "pass", "not_applicable"];
  var SEV_RANK = {};
  D.severities.forEach(function (s, i) { SEV_RANK[s] = i; });
  var PAGE = 50;
  var HEAT_ROWS = 50;

  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]);
      }
    }
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function num(n) { return n.toLocaleString("en-US"); }
  // One decimal, rounded half up (the Go tests round the same way).
  function pct(x) { return x < 0 ? "n/a" : (Math.round(x * 10) / 10).toFixed(1) + "%"; }
  function sevBadge(s) { return el("span", { "class": "sev sev-" + s }, s.toUpperCase()); }
  function compliant(c) { return c[2] + c[3]; }
  function evaluated(c) { return c[0] + c[1] + c[2] + c[3]; }
  function percentOf(c) { var e = evaluated(c); return e === 0 ? -1 : 100 * compliant(c) / e; }
  function day(t) { return String(t).slice(0, 10); }

  // Summary.
  $("kpi-compliance").textContent = pct(D.percent);
  $("kpi-secrets").textContent = num(D.secret_count);
  $("kpi-findings").textContent = num(D.findings);
  STATUSES.forEach(function (s, i) {
    document.querySelector('[data-count="' + s + '"]').textContent = num(D.counts[i]);
  });
  $("as-of").textContent = D.as_of.replace("T", " ").replace("Z", " UTC");

  // Severity totals.
  (function () {
    var tb = document.querySelector("#severity-table tbody");
    D.severities.forEach(function (s) {
      var tr = el("tr", { "data-severity": s });
      var th = el("th", { scope: "row" });
      th.appendChild(sevBadge(s));
      tr.appendChild(th);
      tr.appendChild(el("td", { "class": "num" }, num(D.failing_by_severity[s] || 0)));
      tb.appendChild(tr);
    });
  })();

  // Per policy.
  (function () {
    var tb = document.querySelector("#policy-table tbody");
    D.policies.forEach(function (p) {
      var tr = el("tr", { "data-policy": p.id });
      var th = el("th", { scope: "row" });
      th.appendChild(el("code", null, p.id));
      th.appendChild(el("br"));
      th.appendChild(el("span", { "class": "note" }, p.title));
      tr.appendChild(th);
      var sev = el("td");
      sev.appendChild(sevBadge(p.severity));
      tr.appendChild(sev);
      var x = percentOf(p.counts);
      var c = el("td", { "class": "num", "data-percent": "" });
      if (x >= 0) {
        var bar = el("span", { "class": "pct-bar", "aria-hidden": "true" });
        var fill = el("span");
        fill.style.width = x.toFixed(1) + "%";
        bar.appendChild(fill);
        c.appendChild(bar);
      }
      c.appendChild(el("span", null, pct(x)));
      tr.appendChild(c);
      STATUSES.forEach(function (s, i) {
        tr.appendChild(el("td", { "class": "num", "data-status": s }, num(p.counts[i])));
      });
      tb.appendChild(tr);
    });
  })();

  // Trend: an SVG line of the overall compliance and a table.
  (function () {
    var tb = document.querySelector("#trend-table tbody");
    D.trend.forEach(function (pt, i) {
      var tr = el("tr", { "data-point": String(i) });
      tr.appendChild(el("td", null, day(pt.time)));
      tr.appendChild(el("td", null, pt.label));
      tr.appendChild(el("td", { "class": "num" }, num(pt.secrets)));
      tr.appendChild(el("td", { "class": "num" }, pct(pt.percent)));
      tr.appendChild(el("td", { "class": "num" }, num(pt.counts[0] + pt.counts[1])));
      tb.appendChild(tr);
    });
    var NS = "http://www.w3.org/2000/svg";
    var W = 720, H = 220, L = 48, R = 40, T = 14, B = 30;
    var svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "trend");
    svg.setAttribute("role", "img");
    var desc = D.trend.map(function (pt) { return day(pt.time) + " " + pct(pt.percent); }).join(", ");
    svg.setAttribute("aria-label", "Overall compliance per scan: " + desc);
    function add(tag, attrs, text) {
      var e = document.createElementNS(NS, tag);
      for (var k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e);
      return e;
    }
    function y(p) { return T + (H - T - B) * (1 - p / 100); }
    [0, 25, 50, 75, 100].forEach(function (g) {
      add("line", { x1: L, x2: W - R, y1: y(g), y2: y(g), "class": "grid" });
      add("text", { x: 4, y: y(g) + 4 }, g + "%");
    });
    var n = D.trend.length;
    function x(i) { return n === 1 ? (L + W - R) / 2 : L + (W - L - R) * i / (n - 1); }
    var pts = [];
    D.trend.forEach(function (pt, i) {
      if (pt.percent < 0) return;
      pts.push(x(i).toFixed(1) + "," + y(pt.percent).toFixed(1));
      var dot = add("circle", { cx: x(i), cy: y(pt.percent), r: 4, "class": "dot" });
      var title = document.createElementNS(NS, "title");
      title.textContent = day(pt.time) + ": " + pct(pt.percent);
      dot.appendChild(title);
      add("text", { x: x(i), y: H - 10, "text-anchor": "middle" }, day(pt.time));
    });
    if (pts.length > 1) add("polyline", { points: pts.join(" "), "class": "line" });
    $("trend-chart").appendChild(svg);
  })();

  // Heat maps: colour and text (✓, ✗ n, –) say the same.
  function heat(tableId, groups, label, limit, moreId) {
    var table = $(tableId);
    var head = el("tr");
    head.appendChild(el("th", { scope: "col" }, label));
    D.policies.forEach(function (p) { head.appendChild(el("th", { scope: "col", title: p.title }, p.id)); });
    head.appendChild(el("th", { scope: "col", "class": "num" }, "failing"));
    table.tHead.appendChild(head);
    var tb = table.tBodies[0];
    function row(g) {
      var tr = el("tr", { "data-group": g.id });
      var th = el("th", { scope: "row" });
      var name = g.name ? g.name : g.id;
      th.appendChild(el("span", null, name));
      if (g.name) { th.appendChild(el("br")); th.appendChild(el("small", null, g.id + (g.ou ? " · " + g.ou : ""))); }
      tr.appendChild(th);
      var total = 0;
      D.policies.forEach(function (p, i) {
        var f = g.failing[i], e = g.evaluated[i];
        total += f;
        var cls, text;
        if (e === 0) { cls = "hna"; text = "–"; }
        else if (f === 0) { cls = "h0"; text = "✓"; }
        else { cls = "h" + Math.min(5, 1 + Math.floor(4 * f / e)); text = "✗ " + num(f); }
        tr.appendChild(el("td", {
          "class": "cell " + cls, "data-policy": p.id, "data-failing": String(f),
          "aria-label": name + ", " + p.id + ": " + (e === 0 ? "nothing evaluated" : f + " of " + e + " failing"),
          title: f + " of " + e + " failing"
        }, text));
      });
      tr.appendChild(el("td", { "class": "num" }, num(total)));
      return tr;
    }
    var shown = Math.min(limit || groups.length, groups.length);
    var frag = document.createDocumentFragment();
    for (var i = 0; i < shown; i++) frag.appendChild(row(groups[i]));
    tb.appendChild(frag);
    if (moreId && shown < groups.length) {
      var more = $(moreId);
      more.hidden = false;
      more.textContent = "Show all " + num(groups.length) + " accounts";
      more.addEventListener("click", function () {
        var f2 = document.createDocumentFragment();
        for (var j = shown; j < groups.length; j++) f2.appendChild(row(groups[j]));
        tb.appendChild(f2);
        more.hidden = true;
      });
    }
  }
  heat("account-heat", D.accounts, "Account", HEAT_ROWS, "account-more");
  heat("ou-heat", D.ous, "OU path", 0, null);

  // Exceptions.
  (function () {
    var tb = document.querySelector("#exception-table tbody");
    if (D.exceptions.length === 0) {
      var tr0 = el("tr");
      tr0.appendChild(el("td", { colspan: "5" }, "No exception applies to these findings."));
      tb.appendChild(tr0);
    }
    D.exceptions.forEach(function (x) {
      var soon = !x.expired && x.days_left <= 30;
      var tr = el("tr", { "data-exception": x.id, "class": x.expired ? "expired" : (soon ? "soon" : null) });
      tr.appendChild(el("th", { scope: "row" }, x.id));
      tr.appendChild(el("td", null, x.policy));
      tr.appendChild(el("td", { "class": "num" }, num(x.secrets)));
      tr.appendChild(el("td", null, day(x.expires)));
      var st = x.expired ? "✗ expired: no longer applies" : (soon ? "⚠ expires in " + x.days_left + " days" : "in " + x.days_left + " days");
      tr.appendChild(el("td", { "data-soon": soon ? "true" : "false" }, st));
      tb.appendChild(tr);
    });
  })();

  // Failing findings: sortable, filterable, paged (only one page is in
  // the DOM, whatever the number of rows).
  var R = D.rows, S = D.secrets;
  var nRows = R.p.length;
  function secretName(si) {
    var n = S.name[si];
    if (n) return n;
    var a = S.arn[si], i = a.indexOf(":secret:");
    n = i < 0 ? a : a.slice(i + 8);
    var j = n.lastIndexOf("-");
    return j > 0 && n.length - j === 7 ? n.slice(0, j) : n;
  }
  function accountOf(r) { return D.accounts[S.acct[R.s[r]]]; }
  function accountLabel(r) { var a = accountOf(r); return a.name ? a.name + " (" + a.id + ")" : a.id; }
  var KEYS = {
    severity: function (r) { return SEV_RANK[D.policies[R.p[r]].severity]; },
    status: function (r) { return R.st[r]; },
    policy: function (r) { return D.policies[R.p[r]].id; },
    account: function (r) { return accountLabel(r); },
    region: function (r) { return D.regions[S.region[R.s[r]]]; },
    secret: function (r) { return secretName(R.s[r]); },
    message: function (r) { return D.messages[R.m[r]]; }
  };
  var sortKey = "severity", sortDir = 1, page = 0, view = null, order = null, search = null;
  function cmp(a, b) { return a < b ? -1 : a > b ? 1 : 0; }
  // Tie-breaks precomputed once: each secret's rank by name, each policy's
  // rank by id, so that a sort compares numbers, not strings, for them.
  var secretRank = null, policyRank = null;
  function ranks() {
    if (secretRank) return;
    var names = S.arn.map(function (_, i) { return secretName(i); });
    var idx = names.map(function (_, i) { return i; });
    idx.sort(function (a, b) { return cmp(names[a], names[b]) || a - b; });
    secretRank = new Int32Array(names.length);
    idx.forEach(function (si, k) { secretRank[si] = k; });
    var pidx = D.policies.map(function (_, i) { return i; });
    pidx.sort(function (a, b) { return cmp(D.policies[a].id, D.policies[b].id); });
    policyRank = new Int32Array(D.policies.length);
    pidx.forEach(function (pi, k) { policyRank[pi] = k; });
  }
  function sortRows() {
    ranks();
    var keys;
    if (sortKey === "severity" || sortKey === "status") {
      keys = new Int32Array(nRows);
    } else {
      keys = new Array(nRows);
    }
    var key = KEYS[sortKey];
    for (var i = 0; i < nRows; i++) keys[i] = key(i);
    if (sortKey === "secret" || sortKey === "policy") {
      // Ranks order these exactly as their strings do.
      keys = new Int32Array(nRows);
      for (var k = 0; k < nRows; k++) keys[k] = sortKey === "secret" ? secretRank[R.s[k]] : policyRank[R.p[k]];
    }
    order = new Array(nRows);
    for (var j = 0; j < nRows; j++) order[j] = j;
    var P = R.p, Sx = R.s;
    order.sort(function (a, b) {
      return sortDir * cmp(keys[a], keys[b]) || policyRank[P[a]] - policyRank[P[b]] ||
        secretRank[Sx[a]] - secretRank[Sx[b]] || a - b;
    });
  }
  function haystack(r) {
    return [D.policies[R.p[r]].id, D.policies[R.p[r]].severity, R.st[r] ? "error" : "fail", accountLabel(r),
      accountOf(r).ou || "", KEYS.region(r), secretName(R.s[r]), S.arn[R.s[r]], D.messages[R.m[r]]].join("\n").toLowerCase();
  }
  function filterRows() {
    var q = $("filter").value.trim().toLowerCase();
    var sev = $("severity-filter").value;
    if (!q && !sev) { view = order; return; }
    if (q && !search) {
      search = new Array(nRows);
      for (var i = 0; i < nRows; i++) search[i] = haystack(i);
    }
    var terms = q ? q.split(/\s+/) : [];
    view = order.filter(function (r) {
      if (sev && D.policies[R.p[r]].severity !== sev) return false;
      for (var t = 0; t < terms.length; t++) if (search[r].indexOf(terms[t]) < 0) return false;
      return true;
    });
  }
  function renderPage() {
    var tb = document.querySelector("#findings-table tbody");
    var pages = Math.max(1, Math.ceil(view.length / PAGE));
    if (page >= pages) page = pages - 1;
    var start = page * PAGE, end = Math.min(view.length, start + PAGE);
    var frag = document.createDocumentFragment();
    for (var i = start; i < end; i++) {
      var r = view[i], p = D.policies[R.p[r]];
      var tr = el("tr", { "data-row": String(r) });
      var sev = el("td", { "data-key": "severity" });
      sev.appendChild(sevBadge(p.severity));
      tr.appendChild(sev);
      tr.appendChild(el("td", { "data-key": "status", "class": R.st[r] ? "status-error" : "status-fail" }, R.st[r] ? "error" : "fail"));
      tr.appendChild(el("td", { "data-key": "policy" }, p.id));
      tr.appendChild(el("td", { "data-key": "account" }, accountLabel(r)));
      tr.appendChild(el("td", { "data-key": "region", "class": "nowrap" }, KEYS.region(r)));
      tr.appendChild(el("th", { scope: "row", "data-key": "secret", title: S.arn[R.s[r]] }, secretName(R.s[r])));
      tr.appendChild(el("td", { "data-key": "message", "class": "msg" }, D.messages[R.m[r]]));
      var rem = el("td", { "class": "rem" });
      var det = el("details");
      det.appendChild(el("summary", null, "How to fix"));
      det.appendChild(el("p", null, p.remediation));
      rem.appendChild(det);
      tr.appendChild(rem);
      frag.appendChild(tr);
    }
    tb.replaceChildren(frag);
    var info = view.length === 0 ? "No failing finding matches." :
      "Showing " + num(start + 1) + "–" + num(end) + " of " + num(view.length) + " failing findings" +
      (view.length !== nRows ? " (" + num(nRows) + " in all)" : "");
    $("row-status").textContent = info;
    $("page-info").textContent = "Page " + num(page + 1) + " of " + num(pages);
    $("page-first").disabled = $("page-prev").disabled = page === 0;
    $("page-next").disabled = $("page-last").disabled = page >= pages - 1;
  }
  function refresh(resort) {
    if (resort) sortRows();
    filterRows();
    renderPage();
  }
  D.severities.forEach(function (s) { $("severity-filter").appendChild(el("option", { value: s }, s)); });
  document.querySelectorAll("#findings-table th[data-key]").forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var key = th.getAttribute("data-key");
      if (key === sortKey) sortDir = -sortDir; else { sortKey = key; sortDir = 1; }
      document.querySelectorAll("#findings-table th[data-key]").forEach(function (o) { o.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", sortDir === 1 ? "ascending" : "descending");
      page = 0;
      refresh(true);
    });
  });
  var timer = 0;
  $("filter").addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { page = 0; refresh(false); }, nRows > 20000 ? 200 : 0);
  });
  $("severity-filter").addEventListener("change", function () { page = 0; refresh(false); });
  $("page-first").addEventListener("click", function () { page = 0; renderPage(); });
  $("page-prev").addEventListener("click", function () { page--; renderPage(); });
  $("page-next").addEventListener("click", function () { page++; renderPage(); });
  $("page-last").addEventListener("click", function () { page = Number.MAX_SAFE_INTEGER; renderPage(); });
  refresh(true);
  if (window.performance && performance.mark) performance.mark("warden-ready");
  document.documentElement.setAttribute("data-ready", "true");
})();
