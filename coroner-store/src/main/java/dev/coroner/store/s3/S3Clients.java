package dev.coroner.store.s3;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * The SDK client and presigner of one store, configured alike (region, credentials, endpoint, path
 * style, deadlines), so that a presigned URL points where every other request goes.
 */
final class S3Clients implements AutoCloseable {
  private final S3Options options;
  private final Region region;
  private final DefaultCredentialsProvider credentials;
  private final S3Client client;
  private volatile boolean credentialsChecked;

  private S3Clients(S3Options options, Region region) {
    this.options = options;
    this.region = region;
    this.credentials = DefaultCredentialsProvider.builder().build();
    var builder =
        S3Client.builder()
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(options.connectTimeout())
                    .socketTimeout(options.readTimeout()))
            // One retry: a silent endpoint costs two read deadlines, not the SDK's default three.
            .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(2)))
            .credentialsProvider(credentials)
            .region(region)
            .forcePathStyle(options.pathStyle())
            // s3proxy, MinIO and older servers reject the SDK's default trailing checksums.
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    if (options.endpoint() != null) {
      builder.endpointOverride(options.endpoint());
    }
    this.client = builder.build();
  }

  /**
   * Builds the clients.
   *
   * @throws StoreException with {@link StoreFailure#CONFIG} when no region is known
   */
  static S3Clients of(S3Options options) throws StoreException {
    return new S3Clients(options, region(options));
  }

  S3Client client() throws StoreException {
    checkCredentials();
    return client;
  }

  /** A presigner configured as the client is; close it after use. */
  S3Presigner presigner() throws StoreException {
    checkCredentials();
    // S3Presigner.builder().s3Client(client) would be shorter but does not carry the region over
    // (the SDK resolves it again and fails).
    var builder =
        S3Presigner.builder()
            .region(region)
            .credentialsProvider(credentials)
            .serviceConfiguration(
                S3Configuration.builder().pathStyleAccessEnabled(options.pathStyle()).build());
    if (options.endpoint() != null) {
      builder.endpointOverride(options.endpoint());
    }
    return builder.build();
  }

  /** Where requests go, for messages. */
  String endpoint() {
    return options.endpoint() != null
        ? options.endpoint().toString()
        : "https://s3." + region.id() + ".amazonaws.com";
  }

  /**
   * Finds credentials once, before the first request: with none at all the SDK would send nothing
   * and fail with a kilobyte-long chain dump that reads like a network error.
   */
  private void checkCredentials() throws StoreException {
    if (credentialsChecked) {
      return;
    }
    try {
      credentials.resolveCredentials();
      credentialsChecked = true;
    } catch (SdkClientException e) {
      throw new StoreException(
          StoreFailure.AUTH,
          "no AWS credentials found (none in the environment, the profile files, a web identity"
              + " token or an instance role)",
          e);
    }
  }

  private static Region region(S3Options options) throws StoreException {
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
      throw new StoreException(StoreFailure.CONFIG, "no AWS region configured", e);
    }
  }

  @Override
  public void close() {
    client.close();
    credentials.close();
  }
}
