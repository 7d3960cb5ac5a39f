#!/usr/bin/env bash
# An S3 server for relay tests: moto's server (see ADR 0009) with its
# authentication on, bound to 127.0.0.1 on a free port, with an IAM user,
# its access key and a bucket made for the test.
#   s3.sh start DIR    → prints URL=, USER=, PASSWORD=, DATA= (empty: moto
#                        keeps objects in memory), REQUEST_LOG= (moto's log:
#                        one "METHOD PATH HTTP/1.1" line per request)
#   s3.sh stop DIR
#   s3.sh restart DIR  (same port; moto keeps objects in memory, so a
#                       restart starts from an empty bucket and new keys,
#                       printed as USER=, PASSWORD=)
set -euo pipefail
cmd="${1:?start|stop|restart}"
dir="$(cd "${2:?DIR}" && pwd)"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

MOTO_VENV="${STORYLOOM_MOTO_VENV:-$HOME/.cache/storyloom/moto-venv}"
MOTO="$MOTO_VENV/bin/moto_server"
if [ ! -x "$MOTO" ]; then
  MOTO="$(command -v moto_server || true)"
fi
if [ -z "$MOTO" ] || ! "$MOTO" --help >/dev/null 2>&1; then
  echo "moto_server is not installed: run .ci/install-relay-servers" >&2
  exit 3
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

PY_BIN="$(dirname "$MOTO")/python"
[ -x "$PY_BIN" ] || PY_BIN=python3

start() {
  local port; port="$(cat "$dir/port")"
  # Authentication on: after the three IAM calls below that make the
  # relay's user and key (no key exists before them), every request must
  # be signed by a key IAM knows. moto_s3.py puts the query string into
  # SigV4's canonical form first, as S3 does (see that file).
  (cd "$dir" && INITIAL_NO_AUTH_ACTION_COUNT=3 exec "$PY_BIN" "$here/moto_s3.py" 127.0.0.1 "$port" >"$dir/moto.log" 2>&1) &
  echo $! > "$dir/pid"
  for _ in $(seq 1 150); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(0 if s.connect_ex(('127.0.0.1',$port))==0 else 1)"; then
      "$PY_BIN" - "$port" "$dir/keys" <<'PY'
import json, sys, boto3
port, keys = sys.argv[1], sys.argv[2]
endpoint = f"http://127.0.0.1:{port}"
boot = dict(endpoint_url=endpoint, region_name="us-east-1",
            aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **boot)
iam.create_user(UserName="relay")
iam.put_user_policy(UserName="relay", PolicyName="relay", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="relay")["AccessKey"]
s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                  aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
s3.create_bucket(Bucket="storyloom-relay")
with open(keys, "w") as f:
    f.write(f"USER={key['AccessKeyId']}\nPASSWORD={key['SecretAccessKey']}\n")
PY
      return 0
    fi
    sleep 0.2
  done
  echo "moto_server did not start; its log:" >&2
  cat "$dir/moto.log" >&2 || true
  exit 1
}

case "$cmd" in
  start)
    free_port > "$dir/port"
    start
    echo "URL=s3://storyloom-relay/group?endpoint=http://127.0.0.1:$(cat "$dir/port")&region=us-east-1"
    cat "$dir/keys"
    echo "DATA="
    echo "REQUEST_LOG=$dir/moto.log"
    ;;
  stop)
    if [ -f "$dir/pid" ]; then
      kill "$(cat "$dir/pid")" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$(cat "$dir/pid")" 2>/dev/null || break; sleep 0.1; done
      rm -f "$dir/pid"
    fi
    ;;
  restart)
    start
    cat "$dir/keys"
    ;;
  *) echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
