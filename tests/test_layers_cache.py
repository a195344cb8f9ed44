"""With ``reuse`` (app start-up), a process parses unchanged layers once; a changed or moved
file, or a plain load (a reload), parses again."""

from __future__ import annotations

import json

from support.grid_community import write_community

from layers import load_community


def test_unchanged_layers_load_once_and_a_changed_file_loads_again(tmp_path):
    directory = write_community(tmp_path / "layers")
    first = load_community(directory, reuse=True)
    assert load_community(str(directory), reuse=True) is first  # same place, same bytes
    assert load_community(directory) is not first  # a reload reads the files again

    path = directory / "stations.geojson"
    doc = json.loads(path.read_text("utf-8"))
    doc["features"][0]["properties"]["name"] = "改名的服务站"
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    changed = load_community(directory, reuse=True)
    assert changed is not first
    assert changed.stations["name"].iloc[0] == "改名的服务站"
    assert first.stations["name"].iloc[0] == "风格城市党群服务站"  # the old one is untouched

    elsewhere = write_community(tmp_path / "copy")  # same bytes, another place
    assert load_community(elsewhere, reuse=True).source == str(elsewhere)
