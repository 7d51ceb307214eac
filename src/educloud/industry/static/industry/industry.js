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
  var charts = [chart];

  // The gap map: each region at its seat (longitude, latitude on value axes: no boundary data ships
  // with the platform, and nothing is fetched at run time), area by the size of the gap, colour by sign.
  var mapNode = document.getElementById("gap-map");
  if (mapNode && d.points && d.points.length) {
    var largest = Math.max.apply(null, d.points.map(function (p) { return Math.abs(p.value[2]); })) || 1;
    var map = window.echarts.init(mapNode);
    map.setOption({
      animation: false,
      tooltip: {
        trigger: "item",
        formatter: function (item) {
          var v = item.value;
          return enc(item.name) + "<br>需求 " + enc(String(v[3])) + " 人<br>供给 " + enc(String(v[4])) +
            " 人/年<br>缺口 " + enc(String(v[2]));
        }
      },
      grid: { left: 50, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "value", name: "经度", scale: true },
      yAxis: { type: "value", name: "纬度", scale: true },
      series: [{
        type: "scatter",
        data: d.points,
        symbolSize: function (v) { return 6 + 40 * Math.sqrt(Math.abs(v[2]) / largest); },
        itemStyle: {
          color: function (p) { return p.value[2] > 0 ? "#c23531" : "#2f6fb0"; },
          opacity: 0.75
        }
      }]
    });
    charts.push(map);
  }
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
