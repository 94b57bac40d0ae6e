#!/usr/bin/env bash
# Runs the tcp_echo_server example on 127.0.0.1:0 with --exit-after 1, echoes a few KiB
# through it with python3 sockets, checks the echo byte for byte and that the server exits 0.
# usage: run_echo_example.sh PATH/TO/tcp_echo_server
set -euo pipefail

server_bin=${1:?usage: run_echo_example.sh PATH/TO/tcp_echo_server}
workdir=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$workdir"' EXIT

mkfifo "$workdir/out"
"$server_bin" 127.0.0.1:0 --exit-after 1 >"$workdir/out" &
server_pid=$!
exec 3<"$workdir/out"
read -r -t 20 line <&3 || { echo "FAIL: no 'listening on' line from the server" >&2; exit 1; }
case "$line" in
  "listening on "*) addr=${line#listening on } ;;
  *) echo "FAIL: unexpected first line: $line" >&2; exit 1 ;;
esac
port=${addr##*:}
[[ "$port" =~ ^[0-9]+$ && "$port" != 0 ]] || { echo "FAIL: bad port in '$line'" >&2; exit 1; }
echo "server at $addr"

python3 - "$port" <<'PY'
import socket, sys
port = int(sys.argv[1])
payload = bytes((i * 7 + 3) % 256 for i in range(48 * 1024))
with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    received = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        received += chunk
if bytes(received) != payload:
    sys.exit(f"FAIL: echo mismatch: sent {len(payload)} bytes, got {len(received)}")
print(f"echoed {len(payload)} bytes exactly")
PY

status=0
wait "$server_pid" || status=$?
server_pid=
if [[ $status -ne 0 ]]; then
  echo "FAIL: server exited with status $status" >&2
  exit 1
fi
echo "PASS"
