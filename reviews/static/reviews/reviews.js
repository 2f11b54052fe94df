// Charts of the annual review and the dashboard panels (ECharts, vendored). Data comes from
// json_script elements; no inline script anywhere (CSP script-src 'self').
(function () {
  "use strict";
  var TIER_COLORS = { tier1: "#198754", tier2: "#0d6efd", tier3: "#fd7e14", no: "#6c757d" };

  function option(spec) {
    var title = { text: spec.title, textStyle: { fontSize: 13 } };
    if (spec.type === "scatter") {
      var series = {};
      spec.points.forEach(function (p) {
        var key = p[3] || "";
        (series[key] = series[key] || []).push([p[0], p[1], p[2]]);
      });
      var marks = spec.thresholds ? [{ xAxis: spec.thresholds[0] }, { yAxis: spec.thresholds[1] }] : [];
      return {
        title: title, tooltip: { formatter: function (p) { return p.value[2]; } },
        xAxis: { name: spec.xName, min: 0, max: 10 }, yAxis: { name: spec.yName, min: 0, max: 10 },
        grid: { left: 36, right: 24, top: 60, bottom: 28 },
        series: Object.keys(series).map(function (key, i) {
          return {
            type: "scatter", data: series[key], symbolSize: 8, itemStyle: { color: TIER_COLORS[key] || "#adb5bd" },
            markLine: i === 0 && marks.length ? { silent: true, symbol: "none", lineStyle: { type: "dashed" }, data: marks } : undefined
          };
        })
      };
    }
    var category = { type: "category", data: spec.labels, axisLabel: { interval: 0, fontSize: 10 } };
    var value = { type: "value", axisLabel: { formatter: "{value}" + (spec.unit || "") } };
    if (spec.series) {
      return {
        title: title, tooltip: { trigger: "axis" }, legend: { top: 20, textStyle: { fontSize: 11 } },
        grid: { left: 40, right: 16, top: 56, bottom: 40 }, xAxis: category, yAxis: value,
        series: spec.series.map(function (s) { return { type: "line", name: s.name, data: s.values, smooth: true }; })
      };
    }
    return {
      title: title, tooltip: { trigger: "axis" },
      grid: { left: spec.horizontal ? 110 : 40, right: 16, top: 36, bottom: 40 },
      xAxis: spec.horizontal ? value : category,
      yAxis: spec.horizontal ? Object.assign({}, category, { inverse: true }) : value,
      series: [{ type: spec.type, data: spec.values, smooth: spec.type === "line", itemStyle: { color: "#0d6efd" } }]
    };
  }

  function draw() {
    if (typeof window.echarts === "undefined") { return; }
    document.querySelectorAll("script[type='application/json'][id^='charts-'], #review-charts").forEach(function (node) {
      var specs;
      try { specs = JSON.parse(node.textContent); } catch (e) { return; }
      (Array.isArray(specs) ? specs : [specs]).forEach(function (spec) {
        var el = document.getElementById(spec.id);
        if (!el) { return; }
        var chart = window.echarts.init(el);
        chart.setOption(option(spec));
        window.addEventListener("resize", function () { chart.resize(); });
      });
    });
  }

  // <select data-autosubmit> submits its form on change.
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-autosubmit]")) { event.target.form.submit(); }
  });
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
