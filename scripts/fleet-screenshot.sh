#!/usr/bin/env bash
# Regenerates docs/fleet.png: a receiver with two clusters whose hosts are online, late and silent
# (fox.example.org expects an upload every 2 s), shown by headless Chromium.
#   scripts/fleet-screenshot.sh [OUT.png]     (after swift build; needs openssl, curl, chromium)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-docs/fleet.png}
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" \
  -days 1 -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
printf 'admin:demo clusters=*\n' > "$dir/credentials"
port=${PORT:-18993}
.build/debug/fathom-receiver --listen 127.0.0.1:$port --data-dir "$dir/data" --credentials "$dir/credentials" \
  --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem" --fleet-cadence fox.example.org=2 2>"$dir/log" &
pid=$!
for _ in $(seq 50); do grep -q listening "$dir/log" && break; sleep 0.1; done
upload() { # cluster host version backlog
  local now; now=$(date -u +%Y-%m-%dT%H:%M:%S+00:00)
  curl -sfk -u admin:demo -H 'Content-Type: text/csv' -H "Fathom-Agent-Version: $3" -H "Fathom-Spool-Backlog: $4" \
    --data-binary "v=0.12.2,time=$now,host=$2,user=alice,cmd=python,job=7,pid=1,cpu%=99" \
    "https://127.0.0.1:$port/sonar-freecsv?cluster=$1" >/dev/null
}
sysinfo() { # cluster host cores mem gpus
  curl -sfk -u admin:demo -H 'Content-Type: application/json' --data-binary \
    "{\"timestamp\":\"$(date -u +%Y-%m-%dT%H:%M:%S+00:00)\",\"hostname\":\"$2\",\"cpu_cores\":$3,\"mem_gb\":$4,\"gpu_cards\":$5}" \
    "https://127.0.0.1:$port/sysinfo?cluster=$1" >/dev/null
}
for h in c1 c2 c3 c4 c5 c6; do sysinfo fox.example.org $h 128 512 0; upload fox.example.org $h 0.1.0 "1 2048"; done
for h in g1 g2 g3; do sysinfo saga $h 64 1024 4; upload saga $h 0.1.0 "1 4096"; done
sleep 4
for h in c1 c2 c3 c4 c5; do upload fox.example.org $h 0.1.0 "1 2048"; done
sleep 4
for h in c1 c2 c3; do upload fox.example.org $h 0.1.0 "1 2048"; done
upload fox.example.org c4 0.1.0 "37 1522000"
sleep 0.5
chromium --headless --no-sandbox --disable-gpu --ignore-certificate-errors --hide-scrollbars --window-size=1280,640 \
  --user-data-dir="$dir/chromium" --screenshot="$out" "https://admin:demo@127.0.0.1:$port/fleet" 2>/dev/null
echo "wrote $out"
