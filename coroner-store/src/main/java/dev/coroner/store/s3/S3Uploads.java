package dev.coroner.store.s3;

import dev.coroner.dump.DumpInfo;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import dev.coroner.store.VerifiedUploads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/**
 * The agent's uploads: multipart with parallel parts, each sent with its MD5 so that the server
 * rejects a damaged part, verified afterwards by size and ETag before anyone may delete the local
 * file. Each verified upload also enters this writer's listing index. A dump whose info carries
 * {@code encryption} is an age file of the zip: its key ends in {@code .zip.age}, and the info
 * given (object metadata, the dump-info beside it) is the readable copy the caller made.
 */
final class S3Uploads implements VerifiedUploads {
  private final S3Clients clients;
  private final S3Layout layout;
  private final S3Options options;
  private final S3Failures failures;
  private final ObjectKeys keys;

  /** This writer's index as last read or written; null until read. */
  private @Nullable ListingIndex index;

  /** Entries uploaded since the index was last written. */
  private final java.util.List<ListingIndex.Entry> pending = new java.util.ArrayList<>();

  // Set first by every public operation, which are synchronized.
  @SuppressWarnings("NullAway.Init")
  private S3Client client;

  S3Uploads(S3Clients clients, S3Layout layout, S3Options options, S3Failures failures) {
    this.clients = clients;
    this.layout = layout;
    this.options = options;
    this.failures = failures;
    this.keys = new ObjectKeys(options.keyTemplate());
  }

