package dev.coroner.kube.store;

import dev.coroner.store.StoreException;
import dev.coroner.store.StoreFailure;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A presigned URL read with a plain GET. Messages name the host only: the URL is a bearer
 * capability.
 */
final class UrlFetch {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  /** The body, and its length (-1 when unknown). */
  record Body(InputStream in, long length) {}

  private UrlFetch() {}

  static Body get(URI url, String what) throws StoreException {
    HttpResponse<InputStream> r;
    try {
      r =
          HTTP.send(
              HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw new StoreException(
          StoreFailure.UNREACHABLE,
          "cannot reach the object store at "
              + host(url)
              + " to download "
              + what
              + ": "
              + ClusterFailures.root(e),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(StoreFailure.OTHER, "interrupted while downloading " + what, e);
    }
    if (r.statusCode() == 200) {
      return new Body(r.body(), r.headers().firstValueAsLong("Content-Length").orElse(-1));
    }
    try (InputStream body = r.body()) {
      body.readNBytes(4096); // let the connection be reused
    } catch (IOException e) {
      // the status says enough
    }
    StoreFailure kind = r.statusCode() == 404 ? StoreFailure.NOT_FOUND : StoreFailure.OTHER;
    throw new StoreException(
        kind,
        "the object store at "
            + host(url)
            + " refused the URL for "
            + what
            + " (HTTP "
            + r.statusCode()
            + (r.statusCode() == 403 ? ": expired, or its signature is no longer good" : "")
            + (r.statusCode() == 404 ? ": the dump's object is gone from the bucket" : "")
            + ")");
  }

  private static String host(URI url) {
    return url.getPort() < 0 ? url.getHost() : url.getHost() + ":" + url.getPort();
  }
}
