package dev.coroner.cli;

import dev.coroner.cli.errors.CliException;
import dev.coroner.store.open.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * The CLI's configuration, read once at start: the default store comes from {@code CORONER_STORE},
 * else {@code store=} in {@code ~/.config/coroner/config.properties}, else the single-host default.
 * Command-line options override it.
 *
 * @param store the default store URL
 * @param source where the default came from, for {@code --help} and messages
 * @param cacheDir where {@code coroner debug} keeps extracted cores: {@code
 *     $XDG_CACHE_HOME/coroner}, else {@code ~/.cache/coroner}
 * @param s3Endpoint {@code AWS_ENDPOINT_URL_S3}, else {@code AWS_ENDPOINT_URL}, or null
 * @param warnings what was wrong but harmless in the user config (an unknown key)
 */
public record CliConfig(
    String store,
    String source,
    Path cacheDir,
    @Nullable String s3Endpoint,
    List<String> warnings) {

  /** Without warnings. */
  public CliConfig(String store, String source, Path cacheDir, @Nullable String s3Endpoint) {
    this(store, source, cacheDir, s3Endpoint, List.of());
  }

  public CliConfig {
    warnings = List.copyOf(warnings);
  }

  /** Reads the environment and the optional user config file. */
  public static CliConfig load(Map<String, String> env, Path userHome) {
    String xdg = env.get("XDG_CACHE_HOME");
    Path cacheDir =
        (xdg != null && !xdg.isBlank() ? Path.of(xdg) : userHome.resolve(".cache"))
            .resolve("coroner");
    String endpoint = env.getOrDefault("AWS_ENDPOINT_URL_S3", env.get("AWS_ENDPOINT_URL"));
    String fromEnv = env.get("CORONER_STORE");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new CliConfig(fromEnv, "CORONER_STORE", cacheDir, endpoint, List.of());
    }
    Path file = userHome.resolve(".config/coroner/config.properties");
    if (Files.isRegularFile(file)) {
      Properties p = new Properties();
      try (InputStream in = Files.newInputStream(file)) {
        p.load(in);
      } catch (IOException | IllegalArgumentException e) {
        throw new CliException(
            CliException.USAGE,
            "cannot read " + file + ": " + e.getMessage() + "; fix or remove it");
      }
      List<String> warnings = new ArrayList<>();
      for (String key : p.stringPropertyNames()) {
        if (!key.equals("store")) {
          warnings.add(
              "ignoring unknown setting '"
                  + key
                  + "' in "
                  + file
                  + " (known: store); fix or remove it");
        }
      }
      String store = p.getProperty("store");
      if (store != null && !store.isBlank()) {
        return new CliConfig(store.trim(), file.toString(), cacheDir, endpoint, warnings);
      }
      return new CliConfig(Stores.DEFAULT, "default", cacheDir, endpoint, warnings);
    }
    return new CliConfig(Stores.DEFAULT, "default", cacheDir, endpoint, List.of());
  }
}
