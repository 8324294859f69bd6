// Evaluation page charts (data embedded as JSON by the page; no inline script, CSP-friendly).
// Titles are HTML headings above each chart, and the legend is one scrollable row, so neither can
// run into the other or into the plot at any width.
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("evaluation-chart-data");
  if (!window.echarts || !node) { return; }
  var data = JSON.parse(node.textContent);
  if (!data) { return; }
  var colors = ["#1b7f3b", "#1f4e8c", "#d08a00", "#a61b1b", "#6b7685", "#7b4ca0"];
  function common(categories) {
    return {
      animation: false, color: colors,
      legend: {type: "scroll", top: 0, left: 0, right: 0},
      grid: {left: 8, right: 16, top: 36, bottom: 8, containLabel: true},
      tooltip: {trigger: "axis"},
      xAxis: {type: "category", data: categories, axisLabel: {hideOverlap: true}},
      yAxis: {type: "value", splitLine: {lineStyle: {color: "#e6e9ef"}}}
    };
  }
  var charts = [];
  var el = document.getElementById("by-district");
  if (el) {
    var bars = echarts.init(el, null, {renderer: "svg"});
    var option = common(data.districts);
    option.series = data.grades.map(function (g) { return {name: data.labels[g] || g, type: "bar", stack: "n", data: data.counts[g]}; });
    bars.setOption(option);
    charts.push(bars);
  }
  el = document.getElementById("over-time");
  if (el) {
    var lines = echarts.init(el, null, {renderer: "svg"});
    var option2 = common(data.dates);
    option2.series = data.grades.map(function (g) { return {name: data.labels[g] || g, type: "line", data: data.over_time[g]}; });
    lines.setOption(option2);
    charts.push(lines);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
