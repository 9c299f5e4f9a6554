// Trend of the hot issues (weekly counts), from the JSON island #hot-data into #hot-trend.
// A file of its own: the content security policy refuses inline scripts.
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("hot-trend");
  var src = document.getElementById("hot-data");
  if (!el || !src || typeof echarts === "undefined") return;
  var d = JSON.parse(src.textContent);
  var many = d.series.length > 1;
  echarts.init(el).setOption({
    title: { text: "近12周趋势（件/周）", left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" },
    legend: many ? { bottom: 0 } : undefined,
    grid: { top: 40, bottom: many ? 50 : 30, left: 40, right: 20 },
    xAxis: { type: "category", data: d.weeks },
    yAxis: { type: "value", minInterval: 1 },
    series: d.series.map(function (s) { return { name: s.name, type: "line", data: s.data }; })
  });
});
