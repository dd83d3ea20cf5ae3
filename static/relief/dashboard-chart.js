/* Deadline dashboard: monthly throughput chart from the #throughput-data JSON block. */
(function () {
  "use strict";
  function draw() {
    var el = document.getElementById("throughput-chart");
    var source = document.getElementById("throughput-data");
    if (!window.echarts || !el || !source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = echarts.init(el);
    chart.setOption({
      // richText: the tooltip is drawn on the canvas, not as HTML with style="" attributes.
      tooltip: {trigger: "axis", renderMode: "richText"},
      legend: {data: ["受理", "办结", "超期办结"]},
      grid: {left: 40, right: 16, bottom: 40, top: 40},
      xAxis: {type: "category", data: data.months},
      yAxis: {type: "value", minInterval: 1},
      series: [
        {name: "受理", type: "bar", data: data.accepted},
        {name: "办结", type: "bar", data: data.decided},
        {name: "超期办结", type: "line", data: data.late}
      ]
    });
    el.dataset.rendered = "1";
    window.addEventListener("resize", function () { chart.resize(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
