package dev.coroner.receiver;

import dev.coroner.receiver.sys.Linux;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The rules a coredump socket path must meet. The kernel's own: absolute, no {@code ..}, no space,
 * shorter than 108 bytes, and no symlink anywhere (it looks the path up from PID 1's root with
 * LOOKUP_NO_SYMLINKS). Ours: the directory is root's and only root may write it, since whoever can
 * create the socket file while the server is down receives every core on the node.
 */
final class SocketPath {
  private static final int GROUP_OR_OTHER_WRITE = 0022;

  private SocketPath() {}

  /** Checks the path's shape and every component; {@code ownerUid} is 0 but in tests. */
  static void check(Path socket, int ownerUid) throws IOException {
    checkShape(socket);
    checkNoSymlink(socket);
    checkDirectory(
        Objects.requireNonNull(socket.getParent(), "checkShape: an absolute path"), ownerUid);
  }

  static void checkShape(Path socket) throws IOException {
    String s = socket.toString();
    if (!socket.isAbsolute()) {
      throw invalid(socket, "is not absolute");
    }
    for (Path name : socket) {
      if (name.toString().equals("..")) {
        throw invalid(socket, "has a '..' component, which the kernel refuses");
      }
    }
    if (s.indexOf(' ') >= 0) {
      throw invalid(socket, "has a space, which the kernel refuses in core_pattern");
    }
    int bytes = s.getBytes(StandardCharsets.UTF_8).length;
    if (bytes >= Linux.UNIX_PATH_MAX) {
      throw invalid(
          socket,
          "is "
              + bytes
              + " bytes long; a Unix socket path has at most "
              + (Linux.UNIX_PATH_MAX - 1));
    }
    if (socket.getParent() == null || socket.getFileName() == null) {
      throw invalid(socket, "names no file in a directory");
    }
  }

  private static void checkNoSymlink(Path socket) throws IOException {
    Path p = socket.getRoot();
    for (Path name : socket) {
      p = p.resolve(name);
      if (Files.isSymbolicLink(p)) {
        throw invalid(
            socket,
            "goes through the symlink "
                + p
                + " -> "
                + Files.readSymbolicLink(p)
                + "; the kernel follows no symlink to the socket: use the real path");
      }
    }
  }

  static void checkDirectory(Path dir, int ownerUid) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(
          "The coredump socket's directory " + dir + " does not exist; create it (root, 0700)");
    }
    int uid = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    int mode = (Integer) Files.getAttribute(dir, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if (uid != ownerUid) {
      throw new IOException(
          "The coredump socket's directory "
              + dir
              + " belongs to uid "
              + uid
              + ", not "
              + (ownerUid == 0 ? "root" : "uid " + ownerUid)
              + "; whoever owns it can take the socket's place");
    }
    if ((mode & GROUP_OR_OTHER_WRITE) != 0) {
      throw new IOException(
          "The coredump socket's directory "
              + dir
              + " is writable by group or others (mode "
              + String.format("%04o", mode & 07777)
              + "): they could put their own socket there and receive every core; chmod it 0700"
              + " or 0755");
    }
  }

  private static IOException invalid(Path socket, String why) {
    return new IOException("The coredump socket path '" + socket + "' " + why);
  }
}
