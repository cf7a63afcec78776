package dev.coroner.store.s3;

import dev.coroner.store.KeptBinaries;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.TransferListener;
import dev.coroner.store.Transfers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Kept binaries in the bucket, under {@code PREFIX/~coroner/binaries/BUILD_ID/FILE_NAME} ({@link
 * S3Layout#binaryKey}): a HEAD first, so that a binary already there costs one request and no
 * bytes; otherwise one PUT with its MD5 (the server rejects a damaged body), verified by a HEAD.
 * Binaries are at most a few hundred MiB (the agent's size limit): a single PUT takes up to 5 GiB.
 */
final class S3Binaries implements KeptBinaries {
  private final S3Clients clients;
  private final S3Layout layout;
  private final S3Options options;
  private final S3Failures failures;

  S3Binaries(S3Clients clients, S3Layout layout, S3Options options, S3Failures failures) {
    this.clients = clients;
    this.layout = layout;
    this.options = options;
    this.failures = failures;
  }

  @Override
  public boolean contains(String buildId, String fileName) throws StoreException {
    return head(key(buildId, fileName)) != null;
  }

  @Override
  public long store(String buildId, String fileName, Path file) throws StoreException {
    String key = key(buildId, fileName);
    if (head(key) != null) {
      return 0;
    }
    long size;
    byte[] md5;
    try {
      size = Files.size(file);
      md5 = md5(file);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      clients
          .client()
          .putObject(
              b -> {
                b.bucket(layout.bucket())
                    .key(key)
                    .contentLength(size)
                    .contentType("application/octet-stream")
                    .contentMD5(Base64.getEncoder().encodeToString(md5))
                    .metadata(Map.of("coroner-binary", "1", "build-id", buildId));
                encrypt(b);
              },
              RequestBody.fromFile(file));
    } catch (SdkException e) {
      throw failures.of("store " + display(buildId, fileName), e);
    }
    HeadObjectResponse h = head(key);
    String etag = h == null || h.eTag() == null ? "" : h.eTag().replace("\"", "");
    if (h == null
        || h.contentLength() != size
        || (!options.kms() && !etag.equalsIgnoreCase(HexFormat.of().formatHex(md5)))) {
      throw new StoreException(
          StoreFailure.INTEGRITY,
          display(buildId, fileName)
              + " is not intact after its upload: "
              + (h == null ? "gone" : h.contentLength() + " bytes, ETag " + etag)
              + "; sent "
              + size
              + " bytes");
    }
    return size;
  }

  @Override
  public void fetch(String buildId, String fileName, Path target) throws StoreException {
    String key = key(buildId, fileName);
    try (var in = clients.client().getObject(b -> b.bucket(layout.bucket()).key(key))) {
      Transfers.receive(in, in.response().contentLength(), target, TransferListener.NONE);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO,
          "cannot download " + display(buildId, fileName) + ": " + e.getMessage(),
          e);
    } catch (SdkException e) {
      throw failures.of("download " + display(buildId, fileName), e);
    }
  }

  @Override
  public URI presign(String buildId, String fileName, Duration ttl) throws StoreException {
    String key = key(buildId, fileName);
    try (S3Presigner presigner = clients.presigner()) {
      return presigner
          .presignGetObject(
              p ->
                  p.signatureDuration(ttl)
                      .getObjectRequest(g -> g.bucket(layout.bucket()).key(key)))
          .url()
          .toURI();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("the SDK signed an invalid URL for " + key, e);
    } catch (SdkException e) {
      throw failures.of("sign a download URL for " + display(buildId, fileName), e);
    }
  }

  @Override
  public String display(String buildId, String fileName) {
    return layout.location(layout.binaryKey(buildId, fileName)).display();
  }

  private String key(String buildId, String fileName) {
    KeptBinaries.check(buildId, fileName);
    return layout.binaryKey(buildId, fileName);
  }

  /** The object's head, or null when there is none. */
  private @Nullable HeadObjectResponse head(String key) throws StoreException {
    try {
      return clients.client().headObject(b -> b.bucket(layout.bucket()).key(key));
    } catch (NoSuchKeyException e) {
      return null;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return null;
      }
      throw failures.of("read " + layout.location(key).display(), e);
    } catch (SdkException e) {
      throw failures.of("read " + layout.location(key).display(), e);
    }
  }

  private void encrypt(PutObjectRequest.Builder b) {
    switch (options.encryption().toLowerCase(Locale.ROOT)) {
      case "aes256" -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case "kms" ->
          b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
      default -> {}
    }
  }

  private static byte[] md5(Path file) throws IOException {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md5.update(buf, 0, n);
      }
    }
    return md5.digest();
  }
}
