package dev.coroner.store.s3;

import dev.coroner.store.PresignedDownloads;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Presigned GET URLs (SigV4 query signing, {@code X-Amz-Expires}). A URL carries a signature, never
 * the credentials, and grants nothing but a read of one object until it expires; with temporary
 * credentials (IRSA, SSO) it also dies when they do. Signing is local: nothing is sent.
 */
final class S3Presigning implements PresignedDownloads {
  private final S3Clients clients;
  private final S3Store store;
  private final S3Failures failures;

  S3Presigning(S3Clients clients, S3Store store, S3Failures failures) {
    this.clients = clients;
    this.store = store;
    this.failures = failures;
  }

  @Override
  public URI presign(StoredDump dump, Duration ttl) throws StoreException {
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException(
          "a presigned URL lives between 1s and " + MAX_TTL.toMinutes() + "m: " + ttl);
    }
    String key = store.key(dump);
    try (S3Presigner presigner = clients.presigner()) {
      return presigner
          .presignGetObject(
              p ->
                  p.signatureDuration(ttl)
                      .getObjectRequest(g -> g.bucket(store.layout().bucket()).key(key)))
          .url()
          .toURI();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("the SDK signed an invalid URL for " + key, e);
    } catch (SdkException e) {
      throw failures.of("sign a download URL for " + dump.location().display(), e);
    }
  }
}
