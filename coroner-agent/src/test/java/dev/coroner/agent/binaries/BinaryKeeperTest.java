package dev.coroner.agent.binaries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.coroner.analysis.CoreModules;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.KeptBinary;
import dev.coroner.dump.elf.ElfBuildId;
import dev.coroner.store.KeptBinaries;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which files of a crashed process are kept, from where, checked against the build-ids the core
 * records; each build stored once. Host files come from a stand-in host root; a container's from
 * the files a live process ({@code sleep}) holds open, as at a real crash.
 */
class BinaryKeeperTest {
  private static final Path TRUE = Path.of("/usr/bin/true");
  private static final Path SLEEP = Path.of("/usr/bin/sleep");

  @TempDir Path tmp;

  /** A store in memory that counts what is sent. */
  static final class MemoryBinaries implements KeptBinaries {
    final Map<String, byte[]> objects = new HashMap<>();
    final List<String> requests = new ArrayList<>();

    @Override
    public boolean contains(String buildId, String fileName) {
      requests.add("HEAD " + buildId + "/" + fileName);
      return objects.containsKey(buildId + "/" + fileName);
    }

    @Override
    public long store(String buildId, String fileName, Path file) {
      if (contains(buildId, fileName)) {
        return 0;
      }
      try {
        byte[] b = Files.readAllBytes(file);
        requests.add("PUT " + buildId + "/" + fileName);
        objects.put(buildId + "/" + fileName, b);
        return b.length;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }

    @Override
    public void fetch(String buildId, String fileName, Path target) {
      throw new UnsupportedOperationException();
    }

    @Override
    public URI presign(String buildId, String fileName, Duration ttl) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String display(String buildId, String fileName) {
      return "mem:" + buildId + "/" + fileName;
    }
  }

  private static String id(Path elf) throws Exception {
    return ElfBuildId.of(elf).orElseThrow();
  }

  private static DumpInfo dump(String uuid, String exePath, String containerId) {
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        uuid,
        uuid + "-dump",
        1795770000,
        "host",
        "node-1",
        new DumpInfo.ProcessInfo(
            "true", exePath, List.of(), 1, 1, 1, 1, 0, 0, 11, containerId, "unlimited", true),
        null,
        new DumpInfo.CoreInfo("c.core", Compression.NONE, 1, 1, "00".repeat(32), 1L),
        DumpInfo.Integrity.complete(),
        List.of("c.core"),
        new DumpInfo.ComposerInfo("test", 1, List.of()));
  }

  private BinaryKeeper keeper(BinaryPolicy policy, Path hostRoot, BinaryHolds holds)
      throws Exception {
    return new BinaryKeeper(policy, cache(), holds, hostRoot);
  }

  private BinaryCache cache;

  private BinaryCache cache() throws Exception {
    if (cache == null) {
      cache = new BinaryCache(tmp.resolve("cache"), 1L << 30);
    }
    return cache;
  }

  private static BinaryPolicy keepAll() {
    return new BinaryPolicy(true, 512L << 20, Set.of());
  }

  @Test
  void aHostProcessesFilesAreKeptOnceEach() throws Exception {
    Path host = tmp.resolve("host");
    Files.createDirectories(host.resolve("usr/bin"));
    Files.copy(TRUE, host.resolve("usr/bin/true"));
    Files.copy(SLEEP, host.resolve("usr/bin/sleep"));
    String trueId = id(TRUE);
    List<CoreModules.Module> modules =
        List.of(
            new CoreModules.Module("/usr/bin/true", 0x1000, trueId),
            new CoreModules.Module("/usr/lib/locale/locale-archive", 0x2000, null),
            new CoreModules.Module("/usr/bin/sleep", 0x3000, "0123456789abcdef"),
            new CoreModules.Module("/lib/gone.so", 0x4000, "fedcba9876543210"));
    BinaryKeeper keeper = keeper(keepAll(), host, null);
    DumpInfo info = dump("11111111-1111-1111-1111-111111111111", "/usr/bin/true", null);

    BinaryKeeper.Collection c = keeper.collect(info, modules, "native");
    assertThat(c.binaries())
        .extracting(KeptBinary::path)
        .as("no data files")
        .containsExactly("/usr/bin/true", "/usr/bin/sleep", "/lib/gone.so");
    KeptBinary exe = c.binaries().get(0);
    assertThat(exe.kept()).isTrue();
    assertThat(exe.buildId()).isEqualTo(trueId);
    assertThat(exe.size()).isEqualTo(Files.size(TRUE));
    assertThat(exe.sha256()).isEqualTo(BinaryCache.sha256(TRUE));
    assertThat(c.binaries().get(1).reason()).contains("another build");
    assertThat(c.binaries().get(2).reason()).isEqualTo("not on this node any more");
    assertThat(c.file("/usr/bin/true")).isEqualTo(host.resolve("usr/bin/true"));
    assertThat(c.file("/usr/bin/sleep")).as("a wrong build is no sysroot file").isNull();

    MemoryBinaries store = new MemoryBinaries();
    DumpInfo analyzed = info.withAnalysis(null, c.binaries());
    assertThat(keeper.upload(analyzed, store)).isEqualTo(Files.size(TRUE));
    assertThat(store.objects).containsOnlyKeys(trueId + "/true");
    assertThat(store.objects.get(trueId + "/true")).isEqualTo(Files.readAllBytes(TRUE));

    // The second crash of the same binary: no bytes, and not even a HEAD.
    int requests = store.requests.size();
    BinaryKeeper.Collection again =
        keeper.collect(
            dump("22222222-2222-2222-2222-222222222222", "/usr/bin/true", null), modules, "native");
    assertThat(keeper.upload(info.withAnalysis(null, again.binaries()), store)).isZero();
    assertThat(store.requests).hasSize(requests);

    // Another agent (a restart, another node) finds it with one HEAD.
    BinaryKeeper fresh = keeper(keepAll(), host, null);
    assertThat(fresh.upload(analyzed, store)).isZero();
    assertThat(store.requests.subList(requests, store.requests.size()))
        .containsExactly("HEAD " + trueId + "/true");
  }

