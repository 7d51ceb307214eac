// Charts of the equity pages. Data comes from json_script tags (never JS built from data).
// ECharts renders tooltip strings as HTML: names (school names are edited by schools) go through esc().
(function () {
  "use strict";
  if (typeof echarts === "undefined") { return; }
  var esc = echarts.format.encodeHTML;
  function data(id) { var el = document.getElementById(id); return el ? JSON.parse(el.textContent) : null; }
  function chart(id) { var el = document.getElementById(id); if (!el) { return null; } var c = echarts.init(el); window.addEventListener("resize", function () { c.resize(); }); return c; }
  var COLORS = { pass: "#0b6e4f", near: "#d97706", fail: "#b91c1c", no_data: "#9ca3af" };
  var STATUS = { pass: "达标", near: "学校达标率≥85%", fail: "学校达标率<85%", no_data: "无数据" };

  var points = data("equity-map-data"), map = points && chart("equity-map");
  if (map) {
    map.setOption({
      tooltip: { formatter: function (p) { var d = p.data; return esc(d.name) + "（" + esc(d.province) + "）<br>" + STATUS[d.status] + "<br>达标学校 " + d.n_passing + " / " + d.n_schools; } },
      legend: { top: 0 },
      grid: { left: 40, right: 10, top: 30, bottom: 30 },
      xAxis: { type: "value", scale: true, name: "经度" }, yAxis: { type: "value", scale: true, name: "纬度" },
      series: Object.keys(STATUS).map(function (status) {
        return { name: STATUS[status], type: "scatter", symbolSize: 11, itemStyle: { color: COLORS[status] },
                 data: points.filter(function (p) { return p.status === status; }) };
      })
    });
    map.on("click", function (p) { if (p.data && p.data.code) { window.location.href = "/equity/counties/" + p.data.code + "/"; } });
  }

  var county = data("county-chart-data");
  var indicators = county && chart("indicator-chart");
  if (indicators) {
    indicators.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 50, right: 20, top: 30, bottom: 110 },
      xAxis: { type: "category", data: county.labels, axisLabel: { interval: 0, rotate: 35, fontSize: 10, formatter: function (v) { return v.length > 12 ? v.slice(0, 12) + "…" : v; } } },
      yAxis: { type: "value", name: "%" },
      series: [
        { name: "县域均值/标准值", type: "bar", data: county.ratio, itemStyle: { color: "#0b6e4f" },
          markLine: { symbol: "none", data: [{ yAxis: 100, name: "标准值" }], lineStyle: { color: "#b91c1c" } } },
        { name: "达标学校比例", type: "line", data: county.met_share, itemStyle: { color: "#d97706" } }
      ]
    });
  }
  var cv = county && chart("cv-chart");
  if (cv) {
    cv.setOption({
      tooltip: { trigger: "axis" },
      grid: { left: 50, right: 20, top: 36, bottom: 110 },
      xAxis: { type: "category", data: county.labels, axisLabel: { interval: 0, rotate: 35, fontSize: 10, formatter: function (v) { return v.length > 12 ? v.slice(0, 12) + "…" : v; } } },
      yAxis: { type: "value", name: "差异系数" },
      series: [{ name: "差异系数", type: "bar",
        data: county.cv.map(function (v) { return { value: v, itemStyle: { color: v === null || v > county.cv_limit ? "#b91c1c" : "#2563eb" } }; }),
        markLine: { symbol: "none", data: [{ yAxis: county.cv_limit, name: "限值" }], lineStyle: { color: "#b91c1c", type: "dashed" } } }]
    });
  }
  var trend = data("trend-chart-data"), trendChart = trend && chart("trend-chart");
  if (trendChart) {
    trendChart.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 50, right: 50, top: 30, bottom: 30 },
      xAxis: { type: "category", data: trend.years },
      yAxis: [{ type: "value", name: "学校达标率 %", max: 100 }, { type: "value", name: "最大差异系数" }],
      series: [
        { name: "学校达标率", type: "line", data: trend.pass_rate, itemStyle: { color: "#0b6e4f" } },
        { name: "最大差异系数", type: "line", yAxisIndex: 1, data: trend.worst_cv, itemStyle: { color: "#2563eb" },
          markLine: { symbol: "none", data: [{ yAxis: trend.cv_limit }], lineStyle: { color: "#b91c1c", type: "dashed" } } }
      ]
    });
  }

  var ineq = data("inequality-chart-data");
  var theil = ineq && chart("theil-chart");
  if (theil) {
    theil.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 170, right: 20, top: 30, bottom: 30 },
      yAxis: { type: "category", data: ineq.groupings, axisLabel: { fontSize: 10, formatter: function (v) { return v.length > 12 ? v.slice(0, 12) + "…" : v; } } },
      xAxis: { type: "value", name: "Theil T" },
      series: [
        { name: "组间", type: "bar", stack: "t", data: ineq.between, itemStyle: { color: "#c2410c" } },
        { name: "组内", type: "bar", stack: "t", data: ineq.within, itemStyle: { color: "#0b6e4f" } }
      ]
    });
  }
  var loc = ineq && chart("location-chart");
  if (loc) {
    loc.setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 },
      grid: { left: 60, right: 60, top: 30, bottom: 30 },
      xAxis: { type: "category", data: ineq.location.map(function (g) { return g.name; }) },
      yAxis: [{ type: "value", name: ineq.unit }, { type: "value", name: "组内 Theil" }],
      series: [
        { name: "加权均值", type: "bar", data: ineq.location.map(function (g) { return g.mean; }), itemStyle: { color: "#2563eb" } },
        { name: "组内泰尔指数", type: "line", yAxisIndex: 1, data: ineq.location.map(function (g) { return g.theil; }), itemStyle: { color: "#c2410c" } }
      ]
    });
  }

  var dea = data("dea-chart-data"), deaChart = dea && chart("dea-chart");
  if (deaChart) {
    deaChart.setOption({
      tooltip: { formatter: function (p) { return esc(p.data.name) + "<br>生均经费 " + p.data.value[0].toFixed(0) + " 元<br>效率 " + p.data.value[1]; } },
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: { type: "value", name: "生均经费（元）", scale: true }, yAxis: { type: "value", name: "效率", max: 1 },
      series: [{ type: "scatter", data: dea, itemStyle: { color: "#0b6e4f" } }]
    });
  }
})();
