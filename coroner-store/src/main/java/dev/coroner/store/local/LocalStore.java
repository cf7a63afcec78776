package dev.coroner.store.local;

import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.Transfers;
import dev.coroner.store.archive.DumpArchive;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A dump directory on this host, as the composer writes it. */
public final class LocalStore implements Store {
  private final Path dir;

  public LocalStore(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  public Path dir() {
    return dir;
  }

  @Override
  public boolean isLocal() {
    return true;
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
      throw new StoreException(
          "no dump directory at "
              + dir
              + "; install coroner ('coroner install') or point --store at the dump directory");
    } catch (AccessDeniedException e) {
      throw new StoreException(
          "cannot read "
              + dir
              + ": permission denied; dumps hold secrets and are root's (0700),"
              + " so run coroner as root");
    } catch (IOException e) {
      throw new StoreException("cannot list " + dir + ": " + e.getMessage(), e);
    }
    List<StoredDump> dumps = new ArrayList<>();
    for (Path zip : zips) {
      dumps.add(read(zip));
    }
    dumps.sort(Comparator.comparing(StoredDump::time).thenComparing(StoredDump::stored).reversed());
    return dumps;
  }

  private StoredDump read(Path zip) throws StoreException {
    String file = zip.getFileName().toString();
    String name = file.substring(0, file.length() - ".zip".length());
    long size;
    java.time.Instant stored;
    try {
      size = Files.size(zip);
      stored = Files.getLastModifiedTime(zip).toInstant();
    } catch (AccessDeniedException e) {
      throw new StoreException("cannot read " + zip + ": permission denied; run coroner as root");
    } catch (IOException e) {
      return new StoredDump(name, 0, java.time.Instant.EPOCH, zip.toString(), null, e.toString());
    }
    try (DumpArchive a = DumpArchive.open(zip)) {
      return new StoredDump(name, size, stored, zip.toString(), a.info(), null);
    } catch (AccessDeniedException e) {
      throw new StoreException("cannot read " + zip + ": permission denied; run coroner as root");
    } catch (IOException e) {
      return new StoredDump(name, size, stored, zip.toString(), null, e.getMessage());
    }
  }

  @Override
  public void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException {
    Path source = Path.of(dump.location());
    try (InputStream in = Files.newInputStream(source)) {
      Transfers.receive(in, Files.size(source), target, listener);
    } catch (NoSuchFileException e) {
      throw new StoreException("dump " + dump.name() + " vanished from " + dir + " while copying");
    } catch (AccessDeniedException e) {
      throw new StoreException("cannot copy to " + e.getFile() + ": permission denied");
    } catch (IOException e) {
      throw new StoreException("cannot copy " + source + " to " + target + ": " + e, e);
    }
  }

  @Override
  public void delete(StoredDump dump) throws StoreException {
    try {
      Files.deleteIfExists(Path.of(dump.location()));
    } catch (AccessDeniedException e) {
      throw new StoreException("cannot delete " + dump.location() + ": permission denied");
    } catch (IOException e) {
      throw new StoreException("cannot delete " + dump.location() + ": " + e.getMessage(), e);
    }
  }
}