  @Test
  void thePolicyLimitsSizeAndRuntimes() throws Exception {
    Path host = tmp.resolve("host");
    Files.createDirectories(host.resolve("usr/bin"));
    Files.copy(TRUE, host.resolve("usr/bin/true"));
    List<CoreModules.Module> modules =
        List.of(new CoreModules.Module("/usr/bin/true", 0x1000, id(TRUE)));
    DumpInfo info = dump("11111111-1111-1111-1111-111111111111", "/usr/bin/true", null);

    KeptBinary small =
        keeper(new BinaryPolicy(true, 1024, Set.of()), host, null)
            .collect(info, modules, "native")
            .binaries()
            .get(0);
    assertThat(small.kept()).isFalse();
    assertThat(small.reason())
        .startsWith("larger than 1.0 KiB")
        .contains("CORONER_BINARIES_MAX_SIZE");

    KeptBinary skipped =
        keeper(new BinaryPolicy(true, 1L << 30, Set.of("native")), host, null)
            .collect(info, modules, "native")
            .binaries()
            .get(0);
    assertThat(skipped.reason()).contains("native").contains("CORONER_BINARIES_SKIP_RUNTIMES");

    BinaryKeeper.Collection off =
        keeper(new BinaryPolicy(false, 1L << 30, Set.of()), host, null)
            .collect(info, modules, "native");
    assertThat(off.binaries()).as("keeping off: nothing in dump-info").isEmpty();
    assertThat(off.file("/usr/bin/true")).as("still read for the analysis").isNotNull();
  }

  @Test
  void aContainersFilesComeFromWhatWasHeldAtTheCrash() throws Exception {
    // A stand-in for the crashed process, held by the kernel: a sleep we started.
    Process sleep = new ProcessBuilder(SLEEP.toString(), "60").start();
    try {
      // start() returns once sleep is exec'd, before its loader has mapped libc; a crashed
      // process has long since loaded its libraries, so wait for that.
      Path maps = Path.of("/proc", Long.toString(sleep.pid()), "maps");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.readString(maps).contains("libc.so"));
      BinaryHolds holds =
          new BinaryHolds(
              Path.of("/proc"), cache(), keepAll(), Duration.ofMinutes(1), Clock.systemUTC());
      String uuid = "33333333-3333-3333-3333-333333333333";
      holds.hold(uuid, sleep.pid());
      sleep.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      Map<String, Path> held = holds.files(uuid, Duration.ofSeconds(30));
      assertThat(held.keySet()).anyMatch(p -> p.endsWith("/sleep"));
      assertThat(held.keySet()).anyMatch(p -> p.contains("libc.so"));
      String sleepPath =
          held.keySet().stream().filter(p -> p.endsWith("/sleep")).findFirst().orElseThrow();
      assertThat(held.get(sleepPath)).hasSameBinaryContentAs(SLEEP);

      BinaryKeeper keeper = keeper(keepAll(), tmp.resolve("no-host"), holds);
      List<CoreModules.Module> modules =
          List.of(
              new CoreModules.Module(sleepPath, 0x1000, id(SLEEP)),
              new CoreModules.Module("/app/never-mapped.so", 0x2000, "aaaaaaaabbbbbbbb"));
      DumpInfo info = dump(uuid, sleepPath, "ab".repeat(32));
      BinaryKeeper.Collection c = keeper.collect(info, modules, "native");
      assertThat(c.binaries().get(0).kept()).isTrue();
      assertThat(c.binaries().get(1).reason()).isEqualTo("not copied while the container existed");
      assertThat(holds.files(uuid, Duration.ofSeconds(1))).as("released").isEmpty();
      holds.close();
    } finally {
      sleep.destroyForcibly();
    }
  }
}
