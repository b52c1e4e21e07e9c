"""Starting the release `berth serve` on a free loopback port, and reading its memory and open files, for the
scripts in this folder."""

import os
import re
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The release build, or the binary BERTH_BINARY names (a build in another scratch folder).
BERTH = os.environ.get("BERTH_BINARY") or os.path.join(ROOT, ".build", "release", "berth")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def start(folder, port, environment=None, stderr=subprocess.DEVNULL, binary=BERTH):
    """Starts `binary serve` (the release build by default) on `folder` (None: no model directory, as a multi-model
    endpoint starts) and waits for /ping 200; returns the process and the seconds it took. The port and folder are
    given as the container's environment gives them, so the command line is the image's bare `serve`."""
    if not os.path.exists(binary):
        raise SystemExit(f"{binary} is missing: run `swift build -c release --product berth` first")
    place = {"SAGEMAKER_BIND_TO_PORT": str(port)} | ({"SM_MODEL_DIR": folder} if folder else {})
    process = subprocess.Popen([binary, "serve"], env={**os.environ, **place, **(environment or {})},
                               stdout=subprocess.DEVNULL, stderr=stderr)
    began = time.perf_counter()
    while not ping(port):
        if process.poll() is not None:
            raise SystemExit("berth exited before /ping answered 200")
        time.sleep(0.0005)
    return process, time.perf_counter() - began


def cpu_seconds(pid):
    """The user and system CPU time the process has used, from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read()).group(1)) / 1024


def open_files(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))
