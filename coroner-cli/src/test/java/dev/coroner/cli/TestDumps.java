package dev.coroner.cli;

import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.IntegrityCause;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.StoredDump;
import java.time.Instant;
import java.util.List;

/** Dump metadata for unit tests of listing, filtering and formatting. */
public final class TestDumps {
  private TestDumps() {}

  /** A readable dump of {@code exe} that died of {@code signal} at {@code time}. */
  public static StoredDump dump(
      String uuid, Instant time, String exe, int signal, DumpInfo.PodInfo pod, boolean truncated) {
    String name = uuid + "-dump-" + time.getEpochSecond() + "-host-" + exe + "-42-" + signal;
    DumpInfo info =
        new DumpInfo(
            DumpInfo.SCHEMA_VERSION,
            uuid,
            name,
            time.getEpochSecond(),
            pod == null ? "host" : pod.name(),
            "node-1",
            new DumpInfo.ProcessInfo(
                exe,
                "/usr/bin/" + exe,
                List.of(exe),
                42,
                4242,
                42,
                4242,
                0,
                0,
                signal,
                pod == null ? null : "ab".repeat(32),
                "unlimited",
                true),
            pod,
            new DumpInfo.CoreInfo(
                name + ".core.zst",
                Compression.ZSTD,
                50 << 20,
                1 << 20,
                "cd".repeat(32),
                50L << 20),
            truncated
                ? DumpInfo.Integrity.truncated(IntegrityCause.TIMEOUT, null)
                : DumpInfo.Integrity.complete(),
            List.of(),
            new DumpInfo.ComposerInfo("test", 10, List.of()));
    return new StoredDump(
        name,
        1 << 20,
        time,
        new DumpLocation.LocalFile(java.nio.file.Path.of("/dumps/" + name + ".zip")),
        info,
        null);
  }

  /** A dump whose zip could not be read. */
  public static StoredDump corrupt(String uuid, Instant stored) {
    String name = uuid + "-dump-1-h-x-1-11";
    return new StoredDump(
        name,
        7,
        stored,
        new DumpLocation.LocalFile(java.nio.file.Path.of("/dumps/" + name + ".zip")),
        null,
        DumpProblem.damaged("not a zip"));
  }
}
