// Charts of the assessment pages, drawn with ECharts from data the server put in <script type="application/json">,
// and the print buttons. ECharts renders tooltip strings as HTML: every name in them (knowledge points,
// school and county names, pseudonyms) goes through esc() first.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
  if (!window.echarts) return;
  var esc = echarts.format.encodeHTML;
  // An axis that holds every interval (ECharts sizes axes from the main series only).
  function span(low, high, pad) {
    var lo = Math.min.apply(null, low.concat([0])), hi = Math.max.apply(null, high.concat([0]));
    return { min: Math.floor(lo - pad), max: Math.ceil(hi + pad) };
  }
  function data(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) return;
    var chart = echarts.init(el);
    chart.setOption(option);
    window.addEventListener("resize", function () { chart.resize(); });
    window.addEventListener("beforeprint", function () { chart.resize(); });
  }
  // An interval [low, high] per category, drawn as a vertical line with caps.
  function errorBars(low, high) {
    return {
      type: "custom", name: "95% 区间", silent: true, z: 5,
      data: low.map(function (l, i) { return [i, l, high[i]]; }),
      renderItem: function (params, api) {
        var x = api.value(0), lo = api.coord([x, api.value(1)]), hi = api.coord([x, api.value(2)]);
        var w = api.size([1, 0])[0] * 0.15;
        var style = { stroke: "#334155", lineWidth: 1.5 };
        return { type: "group", children: [
          { type: "line", shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
          { type: "line", shape: { x1: lo[0] - w, y1: lo[1], x2: lo[0] + w, y2: lo[1] }, style: style },
          { type: "line", shape: { x1: hi[0] - w, y1: hi[1], x2: hi[0] + w, y2: hi[1] }, style: style }
        ] };
      }
    };
  }

  var res = data("result-data");
  if (res) {
    draw("result-chart", {
      tooltip: { trigger: "axis", formatter: function (ps) {
        return esc(res.points[ps[0].dataIndex]) + "<br>答对 " + res.correct[ps[0].dataIndex] + " 题，预期 " + res.expected[ps[0].dataIndex];
      } },
      legend: { data: ["答对", "预期答对"] },
      grid: { left: 40, right: 20, top: 30, bottom: 90 },
      xAxis: { type: "category", data: res.points, axisLabel: { rotate: 40, fontSize: 11 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "答对", type: "bar", data: res.correct, itemStyle: { color: "#0b6e4f" } },
        { name: "预期答对", type: "bar", data: res.expected, itemStyle: { color: "#94a3b8" } }
      ]
    });
  }

  var reg = data("region-data");
  if (reg) {
    draw("region-chart", {
      tooltip: { trigger: "axis", formatter: function (ps) {
        var i = ps[0].dataIndex;
        return esc(reg.labels[i]) + "<br>平均量表分 " + reg.values[i] + "（" + reg.low[i] + "–" + reg.high[i] + "）";
      } },
      grid: { left: 50, right: 20, top: 20, bottom: 120 },
      xAxis: { type: "category", data: reg.labels, axisLabel: { rotate: 50, fontSize: 11 } },
      yAxis: Object.assign({ type: "value" }, span(reg.low, reg.high, 10), { min: Math.floor(Math.min.apply(null, reg.low.concat([500])) - 10) }),
      series: [{ type: "scatter", data: reg.values, symbolSize: 10, itemStyle: { color: "#0b6e4f" } }, errorBars(reg.low, reg.high)]
    });
  }

  var cls = data("class-data");
  if (cls) {
    var low = cls.scores.map(function (s, i) { return s - cls.errors[i]; });
    var high = cls.scores.map(function (s, i) { return s + cls.errors[i]; });
    draw("class-chart", {
      tooltip: { trigger: "axis", formatter: function (ps) {
        var i = ps[0].dataIndex;
        return esc(cls.students[i]) + "<br>量表分 " + cls.scores[i] + " ± " + cls.errors[i];
      } },
      grid: { left: 50, right: 20, top: 20, bottom: 90 },
      xAxis: { type: "category", data: cls.students, axisLabel: { rotate: 60, fontSize: 10 } },
      yAxis: Object.assign({ type: "value" }, span(low, high, 10), { min: Math.floor(Math.min.apply(null, low.concat([500])) - 10) }),
      series: [{ type: "scatter", data: cls.scores, symbolSize: 9, itemStyle: { color: "#0b6e4f" } }, errorBars(low, high)]
    });
  }

  var out = data("outcome-data");
  if (out) {
    draw("outcome-chart", {
      tooltip: { trigger: "axis", formatter: function (ps) {
        var i = ps[0].dataIndex;
        return esc(out.labels[i]) + "<br>增值 " + out.va[i] + " 分（" + out.low[i] + " – " + out.high[i] + "）<br>平均进步 " + out.growth[i] + " 分";
      } },
      grid: { left: 50, right: 20, top: 20, bottom: 120 },
      xAxis: { type: "category", data: out.labels, axisLabel: { rotate: 50, fontSize: 11 } },
      yAxis: Object.assign({ type: "value", name: "增值（分）" }, span(out.low, out.high, 2)),
      series: [{ type: "bar", data: out.va, itemStyle: { color: "#0b6e4f" } }, errorBars(out.low, out.high)]
    });
  }
})();
