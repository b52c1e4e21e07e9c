"""Faults against the release `berth serve` on loopback, each printed with its numbers and PASS or FAIL
(issue: load and faults):

  sigterm      SIGTERM while 64 clients send requests: every answer that started is complete and 200, the
               server exits 0 well within 30 s
  slow-clients 500 clients send a body one byte a second: others are still answered quickly, and the slow ones
               are closed after BERTH_BODY_TIMEOUT_SECONDS (set to 10 s here)
  disconnects  2,000 clients leave mid-body or mid-response: open files and memory are back where they were
  oversized    a body announced larger than the limit: 413 at once, and the connection closes unread

The model is the legacy binary fixture (12 features). Usage:
    swift build -c release --product berth
    python3 Benchmarks/faults.py [scenario ...]
"""

import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from berth_server import ROOT, free_port, open_files, rss_mib, start  # noqa: E402

FIXTURE = os.path.join(ROOT, "opt-ml-fixtures", "xgboost-binary-legacy")
with open(os.path.join(FIXTURE, "requests", "rows.csv"), "rb") as handle:
    ROWS = handle.read().splitlines(keepends=True)
ONE_ROW = ROWS[0]


def request_bytes(body, extra=b""):
    return (b"POST /invocations HTTP/1.1\r\nHost: berth\r\nContent-Type: text/csv\r\n" + extra +
            b"Content-Length: %d\r\n\r\n" % len(body) + body)


class Truncated(Exception):
    """The server sent part of a response and closed."""


