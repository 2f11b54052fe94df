// The evaluation matrix (评估矩阵): attractiveness × feasibility scatter with threshold lines, the
// four labelled tier regions, hover, click-to-open and PNG export. Data comes from json_script in a
// compact form: one array per customer, or — above the server's cap — one array per score cell
// (a bubble sized by its count; a click narrows the table below to that cell).
(function () {
  "use strict";
  var holder = document.getElementById("matrix-chart");
  var source = document.getElementById("matrix-data");
  if (!holder || !source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var ta = parseFloat(data.thresholds.a);
  var tf = parseFloat(data.thresholds.f);
  var L = data.labels;
  var colours = { tier1: "#198754", tier2: "#0d6efd", tier3: "#fd7e14", no: "#6c757d" };
  var cells = data.mode === "cells";

  function regionOf(a, f) {
    if (a >= ta) { return f >= tf ? "tier1" : "tier3"; }
    return f >= tf ? "tier2" : "no";
  }

  // Points: [id, number, name, attractiveness, feasibility, rank, tier, proposed, segment].
  function pointItem(p) {
    var tier = data.tiers[p[6]] || data.tiers[p[7]];
    return {
      value: [p[4], p[3]],
      p: p,
      itemStyle: { color: colours[tier] || "#999", borderColor: p[6] ? "#000" : "transparent" }
    };
  }

  // Cells: [a cell, f cell, count, a from, a to, f from, f to].
  var most = 1;
  if (cells) { data.cells.forEach(function (c) { most = Math.max(most, c[2]); }); }
  function cellItem(c) {
    var a = Math.min(10, (c[3] + c[4]) / 2);
    var f = Math.min(10, (c[5] + c[6]) / 2);
    return {
      value: [f, a, c[2]],
      c: c,
      symbolSize: 4 + 18 * Math.sqrt(c[2] / most),
      itemStyle: { color: colours[regionOf(c[3], c[5])], opacity: 0.75 }
    };
  }

  var items = cells ? data.cells.map(cellItem) : data.points.map(pointItem);

  function line(text) {
    var el = document.createElement("div");
    el.textContent = text;
    return el;
  }

  function tooltip(item) {
    // The first line is the tooltip's own text, the details are child lines (one element holds all).
    var el = document.createElement("div");
    if (item.data.c) {
      var c = item.data.c;
      el.textContent = c[2] + " " + L.customers;
      el.appendChild(line(L.attractiveness + " " + c[3].toFixed(2) + "–" + c[4].toFixed(2) + " · " +
        L.feasibility + " " + c[5].toFixed(2) + "–" + c[6].toFixed(2)));
      el.appendChild(line(L.open_cell));
    } else {
      var p = item.data.p;
      el.textContent = p[1] + " " + p[2];
      el.appendChild(line(L.attractiveness + " " + p[3].toFixed(2) + " · " + L.feasibility + " " +
        p[4].toFixed(2) + " · " + (data.tier_labels[p[6]] || data.tier_labels[p[7]])));
    }
    return el.outerHTML;
  }

  function region(x1, x2, y1, y2, label, colour) {
    return [{ xAxis: x1, yAxis: y1, name: label, itemStyle: { color: colour, opacity: 0.08 },
              label: { show: true, position: "insideTop", color: "#555", fontWeight: "bold" } },
            { xAxis: x2, yAxis: y2 }];
  }

  var chart = window.echarts.init(holder, null, { renderer: "canvas" });
  holder.dataset.points = String(items.length);
  holder.dataset.mode = data.mode;
  var many = items.length > 2000;
  // Before setOption: the first render may finish within it.
  chart.on("finished", function () { holder.dataset.rendered = "1"; });
  chart.setOption({
    animation: items.length < 1000,
    grid: { left: 50, right: 30, top: 40, bottom: 50 },
    toolbox: { feature: { saveAsImage: { title: L.save, name: "evaluation-matrix", pixelRatio: 2 } } },
    tooltip: { trigger: "item", formatter: tooltip },
    xAxis: { name: L.feasibility, nameLocation: "middle", nameGap: 28, min: 1, max: 10, interval: 1 },
    yAxis: { name: L.attractiveness, nameLocation: "middle", nameGap: 32, min: 1, max: 10, interval: 1 },
    series: [{
      type: "scatter",
      symbolSize: cells ? undefined : (many ? 5 : 10),
      data: items,
      markLine: {
        silent: true, symbol: "none", lineStyle: { type: "dashed", color: "#dc3545" },
        label: { formatter: "{c}" },
        data: [{ xAxis: tf }, { yAxis: ta }]
      },
      markArea: {
        silent: true,
        data: [
          region(tf, 10, ta, 10, L.tier1, colours.tier1),
          region(tf, 10, 1, ta, L.tier2, colours.tier2),
          region(1, tf, ta, 10, L.tier3, colours.tier3),
          region(1, tf, 1, ta, L.no, colours.no)
        ]
      }
    }]
  });
  chart.on("click", function (item) {
    if (!item.data) { return; }
    if (item.data.c) {
      window.location.href = data.cell_url.replace("{a}", item.data.c[0]).replace("{f}", item.data.c[1]);
    } else if (item.data.p) {
      window.location.href = data.url.replace("{id}", item.data.p[0]);
    }
  });
  window.addEventListener("resize", function () { chart.resize(); });
  holder.dataset.ready = "1";
})();
