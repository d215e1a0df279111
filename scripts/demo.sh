#!/usr/bin/env bash
# The main job on one machine: a private CA and server certificate, a receiver on localhost
# over TLS with an embedded data directory, the agent sampling once and delivering, and the
# file the receiver wrote.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/opt/swift/usr/bin:$PATH
bash scripts/install-deps.sh demo

swift build --product fathom-receiver
swift build --product fathom-agent
bin=$(swift build --show-bin-path)

demo=${DEMO_DIR:-$PWD/demo}
rm -rf "$demo" && mkdir -p "$demo/tls"
cd "$demo/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
  -days 30 -subj "/CN=Fathom demo CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
  -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > ext.cnf
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 30 -extfile ext.cnf 2>/dev/null
cd "$demo"

password=$(openssl rand -hex 16)
printf 'demo:%s\n' "$password" > credentials
printf '%s\n' "$password" > agent-password
chmod 600 credentials agent-password

port=${DEMO_PORT:-18443}
"$bin/fathom-receiver" --listen 127.0.0.1:$port --data-dir "$demo/data" --credentials "$demo/credentials" \
  --tls-cert tls/server.pem --tls-key tls/server.key 2> receiver.log &
receiver=$!
trap 'kill $receiver 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  curl -sf --cacert tls/ca.pem https://127.0.0.1:$port/ping >/dev/null && break
  sleep 0.1
done
echo "receiver: $(curl -s --cacert tls/ca.pem https://127.0.0.1:$port/ping)"

"$bin/fathom-agent" once --receiver https://127.0.0.1:$port --cluster demo --password-file agent-password \
  --ca-file tls/ca.pem --spool-dir "$demo/spool"

echo
for f in $(find "$demo/data/demo" -type f | sort); do
  echo "== $f ($(wc -l < "$f") lines)"
  head -n 5 "$f"
done
