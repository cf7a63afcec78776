package dev.coroner.store.s3;

import java.net.URI;

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
 */
public record S3Options(
    URI endpoint,
    String region,
    boolean pathStyle,
    String keyTemplate,
    String encryption,
    String kmsKeyId,
    int partSize,
    int parallelism) {

  public static final String DEFAULT_KEY = "{namespace}/{name}.zip";

  /** Defaults for an endpoint (or null for AWS). */
  public static S3Options defaults(URI endpoint, String region, boolean pathStyle) {
    return new S3Options(endpoint, region, pathStyle, DEFAULT_KEY, "none", null, 16 << 20, 4);
  }

  @Override
  public String toString() {
    // Nothing secret here, but keep the shape explicit: no credentials are ever part of it.
    return "S3Options[endpoint="
        + endpoint
        + ", region="
        + region
        + ", pathStyle="
        + pathStyle
        + ", keyTemplate="
        + keyTemplate
        + ", encryption="
        + encryption
        + "]";
  }
}
