package dev.coroner.store.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.Stores;
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
    assertThat(dumps.get(0).problem()).contains("not a readable zip");
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
        .isInstanceOf(StoreException.class)
        .hasMessageContaining("coroner install");
  }

  @Test
  void storeUrls() {
    assertThat(Stores.open("/var/x")).isInstanceOf(LocalStore.class);
    assertThat(((LocalStore) Stores.open("file:///var/x")).dir()).isEqualTo(Path.of("/var/x"));
    assertThatThrownBy(() -> Stores.open("s3:///p")).hasMessageContaining("no bucket");
    assertThatThrownBy(() -> Stores.open("ftp://x")).hasMessageContaining("unknown store");
  }
}
