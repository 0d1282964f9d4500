/* Personal Finance Tracker — the web app's only script (no inline scripts: the pages' CSP forbids them).
 * Charts read their data from <script type="application/json"> blocks (Django's json_script);
 * everything else here only improves pages that already work without it. */
(function () {
  "use strict";

  var PALETTE_SIZE = 10;

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function readData(canvas) {
    var source = document.getElementById(canvas.dataset.source);
    return source ? JSON.parse(source.textContent) : null;
  }

  function moneyFormat(data, options) {
    try {
      return new Intl.NumberFormat(data.locale, Object.assign({ style: "currency", currency: data.currency }, options || {}));
    } catch (e) {
      return new Intl.NumberFormat(undefined, Object.assign({ style: "currency", currency: data.currency }, options || {}));
    }
  }

  function cashflowChart(canvas, data) {
    var exact = moneyFormat(data);
    var axis = moneyFormat(data, { notation: "compact", maximumFractionDigits: 1 });
    var colours = { income: cssVar("--chart-income"), expense: cssVar("--chart-expense") };
    return new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) {
          return {
            label: s.label,
            data: s.values.map(Number),
            backgroundColor: colours[s.kind],
            borderRadius: 4,
            maxBarThickness: 22
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + exact.format(ctx.parsed.y); }
            }
          }
        },
        scales: {
          x: { grid: { display: false } },
          y: { beginAtZero: true, ticks: { callback: function (v) { return axis.format(v); } } }
        }
      }
    });
  }

  function spendingChart(canvas, data) {
    var exact = moneyFormat(data);
    var colours = data.values.map(function (_, i) { return cssVar("--chart-" + (i % PALETTE_SIZE)); });
    var total = data.values.reduce(function (sum, v) { return sum + Number(v); }, 0);
    return new window.Chart(canvas, {
      type: "doughnut",
      data: {
        labels: data.labels,
        datasets: [{ data: data.values.map(Number), backgroundColor: colours, borderColor: "#ffffff", borderWidth: 2 }]
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        cutout: "62%",
        plugins: {
          legend: { display: false },  // the table beside the chart is its legend
          tooltip: {
            callbacks: {
              label: function (ctx) {
                var share = total ? Math.round((ctx.parsed / total) * 1000) / 10 : 0;
                return ctx.label + ": " + exact.format(ctx.parsed) + " (" + share + " %)";
              }
            }
          }
        }
      }
    });
  }

  /* Net worth over time: assets and liabilities as lines, net worth as the bold one. */
  function netWorthChart(canvas, data) {
    var exact = moneyFormat(data);
    var axis = moneyFormat(data, { notation: "compact", maximumFractionDigits: 1 });
    var styles = {
      assets: { colour: cssVar("--chart-income"), width: 2, dash: [] },
      liabilities: { colour: cssVar("--chart-expense"), width: 2, dash: [6, 4] },
      net: { colour: cssVar("--chart-0"), width: 3, dash: [] }
    };
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s) {
          var style = styles[s.kind];
          return {
            label: s.label,
            data: s.values.map(Number),
            borderColor: style.colour,
            backgroundColor: style.colour,
            borderWidth: style.width,
            borderDash: style.dash,
            pointRadius: data.labels.length > 36 ? 0 : 3,
            tension: 0
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            callbacks: {
              label: function (ctx) { return ctx.dataset.label + ": " + exact.format(ctx.parsed.y); }
            }
          }
        },
        scales: {
          x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { ticks: { callback: function (v) { return axis.format(v); } } }
        }
      }
    });
  }

  var CHARTS = { cashflow: cashflowChart, spending: spendingChart, networth: netWorthChart };

  function initCharts(root) {
    if (!window.Chart || !root.querySelectorAll) { return; }
    root.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      if (canvas.dataset.ready) { return; }
      var data = readData(canvas);
      var build = CHARTS[canvas.dataset.chart];
      if (!data || !build) { return; }
      canvas.dataset.ready = "1";
      build(canvas, data);
    });
  }

  /* Transaction form: show the fields that apply to the chosen type. */
  function syncKind(form) {
    var checked = form.querySelector("input[name='type']:checked");
    if (!checked) { return; }
    form.querySelectorAll("[data-kind-only]").forEach(function (el) {
      var kinds = el.dataset.kindOnly.split(" ");
      el.hidden = kinds.indexOf(checked.value) === -1;
    });
  }

  function initForms(root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll("form[data-transaction-form]").forEach(syncKind);
    root.querySelectorAll("[data-add-split]").forEach(function (button) { button.hidden = false; });
  }

  /* Splits (and a budget's lines): one more (empty) row, numbered like Django's formset expects. */
  function addSplitRow(button) {
    var form = button.form;
    var scope = button.closest("[data-split-scope]") || form;
    var rows = scope.querySelector("[data-split-rows]");
    var prefix = (rows && rows.dataset.prefix) || "splits";
    var total = form.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var pattern = new RegExp(prefix + "-\\d+-", "g");
    var last = rows.querySelector("fieldset.split-row:last-of-type");
    if (!rows || !total || !last) { return; }
    var index = Number(total.value);
    var row = last.cloneNode(true);
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.replace(pattern, prefix + "-" + index + "-")); }
      });
      if (el.matches("input")) { el.value = ""; }
      if (el.matches("select")) { el.selectedIndex = 0; }
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".errors").forEach(function (el) { el.remove(); });
    row.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    var legend = row.querySelector("legend");
    if (legend) { legend.textContent = rows.dataset.legend.replace("%s", index + 1); }
    rows.appendChild(row);
    total.value = index + 1;
    var first = row.querySelector("select, input");
    if (first) { first.focus(); }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-add-split]");
    if (button) { addSplitRow(button); }
  });

  /* Bulk selection: "select all" and a live count of what is selected. */
  function updateSelection() {
    var boxes = document.querySelectorAll("input[name='ids'][form='bulk-form']");
    var selected = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
    var count = document.getElementById("bulk-count");
    if (count) { count.textContent = count.dataset.template.replace("%s", selected); }
    var all = document.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && selected === boxes.length;
      all.indeterminate = selected > 0 && selected < boxes.length;
    }
  }

  /* Profile picture: show the chosen file before it is uploaded (a data: URL, which the CSP allows for images).
   * The server checks the file again; this is only a preview. */
  function previewAvatar(input) {
    var preview = document.getElementById(input.dataset.preview);
    var file = input.files && input.files[0];
    if (!preview || !file || !/^image\/(png|jpeg|webp)$/.test(file.type) || file.size > 2 * 1024 * 1024) { return; }
    var reader = new FileReader();
    reader.onload = function () {
      preview.src = reader.result;
      preview.alt = preview.dataset.chosenAlt;
    };
    reader.readAsDataURL(file);
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches("input[type='file'][data-preview]")) {
      previewAvatar(target);
    } else if (target.matches("[data-select-all]")) {
      document.querySelectorAll("input[name='ids'][form='bulk-form']").forEach(function (box) { box.checked = target.checked; });
      updateSelection();
    } else if (target.matches("input[name='ids']")) {
      updateSelection();
    } else if (target.matches("input[name='type']") && target.form && target.form.hasAttribute("data-transaction-form")) {
      syncKind(target.form);
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    initCharts(document);
    initForms(document);
    updateSelection();
  });
  document.addEventListener("htmx:load", function (event) {
    initCharts(event.detail.elt);
    initForms(event.detail.elt);
    updateSelection();
  });
})();
