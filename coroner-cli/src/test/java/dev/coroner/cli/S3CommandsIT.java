package dev.coroner.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.coroner.dump.elf.TrainingCore;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.s3.S3Options;
import dev.coroner.store.s3.S3Store;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code coroner list/info/get/rm} against a real S3 server on loopback (s3proxy, in-process), with
 * a dump the real composer wrote.
 */
class S3CommandsIT {
  @RegisterExtension
  final S3ProxyExtension s3 =
      S3ProxyExtension.builder()
          .withCredentials("cli-access", "cli-secret")
          .ignoreUnknownHeaders()
          .build();

  @TempDir Path tmp;
  private String name;
  private String sha256;

  @BeforeEach
  void uploadADump() throws Exception {
    System.setProperty("aws.accessKeyId", s3.getAccessKey());
    System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    Path dumps = tmp.resolve("dumps");
    Path config = tmp.resolve("composer.properties");
    Files.writeString(config, "dump.dir=" + dumps + "\n");
    assertThat(
            RealComposer.run(
                config, tmp.resolve("log"), TrainingCore.of(3 << 20), "java", "s3-host", 0, 11))
        .isZero();
    Path zip;
    try (var files = Files.list(dumps)) {
      zip = files.findFirst().orElseThrow();
    }
    var options = S3Options.defaults(s3.getUri(), null, true);
    try (var admin =
            software.amazon.awssdk.services.s3.S3Client.builder()
                .endpointOverride(s3.getUri())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .forcePathStyle(true)
                .build();
        S3Store store = S3Store.open(URI.create("s3://crashes"), options);
        DumpArchive dump = DumpArchive.open(zip)) {
      admin.createBucket(b -> b.bucket("crashes"));
      store.verifiedUploads().orElseThrow().upload(zip, dump.info());
      name = dump.info().name();
      sha256 = dump.info().core().sha256();
    }
  }

  @AfterEach
  void clearCredentials() {
    System.clearProperty("aws.accessKeyId");
    System.clearProperty("aws.secretAccessKey");
  }

  @Test
  void listInfoGetAndRmWorkOnS3() throws Exception {
    CliRun list = cli("list", "-o", "json");
    assertThat(list.code()).as(list.err()).isZero();
    var rows = new ObjectMapper().readTree(list.out());
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).get("name").asText()).isEqualTo(name);
    assertThat(rows.get(0).get("signal_name").asText()).isEqualTo("SIGSEGV");
    assertThat(rows.get(0).get("location").asText())
        .isEqualTo("s3://crashes/host/" + name + ".zip");

    CliRun info = cli("info", name.substring(0, 8));
    assertThat(info.code()).as(info.err()).isZero();
    assertThat(info.out()).contains("Command line:").contains("java").contains(sha256);

    CliRun get = cli("get", "latest", "-d", tmp.resolve("got").toString(), "--extract");
    assertThat(get.code()).as(get.err()).isZero();
    assertThat(get.out()).contains("sha256 verified: " + sha256);
    assertThat(tmp.resolve("got").resolve(name).resolve(name + ".core")).hasSize(3 << 20);

    CliRun rm = cli("rm", "latest");
    assertThat(rm.code()).as(rm.err()).isZero();
    assertThat(cli("list", "-o", "json").out().strip()).isEqualTo("[ ]");
  }

  @Test
  void anUnreachableEndpointExits4() {
    CliRun r = CliRun.of("list", "--store", "s3://crashes", "--s3-endpoint", "http://127.0.0.1:1");
    assertThat(r.code()).isEqualTo(4);
    assertThat(r.err()).contains("cannot reach S3").doesNotContain("Exception:");
  }

  private CliRun cli(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--store", "s3://crashes", "--s3-endpoint", s3.getUri().toString()));
    return CliRun.of(all.toArray(String[]::new));
  }
}
