package dev.coroner.store.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.store.DumpProblem;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.open.Stores;
import dev.coroner.store.s3.S3Options;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalStoreTest {
  @TempDir Path dir;

  @Test
  void partialFilesAreNeverListedAndUnreadableZipsAreMarked() throws Exception {
    Files.writeString(dir.resolve("a.zip.partial"), "in progress");
    Files.writeString(dir.resolve("b.zip"), "not a zip");
    Files.writeString(dir.resolve("notes.txt"), "x");
    List<StoredDump> dumps = new LocalStore(dir).list();
    assertThat(dumps).hasSize(1);
    assertThat(dumps.get(0).name()).isEqualTo("b");
    assertThat(dumps.get(0).readable()).isFalse();
    assertThat(dumps.get(0).problem().kind()).isEqualTo(DumpProblem.Kind.DAMAGED);
    assertThat(dumps.get(0).problem().detail()).contains("not a readable zip");
  }

  @Test
  void fetchCopiesWithProgressAndDeleteRemoves() throws Exception {
    Path zip = Files.write(dir.resolve("c.zip"), new byte[3 << 20]);
    LocalStore store = new LocalStore(dir);
    StoredDump dump = store.list().get(0);
    Path target = Files.createDirectory(dir.resolve("out")).resolve("c.zip");
    List<Long> progress = new ArrayList<>();
    store.fetch(dump, target, (done, total) -> progress.add(done));
    assertThat(target).hasSameBinaryContentAs(zip);
    assertThat(progress).last().isEqualTo(3L << 20);
    assertThat(Files.getPosixFilePermissions(target)).hasSize(2);
    store.delete(dump);
    assertThat(zip).doesNotExist();
  }

  @Test
  void missingDirectoryIsAStoreError() {
    assertThatThrownBy(() -> new LocalStore(dir.resolve("nope")).list())
        .isInstanceOfSatisfying(
            StoreException.class, e -> assertThat(e.failure()).isEqualTo(StoreFailure.NO_STORE))
        .hasMessageContaining("no dump directory");
  }

  @Test
  void storeUrls() throws Exception {
    S3Options s3 = S3Options.defaults(null, "eu-west-1", false);
    assertThat(Stores.open("/var/x", s3)).isInstanceOf(LocalStore.class);
    assertThat(((LocalStore) Stores.open("file:///var/x", s3)).dir()).isEqualTo(Path.of("/var/x"));
    assertThat(((LocalStore) Stores.open("empty", s3)).dir())
        .as("a relative directory, as ./empty is")
        .isEqualTo(Path.of("empty").toAbsolutePath());
    for (String bad : new String[] {"s3:///p", "ftp://x", "s3://b/ x", ""}) {
      assertThatThrownBy(() -> Stores.open(bad, s3))
          .as(bad)
          .isInstanceOfSatisfying(
              StoreException.class, e -> assertThat(e.failure()).isEqualTo(StoreFailure.CONFIG));
    }
  }
}
