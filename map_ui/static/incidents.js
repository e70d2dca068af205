/* gridmap's incident layers: clustered markers coloured by status, a heat map and a per-grid
 * choropleth that follow the filters (status, category, time window), and the live feed's
 * markers and counters. Served at /static/gridmap/incidents.js after gridmap.js (G.escape).
 */
(function () {
  "use strict";
  var G = (window.GridmapMaps = window.GridmapMaps || {});

  G.time = function (ms) {
    var d = new Date(ms);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " +
      two(d.getHours()) + ":" + two(d.getMinutes());
  };

  G.popup = function (p, names) {
    var rows = [
      ["编号", p.id],
      ["类别", p.category],
      ["级别", names.severity[p.severity] || p.severity],
      ["状态", names.status[p.status] || p.status],
      ["处置层级", names.level[p.level] || p.level],
      ["上报时间", G.time(p.reported_ms || Date.parse(p.reported_at))],
      ["网格", p.grid_code || "—"],
      ["超期", p.overdue ? "是" : "否"],
      ["描述", p.description]
    ];
    return "<table>" + rows.map(function (r) {
      return "<tr><th>" + G.escape(r[0]) + "</th><td>" + G.escape(r[1]) + "</td></tr>";
    }).join("") + "</table>";
  };

  G.marker = function (p, latlng, colors, extraClass) {
    return L.circleMarker(latlng, {
      radius: p.severity === "general" ? 6 : 8,
      color: p.overdue ? "#000000" : "#ffffff",
      weight: p.overdue ? 3 : 1.5,
      fillColor: colors[p.status] || "#666666",
      fillOpacity: 0.92,
      className: "gridmap-incident gridmap-status-" + p.status + (extraClass || "")
    });
  };

  G.stepColor = function (count, steps, colors) {
    if (!count) { return null; }
    for (var i = steps.length - 1; i >= 0; i--) {
      if (count >= steps[i]) { return colors[i]; }
    }
    return colors[0];
  };

  /* The filtered layers. o: {incidents, colors, order (of the statuses), names, categories, windows, points, heat,
   * choropleth, grids (GeoJSON or null), gridTiles (a VectorGrid or null), steps, stepColors,
   * total, truncated} */
  G.incidents = function (map, o) {
    var clusters = L.markerClusterGroup({ maxClusterRadius: 45, showCoverageOnHover: false });
    o.points.addLayer(clusters);
    var heat = L.heatLayer([], { radius: 22, blur: 18, maxZoom: 16, minOpacity: 0.35 });
    o.heat.addLayer(heat);
    var counts = {};
    G.gridCounts = counts;
    var gridStyle = function (props) {
      var fill = G.stepColor(counts[props.code] || 0, o.steps, o.stepColors);
      return {
        color: "#666666", weight: 0.6, fill: true, fillColor: fill || "#ffffff",
        fillOpacity: fill ? 0.7 : 0.05
      };
    };
    G.gridStyle = gridStyle;
    var grids = null;
    if (o.grids) {
      grids = L.geoJson(o.grids, {
        style: function (f) { return gridStyle(f.properties); },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(function () {
            return G.escape(f.properties.name) + "：" + (counts[f.properties.code] || 0) + " 起";
          }, { sticky: true });
        }
      });
      o.choropleth.addLayer(grids);
    }
    var markers = o.incidents.map(function (p) {
      var m = G.marker(p, [p.lat, p.lon], o.colors);
      m.bindPopup(G.popup(p, o.names));
      return m;
    });
    var state = { status: {}, category: {}, hours: null };
    o.order.forEach(function (s) { state.status[s] = true; });
    o.categories.forEach(function (c) { state.category[c] = true; });

    var control = L.control({ position: "topleft" });
    var box;
    control.onAdd = function () {
      box = L.DomUtil.create("div", "gridmap-legend gridmap-filter leaflet-control");
      box.id = "gridmap-incident-filter";
      var html = "<h4>事件筛选</h4><p class='gridmap-filter-title'>状态</p>";
      o.order.forEach(function (s) {
        html += "<label class='gridmap-check'><input type='checkbox' name='status' value='" +
          G.escape(s) + "' checked><span class='gridmap-swatch' style='background:" +
          o.colors[s] + "'></span>" + G.escape(o.names.status[s]) + "</label>";
      });
      html += "<p class='gridmap-filter-title'>类别</p>";
      o.categories.forEach(function (c) {
        html += "<label class='gridmap-check'><input type='checkbox' name='category' value='" +
          G.escape(c) + "' checked>" + G.escape(c) + "</label>";
      });
      html += "<p class='gridmap-filter-title'>时间</p><select name='window'>";
      o.windows.forEach(function (w) {
        html += "<option value='" + (w[1] === null ? "" : w[1]) + "'>" + G.escape(w[0]) + "</option>";
      });
      html += "</select><p class='gridmap-filter-count'>显示 <b data-shown>0</b> / " +
        o.incidents.length + " 起" + (o.truncated ? "（共 " + o.total + " 起，页面载入最近的）" : "") +
        "</p>";
      box.innerHTML = html;
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      box.addEventListener("change", function (e) {
        var t = e.target;
        if (t.name === "status") { state.status[t.value] = t.checked; }
        if (t.name === "category") { state.category[t.value] = t.checked; }
        if (t.name === "window") { state.hours = t.value === "" ? null : Number(t.value); }
        apply();
      });
      return box;
    };
    control.addTo(map);

    function apply() {
      var since = state.hours === null ? -Infinity : o.now - state.hours * 3600 * 1000;
      var shown = [], latlngs = [];
      Object.keys(counts).forEach(function (k) { delete counts[k]; });
      o.incidents.forEach(function (p, i) {
        if (!state.status[p.status] || !state.category[p.category] || p.reported_ms < since) {
          return;
        }
        shown.push(markers[i]);
        latlngs.push([p.lat, p.lon, 1]);
        if (p.grid_code) { counts[p.grid_code] = (counts[p.grid_code] || 0) + 1; }
      });
      clusters.clearLayers();
      clusters.addLayers(shown);
      heat.setLatLngs(latlngs);
      if (grids) { grids.setStyle(function (f) { return gridStyle(f.properties); }); }
      var tilesMap = o.gridTiles && o.gridTiles._map;
      if (tilesMap && tilesMap.getZoom() >= o.gridTiles.options.minZoom) { o.gridTiles.redraw(); }
      var out = box.querySelector("[data-shown]");
      out.textContent = String(shown.length);
      box.setAttribute("data-shown", String(shown.length));
    }
    apply();
    return { apply: apply, state: state, counts: counts };
  };

  /* Counters of the live feed (wall screen), updated on every refresh. */
  G.liveStats = function (map, realtime, o) {
    var control = L.control({ position: o.position || "topright" });
    var box;
    control.onAdd = function () {
      box = L.DomUtil.create("div", "gridmap-legend gridmap-live-stats leaflet-control");
      box.id = "gridmap-live-stats";
      box.innerHTML = "<h4>" + G.escape(o.title) + "</h4><div data-body>等待数据…</div>";
      return box;
    };
    control.addTo(map);
    realtime.on("update", function (e) {
      var features = Object.keys(e.features).map(function (k) { return e.features[k]; });
      var open = 0, overdue = 0, byStatus = {};
      features.forEach(function (f) {
        var p = f.properties;
        byStatus[p.status] = (byStatus[p.status] || 0) + 1;
        if (p.status !== "closed") { open += 1; if (p.overdue) { overdue += 1; } }
      });
      features.sort(function (a, b) {
        return Date.parse(b.properties.reported_at) - Date.parse(a.properties.reported_at);
      });
      var html = "<p class='gridmap-live-big'>未结案 <b data-open>" + open + "</b>　超期 <b data-overdue class='gridmap-overdue'>" +
        overdue + "</b></p><p>";
      o.order.forEach(function (s) {
        html += "<span class='gridmap-nowrap'><span class='gridmap-swatch' style='background:" + o.colors[s] + "'></span>" +
          G.escape(o.names.status[s]) + " " + (byStatus[s] || 0) + "</span> ";
      });
      html += "</p><table class='gridmap-live-list'>";
      features.slice(0, o.latest || 8).forEach(function (f) {
        var p = f.properties;
        html += "<tr><td>" + G.escape(G.time(Date.parse(p.reported_at)).slice(5)) + "</td><td>" +
          G.escape(p.category) + "</td><td>" + G.escape(o.names.status[p.status]) + "</td><td>" +
          G.escape(String(p.description).slice(0, 12)) + "</td></tr>";
      });
      html += "</table><p class='gridmap-live-time'>更新于 " + G.escape(G.time(Date.now())) +
        "（每 " + o.interval + " 秒）</p>";
      box.querySelector("[data-body]").innerHTML = html;
      box.setAttribute("data-count", String(features.length));
    });
  };
  /* The live feed's layer (leaflet-realtime). c: {colors (by status), names} */
  G.realtimeKinds.live = function (c) {
    return {
      getFeatureId: function (f) { return f.properties.id; },
      // keep the marker (and an open popup) unless the status or the overdue flag changed
      updateFeature: function (f, old) {
        var p = old && old.feature && old.feature.properties;
        return p && p.status === f.properties.status && p.overdue === f.properties.overdue ? old : null;
      },
      pointToLayer: function (f, latlng) {
        return G.marker(f.properties, latlng, c.colors, " gridmap-live gridmap-live-" + f.properties.id);
      },
      onEachFeature: function (f, layer) { layer.bindPopup(G.popup(f.properties, c.names)); }
    };
  };

  /* Grids of vector tiles coloured by the incidents shown (see G.incidents). */
  G.tileStyles.incidentCounts = function () {
    return function (p) { return G.gridStyle(p); };
  };
})();
