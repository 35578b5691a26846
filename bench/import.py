"""Import benchmark: 100,000 client rows from CSV and from XLSX, dry run and real.

    python bench/import.py                 # 100,000 rows, 10 % duplicates
    python bench/import.py --rows 20000

For each (format, mode) a fresh server (``python run.py --demo`` on a fresh
SQLite data directory, bot off) is started; the file is uploaded to
``POST /api/v1/system/import`` and we record the wall time of the request and
the server's peak RSS growth (``VmHWM`` after the import − ``VmRSS`` before
it, from ``/proc``). 10 % of the rows repeat an earlier person with the phone
written another way (``8 999 …`` vs ``+7 (999) …``), so they count as
duplicates. Targets (issue 7): CSV ≤ 10 s, XLSX ≤ 20 s, RSS growth ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from openpyxl import Workbook

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-secret-0123456789abcdef-0123456789"


def people(rows: int, seed: int = 1) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    unique = rows - rows // 10
    out = []
    for i in range(unique):
        digits = f"9{i:09d}"
        out.append((f"Клиент {i}", f"+7 ({digits[:3]}) {digits[3:6]}-{digits[6:8]}-{digits[8:]}", f"c{i}@example.com"))
    for _ in range(rows - unique):  # duplicates of earlier people, phone written differently
        i = rng.randrange(unique)
        digits = f"9{i:09d}"
        out.append((f"Клиент {i}", f"8 {digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}", ""))
    rng.shuffle(out)
    return out


def write_csv(path: Path, data: list[tuple[str, str, str]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        f.write("Имя;Телефон;Email\n")
        for name, phone, email in data:
            f.write(f"{name};{phone};{email}\n")


def write_xlsx(path: Path, data: list[tuple[str, str, str]]) -> None:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Клиенты")
    ws.append(["Имя", "Телефон", "Email"])
    for row in data:
        ws.append(list(row))
    wb.save(path)


def rss_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_one(file: Path, dry: bool) -> tuple[float, float, dict[str, int]]:
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = {**os.environ, "ZAPIS_DATA_DIR": data, "ZAPIS_DATABASE_URL": "", "ZAPIS_PORT": str(port),
               "ZAPIS_JWT_SECRET": SECRET, "ZAPIS_BOT_MODE": "off", "ZAPIS_ADMIN_PASSWORD": "bench-password",
               "ZAPIS_TELEGRAM_BOT_TOKEN": ""}
        server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--demo"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as http:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        r = http.post("/api/v1/auth/login", json={"login": "admin", "password": "bench-password"})
                        if r.status_code == 200:
                            break
                    except httpx.TransportError:
                        if time.monotonic() > deadline:
                            raise
                    time.sleep(0.1)
                token = r.json()["access_token"]
                before = rss_kib(server.pid, "VmRSS")
                started = time.perf_counter()
                r = http.post("/api/v1/system/import", headers={"Authorization": f"Bearer {token}"},
                              data={"dry_run": "true" if dry else "false"},
                              files={"file": (file.name, file.read_bytes())})
                seconds = time.perf_counter() - started
                r.raise_for_status()
                peak = rss_kib(server.pid, "VmHWM")
                body = r.json()
                counts = {k: body[k] for k in ("total_rows", "created", "updated", "duplicates")}
                counts["errors"] = len(body["errors"])
                return seconds, (peak - before) / 1024, counts
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    data = people(args.rows)
    print(f"{args.rows} rows ({args.rows // 10} duplicates); Python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs")
    print("| format | mode | seconds | peak RSS growth, MB | total | created | duplicates | errors |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as tmp:
        files = {"csv": Path(tmp) / "clients.csv", "xlsx": Path(tmp) / "clients.xlsx"}
        write_csv(files["csv"], data)
        write_xlsx(files["xlsx"], data)
        for fmt, path in files.items():
            for dry in (True, False):
                seconds, growth, c = run_one(path, dry)
                print(f"| {fmt} ({path.stat().st_size / 1e6:.1f} MB) | {'dry run' if dry else 'real'} | "
                      f"{seconds:.2f} | {growth:.0f} | {c['total_rows']} | {c['created']} | "
                      f"{c['duplicates']} | {c['errors']} |", flush=True)


if __name__ == "__main__":
    main()
