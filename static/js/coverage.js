// Coverage bars: each sub-area's three rates side by side (ECharts, vendored).
document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("chart");
  if (!el || !window.echarts) return;
  const d = JSON.parse(el.dataset.chart);
  const chart = echarts.init(el);
  chart.setOption({
    // A reader who asked the system for less motion gets the bars drawn at once, not growing.
    animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
    tooltip: { trigger: "axis", valueFormatter: (v) => v + "%" },
    legend: { data: ["单位报到率", "党员报到率", "第一书记覆盖率"] },
    grid: { left: 40, right: 10, bottom: 60 },
    xAxis: { type: "category", data: d.names, axisLabel: { interval: 0, rotate: d.names.length > 6 ? 30 : 0 } },
    yAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
    series: [
      { name: "单位报到率", type: "bar", data: d.units },
      { name: "党员报到率", type: "bar", data: d.members },
      { name: "第一书记覆盖率", type: "bar", data: d.compounds },
    ],
    color: ["#c8161d", "#e6a23c", "#409eff"],
  });
  window.addEventListener("resize", () => chart.resize());
});
