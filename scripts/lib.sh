# Shared by scripts/run and scripts/test: install what is missing, build what is stale.
# Every install step the project needs lives here, so a fresh Debian 12 machine (as root) needs nothing else.
set -euo pipefail

SUDA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${SUDA_JOBS:-$(nproc)}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The Debian packages to build and run suda.
BUILD_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config git ca-certificates
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libsqlite3-dev libsodium-dev libvips-dev libpq-dev libhiredis-dev libjemalloc-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

# What the test suites need on top: Chromium for the browser tests (never a downloaded browser), and fonts
# so Korean text and emoji render in the screenshots.
TEST_PACKAGES=(chromium fonts-nanum fonts-noto-color-emoji)

# Installs the Debian packages given that are not installed yet (apt-get update only when needed).
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]})); then
    log "installing: ${missing[*]}"
    local sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Node.js (20 or newer, for the web UI build and the functional tests). Debian's nodejs package is used when
# no node is installed.
ensure_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    ensure_packages nodejs npm
  fi
}

# The ccache settings of every C++ build (CMake picks ccache up by itself when it is installed).
use_ccache() {
  # Outside the work tree, so a fresh clone on the same machine (CI) starts with a warm cache.
  export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/suda-ccache}"
  # Precompiled headers are cacheable only with these relaxations (ccache manual, "Precompiled headers").
  export CCACHE_SLOPPINESS="pch_defines,time_macros,include_file_mtime,include_file_ctime"
  # Paths relative to the checkout, and the build folder left out of the hash, so that another clone of the tree
  # (each at its own path) hits what this one compiled; debug info may then name the first clone's folder.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$SUDA_ROOT}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
}

# Configures and builds the C++ tree in $1 with extra CMake arguments; only stale targets are rebuilt.
build_cpp() {
  local dir="$1"; shift
  use_ccache
  if [[ ! -f "$dir/build.ninja" ]]; then
    cmake -S "$SUDA_ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  fi
  cmake --build "$dir" -j "$JOBS"
}

# npm ci in folder $1 from its committed lockfile, unless its node_modules is up to date with it.
npm_install() {
  local dir="$1"
  [[ -f "$dir/package-lock.json" ]] || return 0
  if [[ ! -f "$dir/node_modules/.package-lock.json" || "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Builds the web UI into web/dist.
build_web() {
  ensure_node
  log "building the web UI"
  npm_install "$SUDA_ROOT/web"
  (cd "$SUDA_ROOT/web" && npm run build --silent)
}
