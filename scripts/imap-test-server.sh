#!/usr/bin/env bash
# A private Dovecot IMAP server for tests: one instance per directory, several at once.
#
#   scripts/imap-test-server.sh install             install dovecot-imapd from Debian (once, in CI)
#   scripts/imap-test-server.sh start <dir> [port]  start an instance under <dir>; prints port=NNNN
#   scripts/imap-test-server.sh stop <dir>          stop the instance under <dir>
#
# Everything an instance owns lives under <dir>: dovecot.conf, passwd, mail/<user>/ (Maildir),
# run/ (base_dir: master.pid and sockets), state/, dovecot.log. It listens on 127.0.0.1 only, on
# its own port, with plain-text logins and no TLS, and never reads /etc/dovecot or touches the
# system's dovecot service. Users support@, sales@ and other@test.local, all with password
# `secret`.
#
# UIDVALIDITY: Dovecot hands out UIDVALIDITY values from a counter file in each user's mail root
# (mail/<user>/dovecot-uidvalidity), so deleting a mailbox and creating it again over IMAP
# (DELETE + CREATE) always gives it a new, larger UIDVALIDITY, and its UIDs restart at 1.
# INBOX cannot be deleted over IMAP (nor with doveadm); for it (or any mailbox) use
#
#   scripts/imap-test-server.sh reset-mailbox <dir> <user> [mailbox]   (default INBOX)
#
# which first disconnects all of that user's IMAP sessions ("* BYE Server shutting down."), as
# a server migration would, then empties the mailbox and gives it a new UIDVALIDITY, UIDs
# from 1, and prints uidvalidity=N. (Without the disconnect, a session that has the mailbox
# selected while it is deleted or reset keeps showing the old messages.)
set -euo pipefail

USERS=(support@test.local sales@test.local other@test.local)
PASSWORD=secret
# Mail user when we run as root: Dovecot refuses mail access as UID 0.
MAIL_USER=leadwire-imap
PATH="$PATH:/usr/sbin:/sbin"

die() {
  echo "imap-test-server: $*" >&2
  exit 1
}

# A lock shared by every instance's script, for the one-time setup steps.
lock_file() {
  if [ -d /run/lock ]; then echo "/run/lock/leadwire-imap-$1.lock"; else echo "/tmp/leadwire-imap-$1.lock"; fi
}

ensure_mail_user() {
  [ "$(id -u)" = 0 ] || return 0
  getent passwd "$MAIL_USER" >/dev/null && return 0
  # Parallel first starts must not run useradd at once: concurrent useradds can each "succeed"
  # with a different UID, and instances would then write the loser's UID into their config.
  (
    flock -w 30 9 || die "timed out waiting for the useradd lock"
    getent passwd "$MAIL_USER" >/dev/null ||
      useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$MAIL_USER"
  ) 9>"$(lock_file useradd)"
  getent passwd "$MAIL_USER" >/dev/null || die "could not create system user $MAIL_USER"
}

install() {
  if ! command -v dovecot >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] || die "dovecot is not installed and we are not root: apt-get install dovecot-imapd"
    # Test files starting servers in parallel on a fresh machine install it once.
    (
      flock -w 600 9 || die "timed out waiting for the install lock"
      command -v dovecot >/dev/null 2>&1 && exit 0
      export DEBIAN_FRONTEND=noninteractive
      local apt=(apt-get install -y -qq -o DPkg::Lock::Timeout=300 dovecot-imapd)
      if ! "${apt[@]}" >/dev/null 2>&1; then
        apt-get update -qq
        "${apt[@]}" >/dev/null
      fi
      # The package may have started (and enabled) the system's own instance on 143/993; we
      # installed it only for private instances, so put it back to sleep.
      if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
      elif [ -s /run/dovecot/master.pid ]; then
        kill "$(cat /run/dovecot/master.pid)" 2>/dev/null || true
      fi
    ) 9>"$(lock_file install)"
  fi
  command -v dovecot >/dev/null 2>&1 || die "dovecot is still not installed"
  ensure_mail_user
}

# A port the kernel considers free right now (start retries if dovecot loses the race for it).
free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  else
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
  fi
}

# True once the server greets: imap-login holds the greeting back until auth is up, so a
# greeting means a LOGIN will be answered.
greets() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    IFS= read -r -t 2 line <&3 || exit 1
    printf 'z LOGOUT\r\n' >&3 || true
    [[ "$line" == "* OK "*"ready."* ]]
  ) 2>/dev/null
}

# Running, and not a zombie: in containers whose PID 1 reaps lazily, the exited master (which
# daemonized, so its parent is PID 1) stays a zombie for seconds and `kill -0` still succeeds.
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [ "${stat:0:1}" != Z ]
}

master_pid() {
  local pidfile="$1/run/master.pid"
  [ -s "$pidfile" ] || return 1
  local pid
  pid="$(cat "$pidfile")"
  alive "$pid" || return 1
  echo "$pid"
}

write_config() {
  local dir="$1" port="$2" uid gid internal_user internal_group login_user
  if [ "$(id -u)" = 0 ]; then
    uid="$(id -u "$MAIL_USER")"
    gid="$(id -g "$MAIL_USER")"
    # The packaged users for Dovecot's own processes; nothing of the system instance is used.
    internal_user=dovecot internal_group=dovecot login_user=dovenull
  else
    # Rootless: every process runs as us.
    uid="$(id -u)" gid="$(id -g)"
    internal_user="$(id -un)" internal_group="$(id -gn)" login_user="$(id -un)"
  fi

  : >"$dir/passwd"
  for user in "${USERS[@]}"; do
    echo "$user:{PLAIN}$PASSWORD:$uid:$gid::$dir/mail/$user::" >>"$dir/passwd"
  done

  cat >"$dir/dovecot.conf" <<EOF
# Private test instance written by scripts/imap-test-server.sh; nothing from /etc/dovecot.
instance_name = leadwire-imap-$port
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes

default_internal_user = $internal_user
default_internal_group = $internal_group
default_login_user = $login_user
first_valid_uid = 1
first_valid_gid = 1

ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests log in with wrong passwords on purpose; don't make them wait.
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/passwd
}

