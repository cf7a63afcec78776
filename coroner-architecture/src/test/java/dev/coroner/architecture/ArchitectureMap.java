package dev.coroner.architecture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The map in docs/ARCHITECTURE.md, read from its tables: the modules (root package, which other
 * modules each may use) and, per module, its packages and which of the module's packages each may
 * use. The tests check the code against it, so the map is the rule and cannot drift.
 */
record ArchitectureMap(Map<String, Module> modules, Map<String, Set<String>> packages) {

  /** A module: its root package and the modules it may use. */
  record Module(String name, String root, Set<String> mayUse) {}

  private static final Pattern CODE = Pattern.compile("`([^`]+)`");

  static ArchitectureMap read(Path markdown) throws IOException {
    return parse(Files.readAllLines(markdown));
  }

  /**
   * Parses the two kinds of table: under {@code ## Modules}, rows {@code | `module` | `root` |
   * `other`, ... | what |}; under {@code ### `module`} headings after {@code ## Packages}, rows
   * {@code | `package` | `other`, ... | contents |} with packages relative to {@code dev.coroner}.
   */
  static ArchitectureMap parse(List<String> lines) {
    Map<String, Module> modules = new LinkedHashMap<>();
    Map<String, Set<String>> packages = new LinkedHashMap<>();
    String section = "";
    for (String line : lines) {
      if (line.startsWith("## ")) {
        section = line.substring(3).trim();
        continue;
      }
      if (line.startsWith("### ")) {
        continue;
      }
      if (!line.startsWith("|") || line.startsWith("|---") || line.startsWith("| ---")) {
        continue;
      }
      List<String> cells = cells(line);
      if (cells.size() < 3) {
        continue;
      }
      if (section.equals("Modules")) {
        List<String> name = codes(cells.get(0));
        List<String> root = codes(cells.get(1));
        if (name.size() == 1 && root.size() == 1) {
          modules.put(
              name.get(0),
              new Module(name.get(0), root.get(0), new LinkedHashSet<>(codes(cells.get(2)))));
        }
      } else if (section.equals("Packages")) {
        List<String> pkg = codes(cells.get(0));
        if (pkg.size() == 1) {
          Set<String> uses = new LinkedHashSet<>();
          for (String u : codes(cells.get(1))) {
            uses.add(qualified(u));
          }
          packages.put(qualified(pkg.get(0)), uses);
        }
      }
    }
    return new ArchitectureMap(modules, packages);
  }

  /** The module whose root package holds {@code pkg}, or null. */
  Module moduleOf(String pkg) {
    Module best = null;
    for (Module m : modules.values()) {
      if ((pkg.equals(m.root()) || pkg.startsWith(m.root() + "."))
          && (best == null || m.root().length() > best.root().length())) {
        best = m;
      }
    }
    return best;
  }

  private static String qualified(String relative) {
    return relative.startsWith("dev.coroner") ? relative : "dev.coroner." + relative;
  }

  private static List<String> cells(String row) {
    String inner = row.strip();
    inner = inner.substring(1, inner.endsWith("|") ? inner.length() - 1 : inner.length());
    List<String> out = new ArrayList<>();
    for (String c : inner.split("\\|", -1)) {
      out.add(c.trim());
    }
    return out;
  }

  private static List<String> codes(String cell) {
    List<String> out = new ArrayList<>();
    Matcher m = CODE.matcher(cell);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
