package dev.coroner.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.dump.Compression;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.VerifiedUploads;
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
        new S3Options(
            s3.getUri(),
            null,
            true,
            S3Options.DEFAULT_KEY,
            "none",
            null,
            5 << 20,
            3,
            "default",
            S3Options.DEFAULT_CONNECT_TIMEOUT,
            S3Options.DEFAULT_READ_TIMEOUT);
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      DumpInfo small = DumpInfoTest.sample();
      Path smallZip = dumpZip(small, 1 << 20);
      DumpInfo big = withName(small, "b1900000-0000-0000-0000-000000000000");
      Path bigZip = dumpZip(big, 13 << 20);

      VerifiedUploads.Uploaded one = store.verifiedUploads().orElseThrow().upload(smallZip, small);
      VerifiedUploads.Uploaded two = store.verifiedUploads().orElseThrow().upload(bigZip, big);
      assertThat(one.location().display())
          .isEqualTo("s3://crashes/prod/default/" + small.name() + ".zip");
      assertThat(one.checksum()).doesNotContain("-");
      assertThat(two.checksum()).endsWith("-3");
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
  void aListingReadsTheIndexesAndHeadsOnlyDumpsNoIndexKnows() throws Exception {
    DumpInfo a = DumpInfoTest.sample();
    DumpInfo b = withName(a, "bbbbbbbb-0000-0000-0000-000000000000");
    DumpInfo c = withName(a, "cccccccc-0000-0000-0000-000000000000");
    var options = S3Options.defaults(s3.getUri(), null, true).withIndexId("node-1");
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      var uploads = store.verifiedUploads().orElseThrow();
      uploads.upload(dumpZip(a, 1 << 10), a);
      uploads.upload(dumpZip(b, 1 << 10), b);
      uploads.flushIndex();
      uploads.upload(dumpZip(c, 1 << 10), c); // not flushed: only a HEAD finds it
    }
    try (HeaderTap tap = new HeaderTap(s3.getUri());
        S3Store store =
            S3Store.open(
                URI.create("s3://crashes/prod"), S3Options.defaults(tap.uri(), null, true))) {
      List<StoredDump> dumps = store.list();
      assertThat(dumps)
          .extracting(StoredDump::name)
          .containsExactlyInAnyOrder(a.name(), b.name(), c.name());
      assertThat(dumps).allSatisfy(d -> assertThat(d.problem()).as(d.name()).isNull());
      assertThat(dumps).allSatisfy(d -> assertThat(d.info().process().exe()).isEqualTo("node"));
      assertThat(tap.requestLines())
          .as("one LIST page (which also holds the index keys), one GET per index, a HEAD for c")
          .hasSize(3)
          .filteredOn(l -> l.startsWith("HEAD "))
          .singleElement()
          .asString()
          .contains(c.name());
    }
  }

  @Test
  void theIndexForgetsDumpsThatAreGoneAtTheNextRun() throws Exception {
    DumpInfo a = DumpInfoTest.sample();
    DumpInfo b = withName(a, "bbbbbbbb-0000-0000-0000-000000000000");
    var options = S3Options.defaults(s3.getUri(), null, true).withIndexId("node-1");
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      var uploads = store.verifiedUploads().orElseThrow();
      uploads.upload(dumpZip(a, 1 << 10), a);
      uploads.flushIndex();
      store.delete(store.list().get(0));
    }
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      var uploads = store.verifiedUploads().orElseThrow();
      uploads.upload(dumpZip(b, 1 << 10), b);
      uploads.flushIndex();
      assertThat(store.list()).extracting(StoredDump::name).containsExactly(b.name());
    }
    String index;
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options);
        var in =
            store.open(
                new StoredDump(
                    "index",
                    0,
                    java.time.Instant.EPOCH,
                    new dev.coroner.store.DumpLocation.StoredObject(
                        "s3", "crashes", "prod/~coroner/index/node-1.json"),
                    null,
                    null))) {
      index = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    assertThat(index).contains(b.uuid()).doesNotContain(a.uuid());
  }

  @Test
  void aNameThatIsNotCoronersOrIsTakenNeverLandsAtAnOddKeyOrOverwrites() throws Exception {
    var options = S3Options.defaults(s3.getUri(), null, true);
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      var uploads = store.verifiedUploads().orElseThrow();
      DumpInfo first = DumpInfoTest.sample();
      uploads.upload(dumpZip(first, 1 << 10), first);
      DumpInfo sameName =
          new DumpInfo(
              first.schemaVersion(),
              "dddddddd-0000-0000-0000-000000000000",
              first.name(),
              first.timestamp(),
              first.hostname(),
              first.nodeHostname(),
              first.process(),
              first.pod(),
              first.core(),
              first.integrity(),
              first.files(),
              first.composer());
      var second = uploads.upload(dumpZip(sameName, 1 << 10), sameName);
      assertThat(second.location().display())
          .as("the second dump of a name keeps the first")
          .endsWith(first.name() + "-dddddddd.zip");
      DumpInfo crafted = withName(first, "eeeeeeee-0000-0000-0000-000000000000");
      crafted =
          new DumpInfo(
              crafted.schemaVersion(),
              crafted.uuid(),
              "../../other/x",
              crafted.timestamp(),
              crafted.hostname(),
              crafted.nodeHostname(),
              crafted.process(),
              crafted.pod(),
              crafted.core(),
              crafted.integrity(),
              crafted.files(),
              crafted.composer());
      var third = uploads.upload(dumpZip(crafted, 1 << 10), crafted);
      assertThat(third.location().display())
          .as("a name that is not coroner's is replaced by the uuid")
          .isEqualTo("s3://crashes/prod/default/eeeeeeee-0000-0000-0000-000000000000.zip");
      assertThat(store.list()).hasSize(3);
    }
  }

  @Test
  void serverSideEncryptionIsRequestedForEveryObject() throws Exception {
    DumpInfo small = DumpInfoTest.sample();
    Path smallZip = dumpZip(small, 1 << 20);
    DumpInfo big = withName(small, "b1900000-0000-0000-0000-000000000000");
    Path bigZip = dumpZip(big, 11 << 20);
    // s3proxy's filesystem store keeps objects in the clear, so the request is what can be
    // checked: every object (zip, multipart zip, sidecar) must ask for encryption.
    try (HeaderTap tap = new HeaderTap(s3.getUri());
        S3Store store =
            S3Store.open(
                URI.create("s3://crashes/sse"),
                new S3Options(
                    tap.uri(),
                    null,
                    true,
                    S3Options.DEFAULT_KEY,
                    "aes256",
                    null,
                    5 << 20,
                    2,
                    "default",
                    S3Options.DEFAULT_CONNECT_TIMEOUT,
                    S3Options.DEFAULT_READ_TIMEOUT))) {
      store.verifiedUploads().orElseThrow().upload(smallZip, small);
      store.verifiedUploads().orElseThrow().upload(bigZip, big);
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
                    2,
                    "default",
                    S3Options.DEFAULT_CONNECT_TIMEOUT,
                    S3Options.DEFAULT_READ_TIMEOUT))) {
      store.verifiedUploads().orElseThrow().upload(bigZip, big);
      assertThat(tap.headerLines())
          .filteredOn(l -> l.startsWith("x-amz-server-side-encryption"))
          .contains(
              "x-amz-server-side-encryption: aws:kms",
              "x-amz-server-side-encryption-aws-kms-key-id: alias/coroner")
          .doesNotContain("x-amz-server-side-encryption: aes256");
    }
  }

  @Test
  void failuresAreTypedAndSayWhatHappenedWithoutFrontEndAdvice() throws Exception {
    var options = S3Options.defaults(s3.getUri(), null, true);
    try (S3Store missing = S3Store.open(URI.create("s3://no-such-bucket/x"), options)) {
      assertThatThrownBy(missing::list)
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.failure()).isEqualTo(StoreFailure.NO_STORE))
          .hasMessageContaining("does not exist");
    }
    System.setProperty("aws.secretAccessKey", "wrong");
    try (S3Store denied = S3Store.open(URI.create("s3://crashes"), options)) {
      assertThatThrownBy(denied::list)
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.failure()).isEqualTo(StoreFailure.AUTH))
          .hasMessageContaining("access denied")
          .hasMessageNotContaining("wrong");
      Path zip = dumpZip(DumpInfoTest.sample(), 1 << 10);
      assertThatThrownBy(
              () -> denied.verifiedUploads().orElseThrow().upload(zip, DumpInfoTest.sample()))
          .as("a refused single PUT is told apart from the network")
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.failure()).isEqualTo(StoreFailure.AUTH));
    } finally {
      System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    }
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var nowhere = S3Options.defaults(URI.create("http://127.0.0.1:" + closedPort), null, true);
    try (S3Store unreachable = S3Store.open(URI.create("s3://crashes"), nowhere)) {
      assertThatThrownBy(unreachable::list)
          .isInstanceOfSatisfying(
              StoreException.class,
              e -> assertThat(e.failure()).isEqualTo(StoreFailure.UNREACHABLE))
          .hasMessageContaining("cannot reach S3 at http://127.0.0.1:" + closedPort)
          .as("no front-end's advice in the store's words")
          .hasMessageNotContaining("--s3-endpoint")
          .hasMessageNotContaining("AWS_ENDPOINT_URL_S3");
    }
  }

  @Test
  void aSilentEndpointFailsWithinItsDeadline() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      var options =
          S3Options.defaults(URI.create("http://127.0.0.1:" + silent.getLocalPort()), null, true)
              .withTimeouts(java.time.Duration.ofSeconds(1), java.time.Duration.ofSeconds(1));
      long start = System.nanoTime();
      try (S3Store store = S3Store.open(URI.create("s3://crashes"), options)) {
        assertThatThrownBy(store::list)
            .isInstanceOfSatisfying(
                StoreException.class,
                e -> assertThat(e.failure()).isEqualTo(StoreFailure.UNREACHABLE));
      }
      assertThat(java.time.Duration.ofNanos(System.nanoTime() - start))
          .as("two attempts of a 1 s read deadline, not the SDK's minutes")
          .isLessThan(java.time.Duration.ofSeconds(20));
    }
  }

  private Path dumpZip(DumpInfo info, int coreBytes) throws Exception {
    Path zip = tmp.resolve(info.uuid() + ".zip");
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
