#!/usr/bin/env bash
# The broker and database tests talk to the services this machine kind runs (PostgreSQL,
# RabbitMQ, Redis, NATS with JetStream). When one is not answering, start it the way the
# machine starts it, then wait for its port. Never installs anything; never fails the run by
# itself (the tests that need a missing service fail with their own message).
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  local port=$1
  for _ in $(seq 1 60); do port_open "$port" && return 0; sleep 0.5; done
  echo "ensure-services: nothing answers on 127.0.0.1:$port" >&2
  return 1
}

start_if_down() {
  local name=$1 port=$2
  shift 2
  port_open "$port" && return 0
  command -v "$1" >/dev/null 2>&1 || { echo "ensure-services: $name is down and $1 is not installed" >&2; return 0; }
  echo "ensure-services: starting $name" >&2
  "$@" >/dev/null 2>&1 || true
  wait_port "$port" || true
}

start_if_down PostgreSQL 5432 sh -c 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start'
start_if_down Redis 6379 redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
start_if_down RabbitMQ 5672 rabbitmq-server -detached
start_if_down NATS 4222 start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
start_if_down MariaDB 3306 start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
exit 0
