package dev.coroner.store.s3;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.TransferListener;
import dev.coroner.store.Transfers;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Dumps in S3-compatible object storage: {@code s3://bucket/prefix}. Each dump is a zip object
 * whose metadata carries the dump-info fields (so listing downloads nothing), plus its full
 * dump-info beside it as {@code NAME.json}. Uploads are multipart with parallel parts, each sent
 * with its MD5 so the server rejects a damaged part, and are verified afterwards by size and ETag
 * before anyone may delete the local file.
 */
public final class S3Store implements Store, AutoCloseable {
  private final S3Client client;
  private final String bucket;
  private final String prefix;
  private final S3Options options;
  private final String url;
  private final Region region;
  private final DefaultCredentialsProvider credentials;

  private S3Store(S3Client client, String bucket, String prefix, S3Options options, Access access) {
    this.client = client;
    this.bucket = bucket;
    this.prefix = prefix;
    this.options = options;
    this.url = "s3://" + bucket + "/" + prefix;
    this.region = access.region();
    this.credentials = access.credentials();
  }

  /** What both the client and the presigner sign with. */
  private record Access(Region region, DefaultCredentialsProvider credentials) {}

  /**
   * Opens {@code s3://bucket[/prefix]}.
   *
   * @throws IllegalArgumentException for a URL without a bucket, or when no region is known
   */
  public static S3Store open(URI url, S3Options options) {
    String bucket = url.getHost();
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("no bucket in '" + url + "'; use s3://bucket/prefix");
    }
    String prefix = url.getPath() == null ? "" : url.getPath().replaceFirst("^/+", "");
    if (!prefix.isEmpty() && !prefix.endsWith("/")) {
      prefix += "/";
    }
    Access access = new Access(region(options), DefaultCredentialsProvider.builder().build());
    var builder =
        S3Client.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .credentialsProvider(access.credentials())
            .region(access.region())
            .forcePathStyle(options.pathStyle())
            // s3proxy, MinIO and older servers reject the SDK's default trailing checksums.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (options.endpoint() != null) {
      builder.endpointOverride(options.endpoint());
    }
    return new S3Store(builder.build(), bucket, prefix, options, access);
  }

  private static Region region(S3Options options) {
    if (options.region() != null && !options.region().isBlank()) {
      return Region.of(options.region());
    }
    try {
      return new DefaultAwsRegionProviderChain().getRegion();
    } catch (SdkClientException e) {
      if (options.endpoint() != null) {
        // A custom endpoint (MinIO, s3proxy) ignores the region but the signature needs one.
        return Region.US_EAST_1;
      }
      throw new IllegalArgumentException(
          "no AWS region configured; set AWS_REGION or pass --s3-region", e);
    }
  }

  @Override
  public String url() {
    return url;
  }

  @Override
  public List<StoredDump> list() throws StoreException {
    List<S3Object> objects = new ArrayList<>();
    try {
      client
          .listObjectsV2Paginator(b -> b.bucket(bucket).prefix(prefix))
          .contents()
          .forEach(
              o -> {
                if (o.key().endsWith(".zip")) {
                  objects.add(o);
                }
              });
    } catch (SdkException e) {
      throw failure("list " + url, e);
    }
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, Math.max(1, objects.size())));
    try {
      List<Future<StoredDump>> heads = new ArrayList<>();
      for (S3Object o : objects) {
        heads.add(pool.submit(() -> head(o)));
      }
      List<StoredDump> dumps = new ArrayList<>();
      for (Future<StoredDump> f : heads) {
        dumps.add(get(f));
      }
      dumps.sort(
          Comparator.comparing(StoredDump::time).thenComparing(StoredDump::stored).reversed());
      return dumps;
    } finally {
      pool.shutdownNow();
    }
  }

  private StoredDump head(S3Object o) throws StoreException {
    String name = baseName(o.key());
    String location = "s3://" + bucket + "/" + o.key();
    try {
      HeadObjectResponse h = client.headObject(b -> b.bucket(bucket).key(o.key()));
      try {
        return new StoredDump(
            name,
            h.contentLength(),
            h.lastModified(),
            location,
            DumpMetadata.parse(h.metadata()),
            null);
      } catch (IllegalArgumentException e) {
        return new StoredDump(
            name, h.contentLength(), h.lastModified(), location, null, e.getMessage());
      }
    } catch (NoSuchKeyException e) {
      return new StoredDump(name, 0, o.lastModified(), location, null, "deleted while listing");
    } catch (SdkException e) {
      throw failure("read " + location, e);
    }
  }

  /** The full dump-info, from the {@code NAME.json} object beside the zip. */
  @Override
  public DumpInfo info(StoredDump dump) throws StoreException {
    String key = key(dump).replaceFirst("\\.zip$", ".json");
    try (InputStream in = client.getObject(b -> b.bucket(bucket).key(key))) {
      return dev.coroner.store.archive.DumpInfoJson.parse(in.readAllBytes());
    } catch (NoSuchKeyException e) {
      return dump.info();
    } catch (IOException e) {
      throw new StoreException("cannot read " + key + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw failure("read " + key, e);
    }
  }

  @Override
  public void fetch(StoredDump dump, Path target, TransferListener listener) throws StoreException {
    String key = key(dump);
    try (var in = client.getObject(b -> b.bucket(bucket).key(key))) {
      Transfers.receive(in, in.response().contentLength(), target, listener);
    } catch (IOException e) {
      throw new StoreException("cannot download " + dump.location() + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw failure("download " + dump.location(), e);
    }
  }

  @Override
  public void delete(StoredDump dump) throws StoreException {
    String key = key(dump);
    try {
      client.deleteObject(b -> b.bucket(bucket).key(key));
      client.deleteObject(b -> b.bucket(bucket).key(key.replaceFirst("\\.zip$", ".json")));
    } catch (SdkException e) {
      throw failure("delete " + dump.location(), e);
    }
  }

  /** How long a presigned URL lives unless the caller says otherwise. */
  public static final Duration DEFAULT_URL_TTL = Duration.ofMinutes(15);

  /** The longest a presigned URL may live: it is a bearer capability for a whole core. */
  public static final Duration MAX_URL_TTL = Duration.ofHours(1);

  /**
   * A URL that downloads this one dump's zip with a plain HTTP GET until {@code ttl} has passed
   * (SigV4 query signing, {@code X-Amz-Expires}). It carries a signature, never the credentials,
   * and grants nothing but a read of this one object; whoever holds it can read the dump until it
   * expires. With temporary credentials (IRSA, SSO) it also dies when they do, whichever is first.
   * Signing is local: nothing is sent to the server.
   *
   * @throws IllegalArgumentException when {@code ttl} is not in (0, {@link #MAX_URL_TTL}]
   * @throws StoreException when no credentials can be found to sign with
   */
  public URI presign(StoredDump dump, Duration ttl) throws StoreException {
    if (ttl.isNegative() || ttl.isZero() || ttl.compareTo(MAX_URL_TTL) > 0) {
      throw new IllegalArgumentException(
          "a presigned URL lives between 1s and " + MAX_URL_TTL.toMinutes() + "m: " + ttl);
    }
    String key = key(dump);
    // Configured as the client is (region, credentials, endpoint, path style), so the URL points
    // where every other request of this store goes. S3Presigner.builder().s3Client(client) would
    // be shorter but does not carry the region over (the SDK resolves it again and fails).
    var builder =
        S3Presigner.builder()
            .region(region)
            .credentialsProvider(credentials)
            .serviceConfiguration(
                S3Configuration.builder().pathStyleAccessEnabled(options.pathStyle()).build());
    if (options.endpoint() != null) {
      builder.endpointOverride(options.endpoint());
    }
    try (S3Presigner presigner = builder.build()) {
      return presigner
          .presignGetObject(
              p -> p.signatureDuration(ttl).getObjectRequest(g -> g.bucket(bucket).key(key)))
          .url()
          .toURI();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException("the SDK signed an invalid URL for " + key, e);
    } catch (SdkException e) {
      throw failure("sign a download URL for " + dump.location(), e);
    }
  }

  /** What an upload left in the store, as verified by a HEAD afterwards. */
  public record Uploaded(String location, long size, String etag) {}

  /**
   * Uploads a finished dump and verifies it: the object's size and ETag must match what was sent
   * (the ETag is the MD5, or for multipart the MD5 of the part MD5s, unless KMS encrypts). Only
   * after this returns may the local file be deleted.
   */
  public Uploaded upload(Path zip, DumpInfo info) throws StoreException {
    String key = prefix + keyFor(info);
    long size;
    try {
      size = Files.size(zip);
    } catch (IOException e) {
      throw new StoreException("cannot read " + zip + ": " + e.getMessage(), e);
    }
    abortStale(key);
    String expectedEtag;
    try {
      expectedEtag =
          size <= options.partSize()
              ? putSingle(zip, key, info, size)
              : putMultipart(zip, key, info, size);
      putSidecar(key, info);
    } catch (IOException e) {
      throw new StoreException("cannot upload " + zip + ": " + e.getMessage(), e);
    } catch (SdkException e) {
      throw failure("upload " + zip.getFileName() + " to s3://" + bucket + "/" + key, e);
    }
    return verify(key, size, expectedEtag);
  }

  /**
   * Aborts multipart uploads of {@code key} that an earlier, killed agent left unfinished: their
   * parts are invisible, cost storage and would never complete.
   */
  private void abortStale(String key) {
    try {
      client.listMultipartUploads(b -> b.bucket(bucket).prefix(key)).uploads().stream()
          .filter(u -> u.key().equals(key))
          .forEach(
              u ->
                  client.abortMultipartUpload(
                      b -> b.bucket(bucket).key(key).uploadId(u.uploadId())));
    } catch (SdkException e) {
      // Not every S3-compatible server lists uploads; the new upload does not depend on it.
    }
  }

  private String putSingle(Path zip, String key, DumpInfo info, long size) throws IOException {
    byte[] md5 = md5(zip, 0, size);
    client.putObject(
        b -> {
          b.bucket(bucket)
              .key(key)
              .contentLength(size)
              .contentType("application/zip")
              .contentMD5(Base64.getEncoder().encodeToString(md5))
              .metadata(DumpMetadata.of(info));
          encrypt(b);
        },
        RequestBody.fromFile(zip));
    return HexFormat.of().formatHex(md5);
  }

  private String putMultipart(Path zip, String key, DumpInfo info, long size) throws IOException {
    String uploadId =
        client
            .createMultipartUpload(
                b -> {
                  b.bucket(bucket)
                      .key(key)
                      .contentType("application/zip")
                      .metadata(DumpMetadata.of(info));
                  encrypt(b);
                })
            .uploadId();
    int parts = (int) ((size + options.partSize() - 1) / options.partSize());
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(parts, options.parallelism()));
    try {
      List<Future<CompletedPart>> futures = new ArrayList<>();
      for (int i = 0; i < parts; i++) {
        int number = i + 1;
        long offset = (long) i * options.partSize();
        int length = (int) Math.min(options.partSize(), size - offset);
        futures.add(pool.submit(() -> uploadPart(zip, key, uploadId, number, offset, length)));
      }
      List<CompletedPart> done = new ArrayList<>();
      MessageDigest etag = digest("MD5");
      for (Future<CompletedPart> f : futures) {
        CompletedPart part = get(f);
        done.add(part);
        etag.update(HexFormat.of().parseHex(part.eTag().replace("\"", "")));
      }
      client.completeMultipartUpload(
          b -> b.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(done)));
      return HexFormat.of().formatHex(etag.digest()) + "-" + parts;
    } catch (StoreException | RuntimeException e) {
      // Never leave orphaned parts behind: they cost storage and are invisible to users.
      try {
        client.abortMultipartUpload(b -> b.bucket(bucket).key(key).uploadId(uploadId));
      } catch (SdkException abort) {
        e.addSuppressed(abort);
      }
      if (e instanceof StoreException se) {
        throw new IOException(se.getMessage(), se);
      }
      throw (RuntimeException) e;
    } finally {
      pool.shutdownNow();
    }
  }

  private CompletedPart uploadPart(
      Path zip, String key, String uploadId, int number, long offset, int length)
      throws IOException {
    // Parts stream from the file (read twice from the page cache: once for the MD5 the server
    // checks, once to send); holding them in memory made a 1 GiB upload need ~128 MiB of heap.
    byte[] md5 = md5(zip, offset, length);
    String etag =
        client
            .uploadPart(
                b ->
                    b.bucket(bucket)
                        .key(key)
                        .uploadId(uploadId)
                        .partNumber(number)
                        .contentLength((long) length)
                        .contentMD5(Base64.getEncoder().encodeToString(md5)),
                RequestBody.fromContentProvider(
                    () -> FileSlice.open(zip, offset, length), length, "application/octet-stream"))
            .eTag();
    String got = etag.replace("\"", "");
    if (!isEncryptedWithKms() && !got.equalsIgnoreCase(HexFormat.of().formatHex(md5))) {
      throw new IOException("part " + number + " of " + key + " came back with ETag " + got);
    }
    return CompletedPart.builder().partNumber(number).eTag(etag).build();
  }

  private void putSidecar(String key, DumpInfo info) {
    byte[] json = info.toJson().getBytes(StandardCharsets.UTF_8);
    client.putObject(
        b -> {
          b.bucket(bucket)
              .key(key.replaceFirst("\\.zip$", ".json"))
              .contentType("application/json")
              .contentLength((long) json.length);
          encrypt(b);
        },
        RequestBody.fromBytes(json));
  }

  private Uploaded verify(String key, long size, String expectedEtag) throws StoreException {
    String location = "s3://" + bucket + "/" + key;
    HeadObjectResponse h;
    try {
      h = client.headObject(b -> b.bucket(bucket).key(key));
    } catch (SdkException e) {
      throw failure("verify " + location, e);
    }
    String etag = h.eTag() == null ? "" : h.eTag().replace("\"", "");
    if (h.contentLength() != size) {
      throw new StoreException(
          "upload of "
              + location
              + " is not intact: "
              + h.contentLength()
              + " bytes stored, "
              + size
              + " sent");
    }
    if (!isEncryptedWithKms() && !etag.equalsIgnoreCase(expectedEtag)) {
      throw new StoreException(
          "upload of " + location + " is not intact: ETag " + etag + ", expected " + expectedEtag);
    }
    return new Uploaded(location, size, etag);
  }

  /** The object key, under the prefix, for a dump described by {@code info}. */
  String keyFor(DumpInfo info) {
    String namespace =
        info.pod() != null
            ? info.pod().namespace()
            : info.process().containerId() == null ? "host" : "unknown";
    String pod = info.pod() != null ? info.pod().name() : info.hostname();
    return options
        .keyTemplate()
        .replace("{namespace}", safe(namespace))
        .replace("{pod}", safe(pod))
        .replace("{container}", safe(info.pod() == null ? null : info.pod().container()))
        .replace("{pod_uid}", safe(info.pod() == null ? null : info.pod().uid()))
        .replace("{node}", safe(info.nodeHostname()))
        .replace("{uuid}", info.uuid())
        .replace("{name}", info.name());
  }

  private String key(StoredDump dump) {
    String location = dump.location();
    String start = "s3://" + bucket + "/";
    if (!location.startsWith(start)) {
      throw new IllegalArgumentException(location + " is not in " + url);
    }
    return location.substring(start.length());
  }

  private void encrypt(software.amazon.awssdk.services.s3.model.PutObjectRequest.Builder b) {
    switch (options.encryption().toLowerCase(Locale.ROOT)) {
      case "aes256" -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case "kms" ->
          b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
      default -> {}
    }
  }

  private void encrypt(
      software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest.Builder b) {
    switch (options.encryption().toLowerCase(Locale.ROOT)) {
      case "aes256" -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case "kms" ->
          b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
      default -> {}
    }
  }

  private boolean isEncryptedWithKms() {
    // With SSE-KMS the ETag is not the MD5 of the content; size and per-part MD5s still hold.
    return options.encryption().equalsIgnoreCase("kms");
  }

  private StoreException failure(String what, SdkException e) {
    if (e instanceof NoSuchBucketException) {
      return new StoreException(
          "bucket '" + bucket + "' does not exist; create it or check --store", e);
    }
    if (e instanceof S3Exception s3 && (s3.statusCode() == 403 || s3.statusCode() == 401)) {
      return new StoreException(
          "access denied to "
              + url
              + " ("
              + what
              + "); check the AWS credentials"
              + " (AWS_ACCESS_KEY_ID/AWS_PROFILE, or the pod's IAM role)",
          e);
    }
    if (e instanceof SdkClientException) {
      return new StoreException(
          "cannot reach S3 for "
              + url
              + " ("
              + what
              + "): "
              + e.getMessage()
              + "; check --s3-endpoint or AWS_ENDPOINT_URL_S3 and the network",
          e);
    }
    return new StoreException("cannot " + what + ": " + e.getMessage(), e);
  }

  private static <T> T get(Future<T> f) throws StoreException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof StoreException se) {
        throw se;
      }
      if (c instanceof SdkException sdk) {
        throw new StoreException(sdk.getMessage(), sdk);
      }
      throw new StoreException(String.valueOf(c.getMessage()), c);
    }
  }

  private static byte[] md5(Path file, long offset, long length) throws IOException {
    MessageDigest md5 = digest("MD5");
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(offset);
      byte[] buf = new byte[1 << 20];
      long left = length;
      while (left > 0) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, left));
        if (n < 0) {
          throw new IOException(file + " shrank while uploading");
        }
        md5.update(buf, 0, n);
        left -= n;
      }
    }
    return md5.digest();
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String baseName(String key) {
    String file = key.substring(key.lastIndexOf('/') + 1);
    return file.substring(0, file.length() - ".zip".length());
  }

  private static String safe(String v) {
    return v == null || v.isEmpty() ? "unknown" : v.replaceAll("[^A-Za-z0-9._-]", "_");
  }

  @Override
  public void close() {
    client.close();
  }
}
