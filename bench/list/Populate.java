import dev.coroner.dump.DumpInfo;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Fills an S3 store for bench/list.sh through coroner's own upload path, as a cluster's agents
 * would: NODES writers in parallel (one S3Store each, index id bench-node-K, so one listing index
 * per node), each uploading its share of DUMPS small dumps (a real zip: dump-info.json and a 1 KiB
 * "core") with VerifiedUploads.upload and then calling flushIndex() once.
 *
 * <p>Run in source-file mode from the repository root:
 *
 * <pre>
 * java -cp "coroner-cli/target/coroner-cli.jar:coroner-cli/target/lib/*" bench/list/Populate.java \
 *     ENDPOINT STORE_URL DUMPS NODES SCRATCH_DIR
 * </pre>
 *
 * Credentials and region come from the AWS SDK's chain (the script's scratch environment). Prints
 * one line, "uploaded N dumps from K nodes in S s".
 */
public class Populate {
  private static final String[][] PODS = {
    {"shop", "web"}, {"checkout", "cart"}, {"payments", "ledger"}, {"batch", "nightly-report"}
  };
  private static final String[] EXES = {"node", "java", "python3", "envoy"};
  private static final int[] SIGNALS = {5, 6, 11};
  private static final long NEWEST = 1_767_225_600L; // 2026-01-01T00:00:00Z

  public static void main(String[] args) throws Exception {
    if (args.length != 5) {
      System.err.println("usage: Populate ENDPOINT STORE_URL DUMPS NODES SCRATCH_DIR");
      System.exit(2);
    }
    URI endpoint = URI.create(args[0]);
    URI store = URI.create(args[1]);
    int dumps = Integer.parseInt(args[2]);
    int nodes = Integer.parseInt(args[3]);
    Path scratch = Path.of(args[4]);
    Files.createDirectories(scratch);

    long t0 = System.nanoTime();
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(nodes);
    List<Future<?>> writers = new ArrayList<>();
    for (int n = 0; n < nodes; n++) {
      int node = n;
      writers.add(
          pool.submit(
              () -> {
                writeNode(endpoint, store, node, nodes, dumps, scratch, done);
                return null;
              }));
    }
    try {
      for (Future<?> f : writers) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf(
        "uploaded %d dumps from %d nodes in %.1f s%n",
        done.get(), nodes, (System.nanoTime() - t0) / 1e9);
  }

  /** Node {@code node} uploads dumps node, node+nodes, node+2*nodes, ... and flushes its index. */
  private static void writeNode(
      URI endpoint, URI store, int node, int nodes, int dumps, Path scratch, AtomicInteger done)
      throws Exception {
    String nodeName = "bench-node-" + node;
    S3Options options = S3Options.defaults(endpoint, "us-east-1", true).withIndexId(nodeName);
    Random random = new Random(node);
    try (S3Store s = S3Store.open(store, options)) {
      VerifiedUploads uploads = s.verifiedUploads().orElseThrow();
      byte[] core = new byte[1024];
      for (int i = node; i < dumps; i += nodes) {
        random.nextBytes(core);
        DumpInfo info = info(i, nodeName, random);
        Path zip = scratch.resolve(info.name() + ".zip");
        writeZip(zip, info, core);
        uploads.upload(zip, info);
        Files.delete(zip);
        int d = done.incrementAndGet();
        if (d % 500 == 0) {
          System.err.printf("  %d/%d uploaded%n", d, dumps);
        }
      }
      uploads.flushIndex();
    }
  }

  /** Dump {@code i}: one a minute back from NEWEST, pods and executables taken in turn. */
  private static DumpInfo info(int i, String nodeName, Random random) {
    String[] pod = PODS[i % PODS.length];
    String podName = pod[1] + "-" + Integer.toHexString(0x7d9f0 + i % 7) + "-x" + (i % 13);
    String exe = EXES[i % EXES.length];
    int signal = SIGNALS[i % SIGNALS.length];
    long pid = 1 + i % 97;
    long ts = NEWEST - 60L * i;
    // A random (version 4) uuid, reproducible per node: reruns write the same keys.
    long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
    long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    String uuid = new UUID(msb, lsb).toString();
    String name = uuid + "-dump-" + ts + "-" + podName + "-" + exe + "-" + pid + "-" + signal;
    String coreEntry = name + ".core.zst";
    return new DumpInfo(
        DumpInfo.SCHEMA_VERSION,
        uuid,
        name,
        ts,
        podName,
        nodeName,
        new DumpInfo.ProcessInfo(
            exe,
            "/usr/bin/" + exe,
            List.of(exe, "server"),
            pid,
            40_000 + i,
            pid,
            40_000 + i,
            1000,
            1000,
            signal,
            "0123456789abcdef".repeat(4),
            "unlimited",
            true),
        new DumpInfo.PodInfo(pod[0], podName, "uid-" + i, pod[1], "registry/" + pod[1] + ":1"),
        new DumpInfo.CoreInfo(coreEntry, dev.coroner.dump.Compression.ZSTD, 1024, 1024, "ab".repeat(32), 1024L),
        DumpInfo.Integrity.complete(),
        List.of(DumpInfo.ENTRY, coreEntry),
        new DumpInfo.ComposerInfo("0.1.0", 12, List.of()));
  }

  private static void writeZip(Path zip, DumpInfo info, byte[] core) throws IOException {
    try (OutputStream f = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(f)) {
      z.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
      z.write(info.toJson().getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
      z.putNextEntry(new ZipEntry(info.core().entry()));
      z.write(core);
      z.closeEntry();
    }
  }
}
