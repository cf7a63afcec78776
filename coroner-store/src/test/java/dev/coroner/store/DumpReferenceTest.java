package dev.coroner.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class DumpReferenceTest {
  static StoredDump d(String uuid, long t) {
    String name = uuid + "-dump-" + t + "-h-node-1-5";
    return new StoredDump(
        name,
        1,
        Instant.ofEpochSecond(t),
        new DumpLocation.LocalFile(java.nio.file.Path.of("/d/" + name + ".zip")),
        null,
        DumpProblem.damaged("x"));
  }

  final List<StoredDump> newestFirst =
      List.of(
          d("aaaa1111-0000-0000-0000-000000000000", 300),
          d("aaaa2222-0000-0000-0000-000000000000", 200),
          d("bbbb3333-0000-0000-0000-000000000000", 100));

  @Test
  void latestAndNthNewest() throws Exception {
    assertThat(resolve("latest")).isSameAs(newestFirst.get(0));
    assertThat(resolve("-1")).isSameAs(newestFirst.get(0));
    assertThat(resolve("-3")).isSameAs(newestFirst.get(2));
  }

  @Test
  void fullNameWithOrWithoutZipAndUniquePrefix() throws Exception {
    String name = newestFirst.get(1).name();
    assertThat(resolve(name)).isSameAs(newestFirst.get(1));
    assertThat(resolve(name + ".zip")).isSameAs(newestFirst.get(1));
    assertThat(resolve("bbbb")).isSameAs(newestFirst.get(2));
    assertThat(resolve("aaaa2")).isSameAs(newestFirst.get(1));
  }

  @Test
  void ambiguousAndUnknownSayWhatToDo() {
    assertThatThrownBy(() -> resolve("aaaa"))
        .hasMessageContaining("matches 2 dumps")
        .hasMessageContaining(newestFirst.get(0).name());
    assertThatThrownBy(() -> resolve("cccc"))
        .hasMessage("no dump 'cccc' in file:///d/; run 'coroner list' to see what is there");
    assertThatThrownBy(() -> resolve("-4")).hasMessageContaining("only 3 dumps");
    assertThatThrownBy(() -> resolve("-0")).hasMessageContaining("use -1");
    assertThatThrownBy(() -> DumpReference.resolve(List.of(), "latest", "file:///d/"))
        .hasMessageContaining("no dumps in file:///d/ yet");
  }

  private StoredDump resolve(String ref) throws Exception {
    return DumpReference.resolve(newestFirst, ref, "file:///d/");
  }
}
