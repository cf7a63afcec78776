#!/bin/bash
# Assembles coroner's container images from this machine's installed Debian packages, without a
# Docker engine or a registry. See images/README.md, or run: images/build.sh --help
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

usage() {
  cat <<EOF
Usage: images/build.sh [OPTIONS] IMAGE...

Assembles container images from the files of this machine's installed Debian packages (dpkg -L)
and the shared libraries they load (ldd). No Docker engine, no registry. Each image is written as
one tarball that holds an OCI image layout (oci-layout, index.json, blobs/) and a docker-archive
manifest.json beside it, so 'ctr images import', 'docker load', 'podman load' and
'skopeo copy oci-archive:...' all read it.

Images:
  nodejs       debug image: node, lldb with its Python, llnode (from \$(npm root -g)/llnode),
               rundebug.sh                                 -> coroner-debug-nodejs.tar
  native       debug image: gdb, lldb, rundebug.sh (gdb)   -> coroner-debug-native.tar
  java         debug image: a JDK 17 with jhsdb, rundebug.sh -> coroner-debug-java.tar
  debug        all three debug images
  agent-base   the agent image's base: glibc, sh, nsenter, eu-stack, lldb + llnode (the analysis before
               upload), a jlinked Java 17 runtime with jlink and
               java.base.jmod (to lay the composer's runtime on the host), and, from a
               JDK 22+ (--agent-jdk), the agent's own jlinked runtime in /opt/java-agent
               (snapshots and the socket receiver call the kernel through FFM), for
               Jib's tar:// base image                     -> coroner-agent-base.tar
               (the agent image itself: ./mvnw -pl coroner-agent -am package)

Options:
  -o, --out DIR          where the tarballs go (default: images/target)
  -t, --tag TAG          the image tag (default: the version in pom.xml)
  -r, --repository REPO  the name prefix (default: ghcr.io/coroner-dev; agent-base: localhost)
      --jdk DIR          the JDK 17 to take Java from (default: /usr/lib/jvm/java-17-openjdk-*)
      --agent-jdk DIR    agent-base: the JDK 22+ the agent runs on (default: the newest JDK 22+
                         under /usr/lib/jvm; 'none': the agent runs on Java 17, without
                         snapshots or the socket receiver)
      --force            rebuild even if the tarball is up to date with its inputs
  -h, --help             this text

Needs: dpkg, ldd, tar, gzip, sha256sum; for nodejs: node, npm and llnode installed
(bin/setup installs all of them). Exit codes: 0 ok, 1 failure, 2 usage.
EOF
}

die() {
  echo "images/build.sh: $*" >&2
  exit 1
}

usage_error() {
  echo "images/build.sh: $*" >&2
  echo "Run 'images/build.sh --help' for usage." >&2
  exit 2
}

out="$here/target"
tag=""
repository=""
jdk=""
agent_jdk=""
force=false
images=()
# The value of option $1, or a usage error.
value() {
  [[ $# -ge 2 && -n $2 && $2 != -* ]] || usage_error "$1 needs a value"
  echo "$2"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    -o | --out) out=$(value "$@"); shift 2 ;;
    -t | --tag) tag=$(value "$@"); shift 2 ;;
    -r | --repository) repository=$(value "$@"); shift 2 ;;
    --jdk) jdk=$(value "$@"); shift 2 ;;
    --agent-jdk) agent_jdk=$(value "$@"); shift 2 ;;
    --force) force=true; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) usage_error "unknown option '$1'" ;;
    nodejs | native | java | agent-base) images+=("$1"); shift ;;
    debug) images+=(nodejs native java); shift ;;
    *) usage_error "unknown image '$1' (nodejs, native, java, debug, agent-base)" ;;
  esac
