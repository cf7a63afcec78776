# coroner's debug pod, init container "fetch": downloads the dump's zip through a presigned URL,
# lays it out as DUMP_DIR/NAME/ (the zip's entries) with the raw core at CORE_LOCATION, checks the
# core against the sha256 in dump-info, and removes the zip. Every input comes from the
# environment; the URL is never printed (it reads the dump until it expires).
set -euo pipefail
fail() {
  echo "coroner fetch: $*" >&2
  exit 1
}
for tool in curl unzip zstd sha256sum; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "the debug image has no '$tool'; pass --debug-image with an image that has curl, unzip, zstd and sha256sum (docs/cli.md)"
done
zip="$DUMP_DIR/$DUMP_NAME.zip"
dir="$DUMP_DIR/$DUMP_NAME"
mkdir -p "$dir"
# --retry covers dropped connections and 5xx answers; a 403 (an expired URL) is final.
if ! curl -fsS --retry 3 --retry-delay 2 --connect-timeout 20 -o "$zip" "$DUMP_URL" 2>"$dir/.curl.err"; then
  fail "cannot download the dump: $(tr '\n' ' ' <"$dir/.curl.err")(a 403 means the presigned URL expired, see --url-ttl, or the store refused it)"
fi
rm -f "$dir/.curl.err"
echo "coroner fetch: downloaded $(stat -c %s "$zip") bytes"
unzip -qq -o "$zip" -x "$CORE_ENTRY" -d "$dir" || fail "the dump's zip is damaged: unzip failed"
case "$CORE_COMPRESSION" in
  zstd) unzip -p "$zip" "$CORE_ENTRY" | zstd -dcq >"$CORE_LOCATION" || fail "cannot decompress $CORE_ENTRY: the dump is damaged" ;;
  deflate | none) unzip -p "$zip" "$CORE_ENTRY" >"$CORE_LOCATION" || fail "cannot extract $CORE_ENTRY: the dump is damaged" ;;
  *) fail "unknown core compression '$CORE_COMPRESSION'; this coroner is older than the dump" ;;
esac
# The executable and libraries kept with the dump (BINARIES: sha256, path, URL per line,
# tab-separated), laid out at their paths under SYSROOT for the debugger; each checked.
if [ -n "${BINARIES:-}" ]; then
  kept=0
  while IFS=$'\t' read -r sha path url; do
    [ -n "$path" ] || continue
    case "$path" in
      /*) ;;
      *) fail "a kept binary's path is not absolute: '$path'" ;;
    esac
    target="$SYSROOT$path"
    mkdir -p "$(dirname "$target")"
    if ! curl -fsS --retry 3 --retry-delay 2 --connect-timeout 20 -o "$target" "$url" 2>"$dir/.curl.err"; then
      fail "cannot download the kept binary $path: $(tr '\n' ' ' <"$dir/.curl.err")(a 403 means the presigned URL expired)"
    fi
    actual=$(sha256sum "$target" | cut -d' ' -f1)
    [ "$actual" = "$sha" ] || fail "the kept binary $path does not match its sha256 (expected $sha, got $actual)"
    kept=$((kept + 1))
  done <<<"$BINARIES"
  rm -f "$dir/.curl.err"
  echo "coroner fetch: $kept kept binaries under $SYSROOT match their sha256"
fi
# The zip's other entries are in $dir now; dropping it halves what the node's disk must hold.
rm -f "$zip"
actual=$(sha256sum "$CORE_LOCATION" | cut -d' ' -f1)
if [ "$actual" != "$CORE_SHA256" ]; then
  fail "the core does not match its sha256 (expected $CORE_SHA256, got $actual): the dump is damaged"
fi
echo "coroner fetch: $CORE_LOCATION ($(stat -c %s "$CORE_LOCATION") bytes) matches its sha256"
