package dev.coroner.dump.name;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NameTemplateTest {
  private static final NameFields SEED =
      new NameFields(
          "a686e8f6-1b46-4e71-9d1a-3c65079ca686",
          1634419098,
          "node-crasher",
          "node",
          8,
          4,
          "default",
          "node-crasher",
          "app",
          "0c1f7b4e-5d2a-4c3b-9e8f-112233445566");

  @Test
  void defaultTemplateGivesTheSeedsName() {
    assertThat(NameTemplate.parse(NameTemplate.DEFAULT).format(SEED))
        .isEqualTo("a686e8f6-1b46-4e71-9d1a-3c65079ca686-dump-1634419098-node-crasher-node-8-4");
  }

  @Test
  void everyFieldCanBeUsed() {
    var t = NameTemplate.parse("{namespace}_{pod}_{container}_{pod_uid}_{uuid}_{exe}_{signal}");
    assertThat(t.format(SEED))
        .isEqualTo(
            "default_node-crasher_app_0c1f7b4e-5d2a-4c3b-9e8f-112233445566"
                + "_a686e8f6-1b46-4e71-9d1a-3c65079ca686_node_4");
  }

  @Test
  void valuesAreMadeSafeForAFileName() {
    var fields = new NameFields("u", 1, "../../etc", "Web Content/x", 1, 11, null, "", "c", null);
    String name = NameTemplate.parse("{uuid}-{hostname}-{exe}-{namespace}-{pod}").format(fields);
    assertThat(name).isEqualTo("u-.._.._etc-Web_Content_x-unknown-unknown");
    assertThat(name).doesNotContain("/");
  }

  @Test
  void longValuesAreCapped() {
    var fields = new NameFields("u", 1, "h".repeat(500), "e", 1, 6, "n", "p", "c", "u");
    String name = NameTemplate.parse(NameTemplate.DEFAULT).format(fields);
    assertThat(name.length()).isLessThanOrEqualTo(200);
    assertThat(name).startsWith("u-dump-1-" + "h".repeat(63) + "-e-1-6");
  }

  @Test
  void leadingDotIsReplaced() {
    var t = NameTemplate.parse(".{uuid}");
    assertThat(t.format(SEED)).startsWith("_a686");
  }

  @Test
  void badTemplatesAreRejectedWithTheReason() {
    assertThatThrownBy(() -> NameTemplate.parse("{uuid}-{nope}"))
        .hasMessageContaining("unknown field {nope}")
        .hasMessageContaining("hostname");
    assertThatThrownBy(() -> NameTemplate.parse("{uuid")).hasMessageContaining("unclosed");
    assertThatThrownBy(() -> NameTemplate.parse("uuid}")).hasMessageContaining("unmatched");
    assertThatThrownBy(() -> NameTemplate.parse("{pid}-{signal}")).hasMessageContaining("{uuid}");
    assertThatThrownBy(() -> NameTemplate.parse("a/{uuid}")).hasMessageContaining("'/'");
    assertThatThrownBy(() -> NameTemplate.parse(" ")).hasMessageContaining("empty");
  }
}
