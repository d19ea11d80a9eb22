#!/usr/bin/env python3
"""The official Ark Python SDK (volcengine-ark-runtime) running a batch, for BENCHMARKS.md.

Usage: ark_sdk_batch.py BASE_URL OUT_DIR JOBS CONCURRENCY PROMPT_PREFIX

Run by crates/seedance-cli/benches/batch.rs against the simulator that `seedance batch` ran
against in the same bench. What a caller writes without a batch runner: a ThreadPoolExecutor of
CONCURRENCY threads, each job `tasks.create` -> `tasks.get` until a terminal status -> the video
downloaded with urllib and written to OUT_DIR/<n>.mp4. Polls follow the schedule `seedance batch`
uses against a server on this machine (0.2 s, times 1.5 per poll, at most 1 s), so the figures
compare the clients rather than two polling strategies.

Prints one JSON line: jobs, succeeded, wall seconds, peak RSS (resource.getrusage RUSAGE_SELF
ru_maxrss, KiB on Linux), status requests. Exit status: 0 when every job wrote an MP4, 1 when any
did not (each one printed), 3 when the SDK cannot be imported.
"""

import json
import os
import resource
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

EXIT_FAILED = 1
EXIT_NO_SDK = 3

# The id `seedance batch` sends for `"model": "seedance-2.0-fast"` on BytePlus.
MODEL = "dreamina-seedance-2-0-fast-260128"
TERMINAL = ("succeeded", "failed", "expired", "cancelled")


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, out_dir, jobs, concurrency, prefix = argv[1], argv[2], int(argv[3]), int(argv[4]), argv[5]
    try:
        from volcenginesdkarkruntime import Ark
    except ImportError as err:
        print(f"cannot import volcenginesdkarkruntime: {err}", file=sys.stderr)
        return EXIT_NO_SDK

    os.makedirs(out_dir, exist_ok=True)
    # One client shared by the threads, created once as the SDK's docs do; its default
    # connection pool is larger than any concurrency used here.
    client = Ark(base_url=base_url, api_key="sim", max_retries=0, timeout=60.0)
    tasks = client.content_generation.tasks
    lock = threading.Lock()
    polls = [0]

    def job(n):
        created = tasks.create(
            model=MODEL,
            content=[{"type": "text", "text": f"{prefix} {n}"}],
        )
        interval = 0.2
        while True:
            time.sleep(interval)
            task = tasks.get(task_id=created.id)
            with lock:
                polls[0] += 1
            if task.status in TERMINAL:
                break
            interval = min(interval * 1.5, 1.0)
        if task.status != "succeeded":
            raise RuntimeError(f"job {n}: task {created.id} is {task.status}")
        with urllib.request.urlopen(task.content.video_url, timeout=60) as response:
            data = response.read()
        if data[4:8] != b"ftyp":
            raise RuntimeError(f"job {n}: the download is not an MP4")
        with open(os.path.join(out_dir, f"{n}.mp4"), "wb") as file:
            file.write(data)
        return n

    start = time.monotonic()
    failures = []
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(job, n) for n in range(jobs)]
        for future in futures:
            try:
                future.result()
            except Exception as err:  # noqa: BLE001 - every failure is reported, none hidden
                failures.append(str(err))
                print(f"FAILED: {err}", file=sys.stderr)
    wall = time.monotonic() - start
    written = sum(1 for name in os.listdir(out_dir) if name.endswith(".mp4"))
    print(
        json.dumps(
            {
                "jobs": jobs,
                "succeeded": written,
                "wall_s": wall,
                "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                "status_requests": polls[0],
            }
        )
    )
    return EXIT_FAILED if failures or written != jobs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
