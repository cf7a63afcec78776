package dev.coroner.controller;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.kube.api.CoreDump;
import dev.coroner.kube.api.CoreDumpDownload;
import dev.coroner.kube.api.CoreDumpDownloadSpec;
import dev.coroner.kube.api.CoreDumps;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.s3.S3Store;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Dumps, CRDs and requests for the controller's tests. */
final class Fixtures {
  static final Path CRDS =
      Path.of(System.getProperty("coroner.crds", "../charts/coroner/crds")).toAbsolutePath();

  private Fixtures() {}

  /**
   * The chart's CRDs, created in the mock API server: its CRUD mode then knows the resources are
   * namespaced and that CoreDumpDownload's status is a subresource.
   */
  static void installCrds(KubernetesClient client) throws IOException {
    KubernetesSerialization yaml = new KubernetesSerialization();
    for (String file :
        List.of("coredumps.coroner.dev.yaml", "coredumpdownloads.coroner.dev.yaml")) {
      CustomResourceDefinition crd =
          yaml.unmarshal(Files.readString(CRDS.resolve(file)), CustomResourceDefinition.class);
      client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
    }
  }

  /** A dump zip of a crash in pod {@code namespace/pod}, with a {@code coreBytes} random core. */
  static Path dump(Path dir, String namespace, String pod, int coreBytes) throws IOException {
    Files.createDirectories(dir);
    String uuid = UUID.randomUUID().toString();
    String name = uuid + "-node-1-" + pod + "-42-11";
    DumpInfo info =
        new DumpInfo(
            DumpInfo.SCHEMA_VERSION,
            uuid,
            name,
            System.currentTimeMillis() / 1000,
            pod,
            "node-1",
            new DumpInfo.ProcessInfo(
                "node",
                "/usr/bin/node",
                List.of("node", "index.js"),
                42,
                4242,
                42,
                4242,
                1000,
                1000,
                11,
                "ab".repeat(32),
                "unlimited",
                true),
            namespace == null
                ? null
                : new DumpInfo.PodInfo(
                    namespace,
                    pod,
                    "uid-" + pod,
                    "web",
                    "registry.example/web:1",
                    null,
                    0,
                    "node-1",
                    Map.of("app", "web"),
                    Map.of()),
            new DumpInfo.CoreInfo(
                name + ".core", Compression.NONE, coreBytes, coreBytes, "00".repeat(32), null),
            DumpInfo.Integrity.complete(),
            List.of(name + ".core"),
            new DumpInfo.ComposerInfo("test", 1, List.of()));
    byte[] core = new byte[coreBytes];
    new Random(coreBytes).nextBytes(core);
    return AtomicFiles.write(
        dir.resolve(name + ".zip"),
        AtomicFiles.PRIVATE_FILE,
        file -> {
          try (ZipOutputStream zip = new ZipOutputStream(file)) {
            zip.setLevel(0);
            zip.putNextEntry(new ZipEntry(name + ".core"));
            zip.write(core);
            zip.closeEntry();
            zip.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
            zip.write(info.toJson().getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
          }
        });
  }

  /** Uploads {@code zip} and creates its CoreDump, as the agent does; the CoreDump. */
  static CoreDump upload(S3Store store, KubernetesClient client, Path zip, String hostNamespace)
      throws Exception {
    DumpInfo info;
    try (var archive = dev.coroner.store.archive.DumpArchive.open(zip)) {
      info = archive.info();
    }
    VerifiedUploads.Uploaded up = store.verifiedUploads().orElseThrow().upload(zip, info);
    CoreDump d =
        CoreDumps.of(
            info,
            new CoreDumps.Origin(store.url(), (DumpLocation.StoredObject) up.location(), up.size()),
            CoreDumps.namespace(info, hostNamespace),
            null);
    return client.resource(d).create();
  }

  /** A request for {@code coreDump} by {@code requester}, with an age recipient or none. */
  static CoreDumpDownload request(
      String namespace, String name, String coreDump, String requester, String publicKey) {
    CoreDumpDownload d = new CoreDumpDownload();
    d.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).build());
    d.setSpec(new CoreDumpDownloadSpec(coreDump, requester, publicKey));
    return d;
  }
}
