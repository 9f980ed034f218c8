#!/usr/bin/env python3
"""20 peers that never read what the server writes, and 20 peers that park a partial 8 MiB message before publish
(pinging every 2 s); prints the server's open RTMP connections and RSS over time."""
import json, socket, struct, sys, threading, time, urllib.request
RTMP = int(sys.argv[1]); HTTP = int(sys.argv[2]); PID = int(sys.argv[3]); MODE = sys.argv[4]; N = 20
def handshake(s):
    s.sendall(b"\x03" + bytes(1536)); got = b""
    while len(got) < 3073:
        d = s.recv(65536)
        if not d: raise IOError("closed")
        got += d
    s.sendall(got[1:1537])
def amf_str(t): b = t.encode(); return b"\x02" + struct.pack(">H", len(b)) + b
def chunk(csid, type_, stream, payload, size=128):
    out = bytearray([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(payload))[1:] + bytes([type_]) + struct.pack("<I", stream)
    out += payload[:size]; pos = size
    while pos < len(payload): out += bytes([0xC0 | csid]) + payload[pos:pos + size]; pos += size
    return bytes(out)
connect = chunk(3, 20, 0, amf_str("connect") + b"\x00" + struct.pack(">d", 1) + b"\x03\x00\x03app" + amf_str("live") + b"\x00\x00\x09")
def ping(i): return chunk(2, 4, 0, b"\x00\x06" + struct.pack(">I", i))
socks = []
def non_reader():
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096); s.connect(("127.0.0.1", RTMP)); socks.append(s)
    handshake(s); s.sendall(connect); time.sleep(0.5)
    blob = b"".join(ping(i) for i in range(4096))
    try:
        for _ in range(200): s.sendall(blob)
    except OSError: pass
def parker():
    s = socket.create_connection(("127.0.0.1", RTMP)); socks.append(s)
    try:
        handshake(s); s.sendall(connect)
        s.sendall(chunk(2, 1, 0, struct.pack(">I", 4 * 1024 * 1024)))
        # Chunk size 4 MiB, then the header of an 8 MiB - 1 video message (csid 6, before any publish) and 4 MiB - 1 KiB
        # of its first chunk; then one more byte of it every 2 s.
        s.sendall(bytes([6]) + b"\x00\x00\x00" + struct.pack(">I", 8 * 1024 * 1024 - 1)[1:] + b"\x09\x01\x00\x00\x00" + bytes(4 * 1024 * 1024 - 1024))
        i = 0
        while True:
            time.sleep(2); i += 1; s.sendall(bytes(1))
    except OSError: pass
def rss():
    for line in open(f"/proc/{PID}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) // 1024
def conns():
    req = urllib.request.Request(f"http://127.0.0.1:{HTTP}/api/diagnostics/ports", headers={"X-Api-Key": "stall-admin-key-0123456789"})
    data = json.load(urllib.request.urlopen(req, timeout=30))
    items = data if isinstance(data, list) else data.get("listeners", data)
    return {l["name"]: l.get("connections") for l in items}
print(f"{MODE}: before: RSS {rss()} MB, connections {conns()}")
target = non_reader if MODE == "nonreader" else parker
for _ in range(N): threading.Thread(target=target, daemon=True).start()
t0 = time.monotonic()
for t in (5, 15, 30):
    time.sleep(max(0, t - (time.monotonic() - t0)))
    print(f"{MODE}: {t:>2} s: RSS {rss()} MB, connections {conns()}")
