/* GridmapMaps: what every gridmap map page shares (served at /static/gridmap/gridmap.js).
 *
 * The folium elements of map_ui render small calls into these functions with their data as
 * JSON (map_ui/templates/folium/*.j2); no JavaScript is written by Python. G.escape is the one
 * HTML escaper of the browser side; incidents.js builds on this file.
 */
(function () {
  "use strict";
  var G = (window.GridmapMaps = window.GridmapMaps || {});

  /* Text to HTML (element content or a quoted attribute value). */
  G.escape = function (value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };

  /* A Leaflet control holding fixed HTML (legends, the page links). o: {position, className, html} */
  G.htmlControl = function (map, o) {
    var control = L.control({ position: o.position });
    control.onAdd = function () {
      var div = L.DomUtil.create("div", o.className + " leaflet-control");
      div.innerHTML = o.html;
      L.DomEvent.disableClickPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  };

  /* The functions of a leaflet-realtime layer, by kind, made from JSON config. */
  G.realtimeKinds = {
    /* A layer of ours loaded when switched on. c: {idProperty, style, tooltip: {property: label}} */
    lazy: function (c) {
      return {
        getFeatureId: function (f) { return f.properties[c.idProperty]; },
        style: function () { return L.extend({}, c.style); },
        onEachFeature: function (f, l) {
          var rows = [];
          for (var k in c.tooltip) {
            var v = f.properties[k];
            if (v === null || v === undefined) continue;
            rows.push(G.escape(c.tooltip[k] + "：" + v));
          }
          if (rows.length) { l.bindTooltip(rows.join("<br>"), { sticky: true }); }
        }
      };
    }
  };

  /* L.realtime with the functions of G.realtimeKinds[kind](config) added to its options. */
  G.realtime = function (src, options, kind, config) {
    return L.realtime(src, L.extend(options, G.realtimeKinds[kind](config)));
  };

  /* Styles of vector tile layers, by name, made from JSON config: (properties, zoom) -> options. */
  G.tileStyles = {
    fixed: function (c) {
      return function () { return L.extend({}, c); };
    },
    /* Village and community outlines of the areas tiles. */
    villages: function (c) {
      return function (p) {
        if (p.level !== "village") { return { stroke: false, fill: false }; }
        return p.kind === c.communityKind
          ? { color: c.communityColor, weight: 1.5, fill: false }
          : { color: c.villageColor, weight: 1.5, dashArray: "4 3", fill: false };
      };
    },
    /* Grids coloured by households, outlined when outside their standard. */
    households: function (c) {
      return function (p) {
        var std = c.kinds[p.village_code] === c.community_kind ? c.community : c.village;
        var fill = c.colors[0];
        for (var i = 0; i < c.steps.length; i++) {
          if (p.households >= c.steps[i]) { fill = c.colors[i]; }
        }
        var out = { fill: true, fillColor: fill, fillOpacity: 0.65, color: "#555555", weight: 0.8 };
        if (p.households > std[1]) { out.color = c.above; out.weight = 3; out.dashArray = c.dash; }
        else if (p.households < std[0]) { out.color = c.below; out.weight = 3; out.dashArray = c.dash; }
        return out;
      };
    }
  };

  /* Tooltips of inline GeoJSON layers, by name: onEachFeature functions. */
  G.featureLabels = {
    /* The name of a town, always shown at its centre. */
    townName: function (feature, layer) {
      layer.bindTooltip(feature.properties.name,
        { permanent: true, direction: "center", className: "gridmap-label" });
    }
  };

  /* A layer of Mapbox vector tiles (Leaflet.VectorGrid) with a popup of chosen properties.
   * o: {url, layer, interactive, minZoom, pane, idProperty, style, styleConfig, popupFields,
   * popupAliases} */
  G.vectorTiles = function (o) {
    if (!L.DomEvent.fakeStop) {
      // VectorGrid 1.3's canvas click handler calls fakeStop, which Leaflet 1.8 removed
      L.DomEvent.fakeStop = function (e) { e._stopped = true; };
    }
    var styles = {};
    styles[o.layer] = G.tileStyles[o.style](o.styleConfig);
    var layer = L.vectorGrid.protobuf(o.url, {
      rendererFactory: L.canvas.tile,
      interactive: o.interactive,
      minZoom: o.minZoom,
      maxZoom: 22,
      pane: o.pane,
      fetchOptions: { credentials: "same-origin" },
      getFeatureId: function (f) { return f.properties[o.idProperty]; },
      vectorTileLayerStyles: styles
    });
    layer.on("click", function (e) {
      var props = e.layer.properties || {};
      var rows = o.popupFields.map(function (f, i) {
        return "<tr><th>" + G.escape(o.popupAliases[i]) + "</th><td>" + G.escape(props[f]) + "</td></tr>";
      });
      L.popup().setLatLng(e.latlng)
        .setContent("<table>" + rows.join("") + "</table>")
        .openOn(layer._map);
    });
    return layer;
  };
})();
