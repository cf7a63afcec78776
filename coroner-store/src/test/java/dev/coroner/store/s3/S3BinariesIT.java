package dev.coroner.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.archive.DumpInfoTest;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Binaries kept by build-id beside the dumps, and the analysis in the listing, against a real S3
 * server on loopback (s3proxy).
 */
class S3BinariesIT extends LocalS3Test {
  private static final String ID = "d64b6f3e86fd45e662257e0700e4c5f8aa45cc6f";

  @TempDir Path tmp;

  @Test
  void aBinaryIsStoredOnceFetchedAndPresigned() throws Exception {
    Path node = tmp.resolve("node");
    byte[] bytes = new byte[3 << 20];
    new Random(3).nextBytes(bytes);
    Files.write(node, bytes);
    try (S3Store store = open()) {
      KeptBinaries kept = store.keptBinaries().orElseThrow();
      assertThat(kept.contains(ID, "node")).isFalse();
      assertThat(kept.store(ID, "node", node)).isEqualTo(bytes.length);
      assertThat(kept.store(ID, "node", node)).as("the second crash adds nothing").isZero();
      assertThat(kept.contains(ID, "node")).isTrue();
      assertThat(kept.display(ID, "node"))
          .isEqualTo("s3://crashes/prod/~coroner/binaries/" + ID + "/node");

      Path back = tmp.resolve("back");
      kept.fetch(ID, "node", back);
      assertThat(back).hasBinaryContent(bytes);

      URI url = kept.presign(ID, "node", Duration.ofMinutes(1));
      HttpResponse<byte[]> got =
          HttpClient.newHttpClient()
              .send(HttpRequest.newBuilder(url).build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(got.statusCode()).isEqualTo(200);
      assertThat(got.body()).isEqualTo(bytes);

      StoreException missing =
          catchThrowableOfType(
              StoreException.class, () -> kept.fetch("00ff00ff00ff", "libc.so.6", back));
      assertThat(missing.failure()).isEqualTo(StoreFailure.NOT_FOUND);
      assertThat(back).as("a failed fetch leaves the target alone").hasBinaryContent(bytes);
    }
  }

  @Test
  void namesThatCouldPointElsewhereAreRefused() throws Exception {
    try (S3Store store = open()) {
      KeptBinaries kept = store.keptBinaries().orElseThrow();
      for (String[] bad :
          new String[][] {
            {"../../x", "node"}, {ID, ".."}, {ID, "a/b"}, {"ABCDEF12", "node"}, {ID, ".hidden"}
          }) {
        assertThatThrownBy(() -> kept.contains(bad[0], bad[1]))
            .as("%s %s", bad[0], bad[1])
            .isInstanceOf(IllegalArgumentException.class);
      }
      assertThat(kept.contains(ID, "libstdc++.so.6")).isFalse();
    }
  }

  @Test
  void theListingCarriesTheAnalysisAndNeverListsBinaries() throws Exception {
    DumpInfo info = DumpInfoTest.analyzed(DumpInfoTest.sample());
    Path zip = tmp.resolve("dump.zip");
    try (OutputStream file = Files.newOutputStream(zip);
        ZipOutputStream out = new ZipOutputStream(file)) {
      out.putNextEntry(new ZipEntry(info.core().entry()));
      out.write(new byte[1024]);
      out.closeEntry();
      out.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
      out.write(info.toJson().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    Path lib = Files.write(tmp.resolve("libc.so.6"), new byte[] {1, 2, 3});
    var options = S3Options.defaults(s3.getUri(), null, true).withIndexId("node-1");
    try (S3Store store = S3Store.open(URI.create("s3://crashes/prod"), options)) {
      store.verifiedUploads().orElseThrow().upload(zip, info);
      store.verifiedUploads().orElseThrow().flushIndex();
      store.keptBinaries().orElseThrow().store(ID, "libc.so.6", lib);
    }
    try (HeaderTap tap = new HeaderTap(s3.getUri());
        S3Store store =
            S3Store.open(
                URI.create("s3://crashes/prod"), S3Options.defaults(tap.uri(), null, true))) {
      var dumps = store.list();
      assertThat(dumps).extracting(StoredDump::name).containsExactly(info.name());
      var listed = dumps.get(0).info().analysis();
      assertThat(listed.topFrame()).isEqualTo("bar (index.js:11)");
      assertThat(listed.signature()).isEqualTo("a6624e6cbf7c7b6e");
      assertThat(listed.signature3()).isEqualTo("8a6e29108674d8c9");
      assertThat(listed.runtime()).isEqualTo("node");
      assertThat(tap.requestLines())
          .as("from the index: no HEAD")
          .noneMatch(l -> l.startsWith("HEAD "));
      assertThat(store.info(dumps.get(0))).isEqualTo(info);
    }
  }

  private S3Store open() throws StoreException {
    return S3Store.open(
        URI.create("s3://crashes/prod"), S3Options.defaults(s3.getUri(), null, true));
  }
}
