// The KPI dashboard's charts (Apache ECharts, vendored). The figures come from
// the page's json_script element #kpi-chart-data; nothing is computed here.
// A click on a month's point or a clock's bar opens the customers behind it.
(function () {
  "use strict";
  var source = document.getElementById("kpi-chart-data");
  if (!source || typeof echarts === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var charts = [];
  // Drawn inside the canvas: an HTML tooltip carries style attributes, which
  // the Content-Security-Policy (style-src without 'unsafe-inline') refuses.
  var TOOLTIP = { trigger: "axis", renderMode: "richText" };

  function mount(element) {
    // CSSOM writes are allowed under the CSP; a style attribute would not be.
    element.style.height = "260px";
    var chart = echarts.init(element, null, { renderer: "canvas" });
    charts.push(chart);
    return chart;
  }

  function open(links, index) {
    if (links && links[index]) {
      window.location.assign(links[index]);
    }
  }

  function trend(element, spec) {
    var chart = mount(element);
    var series = [
      {
        type: "line",
        name: spec.title,
        data: spec.values,
        connectNulls: false,
        symbolSize: 8,
      },
    ];
    if (spec.target !== null) {
      series[0].markLine = {
        silent: true,
        symbol: "none",
        label: { formatter: spec.target_label + ": " + spec.target },
        data: [{ yAxis: spec.target }],
      };
    }
    chart.setOption({
      title: { text: spec.title, textStyle: { fontSize: 13 } },
      tooltip: TOOLTIP,
      grid: { left: 48, right: 24, top: 40, bottom: 28 },
      xAxis: { type: "category", data: spec.months },
      yAxis: { type: "value", scale: true },
      series: series,
    });
    chart.on("click", function (event) {
      open(spec.links, event.dataIndex);
    });
  }

  function sla(element, spec) {
    var chart = mount(element);
    chart.setOption({
      title: { text: spec.title, textStyle: { fontSize: 13 } },
      tooltip: TOOLTIP,
      grid: { left: 150, right: 24, top: 40, bottom: 28 },
      xAxis: { type: "value", min: 0, max: 100 },
      yAxis: { type: "category", data: spec.labels, inverse: true },
      series: [{ type: "bar", name: spec.title, data: spec.values }],
    });
    chart.on("click", function (event) {
      open(spec.links, event.dataIndex);
    });
  }

  document.querySelectorAll("[data-kpi-chart]").forEach(function (element) {
    var kind = element.getAttribute("data-kpi-chart");
    if (kind === "sla") {
      sla(element, data.sla);
    } else {
      trend(element, data.trend[Number(element.getAttribute("data-index"))]);
    }
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (chart) {
      chart.resize();
    });
  });
})();
