package dev.coroner.cli.k8s;

import dev.coroner.cli.TestDumps;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.StoredDump;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Dumps and pod specs for the cli.k8s tests. */
final class Fixtures {
  static final String UUID = "a686e8f6-1b46-4e71-9d1a-3c65079ca686";
  static final String APP_IMAGE = "registry.example.com/shop/web:1.4";
  static final String APP_DIGEST =
      "registry.example.com/shop/web@sha256:" + "0123456789abcdef".repeat(4);

  private Fixtures() {}

  /** The crashed pod: shop/web-5d8f7c9b6-x2x7q, its image and the repo digest it ran. */
  static DumpInfo.PodInfo pod() {
    return new DumpInfo.PodInfo(
        "shop",
        "web-5d8f7c9b6-x2x7q",
        "6c1d6e4f-0000-4000-8000-000000000001",
        "web",
        APP_IMAGE,
        APP_DIGEST,
        2,
        "node-1",
        Map.of("app", "web"),
        Map.of());
  }

  /** A dump of {@code exe} (at /usr/bin/EXE) that crashed in {@link #pod()}. */
  static StoredDump dump(String exe) {
    StoredDump local =
        TestDumps.dump(UUID, Instant.ofEpochSecond(1_795_769_715), exe, 6, pod(), false);
    // Where the S3 store keeps it: s3://crashes/prod/{namespace}/{name}.zip
    return new StoredDump(
        local.name(),
        34_751_995,
        local.stored(),
        new DumpLocation.StoredObject("s3", "crashes", "prod/shop/" + local.name() + ".zip"),
        local.info(),
        null);
  }

  /** The spec the CLI would build for {@code dump}. */
  static DebugPodSpec spec(StoredDump dump, DebugKind kind, String appImage, URI url) {
    DumpInfo info = dump.info();
    return new DebugPodSpec(
        "coroner-debug-a686e8f6-x7k2p",
        "shop",
        new DebugPodSpec.Dump(
            info.name(),
            info.uuid(),
            dump.size(),
            info.core().entry(),
            info.core().compression(),
            info.core().size(),
            info.core().sha256()),
        appImage,
        PodImages.debug(kind, null, "0.1.0"),
        kind,
        info.process().exePath(),
        url,
        Instant.parse("2026-11-27T09:10:15Z"),
        Duration.ofHours(4),
        List.of());
  }
}
