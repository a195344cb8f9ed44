"""What-if at district scale: the first answer of /planner/whatif.json and repeat clicks.

Run: ``.venv/bin/python benchmarks/bench_whatif.py [--sizes 64]``. Builds the synthetic
n × n block community (``bench_scale.generate``), opens the report once (the distances every
click reuses), then times ``--clicks`` what-if answers at distinct points inside it
(each a new computation: points differ beyond the cache's rounding).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench_scale import generate

from geo_app import create_app


def measure(n: int, clicks: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        counts = generate(n, Path(folder))
        app = create_app({"DATA_DIR": folder, "DATABASE_URL": "sqlite://",
                          "REPORT_BUILD_RATE_LIMIT": "1000 per minute"})
        client = app.test_client()
        started = time.perf_counter()
        assert client.get("/planner/report.json?threshold=500&k=2").status_code == 200
        report_s = time.perf_counter() - started
        times, sizes = [], []
        for i in range(clicks):
            # along the first block row, 0.001° (about 95 m) apart
            url = f"/planner/whatif.json?lon={117.2515 + 0.001 * i:.4f}&lat=31.9505"
            started = time.perf_counter()
            answer = client.get(url)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.get_json()
            sizes.append(len(answer.get_data()))
        print(f"n = {n}: {counts['buildings']:,} buildings; report {report_s:.2f} s; "
              f"what-if median {statistics.median(times):.2f} s (first {times[0]:.2f} s, "
              f"max {max(times):.2f} s), answer {statistics.median(sizes) / 1000:,.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[64])
    parser.add_argument("--clicks", type=int, default=5)
    args = parser.parse_args()
    for n in args.sizes:
        measure(n, args.clicks)


if __name__ == "__main__":
    main()
