"""Data for the planner pages, read within the caller's jurisdiction, drawn by map_ui.planner."""

from __future__ import annotations

import html

import pandas as pd
from fastapi import APIRouter, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import HTMLResponse, Response

from gis_api.core.auth import Principal
from gis_api.core.pages import basemap_options, render_page, with_blank_icon
from gis_api.core.settings import Settings
from gis_api.features.planning import store
from gis_api.features.planning.drafts import counted, draft_frame, get_draft, list_drafts
from map_ui.assets import offline_html
from map_ui.planner import build_planner_map


def planner_html(
    factory: sessionmaker[Session], *, draft_id: int, principal: Principal, settings: Settings
) -> str:
    """The planner page of one draft."""
    with factory() as session:
        draft = get_draft(session, draft_id, principal)
        village = store.villages_frame(session, draft.area_code)
        frame = draft_frame(session, draft)
        households, _ = counted(session, draft, frame)
        frame = frame.assign(
            households_stored=frame["households"],
            households=pd.Series(households, dtype=object, index=frame.index),
        )
        published = store.grids_frame(session, village_codes=[draft.area_code])
        buildings = store.buildings_frame(session, [draft.area_code])
        rules = store.rules_for(session, settings, draft.area_code)
        info = {
            "id": draft.id,
            "revision": draft.revision,
            "status": draft.status,
            "area_code": draft.area_code,
            "base_version": draft.base_version,
        }
    m = build_planner_map(
        village=village,
        draft=frame,
        published=published,
        buildings=buildings,
        draft_info=info,
        standard=rules.households_range(village["kind"].iloc[0]),
        editable=principal.can("plan") and info["status"] == "open",
        basemap=basemap_options(settings),
    )
    page = offline_html(m)
    title = f"<title>网格规划 草稿 {draft_id} · {html.escape(str(village['name'].iloc[0]))}</title>"
    return with_blank_icon(page).replace("<head>", "<head>\n    " + title, 1)


INDEX = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>网格规划</title>
<link rel="icon" href="data:,">
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2rem; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: .3rem .8rem; border-bottom: 1px solid #ddd; }}
form {{ margin: 1rem 0; }} .error {{ color: #b00020; }}
</style></head><body>
<h1>网格规划草稿</h1>
{form}
<table><tr><th>草稿</th><th>村社区</th><th>标题</th><th>状态</th><th>基于版本</th><th>创建</th></tr>
{rows}
</table>
<script>
var form = document.getElementById("new-draft");
if (form) form.addEventListener("submit", function (e) {{
  e.preventDefault();
  var body = {{area: form.area.value.trim(), source: form.source.value, title: form.title.value}};
  fetch("/v1/drafts", {{method: "POST", headers: {{"Content-Type": "application/json"}},
    body: JSON.stringify(body), credentials: "same-origin"}})
    .then(function (r) {{ return r.json().then(function (d) {{ return [r.ok, d]; }}); }})
    .then(function (res) {{
      if (res[0]) window.location = "/planner/drafts/" + res[1].id;
      else document.getElementById("error").textContent = res[1].message;
    }});
}});
</script></body></html>
"""
FORM = """<form id="new-draft">
<label>村社区编码 <input name="area" required pattern="[0-9]{12}"></label>
<select name="source"><option value="published">复制已发布网格</option>
<option value="empty">空白草稿</option></select>
<label>标题 <input name="title"></label> <button type="submit">新建草稿</button>
<span id="error" class="error"></span></form>"""
STATUS = {"open": "编辑中", "published": "已发布", "discarded": "已放弃"}


def index_html(
    factory: sessionmaker[Session], *, principal: Principal, settings: Settings | None = None
) -> str:
    """The list of drafts the caller may see, and a form to start one (planners); ``settings``
    is unused (the signature of :func:`gis_api.core.pages.render_page`'s builders).
    """
    with factory() as session:
        found = list_drafts(session, principal)
        rows = "\n".join(
            f'<tr><td><a href="/planner/drafts/{d.id}">#{d.id}</a></td>'
            f"<td>{html.escape(d.area_code)}</td><td>{html.escape(d.title)}</td>"
            f"<td>{STATUS.get(d.status, d.status)}</td><td>{d.base_version}</td>"
            f"<td>{d.created_at:%Y-%m-%d %H:%M}</td></tr>"
            for d in found
        )
    form = FORM if principal.can("plan") else ""
    return INDEX.format(form=form, rows=rows)


router = APIRouter(tags=["maps"])


@router.get("/planner", response_class=HTMLResponse, summary="The planner's drafts")
async def planner_index(request: Request) -> Response:
    """Drafts within the caller's jurisdiction; planners can start one."""
    return await render_page(request, index_html)


@router.get("/planner/drafts/{draft_id}", response_class=HTMLResponse, summary="Edit a draft")
async def planner_page(request: Request, draft_id: int) -> Response:
    """The draft over the published grids and buildings: edit, split, merge, validate, publish."""
    return await render_page(request, planner_html, draft_id=draft_id)
