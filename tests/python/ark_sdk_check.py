#!/usr/bin/env python3
"""Drives an Ark-compatible API with the official Python SDK (volcengine-ark-runtime), unchanged.

Usage: ark_sdk_check.py BASE_URL API_KEY

Run by tests/tests/ark_python_sdk.rs against seedance-sim, which injects a HoldQueued fault on
the third create so that the queued task can be cancelled. Creates a Seedance 2.0 reference
request (image, video and audio URLs), a 1.5 pro text request and a third task; polls the first
two until they succeed; lists with status, task_ids and page filters; cancels the queued task;
deletes a finished one. The SDK sends every unset create field as JSON null and casts the
DELETE answer to a task, so this is what the simulator must accept.

Exit status: 0 when everything matched, 1 on any mismatch (each one printed), 3 when the SDK
cannot be imported.
"""

import sys
import time

EXIT_MISMATCH = 1
EXIT_NO_SDK = 3

REFERENCE_MODEL = "dreamina-seedance-2-0-260128"
TEXT_MODEL = "seedance-1-5-pro-251215"


class Check:
    """Collects mismatches instead of stopping at the first."""

    def __init__(self):
        self.failures = []

    def expect(self, condition, what):
        if not condition:
            self.failures.append(what)
            print(f"MISMATCH: {what}", file=sys.stderr)
        return condition


def wait_until_finished(tasks, task_id, deadline_seconds=60.0):
    deadline = time.monotonic() + deadline_seconds
    seen = []
    while True:
        task = tasks.get(task_id=task_id)
        if not seen or seen[-1] != task.status:
            seen.append(task.status)
        if task.status in ("succeeded", "failed", "expired", "cancelled"):
            return task, seen
        if time.monotonic() > deadline:
            return task, seen
        time.sleep(0.2)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, api_key = argv[1], argv[2]
    try:
        from volcenginesdkarkruntime import Ark
        from volcenginesdkarkruntime._exceptions import (
            ArkBadRequestError,
            ArkNotFoundError,
        )
    except ImportError as err:
        print(f"cannot import volcenginesdkarkruntime: {err}", file=sys.stderr)
        return EXIT_NO_SDK

    check = Check()
    client = Ark(base_url=base_url, api_key=api_key, max_retries=0, timeout=30.0)
    tasks = client.content_generation.tasks

    reference = tasks.create(
        model=REFERENCE_MODEL,
        content=[
            {"type": "text", "text": "The cat of image 1 dances to audio 1, as in video 1"},
            {
                "type": "image_url",
                "image_url": {"url": "https://example.com/cat.png"},
                "role": "reference_image",
            },
            {
                "type": "video_url",
                "video_url": {"url": "https://example.com/dance.mp4"},
                "role": "reference_video",
            },
            {
                "type": "audio_url",
                "audio_url": {"url": "https://example.com/beat.mp3"},
                "role": "reference_audio",
            },
        ],
        ratio="16:9",
        duration=8,
        generate_audio=True,
        watermark=False,
    )
    text = tasks.create(
        model=TEXT_MODEL,
        content=[{"type": "text", "text": "A kitten yawns at the camera"}],
        resolution="720p",
        seed=11,
        return_last_frame=True,
    )
    queued = tasks.create(
        model=TEXT_MODEL,
        content=[{"type": "text", "text": "A task to cancel while it is queued"}],
    )
    for created in (reference, text, queued):
        check.expect(created.id.startswith("cgt-"), f"task id {created.id!r} starts with cgt-")

    finished = {}
    for created, model in ((reference, REFERENCE_MODEL), (text, TEXT_MODEL)):
        task, seen = wait_until_finished(tasks, created.id)
        finished[created.id] = task
        check.expect(task.status == "succeeded", f"{created.id} succeeded (went {seen})")
        check.expect(task.model == model, f"model {task.model!r} is {model!r}")
        check.expect(
            task.content is not None and task.content.video_url.startswith("http"),
            f"{created.id} has a video URL: {task.content!r}",
        )
        check.expect(
            task.usage is not None and task.usage.completion_tokens > 0,
            f"{created.id} reports usage: {task.usage!r}",
        )
        check.expect(task.framespersecond == 24, f"framespersecond {task.framespersecond}")
    text_task = finished[text.id]
    check.expect(text_task.seed == 11, f"seed {text_task.seed} is 11")
    check.expect(
        text_task.content is not None and text_task.content.last_frame_url.startswith("http"),
        "the text task has a last frame URL",
    )
    check.expect(finished[reference.id].duration == 8, "the reference task lasts 8 s")

    listed = tasks.list(status="succeeded", task_ids=[reference.id, text.id, queued.id])
    check.expect(
        listed.total == 2 and {item.id for item in listed.items} == {reference.id, text.id},
        f"succeeded tasks by id: total {listed.total}, {[item.id for item in listed.items]}",
    )
    check.expect(
        [item.id for item in listed.items] == [text.id, reference.id],
        "the list is newest first",
    )
    one = tasks.list(task_ids=reference.id)
    check.expect(
        one.total == 1 and one.items[0].id == reference.id,
        f"one task id as a string: {one.total}",
    )
    page = tasks.list(page_num=2, page_size=1, model=TEXT_MODEL)
    check.expect(
        page.total == 2 and [item.id for item in page.items] == [text.id],
        f"page 2 of size 1 of the {TEXT_MODEL} tasks: {page.total}",
    )

    # The third task is held queued by the simulator: DELETE cancels it.
    check.expect(tasks.get(task_id=queued.id).status == "queued", "the third task is queued")
    tasks.delete(queued.id)
    check.expect(
        tasks.get(task_id=queued.id).status == "cancelled", "a deleted queued task is cancelled"
    )
    cancelled = tasks.list(status="cancelled")
    check.expect(
        [item.id for item in cancelled.items] == [queued.id], "the cancelled task is listed"
    )
    try:
        tasks.delete(queued.id)
        check.expect(False, "deleting a cancelled task is refused")
    except ArkBadRequestError as err:
        check.expect(err.status_code == 400, f"refused with 400, not {err.status_code}")

    # A finished task's record is deleted.
    tasks.delete(text.id)
    try:
        tasks.get(task_id=text.id)
        check.expect(False, "a deleted task is gone")
    except ArkNotFoundError as err:
        check.expect(err.status_code == 404, f"gone with 404, not {err.status_code}")
        # The SDK's own request_id is the id it generated for the request; the server's is a
        # response header.
        check.expect(
            bool(err.response.headers.get("x-request-id")), "the error carries an x-request-id"
        )
        check.expect(
            err.body.get("code") == "NotFound.TaskId" if isinstance(err.body, dict) else False,
            f"the error body is Ark's: {err.body!r}",
        )

    if check.failures:
        print(f"{len(check.failures)} mismatch(es)", file=sys.stderr)
        return EXIT_MISMATCH
    print("the official Ark SDK works against the API at", base_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
