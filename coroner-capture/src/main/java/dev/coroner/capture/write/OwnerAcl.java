package dev.coroner.capture.write;

import dev.coroner.capture.log.CaptureLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Lets the owner of a crashed process read its own dump, as systemd-coredump does with an ACL:
 * {@code u:UID:r} on the dump (0600 root otherwise) and {@code u:UID:rx} on the dump directory
 * (0700 root otherwise), so that a non-root {@code coroner list} finds its own dumps and no one
 * else's. The JDK's AclFileAttributeView does not exist on Linux file systems (only NFSv4-style
 * ACLs), so this runs {@code setfacl} (Debian's acl package). Never throws: a dump without the ACL
 * is still root's.
 */
public final class OwnerAcl {
  private static final List<Path> SETFACL =
      List.of(Path.of("/usr/bin/setfacl"), Path.of("/bin/setfacl"));

  private OwnerAcl() {}

  /**
   * The uid that may read the dump of a process of real uid {@code uid} with {@code
   * /proc/PID/status} {@code status}, or -1: none. Only a process whose real, effective, saved and
   * file-system uids and gids are all the same is its owner's: a setuid program's core holds memory
   * of the privileges it ran with (the CVE-2022-4415 class systemd-coredump closed). Without its
   * status, no one.
   */
  public static long ownerOf(long uid, byte @Nullable [] status) {
    if (uid <= 0 || status == null) {
      return -1;
    }
    String uids = null;
    String gids = null;
    for (String line : new String(status, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith("Uid:")) {
        uids = line.substring(4).strip();
      } else if (line.startsWith("Gid:")) {
        gids = line.substring(4).strip();
      }
    }
    return sameFour(uids) && sameFour(gids) ? uid : -1;
  }

  private static boolean sameFour(@Nullable String ids) {
    if (ids == null) {
      return false;
    }
    String[] f = ids.split("\\s+");
    return f.length == 4 && f[0].equals(f[1]) && f[0].equals(f[2]) && f[0].equals(f[3]);
  }

  /**
   * Grants {@code uid} read on {@code dump} and entry to its directory; root (0) and -1 (no one,
   * {@link #ownerOf}) get none.
   */
  public static void grant(Path dump, long uid, CaptureLog log) {
    if (uid <= 0) {
      return;
    }
    Path setfacl = SETFACL.stream().filter(Files::isExecutable).findFirst().orElse(null);
    Path dir = dump.toAbsolutePath().getParent();
    if (dir == null) {
      return;
    }
    if (setfacl == null) {
      log.info("no setfacl (package acl): uid " + uid + " cannot read its own dump");
      return;
    }
    // The directory first: a readable dump in a directory the user cannot enter is no use.
    if (run(setfacl, "u:" + uid + ":rx", dir, log)) {
      run(setfacl, "u:" + uid + ":r", dump, log);
    }
  }

  private static boolean run(Path setfacl, String entry, Path file, CaptureLog log) {
    try {
      Process p =
          new ProcessBuilder(setfacl.toString(), "-m", entry, file.toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(2, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        log.info("setfacl " + entry + " " + file + " did not finish in 2 s");
        return false;
      }
      if (p.exitValue() != 0) {
        // A file system without ACLs (some tmpfs, overlay setups) says so here.
        log.info("setfacl " + entry + " " + file + " failed (exit " + p.exitValue() + ")");
        return false;
      }
      return true;
    } catch (IOException e) {
      log.info("setfacl " + entry + " " + file + " failed: " + e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * Whether {@code dir}'s group bits are only the mask of owner ACLs this class granted: its ACL
   * gives the owning group and others nothing, so it is private although its mode reads {@code
   * rwxr-x---}. False without getfacl, or when it cannot tell.
   */
  public static boolean privateWithAcl(Path dir) {
    Path getfacl =
        Stream.of(Path.of("/usr/bin/getfacl"), Path.of("/bin/getfacl"))
            .filter(Files::isExecutable)
            .findFirst()
            .orElse(null);
    if (getfacl == null) {
      return false;
    }
    try {
      Process p =
          new ProcessBuilder(getfacl.toString(), "-c", "-n", "-p", dir.toString())
              .redirectError(ProcessBuilder.Redirect.DISCARD)
              .start();
      String acl = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(2, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return false;
      }
      List<String> lines = acl.lines().map(String::strip).toList();
      // Named users may read (the crashed processes' owners); group and others nothing.
      return lines.contains("group::---")
          && lines.contains("other::---")
          && lines.stream().noneMatch(l -> l.startsWith("group:") && !l.equals("group::---"))
          && lines.stream()
              .filter(l -> l.startsWith("user:") && !l.startsWith("user::"))
              .allMatch(l -> l.matches("user:[0-9]+:r-x(\\s.*)?"));
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
