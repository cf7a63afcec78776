package dev.coroner.store.s3;

import java.net.URI;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How to reach an S3-compatible store. Credentials are not here: they come from the AWS SDK's
 * default chain (environment, profile files, IRSA / web identity, instance roles), so they never
 * pass through coroner's configuration, logs or arguments.
 *
 * @param endpoint an endpoint override (MinIO, s3proxy, a VPC endpoint), or null for AWS or the
 *     SDK's own {@code AWS_ENDPOINT_URL_S3}
 * @param region the region, or null for the SDK's chain ({@code AWS_REGION}, profile)
 * @param pathStyle path-style addressing ({@code http://host/bucket/key}), which most non-AWS
 *     servers need
 * @param keyTemplate the object key under the prefix; fields {@code {namespace}}, {@code {pod}},
 *     {@code {container}}, {@code {pod_uid}}, {@code {node}}, {@code {name}}, {@code {uuid}}
 * @param encryption server-side encryption: {@code none}, {@code aes256} (SSE-S3) or {@code kms}
 * @param kmsKeyId the KMS key for {@code kms}, or null for the bucket's default key
 * @param partSize bytes per multipart part
 * @param parallelism parts uploaded at once
 * @param indexId whose listing index this store's uploads keep (the node's name): one writer per
 *     index object
 * @param connectTimeout the deadline to open a connection
 * @param readTimeout the deadline for the server's next bytes
 */
public record S3Options(
    @Nullable URI endpoint,
    @Nullable String region,
    boolean pathStyle,
    String keyTemplate,
    String encryption,
    @Nullable String kmsKeyId,
    int partSize,
    int parallelism,
    String indexId,
    Duration connectTimeout,
    Duration readTimeout) {

  /** The default object key: a namespace's dumps under one prefix. */
  public static final String DEFAULT_KEY = "{namespace}/{name}.zip";

  /** The default deadline to connect. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** The default deadline for an answer. */
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);

  /** Defaults for an endpoint (or null for AWS). */
  public static S3Options defaults(
      @Nullable URI endpoint, @Nullable String region, boolean pathStyle) {
    return new S3Options(
        endpoint,
        region,
        pathStyle,
        DEFAULT_KEY,
        "none",
        null,
        16 << 20,
        4,
        "default",
        DEFAULT_CONNECT_TIMEOUT,
        DEFAULT_READ_TIMEOUT);
  }

  /** The same with another listing index id. */
  public S3Options withIndexId(String id) {
    return new S3Options(
        endpoint,
        region,
        pathStyle,
        keyTemplate,
        encryption,
        kmsKeyId,
        partSize,
        parallelism,
        id,
        connectTimeout,
        readTimeout);
  }

  /** The same with other deadlines. */
  public S3Options withTimeouts(Duration connect, Duration read) {
    return new S3Options(
        endpoint,
        region,
        pathStyle,
        keyTemplate,
        encryption,
        kmsKeyId,
        partSize,
        parallelism,
        indexId,
        connect,
        read);
  }

  /** Whether SSE-KMS encrypts: then the ETag is not the content's MD5. */
  boolean kms() {
    return "kms".equalsIgnoreCase(encryption);
  }
}
