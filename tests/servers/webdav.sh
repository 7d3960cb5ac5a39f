#!/usr/bin/env bash
# A real WebDAV server for relay tests: Apache httpd with mod_dav_fs,
# bound to 127.0.0.1 on a free port, with its own config, data and logs in
# DIR, basic auth with a test user.
#   webdav.sh start DIR    → prints URL=, USER=, PASSWORD=, DATA=, REQUEST_LOG=
#                            (one line per request the server answered)
#   webdav.sh stop DIR     (stops it; the data stays)
#   webdav.sh restart DIR  (same port, same data)
set -euo pipefail
cmd="${1:?start|stop|restart}"
dir="$(cd "${2:?DIR}" && pwd)"

APACHE="$(command -v apache2 || echo /usr/sbin/apache2)"
MODULES=/usr/lib/apache2/modules
if [ ! -x "$APACHE" ] || [ ! -f "$MODULES/mod_dav_fs.so" ]; then
  echo "Apache with mod_dav_fs is not installed: run .ci/install-relay-servers (as root)" >&2
  exit 3
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_port() { # port, want (open|closed)
  for _ in $(seq 1 100); do
    if python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(0 if s.connect_ex(('127.0.0.1',$1))==0 else 1)"; then
      [ "$2" = open ] && return 0
    else
      [ "$2" = closed ] && return 0
    fi
    sleep 0.1
  done
  return 1
}

run_as=""
if [ "$(id -u)" = 0 ]; then run_as=www-data; fi

start() {
  local port; port="$(cat "$dir/port")"
  "$APACHE" -f "$dir/httpd.conf" -k start
  if ! wait_port "$port" open; then
    echo "Apache did not start; its log:" >&2
    cat "$dir/error.log" >&2 || true
    exit 1
  fi
}

case "$cmd" in
  start)
    port="$(free_port)"
    echo "$port" > "$dir/port"
    mkdir -p "$dir/data/relay" "$dir/lock" "$dir/run"
    # The server runs as its own user, which must reach the data folder.
    chmod 755 "$dir"
    password="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
    printf 'relay:%s\n' "$(openssl passwd -apr1 "$password")" > "$dir/htpasswd"
    echo "$password" > "$dir/password"
    user_lines=""
    if [ -n "$run_as" ]; then
      chown -R "$run_as" "$dir/data" "$dir/lock"
      user_lines="User $run_as
Group $run_as"
    fi
    cat > "$dir/httpd.conf" <<CONF
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile "$dir/run/httpd.pid"
Mutex file:$dir/run
DefaultRuntimeDir "$dir/run"
ErrorLog "$dir/error.log"
LogLevel warn
LogFormat "\"%r\" %>s" relay
CustomLog "$dir/access.log" relay
$user_lines
LoadModule mpm_event_module $MODULES/mod_mpm_event.so
LoadModule authz_core_module $MODULES/mod_authz_core.so
LoadModule authn_core_module $MODULES/mod_authn_core.so
LoadModule authn_file_module $MODULES/mod_authn_file.so
LoadModule authz_user_module $MODULES/mod_authz_user.so
LoadModule auth_basic_module $MODULES/mod_auth_basic.so
LoadModule dav_module $MODULES/mod_dav.so
LoadModule dav_fs_module $MODULES/mod_dav_fs.so
DocumentRoot "$dir/data"
DavLockDB "$dir/lock/davlock"
<Directory "$dir/data">
  Dav On
  AuthType Basic
  AuthName "storyloom relay test"
  AuthUserFile "$dir/htpasswd"
  Require valid-user
</Directory>
CONF
    start
    echo "URL=webdav+http://127.0.0.1:$port/relay"
    echo "USER=relay"
    echo "PASSWORD=$password"
    echo "DATA=$dir/data/relay"
    echo "REQUEST_LOG=$dir/access.log"
    ;;
  stop)
    if [ -f "$dir/run/httpd.pid" ]; then
      "$APACHE" -f "$dir/httpd.conf" -k stop || kill "$(cat "$dir/run/httpd.pid")" || true
      wait_port "$(cat "$dir/port")" closed
      for _ in $(seq 1 50); do [ -f "$dir/run/httpd.pid" ] || break; sleep 0.1; done
    fi
    ;;
  restart)
    start
    ;;
  *) echo "usage: $0 start|stop|restart DIR" >&2; exit 2 ;;
esac
