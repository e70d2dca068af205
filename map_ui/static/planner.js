/* The planner page of gridmap (served at /static/gridmap/planner.js).
 *
 * map_ui/planner.py renders the map and calls GridmapPlanner.start(map, {draftLayer, draftGroup,
 * config}). This script makes the draft's grids editable with Geoman (vertices, new grids),
 * splits a grid along a drawn line, merges selected grids, saves edits to the draft, asks the
 * API for the validation report and draws it: overlaps and gaps hatched, grids outside the
 * household range coloured, every problem listed; warnings can be accepted and the draft
 * published. Requests go to /v1/drafts/{id}/… with the page's session cookie.
 */
(function () {
  "use strict";

  var KIND_STYLE = {
    overlap: { color: "#b2182b", hatch: "gridmap-hatch-overlap" },
    gap: { color: "#2166ac", hatch: "gridmap-hatch-gap" },
    outside_village: { color: "#7b3294", hatch: "gridmap-hatch-outside" },
    invalid_geometry: { color: "#000000", hatch: null },
  };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function Planner(map, opts) {
    this.map = map;
    this.layer = opts.draftLayer;
    this.cfg = opts.config;
    this.draft = this.cfg.draft;
    this.revision = this.draft.revision;
    this.dirty = {};
    this.selected = {};
    this.mode = null;
    this.problems = null;
    this.report = null;
    this.base = "/v1/drafts/" + this.draft.id;
  }

  Planner.prototype.start = function () {
    var self = this;
    if (L.PM) L.PM.setOptIn(true);
    this.layer.eachLayer(function (l) { self.prepare(l); });
    this.map.eachLayer(function (l) {
      if (l.feature && !self.layer.hasLayer(l) && l.setStyle) l.options.snapIgnore = false;
    });
    this.addPatterns();
    this.buildPanel();
    if (this.cfg.editable) {
      this.map.on("pm:create", function (e) { self.created(e); });
      if (this.map.pm) this.map.pm.setGlobalOptions({ snappable: true, snapDistance: 12 });
    }
    window.gridmapPlanner = this;
  };

  Planner.prototype.prepare = function (l) {
    var self = this;
    l.options.pmIgnore = !this.cfg.editable;
    if (L.PM && L.PM.reInitLayer) L.PM.reInitLayer(l);
    l.on("pm:edit", function () { self.markDirty(l); });
    l.on("click", function () { if (self.mode === "merge") self.toggle(l); });
  };

  Planner.prototype.key = function (l) { return l.feature.properties.key; };

  Planner.prototype.markDirty = function (l) {
    this.dirty[this.key(l)] = l;
    l.setStyle({ dashArray: "6 4", weight: 3 });
    this.say("有 " + Object.keys(this.dirty).length + " 个网格已修改，尚未保存");
  };

  Planner.prototype.addPatterns = function () {
    var svg = this.map.getPanes().overlayPane.querySelector("svg");
    if (!svg) return;
    var ns = "http://www.w3.org/2000/svg";
    var defs = document.createElementNS(ns, "defs");
    Object.keys(KIND_STYLE).forEach(function (kind) {
      var style = KIND_STYLE[kind];
      if (!style.hatch) return;
      var p = document.createElementNS(ns, "pattern");
      p.setAttribute("id", style.hatch);
      p.setAttribute("patternUnits", "userSpaceOnUse");
      p.setAttribute("width", "8");
      p.setAttribute("height", "8");
      p.setAttribute("patternTransform", kind === "gap" ? "rotate(-45)" : "rotate(45)");
      var back = document.createElementNS(ns, "rect");
      back.setAttribute("width", "8");
      back.setAttribute("height", "8");
      back.setAttribute("fill", style.color);
      back.setAttribute("fill-opacity", "0.15");
      var line = document.createElementNS(ns, "line");
      line.setAttribute("x1", "0"); line.setAttribute("y1", "0");
      line.setAttribute("x2", "0"); line.setAttribute("y2", "8");
      line.setAttribute("stroke", style.color);
      line.setAttribute("stroke-width", "3");
      p.appendChild(back);
      p.appendChild(line);
      defs.appendChild(p);
    });
    svg.insertBefore(defs, svg.firstChild);
  };

  Planner.prototype.buildPanel = function () {
    var self = this;
    var panel = document.getElementById("gridmap-planner-panel");
    panel.appendChild(el("h3", {}, "网格规划草稿 #" + this.draft.id));
    panel.appendChild(el("p", { "class": "gridmap-planner-meta" },
      "村社区 " + this.draft.area_code + " · 基于版本 " + this.draft.base_version +
      " · " + (this.cfg.draftStatusNames[this.draft.status] || this.draft.status) +
      " · 户数标准 " + this.cfg.standard.join("–") + " 户"));
    var buttons = el("div", { "class": "gridmap-planner-buttons" });
    function button(id, label, handler, enabled) {
      var b = el("button", { id: id, type: "button" }, label);
      b.disabled = !enabled;
      b.addEventListener("click", function () { handler.call(self, b); });
      buttons.appendChild(b);
      return b;
    }
    var editable = this.cfg.editable;
    button("gridmap-edit", "编辑边界", this.toggleEdit, editable);
    button("gridmap-split", "拆分网格", this.startSplit, editable);
    this.mergeButton = button("gridmap-merge", "合并网格", this.mergeClick, editable);
    button("gridmap-validate", "保存并校验", this.submit, true);
    this.publishButton = button("gridmap-publish", "发布", this.publish, false);
    panel.appendChild(buttons);
    this.status = el("p", { id: "gridmap-planner-status", "class": "gridmap-planner-status" },
      editable ? "拖动顶点修改边界，然后点击“保存并校验”。" : "只读：无编辑权限或草稿已关闭。");
    panel.appendChild(this.status);
    this.summary = el("div", { id: "gridmap-planner-summary" });
    panel.appendChild(this.summary);
    this.list = el("ol", { id: "gridmap-planner-issues", "class": "gridmap-planner-issues" });
    panel.appendChild(this.list);
    L.DomEvent.disableClickPropagation(panel);
    L.DomEvent.disableScrollPropagation(panel);
  };

  Planner.prototype.say = function (text, kind) {
    this.status.textContent = text;
    this.status.className = "gridmap-planner-status" + (kind ? " " + kind : "");
  };

  Planner.prototype.request = function (method, path, body) {
    var options = { method: method, headers: { Accept: "application/json" }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(path, options).then(function (r) {
      return r.text().then(function (text) {
        var data = text ? JSON.parse(text) : {};
        if (!r.ok) {
          var err = new Error(data.message || ("HTTP " + r.status));
          err.status = r.status;
          err.data = data;
          throw err;
        }
        return data;
      });
    });
  };

  Planner.prototype.toggleEdit = function (b) {
    var pm = this.map.pm;
    if (pm.globalEditModeEnabled()) {
      pm.disableGlobalEditMode();
      b.classList.remove("active");
    } else {
      pm.enableGlobalEditMode({ allowSelfIntersection: true });
      b.classList.add("active");
      this.say("拖动顶点修改边界（可吸附到村界和相邻网格）。");
    }
  };

  Planner.prototype.created = function (e) {
    var l = e.layer;
    if (this.mode === "split" && (e.shape === "Line")) {
      this.mode = null;
      this.map.removeLayer(l);
      this.split(l);
      return;
    }
    if (e.shape !== "Polygon") { this.map.removeLayer(l); return; }
    this.map.removeLayer(l);
    var key = "u" + Date.now().toString(36);
    l.feature = { type: "Feature", properties: { key: key } };
    this.layer.addLayer(l);
    this.prepare(l);
    this.markDirty(l);
  };

  Planner.prototype.save = function () {
    var self = this;
    var keys = Object.keys(this.dirty);
    var chain = Promise.resolve();
    keys.forEach(function (key) {
      chain = chain.then(function () {
        var feature = self.dirty[key].toGeoJSON();
        var body = { type: "Feature", properties: { key: key }, geometry: feature.geometry };
        return self.request("PATCH", self.base + "/grids/" + encodeURIComponent(key) +
          "?revision=" + self.revision, body).then(function (draft) {
          self.revision = draft.revision;
          self.dirty[key].setStyle({ dashArray: null, weight: 2 });
          delete self.dirty[key];
        });
      });
    });
    return chain;
  };

  Planner.prototype.submit = function () {
    var self = this;
    this.say("正在保存并校验…");
    return this.save().then(function () {
      return self.request("GET", self.base + "/validation");
    }).then(function (report) {
      self.showReport(report);
    }).catch(function (err) { self.fail(err); });
  };

  Planner.prototype.fail = function (err) {
    var text = err.message || String(err);
    if (err.status === 409) text = "冲突：" + text;
    this.say(text, "error");
  };

  Planner.prototype.showReport = function (report) {
    var self = this;
    this.report = report;
    if (this.problems) this.map.removeLayer(this.problems);
    var statusOf = {};
    (report.grids || []).forEach(function (g) { statusOf[g.key] = g; });
    this.layer.eachLayer(function (l) {
      var g = statusOf[self.key(l)];
      if (!g) return;
      l.setStyle({ fillColor: self.cfg.statusColors[g.status] || "#9e9e9e", fillOpacity: 0.45 });
      l.feature.properties.households = g.households;
      l.setTooltip && l.bindTooltip(
        (g.code || g.key) + "：" + (g.households === null ? "—" : g.households) + " 户（" +
        (self.cfg.statusNames[g.status] || g.status) + "）");
    });
    this.problems = L.geoJSON(report.problems, {
      pmIgnore: true,
      style: function (f) {
        var s = KIND_STYLE[f.properties.kind] || { color: f.properties.severity === "error" ? "#d7191c" : "#ff8c00" };
        return {
          color: s.color, weight: 2.5, fillOpacity: s.hatch ? 1 : 0.3,
          fillColor: s.hatch ? "url(#" + s.hatch + ")" : s.color,
          className: "gridmap-problem gridmap-problem-" + f.properties.kind,
        };
      },
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, { radius: 6, pmIgnore: true });
      },
      onEachFeature: function (f, l) {
        l.bindTooltip(f.properties.label + "：" + f.properties.message);
      },
    }).addTo(this.map);
    this.problems.bringToFront();
    this.renderList(report);
  };

  Planner.prototype.renderList = function (report) {
    var self = this;
    this.list.innerHTML = "";
    this.summary.innerHTML = "";
    var head = report.valid
      ? (report.warnings ? "无错误，" + report.warnings + " 个警告需确认后发布" : "校验通过")
      : report.errors + " 个错误（不可接受），" + report.warnings + " 个警告";
    this.summary.appendChild(el("p", { "class": report.valid ? "ok" : "error" }, head));
    (report.problems.features || []).forEach(function (f) {
      var p = f.properties;
      var item = el("li", { "class": "gridmap-issue " + p.severity, "data-kind": p.kind });
      if (p.severity === "warning" && self.cfg.editable) {
        var box = el("input", { type: "checkbox", value: f.id, "class": "gridmap-accept" });
        box.addEventListener("change", function () { self.updatePublish(); });
        item.appendChild(box);
      }
      var label = el("span", { "class": "gridmap-issue-label" }, p.label);
      item.appendChild(label);
      item.appendChild(el("span", { "class": "gridmap-issue-text", title: p.message },
        "：" + describe(p, self.cfg.standard)));
      if (f.geometry) {
        item.addEventListener("dblclick", function () {
          self.map.fitBounds(L.geoJSON(f).getBounds(), { maxZoom: 18 });
        });
      }
      self.list.appendChild(item);
    });
    var next = report.warnings ? "校验完成。勾选接受的警告后可发布。" : "校验通过，可以发布。";
    this.say(report.valid ? next : "校验完成：请先修正错误。", report.valid ? "ok" : "error");
    this.updatePublish();
  };

  Planner.prototype.updatePublish = function () {
    if (!this.report || !this.cfg.editable) { this.publishButton.disabled = true; return; }
    var boxes = this.list.querySelectorAll("input.gridmap-accept");
    var all = Array.prototype.every.call(boxes, function (b) { return b.checked; });
    this.publishButton.disabled = !(this.report.valid && all);
  };

  Planner.prototype.publish = function () {
    var self = this;
    var accept = Array.prototype.map.call(
      this.list.querySelectorAll("input.gridmap-accept:checked"), function (b) { return b.value; });
    this.say("正在发布…");
    this.request("POST", this.base + "/publish", { accept: accept }).then(function (r) {
      self.say("已发布：版本 " + r.version + "（新增 " + r.added.length + "，调整 " +
        r.reshaped.length + "，撤销 " + r.retired.length + "）", "ok");
      self.publishButton.disabled = true;
    }).catch(function (err) { self.fail(err); });
  };

  Planner.prototype.startSplit = function () {
    var self = this;
    this.save().then(function () {
      self.mode = "split";
      self.map.pm.enableDraw("Line", { snappable: true });
      self.say("画一条穿过整个网格的线（双击结束），网格将沿线拆分。");
    }).catch(function (err) { self.fail(err); });
  };

  function m2(value) {
    return value === undefined || value === null ? "" :
      Number(value).toLocaleString("zh-CN", { maximumFractionDigits: 1 }) + " m²";
  }

  /* A short Chinese description of an issue (the English message is in the tooltip). */
  function describe(p, standard) {
    var g = (p.grids || []).join("、");
    switch (p.kind) {
      case "overlap": return "网格 " + g + " 重叠 " + m2(p.area_m2);
      case "gap": return m2(p.area_m2) + " 不属于任何网格";
      case "outside_village": return "网格 " + g + " 有 " + m2(p.area_m2) + " 在村社区之外";
      case "multipart": return "网格 " + g + " 分为 " + p.value + " 块";
      case "sliver": return "网格 " + g + " 有一块仅 " + m2(p.area_m2);
      case "households_buildings":
      case "households_stored":
        return "网格 " + g + " " + p.value + " 户，" +
          (p.value < standard[0] ? "低于" : "高于") + "标准 " + standard.join("–");
      case "buildings_unassigned": return p.value + " 栋建筑不在任何网格内";
      case "building_in_two_grids": return "建筑跨网格 " + g;
      case "no_leader": return "网格 " + g + " 未配备网格长";
      default: return g ? "网格 " + g : p.message;
    }
  }

  function inside(latlng, ring) {
    var x = latlng.lng, y = latlng.lat, hit = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) hit = !hit;
    }
    return hit;
  }

  Planner.prototype.gridUnder = function (latlngs) {
    var self = this, best = null, bestCount = 0;
    this.layer.eachLayer(function (l) {
      var geom = l.toGeoJSON().geometry;
      var polys = geom.type === "Polygon" ? [geom.coordinates] : geom.coordinates;
      var count = 0;
      latlngs.forEach(function (ll) {
        if (polys.some(function (p) { return inside(ll, p[0]); })) count += 1;
      });
      if (count > bestCount) { best = l; bestCount = count; }
    });
    return best;
  };

  Planner.prototype.split = function (line) {
    var self = this;
    var pts = line.getLatLngs();
    var samples = [];
    for (var i = 1; i < pts.length; i++) {
      for (var t = 0; t <= 10; t++) {
        samples.push(L.latLng(pts[i - 1].lat + (pts[i].lat - pts[i - 1].lat) * t / 10,
          pts[i - 1].lng + (pts[i].lng - pts[i - 1].lng) * t / 10));
      }
    }
    var grid = this.gridUnder(samples);
    if (!grid) { this.say("这条线没有穿过任何网格。", "error"); return; }
    this.request("POST", this.base + "/split?revision=" + this.revision,
      { grid: this.key(grid), line: line.toGeoJSON().geometry }).then(function () {
      window.location.reload();
    }).catch(function (err) { self.fail(err); });
  };

  Planner.prototype.toggle = function (l) {
    var key = this.key(l);
    if (this.selected[key]) {
      delete this.selected[key];
      l.setStyle({ color: "#222222", weight: 2 });
    } else {
      this.selected[key] = l;
      l.setStyle({ color: "#0050ff", weight: 4 });
    }
    var n = Object.keys(this.selected).length;
    this.mergeButton.textContent = n >= 2 ? "确认合并（" + n + "）" : "合并网格";
  };

  Planner.prototype.mergeClick = function () {
    var self = this;
    var keys = Object.keys(this.selected);
    if (this.mode !== "merge") {
      this.mode = "merge";
      this.mergeButton.classList.add("active");
      this.say("点击要合并的相邻网格，再点“确认合并”。");
      return;
    }
    if (keys.length < 2) {
      this.mode = null;
      this.mergeButton.classList.remove("active");
      this.say("已取消合并。");
      return;
    }
    this.save().then(function () {
      return self.request("POST", self.base + "/merge?revision=" + self.revision, { grids: keys });
    }).then(function () { window.location.reload(); })
      .catch(function (err) { self.fail(err); });
  };

  window.GridmapPlanner = {
    start: function (map, opts) {
      var planner = new Planner(map, opts);
      planner.start();
      return planner;
    },
  };
})();
