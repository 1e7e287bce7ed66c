#!/bin/sh
# start-mariadb.sh - a private, throw-away MariaDB for the store tests.
#
#   eval "$(tests/integration/start-mariadb.sh start [DIR])"
#       creates DIR (default: a new mktemp dir), initialises a data directory,
#       starts mariadbd on a free 127.0.0.1 port, creates database and user,
#       and prints the CTD_DB_* exports plus CTD_DB_DIR.
#   tests/integration/start-mariadb.sh restart DIR   stop, then start again
#                                                    on the same port
#   tests/integration/start-mariadb.sh stop DIR      shut down (DIR is kept)
#
# Runs as root (mariadbd --user=root); the server only listens on loopback.
# Progress goes to stderr so that stdout can be eval'ed.
set -eu

MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}
DBNAME=complaintd
DBUSER=complaintd
DBPASS=ctd-test-pw

log() { echo "start-mariadb: $*" >&2; }

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# run_server DIR PORT - start mariadbd in the background, wait until it answers.
run_server() {
	dir=$1 port=$2
	"$MARIADBD" --no-defaults --user=root --datadir="$dir/data" \
		--tmpdir="$dir/tmp" \
		--socket="$dir/mysql.sock" --pid-file="$dir/mariadbd.pid" \
		--port="$port" --bind-address=127.0.0.1 --skip-name-resolve \
		--innodb-buffer-pool-size=64M --innodb-log-file-size=48M \
		--max-allowed-packet=64M --character-set-server=utf8mb4 \
		--collation-server=utf8mb4_unicode_520_ci \
		--log-error="$dir/error.log" >/dev/null 2>&1 &
	i=0
	until mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot \
		ping >/dev/null 2>&1; do
		i=$((i + 1))
		if [ $i -gt 300 ]; then
			log "mariadbd did not start; see $dir/error.log"
			tail -n 20 "$dir/error.log" >&2 || true
			exit 1
		fi
		sleep 0.1
	done
}

stop_server() {
	dir=$1
	[ -f "$dir/mariadbd.pid" ] || return 0
	pid=$(cat "$dir/mariadbd.pid")
	mariadb-admin --no-defaults --socket="$dir/mysql.sock" -uroot \
		shutdown >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
	i=0
	while kill -0 "$pid" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 300 ] && { kill -9 "$pid" 2>/dev/null || true; break; }
		sleep 0.1
	done
	rm -f "$dir/mariadbd.pid"
}

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cmd=${1:-start}
case $cmd in
start)
	dir=${2:-$(mktemp -d /tmp/ctd-mariadb.XXXXXX)}
	# a private tmpdir: servers bootstrapping side by side in /tmp removed
	# each other's temporary table files
	mkdir -p "$dir/data" "$dir/tmp"
	port=$(free_port)
	log "initialising $dir"
	mariadb-install-db --no-defaults --datadir="$dir/data" --user=root \
		--tmpdir="$dir/tmp" \
		--auth-root-authentication-method=normal \
		--skip-test-db >"$dir/install.log" 2>&1 ||
		{ log "mariadb-install-db failed"; cat "$dir/install.log" >&2; exit 1; }
	run_server "$dir" "$port"
	echo "$port" >"$dir/port"
	mariadb --no-defaults --socket="$dir/mysql.sock" -uroot <<-EOF
		CREATE DATABASE IF NOT EXISTS $DBNAME CHARACTER SET utf8mb4
		    COLLATE utf8mb4_unicode_520_ci;
		CREATE USER IF NOT EXISTS '$DBUSER'@'127.0.0.1' IDENTIFIED BY '$DBPASS';
		CREATE USER IF NOT EXISTS '$DBUSER'@'localhost' IDENTIFIED BY '$DBPASS';
		GRANT ALL ON $DBNAME.* TO '$DBUSER'@'127.0.0.1';
		GRANT ALL ON $DBNAME.* TO '$DBUSER'@'localhost';
		-- the tests kill their own connections to simulate a lost server
		GRANT CONNECTION ADMIN ON *.* TO '$DBUSER'@'127.0.0.1';
	EOF
	log "mariadbd up on 127.0.0.1:$port"
	cat <<-EOF
		export CTD_DB_HOST=127.0.0.1
		export CTD_DB_PORT=$port
		export CTD_DB_USER=$DBUSER
		export CTD_DB_PASSWORD=$DBPASS
		export CTD_DB_NAME=$DBNAME
		export CTD_DB_DIR=$dir
		export CTD_DB_RESTART_CMD='$self restart $dir'
	EOF
	;;
restart)
	dir=$2
	stop_server "$dir"
	run_server "$dir" "$(cat "$dir/port")"
	;;
stop)
	stop_server "$2"
	;;
*)
	echo "usage: $0 start [DIR] | restart DIR | stop DIR" >&2
	exit 2
	;;
esac
