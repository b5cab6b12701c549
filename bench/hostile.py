"""Benchmark: a running bot polls hostile feeds next to normal ones and still alerts on time.

    .venv/bin/python bench/hostile.py [--normal 10] [--rounds 6] [--no-hostile] [--interval 1]
        [--per-host 50] [--database-url URL]

`claimwatch run` runs in console mode (lexical matcher, 1 s tick) against a feed server in a
child process. All feeds share 127.0.0.1, so the bench raises the per-host cap as distinct hosts
would have it. Beside the normal feeds it polls, every second, a billion-laughs feed, a
quadratic entity blow-up (one 100,000-character entity used 10,000 times), a DTD hidden past the
first 4 KiB, a feed of 100,000 entries, a gzip bomb, a body that never ends and a slow answer.
Each round adds one item that bears on a claim to a normal feed and times how long it takes to
reach the console. Prints every round's latency, the bot's peak resident memory (VmHWM) and what
the hostile feeds cost it.
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from feedserver import FeedServer  # noqa: E402
from runner import run_env, running  # noqa: E402

HOSTILE = (
    "laughs",
    "quadratic",
    "late-dtd",
    "many-entries",
    "gzip-bomb",
    "endless",
    "slow",
)


def billion_laughs() -> bytes:
    levels = ['<!ENTITY l0 "lol">']
    levels += [f'<!ENTITY l{n} "{f"&l{n - 1};" * 10}">' for n in range(1, 10)]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [' + "".join(levels) + "]>\n"
        '<rss version="2.0"><channel><title>Laughs</title>'
        "<item><title>&l9;</title><link>https://laughs.example.org/1</link></item>"
        "</channel></rss>"
    ).encode()


def quadratic() -> bytes:
    uses = "&e;" * 10_000
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY e "' + "x" * 100_000 + '">]>\n'
        '<rss version="2.0"><channel><title>Quadratic</title>'
        f"<item><title>q</title><description>{uses}</description>"
        "<link>https://quadratic.example.org/1</link></item></channel></rss>"
    ).encode()


def late_dtd() -> bytes:
    padding = "<!--" + "p" * 8192 + "-->"
    return (
        '<?xml version="1.0"?>\n' + padding + '<!DOCTYPE rss [<!ENTITY e "' + "y" * 50_000 + '">]>'
        '<rss version="2.0"><channel><title>Late</title>'
        f"<item><title>late</title><description>{'&e;' * 2_000}</description>"
        "<link>https://late.example.org/1</link></item></channel></rss>"
    ).encode()


def many_entries(count: int = 100_000) -> bytes:
    items = "".join(
        f"<item><title>Entry {n}</title><link>https://many.example.org/{n}</link>"
        f"<guid>many-{n}</guid></item>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Many</title>'
        f"{items}</channel></rss>"
    ).encode()


# Six developments, each bearing on a different claim, so each is a story (and an alert) of its own.
RELEVANT = (
    (
        "Trump postpones his April visit to Beijing",
        "The White House said the president's trip to China to meet Xi Jinping has been put off "
        "indefinitely.",
    ),
    (
        "Chinese banks halt payments for Russian imports of machine tools",
        "Several Chinese state banks stopped processing payments from Russian buyers of "
        "dual-use goods after new US secondary sanctions, traders in Moscow said.",
    ),
    (
        "Russia's trade with China hits a record as Moscow leans on Beijing",
        "Customs data show Russia now buys most of its cars, electronics and machinery from "
        "China, which takes a growing share of Russian oil at a discount.",
    ),
    (
        "Washington and Beijing agree to cut tariffs in a trade truce",
        "US and Chinese negotiators agreed to roll back tariffs and resume purchases of "
        "soybeans, easing tensions between the two largest economies.",
    ),
    (
        "Kremlin threatens nuclear response if Europe sends troops to Ukraine",
        "A senior Russian official warned of nuclear retaliation and said Moscow would escalate "
        "if a ceasefire plan put Western soldiers in Ukraine.",
    ),
    (
        "EU and China open talks to widen market access for European firms",
        "Brussels and Beijing agreed to start negotiations on investment and market access, as "
        "China courts Europe amid tension with Washington.",
    ),
)


def relevant_item(n: int) -> str:
    title, summary = RELEVANT[n % len(RELEVANT)]
    return (
        f"<item><title>{title}</title><link>https://news.example.org/trip-{n}</link>"
        f"<guid>trip-{n}</guid><description>{summary}</description></item>"
    )


def serve(normal: int, pipe: Connection) -> None:
    """Child process: serve the feeds; on ("add", n) put a relevant item in normal feed 0."""
    with FeedServer() as server:
        for n in range(normal):
            server.feed(f"/normal/{n}.xml", items=3, title=f"Normal {n}", start=n * 100)
        server.raw("/hostile/laughs.xml", billion_laughs())
        server.raw("/hostile/quadratic.xml", quadratic())
        server.raw("/hostile/late-dtd.xml", late_dtd())
        server.raw("/hostile/many-entries.xml", many_entries())
        server.gzip_bomb("/hostile/gzip-bomb.xml")
        server.endless("/hostile/endless.xml")
        server.slow("/hostile/slow.xml", 60)
        pipe.send(server.port)
        added: list[str] = []
        while (message := pipe.recv()) != "stop":
            if message == "hits":
                pipe.send({name: len(server.hits(f"/hostile/{name}.xml")) for name in HOSTILE})
                continue
            added.append(relevant_item(message))
            server.feed("/normal/0.xml", items=3, title="Normal 0", extra_items=added)
            pipe.send("ok")


def feeds_file(path: Path, port: int, normal: int, *, hostile: bool, interval: int) -> None:
    base = f"http://127.0.0.1:{port}"
    every = f"    interval: {interval}s"
    lines = ["feeds:"]
    for n in range(normal):
        lines += [f"  - url: {base}/normal/{n}.xml", f"    name: Normal {n}", every]
    for name in HOSTILE if hostile else ():
        lines += [f"  - url: {base}/hostile/{name}.xml", f"    name: {name}", every]
    path.write_text("\n".join(lines) + "\n")


def peak_rss_mib(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(path: Path, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return True
        time.sleep(0.1)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--normal", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--database-url")
    parser.add_argument("--startup-timeout", type=float, default=300)
    parser.add_argument(
        "--no-hostile", action="store_true", help="normal feeds only: the poller's own latency"
    )
    parser.add_argument("--interval", type=int, default=1, help="every feed's interval, seconds")
    parser.add_argument(
        "--per-host",
        type=int,
        default=50,
        help="CLAIMWATCH_PER_HOST_LIMIT; every feed is on 127.0.0.1, so the default raises it "
        "to what distinct hosts would get (use 2, the default of a real run, to measure many "
        "feeds on one host)",
    )
    args = parser.parse_args()

    here, there = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve, args=(args.normal, there), daemon=True)
    child.start()
    port = here.recv()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        hostile = not args.no_hostile
        feeds_file(work / "feeds.yaml", port, args.normal, hostile=hostile, interval=args.interval)
        env = run_env(
            args.database_url or f"sqlite+aiosqlite:///{work}/bench.db",
            work / "feeds.yaml",
            CLAIMWATCH_TICK_SECONDS="1",
            CLAIMWATCH_PER_HOST_LIMIT=str(args.per_host),
            CLAIMWATCH_POLL_CONCURRENCY="20",
            CLAIMWATCH_ALLOW_PRIVATE_FEEDS="true",
            CLAIMWATCH_LOG_LEVEL="INFO",
            PYTHONUNBUFFERED="1",
        )
        out = work / "out.txt"
        with running(work, env, out) as proc:
            latencies: list[float] = []
            try:
                started = time.monotonic()
                if not wait_for(out, "claimwatch is running", args.startup_timeout):
                    print(f"bot peak RSS so far: {peak_rss_mib(proc.pid):.0f} MiB")
                    sys.exit("the bot did not start:\n" + out.read_text())
                print(f"started in {time.monotonic() - started:.1f} s")
                time.sleep(5)  # the first poll of every feed is backlog
                for n in range(args.rounds):
                    here.send(n)
                    here.recv()
                    started = time.monotonic()
                    found = wait_for(out, f"https://news.example.org/trip-{n}", 120)
                    latency = time.monotonic() - started
                    latencies.append(latency if found else float("inf"))
                    print(
                        f"round {n}: alert after {latency:.1f} s" + ("" if found else " (MISSED)")
                    )
                    time.sleep(2)
                peak = peak_rss_mib(proc.pid)
                here.send("hits")
                hits = here.recv()
            finally:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
        here.send("stop")
        log = out.read_text(errors="replace")
    finite = [x for x in latencies if x != float("inf")]
    print(
        f"normal feeds: {args.normal}, hostile feeds: {len(HOSTILE) if hostile else 0}, "
        f"interval {args.interval} s, per-host limit {args.per_host}, rounds: {args.rounds}"
    )
    if finite:
        print(
            f"alert latency: median {statistics.median(finite):.1f} s, max {max(finite):.1f} s, "
            f"missed {len(latencies) - len(finite)}"
        )
    print(f"bot peak RSS: {peak:.0f} MiB (goal: under 1024)")
    print("hostile feed requests: " + ", ".join(f"{k} {v}" for k, v in hits.items()))
    print(f"tracebacks in the bot's output: {log.count('Traceback')}")


if __name__ == "__main__":
    main()
