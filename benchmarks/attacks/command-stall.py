#!/usr/bin/env python3
"""Stall measurement for expensive AMF commands: one legitimate publisher pings every 50 ms and /healthz is polled
every 50 ms while N hostile connections each send an 8 MiB connect whose object holds ~1.2 M properties (repeatedly,
reconnecting). Prints the worst and median ping RTT and /healthz latency, before and during the attack."""
import json, os, socket, struct, sys, threading, time, urllib.request, statistics

RTMP = int(sys.argv[1]); HTTP = int(sys.argv[2]); KEY = sys.argv[3]
HOSTILE = int(sys.argv[4]) if len(sys.argv) > 4 else 4
SECONDS = float(sys.argv[5]) if len(sys.argv) > 5 else 12

def handshake(s):
    s.sendall(b"\x03" + bytes(1536))
    got = b""
    while len(got) < 3073:
        d = s.recv(65536)
        if not d: raise IOError("closed in handshake")
        got += d
    s.sendall(got[1:1537])
    return got[3073:]

def amf_str(t): b = t.encode(); return b"\x02" + struct.pack(">H", len(b)) + b
def amf_num(n): return b"\x00" + struct.pack(">d", n)
def amf_obj(props):
    out = b"\x03"
    for k, v in props:
        kb = k.encode(); out += struct.pack(">H", len(kb)) + kb + v
    return out + b"\x00\x00\x09"

def chunk(csid, type_, stream, payload, size):
    out = bytearray()
    out += bytes([csid]) + b"\x00\x00\x00" + struct.pack(">I", len(payload))[1:] + bytes([type_]) + struct.pack("<I", stream)
    out += payload[:size]
    pos = size
    while pos < len(payload):
        out += bytes([0xC0 | csid]) + payload[pos:pos + size]; pos += size
    return bytes(out)

def set_chunk_size(n): return chunk(2, 1, 0, struct.pack(">I", n), 128)

stop = threading.Event()
pings = []; healthz = []; closed_hostile = [0]; sent_hostile = [0]

def publisher():
    s = socket.create_connection(("127.0.0.1", RTMP)); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    handshake(s)
    connect = amf_str("connect") + amf_num(1) + amf_obj([("app", amf_str("live")), ("tcUrl", amf_str(f"rtmp://127.0.0.1/live"))])
    s.sendall(chunk(3, 20, 0, connect, 128))
    s.sendall(chunk(3, 20, 0, amf_str("createStream") + amf_num(2) + b"\x05", 128))
    s.sendall(chunk(8, 20, 1, amf_str("publish") + amf_num(3) + b"\x05" + amf_str(KEY) + amf_str("live"), 128))
    buf = bytearray(); state = {}
    sent = {}
    def reader():
        # minimal chunk parser: enough to find ping responses (type 4, event 7)
        nonlocal buf
        chunk_size = 128; streams = {}
        while not stop.is_set():
            try: d = s.recv(65536)
            except OSError: return
            if not d: print("publisher closed by server", file=sys.stderr); return
            buf += d
            while True:
                if len(buf) < 1: break
                fmt = buf[0] >> 6; csid = buf[0] & 0x3F; p = 1
                if csid == 0: csid = 64 + buf[1]; p = 2
                elif csid == 1: csid = 64 + buf[1] + buf[2] * 256; p = 3
                hl = {0: 11, 1: 7, 2: 3, 3: 0}[fmt]
                if len(buf) < p + hl: break
                st = streams.setdefault(csid, {"len": 0, "type": 0, "data": b""})
                if fmt <= 1:
                    st["len"] = int.from_bytes(buf[p + 3:p + 6], "big"); st["type"] = buf[p + 6]
                p += hl
                remaining = st["len"] - len(st["data"])
                n = min(chunk_size, remaining)
                if len(buf) < p + n: break
                st["data"] += bytes(buf[p:p + n]); del buf[:p + n]
                if len(st["data"]) == st["len"]:
                    msg = st["data"]; st["data"] = b""
                    if st["type"] == 1: chunk_size = struct.unpack(">I", msg)[0]
                    if st["type"] == 4 and msg[:2] == b"\x00\x07":
                        ts = struct.unpack(">I", msg[2:6])[0]
                        if ts in sent: pings.append((sent[ts], time.monotonic() - sent[ts]))
    t = threading.Thread(target=reader, daemon=True); t.start()
    i = 0
    while not stop.is_set():
        i += 1; sent[i] = time.monotonic()
        # a tiny audio frame keeps it a live publisher, then a ping
        s.sendall(chunk(4, 8, 1, b"\xaf\x01" + bytes(20), 4096) + chunk(2, 4, 0, b"\x00\x06" + struct.pack(">I", i), 128))
        time.sleep(0.05)
    s.close()

def poll_healthz():
    while not stop.is_set():
        t0 = time.monotonic()
        try: urllib.request.urlopen(f"http://127.0.0.1:{HTTP}/healthz", timeout=30).read()
        except Exception as e: print("healthz", e, file=sys.stderr)
        healthz.append((t0, time.monotonic() - t0)); time.sleep(0.05)

# ~1.2 M properties of 4-character names and null values: 7 bytes each, 8 MiB in all.
props = bytearray(b"\x03")
alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
count = 0
while len(props) < 8 * 1024 * 1024 - 200:
    n = count; name = bytes([alphabet[(n >> (6 * k)) % 62] for k in range(4)])
    props += b"\x00\x04" + name + b"\x05"; count += 1
props += b"\x00\x00\x09"
evil = chunk(3, 20, 0, amf_str("connect") + amf_num(1) + bytes(props), 65536)
print(f"hostile connect: {len(evil)} bytes, {count} properties", file=sys.stderr)

def hostile():
    while not stop.is_set():
        try:
            s = socket.create_connection(("127.0.0.1", RTMP)); handshake(s)
            s.sendall(set_chunk_size(65536)); s.sendall(evil); sent_hostile[0] += 1
            s.settimeout(30)
            while s.recv(65536): pass
        except OSError: pass
        finally:
            closed_hostile[0] += 1
            try: s.close()
            except Exception: pass

threading.Thread(target=publisher, daemon=True).start()
threading.Thread(target=poll_healthz, daemon=True).start()
time.sleep(3)
attack_start = time.monotonic()
for _ in range(HOSTILE): threading.Thread(target=hostile, daemon=True).start()
time.sleep(SECONDS)
stop.set(); time.sleep(1)

def summary(samples, label):
    before = [d for t, d in samples if t < attack_start]
    during = [d for t, d in samples if t >= attack_start]
    fmt = lambda xs: f"n={len(xs)} median={statistics.median(xs)*1000:.1f} ms max={max(xs)*1000:.1f} ms" if xs else "n=0"
    print(f"{label}: before attack {fmt(before)}; during attack {fmt(during)}")
summary(pings, "publisher ping RTT")
summary(healthz, "/healthz latency")
print(f"hostile 8 MiB commands sent: {sent_hostile[0]}, hostile connections ended: {closed_hostile[0]}")
