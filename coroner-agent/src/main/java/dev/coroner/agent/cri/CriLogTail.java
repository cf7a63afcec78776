package dev.coroner.agent.cri;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The last lines of a container log in CRI format ({@code TIMESTAMP STREAM TAG CONTENT}), read
 * backwards from the end of the file: a crash-looping pod's log can be large, and the lookup runs
 * while the kernel waits for the core.
 */
public final class CriLogTail {
  /** Never reads more than this from the end of a log, whatever the line count asks. */
  public static final long MAX_BYTES = 8L << 20;

  private static final int BLOCK = 64 << 10;

  private CriLogTail() {}

  /**
   * The last {@code maxLines} lines of {@code file}, oldest first, without the CRI prefix. Partial
   * ({@code P}) entries are joined with the entry that ends them, per stream; lines that are not in
   * CRI format are kept as they are.
   */
  public static List<String> read(Path file, int maxLines) throws IOException {
    return read(file, maxLines, MAX_BYTES);
  }

  static List<String> read(Path file, int maxLines, long maxBytes) throws IOException {
    if (maxLines <= 0) {
      return List.of();
    }
    List<Entry> newestFirst = new ArrayList<>();
    Selector selector = new Selector(maxLines, newestFirst);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      long floor = Math.max(0, size - maxBytes);
      byte[] carry = new byte[0];
      boolean newestLine = true;
      long pos = size;
      while (pos > floor && !selector.done()) {
        int len = (int) Math.min(BLOCK, pos - floor);
        pos -= len;
        ByteBuffer block = ByteBuffer.allocate(len + carry.length);
        readFully(ch, block, pos, len);
        block.put(carry);
        byte[] buf = block.array();
        int end = buf.length;
        for (int i = buf.length - 1; i >= 0 && !selector.done(); i--) {
          if (buf[i] != '\n') {
            continue;
          }
          // The bytes after the file's final newline are empty, or a line still being written.
          if (!(newestLine && i + 1 == end)) {
            selector.offer(Entry.parse(buf, i + 1, end));
          }
          newestLine = false;
          end = i;
        }
        carry = Arrays.copyOf(buf, end);
      }
      // At the start of the file the carry is the first line; past the byte limit it may be cut.
      if (pos == 0 && carry.length > 0 && !selector.done()) {
        selector.offer(Entry.parse(carry, 0, carry.length));
      }
    }
    Collections.reverse(newestFirst);
    return join(newestFirst, maxLines);
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long pos, int len)
      throws IOException {
    dst.limit(len);
    while (dst.hasRemaining()) {
      if (ch.read(dst, pos + dst.position()) < 0) {
        throw new IOException("log shrank while reading");
      }
    }
    dst.limit(dst.capacity());
  }

  private static List<String> join(List<Entry> oldestFirst, int maxLines) {
    List<String> lines = new ArrayList<>();
    Map<String, ByteArrayOutputStream> pending = new HashMap<>();
    for (Entry e : oldestFirst) {
      if (e.stream == null) {
        lines.add(e.text());
        continue;
      }
      ByteArrayOutputStream buf =
          pending.computeIfAbsent(e.stream, s -> new ByteArrayOutputStream());
      // Join bytes, not strings: a runtime splits long lines at a byte count, even inside a
      // multi-byte character.
      buf.write(e.bytes, e.from, e.to - e.from);
      if (!e.partial) {
        lines.add(buf.toString(StandardCharsets.UTF_8));
        pending.remove(e.stream);
      }
    }
    // A process that died in the middle of a long line leaves P entries and no F: keep them.
    pending.values().forEach(b -> lines.add(b.toString(StandardCharsets.UTF_8)));
    return List.copyOf(lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
  }

  /**
   * Decides, newest entry first, which entries make up the last lines: every entry until enough
   * lines have ended, then the P entries that open the oldest of them, stream by stream.
   */
  private static final class Selector {
    private final int maxLines;
    private final List<Entry> taken;
    private final Set<String> open = new HashSet<>();
    private int ended;

    Selector(int maxLines, List<Entry> taken) {
      this.maxLines = maxLines;
      this.taken = taken;
    }

    void offer(Entry e) {
      if (ended < maxLines) {
        taken.add(e);
        if (e.stream != null) {
          open.add(e.stream);
        }
        if (!e.partial) {
          ended++;
        }
      } else if (e.stream != null && open.contains(e.stream)) {
        if (e.partial) {
          taken.add(e);
        } else {
          // An older line of this stream ended here, so its newer line is complete.
          open.remove(e.stream);
        }
      }
    }

    boolean done() {
      return ended >= maxLines && open.isEmpty();
    }
  }

  /** One raw log line: the content's byte range, its stream and whether it is partial. */
  // A view of the read buffer, never compared or hashed.
  @SuppressWarnings("ArrayRecordComponent")
  private record Entry(byte[] bytes, int from, int to, @Nullable String stream, boolean partial) {
    static Entry parse(byte[] buf, int from, int to) {
      int s1 = indexOf(buf, ' ', from, to);
      int s2 = s1 < 0 ? -1 : indexOf(buf, ' ', s1 + 1, to);
      if (s2 < 0) {
        return new Entry(buf, from, to, null, false);
      }
      String stream = new String(buf, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
      if (!stream.equals("stdout") && !stream.equals("stderr")) {
        return new Entry(buf, from, to, null, false);
      }
      int s3 = indexOf(buf, ' ', s2 + 1, to);
      int tagEnd = s3 < 0 ? to : s3;
      // The tag may grow more fields after a colon; the first says partial (P) or full (F).
      boolean partial = tagEnd > s2 + 1 && buf[s2 + 1] == 'P';
      int content = s3 < 0 ? to : s3 + 1;
      return new Entry(buf, content, to, stream, partial);
    }

    String text() {
      return new String(bytes, from, to - from, StandardCharsets.UTF_8);
    }

    private static int indexOf(byte[] buf, char c, int from, int to) {
      for (int i = from; i < to; i++) {
        if (buf[i] == c) {
          return i;
        }
      }
      return -1;
    }
  }
}
