// Draws the home page's bar chart from the JSON beside it; the table shows the same figures
// without JavaScript. Kept in a file because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("level-chart");
    var src = document.getElementById("level-chart-data");
    if (!box || !src || !window.echarts) return;
    var d;
    try { d = JSON.parse(src.textContent); } catch (e) { return; }
    if (!d || !d.labels || !d.labels.length) return;
    var large = document.documentElement.classList.contains("large-text");
    var font = large ? 18 : 13;
    box.hidden = false;
    var chart = window.echarts.init(box);
    chart.setOption({
      aria: { enabled: true },
      animation: false,
      grid: { left: 40, right: 16, top: 16, bottom: 40 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: font, color: "#000" } },
      yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: font, color: "#000" } },
      series: [{ type: "bar", name: d.title, data: d.values, itemStyle: { color: "#a40000" },
        label: { show: true, position: "top", fontSize: font, color: "#000" } }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
  document.addEventListener("htmx:afterSettle", draw);
})();
