package dev.coroner.store.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.archive.DumpInfoTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Presigned download URLs against a real S3 server on loopback (s3proxy, in-process), fetched by
 * the real {@code curl} as the debug pod's init container fetches them: no SDK, no credentials.
 */
class S3PresignIT extends LocalS3Test {
  @TempDir Path tmp;

  @Test
  void plainCurlDownloadsExactlyTheObjectUntilTheUrlExpires() throws Exception {
    try (S3Store store = open()) {
      DumpInfo info = DumpInfoTest.sample();
      Path zip = dumpZip(info);
      store.verifiedUploads().orElseThrow().upload(zip, info);
      StoredDump dump = store.list().get(0);

      URI url = store.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(10));
      assertThat(url.getScheme()).isEqualTo("http");
      assertThat(url.getPath()).as("path-style, under the prefix").startsWith("/crashes/prod/");
      assertThat(url.getQuery())
          .contains("X-Amz-Expires=600", "X-Amz-Signature=", "X-Amz-Credential=test-access/")
          .as("a signature, never the secret")
          .doesNotContain("test-secret");

      Path fetched = tmp.resolve("fetched.zip");
      Curl ok = Curl.run(tmp, "-fsS", "-o", fetched.toString(), url.toString());
      assertThat(ok.exit()).as(ok.err()).isZero();
      assertThat(fetched).hasSameBinaryContentAs(zip);
    }
  }

  @Test
  void anExpiredUrlIsRefused() throws Exception {
    try (S3Store store = open()) {
      DumpInfo info = DumpInfoTest.sample();
      store.verifiedUploads().orElseThrow().upload(dumpZip(info), info);
      StoredDump dump = store.list().get(0);
      URI url = store.presignedDownloads().orElseThrow().presign(dump, Duration.ofSeconds(1));
      assertThat(url.getQuery()).contains("X-Amz-Expires=1&");

      // s3proxy 2.6.0 compares X-Amz-Date + X-Amz-Expires with its clock (S3ProxyHandler) and
      // answers 403 AccessDenied "Request has expired"; curl -f turns that into exit 22.
      await()
          .atMost(Duration.ofSeconds(20))
          .pollInterval(Duration.ofMillis(250))
          .until(() -> Curl.run(tmp, "-fsS", "-o", "/dev/null", url.toString()).exit() == 22);
      Curl body = Curl.run(tmp, "-sS", "-w", "\\n%{http_code}", url.toString());
      assertThat(body.out()).endsWith("\n403").contains("AccessDenied").contains("expired");
    }
  }

  @Test
  void urlsLiveAtMostAnHourAndAtLeastASecond() throws Exception {
    try (S3Store store = open()) {
      DumpInfo info = DumpInfoTest.sample();
      store.verifiedUploads().orElseThrow().upload(dumpZip(info), info);
      StoredDump dump = store.list().get(0);
      assertThat(
              store
                  .presignedDownloads()
                  .orElseThrow()
                  .presign(dump, PresignedDownloads.MAX_TTL)
                  .getQuery())
          .contains("X-Amz-Expires=3600");
      assertThatThrownBy(
              () -> store.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(61)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("60m");
      assertThatThrownBy(
              () -> store.presignedDownloads().orElseThrow().presign(dump, Duration.ZERO))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aUrlSignedWithWrongCredentialsIsRefused() throws Exception {
    try (S3Store store = open()) {
      DumpInfo info = DumpInfoTest.sample();
      store.verifiedUploads().orElseThrow().upload(dumpZip(info), info);
      StoredDump dump = store.list().get(0);
      System.setProperty("aws.secretAccessKey", "not-the-secret");
      try (S3Store forged = open()) {
        URI url = forged.presignedDownloads().orElseThrow().presign(dump, Duration.ofMinutes(5));
        Curl refused = Curl.run(tmp, "-sS", "-w", "\\n%{http_code}", url.toString());
        assertThat(refused.out()).endsWith("\n403");
      }
    }
  }

  private S3Store open() throws StoreException {
    return S3Store.open(
        URI.create("s3://crashes/prod"), S3Options.defaults(s3.getUri(), null, true));
  }

  private Path dumpZip(DumpInfo info) throws IOException {
    Path zip = tmp.resolve(info.name() + ".zip");
    byte[] core = new byte[300_000];
    new Random(7).nextBytes(core);
    try (OutputStream file = Files.newOutputStream(zip);
        ZipOutputStream out = new ZipOutputStream(file)) {
      out.putNextEntry(new ZipEntry(info.core().entry()));
      out.write(core);
      out.closeEntry();
      out.putNextEntry(new ZipEntry(DumpInfo.ENTRY));
      out.write(info.toJson().getBytes(StandardCharsets.UTF_8));
      out.closeEntry();
    }
    return zip;
  }

  /** One run of the real curl binary. */
  record Curl(int exit, String out, String err) {
    static Curl run(Path dir, String... args) throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>(List.of("curl", "--max-time", "10"));
      cmd.addAll(List.of(args));
      Path out = Files.createTempFile(dir, "curl", ".out");
      Path err = Files.createTempFile(dir, "curl", ".err");
      int exit =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .start()
              .waitFor();
      return new Curl(exit, Files.readString(out), Files.readString(err));
    }
  }
}
