"""District scale: validation, the walk and the planners' report on n × n synthetic communities.

Run on demand (not in the test suite)::

    .venv/bin/python benchmarks/bench_scale.py            # n = 16, 32, 64, 128 (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py --quick    # n = 16, 32
    .venv/bin/python benchmarks/bench_scale.py --sizes 64 # chosen sizes

A community of n × n blocks of 200 m: six buildings a block, a street grid (one path per block
side), one grid per 4 × 4 blocks, a station per 8 × 8 blocks (every fourth of them a 歇歇角),
two POIs a block, generated deterministically. Each stage of each size runs in its own
subprocess, so the peak memory printed is that stage's own: ``geo-app validate``, ``geo-app walk
nearest`` (buildings → stations) and the whole ``geo-app coverage`` pipeline with the time of
each report stage; wall seconds, with CPU seconds in brackets (steadier on a shared machine).
"report ÷ walk" compares the CPU time of the coverage run with the walk's on the same data.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from pyproj import Transformer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: The blocks are laid out in EPSG:4548 metres from here (near 金宁社区, Hefei).
ORIGIN_LONLAT = (117.2, 31.9)
METRIC = "EPSG:4548"
BLOCK_M = 200.0
BLOCKS_PER_GRID = 4
BLOCKS_PER_STATION = 8
SIZES = (16, 32, 64, 128)
QUICK_SIZES = (16, 32)
THRESHOLD_M = 500.0
#: Building footprints inside a block: 3 × 2 slabs of 40 × 20 m, 30 m from the streets.
SLAB_W, SLAB_H = 40.0, 20.0
SLAB_X = (30.0, 80.0, 130.0)
SLAB_Y = (50.0, 130.0)
POI_AT = ((100.0, 15.0), (15.0, 100.0))
KIT = {"umbrella": 5, "first_aid_kit": 1, "power_bank": 4, "sewing_kit": 2}
HOURS = {day: "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _collection(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False)


def _feature(properties: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _box(x0: np.ndarray, y0: np.ndarray, w: float, h: float, *, step: float = 0.0) -> np.ndarray:
    """Closed rings (n, m, 2) of axis-aligned boxes, in metres, with a vertex every ``step``
    metres along each side (so street crossings on the edge are vertices, exactly)."""
    def side(length: float) -> np.ndarray:
        count = max(1, round(length / step)) if step else 1
        return np.linspace(0.0, length, count + 1)[:-1]

    xs, ys = side(w), side(h)
    ring = np.concatenate([
        np.column_stack([xs, np.zeros_like(xs)]),
        np.column_stack([np.full_like(ys, w), ys]),
        np.column_stack([w - xs, np.full_like(xs, h)]),
        np.column_stack([np.zeros_like(ys), h - ys]),
        [[0.0, 0.0]],
    ])
    return np.stack([x0, y0], axis=-1)[:, None, :] + ring[None]


def generate(n: int, directory: Path) -> dict[str, int]:
    """Write the layers of an n × n block community to ``directory``; return feature counts."""
    from layers.schema import POI_CATEGORIES

    to_lonlat = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    to_metric = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
    x0, y0 = to_metric.transform(*ORIGIN_LONLAT)

    def lonlat(xy: np.ndarray) -> np.ndarray:
        lon, lat = to_lonlat.transform(xy[..., 0] + x0, xy[..., 1] + y0)
        return np.round(np.stack([lon, lat], axis=-1), 8)

    if n % BLOCKS_PER_STATION:
        msg = f"n 须为 {BLOCKS_PER_STATION} 的倍数，实际为 {n}"
        raise ValueError(msg)
    directory.mkdir(parents=True, exist_ok=True)
    side = n * BLOCK_M
    code = "340121400001"
    boundary = lonlat(_box(np.array([0.0]), np.array([0.0]), side, side, step=BLOCK_M))[0]
    layers: dict[str, list[dict]] = {
        "boundary": [_feature({"id": code, "name": "合成社区"},
                              {"type": "Polygon", "coordinates": [boundary.tolist()]})],
    }
    g = n // BLOCKS_PER_GRID
    gi, gj = (a.ravel() for a in np.meshgrid(np.arange(g), np.arange(g), indexing="ij"))
    grid_m = BLOCKS_PER_GRID * BLOCK_M
    rings = lonlat(_box(gi * grid_m, gj * grid_m, grid_m, grid_m, step=BLOCK_M))
    grid_id = [f"{code}-{i:03d}{j:03d}" for i, j in zip(gi, gj, strict=True)]
    layers["grids"] = [
        _feature({"id": gid, "name": f"第{k + 1}网格", "parent": code, "leader": f"网格长{k + 1}"},
                 {"type": "Polygon", "coordinates": [ring.tolist()]})
        for k, (gid, ring) in enumerate(zip(grid_id, rings, strict=True))
    ]
    bi, bj = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    slabs = [(sx, sy) for sy in SLAB_Y for sx in SLAB_X]
    sx = np.concatenate([bi * BLOCK_M + x for x, _ in slabs])
    sy = np.concatenate([bj * BLOCK_M + y for _, y in slabs])
    block = np.concatenate([np.arange(n * n)] * len(slabs))
    order = np.lexsort((np.repeat(np.arange(len(slabs)), n * n), block))
    sx, sy, block = sx[order], sy[order], block[order]
    rings = lonlat(_box(sx, sy, SLAB_W, SLAB_H))
    grid_of = (bi[block] // BLOCKS_PER_GRID) * g + bj[block] // BLOCKS_PER_GRID
    layers["buildings"] = [
        _feature(
            {"id": f"B{k}", "name": f"{b}区 {k % 6 + 1}栋", "compound": f"{b}区", "floors": 6,
             "units": 2, "households": 24, "residents": 60, "grid_id": grid_id[grid_of[k]]},
            {"type": "Polygon", "coordinates": [ring.tolist()]},
        )
        for k, (b, ring) in enumerate(zip(block.tolist(), rings, strict=True))
    ]
    s = n // BLOCKS_PER_STATION
    si, sj = (a.ravel() for a in np.meshgrid(np.arange(s), np.arange(s), indexing="ij"))
    station_m = BLOCKS_PER_STATION * BLOCK_M
    points = lonlat(np.stack([si * station_m + station_m / 2 + 100, sj * station_m
                              + station_m / 2 + 5], axis=-1))
    station_grid = ((si * BLOCKS_PER_STATION + BLOCKS_PER_STATION // 2) // BLOCKS_PER_GRID) * g + (
        (sj * BLOCKS_PER_STATION + BLOCKS_PER_STATION // 2) // BLOCKS_PER_GRID
    )
    layers["stations"] = [
        _feature(
            {"id": f"S{k}", "name": f"站点{k}",
             "kind": "rest_post" if k % 4 == 3 else "party_service_station",
             "grid_id": grid_id[sg], "hours": HOURS, "contact": "0551-00000000", "items": KIT},
            {"type": "Point", "coordinates": point.tolist()},
        )
        for k, (i, j, sg, point) in enumerate(zip(si, sj, station_grid, points, strict=True))
    ]
    line = np.arange(n + 1) * BLOCK_M
    along = np.arange(n) * BLOCK_M
    h_start = np.stack(np.meshgrid(along, line, indexing="ij"), axis=-1).reshape(-1, 2)
    v_start = h_start[:, ::-1]
    starts = np.concatenate([h_start, v_start])
    ends = starts + np.concatenate([np.tile([BLOCK_M, 0.0], (len(h_start), 1)),
                                    np.tile([0.0, BLOCK_M], (len(v_start), 1))])
    segments = lonlat(np.stack([starts, ends], axis=1))
    # streets are named like a 开发区's grid: 纬N路 east–west, 经N路 north–south
    line_of = np.tile(np.arange(len(h_start)) % (n + 1) + 1, 2)
    street = [f"纬{m}路" for m in line_of[:len(h_start)]] + [f"经{m}路" for m in
                                                            line_of[len(h_start):]]
    layers["paths"] = [
        _feature({"id": f"P{k}", "kind": "street", "name": street[k]},
                 {"type": "LineString", "coordinates": seg.tolist()})
        for k, seg in enumerate(segments)
    ]
    categories = list(POI_CATEGORIES)
    poi_xy = np.concatenate([np.stack([bi * BLOCK_M + px, bj * BLOCK_M + py], axis=-1)
                             for px, py in POI_AT])
    poi_lonlat = lonlat(poi_xy)
    layers["pois"] = [
        _feature({"id": f"POI{k}", "name": f"设施{k}", "category": categories[k % len(categories)]},
                 {"type": "Point", "coordinates": point.tolist()})
        for k, point in enumerate(poi_lonlat)
    ]
    for name, features in layers.items():
        (directory / f"{name}.geojson").write_text(_collection(features), encoding="utf-8")
    return {name: len(features) for name, features in layers.items()}


#: Process CPU time when the stage started (the machine may be shared: CPU time is steadier).
_CPU_START = [0.0]


def peak_mb() -> float:
    """This process's peak resident memory in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_cli(args: list[str]) -> float:
    """Run ``geo-app ARGS`` in this process, output discarded; return the wall time."""
    from geo_app.cli import main

    started = time.perf_counter()
    _CPU_START[0] = time.process_time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            main.main(args, standalone_mode=False)
        except SystemExit as exc:  # validate exits 1 on issues: none are expected here
            if exc.code:
                raise
    return time.perf_counter() - started


