package dev.coroner.store.s3;

import java.util.ArrayList;
import java.util.List;
import org.gaul.s3proxy.junit.S3ProxyExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3 server on loopback for each test (s3proxy, in-process, filesystem-backed) with a bucket
 * {@code crashes}, and its credentials where the store finds them: the SDK's default chain, whose
 * system properties are restored afterwards.
 */
abstract class LocalS3Test {
  @RegisterExtension
  final S3ProxyExtension s3 =
      S3ProxyExtension.builder()
          .withCredentials("test-access", "test-secret")
          .ignoreUnknownHeaders()
          .build();

  private final List<String> saved = new ArrayList<>();

  @BeforeEach
  void credentialsAndBucket() {
    saved.add(System.getProperty("aws.accessKeyId"));
    saved.add(System.getProperty("aws.secretAccessKey"));
    System.setProperty("aws.accessKeyId", s3.getAccessKey());
    System.setProperty("aws.secretAccessKey", s3.getSecretKey());
    try (S3Client admin =
        S3Client.builder()
            .endpointOverride(s3.getUri())
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.getAccessKey(), s3.getSecretKey())))
            .build()) {
      admin.createBucket(b -> b.bucket("crashes"));
    }
  }

  @AfterEach
  void restoreCredentials() {
    restore("aws.accessKeyId", saved.get(0));
    restore("aws.secretAccessKey", saved.get(1));
  }

  static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }
}
