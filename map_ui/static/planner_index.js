/* The planner's list of drafts (/planner): the form that starts a draft (planners only).
 * Served at /static/gridmap/planner_index.js; posts to /v1/drafts with the session cookie.
 */
(function () {
  "use strict";
  var form = document.getElementById("new-draft");
  if (!form) return;
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { area: form.area.value.trim(), source: form.source.value, title: form.title.value };
    fetch("/v1/drafts", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    })
      .then(function (r) { return r.json().then(function (d) { return [r.ok, d]; }); })
      .then(function (res) {
        if (res[0]) window.location = "/planner/drafts/" + res[1].id;
        else document.getElementById("error").textContent = res[1].message;
      });
  });
})();
