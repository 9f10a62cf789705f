/* Report charts: every <figure class="report-chart"> is drawn with the vendored ECharts.
 *
 * The figures come from a <script type="application/json" class="chart-data"> block inside
 * the figure, or from the JSON at its data-chart-src (an object with a "chart" key, or the
 * chart itself). A chart is
 *   {"kind": "line"|"bar", "title", "categories": [...], "series": [{"name", "data": [...]}],
 *    "unit": "rate"|"count"|"hours", "target": 0.8 (optional),
 *    "counts": [{"on_duty", "certified"}] (optional, one per category: shown in the table)}
 * with rates as fractions (0.25 is shown 25.00%) and null where there is no figure.
 * The "表格" button shows the same figures as a table (and is what a screen reader reads).
 */
(function () {
  "use strict";

  function format(value, unit) {
    if (value === null || value === undefined) { return "—"; }
    if (unit === "rate") { return (value * 100).toFixed(2) + "%"; }
    if (unit === "hours") { return Number(value).toFixed(1); }
    return String(value);
  }

  function buildTable(chart) {
    var table = document.createElement("table");
    table.className = "table table-sm table-striped mb-0";
    var head = table.createTHead().insertRow();
    var first = document.createElement("th");
    first.textContent = chart.category_label || "项目";
    head.appendChild(first);
    var counts = chart.counts && chart.counts.length === chart.categories.length;
    var labels = chart.series.map(function (s) { return s.name; });
    if (counts) { labels = ["在岗人数", "持证人数"].concat(labels); }
    labels.forEach(function (label) {
      var th = document.createElement("th");
      th.className = "text-end";
      th.textContent = label;
      head.appendChild(th);
    });
    var body = table.createTBody();
    chart.categories.forEach(function (category, i) {
      var row = body.insertRow();
      row.insertCell().textContent = category;
      if (counts) {
        [chart.counts[i].on_duty, chart.counts[i].certified].forEach(function (n) {
          var cell = row.insertCell();
          cell.className = "text-end";
          cell.textContent = String(n);
        });
      }
      chart.series.forEach(function (s) {
        var cell = row.insertCell();
        cell.className = "text-end";
        cell.textContent = format(s.data[i], chart.unit);
      });
    });
    return table;
  }

  function options(chart, narrow) {
    var rate = chart.unit === "rate";
    var longest = chart.categories.reduce(function (n, c) { return Math.max(n, String(c).length); }, 0);
    var horizontal = chart.kind === "bar" &&
      (chart.horizontal || chart.categories.length > 8 || longest > 6);
    var categoryAxis = {
      type: "category",
      data: chart.categories,
      axisLabel: {
        hideOverlap: chart.kind === "line",
        interval: chart.kind === "line" ? "auto" : 0,
        rotate: !horizontal && chart.kind === "bar" && narrow && chart.categories.length > 4 ? 40 : 0,
        fontSize: 12
      }
    };
    var valueAxis = {
      type: "value",
      min: 0,
      max: rate ? 1 : null,
      axisLabel: { formatter: function (v) { return rate ? Math.round(v * 100) + "%" : v; } }
    };
    var series = chart.series.map(function (s, i) {
      var item = {
        name: s.name,
        type: chart.kind === "line" ? "line" : "bar",
        data: s.data,
        connectNulls: false,
        barMaxWidth: 28
      };
      if (i === 0 && chart.target !== null && chart.target !== undefined) {
        item.markLine = {
          symbol: "none",
          label: { formatter: "目标 " + format(chart.target, chart.unit) },
          data: [horizontal ? { xAxis: chart.target } : { yAxis: chart.target }]
        };
      }
      return item;
    });
    if (horizontal) { categoryAxis.inverse = true; }
    return {
      animation: false,
      color: ["#0d6efd", "#20c997", "#fd7e14", "#6f42c1", "#dc3545"],
      tooltip: {
        trigger: "axis",
        valueFormatter: function (v) { return format(v, chart.unit); }
      },
      legend: { show: chart.series.length > 1, bottom: 0 },
      grid: { left: 8, right: 24, top: 24, bottom: chart.series.length > 1 ? 32 : 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function draw(figure, chart) {
    var canvas = figure.querySelector(".chart-canvas");
    var holder = figure.querySelector(".chart-table");
    holder.textContent = "";
    holder.appendChild(buildTable(chart));
    if (!chart.categories.length) {
      canvas.textContent = "暂无数据";
      canvas.classList.add("text-muted", "small", "d-flex", "align-items-center", "justify-content-center");
      return;
    }
    if (chart.kind === "bar" && chart.categories.length > 8) {  // horizontal: room per bar
      canvas.style.height = Math.max(320, 28 * chart.categories.length + 60) + "px";
    }
    if (typeof window.echarts === "undefined") { holder.classList.remove("d-none"); return; }
    var instance = window.echarts.init(canvas, null, { renderer: "svg", locale: "ZH" });
    instance.setOption(options(chart, canvas.clientWidth < 480));
    window.addEventListener("resize", function () { instance.resize(); });
    figure.chartInstance = instance;
  }

  function wireToggle(figure) {
    var button = figure.querySelector(".chart-toggle");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var table = figure.querySelector(".chart-table");
      var canvas = figure.querySelector(".chart-canvas");
      var showTable = table.classList.contains("d-none");
      table.classList.toggle("d-none", !showTable);
      canvas.classList.toggle("d-none", showTable);
      button.setAttribute("aria-pressed", showTable ? "true" : "false");
      button.textContent = showTable ? "图表" : "表格";
      if (!showTable && figure.chartInstance) { figure.chartInstance.resize(); }
    });
  }

  function load(figure) {
    wireToggle(figure);
    var inline = figure.querySelector("script.chart-data");
    if (inline) {
      draw(figure, JSON.parse(inline.textContent));
      return;
    }
    var src = figure.getAttribute("data-chart-src");
    if (!src) { return; }
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (body) { draw(figure, body.chart || body); })
      .catch(function () {
        var canvas = figure.querySelector(".chart-canvas");
        canvas.textContent = "图表数据加载失败，请刷新页面重试";
        canvas.classList.add("text-danger", "small");
      });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("figure.report-chart"), load);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