def worker(stage: str, data: Path) -> dict[str, object]:
    """Measure one stage on the layers in ``data`` (run in a fresh process)."""
    if stage == "validate":
        seconds = run_cli(["validate", str(data)])
        return {"seconds": seconds, "cpu": time.process_time() - _CPU_START[0],
                "peak_mb": peak_mb()}
    if stage == "walk":
        seconds = run_cli(["walk", "nearest", "--network", str(data / "paths.geojson"),
                           "--origins", str(data / "buildings.geojson"),
                           "--targets", str(data / "stations.geojson"),
                           "-o", str(data / "nearest.csv")])
        return {"seconds": seconds, "cpu": time.process_time() - _CPU_START[0],
                "peak_mb": peak_mb()}
    cpu = time.process_time()
    stages = coverage_stages(data)
    return {"seconds": sum(stages.values()), "cpu": time.process_time() - cpu, "stages": stages,
            "peak_mb": peak_mb()}


def coverage_stages(data: Path) -> dict[str, float]:
    """Time each step of ``geo-app coverage --threshold 500 --format json``."""
    # The steps of the CLI (``geo_app.planning.cli.coverage``), each timed.
    from geo_app.config import DEFAULTS
    from geo_app.planning.measure import measure_distances
    from geo_app.planning.places import PlaceNamer
    from geo_app.planning.published import coverage_targets, name_sites, report_data
    from geo_app.planning.report import planner_report
    from geo_app.planning.settings import settings_from_config
    from geo_app.walking import prepare_community
    from layers import load_community

    settings = settings_from_config(DEFAULTS)
    times: dict[str, float] = {}
    started = time.perf_counter()
    community = load_community(data)
    times["load"] = time.perf_counter() - started
    started = time.perf_counter()
    network = prepare_community(community)
    times["network"] = time.perf_counter() - started
    started = time.perf_counter()
    distances = measure_distances(community, network, max_attach_m=settings.max_attach_m)
    times["measure"] = time.perf_counter() - started
    report = planner_report(community, network, distances, settings, threshold_m=THRESHOLD_M,
                            k=settings.siting_k)
    times.update(report.seconds)
    started = time.perf_counter()
    namer = PlaceNamer(community, crs=network.crs)
    named = name_sites(report, community, namer)
    times["names"] = time.perf_counter() - started
    started = time.perf_counter()
    published = report_data(report, named, coverage_targets(DEFAULTS["COVERAGE_TARGETS"]))
    orjson.dumps(published, option=orjson.OPT_INDENT_2)
    times["json"] = time.perf_counter() - started
    return times