mail_location = maildir:$dir/mail/%u
mailbox_list_index = no
# Tests open many connections per user (pollers, IDLE watchers, helpers).
mail_max_userip_connections = 1000
# IDLE is on by default; inotify wakes it at once, this is only the fallback poll.
mailbox_idle_check_interval = 1 secs

service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-urlauth-login {
  chroot =
}
EOF
  chmod 0644 "$dir/dovecot.conf" "$dir/passwd"
}

start() {
  local dir="${1:-}" wanted="${2:-}"
  [ -n "$dir" ] || die "usage: $0 start <dir> [port]"
  command -v dovecot >/dev/null 2>&1 || install
  ensure_mail_user
  mkdir -p "$dir"
  dir="$(cd "$dir" && pwd -P)"
  master_pid "$dir" >/dev/null && die "an instance is already running in $dir"
  mkdir -p "$dir/run" "$dir/state" "$dir/mail"
  if [ "$(id -u)" = 0 ]; then
    # Dovecot's own users (auth, login) must reach the passwd file and sockets under <dir>,
    # and the mail user its Maildirs: mkdtemp makes <dir> 0700.
    chmod 0755 "$dir"
    chown "$MAIL_USER:$MAIL_USER" "$dir/mail"
  fi

  local attempt port
  for attempt in 1 2 3 4 5; do
    port="${wanted:-$(free_port)}"
    write_config "$dir" "$port"
    : >"$dir/dovecot.log"
    if ! dovecot -c "$dir/dovecot.conf" 2>"$dir/start.err"; then
      # Someone took the port between our probe and dovecot's bind: pick another one.
      if [ -z "$wanted" ] && grep -q 'Address already in use' "$dir/start.err" "$dir/dovecot.log"; then
        continue
      fi
      cat "$dir/start.err" "$dir/dovecot.log" >&2
      die "dovecot did not start (attempt $attempt)"
    fi
    for _ in $(seq 1 100); do
      if greets "$port"; then
        echo "port=$port"
        return 0
      fi
      master_pid "$dir" >/dev/null || break
      sleep 0.05
    done
    stop "$dir" || true
    cat "$dir/dovecot.log" >&2
    [ -z "$wanted" ] || break
  done
  die "dovecot did not accept connections"
}

stop() {
  local dir="${1:-}"
  [ -n "$dir" ] || die "usage: $0 stop <dir>"
  local pid
  pid="$(master_pid "$dir")" || return 0
  # The master stops its children and exits once the last one (usually log) is gone: ~0.5 s.
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    alive "$pid" || return 0
    sleep 0.025
  done
  # Master did not finish in 5 s: take it and its children down.
  pkill -KILL -P "$pid" 2>/dev/null || true
  kill -KILL "$pid" 2>/dev/null || true
}

reset_mailbox() {
  local dir="${1:-}" user="${2:-}" mailbox="${3:-INBOX}"
  if [ -z "$dir" ] || [ -z "$user" ]; then die "usage: $0 reset-mailbox <dir> <user> [mailbox]"; fi
  dir="$(cd "$dir" && pwd -P)"
  local conf="$dir/dovecot.conf"
  master_pid "$dir" >/dev/null || die "no instance is running in $dir"
  grep -q "^$user:" "$dir/passwd" || die "unknown user $user"
  # First disconnect the user's sessions ("* BYE Server shutting down."), as a server migration
  # would: Dovecot doesn't throw out a session whose selected mailbox is deleted or reset under
  # it, and that session would go on showing the old messages.
  # (kick exits 68 when the user has no sessions)
  doveadm -c "$conf" kick "$user" >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    doveadm -c "$conf" who "$user" 2>/dev/null | grep -q "^$user " || break
    sleep 0.05
  done
  if [ "${mailbox^^}" = INBOX ]; then
    # Dovecot won't delete INBOX, and rebuilds a lost UID list from its index (same
    # UIDVALIDITY), so drop INBOX's messages, UID list and indexes. The next access creates
    # them again, with the next UIDVALIDITY from the counter in the mail root (kept), UIDs
    # from 1.
    local root="$dir/mail/$user"
    if [ -d "$root" ]; then
      find "$root/cur" "$root/new" "$root/tmp" -maxdepth 1 -type f -delete 2>/dev/null || true
      rm -f "$root/dovecot-uidlist" "$root"/dovecot.index "$root"/dovecot.index.log \
        "$root"/dovecot.index.log.2 "$root"/dovecot.index.cache
    fi
  else
    doveadm -c "$conf" mailbox delete -u "$user" "$mailbox" 2>/dev/null || true
    doveadm -c "$conf" mailbox create -u "$user" "$mailbox"
  fi
  # Opening it assigns the new UIDVALIDITY now; print it.
  doveadm -c "$conf" -f flow mailbox status -u "$user" uidvalidity "$mailbox" |
    sed -n 's/.*uidvalidity=\([0-9]*\).*/uidvalidity=\1/p'
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" "${3:-}" ;;
  stop) stop "${2:-}" ;;
  reset-mailbox) reset_mailbox "${2:-}" "${3:-}" "${4:-}" ;;
  *) die "usage: $0 install | start <dir> [port] | stop <dir> | reset-mailbox <dir> <user> [mailbox]" ;;
esac
