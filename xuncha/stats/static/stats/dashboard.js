// The home dashboard's charts; figures from the page's JSON block. A click on a bar,
// slice, tile or district opens its records (the list page, filtered through the access
// door). A map chart first fetches its GeoJSON (c.map.url, the API under the same access
// rules) and registers it as c.map.name; if that fails it is drawn as the ranked bar.
document.addEventListener("DOMContentLoaded", function () {
  const block = document.getElementById("dashboard-data");
  if (!block || typeof echarts === "undefined") return;
  const charts = JSON.parse(block.textContent);
  const small = { fontSize: 11 };
  const option = {
    bar: (c) => ({
      tooltip: { trigger: "axis" },
      grid: { top: 10, bottom: 60, left: 40, right: 10 },
      xAxis: { type: "category", data: c.rows.map((r) => r.name), axisLabel: { interval: 0, rotate: c.rows.length > 5 ? 30 : 0, ...small } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "bar", data: c.rows.map((r) => ({ value: r.value, url: r.url, itemStyle: r.color ? { color: r.color } : undefined })) }],
    }),
    hbar: (c) => {
      const rows = c.rows.slice().reverse();
      return {
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { top: 10, bottom: 20, left: 10, right: 30, containLabel: true },
        xAxis: { type: "value", minInterval: 1, max: c.max || null },
        yAxis: { type: "category", data: rows.map((r) => r.name), axisLabel: { width: 120, overflow: "truncate", ...small } },
        series: [{ type: "bar", data: rows.map((r) => ({ value: r.value, url: r.url })), label: { show: true, position: "right", formatter: c.id === "team" ? (p) => rows[p.dataIndex].stage : "{c}" } }],
      };
    },
    pie: (c) => ({
      tooltip: { trigger: "item", formatter: "{b}：{c}（{d}%）" },
      legend: { type: "scroll", bottom: 0, textStyle: small },
      series: [{ type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"], label: { show: false },
        data: c.rows.map((r) => ({ name: r.name, value: r.value, url: r.url, itemStyle: r.color ? { color: r.color } : undefined })) }],
    }),
    treemap: (c) => ({
      tooltip: { formatter: (p) => `${p.name}：${p.value}` },
      series: [{ type: "treemap", roam: false, nodeClick: false, breadcrumb: { show: false }, width: "100%", height: "100%",
        label: { show: true, formatter: "{b}\n{c}", ...small }, upperLabel: { show: true, height: 18, ...small },
        levels: [{ itemStyle: { borderWidth: 2, gapWidth: 2, borderColor: "#fff" } }, { itemStyle: { gapWidth: 1 } }],
        data: c.rows.map((r) => ({ name: r.name, value: r.value, url: r.url,
          children: r.children && r.children.length ? r.children.map((ch) => ({ name: ch.name, value: ch.value, url: ch.url })) : undefined })) }],
    }),
    line: (c) => ({
      tooltip: { trigger: "axis" },
      grid: { top: 10, bottom: 40, left: 40, right: 10 },
      xAxis: { type: "category", data: c.rows.map((r) => r.name), axisLabel: small },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ type: "line", areaStyle: { opacity: 0.15 }, data: c.rows.map((r) => ({ value: r.value, url: r.url })) }],
    }),
    map: (c) => {
      const max = c.map.max ?? Math.max(1, ...c.rows.map((r) => r.value || 0)); // districts on the map
      const value = (p) => (Number.isFinite(p.value) ? p.value : 0);
      return {
        tooltip: { trigger: "item", formatter: (p) => `${p.name}：${value(p)} ${c.unit || ""}` },
        visualMap: { type: "continuous", min: 0, max, left: 0, bottom: 0, text: [`${max}`, "0"], calculable: false,
          itemHeight: 90, inRange: { color: ["#e3f2fd", "#1565c0"] }, textStyle: small },
        series: [{ type: "map", map: c.map.name, roam: false, selectedMode: false, left: 40, right: 10, top: 10, bottom: 10,
          // dark text in a white outline: readable on the lightest and the darkest fill
          label: { show: true, formatter: (p) => `${p.name}\n${value(p)}`, color: "#1b1b1b", textBorderColor: "#fff", textBorderWidth: 2, ...small },
          emphasis: { label: { show: true }, itemStyle: { areaColor: "#ffb300" } },
          data: c.rows.map((r) => ({ name: r.name, value: r.value, url: r.url })) }],
      };
    },
    gauge: (c) => ({
      series: [{ type: "gauge", min: 0, max: 100, progress: { show: true, width: 14 }, axisLine: { lineStyle: { width: 14 } },
        axisLabel: { show: false }, splitLine: { show: false }, axisTick: { show: false }, pointer: { show: false },
        detail: { valueAnimation: false, formatter: "{value}%", fontSize: 22, offsetCenter: [0, "10%"] },
        title: { offsetCenter: [0, "45%"], fontSize: 12 },
        data: [{ value: c.rate, name: c.rows.map((r) => `${r.name} ${r.value}`).join(" / "), url: c.link }] }],
    }),
  };
  const made = [];
  const draw = (c, el, type) => {
    const chart = echarts.getInstanceByDom(el) || echarts.init(el, null, { renderer: "canvas" });
    const opt = option[type](type === "hbar" && c.type === "map" ? { ...c, rows: c.rows.slice(0, 15) } : c);
    // No animation: the figures are read, not watched (and screenshots show them whole).
    opt.animation = false;
    if (type !== "gauge" && type !== "map" && !c.rows.some((r) => r.value)) {
      opt.graphic = { type: "text", left: "center", top: "middle", style: { text: "暂无数据", fill: "#888", fontSize: 14 } };
    }
    chart.setOption(opt);
    chart.on("click", (p) => { const url = p.data && p.data.url; if (url) window.location.href = url; });
    el.dataset.ready = "1";
    made.push(chart);
  };
  for (const c of charts) {
    const el = document.getElementById("chart-" + c.id);
    if (!el || !option[c.type]) continue;
    if (c.type === "map") {
      fetch(c.map.url, { credentials: "same-origin", headers: { Accept: "application/geo+json" } })
        .then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.json(); })
        .then((geo) => { echarts.registerMap(c.map.name, geo); draw(c, el, "map"); })
        .catch(() => { el.dataset.fallback = "1"; draw(c, el, "hbar"); });
    } else {
      draw(c, el, c.type);
    }
  }
  window.addEventListener("resize", () => made.forEach((ch) => ch.resize()));
});
