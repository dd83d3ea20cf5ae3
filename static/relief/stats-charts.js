/* County statistics: decisions per township and spot-check coverage from #chart-data. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var source = document.getElementById("chart-data");
  if (!window.echarts || !source) { return; }
  var d = JSON.parse(source.textContent);
  // richText: tooltips drawn on the canvas, not as HTML with style="" attributes.
  var tooltip = {trigger: "axis", renderMode: "richText"};
  var a = echarts.init(document.getElementById("chart-decisions"));
  a.setOption({title: {text: "各乡镇决定数", textStyle: {fontSize: 14}}, tooltip: tooltip, legend: {top: 24},
    grid: {top: 60, left: 40, right: 10, bottom: 30}, xAxis: {type: "category", data: d.townships}, yAxis: {type: "value"},
    series: [{name: "确认", type: "bar", stack: "k", data: d.confirmed}, {name: "不予确认", type: "bar", stack: "k", data: d.refused},
             {name: "终止", type: "bar", stack: "k", data: d.terminated}, {name: "撤销", type: "bar", stack: "k", data: d.revoked}]});
  var b = echarts.init(document.getElementById("chart-checks"));
  b.setOption({title: {text: "抽查覆盖率与问题率(%)", textStyle: {fontSize: 14}}, tooltip: tooltip, legend: {top: 24},
    grid: {top: 60, left: 40, right: 10, bottom: 30}, xAxis: {type: "category", data: d.townships}, yAxis: {type: "value", max: 100},
    series: [{name: "覆盖率", type: "bar", data: d.coverage}, {name: "问题率", type: "bar", data: d.problem_rate}]});
  a.getDom().dataset.rendered = "1";
  window.addEventListener("resize", function () { a.resize(); b.resize(); });
});
