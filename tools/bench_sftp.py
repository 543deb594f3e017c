#!/usr/bin/env python3
"""SFTP throughput: Sluice's libssh transfer vs OpenSSH's `sftp -b`, same file, same server.

Starts a private OpenSSH sshd on 127.0.0.1 (generated host and user keys, internal-sftp, config
in a temp folder, as the tests do), makes one random file (200 MB by default), then times, each
on a fresh connection and best of --repeat runs:
  * ours:  `sluice sftp-copy --identity K --known-hosts F LOCAL sftp://…` (upload) and the
           reverse (download) — a thin CLI entry point over `SFTPConnection.upload/download`;
  * sftp:  `sftp -b batch` with one `put` (upload) and one `get` (download).
Both include connection setup and login; at 200 MB that is a few percent. Every copy is
checked by sha256. Prints MB/s and our ratio; the target is >= 1.0x the sftp client.
Nothing is asserted: figures only. Needs openssh-server and openssh-client.

Loopback has almost no round trip, which hides a client that waits for each reply; --delay-ms
puts a relay in front of sshd that holds every byte that long in each direction (1 = a 2 ms
round trip, a nearby site), for both clients alike. The relay costs CPU too, so compare ratios.

Usage: tools/bench_sftp.py [--size-mb N] [--repeat R] [--delay-ms D] [--ours "CMD {src} {dst}"]
"""
import argparse
import asyncio
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("SLUICE_BIN") or os.path.join(ROOT, ".build", "release", "sluice")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, work):
        self.work = work
        self.port = free_port()
        self.user = os.environ.get("USER") or subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        for name in ("host_ed25519", "user_ed25519"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", os.path.join(work, name)], check=True)
        shutil.copy(os.path.join(work, "user_ed25519.pub"), os.path.join(work, "authorized_keys"))
        self.root = os.path.join(work, "root")
        os.makedirs(self.root)
        self.config = os.path.join(work, "sshd_config")
        with open(self.config, "w") as f:
            f.write(f"""Port {self.port}
ListenAddress 127.0.0.1
HostKey {work}/host_ed25519
PidFile {work}/sshd.pid
AuthorizedKeysFile {work}/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
Subsystem sftp internal-sftp
LogLevel ERROR
""")
        with open(os.path.join(work, "host_ed25519.pub")) as f:
            host_pub = f.read()
        self.known_hosts = os.path.join(work, "known_hosts")
        with open(self.known_hosts, "w") as f:
            f.write(f"[127.0.0.1]:{self.port} {host_pub}")
        self.identity = os.path.join(work, "user_ed25519")
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen(["/usr/sbin/sshd", "-D", "-e", "-f", self.config],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("sshd did not start")

    def url(self, name):
        return f"sftp://{self.user}@127.0.0.1:{self.port}{self.root}/{name}"

    def delay(self, seconds):
        """From now on clients reach sshd through a relay adding `seconds` each way."""
        relay_port = free_port()
        target = self.port

        async def pump(reader, writer):
            queue = asyncio.Queue()

            async def forward():
                while (item := await queue.get())[1]:
                    wait = item[0] + seconds - time.monotonic()
                    if wait > 0:
                        await asyncio.sleep(wait)
                    writer.write(item[1])
                    await writer.drain()
                writer.close()

            task = asyncio.create_task(forward())
            while True:
                data = await reader.read(1 << 18)
                queue.put_nowait((time.monotonic(), data))
                if not data:
                    break
            await task

        async def connection(client_reader, client_writer):
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target)
            await asyncio.gather(pump(client_reader, server_writer), pump(server_reader, client_writer), return_exceptions=True)

        async def serve(ready):
            server = await asyncio.start_server(connection, "127.0.0.1", relay_port)
            ready.set()
            async with server:
                await server.serve_forever()

        ready = threading.Event()
        threading.Thread(target=lambda: asyncio.run(serve(ready)), daemon=True).start()
        ready.wait(10)
        with open(self.known_hosts) as f:
            entry = f.read()
        with open(self.known_hosts, "a") as f:
            f.write(entry.replace(f"[127.0.0.1]:{self.port}", f"[127.0.0.1]:{relay_port}"))
        self.port = relay_port

    def stop(self):
        # sshd and its session processes share the new session's process group.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        self.proc.wait()


def timed(cmd):
    start = time.perf_counter()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if r.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({r.returncode}): {r.stderr.strip()[:300]}")
    return elapsed


def ours_available(template):
    if template:
        return True
    if not os.access(BIN, os.X_OK):
        return False
    return subprocess.run([BIN, "sftp-copy", "--help"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def ours_cmd(template, server, src, dst):
    if template:
        return template.format(src=src, dst=dst, identity=server.identity, known_hosts=server.known_hosts).split()
    return [BIN, "sftp-copy", "--identity", server.identity, "--known-hosts", server.known_hosts, src, dst]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--delay-ms", type=float, default=0, help="added one-way delay through a relay (0: direct)")
    ap.add_argument("--ours", default=None, help='command template with {src} {dst} {identity} {known_hosts}')
    args = ap.parse_args()
    if not os.path.exists("/usr/sbin/sshd") or not shutil.which("sftp"):
        print("bench_sftp: needs openssh-server and openssh-client (make test-deps)")
        return 0
    work = tempfile.mkdtemp(prefix="sluice-bench-sftp-")
    server = Server(work)
    if args.delay_ms > 0:
        server.delay(args.delay_ms / 1000)
    try:
        src = os.path.join(work, "payload.bin")
        with open(src, "wb") as f:
            for _ in range(args.size_mb):
                f.write(os.urandom(1 << 20))
        digest = sha256(src)
        mb = args.size_mb * 1_048_576 / 1e6
        results = {}

        def best(label, runs):
            results[label] = min(runs)

        sftp_base = ["sftp", "-q", "-i", server.identity, "-o", f"UserKnownHostsFile={server.known_hosts}",
                     "-o", "GlobalKnownHostsFile=/dev/null", "-P", str(server.port), f"{server.user}@127.0.0.1"]
        batch = os.path.join(work, "batch")
        up_runs, down_runs = [], []
        for i in range(args.repeat):
            with open(batch, "w") as f:
                f.write(f"put {src} {server.root}/sftp-up.bin\n")
            up_runs.append(timed(sftp_base[:2] + ["-b", batch] + sftp_base[2:]))
            assert sha256(f"{server.root}/sftp-up.bin") == digest, "sftp upload corrupted"
            back = os.path.join(work, "sftp-down.bin")
            with open(batch, "w") as f:
                f.write(f"get {server.root}/sftp-up.bin {back}\n")
            down_runs.append(timed(sftp_base[:2] + ["-b", batch] + sftp_base[2:]))
            assert sha256(back) == digest, "sftp download corrupted"
            os.remove(back)
        best("sftp upload", up_runs)
        best("sftp download", down_runs)

        if ours_available(args.ours):
            up_runs, down_runs = [], []
            for i in range(args.repeat):
                target = f"{server.root}/ours-up.bin"
                if os.path.exists(target):
                    os.remove(target)
                up_runs.append(timed(ours_cmd(args.ours, server, src, server.url("ours-up.bin"))))
                assert sha256(target) == digest, "sluice upload corrupted"
                back = os.path.join(work, "ours-down.bin")
                down_runs.append(timed(ours_cmd(args.ours, server, server.url("ours-up.bin"), back)))
                assert sha256(back) == digest, "sluice download corrupted"
                os.remove(back)
            best("sluice upload", up_runs)
            best("sluice download", down_runs)
        else:
            print(f"bench_sftp: {BIN} has no `sftp-copy` entry point yet; measuring the sftp client only")

        path = f"a relay adding {args.delay_ms:g} ms each way" if args.delay_ms > 0 else "loopback"
        print(f"SFTP transfer of {args.size_mb} MiB over {path} (best of {args.repeat}, connection setup included)")
        for label, seconds in results.items():
            print(f"  {label:18s} {mb / seconds:8.1f} MB/s  ({seconds:.2f} s)")
        for direction in ("upload", "download"):
            if f"sluice {direction}" in results:
                ratio = results[f"sftp {direction}"] / results[f"sluice {direction}"]
                print(f"  sluice/sftp {direction}: {ratio:.2f}x  (target >= 1.0x)")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
