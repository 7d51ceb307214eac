// Home dashboard: scatter map of the circle's member counties, from their seat coordinates.
// Data comes from a json_script tag (no inline JS built from data); ECharts renders tooltip strings
// as HTML, so names go through echarts.format.encodeHTML first.
(function () {
  "use strict";
  var el = document.getElementById("circle-map");
  var dataTag = document.getElementById("map-data");
  if (!el || !dataTag || typeof echarts === "undefined") { return; }
  var points = JSON.parse(dataTag.textContent);
  var byProvince = {};
  points.forEach(function (p) { (byProvince[p.province] = byProvince[p.province] || []).push(p); });
  var colors = { "重庆市": "#c2410c", "四川省": "#0b6e4f" };
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { formatter: function (p) { return echarts.format.encodeHTML(p.data.name) + "<br>学校 " + p.data.value[2] + (p.data.partial ? "（部分纳入）" : ""); } },
    legend: { top: 0 },
    grid: { left: 40, right: 10, top: 30, bottom: 30 },
    xAxis: { type: "value", scale: true, name: "经度", axisLabel: { formatter: "{value}°" } },
    yAxis: { type: "value", scale: true, name: "纬度", axisLabel: { formatter: "{value}°" } },
    series: Object.keys(byProvince).map(function (prov) {
      return {
        name: prov, type: "scatter",
        itemStyle: { color: colors[prov] || "#555" },
        symbolSize: function (v) { return 6 + Math.sqrt(v[2]) * 2; },
        data: byProvince[prov].map(function (p) {
          return { name: p.name, value: p.value, code: p.code, partial: p.partial,
                   itemStyle: p.partial ? { color: "#fff", borderColor: colors[prov], borderWidth: 2 } : undefined };
        })
      };
    })
  });
  chart.on("click", function (p) { if (p.data && p.data.code) { window.location.href = "/counties/" + p.data.code + "/"; } });
  window.addEventListener("resize", function () { chart.resize(); });
})();
