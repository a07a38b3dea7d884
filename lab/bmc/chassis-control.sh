#!/bin/sh
# The chassis of one simulated machine, as ipmi_sim's `chassis_control` program. ipmi_sim runs it as
#   chassis-control.sh STATE_DIR get power boot
#   chassis-control.sh STATE_DIR set power 1 | set reset 1 | set shutdown 1 | set boot pxe|default|cdrom|bios
# Power and boot device live in files of STATE_DIR. When STATE_DIR/machine exists (an executable: the process
# that stands for the machine, the lab's qemu VM with `lab up --vms`) power on starts it in its own session
# and power off stops it; the power state is then whether it lives. Each call must answer within a second
# (ipmi_sim retransmits otherwise), so nothing here waits for more than a moment; and it runs for every IPMI
# command of a fleet, on the same CPUs as the ipmitool processes that drive it, so it costs one shell and
# nothing more: files are read with builtins, values pass in variables rather than through $(…) subshells,
# and ipmi_sim's own shell sources this file instead of starting another (see bmc-fleet.ts). It may therefore
# be sourced: it keeps to its own variable names and ends with `exit`.
set -u
dir=$1
shift
op=${1:-}
[ $# -gt 0 ] && shift
echo "$op $*" >>"$dir/chassis.log"

# Sets $value to the first line of file $1, or to $2 when there is none.
read_value() {
  value=
  { read -r value <"$dir/$1"; } 2>/dev/null
  [ -n "$value" ] || value=$2
}

# A slow BMC, for tests: `SECONDS` slows every call; `SECONDS get once` only the next read.
if [ -f "$dir/delay" ]; then
  delay_for= delay_only= delay_once=
  { read -r delay_for delay_only delay_once <"$dir/delay"; } 2>/dev/null
  if [ -z "$delay_only" ] || [ "$delay_only" = "$op" ]; then
    [ -n "$delay_once" ] && rm -f "$dir/delay"
    sleep "${delay_for:-0}"
  fi
fi

# Alive and not a zombie (PID 1 may reap late); sets $pid.
alive() {
  read_value machine.pid ''
  pid=$value
  [ -n "$pid" ] || return 1
  stat=
  { read -r stat <"/proc/$pid/stat"; } 2>/dev/null
  [ -n "$stat" ] || return 1
  # The state is the field after the command name, which ends at the last ')'.
  rest=${stat##*) }
  [ "${rest%% *}" != Z ]
}

# Sets $power to 1 or 0.
read_power() {
  if [ -x "$dir/machine" ]; then
    if alive; then power=1; else power=0; fi
  else
    read_value power 0
    power=$value
  fi
}

# Sets $boot to the next boot device.
read_boot() {
  read_value boot default
  boot=$value
}

start_machine() {
  # A failed power supply: the BMC takes the request, the machine stays off.
  if [ -f "$dir/power-fault" ]; then
    echo "power fault" >>"$dir/machine.log"
    return 0
  fi
  echo 1 >"$dir/power"
  [ -x "$dir/machine" ] || return 0
  alive && return 0
  read_boot
  # Its own session (so power off stops all it started); output to the console log, never to ipmi_sim.
  STACKBOOK_BOOT_DEVICE=$boot setsid "$dir/machine" >>"$dir/console.log" 2>&1 </dev/null &
  echo $! >"$dir/machine.pid"
  echo "start $boot" >>"$dir/machine.log"
}

stop_machine() {
  signal=$1
  echo 0 >"$dir/power"
  if alive; then
    kill -"$signal" -- "-$pid" 2>/dev/null || kill -"$signal" "$pid" 2>/dev/null
    echo "stop $signal" >>"$dir/machine.log"
  fi
  [ "$signal" = KILL ] && rm -f "$dir/machine.pid"
  return 0
}

case "$op" in
  get)
    for what in "$@"; do
      case "$what" in
        power) read_power; echo "power:$power" ;;
        boot) read_boot; echo "boot:$boot" ;;
      esac
    done
    ;;
  set)
    while [ $# -ge 2 ]; do
      case "$1" in
        power) if [ "$2" = 1 ]; then start_machine; else stop_machine KILL; fi ;;
        reset)
          echo reset >>"$dir/machine.log"
          read_power
          if [ "$power" = 1 ]; then
            stop_machine KILL
            start_machine
          fi
          ;;
        # An ACPI soft power off: the machine shuts down in its own time.
        shutdown) stop_machine TERM ;;
        boot) echo "$2" >"$dir/boot" ;;
      esac
      shift 2
    done
    ;;
  check) ;;
esac
exit 0
