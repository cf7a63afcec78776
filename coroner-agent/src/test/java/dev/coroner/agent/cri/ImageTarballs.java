package dev.coroner.agent.cri;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds container images as docker-archive tarballs without a daemon or a registry: a static
 * {@code pause} and a Node.js image made of the host's {@code node} and the libraries {@code ldd}
 * lists. Tarballs are cached under {@code target/cri-images} and rebuilt when their inputs change.
 */
final class ImageTarballs {
  static final String PAUSE = "localhost/pause:1";
  static final String NODE = "localhost/coroner-node:1";

  /** Where the node image keeps the test app and the example app. */
  static final String APP_DIR = "/app";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern LDD_PATH = Pattern.compile("(/\\S+) \\(0x");

  private final Path cache;

  ImageTarballs(Path cache) {
    this.cache = cache;
  }

  /** The pause image's tarball. */
  Path pause() throws IOException {
    String source = resource("pause.c");
    return cached(
        "pause",
        source,
        rootfs -> {
          Path c = rootfs.getParent().resolve("pause.c");
          Files.writeString(c, source);
          Commands.run(
              "gcc", "-static", "-Os", "-o", rootfs.resolve("pause").toString(), c.toString());
          return image(rootfs, PAUSE, List.of("/pause"));
        });
  }

  /** The node image's tarball: node, its libraries, {@code /app/talker.js} and the example app. */
  Path node() throws IOException {
    Path node = Path.of("/usr/bin/node").toRealPath();
    Path example = Path.of("../examples/crashing-nodejs-app").toAbsolutePath().normalize();
    String talker = resource("talker.js");
    List<Path> libraries = libraries(node);
    String key =
        String.join(
            "\n",
            node + " " + Files.size(node) + " " + Files.getLastModifiedTime(node),
            libraries.toString(),
            talker,
            contents(example));
    return cached(
        "node",
        key,
        rootfs -> {
          copy(node, rootfs.resolve("usr/bin/node"));
          for (Path lib : libraries) {
            copy(lib, rootfs.resolve(lib.toString().substring(1)));
          }
          Path app = rootfs.resolve(APP_DIR.substring(1));
          Files.createDirectories(app.resolve("tmp"));
          Files.writeString(app.resolve("talker.js"), talker);
          try (Stream<Path> files = Files.list(example)) {
            for (Path f : files.toList()) {
              copy(f, app.resolve("crashing-nodejs-app").resolve(f.getFileName().toString()));
            }
          }
          return image(rootfs, NODE, List.of("/usr/bin/node", APP_DIR + "/talker.js"));
        });
  }

  private interface Builder {
    /** Fills {@code rootfs} and writes the tarball's parts beside it; returns the parts. */
    List<String> build(Path rootfs) throws IOException;
  }

  private Path cached(String name, String key, Builder builder) throws IOException {
    Path tar = cache.resolve(name + ".tar");
    Path keyFile = cache.resolve(name + ".key");
    if (Files.exists(tar) && Files.exists(keyFile) && Files.readString(keyFile).equals(key)) {
      return tar;
    }
    Path work = cache.resolve(name + ".work");
    Commands.deleteTree(work);
    Path rootfs = Files.createDirectories(work.resolve("rootfs"));
    List<String> parts = builder.build(rootfs);
    List<String> command =
        new ArrayList<>(List.of("tar", "-C", work.toString(), "-cf", tar + ".tmp"));
    command.addAll(parts);
    Commands.run(command.toArray(String[]::new));
    Files.move(Path.of(tar + ".tmp"), tar, StandardCopyOption.REPLACE_EXISTING);
    Files.writeString(keyFile, key);
    Commands.deleteTree(work);
    return tar;
  }

  /** Writes layer, config and manifest of a docker-archive next to {@code rootfs}. */
  private static List<String> image(Path rootfs, String repoTag, List<String> entrypoint)
      throws IOException {
    Path work = rootfs.getParent();
    Path layer = work.resolve("layer.tar");
    Commands.run(
        "tar",
        "--sort=name",
        "--mtime=@0",
        "--numeric-owner",
        "--owner=0",
        "--group=0",
        "-C",
        rootfs.toString(),
        "-cf",
        layer.toString(),
        ".");
    String diffId = "sha256:" + sha256(layer);
    Map<String, Object> config = new TreeMap<>();
    config.put("architecture", "amd64");
    config.put("os", "linux");
    config.put(
        "config",
        Map.of(
            "Entrypoint",
            entrypoint,
            "Env",
            List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            "WorkingDir",
            "/"));
    config.put("rootfs", Map.of("type", "layers", "diff_ids", List.of(diffId)));
    byte[] configJson = JSON.writeValueAsBytes(config);
    String configName = hex(digest(configJson)) + ".json";
    Files.write(work.resolve(configName), configJson);
    Files.write(
        work.resolve("manifest.json"),
        JSON.writeValueAsBytes(
            List.of(
                Map.of(
                    "Config", configName,
                    "RepoTags", List.of(repoTag),
                    "Layers", List.of("layer.tar")))));
    return List.of("manifest.json", configName, "layer.tar");
  }

  /** The shared libraries {@code ldd} lists for {@code binary}, at their paths. */
  private static List<Path> libraries(Path binary) {
    List<Path> libs = new ArrayList<>();
    Matcher m = LDD_PATH.matcher(Commands.run("ldd", binary.toString()));
    while (m.find()) {
      libs.add(Path.of(m.group(1)));
    }
    return libs;
  }

  private static void copy(Path from, Path to) throws IOException {
    Files.createDirectories(to.getParent());
    // Follows links: the image gets the files, not links into the host's layout.
    Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
  }

  private static String contents(Path dir) throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        all.append(f.getFileName()).append('\n').append(Files.readString(f));
      }
    }
    return all.toString();
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = ImageTarballs.class.getResourceAsStream("/cri/" + name)) {
      if (in == null) {
        throw new IOException("test resource /cri/" + name + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String sha256(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return hex(md.digest());
  }

  private static byte[] digest(byte[] bytes) {
    return sha256().digest(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
