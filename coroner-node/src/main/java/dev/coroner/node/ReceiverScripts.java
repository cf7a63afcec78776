package dev.coroner.node;

import dev.coroner.base.exit.ExitCode;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The scripts and the unit that keep the receiver running and put the pipe composer's pattern back
 * whenever it stops. The kernel has no fallback of its own: with core_pattern on a socket nobody
 * listens on, a crash gets no core at all. So the restore runs the moment the receiver exits, for
 * any reason, and only while core_pattern still points at the receiver's socket (someone else's
 * pattern is left alone).
 */
final class ReceiverScripts {
  /** Restarts back off from 1 s to this; a receiver that ran a minute starts again at 1 s. */
  static final int MAX_BACKOFF_SECONDS = 60;

  static final Path CORE_PATTERN = Path.of("/proc/sys/kernel/core_pattern");

  private final Layout layout;
  private final String pipePattern;
  private final Path corePattern;

  ReceiverScripts(Layout layout, String pipePattern) {
    this(layout, pipePattern, CORE_PATTERN);
  }

  /** With another core_pattern file (tests). */
  ReceiverScripts(Layout layout, String pipePattern, Path corePattern) {
    this.layout = layout;
    this.pipePattern = pipePattern;
    this.corePattern = corePattern;
  }

  /**
   * The restore as shell: builtins only (read, case, printf), so no fork stands between the
   * receiver's death and the pipe pattern.
   */
  private String restoreFunction() {
    return """
        restore() {
          current=
          IFS= read -r current < "$CORE_PATTERN"
          case $current in
            "@@$SOCKET" | "@$SOCKET")
              printf '%s\\n' "$PIPE" > "$CORE_PATTERN" && restored=1 ;;
            *) restored= ;;
          esac
        }
        """;
  }

  private String variables() {
    return "PIPE="
        + Shell.quote(pipePattern)
        + "\n"
        + "SOCKET="
        + Shell.quote(layout.socket().toString())
        + "\n"
        + "CORE_PATTERN="
        + Shell.quote(corePattern.toString())
        + "\n";
  }

  /** {@code PREFIX/receiver-supervisor}, where systemd does not run. */
  String supervisor() {
    return "#!/bin/sh\n"
        + "# Written by 'coroner install'. Keeps the coredump socket receiver running where no\n"
        + "# systemd does. The moment the receiver exits, for any reason (kill -9, OOM), the pipe\n"
        + "# composer's pattern goes back, then the receiver is restarted with backoff. SIGTERM\n"
        + "# stops both: the receiver puts the pipe pattern back itself, and this script again\n"
        + "# if it could not. Exit 9 from the receiver means it cannot run here: no restart.\n"
        + "umask 077\n"
        + variables()
        + "RECEIVER="
        + Shell.quote(layout.receiverLauncher().toString())
        + "\nLOG="
        + Shell.quote(layout.receiverLog().toString())
        + "\nPIDFILE="
        + Shell.quote(layout.supervisorPid().toString())
        + "\nCHILDFILE="
        + Shell.quote(layout.receiverPid().toString())
        + "\n\n"
        + restoreFunction()
        + "log() {\n"
        + "  printf '%s [supervisor] %s\\n' \"$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)\" \"$*\" >> \"$LOG\"\n"
        + "}\n"
        + "# Its own output goes to the log too: the shell reports a receiver killed by a signal,\n"
        + "# and a closed stdout would SIGPIPE the supervisor on that report.\n"
        + "exec >> \"$LOG\" 2>&1 < /dev/null\n"
        + "trap '' PIPE\n"
        + "stopping=\n"
        + "child=\n"
        + "sleeper=\n"
        + "stop() {\n"
        + "  stopping=1\n"
        + "  [ -z \"$child\" ] || kill -TERM \"$child\" 2>/dev/null\n"
        + "  [ -z \"$sleeper\" ] || kill \"$sleeper\" 2>/dev/null\n"
        + "}\n"
        + "trap stop TERM INT HUP\n"
        + "# The restore is the one thing here that must not wait for a busy CPU: the supervisor\n"
        + "# runs at a higher priority (it is idle otherwise), the receiver at the normal one.\n"
        + "if renice -n -10 -p $$ > /dev/null 2>&1; then normal=\"nice -n 10\"; else normal=; fi\n"
        + "echo $$ > \"$PIDFILE\"\n"
        + "log \"started (pid $$)\"\n"
        + "delay=1\n"
        + "while [ -z \"$stopping\" ]; do\n"
        + "  $normal \"$RECEIVER\" < /dev/null >> \"$LOG\" 2>&1 &\n"
        + "  child=$!\n"
        + "  echo \"$child\" > \"$CHILDFILE\"\n"
        + "  started=$(date +%s)\n"
        + "  while :; do\n"
        + "    wait \"$child\"\n"
        + "    code=$?\n"
        + "    # a trapped signal ends wait early, while the receiver still runs\n"
        + "    [ \"$code\" -ne 127 ] && kill -0 \"$child\" 2>/dev/null || break\n"
        + "  done\n"
        + "  restore\n"
        + "  child=\n"
        + "  rm -f \"$CHILDFILE\"\n"
        + "  if [ -n \"$restored\" ]; then\n"
        + "    log \"the receiver exited ($code); core_pattern is the pipe composer's again\"\n"
        + "  else\n"
        + "    log \"the receiver exited ($code)\"\n"
        + "  fi\n"
        + "  [ -z \"$stopping\" ] || break\n"
        + "  if [ \"$code\" -eq "
        + ExitCode.NOT_POSSIBLE.code()
        + " ]; then\n"
        + "    log \"the receiver cannot run here (see above); the pipe composer stays; not restarting\"\n"
        + "    break\n"
        + "  fi\n"
        + "  [ $(( $(date +%s) - started )) -lt 60 ] || delay=1\n"
        + "  log \"restarting the receiver in ${delay}s\"\n"
        + "  sleep \"$delay\" &\n"
        + "  sleeper=$!\n"
        + "  wait \"$sleeper\"\n"
        + "  sleeper=\n"
        + "  delay=$((delay * 2))\n"
        + "  [ \"$delay\" -le "
        + MAX_BACKOFF_SECONDS
        + " ] || delay="
        + MAX_BACKOFF_SECONDS
        + "\n"
        + "done\n"
        + "log \"stopped\"\n"
        + "rm -f \"$PIDFILE\"\n";
  }

