"""Benchmark: time and peak memory of generating each sandbox university size.

Usage: .venv/bin/python -m bench.generate [--sizes demo large xlarge] [--repeat 3]

Each generation runs in a fresh spawned process, so its peak RSS (``ru_maxrss``) is its own;
the sizes are interleaved round by round and reported as min / median / max.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time

from bench.common import interleaved, load_average, spread


def _generate(size: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from sandbox.university import build_university

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.monotonic()
    university = build_university(size)
    seconds = time.monotonic() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak, base, len(university.courses), len(university.enrollments)))


def generate_once(size: str) -> tuple[float, float, float, int, int]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_generate, args=(size, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["demo", "large", "xlarge"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"load average before: {load_average()}")
    runs: dict[str, list[tuple[float, float, float, int, int]]] = {s: [] for s in args.sizes}
    for _, size in interleaved(args.sizes, args.repeat):
        runs[size].append(generate_once(size))
    print(f"{args.repeat} interleaved runs per size; min / median / max")
    print("")
    print("| size | courses | enrollments | seconds | peak RSS MiB | MiB over base |")
    print("| --- | ---: | ---: | --- | --- | --- |")
    for size, results in runs.items():
        _, _, _, courses, enrollments = results[0]
        print(
            f"| {size} | {courses:,} | {enrollments:,} | {spread(r[0] for r in results)} "
            f"| {spread((r[1] for r in results), '{:.0f}'.format)} "
            f"| {spread((r[1] - r[2] for r in results), '{:.0f}'.format)} |"
        )
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
