package dev.coroner.snapshot;

import dev.coroner.capture.Uuids;
import dev.coroner.capture.proc.ProcSnapshot;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.name.NameFields;
import dev.coroner.snapshot.core.ProcessInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a snapshot's dump says about the process besides its core, read from /proc before the freeze
 * (so a process that exits during the snapshot still has its metadata): the same /proc files a
 * crash dump carries, the name (signal 0), and what the core's notes need.
 */
// A value never compared or hashed: the arrays are read as they are.
@SuppressWarnings("ArrayRecordComponent")
record SnapshotMetadata(
    String uuid,
    String name,
    long timestamp,
    String hostname,
    String nodeHostname,
    ProcSnapshot proc,
    ProcessInfo processInfo,
    String comm,
    long hostPid,
    long nsPid,
    byte[] auxv,
    String coredumpFilter) {

  static SnapshotMetadata read(
      Path procRoot, int pid, ProcFacts facts, SnapshotRequest request, List<String> warnings) {
    String uuid = Uuids.random();
    long timestamp = System.currentTimeMillis() / 1000;
    ProcSnapshot proc = ProcSnapshot.read(procRoot, pid, -1, request.settings().environ());
    warnings.addAll(proc.warnings());
    String nodeHostname = ProcFacts.read(procRoot.resolve("sys/kernel/hostname")).strip();
    if (nodeHostname.isEmpty()) {
      nodeHostname = "unknown";
    }
    // The process's own hostname is its UTS namespace's: in a container kubelet writes it to
    // /etc/hostname, seen through /proc/PID/root; on the host it is the node's.
    String hostname = nodeHostname;
    if (proc.containerId() != null) {
      String h = facts.text("root/etc/hostname").strip();
      if (!h.isEmpty() && !h.contains("\n")) {
        hostname = h;
      }
    }
    String comm = facts.comm();
    long nsPid = facts.lastNumber("NSpid", pid);
    String name =
        request
            .settings()
            .nameTemplate()
            .format(
                new NameFields(
                    uuid,
                    timestamp,
                    hostname,
                    comm,
                    nsPid,
                    0,
                    null,
                    null,
                    proc.containerId() == null ? "host" : proc.containerId().substring(0, 12),
                    null));
    return new SnapshotMetadata(
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        proc,
        facts.processInfo(),
        comm,
        pid,
        nsPid,
        facts.bytes("auxv"),
        facts.text("coredump_filter"));
  }

  Map<String, byte[]> procFiles() {
    return proc.files();
  }

  DumpInfo info(
      DumpInfo.CoreInfo core,
      DumpInfo.Integrity integrity,
      List<String> files,
      SnapshotMethod method,
      long freezeMicros,
      int threads,
      long durationMs,
      List<String> warnings) {
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        uuid,
        name,
        timestamp,
        hostname,
        nodeHostname,
        new DumpInfo.ProcessInfo(
            comm,
            proc.exePath(),
            proc.cmdline(),
            nsPid,
            hostPid,
            nsPid,
            hostPid,
            proc.uid(),
            proc.gid(),
            0,
            proc.containerId(),
            coreLimit(proc.files().get("proc/limits")),
            false),
        null,
        core,
        integrity,
        files,
        new DumpInfo.ComposerInfo(version(), durationMs, warnings),
        new DumpInfo.SnapshotInfo(method.id(), freezeMicros, threads));
  }

  /** The soft RLIMIT_CORE from /proc/PID/limits, as dump-info writes it for a crash. */
  static @Nullable String coreLimit(byte @Nullable [] limits) {
    if (limits == null) {
      return null;
    }
    for (String line : new String(limits, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("Max core file size")) {
        String[] f = line.substring("Max core file size".length()).trim().split("\\s+");
        return f.length > 0 ? f[0] : null;
      }
    }
    return null;
  }

  /** coroner's version, from the jar manifest. */
  static String version() {
    String v = SnapshotMetadata.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }
}
