// The evaluation matrix (评估矩阵): attractiveness × feasibility scatter with threshold lines, the
// four labelled tier regions, hover, click-to-open and PNG export. Data comes from json_script.
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
  var points = data.points.map(function (p) {
    var tier = p.tier || p.proposed;
    return {
      value: [parseFloat(p.f), parseFloat(p.a)],
      name: p.name,
      url: p.url,
      raw: p,
      itemStyle: { color: colours[tier] || "#999", borderColor: p.tier ? "#000" : "transparent" }
    };
  });
  function region(x1, x2, y1, y2, label, colour) {
    return [{ xAxis: x1, yAxis: y1, name: label, itemStyle: { color: colour, opacity: 0.08 },
              label: { show: true, position: "insideTop", color: "#555", fontWeight: "bold" } },
            { xAxis: x2, yAxis: y2 }];
  }
  var chart = window.echarts.init(holder, null, { renderer: "canvas" });
  holder.dataset.points = String(points.length);
  chart.setOption({
    animation: points.length < 1000,
    grid: { left: 50, right: 30, top: 40, bottom: 50 },
    toolbox: { feature: { saveAsImage: { title: L.save, name: "evaluation-matrix", pixelRatio: 2 } } },
    tooltip: {
      trigger: "item",
      formatter: function (item) {
        var p = item.data.raw;
        var el = document.createElement("div");
        el.textContent = p.number + " " + p.name;
        var detail = document.createElement("div");
        detail.textContent = L.attractiveness + " " + p.a + " · " + L.feasibility + " " + p.f +
          " · " + (p.tier_label || p.proposed_label);
        el.appendChild(detail);
        return el.outerHTML;
      }
    },
    xAxis: { name: L.feasibility, nameLocation: "middle", nameGap: 28, min: 1, max: 10, interval: 1 },
    yAxis: { name: L.attractiveness, nameLocation: "middle", nameGap: 32, min: 1, max: 10, interval: 1 },
    series: [{
      type: "scatter",
      symbolSize: points.length > 2000 ? 5 : 10,
      large: points.length > 2000,
      data: points,
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
    if (item.data && item.data.url) { window.location.href = item.data.url; }
  });
  window.addEventListener("resize", function () { chart.resize(); });
  holder.dataset.ready = "1";
})();