def read_response(connection):
    """Reads one response; returns its status, or None when the connection closed before any byte of it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            if data:
                raise Truncated()
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    while len(rest) < length:
        chunk = connection.recv(65536)
        if not chunk:
            raise Truncated()
        rest += chunk
    return int(head.split(b" ")[1])


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=30)


def report(name, ok, text):
    print(f"{name:<13} {'PASS' if ok else 'FAIL'}  {text}")
    return ok


def sigterm(folder):
    port = free_port()
    process, _ = start(folder, port)
    counts = {"ok": 0, "not_ok": 0, "truncated": 0, "closed_before_answer": 0, "refused": 0, "sent_before_and_lost": 0}
    lock = threading.Lock()
    stop = threading.Event()
    signalled = [float("inf")]

    def client():
        connection = None
        while not stop.is_set():
            sent = float("inf")
            try:
                connection = connection or connect(port)
                connection.sendall(request_bytes(ONE_ROW))
                sent = time.perf_counter()
                status = read_response(connection)
                outcome = "closed_before_answer" if status is None else "ok" if status == 200 else "not_ok"
            except Truncated:
                outcome = "truncated"
            except ConnectionRefusedError:
                outcome = "refused"
                stop.wait(0.05)
            except OSError:
                outcome = "closed_before_answer"
            with lock:
                counts[outcome] += 1
                # Written whole before the signal was sent, yet never answered: a request the server dropped.
                if outcome == "closed_before_answer" and sent < signalled[0]:
                    counts["sent_before_and_lost"] += 1
            if outcome != "ok" and connection:
                connection.close()
                connection = None

    threads = [threading.Thread(target=client) for _ in range(64)]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before = dict(counts)
    with lock:
        signalled[0] = time.perf_counter()
        process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    exit_seconds = time.perf_counter() - signalled[0]
    time.sleep(0.5)
    stop.set()
    for thread in threads:
        thread.join()
    ok = (code == 0 and exit_seconds < 30 and counts["truncated"] == 0 and counts["not_ok"] == 0
          and counts["sent_before_and_lost"] == 0)
    return report("sigterm", ok, f"{before['ok']} answered before SIGTERM, {counts['ok']} in all; exit code {code} "
                  f"{exit_seconds:.2f} s after SIGTERM; {counts['truncated']} answers cut short, {counts['not_ok']} not 200, "
                  f"{counts['sent_before_and_lost']} requests written before SIGTERM left unanswered; "
                  f"{counts['closed_before_answer']} written after it on connections the server was closing, "
                  f"{counts['refused']} connections refused")


def slow_clients(folder):
    timeout = 10
    port = free_port()
    process, _ = start(folder, port, {"BERTH_BODY_TIMEOUT_SECONDS": str(timeout)})
    try:
        slow = []
        for _ in range(500):
            connection = connect(port)
            connection.sendall(b"POST /invocations HTTP/1.1\r\nHost: berth\r\nContent-Type: text/csv\r\nContent-Length: 1000\r\n\r\n")
            slow.append(connection)
        opened = time.perf_counter()
        closed_at = {}
        latencies, failures = [], 0
        quick = connect(port)
        while time.perf_counter() - opened < timeout + 5 and len(closed_at) < len(slow):
            for index, connection in enumerate(slow):
                if index in closed_at:
                    continue
                try:
                    connection.sendall(b"1")
                    connection.setblocking(False)
                    try:
                        if connection.recv(65536, socket.MSG_PEEK) is not None:
                            closed_at[index] = time.perf_counter() - opened
                    except BlockingIOError:
                        pass
                    connection.setblocking(True)
                except OSError:
                    closed_at[index] = time.perf_counter() - opened
            second = time.perf_counter() + 1
            while time.perf_counter() < second:
                began = time.perf_counter()
                quick.sendall(request_bytes(ONE_ROW))
                if read_response(quick) == 200:
                    latencies.append(time.perf_counter() - began)
                else:
                    failures += 1
        for connection in slow:
            connection.close()
        latencies.sort()
        closed = len(closed_at)
        last = max(closed_at.values()) if closed_at else float("nan")
        ok = closed == len(slow) and last <= timeout + 3 and failures == 0 and latencies[-1] < 1
        return report("slow-clients", ok, f"{closed} of {len(slow)} slow clients closed by the server, the last "
                      f"{last:.1f} s after they connected (timeout {timeout} s); meanwhile {len(latencies)} other requests "
                      f"answered, {failures} failed, latency median {1000 * latencies[len(latencies) // 2]:.2f} ms, "
                      f"max {1000 * latencies[-1]:.1f} ms")
    finally:
        process.terminate()
        process.wait()


def disconnects(folder):
    port = free_port()
    process, _ = start(folder, port)
    big = b"".join(ROWS * (10_000 // len(ROWS) + 1))[: len(ROWS[0]) * 10_000]
    big = big[: big.rfind(b"\n") + 1]
    try:
        def exchange(count):
            connection = connect(port)
            for _ in range(count):
                connection.sendall(request_bytes(ONE_ROW))
                read_response(connection)
            connection.close()

        for _ in range(20):
            exchange(50)
            mid_response(port, big)
        time.sleep(1)
        files_before, rss_before = open_files(process.pid), rss_mib(process.pid)
        for index in range(2_000):
            if index % 2:
                mid_response(port, big)
            else:
                connection = connect(port)
                body = big[:200_000]
                connection.sendall(request_bytes(body)[: 100_000])
                connection.close()
        exchange(10)
        time.sleep(2)
        files_after, rss_after = open_files(process.pid), rss_mib(process.pid)
        ok = files_after <= files_before and rss_after <= 1.1 * rss_before
        return report("disconnects", ok, f"open files {files_before} → {files_after}, RSS {rss_before:.1f} → "
                      f"{rss_after:.1f} MiB after 1,000 clients left mid-body and 1,000 mid-response (10,000-row answers)")
    finally:
        process.terminate()
        process.wait()


def mid_response(port, body):
    connection = connect(port)
    connection.sendall(request_bytes(body))
    connection.recv(100)
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    connection.close()


def oversized(folder):
    port = free_port()
    process, _ = start(folder, port)
    try:
        connection = connect(port)
        began = time.perf_counter()
        connection.sendall(b"POST /invocations HTTP/1.1\r\nHost: berth\r\nContent-Type: text/csv\r\n"
                           b"Content-Length: 10000000000\r\n\r\n1,2,3")
        status = read_response(connection)
        answered = time.perf_counter() - began
        connection.settimeout(5)
        closed = connection.recv(1) == b""
        closed_after = time.perf_counter() - began
        ok = status == 413 and answered < 1 and closed
        return report("oversized", ok, f"10 GB announced, 5 bytes sent: {status} after {1000 * answered:.1f} ms, "
                      f"connection {'closed' if closed else 'still open'} after {1000 * closed_after:.1f} ms")
    finally:
        process.terminate()
        process.wait()


SCENARIOS = {"sigterm": sigterm, "slow-clients": slow_clients, "disconnects": disconnects, "oversized": oversized}


def main():
    names = sys.argv[1:] or list(SCENARIOS)
    folder = os.path.join(FIXTURE, "model")
    results = [SCENARIOS[name](folder) for name in names]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