done
[[ ${#images[@]} -gt 0 ]] || usage_error "name at least one image"

for tool in dpkg-query ldd tar gzip sha256sum; do
  command -v "$tool" >/dev/null || die "'$tool' is missing; this script runs on Debian or Ubuntu"
done
if [[ -z $tag ]]; then
  tag=$(grep -m1 -o '<version>[^<]*</version>' "$repo/pom.xml" | sed 's/<[^>]*>//g')
fi
if [[ -z $jdk ]]; then
  for d in /usr/lib/jvm/java-17-openjdk-*; do
    [[ -d $d && ! -L $d ]] && { jdk=$d; break; }
  done
fi
# java_feature DIR: the JDK's feature version (25 for 25.0.3), from its release file; 0 if none.
java_feature() {
  local v
  v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9]*\).*/\1/p' "$1/release" 2>/dev/null | head -1)
  echo "${v:-0}"
}
if [[ -z $agent_jdk ]]; then
  best=0
  for d in /usr/lib/jvm/*; do
    [[ -d $d && ! -L $d && -x $d/bin/jlink ]] || continue
    f=$(java_feature "$d")
    if [[ $f -ge 22 && $f -gt $best ]]; then agent_jdk=$d; best=$f; fi
  done
elif [[ $agent_jdk == none ]]; then
  agent_jdk=""
fi
arch=$(dpkg --print-architecture)
mkdir -p "$out"
out=$(cd "$out" && pwd)

# ---------------------------------------------------------------------------------------------
# Root file system assembly: host paths are copied at the same paths, symlinks as symlinks (with
# their targets), and every ELF file brings the libraries ldd resolves for it.

work=""
rootfs=""
declare -A seen=()
declare -a copy_list=()

new_rootfs() {
  work=$(mktemp -d "$out/.build-$1.XXXXXX")
  rootfs="$work/rootfs"
  mkdir -p "$rootfs"/{etc,tmp,root,usr/bin,usr/sbin,usr/lib,usr/lib64}
  chmod 1777 "$rootfs/tmp"
  chmod 700 "$rootfs/root"
  # Debian 12 has a merged /usr: the top-level directories are links into /usr.
  for d in bin sbin lib lib64; do ln -s "usr/$d" "$rootfs/$d"; done
  seen=()
  copy_list=()
}

cleanup() {
  [[ -n $work && -d $work ]] && rm -rf "$work"
  return 0
}
trap cleanup EXIT

# The path under /usr for a merged-/usr top-level directory; other paths as they are.
physical() {
  case "$1" in
    /bin/* | /sbin/* | /lib/* | /lib64/*) echo "/usr$1" ;;
    *) echo "$1" ;;
  esac
}

# Queues one host path (file or symlink, followed to its target) for copying. A link's target
# that does not exist is left out (check_links names it); any other missing path is an error.
add_path() {
  local p
  p=$(physical "$1")
  [[ -n ${seen[$p]:-} ]] && return 0
  seen[$p]=1
  if [[ -L $p ]]; then
    case "$p" in /bin | /sbin | /lib | /lib32 | /lib64 | /libx32) return 0 ;; esac
    copy_list+=("$p")
    # A link to a directory comes as a link; the files in it come from their own packages.
    [[ -d $p ]] && return 0
    local target
    target=$(readlink "$p")
    [[ $target == /* ]] || target="$(dirname "$p")/$target"
    target=$(realpath -m -s "$target")
    [[ -e $target || -L $target ]] && add_path "$target"
    return 0
  elif [[ -f $p ]]; then
    copy_list+=("$p")
  elif [[ -d $p ]]; then
    local f
    while IFS= read -r -d '' f; do add_path "$f"; done < <(find "$p" \( -type f -o -type l \) -print0)
  else
    die "$1 does not exist on this machine"
  fi
}

# Paths never copied from a package: documentation, headers, translations.
skip_package_path() {
  case "$1" in
    /usr/share/doc/* | /usr/share/man/* | /usr/share/info/* | /usr/share/locale/* | \
      /usr/share/lintian/* | /usr/share/bash-completion/* | /usr/include/* | \
      /usr/share/zsh/* | /usr/lib/jvm/*/jmods/* | /usr/lib/jvm/*/man/* | \
      /usr/lib/jvm/*/include/* | /usr/lib/jvm/*/lib/src.zip | /usr/lib/x86_64-linux-gnu/gconv/* | \
      /usr/lib/aarch64-linux-gnu/gconv/*) return 0 ;;
  esac
  return 1
}

add_package() {
  local pkg=$1 p
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" \
    || die "package '$pkg' is not installed (try: sudo bin/setup, or apt-get install $pkg)"
  while IFS= read -r p; do
    skip_package_path "$p" && continue
    # dpkg lists directories too; only files and links are copied (directories follow).
    if [[ -L $p || -f $p ]]; then add_path "$p"; fi
  done < <(dpkg -L "$pkg")
}

# The package that owns a file, e.g. lldb-14 for /usr/lib/llvm-14/bin/lldb.
owner() {
  local f
  f=$(realpath "$1")
  dpkg -S "$f" 2>/dev/null | head -n1 | cut -d: -f1 || true
}

# Copies everything queued into the root file system (one tar pipe, modes and links kept).
flush() {
  [[ ${#copy_list[@]} -gt 0 ]] || return 0
  printf '%s\0' "${copy_list[@]}" \
    | tar -C / --null --no-recursion -T - -cf - 2>/dev/null \
    | tar -C "$rootfs" --keep-directory-symlink -xpf -
  copy_list=()
}

# Adds the libraries every ELF file in the root file system loads, transitively (ldd lists the
# whole closure). $ldd_skip is a pattern of files whose libraries are never wanted.
add_libraries() {
  local ldd_skip=${1:-}
  flush
  local files=() f line lib
  while IFS= read -r -d '' f; do
    [[ -n $ldd_skip && $f =~ $ldd_skip ]] && continue
    local magic=""
    IFS= read -r -n 4 magic <"$f" 2>/dev/null || true
    [[ $magic == $'\x7f'ELF ]] && files+=("$f")
  done < <(find "$rootfs" -type f \( -perm -u+x -o -name '*.so*' \) -print0)
  [[ ${#files[@]} -gt 0 ]] || return 0
  while IFS= read -r line; do
    lib=""
    if [[ $line =~ =\>\ (/[^ ]+)\ \( ]]; then
      lib=${BASH_REMATCH[1]}
    elif [[ $line =~ ^[[:space:]]+(/[^ ]+)\ \( ]]; then
      lib=${BASH_REMATCH[1]}
    fi
    # Libraries inside the image already (the JDK's own) are there.
    [[ -n $lib && $lib != "$rootfs"* ]] && add_path "$lib"
  done < <(printf '%s\0' "${files[@]}" | xargs -0 -n 64 ldd 2>/dev/null || true)
  flush
}

# Plain files the image needs besides the packages.
base_etc() {
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n' \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  printf 'passwd: files\ngroup: files\nhosts: files dns\n' >"$rootfs/etc/nsswitch.conf"
  cp /etc/os-release "$rootfs/etc/os-release" 2>/dev/null || true
}

check_links() {
  local dangling
  dangling=$(find "$rootfs" -xtype l -printf '/%P\n' | head -n 20)
  if [[ -n $dangling ]]; then
    echo "images/build.sh: note: links whose target is not in the image:" >&2
    echo "  ${dangling//$'\n'/$'\n'  }" >&2
  fi
}

# ---------------------------------------------------------------------------------------------
# Image writing: one gzip layer, an OCI config and manifest, an OCI index and a docker-archive
# manifest.json, all in one tarball.

json_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

json_array() {
  local first=true s
  printf '['
  for s in "$@"; do
    $first || printf ','
    first=false
    json_string "$s"
  done
  printf ']'
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# write_image NAME REFERENCE ENTRYPOINT-JSON CMD-JSON WORKDIR ENV...
write_image() {
  local name=$1 ref=$2 entrypoint=$3 cmd=$4 workdir=$5
  shift 5
  local env=("$@")
  local layout="$work/layout"
  mkdir -p "$layout/blobs/sha256"
  echo "images/build.sh: $name: packing $(du -sh "$rootfs" | cut -f1) into one layer"
  tar --sort=name --numeric-owner --owner=0 --group=0 -C "$rootfs" -cf "$work/layer.tar" .
  local diff_id layer layer_size
  diff_id=$(sha256_of "$work/layer.tar")
  if command -v pigz >/dev/null; then pigz -n -c "$work/layer.tar" >"$work/layer.tar.gz"; else
    gzip -n -c "$work/layer.tar" >"$work/layer.tar.gz"
  fi
  rm "$work/layer.tar"
  layer=$(sha256_of "$work/layer.tar.gz")
  layer_size=$(stat -c %s "$work/layer.tar.gz")
  mv "$work/layer.tar.gz" "$layout/blobs/sha256/$layer"

  local created config
  created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  config=$(printf '{"architecture":"%s","os":"linux","created":"%s","config":{"Entrypoint":%s,"Cmd":%s,"Env":%s,"WorkingDir":%s,"Labels":{"org.opencontainers.image.source":"https://github.com/coroner-dev/coroner","org.opencontainers.image.version":%s,"org.opencontainers.image.title":%s}},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created":"%s","created_by":"images/build.sh %s"}]}' \
    "$arch" "$created" "$entrypoint" "$cmd" "$(json_array "${env[@]}")" "$(json_string "$workdir")" \
    "$(json_string "$tag")" "$(json_string "$name")" "$diff_id" "$created" "$name")
  printf '%s' "$config" >"$work/config.json"
  local config_digest config_size
  config_digest=$(sha256_of "$work/config.json")
  config_size=$(stat -c %s "$work/config.json")
  mv "$work/config.json" "$layout/blobs/sha256/$config_digest"

  local manifest manifest_digest manifest_size
  manifest=$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%s}]}' \
    "$config_digest" "$config_size" "$layer" "$layer_size")
  printf '%s' "$manifest" >"$work/manifest"
  manifest_digest=$(sha256_of "$work/manifest")
  manifest_size=$(stat -c %s "$work/manifest")
  mv "$work/manifest" "$layout/blobs/sha256/$manifest_digest"

  printf '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"io.containerd.image.name":%s,"org.opencontainers.image.ref.name":%s}}]}' \
    "$manifest_digest" "$manifest_size" "$(json_string "$ref")" "$(json_string "$tag")" \
    >"$layout/index.json"
  # docker load (before Docker 25) reads only this file.
  printf '[{"Config":"blobs/sha256/%s","RepoTags":[%s],"Layers":["blobs/sha256/%s"]}]' \
    "$config_digest" "$(json_string "$ref")" "$layer" >"$layout/manifest.json"

  local tarball="$out/$name.tar"
  tar -C "$layout" -cf "$tarball.tmp" oci-layout index.json manifest.json blobs
  mv "$tarball.tmp" "$tarball"
  echo "images/build.sh: $name: $ref -> $tarball ($(du -h "$tarball" | cut -f1))"
}

# Skips a build whose inputs are unchanged: the key is everything the image is made of.
up_to_date() {
  local name=$1 key=$2
  $force && return 1
  [[ -f "$out/$name.tar" && -f "$out/$name.key" ]] || return 1
  [[ $(cat "$out/$name.key") == "$key" ]]
}

input_key() {
  {
    sha256sum "$0"
    echo "tag=$tag repository=$repository arch=$arch"
    dpkg-query -W -f='${Package} ${Version}\n' "$@" 2>/dev/null || true
  } | sha256sum | cut -d' ' -f1
}

# ---------------------------------------------------------------------------------------------
# The images.

repo_prefix() { echo "${repository:-$1}"; }

# lldb and the Python it embeds: the versioned packages behind /usr/bin/lldb.
lldb_packages() {
  command -v lldb >/dev/null || die "lldb is not installed (bin/setup installs it)"
  local lldb_pkg
  lldb_pkg=$(owner "$(command -v lldb)")
  [[ -n $lldb_pkg ]] || die "cannot tell which package installed $(command -v lldb)"
  # The Python modules the bindings import (python3-six on Debian 12).
  local python_deps
  python_deps=$(dpkg-query -W -f='${Depends}' "python3-$lldb_pkg" | grep -o 'python3-[a-z0-9.+-]*' \
    | grep -v "^python3-$lldb_pkg\$" | tr '\n' ' ' || true)
  echo "$lldb_pkg" "lib$lldb_pkg" "python3-$lldb_pkg" lldb "$python_deps" \
    "$(python_packages "$(realpath "$(command -v lldb)")")"
}

# The Python standard library for whatever libpython the given binary links.
python_packages() {
  local py
  py=$(ldd "$1" "$(dirname "$1")"/../lib/liblldb*.so* 2>/dev/null \
    | grep -o 'libpython3\.[0-9]*' | head -n1 || true)
  [[ -n $py ]] || return 0
  local v=${py#libpython}
  echo "$py" "$py-stdlib" "$py-minimal" "python$v-minimal"
}

# PYTHONPATH for Debian's lldb: its bindings sit in a versioned directory that lldb does not
# search ("No module named 'lldb.embedded_interpreter'" otherwise).
lldb_pythonpath() {
  local d
  for d in /usr/lib/llvm-*/lib/python3.*/dist-packages; do
    [[ -d $d/lldb ]] && { echo "$d"; return 0; }
  done
  return 0
}

