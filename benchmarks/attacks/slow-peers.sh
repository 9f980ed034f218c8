#!/bin/bash
# Starts the StreamHub in DLL_DIR (a Release build output) on free loopback ports and runs the attack against it.
HERE=$(cd "$(dirname "$0")" && pwd)
LOG=$(mktemp /tmp/streamhub-attack-XXXXXX.log)
DIR=$1; MODE=$2;  # MODE: nonreader | parker
RTMP=$((20000 + RANDOM % 20000)); HTTP=$((RTMP+1)); HTTPS=$((RTMP+2)); DATA=$(mktemp -d)
cd $DIR
StreamHub__BindAddress=127.0.0.1 StreamHub__DataDirectory=$DATA StreamHub__Rtmp__Port=$RTMP StreamHub__Http__Port=$HTTP StreamHub__Https__Port=$HTTPS \
StreamHub__Admin__ApiKey=stall-admin-key-0123456789 StreamHub__Logging__MinimumLevel=Warning dotnet StreamHub.dll > "$LOG" 2>&1 &
PID=$!
for i in $(seq 1 200); do curl -sf http://127.0.0.1:$HTTP/readyz >/dev/null && break; sleep 0.3; done
python3 "$HERE/slow-peers.py" $RTMP $HTTP $PID $MODE || true
kill $PID; wait $PID 2>/dev/null
grep -o "broke the protocol ([A-Za-z]*)" "$LOG" | sort | uniq -c
