package dev.coroner.agent;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A real S3 server on loopback: s3proxy in this JVM over a filesystem blob store. It can be stopped
 * and started again on the same port with the same data, to play an outage.
 */
final class S3Server implements AutoCloseable {
  static final String ACCESS = "agent-test-access";
  static final String SECRET = "agent-test-secret";

  private final Path dir;
  private final int port;
  private S3Proxy proxy;
  private BlobStoreContext context;

  S3Server(Path dir) throws Exception {
    this.dir = dir;
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
    start();
  }

  void start() throws Exception {
    Properties p = new Properties();
    p.setProperty("jclouds.filesystem.basedir", dir.toString());
    context =
        ContextBuilder.newBuilder("filesystem")
            .credentials(ACCESS, SECRET)
            .overrides(p)
            .build(BlobStoreContext.class);
    proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(uri())
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
            .ignoreUnknownHeaders(true)
            .build();
    proxy.start();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> "STARTED".equals(proxy.getState()));
  }

  void stop() throws Exception {
    proxy.stop();
    context.close();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  S3Client client() {
    return S3Client.builder()
        .endpointOverride(uri())
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
        .build();
  }

  /** The objects under {@code prefix} in {@code bucket}. */
  static List<S3Object> objects(S3Client client, String bucket, String prefix) {
    return client.listObjectsV2(l -> l.bucket(bucket).prefix(prefix)).contents();
  }

  /** An object's coroner metadata, decoded (values travel URL-encoded in x-amz-meta-*). */
  static Map<String, String> metadata(S3Client client, String bucket, S3Object o) {
    Map<String, String> decoded = new HashMap<>();
    client
        .headObject(h -> h.bucket(bucket).key(o.key()))
        .metadata()
        .forEach((k, v) -> decoded.put(k, URLDecoder.decode(v, StandardCharsets.UTF_8)));
    return decoded;
  }

  @Override
  public void close() throws Exception {
    stop();
  }
}
