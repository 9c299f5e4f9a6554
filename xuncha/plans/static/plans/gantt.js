// Gantt-style timeline of rounds and inspections (ECharts custom series).
(function () {
  var el = document.getElementById("gantt");
  var src = document.getElementById("gantt-data");
  if (!el || !src || !window.echarts) return;
  var rows = JSON.parse(src.textContent);
  if (!rows.length) { el.innerHTML = '<p class="xc-empty p-3">暂无轮次安排。</p>'; el.style.height = "auto"; return; }
  var labels = rows.map(function (r) { return r.label; }).reverse();
  var data = rows.map(function (r, i) {
    return { value: [rows.length - 1 - i, +new Date(r.start), +new Date(r.end) + 86400000, r.label, r.kind || "轮次"],
             itemStyle: { color: r.round ? "#b22222" : "#5470c6" } };
  });
  var chart = echarts.init(el);
  chart.setOption({
    tooltip: { formatter: function (p) { return p.value[3] + "<br>" + p.value[4] + "：" + new Date(p.value[1]).toLocaleDateString("zh-CN") + " — " + new Date(p.value[2] - 86400000).toLocaleDateString("zh-CN"); } },
    grid: { left: 220, right: 20, top: 20, bottom: 30 },
    xAxis: { type: "time" },
    yAxis: { type: "category", data: labels, axisLabel: { width: 200, overflow: "truncate" } },
    series: [{ type: "custom", encode: { x: [1, 2], y: 0 }, data: data,
      renderItem: function (params, api) {
        var y = api.value(0), a = api.coord([api.value(1), y]), b = api.coord([api.value(2), y]);
        var h = api.size([0, 1])[1] * 0.6;
        return { type: "rect", shape: { x: a[0], y: a[1] - h / 2, width: Math.max(b[0] - a[0], 2), height: h }, style: api.style() };
      } }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
