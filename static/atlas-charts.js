// The study list's charts, drawn with Observable Plot from the chart JSON of the same filter.
// Progressive enhancement: without this script the data are tables on the charts page.
(function () {
  "use strict";

  var section = document.querySelector("section.charts[data-charts-src]");
  if (!section || !window.Plot) return;
  var Plot = window.Plot;
  var data = null;
  var tip = null;

  function css(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Each strategy keeps its colour in every chart; the legend lists only the strategies drawn.
  function colour(points) {
    var palette = [css("--series-1"), css("--series-2"), css("--series-3"), css("--series-4")];
    var present = new Set(points.map(function (p) { return p.strategy; }));
    var domain = data.strategies.filter(function (s) { return present.has(s); });
    return {
      domain: domain,
      range: domain.map(function (s) { return palette[data.strategies.indexOf(s) % palette.length]; }),
      legend: true,
    };
  }

  function short(text, n) {
    return text.length > n ? text.slice(0, n - 1) + "…" : text;
  }

  // Plot adds <style> elements of its own; the page's Content-Security-Policy would refuse
  // them, so they are taken out before the chart enters the page (atlas.css styles it).
  // Each linked mark gets its tooltip text as its accessible name instead of an SVG <title>.
  function place(container, chart) {
    chart.querySelectorAll("style").forEach(function (s) { s.remove(); });
    // Plot names its layers ("dot", "frame") with aria-label on plain <g>s, which ARIA does not
    // allow; the chart as a whole is a labelled group of links instead.
    chart.querySelectorAll("g[aria-label]").forEach(function (g) { g.removeAttribute("aria-label"); });
    var svg = chart.matches("svg") ? chart : chart.querySelector("svg.atlas-plot");
    var figure = container.closest("figure");
    if (svg && figure) {
      svg.setAttribute("role", "group");
      svg.setAttribute("aria-labelledby", figure.getAttribute("aria-labelledby"));
    }
    chart.querySelectorAll("a").forEach(function (a) {
      var title = a.querySelector("title");
      if (!title) return;
      a.dataset.tip = title.textContent;
      a.setAttribute("aria-label", title.textContent.replace(/\n/g, "; "));
      title.remove();
    });
    container.replaceChildren(chart);
  }

  function empty(container, text) {
    var p = document.createElement("p");
    p.className = "notice empty chart-empty";
    p.textContent = text;
    container.replaceChildren(p);
  }

  function order(points, key) {
    // Groups by their best value, highest first: the top of the chart answers "which reached most".
    var best = new Map();
    points.forEach(function (p) { best.set(p[key], Math.max(best.get(p[key]) || 0, p.value)); });
    return Array.from(best.keys()).sort(function (a, b) { return best.get(b) - best.get(a); });
  }

  function radius(n) { return n > 1000 ? 2 : n > 200 ? 3 : 4.5; }

  var draw = {
    pairs: function (width) {
      var pairs = data.pairs;
      if (!pairs.length) return null;
      var labels = pairs.length <= 60;
      // On a narrow screen each row's label goes above its arrow instead of beside it.
      var above = labels && width < 600;
      var row = above ? 36 : labels ? 24 : Math.max(3, Math.floor(1400 / pairs.length));
      var byId = new Map(pairs.map(function (p) { return [p.id, p.label]; }));
      var marks = { stroke: "strategy", href: "url", title: "title", x1: "before", x2: "after", y1: "id", y2: "id" };
      return Plot.plot({
        width: width,
        height: pairs.length * row + 50,
        marginLeft: labels && !above ? Math.min(260, Math.round(width * 0.42)) : 12,
        marginTop: above ? 30 : 20,
        className: "atlas-plot",
        x: { type: "log", tickFormat: "~g", label: "Interfacial resistance (Ω·cm²)", grid: true, labelAnchor: "center" },
        y: {
          domain: pairs.map(function (p) { return p.id; }),
          label: null,
          axis: labels && !above ? "left" : null,
          tickFormat: function (id) { return short(byId.get(id), 40); },
        },
        color: colour(pairs),
        marks: [
          Plot.dot(pairs, { x: "before", y: "id", stroke: "strategy", fill: "white", r: 4, strokeWidth: 1.5 }),
          // Drawn last, so the whole arrow (both ends included) is the link to the study.
          Plot.link(pairs, Object.assign({}, marks, { strokeWidth: 2.5, markerEnd: "arrow" })),
        ].concat(above ? [Plot.text(pairs, {
          y: "id", text: function (p) { return short(p.label, Math.floor(width / 6.5)); },
          frameAnchor: "left", textAnchor: "start", dy: -12, fill: css("--ink"),
        })] : []),
      });
    },
    "ccd-strategy": function (width) { return data.binned.ccd ? binnedStrip(width, "strategy") : strip(width, "strategy"); },
    "ccd-family": function (width) { return data.binned.ccd ? binnedStrip(width, "family") : strip(width, "family"); },
    "ccd-resistance": function (width) {
      if (data.binned.ccd_resistance) {
        return grid(width, data.ccd_resistance_bins, {
          x: { type: "log", tickFormat: "~g", label: "Lowest interfacial resistance (Ω·cm²)", grid: true, labelAnchor: "center" },
          title: function (b) {
            return b.x1 + "–" + b.x2 + " Ω·cm², " + b.y1 + "–" + b.y2 + " mA/cm²: " + studies(b.count);
          },
        });
      }
      var points = data.ccd_resistance;
      if (!points.length) return null;
      return Plot.plot({
        width: width,
        height: Math.min(420, Math.max(260, width * 0.6)),
        className: "atlas-plot",
        x: { type: "log", tickFormat: "~g", label: "Lowest interfacial resistance (Ω·cm²)", grid: true, labelAnchor: "center" },
        y: { type: "log", tickFormat: "~g", label: "Best CCD (mA/cm²)", grid: true },
        color: colour(points),
        marks: [
          Plot.dot(points, {
            x: "resistance", y: "value", fill: "strategy", r: radius(points.length), fillOpacity: 0.85,
            stroke: "white", strokeWidth: 0.5, href: "url", title: "title",
          }),
        ],
      });
    },
    "ccd-year": function (width) {
      if (data.binned.ccd_year) {
        return grid(width, data.ccd_year_bins.map(function (b) {
          return Object.assign({ x1: b.year - 0.45, x2: b.year + 0.45 }, b);
        }), {
          x: { label: "Year of publication", tickFormat: "d", grid: true, labelAnchor: "center", nice: true },
          title: function (b) { return b.year + ", " + b.y1 + "–" + b.y2 + " mA/cm²: " + studies(b.count); },
        });
      }
      var points = data.ccd.filter(function (p) { return p.year; });
      if (!points.length) return null;
      return Plot.plot({
        width: width,
        height: Math.min(420, Math.max(260, width * 0.6)),
        className: "atlas-plot",
        x: { label: "Year of publication", tickFormat: "d", grid: true, labelAnchor: "center", nice: true },
        y: { type: "log", tickFormat: "~g", label: "Best CCD (mA/cm²)", grid: true },
        color: colour(points),
        marks: [
          Plot.dot(points, {
            x: "year", y: "value", fill: "strategy", r: radius(points.length),
            fillOpacity: 0.85, stroke: "white", strokeWidth: 0.5, href: "url", title: "title",
          }),
        ],
      });
    },
  };

  function strip(width, key) {
    var points = data.ccd;
    if (!points.length) return null;
    var groups = order(points, key);
    var most = Math.max.apply(null, groups.map(function (g) {
      return points.filter(function (p) { return p[key] === g; }).length;
    }));
    var r = radius(points.length);
    var band = Math.max(56, Math.min(220, 30 + Math.ceil(most / Math.max(1, width / (4 * r))) * 2 * r * 2));
    return Plot.plot({
      width: width,
      height: groups.length * band + 50,
      marginLeft: 12,
      className: "atlas-plot",
      x: { type: "log", tickFormat: "~g", label: "Best CCD (mA/cm²)", grid: true, labelAnchor: "center" },
      fy: { domain: groups, axis: null, padding: 0.08 },
      color: colour(points),
      marks: [
        Plot.frame({ stroke: css("--line"), anchor: "bottom" }),
        Plot.text(groups, { fy: function (g) { return g; }, text: function (g) { return g; }, frameAnchor: "top-left", dy: 2, fontWeight: 600, fill: css("--ink") }),
        Plot.dot(points, Plot.dodgeY("middle", {
          x: "value", fy: key, fill: "strategy", r: r, stroke: "white", strokeWidth: 0.5,
          href: "url", title: "title",
        })),
      ],
    });
  }

  function studies(n) { return n.toLocaleString("en") + (n === 1 ? " study" : " studies"); }

  // Past the marks drawn one by one: a histogram of the studies' best CCDs per group, on the same
  // log axis, each bar stacked by strategy (so the colours mean what they mean elsewhere).
  function binnedStrip(width, key) {
    var bins = data.ccd_bins;
    if (!bins.length) return null;
    var groups = order(bins.map(function (b) { return { value: b.x2, strategy: b.strategy, family: b.family }; }), key);
    var stacks = new Map();
    var strategies = data.strategies;
    var bars = bins.slice().sort(function (a, b) {
      return strategies.indexOf(a.strategy) - strategies.indexOf(b.strategy);
    }).map(function (b) {
      var at = b[key] + "|" + b.x1;
      var below = stacks.get(at) || 0;
      stacks.set(at, below + b.count);
      return Object.assign({ y1: below, y2: below + b.count }, b);
    });
    return Plot.plot({
      width: width,
      height: groups.length * 110 + 50,
      marginLeft: 44,
      className: "atlas-plot",
      x: { type: "log", tickFormat: "~g", label: "Best CCD (mA/cm²)", grid: true, labelAnchor: "center" },
      y: { label: "Studies", grid: true, ticks: 3 },
      fy: { domain: groups, axis: null, padding: 0.15 },
      color: colour(bins),
      marks: [
        Plot.frame({ stroke: css("--line"), anchor: "bottom" }),
        Plot.text(groups, { fy: function (g) { return g; }, text: function (g) { return g; }, frameAnchor: "top-left", dx: 4, dy: 2, fontWeight: 600, fill: css("--ink") }),
        Plot.rect(bars, {
          x1: "x1", x2: "x2", y1: "y1", y2: "y2", fy: key, fill: "strategy", inset: 0.5,
          title: function (b) {
            return b[key] + (key === "family" ? " · " + b.strategy : "") + "\nBest CCD " + b.x1 + "–" + b.x2 + " mA/cm²: " + studies(b.count);
          },
        }),
      ],
    });
  }

  // A 2-D histogram: each cell's shade is the number of studies in it (log CCD upward).
  function grid(width, cells, options) {
    if (!cells.length) return null;
    return Plot.plot({
      width: width,
      height: Math.min(420, Math.max(260, width * 0.6)),
      className: "atlas-plot",
      x: options.x,
      y: { type: "log", tickFormat: "~g", label: "Best CCD (mA/cm²)", grid: true },
      color: { type: "sqrt", range: [css("--series-tint") || "#dbe6f3", css("--series-1")], legend: true, label: "Studies per cell", ticks: 4, tickFormat: "~s", marginRight: 16 },
      marks: [
        Plot.rect(cells, { x1: "x1", x2: "x2", y1: "y1", y2: "y2", fill: "count", inset: 0.5, title: options.title }),
      ],
    });
  }

  var EMPTY = {
    pairs: "pairs", "ccd-strategy": "ccd", "ccd-family": "ccd", "ccd-resistance": "ccd_resistance", "ccd-year": "ccd_year",
  };

  function drawAll() {
    section.querySelectorAll("[data-chart]").forEach(function (container, index) {
      // One chart per task: with thousands of studies the page stays responsive between charts.
      setTimeout(function () {
        var name = container.dataset.chart;
        var width = Math.max(280, Math.floor(container.clientWidth));
        var chart = draw[name](width);
        if (chart) place(container, chart);
        else empty(container, data.summary[EMPTY[name]]);
        container.dataset.drawn = "true";
        if (index === section.querySelectorAll("[data-chart]").length - 1) section.dataset.drawn = "true";
      }, 0);
    });
  }

  function fill() {
    section.querySelectorAll("[data-summary]").forEach(function (p) { p.textContent = data.summary[p.dataset.summary]; });
    var binnedHelp = section.querySelector(".binned-help");
    if (binnedHelp) binnedHelp.hidden = !Object.keys(data.binned).length;
    // A chart that counts its studies in bins (or draws only the largest cuts) says so under its title.
    section.querySelectorAll("[data-binned]").forEach(function (p) {
      var text = data.binned[p.dataset.binned] || "";
      p.textContent = text;
      p.hidden = !text;
    });
    var notes = section.querySelector(".chart-notes");
    notes.replaceChildren.apply(notes, data.notes.map(function (text) {
      var li = document.createElement("li");
      li.textContent = text;
      return li;
    }));
    notes.hidden = !data.notes.length;
    section.querySelector(".chart-grid").hidden = false;
  }

  // One tooltip for the page: shown by hovering or focusing a mark.
  function showTip(event) {
    var a = event.target.closest && event.target.closest("a[data-tip]");
    if (!a) return;
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.setAttribute("role", "tooltip");
      document.body.appendChild(tip);
    }
    tip.textContent = a.dataset.tip;
    tip.hidden = false;
    var box = a.getBoundingClientRect();
    var left = Math.min(window.scrollX + box.left + box.width / 2 + 10, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8);
    tip.style.left = Math.max(window.scrollX + 8, left) + "px";
    tip.style.top = window.scrollY + box.bottom + 8 + "px";
  }
  function hideTip() { if (tip) tip.hidden = true; }
  section.addEventListener("pointerover", showTip);
  section.addEventListener("focusin", showTip);
  section.addEventListener("pointerout", hideTip);
  section.addEventListener("focusout", hideTip);
  document.addEventListener("keydown", function (event) { if (event.key === "Escape") hideTip(); });

  var lastWidth = 0;
  var pending = null;
  if (window.ResizeObserver) {
    new ResizeObserver(function () {
      var width = section.clientWidth;
      if (!data || Math.abs(width - lastWidth) < 40) return;
      lastWidth = width;
      clearTimeout(pending);
      pending = setTimeout(drawAll, 150);
    }).observe(section);
  }

  // On a phone the charts start folded, so the list of studies is one tap away.
  var panel = section.querySelector("details.charts-panel");
  if (panel && window.matchMedia("(max-width: 860px)").matches && !document.querySelector("main .chart-tables")) {
    panel.open = false;
  }
  if (panel) {
    panel.addEventListener("toggle", function () { if (panel.open && data) drawAll(); });
  }

  fetch(section.dataset.chartsSrc, { headers: { Accept: "application/json" } })
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (json) {
      data = json;
      fill();
      lastWidth = section.clientWidth;
      drawAll();
    })
    .catch(function () {
      var p = section.querySelector(".help");
      if (p) p.insertAdjacentText("beforeend", " The charts could not be loaded; the link above shows their data.");
    });
})();
