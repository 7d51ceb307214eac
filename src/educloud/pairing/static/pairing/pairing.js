// Event-study chart of the pairing effect page (data from json_script; CSP: no inline script).
(function () {
  "use strict";
  var node = document.getElementById("event-chart");
  var data = document.getElementById("event-data");
  if (!node || !data || !window.echarts) return;
  var d = JSON.parse(data.textContent);
  var enc = window.echarts.format.encodeHTML;
  var labels = d.event_times.map(function (e) { return String(e); });
  var chart = window.echarts.init(node);
  chart.setOption({
    animation: false,
    tooltip: {
      trigger: "axis",
      formatter: function (items) {
        var i = items[0].dataIndex;
        return "相对结对第 " + enc(labels[i]) + " 年<br>效应 " + enc(String(d.att[i])) +
          "<br>95% 区间 " + enc(String(d.low[i])) + " 至 " + enc(String(d.high[i]));
      }
    },
    xAxis: { type: "category", data: labels, name: "相对结对年份" },
    yAxis: { type: "value", name: "效应（标准差）" },
    series: [
      { name: "下限", type: "line", data: d.low, lineStyle: { opacity: 0 }, stack: "ci", stackStrategy: "all", symbol: "none" },
      {
        name: "区间", type: "line", symbol: "none", stack: "ci", stackStrategy: "all", lineStyle: { opacity: 0 },
        areaStyle: { opacity: 0.2 },
        data: d.high.map(function (h, i) { return h - d.low[i]; })
      },
      { name: "效应", type: "line", data: d.att, symbolSize: 8, markLine: { data: [{ yAxis: 0 }], symbol: "none", silent: true } }
    ]
  });
})();
