// Draws the progress pages' grouped bar charts: every element with class "mchart" and a
// data-msource naming the JSON script beside it ({title, labels, series: [{name, values}]}).
// The tables beside the charts carry the same figures without JavaScript and in print.
(function () {
  "use strict";
  var colours = ["#a40000", "#1f4e79", "#6b6b00", "#5b2c6f", "#00695c"];
  function drawAll() {
    if (!window.echarts) return;
    var large = document.documentElement.classList.contains("large-text");
    var font = large ? 18 : 13;
    Array.prototype.forEach.call(document.querySelectorAll(".mchart[data-msource]"), function (box) {
      var src = document.getElementById(box.getAttribute("data-msource"));
      if (!src || box.getAttribute("data-drawn")) return;
      var d;
      try { d = JSON.parse(src.textContent); } catch (e) { return; }
      if (!d || !d.labels || !d.labels.length || !d.series || !d.series.length) return;
      box.hidden = false;
      box.setAttribute("data-drawn", "1");
      var chart = window.echarts.init(box);
      chart.setOption({
        aria: { enabled: true },
        animation: false,
        title: { text: d.title, textStyle: { fontSize: font } },
        legend: { top: 28, textStyle: { fontSize: font, color: "#000" } },
        grid: { left: 40, right: 16, top: 72, bottom: 48, containLabel: true },
        tooltip: { trigger: "axis" },
        xAxis: { type: "category", data: d.labels, axisLabel: { fontSize: font, color: "#000", interval: 0, rotate: d.labels.length > 8 ? 45 : 0 } },
        yAxis: { type: "value", minInterval: 1, axisLabel: { fontSize: font, color: "#000" } },
        series: d.series.map(function (s, i) {
          return { type: "bar", name: s.name, data: s.values, itemStyle: { color: colours[i % colours.length] },
            label: { show: d.labels.length <= 12 && d.series.length <= 2, position: "top", fontSize: font, color: "#000" } };
        })
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
