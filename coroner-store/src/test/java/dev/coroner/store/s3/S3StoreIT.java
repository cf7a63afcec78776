package dev.coroner.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.archive.DumpInfoTest;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The S3 store against a real S3 server on loopback: s3proxy, in-process, filesystem-backed. */
class S3StoreIT extends LocalS3Test {
  @TempDir Path tmp;

  @Test
  void uploadVerifyListInfoFetchAndDelete() throws Exception {
    S3Options options =
        new S3Options(s3.getUri(), null, true, S3Options.DEFAULT_KEY, "none", null, 5 << 20, 3);
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      DumpInfo small = DumpInfoTest.sample();
      Path smallZip = dumpZip(small, 1 << 20);
      DumpInfo big = withName(small, "b1g00000-0000-0000-0000-000000000000");
      Path bigZip = dumpZip(big, 13 << 20);

      S3Store.Uploaded one = store.upload(smallZip, small);
      S3Store.Uploaded two = store.upload(bigZip, big);
      assertThat(one.location()).isEqualTo("s3://crashes/prod/default/" + small.name() + ".zip");
      assertThat(one.etag()).doesNotContain("-");
      assertThat(two.etag()).endsWith("-3");
      assertThat(two.size()).isEqualTo(Files.size(bigZip));

      List<StoredDump> dumps = store.list();
      assertThat(dumps)
          .extracting(StoredDump::name)
          .containsExactlyInAnyOrder(small.name(), big.name());
      StoredDump listed =
          dumps.stream().filter(d -> d.name().equals(small.name())).findFirst().orElseThrow();
      assertThat(listed.info().process().signalName()).isEqualTo("SIGTRAP");
      assertThat(listed.info().process().exe()).isEqualTo("node");
      assertThat(listed.info().pod().namespace()).isEqualTo("default");
      assertThat(listed.info().core().sha256()).isEqualTo(small.core().sha256());
      assertThat(listed.info().process().cmdline()).as("metadata carries no cmdline").isEmpty();
      assertThat(store.info(listed)).isEqualTo(small);

      StoredDump bigListed =
          dumps.stream().filter(d -> d.name().equals(big.name())).findFirst().orElseThrow();
      Path fetched = tmp.resolve("fetched.zip");
      List<Long> progress = new ArrayList<>();
      store.fetch(bigListed, fetched, (done, total) -> progress.add(done));
      assertThat(fetched).hasSameBinaryContentAs(bigZip);
      assertThat(progress).last().isEqualTo(Files.size(bigZip));
      try (DumpArchive a = DumpArchive.open(fetched)) {
        assertThat(a.info().uuid()).isEqualTo(big.uuid());
      }

      store.delete(listed);
      assertThat(store.list()).extracting(StoredDump::name).containsExactly(big.name());
    }
  }

  @Test
  void serverSideEncryptionIsRequestedForEveryObject() throws Exception {
    DumpInfo small = DumpInfoTest.sample();
    Path smallZip = dumpZip(small, 1 << 20);
    DumpInfo big = withName(small, "b1g00000-0000-0000-0000-000000000000");
    Path bigZip = dumpZip(big, 11 << 20);
    // s3proxy's filesystem store keeps objects in the clear, so the request is what can be
    // checked: every object (zip, multipart zip, sidecar) must ask for encryption.
    try (HeaderTap tap = new HeaderTap(s3.getUri());
        S3Store store =
            S3Store.open(
                URI.create("s3://crashes/sse"),
                new S3Options(
                    tap.uri(), null, true, S3Options.DEFAULT_KEY, "aes256", null, 5 << 20, 2))) {
      store.upload(smallZip, small);
      store.upload(bigZip, big);
      assertThat(tap.headerLines())
          .filteredOn(l -> l.startsWith("x-amz-server-side-encryption:"))
          .containsOnly("x-amz-server-side-encryption: aes256")
          .hasSize(4); // put zip, create multipart, put sidecar twice
      assertThat(store.list()).hasSize(2);
    }
    try (HeaderTap tap = new HeaderTap(s3.getUri());
        S3Store store =
            S3Store.open(
                URI.create("s3://crashes/kms"),
                new S3Options(
                    tap.uri(),
                    null,
                    true,
                    S3Options.DEFAULT_KEY,
                    "kms",
                    "alias/coroner",
                    5 << 20,
                    2))) {
      store.upload(bigZip, big);
      assertThat(tap.headerLines())
          .filteredOn(l -> l.startsWith("x-amz-server-side-encryption"))
          .contains(
              "x-amz-server-side-encryption: aws:kms",
              "x-amz-server-side-encryption-aws-kms-key-id: alias/coroner")
          .doesNotContain("x-amz-server-side-encryption: aes256");
    }
  }

  @Test
  void failuresSayWhatToCheck() throws Exception {
    var options = S3Options.defaults(s3.getUri(), null, true);
    try (S3Store missing = S3Store.open(URI.create("s3://no-such-bucket/x"), options)) {
      assertThatThrownBy(missing::list)
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("does not exist");
    }
    System.setProperty("aws.secretAccessKey", "wrong");
    try (S3Store denied = S3Store.open(URI.create("s3://crashes"), options)) {
      assertThatThrownBy(denied::list)
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("access denied")
          .hasMessageNotContaining("wrong");
    }
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var nowhere = S3Options.defaults(URI.create("http://127.0.0.1:" + closedPort), null, true);
    try (S3Store unreachable = S3Store.open(URI.create("s3://crashes"), nowhere)) {
      assertThatThrownBy(unreachable::list)
          .isInstanceOf(StoreException.class)
          .hasMessageContaining("cannot reach S3")
          .hasMessageContaining("AWS_ENDPOINT_URL_S3");
    }
  }

  private Path dumpZip(DumpInfo info, int coreBytes) throws Exception {
    Path zip = tmp.resolve(info.name() + ".zip");
    byte[] core = new byte[coreBytes];
    new Random(1).nextBytes(core);
    try (OutputStream file = Files.newOutputStream(zip);
        ZipOutputStream out = new ZipOutputStream(file)) {
      out.setLevel(0);
      out.putNextEntry(new ZipEntry(info.core().entry()));
      out.write(core);
      out.closeEntry();
      out.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
      out.write(info.toJson().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return zip;
  }

  private static DumpInfo withName(DumpInfo s, String uuid) {
    String name = uuid + "-dump-1634419098-node-crasher-node-8-5";
    return new DumpInfo(
        s.schemaVersion(),
        uuid,
        name,
        s.timestamp() + 60,
        s.hostname(),
        s.nodeHostname(),
        s.process(),
        s.pod(),
        new DumpInfo.CoreInfo(
            name + ".core.zst", Compression.ZSTD, 13 << 20, 13 << 20, "ef".repeat(32), null),
        s.integrity(),
        s.files(),
        s.composer());
  }
}
