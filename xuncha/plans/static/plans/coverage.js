// Coverage charts: progress per year against the even-pace line, and districts as bars.
(function () {
  var src = document.getElementById("coverage-data");
  if (!src || !window.echarts) return;
  var d = JSON.parse(src.textContent);
  var p = document.getElementById("progress-chart");
  if (p && d.progress) {
    var c = echarts.init(p);
    c.setOption({
      animation: false,
      tooltip: { trigger: "axis" }, legend: { data: ["累计覆盖率", "均衡进度"] },
      xAxis: { type: "category", data: d.progress.map(function (x) { return x.year + "年"; }) },
      yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      series: [
        { name: "累计覆盖率", type: "bar", data: d.progress.map(function (x) { return x.rate; }), itemStyle: { color: "#b22222" } },
        { name: "均衡进度", type: "line", data: d.progress.map(function (x) { return x.target_rate; }), lineStyle: { type: "dashed" } }
      ]
    });
  }
  var g = document.getElementById("district-chart");
  if (g && d.by_district) {
    var c2 = echarts.init(g);
    c2.setOption({
      animation: false,
      tooltip: {}, grid: { left: 80, right: 20, top: 10, bottom: 20 },
      xAxis: { type: "value", max: 100 }, yAxis: { type: "category", data: d.by_district.map(function (x) { return x.label; }) },
      series: [{ type: "bar", data: d.by_district.map(function (x) { return x.rate; }), itemStyle: { color: "#c0504d" } }]
    });
  }
})();
