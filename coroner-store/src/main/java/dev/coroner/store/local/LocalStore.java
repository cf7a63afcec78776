package dev.coroner.store.local;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.DumpProblem;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.Transfers;
import dev.coroner.store.archive.DumpArchive;
import dev.coroner.store.archive.UnsupportedSchemaException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/** A dump directory on this host, as the composer writes it. */
public final class LocalStore implements Store {
  private final Path dir;

  public LocalStore(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** The dump directory. */
  public Path dir() {
    return dir;
  }

  @Override
  public String url() {
    return dir.toUri().toString();
  }

  @Override
  public List<StoredDump> list() throws StoreException {
    List<Path> zips;
    try (var files = Files.list(dir)) {
      // .zip.partial files are captures in progress (or abandoned); never list them as dumps.
      zips = files.filter(p -> p.getFileName().toString().endsWith(".zip")).toList();
    } catch (NoSuchFileException e) {
      throw new StoreException(StoreFailure.NO_STORE, "no dump directory at " + dir);
    } catch (AccessDeniedException e) {
      throw new StoreException(
          StoreFailure.PERMISSION,
          "cannot read " + dir + ": permission denied (dumps hold secrets; the directory is 0700)");
    } catch (IOException e) {
      throw new StoreException(StoreFailure.LOCAL_IO, "cannot list " + dir + ": " + e, e);
    }
    List<StoredDump> dumps = new ArrayList<>();
    for (Path zip : zips) {
      dumps.add(read(zip));
    }
    dumps.sort(Comparator.comparing(StoredDump::time).thenComparing(StoredDump::stored).reversed());
    return dumps;
  }

  private static StoredDump read(Path zip) {
    String file = zip.getFileName().toString();
    String name = file.substring(0, file.length() - ".zip".length());
    DumpLocation where = new DumpLocation.LocalFile(zip);
    long size;
    Instant stored;
    try {
      size = Files.size(zip);
      stored = Files.getLastModifiedTime(zip).toInstant();
    } catch (NoSuchFileException e) {
      return new StoredDump(
          name, 0, Instant.EPOCH, where, null, new DumpProblem(DumpProblem.Kind.GONE, "deleted"));
    } catch (IOException e) {
      return new StoredDump(name, 0, Instant.EPOCH, where, null, DumpProblem.damaged(e.toString()));
    }
    try (DumpArchive a = DumpArchive.open(zip)) {
      return new StoredDump(name, size, stored, where, a.info(), null);
    } catch (AccessDeniedException e) {
      return new StoredDump(
          name,
          size,
          stored,
          where,
          null,
          new DumpProblem(DumpProblem.Kind.PERMISSION, "permission denied"));
    } catch (UnsupportedSchemaException e) {
      return new StoredDump(
          name,
          size,
          stored,
          where,
          null,
          new DumpProblem(DumpProblem.Kind.NEWER_SCHEMA, e.getMessage()));
    } catch (IOException e) {
      return new StoredDump(name, size, stored, where, null, DumpProblem.damaged(e.getMessage()));
    }
  }

  @Override
  public DumpInfo info(StoredDump dump) throws StoreException {
    if (dump.info() != null) {
      return dump.info();
    }
    throw new StoreException(
        StoreFailure.INTEGRITY,
        "cannot read "
            + dump.name()
            + ": "
            + Objects.requireNonNull(dump.problem(), "an unreadable dump has a problem").detail());
  }

  @Override
  public void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException {
    Path source = path(dump);
    try (InputStream in = Files.newInputStream(source)) {
      Transfers.receive(in, Files.size(source), target, listener);
    } catch (NoSuchFileException e) {
      if (source.toString().equals(e.getFile())) {
        throw new StoreException(
            StoreFailure.NOT_FOUND,
            "dump " + dump.name() + " vanished from " + dir + " while copying");
      }
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot write " + e.getFile() + ": no such directory", e);
    } catch (AccessDeniedException e) {
      throw new StoreException(
          StoreFailure.PERMISSION, "cannot copy to " + e.getFile() + ": permission denied", e);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot copy " + source + " to " + target + ": " + e, e);
    }
  }

  @Override
  public InputStream open(StoredDump dump) throws StoreException {
    Path source = path(dump);
    try {
      return Files.newInputStream(source);
    } catch (NoSuchFileException e) {
      throw new StoreException(
          StoreFailure.NOT_FOUND, "dump " + dump.name() + " vanished from " + dir);
    } catch (AccessDeniedException e) {
      throw new StoreException(
          StoreFailure.PERMISSION, "cannot read " + source + ": permission denied");
    } catch (IOException e) {
      throw new StoreException(StoreFailure.LOCAL_IO, "cannot read " + source + ": " + e, e);
    }
  }

  @Override
  public void delete(StoredDump dump) throws StoreException {
    Path file = path(dump);
    try {
      Files.deleteIfExists(file);
    } catch (AccessDeniedException e) {
      throw new StoreException(
          StoreFailure.PERMISSION, "cannot delete " + file + ": permission denied");
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot delete " + file + ": " + e.getMessage(), e);
    }
  }

  /** The dump's file; only dumps this store listed are accepted. */
  public Path path(StoredDump dump) throws StoreException {
    if (dump.location() instanceof DumpLocation.LocalFile f && dir.equals(f.path().getParent())) {
      return f.path();
    }
    throw new StoreException(
        StoreFailure.NOT_FOUND, dump.location().display() + " is not in " + dir);
  }

  @Override
  public void close() {
    // nothing held
  }
}
