package dev.coroner.store.crypt;

import dev.coroner.base.files.AtomicFiles;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.VerifiedUploads;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A store whose encrypted dumps ({@link StoredDump#encrypted()}) read as the zips they encrypt:
 * {@link #open} and {@link #fetch} decrypt with the caller's identities, everything else passes
 * through. Without identities, or with none of the dump's recipients', reading an encrypted dump
 * fails with {@link StoreFailure#KEY} and a message that says what to pass.
 */
public final class DecryptingStore implements Store {
  private final Store store;
  private final @Nullable AgeIdentities identities;

  private DecryptingStore(Store store, @Nullable AgeIdentities identities) {
    this.store = store;
    this.identities = identities;
  }

  /** {@code store} reading encrypted dumps with {@code identities} (null: none given). */
  public static DecryptingStore of(Store store, @Nullable AgeIdentities identities) {
    return new DecryptingStore(store, identities);
  }

  @Override
  public String url() {
    return store.url();
  }

  @Override
  public List<StoredDump> list() throws StoreException {
    return store.list();
  }

  @Override
  public DumpInfo info(StoredDump dump) throws StoreException {
    return store.info(dump);
  }

  @Override
  public void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException {
    if (!dump.encrypted()) {
      store.fetch(dump, target, listener);
      return;
    }
    try (InputStream in = open(dump)) {
      AtomicFiles.write(
          target,
          AtomicFiles.PRIVATE_FILE,
          out -> {
            long done = 0;
            byte[] buf = new byte[1 << 20];
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
              out.write(buf, 0, n);
              done += n;
              listener.progress(done, dump.size());
            }
          });
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.KEY,
          "cannot decrypt " + dump.location().display() + ": " + e.getMessage(),
          e);
    }
  }

  @Override
  public InputStream open(StoredDump dump) throws StoreException {
    if (!dump.encrypted()) {
      return store.open(dump);
    }
    AgeIdentities ids = identities;
    if (ids == null) {
      throw new StoreException(
          StoreFailure.KEY,
          "dump "
              + dump.name()
              + " is encrypted at rest (age)"
              + recipients(dump)
              + " and no identity was given");
    }
    InputStream raw = store.open(dump);
    try {
      return new FilterInputStream(ids.decrypt(raw)) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            raw.close();
          }
        }
      };
    } catch (AgeIdentities.BadIdentityException e) {
      close(raw);
      throw new StoreException(
          StoreFailure.KEY,
          "cannot decrypt dump " + dump.name() + ": " + e.getMessage() + recipients(dump),
          e);
    } catch (IOException e) {
      close(raw);
      throw new StoreException(
          StoreFailure.UNREACHABLE, "cannot read " + dump.location().display() + ": " + e, e);
    }
  }

  private static String recipients(StoredDump dump) {
    DumpInfo i = dump.info();
    DumpInfo.EncryptionInfo e = i == null ? null : i.encryption();
    if (e == null || e.recipients().isEmpty()) {
      return "";
    }
    return " (recipients " + String.join(", ", e.recipients()) + ")";
  }

  private static void close(InputStream in) {
    try {
      in.close();
    } catch (IOException e) {
      // the failure that matters is the one reported
    }
  }

  @Override
  public void delete(StoredDump dump) throws StoreException {
    store.delete(dump);
  }

  @Override
  public Optional<PresignedDownloads> presignedDownloads() {
    return store.presignedDownloads();
  }

  @Override
  public Optional<VerifiedUploads> verifiedUploads() {
    return store.verifiedUploads();
  }

  @Override
  public Optional<KeptBinaries> keptBinaries() {
    return store.keptBinaries();
  }

  @Override
  public void close() {
    store.close();
  }
}
