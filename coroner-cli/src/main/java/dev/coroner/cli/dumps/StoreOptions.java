package dev.coroner.cli.dumps;

import dev.coroner.cli.errors.CliException;
import dev.coroner.dump.DumpInfo;
import dev.coroner.store.DumpReference;
import dev.coroner.store.Store;
import dev.coroner.store.StoreException;
import dev.coroner.store.StoredDump;
import dev.coroner.store.open.Stores;
import dev.coroner.store.s3.S3Options;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code --store}: which store a command works on, and the lookups every command needs. */
public final class StoreOptions {
  /** The option's name; {@code Main} supplies its default from {@code CliConfig}. */
  public static final String OPTION = "--store";

  /** Defaults to {@code AWS_ENDPOINT_URL_S3} through {@code CliConfig}. */
  public static final String S3_ENDPOINT_OPTION = "--s3-endpoint";

  @Option(
      names = OPTION,
      paramLabel = "URL",
      description =
          "Where the dumps are: a directory, file:///dir or s3://bucket/prefix."
              + " Default: $CORONER_STORE, else store= in ~/.config/coroner/config.properties,"
              + " else file:///var/lib/coroner/dumps. Now: ${DEFAULT-VALUE}")
  @Nullable String url;

  @Option(
      names = S3_ENDPOINT_OPTION,
      paramLabel = "URL",
      description =
          "S3-compatible endpoint (MinIO, s3proxy, a VPC endpoint). Default: $AWS_ENDPOINT_URL_S3,"
              + " else $AWS_ENDPOINT_URL, else AWS. Credentials come from the AWS SDK's usual"
              + " chain (env, ~/.aws, IRSA), never from options.")
  @Nullable String s3Endpoint;

  @Option(
      names = "--s3-region",
      paramLabel = "REGION",
      description = "AWS region (default: $AWS_REGION or the profile; us-east-1 with an endpoint).")
  @Nullable String s3Region;

  @Option(
      names = "--s3-path-style",
      paramLabel = "BOOL",
      arity = "0..1",
      description = "Path-style URLs (http://host/bucket/key). Default: on with an endpoint.")
  @Nullable Boolean s3PathStyle;

  /** Opens the store (close it when done); a bad URL is a usage error. */
  public Store open() {
    String where = url == null ? Stores.DEFAULT : url;
    URI endpoint = endpoint();
    boolean pathStyle = s3PathStyle != null ? s3PathStyle : endpoint != null;
    try {
      return Stores.open(where, S3Options.defaults(endpoint, s3Region, pathStyle));
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, where);
    }
  }

  private @Nullable URI endpoint() {
    if (s3Endpoint == null || s3Endpoint.isBlank()) {
      return null;
    }
    try {
      URI u = new URI(s3Endpoint);
      if (u.getScheme() == null || u.getHost() == null) {
        throw new URISyntaxException(s3Endpoint, "not an http(s)://host[:port] URL");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new CliException(
          CliException.USAGE,
          S3_ENDPOINT_OPTION
              + " must be an http(s)://host[:port] URL: '"
              + s3Endpoint
              + "' ("
              + e.getReason()
              + ")");
    }
  }

  /** The complete dump-info of a dump (a remote listing may carry only part of it). */
  public static DumpInfo info(Store store, StoredDump dump) {
    try {
      return store.info(dump);
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, store.url());
    }
  }

  /** Lists the store, newest first; an unreachable store exits 4. */
  public static List<StoredDump> list(Store store) {
    try {
      return store.list();
    } catch (StoreException e) {
      throw StoreErrors.toCli(e, store.url());
    }
  }

  /**
   * Resolves a reference; unknown or ambiguous exits 3 with a hint. A path to a dump's zip names
   * that file, whatever the store.
   */
  public static StoredDump resolve(Store store, String ref) {
    java.nio.file.Path zip = zipPath(ref);
    if (zip != null) {
      try (Store here =
          new dev.coroner.store.local.LocalStore(
              java.util.Objects.requireNonNull(zip.getParent(), "an absolute file's directory"))) {
        String name = zip.getFileName().toString();
        return list(here).stream()
            .filter(d -> (d.name() + ".zip").equals(name))
            .findFirst()
            .orElseThrow(
                () -> new CliException(CliException.NOT_FOUND, ref + " is not a dump zip"));
      }
    }
    try {
      return DumpReference.resolve(list(store), ref, store.url());
    } catch (DumpReference.UnresolvedException e) {
      throw new CliException(CliException.NOT_FOUND, e.getMessage(), e);
    }
  }

  /** {@code ref} as the path of an existing zip, or null. */
  private static java.nio.file.@Nullable Path zipPath(String ref) {
    if (!ref.endsWith(".zip") || !ref.contains("/")) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(ref).toAbsolutePath().normalize();
    return java.nio.file.Files.isRegularFile(p) ? p : null;
  }

  /** A dump whose dump-info could be read, else the problem with advice by its kind. */
  public static StoredDump readable(StoredDump dump) {
    if (!dump.readable()) {
      throw StoreErrors.unreadable(dump);
    }
    return dump;
  }
}