debug_common() {
  add_package bash
  add_package coreutils
  add_package libc6
  # What `coroner debug --k8s` runs in the debug image's init container to fetch and verify a
  # dump (coroner-cli's k8s/fetch-dump.sh): curl (https, so the CA bundle), unzip, zstd.
  add_package curl
  add_package unzip
  add_package zstd
  [[ -f /etc/ssl/certs/ca-certificates.crt ]] && add_path /etc/ssl/certs/ca-certificates.crt
  ln -sf bash "$rootfs/usr/bin/sh"
  mkdir -p "$rootfs/debug"
  base_etc
}

build_nodejs() {
  local name=coroner-debug-nodejs
  command -v node >/dev/null || die "node is not installed (bin/setup installs it)"
  command -v npm >/dev/null || die "npm is not installed (bin/setup installs it)"
  local llnode
  llnode="$(npm root -g)/llnode/llnode.so"
  [[ -f $llnode ]] || die "llnode is not built: $llnode is missing (run: npm install -g --allow-scripts=llnode llnode)"
  local pkgs
  read -r -a pkgs <<<"$(lldb_packages)"
  local key
  key=$({
    input_key bash coreutils libc6 curl unzip zstd "${pkgs[@]}"
    sha256sum "$(realpath "$(command -v node)")" "$llnode" "$here/nodejs/rundebug.sh"
  } | sha256sum | cut -d' ' -f1)
  if up_to_date "$name" "$key"; then echo "images/build.sh: $name is up to date"; return 0; fi
  new_rootfs nodejs
  debug_common
  local p
  for p in "${pkgs[@]}"; do add_package "$p"; done
  add_path "$(command -v node)"
  flush
  mkdir -p "$rootfs/usr/lib/node_modules/llnode"
  cp "$llnode" "$rootfs/usr/lib/node_modules/llnode/llnode.so"
  install -D -m 755 "$here/nodejs/rundebug.sh" "$rootfs/usr/local/bin/rundebug.sh"
  add_libraries
  check_links
  local ref
  ref="$(repo_prefix ghcr.io/coroner-dev)/$name:$tag"
  write_image "$name" "$ref" '[]' '["/bin/bash"]' /debug \
    "PATH=/usr/local/bin:/usr/bin:/bin" "LANG=C.UTF-8" "PYTHONPATH=$(lldb_pythonpath)" \
    "LLNODE=/usr/lib/node_modules/llnode/llnode.so"
  echo "$key" >"$out/$name.key"
  cleanup
}

