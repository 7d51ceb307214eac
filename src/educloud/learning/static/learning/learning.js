// Charts of the learning pages, drawn with ECharts from data the server put in <script type="application/json">.
// ECharts renders tooltip strings as HTML: every name in them (knowledge points are imported by bureaus,
// pseudonyms by schools) goes through esc() first. Canvas labels are drawn as text and need no escaping.
(function () {
  "use strict";
  if (!window.echarts) return;
  var esc = echarts.format.encodeHTML;
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function colour(p) {
    if (p === null || p === undefined) return "#cbd5e1";
    // red (0) -> amber (0.5) -> green (1)
    var r = p < 0.5 ? 220 : Math.round(220 - (p - 0.5) * 2 * 180);
    var g = p < 0.5 ? Math.round(60 + p * 2 * 140) : 200;
    return "rgb(" + r + "," + g + ",70)";
  }
  var pct = function (v) { return Math.round(v * 100) + "%"; };

  var graph = data("graph-data"), graphEl = document.getElementById("mastery-graph");
  if (graph && graphEl && window.echarts) {
    var chart = echarts.init(graphEl);
    chart.setOption({
      tooltip: {
        formatter: function (p) {
          if (p.dataType !== "node") return "";
          var d = p.data;
          return esc(d.name) + "（" + esc(d.code) + "）" + (d.p === null ? "" : "<br>掌握概率 " + pct(d.p) + "，作答 " + d.n + " 次");
        }
      },
      series: [{
        type: "graph", layout: "none", roam: true, animation: false, symbolSize: 18, edgeSymbol: ["none", "arrow"], edgeSymbolSize: 7,
        label: { show: true, position: "bottom", fontSize: 11 },
        lineStyle: { color: "#94a3b8", curveness: 0.08 },
        data: graph.nodes.map(function (n) {
          return Object.assign({}, n, { itemStyle: { color: colour(n.p), borderColor: "#334155" } });
        }),
        links: graph.links
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  var heat = data("heatmap-data"), heatEl = document.getElementById("class-heatmap");
  if (heat && heatEl && window.echarts) {
    heatEl.style.height = Math.max(360, 28 * heat.points.length + 120) + "px";
    var h = echarts.init(heatEl);
    h.setOption({
      tooltip: { formatter: function (p) { return esc(heat.students[p.data[0]]) + " · " + esc(heat.points[p.data[1]]) + "：" + pct(p.data[2]); } },
      grid: { left: 140, right: 20, top: 10, bottom: 90 },
      xAxis: { type: "category", data: heat.students, axisLabel: { rotate: 60, fontSize: 10 } },
      yAxis: { type: "category", data: heat.points, inverse: true },
      visualMap: { min: 0, max: 1, calculable: true, orient: "horizontal", left: "center", bottom: 0,
                   inRange: { color: ["#dc2626", "#f59e0b", "#16a34a"] } },
      series: [{ type: "heatmap", data: heat.cells, animation: false }]
    });
    window.addEventListener("resize", function () { h.resize(); });
  }

  var agg = data("overview-data"), aggEl = document.getElementById("overview-chart");
  if (agg && aggEl && window.echarts) {
    var a = echarts.init(aggEl);
    a.setOption({
      tooltip: { trigger: "axis", valueFormatter: pct },
      grid: { left: 50, right: 20, top: 20, bottom: 110 },
      xAxis: { type: "category", data: agg.points, axisLabel: { rotate: 60, fontSize: 11 } },
      yAxis: { type: "value", min: 0, max: 1, axisLabel: { formatter: pct } },
      series: [{ type: "bar", data: agg.overall, itemStyle: { color: "#0b6e4f" } }]
    });
    window.addEventListener("resize", function () { a.resize(); });
  }
})();
