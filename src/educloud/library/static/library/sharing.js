// Cross-border sharing chart: data comes from the page's json_script block, never from inline JS.
(function () {
  var el = document.getElementById("sharing-chart");
  var dataEl = document.getElementById("sharing-data");
  if (!el || !dataEl || typeof echarts === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["四川用户→重庆资源", "重庆用户→四川资源"] },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", name: "人" },
    series: [
      { name: "四川用户→重庆资源", type: "bar", data: data.sc_to_cq },
      { name: "重庆用户→四川资源", type: "bar", data: data.cq_to_sc }
    ]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
