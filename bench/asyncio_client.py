#!/usr/bin/env python3
"""An independent client for the benchmark: the seed's design, a Python asyncio pipeline, standard library only.

    python3 bench/asyncio_client.py --url http://127.0.0.1:18189/v1 --concurrency C PROMPTS.jsonl RESULTS.jsonl

Reads the prompt file (one {"custom_id", "prompt"} object per line), sends every prompt as a chat-completions POST
with C workers, each on its own HTTP/1.1 keep-alive connection (asyncio streams, no pipelining), parses each answer
as JSON and writes one result line per prompt, in completion order. Prints one line of JSON: prompts, ok, failed,
wall_s (file opened -> last result written) and req_s. It does what the pipeline's core does, without its journal,
retries, rate limits or ordering: a reference for what one asyncio process on this machine reaches at the same C.
"""
import argparse
import asyncio
import json
import sys
import time
from urllib.parse import urlsplit


async def read_response(reader):
    """One HTTP/1.1 response: status and body (Content-Length or chunked)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split(b" ", 2)[1])
    length = None
    chunked = False
    close = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        value = value.strip()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and value.lower() == b"chunked":
            chunked = True
        elif name == b"connection" and value.lower() == b"close":
            close = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)
        body = b"".join(parts)
    elif length is not None:
        body = await reader.readexactly(length)
    else:
        body = await reader.read()
        close = True
    return status, body, close


async def worker(host, port, path, queue, out, counts):
    reader = writer = None
    while True:
        item = await queue.get()
        if item is None:
            break
        custom_id, prompt = item
        payload = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}]}).encode()
        request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
                   f"Authorization: Bearer bench\r\nContent-Length: {len(payload)}\r\n\r\n").encode() + payload
        started = time.monotonic()
        result = None
        for _attempt in range(2):  # a keep-alive connection the server closed meanwhile is opened again once
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(request)
                await writer.drain()
                status, body, close = await read_response(reader)
                if close:
                    writer.close()
                    reader = writer = None
                if status == 200:
                    answer = json.loads(body)
                    result = {"custom_id": custom_id, "status": "ok",
                              "content": answer["choices"][0]["message"]["content"], "usage": answer.get("usage"),
                              "latency_ms": int((time.monotonic() - started) * 1000)}
                else:
                    result = {"custom_id": custom_id, "status": "error", "http_status": status}
                break
            except (ConnectionError, asyncio.IncompleteReadError, OSError) as e:
                if writer is not None:
                    writer.close()
                reader = writer = None
                result = {"custom_id": custom_id, "status": "error", "error": str(e)}
        counts["ok" if result["status"] == "ok" else "failed"] += 1
        out.write(json.dumps(result) + "\n")
    if writer is not None:
        writer.close()


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="base URL of the API, e.g. http://127.0.0.1:18189/v1")
    parser.add_argument("--concurrency", type=int, required=True)
    parser.add_argument("prompts")
    parser.add_argument("results")
    args = parser.parse_args()
    url = urlsplit(args.url.rstrip("/") + "/chat/completions")
    if url.scheme != "http":
        sys.exit("only http:// (the benchmark's simulator on loopback)")
    started = time.monotonic()
    queue = asyncio.Queue(maxsize=2 * args.concurrency)
    counts = {"ok": 0, "failed": 0}
    prompts = 0
    with open(args.results, "w", buffering=1 << 16) as out:
        workers = [asyncio.create_task(worker(url.hostname, url.port or 80, url.path, queue, out, counts))
                   for _ in range(args.concurrency)]
        with open(args.prompts) as lines:
            for line in lines:
                if line.strip():
                    item = json.loads(line)
                    await queue.put((item["custom_id"], item["prompt"]))
                    prompts += 1
        for _ in workers:
            await queue.put(None)
        await asyncio.gather(*workers)
    wall = time.monotonic() - started
    print(json.dumps({"prompts": prompts, "ok": counts["ok"], "failed": counts["failed"], "wall_s": round(wall, 3),
                      "req_s": round(prompts / wall, 1)}))


if __name__ == "__main__":
    asyncio.run(main())
