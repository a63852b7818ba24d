"""A self-contained, readable HTML report of a metrics document (optionally with a key image)."""

from __future__ import annotations

import base64
import html
from typing import Optional

from gynai.tasks import get_task

_STYLE = """
body{font-family:system-ui,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;max-width:60em;color:#222}
h1{font-size:1.5em;margin-bottom:.2em} h2{font-size:1.15em;border-bottom:1px solid #ccc;padding-bottom:.2em}
table{border-collapse:collapse;margin:.5em 0} td,th{border:1px solid #bbb;padding:.3em .7em;text-align:left}
th{background:#f0f0f0} td.num{text-align:right;font-variant-numeric:tabular-nums}
.notice{background:#fff4d6;border:1px solid #e0b94a;padding:.6em 1em;margin:1em 0}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.4em;vertical-align:middle;border:1px solid #666}
.small{color:#555;font-size:.9em}
"""


def _number(value: Optional[float], digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _structure_rows(document: dict) -> str:
    colours = {label.id: label.color_rgb for label in get_task(document["task"]).labels}
    names = {label.id: label.name for label in get_task(document["task"]).labels}
    rows = []
    for structure_id, values in document["structures"].items():
        colour = colours.get(structure_id)
        swatch = ("<span class='swatch' style='background:rgb({},{},{})'></span>".format(
            *(int(255 * c) for c in colour)) if colour else "")
        name = names.get(structure_id, structure_id.replace("-", " ").capitalize())
        centroid = values.get("centroid_lps_mm")
        centroid_text = "not present" if centroid is None else ", ".join(f"{c:.1f}" for c in centroid)
        diameters = values.get("obb_diameters_mm")
        diameter_text = "—" if not diameters else " × ".join(f"{d:.1f}" for d in diameters)
        rows.append(f"<tr><td>{swatch}{html.escape(name)}</td><td class='num'>{_number(values['volume_ml'])}</td>"
                    f"<td class='num'>{_number(values.get('ellipsoid_volume_ml'))}</td>"
                    f"<td class='num'>{diameter_text}</td>"
                    f"<td class='num'>{_number(values.get('max_feret_diameter_mm'))}</td>"
                    f"<td class='num'>{values['voxel_count']}</td><td>{centroid_text}</td></tr>")
    return "\n".join(rows)


def render_html(document: dict, key_image_png: Optional[bytes] = None, title: Optional[str] = None) -> str:
    """HTML text of the report for a metrics document.

    Args:
        document: A ``gynai.metrics/1`` document.
        key_image_png: Optional PNG bytes of a key image, embedded inline.
        title: Report title (default from the task).
    """
    task = get_task(document["task"])
    title = title or f"GynAI report — {task.id}"
    image = document["image"]
    model = document.get("model") or {}
    model_text = f"{html.escape(str(model.get('name', 'none')))} {html.escape(str(model.get('version', '')))}"
    source = ", ".join(f"{html.escape(k)}: {html.escape(str(v))}" for k, v in (document.get("source") or {}).items())
    figure = ""
    if key_image_png:
        encoded = base64.b64encode(key_image_png).decode("ascii")
        figure = (f"<h2>Key image</h2><img alt='slice with segmentation overlay' src='data:image/png;base64,"
                  f"{encoded}'/><p class='small'>Slice with the most segmented voxels; colours as in the table.</p>")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="small">{html.escape(task.description)}</p>
<div class="notice"><b>AI-generated, requires review; research use only.</b> {html.escape(document.get('notice', ''))}</div>
<h2>Study</h2>
<table>
<tr><th>Input</th><td>{source or '—'}</td></tr>
<tr><th>Model</th><td>{model_text}</td></tr>
<tr><th>Grid (i × j × k)</th><td>{' × '.join(str(n) for n in image['size_xyz'])} voxels</td></tr>
<tr><th>Spacing</th><td>{' × '.join(f'{s:.2f}' for s in image['spacing_mm'])} mm</td></tr>
<tr><th>Created</th><td>{html.escape(document.get('created', ''))} by gynai {html.escape(document['generator']['version'])}</td></tr>
</table>
<h2>Volumes</h2>
<table>
<tr><th>Structure</th><th>Volume (mL)</th><th>Ellipsoid volume (mL)</th><th>Diameters (mm)</th><th>Max Feret (mm)</th><th>Voxels</th><th>Centroid (LPS, mm)</th></tr>
{_structure_rows(document)}
</table>
<p class="small">Volumes by voxel counting (voxel count × voxel volume). Derived structures are unions of labels.</p>
{figure}
</body></html>
"""
