"""The workloads of benches/README.md on Python's aiochan 0.2.7, the library aiochan is modelled on.

`python3 workloads.py <workload> <n>` runs one and prints its figures on one line, in the same units
as the Rust binary's, which runs this one as its `python-aiochan` column (with n divided by 50).
"""

import asyncio
import sys
import time

import aiochan as ac

SPSC_BUFFER = 1024
FANIN_PRODUCERS = 1000
FANIN_BUFFER = 64
PIPELINE_BUFFER = 64
SELECT_CHANNELS = 4
SELECT_WIDE_CHANNELS = 64
TIMER_SPREAD_MS = 100


def fail(message):
    print(f"workloads.py: {message}", file=sys.stderr)
    sys.exit(1)


def range_tally(n):
    return (n, n * (n - 1) // 2)


def pipeline_tally(n):
    kept = [2 * i for i in range(n) if (2 * i) % 3 == 0]
    return (len(kept), sum(kept))


async def pingpong(n):
    a, b = ac.Chan(), ac.Chan()

    async def echo():
        while True:
            v = await a.get()
            if v is None:
                return
            await b.put(v)

    ac.go(echo())
    count = total = 0
    for i in range(n):
        await a.put(i)
        v = await b.get()
        count, total = count + 1, total + v
    a.close()
    return (count, total)


async def spsc(n, buffer):
    c = ac.Chan(buffer) if buffer else ac.Chan()

    async def produce():
        for i in range(n):
            await c.put(i)
        c.close()

    ac.go(produce())
    count = total = 0
    while (v := await c.get()) is not None:
        count, total = count + 1, total + v
    return (count, total)


def fanin(producers):
    """`fanin` with this many producers (at most 1024: Python's aiochan lets no more puts wait on
    one channel, and has no way to raise that for one channel)."""
    return lambda n: fanin_of(n, producers)


async def fanin_of(n, producers):
    c = ac.Chan(FANIN_BUFFER)
    left = [producers]

    async def produce(p):
        for i in range(p, n, producers):
            await c.put(i)
        left[0] -= 1
        if left[0] == 0:
            c.close()

    for p in range(producers):
        ac.go(produce(p))
    count = total = 0
    while (v := await c.get()) is not None:
        count, total = count + 1, total + v
    return (count, total)


def select_over(channels):
    """`select4`, or `select_wide`, with this many channels: `select` takes any number."""
    return lambda n: select_of(n, channels)


async def select_of(n, channels):
    chans = [ac.Chan() for _ in range(channels)]

    async def produce(p, c):
        for i in range(p, n, channels):
            await c.put(i)
        c.close()

    for p, c in enumerate(chans):
        ac.go(produce(p, c))
    open_chans = list(chans)
    count = total = 0
    while open_chans:
        v, c = await ac.select(*open_chans)
        if v is None:
            open_chans.remove(c)
        else:
            count, total = count + 1, total + v
    return (count, total)


async def pipeline(n):
    source = ac.Chan(PIPELINE_BUFFER)

    async def feed():
        for i in range(n):
            await source.put(i)
        source.close()

    ac.go(feed())
    kept = source.map(lambda v: v * 2, buffer_size=PIPELINE_BUFFER).filter(
        lambda v: v % 3 == 0, buffer_size=PIPELINE_BUFFER
    )
    count = total = 0
    while (v := await kept.get()) is not None:
        count, total = count + 1, total + v
    return (count, total)


def status_bytes(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    fail(f"no {field} in /proc/self/status")


async def spawn(n):
    async def task(i):
        return i

    handles = [ac.go(task(i)) for i in range(n)]
    total = 0
    for h in handles:
        total += await h
    if total != n * (n - 1) // 2:
        fail("spawn: the indices do not sum to that of 0..n")


async def idle(n):
    """n tasks each get from a rendezvous channel of their own; once all have counted themselves in
    (just before their get), main puts i on channel i in order and awaits them all."""
    parked = [0]

    async def task(c):
        parked[0] += 1
        return await c.get()

    chans, handles = [], []
    for _ in range(n):
        c = ac.Chan()
        chans.append(c)
        handles.append(ac.go(task(c)))
    while parked[0] < n:
        await ac.nop()
    for i, c in enumerate(chans):
        await c.put(i)
    count = total = 0
    for h in handles:
        count, total = count + 1, total + await h
    return (count, total)


async def timers(n):
    async def sleeper(i):
        await asyncio.sleep((1 + (i * 7919) % TIMER_SPREAD_MS) / 1000)

    for h in [ac.go(sleeper(i)) for i in range(n)]:
        await h


CHANNEL = {
    "pingpong": (pingpong, range_tally),
    "spsc_unbuffered": (lambda n: spsc(n, 0), range_tally),
    "spsc_buffered": (lambda n: spsc(n, SPSC_BUFFER), range_tally),
    "fanin": (fanin(FANIN_PRODUCERS), range_tally),
    "fanin_p10": (fanin(10), range_tally),
    "fanin_p1000": (fanin(1000), range_tally),
    "select4": (select_over(SELECT_CHANNELS), range_tally),
    "select_wide": (select_over(SELECT_WIDE_CHANNELS), range_tally),
    "pipeline": (pipeline, pipeline_tally),
}


def run_timed(coro):
    """Runs `coro` on aiochan's loop, timing it from inside: its result and the nanoseconds."""
    result = {}

    async def timed():
        start = time.perf_counter_ns()
        result["value"] = await coro
        result["ns"] = time.perf_counter_ns() - start

    ac.run(timed())
    return result["value"], result["ns"]


def print_with_peak(n, run):
    """Runs `run` (which returns a result and its nanoseconds) and prints ns and peak resident bytes
    per task."""
    rss_before = status_bytes("VmRSS")
    _, ns = run()
    peak = max(status_bytes("VmHWM") - rss_before, 0)
    print(f"{ns / n:.1f} {peak / n:.1f}")


def main():
    if len(sys.argv) != 3:
        fail("usage: workloads.py <workload> <n>")
    name, n = sys.argv[1], int(sys.argv[2])
    if n <= 0:
        fail("<n> must be a positive integer")
    if name in CHANNEL:
        run, want = CHANNEL[name]
        got, ns = run_timed(run(n))
        if tuple(got) != want(n):
            fail(f"{name}: the values got are not the values sent, each once")
        print(f"{ns / n:.1f}")
    elif name == "spawn":
        print_with_peak(n, lambda: run_timed(spawn(n)))
    elif name == "idle":

        def checked():
            got, ns = run_timed(idle(n))
            if tuple(got) != range_tally(n):
                fail("idle: the tasks did not get 0..n, each once")
            return got, ns

        print_with_peak(n, checked)
    elif name == "timers":
        _, ns = run_timed(timers(n))
        print(f"{ns / 1e6 - TIMER_SPREAD_MS:.1f}")
    else:
        fail(f"unknown workload {name}")


if __name__ == "__main__":
    main()
