package dev.coroner.store.s3;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpLocation;
import dev.coroner.store.KeptBinaries;
import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.Transfers;
import dev.coroner.store.VerifiedUploads;
import dev.coroner.store.archive.DumpInfoJson;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * Dumps in S3-compatible object storage: {@code s3://bucket/prefix}. Each dump is a zip object
 * whose metadata carries what a listing shows, with its full dump-info under {@code ~coroner/info/}
 * and a listing index per writer under {@code ~coroner/index/} ({@link S3Layout}). It offers
 * presigned downloads and verified uploads.
 */
public final class S3Store implements Store {
  private final S3Clients clients;
  private final S3Layout layout;
  private final S3Failures failures;
  private final S3Uploads uploads;
  private final S3Binaries binaries;

  private S3Store(S3Clients clients, S3Layout layout, S3Options options) {
    this.clients = clients;
    this.layout = layout;
    this.failures = new S3Failures(layout.url(), clients.endpoint());
    this.uploads = new S3Uploads(clients, layout, options, failures);
    this.binaries = new S3Binaries(clients, layout, options, failures);
  }

  /**
   * Opens {@code s3://bucket[/prefix]}. Nothing is sent yet.
   *
   * @throws StoreException with {@link StoreFailure#CONFIG} for a URL without a bucket, or when no
   *     region is known
   */
  public static S3Store open(URI url, S3Options options) throws StoreException {
    String bucket = url.getHost();
    if (bucket == null || bucket.isEmpty()) {
      throw new StoreException(
          StoreFailure.CONFIG, "no bucket in '" + url + "'; s3://bucket/prefix");
    }
    String prefix = url.getPath() == null ? "" : url.getPath().replaceFirst("^/+", "");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix += "/";
    }
    return new S3Store(S3Clients.of(options), new S3Layout(bucket, prefix), options);
  }

  S3Layout layout() {
    return layout;
  }

  @Override
  public String url() {
    return layout.url();
  }

  @Override
  public List<StoredDump> list() throws StoreException {
    return new S3Listing(clients.client(), layout, failures).list();
  }

  /** The full dump-info, from coroner's copy beside the zip, or the listing's part of it. */
  @Override
  public DumpInfo info(StoredDump dump) throws StoreException {
    String key = key(dump);
    for (String infoKey : List.of(layout.infoKey(key), layout.legacyInfoKey(key))) {
      try (InputStream in =
          clients.client().getObject(b -> b.bucket(layout.bucket()).key(infoKey))) {
        return DumpInfoJson.parse(in.readAllBytes());
      } catch (NoSuchKeyException e) {
        // older dumps keep it beside the zip; the oldest have only the object metadata
      } catch (IOException e) {
        throw new StoreException(
            StoreFailure.INTEGRITY, "cannot read " + infoKey + ": " + e.getMessage(), e);
      } catch (SdkException e) {
        throw failures.of("read " + infoKey, e);
      }
    }
    if (dump.info() == null) {
      throw new StoreException(
          StoreFailure.INTEGRITY, "no dump-info for " + dump.location().display());
    }
    return dump.info();
  }

  @Override
  public void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException {
    String key = key(dump);
    try (var in = clients.client().getObject(b -> b.bucket(layout.bucket()).key(key))) {
      Transfers.receive(in, in.response().contentLength(), target, listener);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO,
          "cannot download " + dump.location().display() + ": " + e.getMessage(),
          e);
    } catch (SdkException e) {
      throw failures.of("download " + dump.location().display(), e);
    }
  }

  @Override
  public InputStream open(StoredDump dump) throws StoreException {
    String key = key(dump);
    try {
      return clients.client().getObject(b -> b.bucket(layout.bucket()).key(key));
    } catch (SdkException e) {
      throw failures.of("download " + dump.location().display(), e);
    }
  }

  @Override
  public void delete(StoredDump dump) throws StoreException {
    String key = key(dump);
    try {
      var client = clients.client();
      client.deleteObject(b -> b.bucket(layout.bucket()).key(key));
      client.deleteObject(b -> b.bucket(layout.bucket()).key(layout.infoKey(key)));
      client.deleteObject(b -> b.bucket(layout.bucket()).key(layout.legacyInfoKey(key)));
    } catch (SdkException e) {
      throw failures.of("delete " + dump.location().display(), e);
    }
  }

  @Override
  public Optional<PresignedDownloads> presignedDownloads() {
    return Optional.of(new S3Presigning(clients, this, failures));
  }

  @Override
  public Optional<VerifiedUploads> verifiedUploads() {
    return Optional.of(uploads);
  }

  @Override
  public Optional<KeptBinaries> keptBinaries() {
    return Optional.of(binaries);
  }

  /** The key of a dump this store listed. */
  String key(StoredDump dump) throws StoreException {
    if (dump.location() instanceof DumpLocation.StoredObject o
        && o.bucket().equals(layout.bucket())
        && o.key().startsWith(layout.prefix())) {
      return o.key();
    }
    throw new StoreException(
        StoreFailure.NOT_FOUND, dump.location().display() + " is not in " + url());
  }

  @Override
  public void close() {
    clients.close();
  }
}