build_native() {
  local name=coroner-debug-native
  command -v gdb >/dev/null || die "gdb is not installed (bin/setup installs it)"
  local pkgs
  read -r -a pkgs <<<"$(lldb_packages) gdb $(python_packages "$(command -v gdb)")"
  local key
  key=$({
    input_key bash coreutils libc6 curl unzip zstd "${pkgs[@]}"
    sha256sum "$here/native/rundebug.sh"
  } | sha256sum | cut -d' ' -f1)
  if up_to_date "$name" "$key"; then echo "images/build.sh: $name is up to date"; return 0; fi
  new_rootfs native
  debug_common
  local p
  for p in "${pkgs[@]}"; do add_package "$p"; done
  install -D -m 755 "$here/native/rundebug.sh" "$rootfs/usr/local/bin/rundebug.sh"
  add_libraries
  check_links
  local ref
  ref="$(repo_prefix ghcr.io/coroner-dev)/$name:$tag"
  write_image "$name" "$ref" '[]' '["/bin/bash"]' /debug \
    "PATH=/usr/local/bin:/usr/bin:/bin" "LANG=C.UTF-8" "PYTHONPATH=$(lldb_pythonpath)"
  echo "$key" >"$out/$name.key"
  cleanup
}

build_java() {
  local name=coroner-debug-java
  [[ -n $jdk && -x $jdk/bin/jhsdb ]] || die "no JDK 17 with jhsdb at '${jdk:-/usr/lib/jvm/java-17-openjdk-*}' (apt-get install openjdk-17-jdk-headless, or pass --jdk)"
  local jdk_pkgs
  read -r -a jdk_pkgs <<<"$(owner "$jdk/bin/jhsdb") $(owner "$jdk/bin/java")"
  [[ -n ${jdk_pkgs[*]} ]] || die "$jdk is not from a Debian package; pass --jdk with Debian's openjdk-17"
  local key
  key=$({
    input_key bash coreutils libc6 curl unzip zstd ca-certificates-java "${jdk_pkgs[@]}"
    sha256sum "$here/java/rundebug.sh"
  } | sha256sum | cut -d' ' -f1)
  if up_to_date "$name" "$key"; then echo "images/build.sh: $name is up to date"; return 0; fi
  new_rootfs java
  debug_common
  local p
  for p in "${jdk_pkgs[@]}"; do add_package "$p"; done
  [[ -f /etc/ssl/certs/java/cacerts ]] && add_path /etc/ssl/certs/java/cacerts
  install -D -m 755 "$here/java/rundebug.sh" "$rootfs/usr/local/bin/rundebug.sh"
  # The JDK's AWT libraries would bring X11; jhsdb's command line never loads them.
  add_libraries '/(libawt_xawt|libawt|libfontmanager|libjawt|libsplashscreen|libjsound|liblcms|libjavajpeg|libmlib_image)\.so$'
  check_links
  local ref
  ref="$(repo_prefix ghcr.io/coroner-dev)/$name:$tag"
  write_image "$name" "$ref" '[]' '["/bin/bash"]' /debug \
    "PATH=/usr/local/bin:$jdk/bin:/usr/bin:/bin" "LANG=C.UTF-8" "JAVA_HOME=$jdk"
  echo "$key" >"$out/$name.key"
  cleanup
}

