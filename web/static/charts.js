// Draws a bar chart for every element with class "chart" and a data-source naming the JSON
// script beside it; the tables next to the charts carry the same figures without JavaScript.
// A file of its own because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  function drawAll() {
    if (!window.echarts) return;
    var boxes = document.querySelectorAll(".chart[data-source]");
    var large = document.documentElement.classList.contains("large-text");
    var font = large ? 18 : 13;
    Array.prototype.forEach.call(boxes, function (box) {
      var src = document.getElementById(box.getAttribute("data-source"));
      if (!src || box.getAttribute("data-drawn")) return;
      var d;
      try { d = JSON.parse(src.textContent); } catch (e) { return; }
      if (!d || !d.labels || !d.labels.length) return;
      box.hidden = false;
      box.setAttribute("data-drawn", "1");
      var chart = window.echarts.init(box);
      chart.setOption({
        aria: { enabled: true },
        animation: false,
        title: { text: d.title, textStyle: { fontSize: font } },
        grid: { left: 40, right: 16, top: 40, bottom: 40 },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: font, color: "#000", interval: 0 } },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: font, color: "#000" } },
        series: [{ type: "bar", name: d.title, data: d.values, itemStyle: { color: "#a40000" },
          label: { show: true, position: "top", fontSize: font, color: "#000" } }]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", drawAll);
})();
