// The statistics page's charts; the figures come from the page's JSON block.
document.addEventListener("DOMContentLoaded", function () {
  const block = document.getElementById("stats-chart");
  if (!block || typeof echarts === "undefined") return;
  const d = JSON.parse(block.textContent);
  const axis = { type: "category", data: d.columns, axisLabel: { interval: 0, rotate: d.columns.length > 4 ? 30 : 0 } };
  echarts.init(document.getElementById("c-volume")).setOption({
    title: { text: "主要工作量", left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { top: 40, bottom: 80, left: 50, right: 20 },
    xAxis: axis, yAxis: { type: "value", minInterval: 1 },
    series: d.series.map(s => ({ name: s.name, type: "bar", data: s.data }))
  });
  echarts.init(document.getElementById("c-rates")).setOption({
    title: { text: "整改完成率与按期完成率（%）", left: "center", textStyle: { fontSize: 14 } },
    tooltip: { trigger: "axis" }, legend: { bottom: 0 }, grid: { top: 40, bottom: 80, left: 50, right: 20 },
    xAxis: axis, yAxis: { type: "value", max: 100 },
    series: d.rates.map(s => ({ name: s.name, type: "line", data: s.data }))
  });
});
