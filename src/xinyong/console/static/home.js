// Home page chart: records and subjects by district (data embedded as JSON by the page).
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("records-chart");
  if (!window.echarts || !el) { return; }
  var data = JSON.parse(document.getElementById("chart-data").textContent);
  var chart = echarts.init(el, null, {renderer: "svg"});
  chart.setOption({
    animation: false,
    color: ["#1f4e8c", "#9fb6d6"],
    grid: {left: 64, right: 24, top: 36, bottom: 48},
    legend: {top: 0, right: 0, data: ["信用信息 Records", "信用主体 Subjects"]},
    tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
    xAxis: {type: "category", data: data.districts, axisLabel: {interval: 0, fontSize: 12}},
    yAxis: {type: "value", splitLine: {lineStyle: {color: "#e6e9ef"}}},
    series: [
      {name: "信用信息 Records", type: "bar", data: data.records, barMaxWidth: 22},
      {name: "信用主体 Subjects", type: "bar", data: data.subjects, barMaxWidth: 22}
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
});