  /** {@code PREFIX/receiver-restore-pipe}: systemd's ExecStopPost. */
  String restorePipe() {
    return "#!/bin/sh\n"
        + "# Written by 'coroner install'. systemd runs it after the receiver stopped, for any\n"
        + "# reason: the pipe composer takes the crashes again.\n"
        + variables()
        + restoreFunction()
        + "restore\n";
  }

  /** The unit's name: one per prefix, so two installs do not share it. */
  static String unitName(Path prefix) {
    if (prefix.equals(InstallOptions.DEFAULT_PREFIX)) {
      return "coroner-receiver.service";
    }
    String hash = Integer.toHexString(prefix.toString().hashCode());
    return "coroner-receiver-" + hash + ".service";
  }

  /** The systemd unit, where systemd runs ({@code /run/systemd/system} exists). */
  String unit(Duration stopTimeout) {
    return "# Written by 'coroner install'; 'coroner uninstall' removes it.\n"
        + "[Unit]\n"
        + "Description=coroner crash receiver (kernel coredump socket) for "
        + layout.prefix()
        + "\n"
        + "After=local-fs.target\n"
        + "\n"
        + "[Service]\n"
        + "Type=simple\n"
        + "ExecStart="
        + layout.receiverLauncher()
        + "\n"
        + "# Whatever ended the receiver (stop, kill -9, OOM), the pipe composer takes the crashes.\n"
        + "ExecStopPost="
        + layout.restorePipe()
        + "\n"
        + "Restart=on-failure\n"
        + "RestartSec=1s\n"
        + "# 9: socket capture is not possible here; the pipe composer stays.\n"
        + "RestartPreventExitStatus="
        + ExitCode.NOT_POSSIBLE.code()
        + "\n"
        + "# The JVM's exit status after SIGTERM.\n"
        + "SuccessExitStatus=143\n"
        + "KillMode=mixed\n"
        + "TimeoutStopSec="
        + stopTimeout.toSeconds()
        + "s\n"
        + "OOMScoreAdjust=-900\n"
        + "\n"
        + "[Install]\n"
        + "WantedBy=multi-user.target\n";
  }
}