  @Override
  public synchronized Uploaded upload(Path zip, DumpInfo info) throws StoreException {
    client = clients.client();
    long size;
    try {
      size = Files.size(zip);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot read " + zip + ": " + e.getMessage(), e);
    }
    String key = freeKey(info);
    abortStale(key);
    String expectedEtag;
    try {
      expectedEtag =
          size <= options.partSize()
              ? putSingle(zip, key, info, size)
              : putMultipart(zip, key, info, size);
      putInfo(key, info);
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.LOCAL_IO, "cannot upload " + zip + ": " + e.getMessage(), e);
    } catch (SdkClientException e) {
      throw diagnose("upload " + zip.getFileName() + " to " + layout.location(key).display(), e);
    } catch (SdkException e) {
      throw failures.of("upload " + zip.getFileName() + " to " + layout.location(key).display(), e);
    }
    Uploaded up = verify(key, size, expectedEtag);
    // The index is for listings only: never a reason to fail a verified upload.
    pending.add(new ListingIndex.Entry(key, size, ListingIndex.listed(DumpMetadata.of(info))));
    return up;
  }

  @Override
  public synchronized void flushIndex() throws StoreException {
    if (pending.isEmpty()) {
      return;
    }
    client = clients.client();
    String key = indexKey();
    ListingIndex next = loaded(key);
    for (ListingIndex.Entry e : pending) {
      next = next.with(e);
    }
    try {
      byte[] json = next.toJson();
      client.putObject(
          b -> {
            b.bucket(layout.bucket())
                .key(key)
                .contentType("application/json")
                .contentLength((long) json.length);
            encrypt(b);
          },
          RequestBody.fromBytes(json));
    } catch (IOException e) {
      throw new StoreException(StoreFailure.OTHER, "cannot write the listing index: " + e, e);
    } catch (SdkException e) {
      throw failures.of("write " + key, e);
    }
    index = next;
    pending.clear();
  }

  private String indexKey() {
    String id = options.indexId().replaceAll("[^A-Za-z0-9._-]", "_");
    return layout.indexKey(id.length() > 200 ? id.substring(0, 200) : id);
  }

  /**
   * This writer's index as stored, read once (writing an index not read first would drop the
   * entries of earlier runs), without the entries whose dumps are gone (deleted by users or by the
   * bucket's lifecycle): one LIST of the store per agent run keeps the index from only growing.
   */
  private ListingIndex loaded(String key) throws StoreException {
    if (index != null) {
      return index;
    }
    ListingIndex stored;
    try (InputStream in = client.getObject(b -> b.bucket(layout.bucket()).key(key))) {
      stored = ListingIndex.parse(in.readAllBytes());
    } catch (NoSuchKeyException e) {
      return ListingIndex.empty();
    } catch (IOException e) {
      throw new StoreException(StoreFailure.UNREACHABLE, "cannot read " + key + ": " + e, e);
    } catch (SdkException e) {
      throw failures.of("read " + key, e);
    }
    java.util.Set<String> present = new java.util.HashSet<>();
    try {
      client
          .listObjectsV2Paginator(b -> b.bucket(layout.bucket()).prefix(layout.prefix()))
          .contents()
          .forEach(
              o -> {
                if (layout.isDump(o.key())) {
                  present.add(o.key());
                }
              });
    } catch (SdkException e) {
      throw failures.of("list " + layout.url(), e);
    }
    return stored.retain(present);
  }

  /**
   * The key for this dump, never another dump's: an existing object of the same name that holds
   * another uuid keeps its key, and this one gets its uuid appended (a crafted or repeated name
   * must not overwrite evidence). The same dump again (an agent killed after its upload) reuses its
   * key.
   */
  private String freeKey(DumpInfo info) throws StoreException {
    String key;
    String suffix = info.encryption() != null ? S3Layout.ENCRYPTED : "";
    try {
      key = layout.prefix() + keys.keyFor(info, null) + suffix;
    } catch (IllegalArgumentException e) {
      throw new StoreException(
          StoreFailure.INTEGRITY, "refusing to upload dump: " + e.getMessage());
    }
    String owner = ownerOf(key);
    if (owner == null || owner.equals(info.uuid())) {
      return key;
    }
    String second = layout.prefix() + keys.keyFor(info, info.uuid().substring(0, 8)) + suffix;
    String secondOwner = ownerOf(second);
    if (secondOwner == null || secondOwner.equals(info.uuid())) {
      return second;
    }
    throw new StoreException(
        StoreFailure.INTEGRITY,
        "refusing to overwrite "
            + layout.location(second).display()
            + ", which holds another dump");
  }

  /** The uuid of the dump stored at {@code key}, "" for an object without one, null if none. */
  private @Nullable String ownerOf(String key) throws StoreException {
    try {
      HeadObjectResponse h = client.headObject(b -> b.bucket(layout.bucket()).key(key));
      return h.metadata().getOrDefault("uuid", "");
    } catch (NoSuchKeyException e) {
      return null;
    } catch (SdkClientException e) {
      throw diagnose("read " + layout.location(key).display(), e);
    } catch (SdkException e) {
      if (e instanceof software.amazon.awssdk.services.s3.model.S3Exception s3
          && s3.statusCode() == 404) {
        return null;
      }
      throw failures.of("read " + layout.location(key).display(), e);
    }
  }

  /**
   * After an I/O error on a request with a body, asks again without one for the real cause: a
   * server that refuses a PUT after {@code 100 Continue} closes the connection, and the client then
   * loses the 403 or 404 it was sent.
   */
  private StoreException diagnose(String what, SdkClientException e) {
    try {
      client.headBucket(b -> b.bucket(layout.bucket()));
    } catch (SdkException cause) {
      StoreException typed = failures.of(what, cause);
      if (typed.failure() != StoreFailure.UNREACHABLE && typed.failure() != StoreFailure.OTHER) {
        typed.addSuppressed(e);
        return typed;
      }
    }
    return failures.of(what, e);
  }

  /**
   * Aborts multipart uploads of {@code key} that an earlier, killed agent left unfinished: their
   * parts are invisible, cost storage and would never complete.
   */
  private void abortStale(String key) {
    try {
      client.listMultipartUploads(b -> b.bucket(layout.bucket()).prefix(key)).uploads().stream()
          .filter(u -> u.key().equals(key))
          .forEach(
              u ->
                  client.abortMultipartUpload(
                      b -> b.bucket(layout.bucket()).key(key).uploadId(u.uploadId())));
    } catch (SdkException e) {
      // Not every S3-compatible server lists uploads; the new upload does not depend on it. A
      // refused or unreachable store shows itself on the upload that follows.
    }
  }

  private String putSingle(Path zip, String key, DumpInfo info, long size) throws IOException {
    byte[] md5 = md5(zip, 0, size);
    client.putObject(
        b -> {
          b.bucket(layout.bucket())
              .key(key)
              .contentLength(size)
              .contentType(contentType(info))
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
                  b.bucket(layout.bucket())
                      .key(key)
                      .contentType(contentType(info))
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
          b ->
              b.bucket(layout.bucket())
                  .key(key)
                  .uploadId(uploadId)
                  .multipartUpload(m -> m.parts(done)));
      return HexFormat.of().formatHex(etag.digest()) + "-" + parts;
    } catch (IOException | RuntimeException e) {
      // Never leave orphaned parts behind: they cost storage and are invisible to users.
      try {
        client.abortMultipartUpload(b -> b.bucket(layout.bucket()).key(key).uploadId(uploadId));
      } catch (SdkException abort) {
        e.addSuppressed(abort);
      }
      throw e;
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
                    b.bucket(layout.bucket())
                        .key(key)
                        .uploadId(uploadId)
                        .partNumber(number)
                        .contentLength((long) length)
                        .contentMD5(Base64.getEncoder().encodeToString(md5)),
                RequestBody.fromContentProvider(
                    () -> FileSlice.open(zip, offset, length), length, "application/octet-stream"))
            .eTag();
    String got = etag.replace("\"", "");
    if (!options.kms() && !got.equalsIgnoreCase(HexFormat.of().formatHex(md5))) {
      throw new IOException("part " + number + " of " + key + " came back with ETag " + got);
    }
    return CompletedPart.builder().partNumber(number).eTag(etag).build();
  }

  private void putInfo(String key, DumpInfo info) {
    byte[] json = info.toJson().getBytes(StandardCharsets.UTF_8);
    client.putObject(
        b -> {
          b.bucket(layout.bucket())
              .key(layout.infoKey(key))
              .contentType("application/json")
              .contentLength((long) json.length);
          encrypt(b);
        },
        RequestBody.fromBytes(json));
  }

  private static String contentType(DumpInfo info) {
    return info.encryption() != null ? "application/octet-stream" : "application/zip";
  }

  private Uploaded verify(String key, long size, String expectedEtag) throws StoreException {
    String location = layout.location(key).display();
    HeadObjectResponse h;
    try {
      h = client.headObject(b -> b.bucket(layout.bucket()).key(key));
    } catch (SdkException e) {
      throw failures.of("verify " + location, e);
    }
    String etag = h.eTag() == null ? "" : h.eTag().replace("\"", "");
    if (h.contentLength() != size) {
      throw new StoreException(
          StoreFailure.INTEGRITY,
          "upload of "
              + location
              + " is not intact: "
              + h.contentLength()
              + " bytes stored, "
              + size
              + " sent");
    }
    // With SSE-KMS the ETag is not the MD5 of the content; size and per-part MD5s still hold.
    if (!options.kms() && !etag.equalsIgnoreCase(expectedEtag)) {
      throw new StoreException(
          StoreFailure.INTEGRITY,
          "upload of " + location + " is not intact: ETag " + etag + ", expected " + expectedEtag);
    }
    return new Uploaded(layout.location(key), size, etag);
  }

  private void encrypt(PutObjectRequest.Builder b) {
    switch (options.encryption().toLowerCase(Locale.ROOT)) {
      case "aes256" -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case "kms" ->
          b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
      default -> {}
    }
  }

  private void encrypt(CreateMultipartUploadRequest.Builder b) {
    switch (options.encryption().toLowerCase(Locale.ROOT)) {
      case "aes256" -> b.serverSideEncryption(ServerSideEncryption.AES256);
      case "kms" ->
          b.serverSideEncryption(ServerSideEncryption.AWS_KMS).ssekmsKeyId(options.kmsKeyId());
      default -> {}
    }
  }

  private static <T> T get(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException io) {
        throw io;
      }
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(String.valueOf(c), c);
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
}