# The agent's base: glibc, a shell for the launcher and the preStop hook, and a Java runtime that
# runs the agent and can jlink the composer's runtime on the host (jdk.jlink + java.base.jmod).
build_agent_base() {
  local name=coroner-agent-base
  [[ -n $jdk && -x $jdk/bin/jlink && -f $jdk/jmods/java.base.jmod ]] \
    || die "no JDK 17 with jlink and jmods at '${jdk:-/usr/lib/jvm/java-17-openjdk-*}' (apt-get install openjdk-17-jdk-headless, or pass --jdk)"
  # The analysis before upload (docs/analysis.md): eu-stack for native frames, lldb with llnode
  # for Node.js; the agent finds them on PATH and llnode in the global npm root.
  command -v eu-stack >/dev/null || die "eu-stack is missing (apt-get install elfutils)"
  local pkgs llnode
  read -r -a pkgs <<<"$(lldb_packages)"
  llnode="$(npm root -g 2>/dev/null)/llnode/llnode.so"
  local key
  key=$({
    input_key libc6 dash binutils "$(owner "$(command -v objcopy)")" "$(owner "$jdk/bin/jlink")" \
      "$(owner "$jdk/bin/java")" ca-certificates-java elfutils util-linux "${pkgs[@]}"
    cat "$jdk/release"
    sha256sum "$jdk/jmods/java.base.jmod"
    [[ -n $agent_jdk ]] && cat "$agent_jdk/release"
    [[ -f $llnode ]] && sha256sum "$llnode"
  } | sha256sum | cut -d' ' -f1)
  if up_to_date "$name" "$key"; then echo "images/build.sh: $name is up to date"; return 0; fi
  new_rootfs agent-base
  add_package libc6
  add_path /bin/dash
  add_package elfutils
  local p
  for p in "${pkgs[@]}"; do add_package "$p"; done
  if [[ -f $llnode ]]; then
    mkdir -p "$rootfs/usr/lib/node_modules/llnode"
    cp "$llnode" "$rootfs/usr/lib/node_modules/llnode/llnode.so"
  else
    echo "images/build.sh: $name: no llnode ($llnode): Node.js dumps get native frames only" >&2
  fi
  # Debian's jlink --strip-debug strips native debug symbols with objcopy (the composer's runtime
  # is linked with it).
  command -v objcopy >/dev/null || die "objcopy is missing (apt-get install binutils)"
  add_path "$(command -v objcopy)"
  # The socket receiver in a pod writes its '@@' core_pattern from the host's mount namespace
  # through nsenter (docs/receiver.md, "In the agent"); the rest of util-linux is not needed.
  command -v nsenter >/dev/null || die "nsenter is missing (apt-get install util-linux)"
  add_path "$(command -v nsenter)"
  flush
  ln -s dash "$rootfs/usr/bin/sh"
  base_etc
  # What the agent's libraries use (java.se covers java.beans, java.sql, ...), plus the JDK
  # modules they reach outside java.se: Unsafe (Netty, protobuf), EC and PKCS#11 for TLS, the
  # HTTP server (metrics), management beans (JVM metrics), DNS; jcmd for a look inside.
  local modules=java.se,jdk.unsupported,jdk.crypto.ec,jdk.crypto.cryptoki,jdk.httpserver
  modules+=,jdk.management,jdk.naming.dns,jdk.net,jdk.security.auth,jdk.zipfs,jdk.jlink
  modules+=,jdk.jcmd,jdk.attach
  echo "images/build.sh: $name: jlink $modules from $jdk"
  mkdir -p "$rootfs/opt"
  "$jdk/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --generate-cds-archive --output "$rootfs/opt/java" >/dev/null
  # jlink finds JAVA_HOME/jmods by itself: the composer's runtime is linked from java.base.
  mkdir -p "$rootfs/opt/java/jmods"
  cp "$jdk/jmods/java.base.jmod" "$rootfs/opt/java/jmods/"
  # Debian's trust store (ca-certificates-java) rather than the one inside the jmod.
  if [[ -f /etc/ssl/certs/java/cacerts ]]; then
    cp /etc/ssl/certs/java/cacerts "$rootfs/opt/java/lib/security/cacerts"
  fi
  # The agent's own runtime: snapshots (ptrace) and the socket receiver call the kernel through
  # FFM, which needs Java 22+. The image's launcher takes it when it is there; Java 17 stays for
  # jlink (the composer's runtime is linked from its java.base.jmod: a JDK without packaged
  # modules cannot link an image that contains jlink).
  if [[ -n $agent_jdk ]]; then
    [[ $(java_feature "$agent_jdk") -ge 22 && -x $agent_jdk/bin/jlink ]] \
      || die "--agent-jdk '$agent_jdk' is not a JDK 22 or newer with jlink"
    local agent_modules=${modules%,jdk.jlink*}${modules#*jdk.jlink}
    echo "images/build.sh: $name: jlink $agent_modules from $agent_jdk (/opt/java-agent)"
    "$agent_jdk/bin/jlink" --add-modules "$agent_modules" --strip-debug --no-man-pages \
      --no-header-files --generate-cds-archive --output "$rootfs/opt/java-agent" >/dev/null
    if [[ -f /etc/ssl/certs/java/cacerts ]]; then
      cp /etc/ssl/certs/java/cacerts "$rootfs/opt/java-agent/lib/security/cacerts"
    fi
  else
    echo "images/build.sh: $name: no JDK 22+ (--agent-jdk): the agent runs on Java 17, without snapshots or the socket receiver" >&2
  fi
  add_libraries '/(libawt_xawt|libawt|libfontmanager|libjawt|libsplashscreen|libjsound|liblcms|libjavajpeg|libmlib_image)\.so$'
  check_links
  local ref
  ref="$(repo_prefix localhost)/$name:$tag"
  write_image "$name" "$ref" '["/opt/java/bin/java"]' '["-version"]' / \
    "PATH=/opt/java/bin:/usr/sbin:/usr/bin:/sbin:/bin" "JAVA_HOME=/opt/java" "LANG=C.UTF-8"
  echo "$key" >"$out/$name.key"
  cleanup
}

for image in "${images[@]}"; do
  start=$SECONDS
  case "$image" in
    nodejs) build_nodejs ;;
    native) build_native ;;
    java) build_java ;;
    agent-base) build_agent_base ;;
  esac
  echo "images/build.sh: $image: $((SECONDS - start)) s"
done