def command_run(data: Path) -> dict[str, Any]:
    """The whole ``geo-app coverage --format json`` command as a user runs it: wall seconds
    from start to exit (interpreter start-up included) and the child's peak memory."""
    command = [str(Path(sys.executable).with_name("geo-app")), "coverage", "--data", str(data),
               "--threshold", str(THRESHOLD_M), "--format", "json"]
    started = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        return {"error": f"exit {child.returncode}"}
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024.0}


def measure(stage: str, data: Path) -> dict[str, object]:
    """Run :func:`worker` for ``stage`` in a subprocess and read its figures."""
    done = subprocess.run(
        [sys.executable, __file__, "--worker", stage, "--data", str(data)],
        capture_output=True, text=True, check=False,
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


STAGE_COLUMNS = ("load", "network", "measure", "coverage", "rules", "circle", "siting",
                 "names", "json")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="only n = 16 and 32")
    parser.add_argument("--sizes", type=int, nargs="*", help="block counts n to run")
    parser.add_argument("--worker", choices=("validate", "walk", "coverage"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data)))
        return
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    header = ["n", "buildings", "features", "validate s (CPU)", "MB", "walk s (CPU)", "MB",
              "coverage s (CPU)", "MB", *(f"{c} s" for c in STAGE_COLUMNS), "report÷walk",
              "geo-app coverage s (CPU)", "MB"]
    print("| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{n}-") as tmp:
            counts = generate(n, Path(tmp))
            figures = {stage: measure(stage, Path(tmp)) for stage in ("validate", "walk",
                                                                       "coverage")}
            whole = command_run(Path(tmp))
        row = [str(n), f"{counts['buildings']:,}", f"{sum(counts.values()):,}"]
        for stage in ("validate", "walk", "coverage"):
            got = figures[stage]
            if "error" in got:
                row += [f"失败：{got['error'][:60]}", "–"]
            else:
                row += [f"{got['seconds']:.2f} ({got['cpu']:.2f})", f"{got['peak_mb']:,.0f}"]
        stages = figures["coverage"].get("stages", {})
        row += [f"{stages[c]:.2f}" if c in stages else "–" for c in STAGE_COLUMNS]
        walk_s = figures["walk"].get("cpu")
        cover_s = figures["coverage"].get("cpu")
        row.append(f"{cover_s / walk_s:.1f}" if walk_s and cover_s else "–")
        row += ([f"失败：{whole['error']}", "–"] if "error" in whole else
                [f"{whole['seconds']:.2f} ({whole['cpu']:.2f})", f"{whole['peak_mb']:,.0f}"])
        print("| " + " | ".join(row) + " |", flush=True)


if __name__ == "__main__":
    main()
