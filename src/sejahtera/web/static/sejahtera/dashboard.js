// Dashboard: bar charts (persons by age group and sex; the PAS clusters and their coverage,
// programmes, deciles and the journey from the current run), and a choropleth map of provinces
// (click a province to drill down). The same figures are in the tables for screen readers.
(function () {
  "use strict";
  const charts = document.getElementById("dashboard-charts");
  const figures = charts ? JSON.parse(charts.textContent) : {};
  // One bar chart per canvas: datasets are [figure key, the canvas's data-* label, colour].
  const bars = (id, figure, datasets, options) => {
    const canvas = document.getElementById(id);
    if (!canvas || !window.Chart || !figure) return;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: figure.labels,
        datasets: datasets.map(([key, label, colour]) => ({
          label: canvas.dataset[label], data: figure[key], backgroundColor: colour,
        })),
      },
      options: Object.assign({ responsive: true, animation: false, scales: { y: { beginAtZero: true } } }, options),
    });
  };
  bars("cluster-chart", figures.clusters,
       [["persons", "persons", "#2a7ab0"], ["enrolled", "enrolled", "#41ab5d"]],
       { indexAxis: "y", scales: { x: { beginAtZero: true } } });
  bars("programme-chart", figures.programmes, [["eligible", "eligible", "#2a7ab0"]]);
  bars("decile-chart", figures.deciles, [["households", "households", "#d1495b"]]);
  bars("stage-chart", figures.stages, [["cases", "cases", "#6a51a3"]]);

  const ageData = JSON.parse(document.getElementById("age-sex").textContent);
  const canvas = document.getElementById("age-chart");
  if (canvas && window.Chart) {
    const groups = Object.keys(ageData);
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: groups,
        datasets: [
          { label: canvas.dataset.male, data: groups.map((g) => ageData[g].L), backgroundColor: "#2a7ab0" },
          { label: canvas.dataset.female, data: groups.map((g) => ageData[g].P), backgroundColor: "#d1495b" },
        ],
      },
      options: { responsive: true, animation: false, scales: { y: { beginAtZero: true } } },
    });
  }

  const mapElement = document.getElementById("map");
  if (!mapElement || !window.L) return;
  const indicator = mapElement.dataset.indicator;
  const palette = ["#edf8e9", "#c7e9c0", "#a1d99b", "#74c476", "#41ab5d", "#238b45", "#005a32"];
  const map = L.map(mapElement, { zoomSnap: 0.25 }).setView([-2.5, 118], 4.5);

  Promise.all([
    fetch(mapElement.dataset.geojson).then((r) => r.json()),
    fetch(mapElement.dataset.figures).then((r) => r.json()),
  ]).then(([provinces, figures]) => {
    const values = Object.values(figures.areas).map((a) => a[indicator]);
    // A share is coloured on its whole 0–100 % scale; a count relative to the largest one.
    const max = mapElement.dataset.percent ? 100 : Math.max(1, ...values);
    const colour = (value) =>
      value ? palette[Math.min(palette.length - 1, Math.floor((value / max) * (palette.length - 1)))] : "#f2f2f2";
    const layer = L.geoJSON(provinces, {
      style: (feature) => {
        const area = figures.areas[feature.properties.code];
        return { color: "#5b6b7a", weight: 1, fillOpacity: 0.85, fillColor: colour(area ? area[indicator] : 0) };
      },
      onEachFeature: (feature, shape) => {
        const area = figures.areas[feature.properties.code];
        const value = area ? area[indicator].toLocaleString() : "0";
        shape.bindTooltip(feature.properties.name + ": " + value);
        shape.on("click", () => { window.location.href = mapElement.dataset.drill + feature.properties.code; });
      },
    }).addTo(map);
    map.fitBounds(layer.getBounds());
    const legend = L.control({ position: "bottomleft" });  // bottom right would cover Papua
    legend.onAdd = () => {
      const div = L.DomUtil.create("div", "legend");
      // Built node by node, the swatch coloured through the DOM: the Content-Security-Policy
      // refuses style attributes in markup.
      palette.forEach((c, i) => {
        if (i) div.appendChild(document.createElement("br"));
        const swatch = div.appendChild(document.createElement("i"));
        swatch.style.background = c;
        div.appendChild(document.createTextNode(Math.round((i / (palette.length - 1)) * max).toLocaleString()));
      });
      return div;
    };
    legend.addTo(map);
  });
})();
