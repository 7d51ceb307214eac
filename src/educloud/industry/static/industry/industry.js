// Supply–demand gap chart of /industry/gap/ (data from json_script; CSP: no inline script).
// Labels are user text (region and industry names): escaped in tooltips with ECharts' encodeHTML.
(function () {
  "use strict";
  var node = document.getElementById("gap-chart");
  var data = document.getElementById("gap-data");
  if (!node || !data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var enc = window.echarts.format.encodeHTML;
  var chart = window.echarts.init(node);
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: "axis",
      axisPointer: { type: "shadow" },
      formatter: function (items) {
        var i = items[0].dataIndex;
        return enc(d.labels[i]) + "<br>需求 " + enc(String(d.demand[i])) + " 人<br>供给 " +
          enc(String(d.supply[i])) + " 人/年<br>缺口 " + enc(String(d.gap[i]));
      }
    },
    legend: { data: ["需求", "供给", "缺口（需求−供给）"] },
    grid: { left: 60, right: 20, bottom: 110 },
    xAxis: { type: "category", data: d.labels, axisLabel: { rotate: 45, interval: 0 } },
    yAxis: { type: "value", name: "人" },
    series: [
      { name: "需求", type: "bar", data: d.demand },
      { name: "供给", type: "bar", data: d.supply },
      {
        name: "缺口（需求−供给）", type: "line", data: d.gap, symbolSize: 7,
        markLine: { data: [{ yAxis: 0 }], symbol: "none", silent: true }
      }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
