package dev.coroner.cli.dumps;

import static org.assertj.core.api.Assertions.assertThat;

import dev.coroner.capture.seal.Sealing;
import dev.coroner.cli.Main;
import dev.coroner.cli.RealComposer;
import dev.coroner.dump.DumpInfo;
import dev.coroner.dump.ScrubMode;
import dev.coroner.dump.elf.TrainingCore;
import dev.coroner.store.archive.DumpArchive;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A capture killed while it scrubbed on one host leaves its dump in {@code .scrub/}: the next CLI
 * command on that directory finishes the scrub, so the dump is listed and holds no secret. The
 * staged dumps are written by the real composer (scrub off, then moved where a capture stages); no
 * kernel setting is touched.
 */
class UnfinishedScrubsIT {
  private static final String KEY = "AKIAIOSFODNN7EXAMPLE";

  @TempDir Path dir;

  @Test
  void aStagedDumpWhoseCaptureDiedIsScrubbedAndListedAndLiveOnesAreLeftAlone() throws Exception {
    Path dumps = dir.resolve("dumps");
    Path staging = Files.createDirectories(dumps.resolve(".scrub"));
    Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwx------"));
    Path orphan = stage(compose("orphan"), staging, Instant.now().minusSeconds(600));
    Path young = stage(compose("young"), staging, Instant.now());
    Path locked = stage(compose("locked"), staging, Instant.now().minusSeconds(600));

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    // A live capture's scrub holds this lock (Sealing.complete).
    try (FileChannel held =
        FileChannel.open(
            Sealing.lockOf(locked), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      var unusedLock = held.lock();
      code =
          Main.run(
              new String[] {"list", "--store", dumps.toString(), "-o", "name"},
              new PrintWriter(out, true),
              new PrintWriter(err, true));
    }

    String name = orphan.getFileName().toString().replace(".zip", "");
    assertThat(code).as(err.toString()).isZero();
    assertThat(err.toString())
        .contains("scrubbing " + orphan.getFileName() + " (default), whose capture stopped")
        .contains("it is listed now")
        .doesNotContain(young.getFileName().toString())
        .doesNotContain(locked.getFileName().toString());
    assertThat(out.toString().lines()).containsExactly(name);
    assertThat(orphan).doesNotExist();
    assertThat(young).as("maybe between its rename and its scrub's lock").exists();
    assertThat(locked).as("a capture is scrubbing it").exists();

    Path published = dumps.resolve(orphan.getFileName());
    try (DumpArchive a = DumpArchive.open(published)) {
      DumpInfo.ScrubInfo s = a.info().scrub();
      assertThat(s).isNotNull();
      assertThat(s.mode()).isEqualTo("default");
      assertThat(s.complete()).isTrue();
      ByteArrayOutputStream core = new ByteArrayOutputStream();
      a.writeCore(core);
      assertThat(core.size()).isEqualTo(a.info().core().size());
      assertThat(core.toString(StandardCharsets.ISO_8859_1)).doesNotContain(KEY);
    }
    assertThat(Files.getPosixFilePermissions(published))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    // The lock is gone, as when a capture dies: the next command finishes that one too.
    assertThat(run(dumps)).contains("scrubbing " + locked.getFileName());
    assertThat(locked).doesNotExist();
    assertThat(dumps.resolve(locked.getFileName())).exists();
    // Nothing left but the young one: the next command says nothing about scrubs.
    assertThat(run(dumps)).doesNotContain("scrubbing").doesNotContain("warning");

    // Published, then killed before the staged copy went: the copy goes, nothing is scrubbed twice.
    Path twice = stage(compose("twice"), staging, Instant.now().minusSeconds(600));
    Files.copy(dumps.resolve(orphan.getFileName()), dumps.resolve(twice.getFileName()));
    byte[] bytes = Files.readAllBytes(dumps.resolve(twice.getFileName()));
    assertThat(run(dumps)).doesNotContain("scrubbing");
    assertThat(twice).doesNotExist();
    assertThat(Files.readAllBytes(dumps.resolve(twice.getFileName()))).isEqualTo(bytes);
    try (var left = Files.list(staging)) {
      assertThat(left.map(p -> p.getFileName().toString()))
          .as("no lock file left behind")
          .containsExactly(young.getFileName().toString());
    }

    // A staging directory that others may write is not a capture's: nothing in it is taken.
    Path loose = stage(compose("loose"), staging, Instant.now().minusSeconds(600));
    Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThat(run(dumps)).doesNotContain("scrubbing");
    assertThat(loose).exists();
  }

  @Test
  void aStagedDumpScrubbedWhileItStreamedIsPublishedAsItIs() throws Exception {
    Path dumps = dir.resolve("dumps");
    Path staging = Files.createDirectories(dumps.resolve(".scrub"));
    Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwx------"));
    // What a capture leaves when it is killed between the seal and the move (Sealing): the
    // scrubbed zip, its dump-info saying so, in the staging directory.
    Path sealed = stage(compose("sealed", "default"), staging, Instant.now().minusSeconds(600));
    byte[] bytes = Files.readAllBytes(sealed);
    // One whose dump-info names another mode than its directory's is scrubbed in the directory's.
    Path dropHeap = Files.createDirectories(Sealing.staging(dumps, ScrubMode.DROP_HEAP));
    Files.setPosixFilePermissions(dropHeap, PosixFilePermissions.fromString("rwx------"));
    Path other = stage(compose("other", "default"), dropHeap, Instant.now().minusSeconds(600));

    String said = run(dumps);

    assertThat(said)
        .contains(
            "published " + sealed.getFileName() + ", scrubbed (default) while it was captured")
        .doesNotContain("scrubbing " + sealed.getFileName())
        .contains("scrubbing " + other.getFileName() + " (drop-heap)");
    assertThat(sealed).doesNotExist();
    Path published = dumps.resolve(sealed.getFileName());
    assertThat(Files.readAllBytes(published)).as("not scrubbed twice").isEqualTo(bytes);
    assertThat(Files.getPosixFilePermissions(published))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    try (DumpArchive a = DumpArchive.open(dumps.resolve(other.getFileName()))) {
      assertThat(a.info().scrub()).isNotNull();
      assertThat(a.info().scrub().mode()).isEqualTo("drop-heap");
    }
    for (Path d : new Path[] {staging, dropHeap}) {
      try (var left = Files.list(d)) {
        assertThat(left).as("no zip or lock left behind in " + d).isEmpty();
      }
    }
  }

  private static String run(Path dumps) {
    StringWriter err = new StringWriter();
    Main.run(
        new String[] {"list", "--store", dumps.toString()},
        new PrintWriter(new StringWriter(), true),
        new PrintWriter(err, true));
    return err.toString();
  }

  private static Path stage(Path zip, Path staging, Instant mtime) throws Exception {
    Path staged = Files.move(zip, staging.resolve(zip.getFileName()));
    Files.setLastModifiedTime(staged, FileTime.from(mtime));
    return staged;
  }

  /** A real composer's dump of a core with an AWS key id in it, scrub off; the zip's path. */
  private Path compose(String tag) throws Exception {
    return compose(tag, "off");
  }

  /** The same, scrubbed by the composer in {@code scrub} mode when not {@code off}. */
  private Path compose(String tag, String scrub) throws Exception {
    Path out = Files.createDirectories(dir.resolve("composed-" + tag));
    Path config = out.resolve("composer.properties");
    Files.writeString(config, "dump.dir=" + out.resolve("d") + "\nscrub=" + scrub + "\n");
    byte[] core = TrainingCore.of(1 << 20);
    byte[] key = (" " + KEY + " ").getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(key, 0, core, 300_000, key.length);
    Path log = out.resolve("composer.log");
    int code = RealComposer.run(config, log, core, tag, "host-" + tag, 0, 11);
    assertThat(code).as(Files.readString(log)).isZero();
    return RealComposer.zipIn(out.resolve("d"), tag);
  }
}
